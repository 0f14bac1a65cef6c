//! Where a context's backup artifacts live: `backup_dir` from its settings, else
//! `<state root>/backups/<context>/`; a `backup_dir` inside a git work tree is refused.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::ContextDir;
use crate::state::{fsio, repo};

/// A context setting read from `paasdeck.json`, else `config.json`.
pub fn setting(cd: &ContextDir, key: &str) -> Result<Option<(PathBuf, Value)>> {
    for path in [cd.dir().join("paasdeck.json"), cd.config()] {
        if let Some(Value::Object(doc)) = fsio::read_json::<Value>(&path)?
            && let Some(v) = doc.get(key).filter(|v| !v.is_null())
        {
            return Ok(Some((path, v.clone())));
        }
    }
    Ok(None)
}

pub fn corrupt_setting(path: &Path, field: &str, why: &str) -> PaasError {
    PaasError::new(
        ErrorCode::StateCorrupt,
        "backup_config",
        format!("{}: field {field}: {why}", path.display()),
    )
    .with_remediation(format!("fix {field} in {} by hand", path.display()))
}

/// Where the context's artifacts live: `backup_dir` from its config, else
/// `<state root>/backups/<context>/`. A `backup_dir` inside a git work tree is refused.
pub fn store_path(cd: &ContextDir) -> Result<PathBuf> {
    let Some((path, v)) = setting(cd, "backup_dir")? else {
        return Ok(cd.root_path().join("backups").join(cd.name()));
    };
    let dir = match v.as_str() {
        Some(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Ok(cd.root_path().join("backups").join(cd.name())),
    };
    let p = Path::new(&dir);
    let plain = p.components().all(|c| {
        matches!(
            c,
            std::path::Component::RootDir | std::path::Component::Normal(_)
        )
    });
    if !p.is_absolute() || !plain || crate::text::has_control(&dir) {
        return Err(corrupt_setting(
            &path,
            "backup_dir",
            "not an absolute, plain directory path",
        ));
    }
    if let Some(repo) = repo::find_repo_root(p) {
        return Err(PaasError::new(
            ErrorCode::ContextGuard,
            "backup_config",
            format!(
                "backup_dir {} lies inside the git work tree {}; refusing to write backups there",
                p.display(),
                repo.display()
            ),
        )
        .with_remediation(format!(
            "point backup_dir in {} outside any repository",
            path.display()
        )));
    }
    Ok(p.to_path_buf())
}
