//! The backups catalogue (`backups.json`, a paasdeck addition): one row per backup (SPEC §12),
//! what was backed up, when, how big, its checksums, who can decrypt it and whether it
//! verified. Every change is a read-modify-write under the context lock.

mod row;
mod store;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::fsio;
use crate::state::paths::ContextDir;

pub use row::{BackupId, BackupKind, BackupRow, BackupStatus, VerifyState, fingerprint, hex};
pub use store::{corrupt_setting, setting, store_path};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BackupsDoc {
    #[serde(default)]
    pub backups: Vec<BackupRow>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a backup is of: one app, or the context's state. Retention and "the latest backup"
/// are per group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupGroup {
    State,
    App(String),
}

impl BackupGroup {
    pub fn of(row: &BackupRow) -> BackupGroup {
        match (&row.kind, &row.app) {
            (BackupKind::App, Some(a)) => BackupGroup::App(a.to_string()),
            _ => BackupGroup::State,
        }
    }

    pub fn label(&self) -> String {
        match self {
            BackupGroup::State => "state".to_string(),
            BackupGroup::App(a) => format!("app {a}"),
        }
    }
}

impl BackupsDoc {
    pub fn find(&self, id: &str) -> Option<&BackupRow> {
        self.backups.iter().find(|b| b.id.as_str() == id)
    }

    /// Rows newest first (by start time, then id).
    pub fn newest_first(&self) -> Vec<&BackupRow> {
        let mut rows: Vec<&BackupRow> = self.backups.iter().collect();
        rows.sort_by(|a, b| b.started().cmp(&a.started()).then_with(|| b.id.cmp(&a.id)));
        rows
    }

    /// Every group that has rows, in a stable order.
    pub fn groups(&self) -> Vec<BackupGroup> {
        let mut g: Vec<BackupGroup> = self.backups.iter().map(BackupGroup::of).collect();
        g.sort();
        g.dedup();
        g
    }

    /// The newest finished backup of a group.
    pub fn newest_ok(&self, group: &BackupGroup) -> Option<&BackupRow> {
        self.newest_first()
            .into_iter()
            .find(|b| b.is_ok() && BackupGroup::of(b) == *group)
    }
}

pub fn not_found(cd: &ContextDir, id: &str) -> PaasError {
    PaasError::new(
        ErrorCode::InvalidArgument,
        "backup_resolve",
        format!(
            "backup {:?} is not in the catalogue of context {:?}",
            crate::text::sanitize_inline(id),
            cd.name()
        ),
    )
    .with_remediation(format!(
        "list this context's backups with `paasdeck --context {} backup list`",
        cd.name()
    ))
}

pub fn load(cd: &ContextDir) -> Result<BackupsDoc> {
    Ok(fsio::read_json(&cd.backups())?.unwrap_or_default())
}

/// Adds a row under the context lock.
pub fn record(cd: &ContextDir, row: BackupRow) -> Result<()> {
    record_in(&cd.lock()?, cd, row)
}

/// Adds a row; the caller holds the context lock.
pub fn record_in(lock: &fsio::StateLock, cd: &ContextDir, row: BackupRow) -> Result<()> {
    fsio::update_doc(lock, &cd.backups(), |doc: &mut BackupsDoc| {
        if doc.find(row.id.as_str()).is_some() {
            return Err(PaasError::new(
                ErrorCode::AlreadyExists,
                "backup_record",
                format!("backup {} is already catalogued", row.id),
            ));
        }
        doc.backups.push(row);
        Ok(())
    })
}

/// Changes one row under the context lock; returns the row as written.
pub fn update(cd: &ContextDir, id: &BackupId, f: impl FnOnce(&mut BackupRow)) -> Result<BackupRow> {
    update_in(&cd.lock()?, cd, id, f)
}

/// Changes one row; the caller holds the context lock.
pub fn update_in(
    lock: &fsio::StateLock,
    cd: &ContextDir,
    id: &BackupId,
    f: impl FnOnce(&mut BackupRow),
) -> Result<BackupRow> {
    fsio::update_doc(lock, &cd.backups(), |doc: &mut BackupsDoc| {
        let row = doc
            .backups
            .iter_mut()
            .find(|b| b.id == *id)
            .ok_or_else(|| not_found(cd, id.as_str()))?;
        f(row);
        Ok(row.clone())
    })
}

/// Removes rows under the context lock; returns the rows removed.
pub fn remove(cd: &ContextDir, ids: &[BackupId]) -> Result<Vec<BackupRow>> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.backups(), |doc: &mut BackupsDoc| {
        let (gone, kept): (Vec<BackupRow>, Vec<BackupRow>) = std::mem::take(&mut doc.backups)
            .into_iter()
            .partition(|b| ids.contains(&b.id));
        doc.backups = kept;
        Ok(gone)
    })
}

#[cfg(test)]
mod tests;
