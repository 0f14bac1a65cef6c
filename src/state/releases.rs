//! Release bundle metadata (`releases/<app>/<release>/release.json`, the `si paas` fields): read
//! with the same rules as every other document, and checked against where the bundle lies, so a
//! bundle made for another release, app or context is never applied here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{PaasError, Result};
use crate::state::fsio;
use crate::state::ids::{AppName, ContextName, ReleaseId, TargetName};
use crate::state::paths::ContextDir;

pub mod bundles;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReleaseMeta {
    pub release_id: ReleaseId,
    pub context: ContextName,
    pub app: AppName,
    #[serde(default)]
    pub compose_sha256: String,
    /// The targets as selected (`si paas` may leave it out or write `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<TargetName>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reads a bundle's `release.json`: `Ok(None)` when it is missing, `PAAS_STATE_CORRUPT` naming
/// the file and field when a value breaks its rule or the bundle belongs elsewhere.
pub fn load_meta(
    cd: &ContextDir,
    app: &AppName,
    release: &ReleaseId,
    path: &Path,
) -> Result<Option<ReleaseMeta>> {
    let Some(meta) = fsio::read_json::<ReleaseMeta>(path)? else {
        return Ok(None);
    };
    let mismatch = |field: &str, found: &str, want: &str| -> PaasError {
        fsio::corrupt(
            path,
            1,
            1,
            &format!("field {field}: the bundle was made for {found}, but it lies under {want}"),
        )
    };
    if meta.release_id != *release {
        return Err(mismatch("release_id", &meta.release_id, release));
    }
    if meta.app.key() != app.key() {
        return Err(mismatch("app", &meta.app, app));
    }
    if meta.context.as_str() != cd.name() {
        return Err(mismatch("context", &meta.context, cd.name()));
    }
    Ok(Some(meta))
}

/// A `.env` file inside a local release bundle: `si paas` kept the resolved values of every
/// variable its compose files reference there, in plaintext. paasdeck never writes one.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleEnv {
    pub path: PathBuf,
    /// The variable names it assigns (names only; values are never read into memory twice).
    pub keys: Vec<String>,
}

/// Every `.env` in `releases/<app>/<release>/`, sorted by path.
pub fn bundle_env_files(cd: &ContextDir) -> Vec<BundleEnv> {
    bundles::env_files(&bundles::scan(cd))
}

/// `context scrub-bundles`: every bundle `.env` found under the context's lock and, with
/// `apply`, removed (the values live in the vault; deploys stream them from there).
pub fn scrub_bundle_env(cd: &ContextDir, apply: bool) -> Result<Vec<BundleEnv>> {
    let _lock = cd.lock()?;
    let found = bundle_env_files(cd);
    if apply {
        for f in &found {
            std::fs::remove_file(&f.path)
                .map_err(|e| PaasError::io("scrub_bundles", &f.path, &e))?;
        }
    }
    Ok(found)
}

/// The names a dotenv text assigns (`KEY=…`, `export KEY=…`), in order.
fn dotenv_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, _) = l.split_once('=')?;
            let k = k.trim();
            let valid = !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit());
            valid.then(|| k.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::state::StateRoot;

    const REL: &str = "rel-20260101T000000-000000001";

    fn write(dir: &Path, doc: &str) -> std::path::PathBuf {
        let p = dir.join("release.json");
        std::fs::write(&p, doc).unwrap();
        p
    }

    #[test]
    fn env_files_in_bundles_are_found_by_name_only() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let b = cd.releases_dir().join("web").join(REL);
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            b.join(".env"),
            "# comment\nDATABASE_URL=postgres://app:s3cr3t@db/app\nexport API_TOKEN='x'\n\nnot a line\n",
        )
        .unwrap();
        std::fs::create_dir_all(cd.releases_dir().join("web").join("rel-2")).unwrap();
        let found = bundle_env_files(&cd);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].keys, ["DATABASE_URL", "API_TOKEN"]);
        assert!(!format!("{found:?}").contains("s3cr3t"));
    }

    #[test]
    fn bundles_from_elsewhere_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let app = AppName::parse("web").unwrap();
        let rel = ReleaseId::parse(REL).unwrap();
        let ok = write(
            t.path(),
            &format!(
                r#"{{"schema_version":1,"release_id":"{REL}","context":"base","app":"web","compose_sha256":"ab"}}"#
            ),
        );
        let m = load_meta(&cd, &app, &rel, &ok).unwrap().unwrap();
        assert_eq!(m.compose_sha256, "ab");
        assert_eq!(m.extra["schema_version"], 1);
        for (doc, field) in [
            (
                format!(r#"{{"release_id":"{REL}","context":"other","app":"web"}}"#),
                "context",
            ),
            (
                format!(r#"{{"release_id":"{REL}","context":"base","app":"api"}}"#),
                "app",
            ),
            (
                r#"{"release_id":"rel-20260101T000000-000000002","context":"base","app":"web"}"#
                    .to_string(),
                "release_id",
            ),
            (
                r#"{"release_id":"../x","context":"base","app":"web"}"#.to_string(),
                "release_id",
            ),
        ] {
            let p = write(t.path(), &doc);
            let e = load_meta(&cd, &app, &rel, &p).unwrap_err();
            assert_eq!(e.code, ErrorCode::StateCorrupt, "{doc}");
            assert!(
                e.message.contains(&format!("field {field}")),
                "{}",
                e.message
            );
        }
        assert!(
            load_meta(&cd, &app, &rel, &t.path().join("missing.json"))
                .unwrap()
                .is_none()
        );
    }
}
