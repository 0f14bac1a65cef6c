//! The commit point of a state restore. The restored files are staged in full beside the
//! context (`.paasdeck-restore-<pid>-…/`); then this journal — which staged files replace which,
//! which files go — is written atomically, and only then are the files moved. A restore killed
//! before the journal exists changed nothing; one killed after it is finished by the next
//! process that takes the context lock (every command touching the context does, see
//! `Invocation::resolve`). Either way the context is wholly old or wholly restored.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::{fault, fsio};

/// The journal's name in the context directory.
pub const FILE: &str = "restore-journal.json";

/// The staging directories' prefix.
pub const STAGING_PREFIX: &str = ".paasdeck-restore-";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// The staging directory's name, in the context directory.
    pub staging: String,
    /// Files (relative to the context) that the staged copy replaces.
    pub moves: Vec<String>,
    /// Files that the restore removes.
    pub removals: Vec<String>,
}

fn corrupt(path: &Path, why: &str) -> PaasError {
    PaasError::new(
        ErrorCode::StateCorrupt,
        "backup_restore",
        format!("{}: {why}", path.display()),
    )
    .with_remediation(format!(
        "a state restore was interrupted and its journal cannot be read; restore the context again from its state backup (`backup restore --from ID --force`) after removing {}",
        path.display()
    ))
}

/// A path inside the context: relative, plain, no control characters.
fn plain(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty()
        && !crate::text::has_control(rel)
        && p.components().all(|c| matches!(c, Component::Normal(_)))
}

impl Journal {
    /// Read like input: a name from the file never leaves the context directory.
    fn check(&self, path: &Path) -> Result<()> {
        let staging_ok = self.staging.starts_with(STAGING_PREFIX)
            && plain(&self.staging)
            && !self.staging.contains('/');
        if !staging_ok {
            return Err(corrupt(path, "field staging: not a staging directory name"));
        }
        for (field, list) in [("moves", &self.moves), ("removals", &self.removals)] {
            if let Some(i) = list.iter().position(|r| !plain(r)) {
                return Err(corrupt(
                    path,
                    &format!("field {field}[{i}]: not a path inside the context"),
                ));
            }
        }
        Ok(())
    }
}

/// Writes the journal (the commit point), applies it and removes it. The caller holds the
/// context lock and has every staged file synced.
pub fn commit(dir: &Path, journal: &Journal) -> Result<()> {
    let path = dir.join(FILE);
    journal.check(&path)?;
    fsio::write_json_atomic(&path, journal)?;
    fault::point("restore_journal_written");
    apply(dir, journal)?;
    finish(dir, journal, &path)
}

/// Finishes a restore that was interrupted after its commit point. The caller holds the lock.
pub fn finish_pending(dir: &Path, context: &str) -> Result<()> {
    let path = dir.join(FILE);
    let Some(journal) = fsio::read_json::<Journal>(&path)? else {
        return Ok(());
    };
    journal.check(&path)?;
    tracing::warn!(context = context, "finishing an interrupted state restore");
    apply(dir, &journal)?;
    finish(dir, &journal, &path)
}

/// Moves and removes; each step can be repeated (a staged file already moved is gone).
fn apply(dir: &Path, journal: &Journal) -> Result<()> {
    let staging = dir.join(&journal.staging);
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for (i, rel) in journal.moves.iter().enumerate() {
        let (from, to) = (staging.join(rel), dir.join(rel));
        if fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let dir = to.parent().unwrap_or(dir).to_path_buf();
        if !dirs.contains(&dir) {
            fsio::ensure_dir(&dir)?;
            dirs.insert(dir);
        }
        fs::rename(&from, &to).map_err(|e| PaasError::io("backup_restore", &to, &e))?;
        fault::point(&format!("restore_move:{}", i + 1));
    }
    for rel in &journal.removals {
        let p = dir.join(rel);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(PaasError::io("backup_restore", &p, &e)),
        }
        if let Some(dir) = p.parent() {
            dirs.insert(dir.to_path_buf());
        }
    }
    for d in &dirs {
        fsio::sync_dir(d);
    }
    Ok(())
}

fn finish(dir: &Path, journal: &Journal, path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|e| PaasError::io("backup_restore", path, &e))?;
    fsio::sync_dir(dir);
    let _ = fs::remove_dir_all(dir.join(&journal.staging));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_journal_stay_inside_the_context() {
        let p = Path::new("/ctx/restore-journal.json");
        let ok = Journal {
            staging: ".paasdeck-restore-12-abc".into(),
            moves: vec!["config.json".into(), "events/audit.jsonl".into()],
            removals: vec!["addons.json".into()],
        };
        assert!(ok.check(p).is_ok());
        for bad in [
            Journal {
                staging: "../x".into(),
                ..ok.clone()
            },
            Journal {
                moves: vec!["../../etc/passwd".into()],
                ..ok.clone()
            },
            Journal {
                removals: vec!["/etc/passwd".into()],
                ..ok.clone()
            },
        ] {
            let e = bad.check(p).unwrap_err();
            assert_eq!(e.code, ErrorCode::StateCorrupt);
            assert!(e.message.contains("restore-journal.json"), "{}", e.message);
        }
    }
}
