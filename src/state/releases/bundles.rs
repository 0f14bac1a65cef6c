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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;

    #[test]
    fn one_walk_reads_each_bundle_s_metadata_and_env_file() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let rel = |app: &str, id: &str| {
            let d = cd.releases_dir().join(app).join(id);
            std::fs::create_dir_all(&d).unwrap();
            d
        };
        let mine = rel("web", "rel-1");
        std::fs::write(
            mine.join("release.json"),
            r#"{"context":"base","api_token":"x"}"#,
        )
        .unwrap();
        std::fs::write(mine.join(".env"), "DATABASE_URL=postgres://u:p@db/x\n").unwrap();
        let theirs = rel("web", "rel-2");
        std::fs::write(theirs.join("release.json"), r#"{"context":"other"}"#).unwrap();
        rel("api", "rel-3"); // neither file: not a bundle to look at
        std::fs::write(cd.releases_dir().join("stray-file"), "").unwrap();
        let found = scan(&cd);
        let dirs: Vec<&PathBuf> = found.iter().map(|b| &b.dir).collect();
        assert_eq!(dirs, [&mine, &theirs]);
        assert_eq!(found[0].context(), Some("base"));
        assert_eq!(found[0].meta.as_ref().unwrap()["api_token"], "x");
        assert_eq!(found[1].context(), Some("other"));
        let envs = env_files(&found);
        assert_eq!(envs.len(), 1);
        assert_eq!(envs[0].keys, ["DATABASE_URL"]);
        assert!(!format!("{envs:?}").contains("postgres://"));
    }
}
