//! Every local release bundle of a context read in one walk of `releases/<app>/<release>/`:
//! its `release.json` parsed once and its `.env` (names only), for the doctor's checks that
//! look at bundles (plaintext values, `.env` files, bundles of another context).

use std::path::PathBuf;

use serde_json::Value;

use super::{BundleEnv, dotenv_keys};
use crate::state::paths::ContextDir;

/// One bundle directory.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    /// `release.json` when it exists and is JSON.
    pub meta: Option<Value>,
    /// Its `.env` file, when it has one.
    pub env: Option<BundleEnv>,
}

impl Bundle {
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join("release.json")
    }

    /// The context its `release.json` names, when that is not empty.
    pub fn context(&self) -> Option<&str> {
        match self.meta.as_ref()?.get("context")? {
            Value::String(c) if !c.is_empty() => Some(c),
            _ => None,
        }
    }
}

/// Every bundle, sorted by directory.
pub fn scan(cd: &ContextDir) -> Vec<Bundle> {
    let mut out = Vec::new();
    let Ok(apps) = std::fs::read_dir(cd.releases_dir()) else {
        return out;
    };
    for app in apps.flatten() {
        let Ok(rels) = std::fs::read_dir(app.path()) else {
            continue;
        };
        for rel in rels.flatten() {
            let dir = rel.path();
            let meta = std::fs::read(dir.join("release.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
            let env_path = dir.join(".env");
            let env = std::fs::symlink_metadata(&env_path)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|_| {
                    let text = std::fs::read(&env_path)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    BundleEnv {
                        keys: dotenv_keys(&text),
                        path: env_path,
                    }
                });
            if meta.is_some() || env.is_some() {
                out.push(Bundle { dir, meta, env });
            }
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

/// The `.env` files among `bundles`, sorted by path.
pub fn env_files(bundles: &[Bundle]) -> Vec<BundleEnv> {
    bundles.iter().filter_map(|b| b.env.clone()).collect()
}
