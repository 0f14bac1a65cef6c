//! Backups (SPEC §12): an app's dump streamed from its target, or the context's protected
//! state archived locally, each encrypted with age into `<id>.age` in the store, checksummed
//! and catalogued; verified, restored and pruned from the catalogue.

pub mod app;
pub mod prune;
pub mod restore;
pub mod spool;
pub mod state;
mod state_restore;
pub mod stream;
pub mod verify;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use age::x25519::Recipient;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::{LineSink, Stream};
use crate::state::backups::{
    BackupId, BackupKind, BackupRow, BackupStatus, VerifyState, corrupt_setting, fingerprint,
    setting, store_path,
};
use crate::state::ids::{AppName, ReleaseId, TargetName};
use crate::state::paths::ContextDir;
use crate::state::vault::identity;
use crate::state::{clock, fsio, repo};

/// Who can decrypt a new artifact: the context's `backup_recipients` and the operator's own.
#[derive(Debug, Clone)]
pub struct Keys {
    pub recipients: Vec<Recipient>,
    pub fingerprints: Vec<String>,
}

/// The recipients a new backup is encrypted to. No recipient at all is refused.
pub fn keys(cd: &ContextDir) -> Result<Keys> {
    let mut recipients: Vec<Recipient> = Vec::new();
    if let Some((path, v)) = setting(cd, "backup_recipients")? {
        let Value::Array(items) = v else {
            return Err(corrupt_setting(
                &path,
                "backup_recipients",
                "not a list of age recipients",
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let r = item
                .as_str()
                .and_then(|s| Recipient::from_str(s.trim()).ok())
                .ok_or_else(|| {
                    corrupt_setting(
                        &path,
                        &format!("backup_recipients[{i}]"),
                        "not an age X25519 recipient (age1…)",
                    )
                })?;
            if !recipients.contains(&r) {
                recipients.push(r);
            }
        }
    }
    if let Some(me) = identity::find(cd.root_path())? {
        let r = me.recipient();
        if !recipients.contains(&r) {
            recipients.push(r);
        }
    }
    if recipients.is_empty() {
        return Err(PaasError::new(
            ErrorCode::VaultIdentity,
            "backup_encrypt",
            format!(
                "no recipient to encrypt the backup to: you have no age identity and context {:?} names no backup_recipients",
                cd.name()
            ),
        )
        .with_remediation(
            "create your identity with `paasdeck vault keygen` (backups are encrypted to it), or list age recipients in backup_recipients in the context's config.json",
        ));
    }
    let fingerprints = recipients
        .iter()
        .map(|r| fingerprint(&r.to_string()))
        .collect();
    Ok(Keys {
        recipients,
        fingerprints,
    })
}

/// Where the context's artifacts live (see [`store_path`]).
pub fn store_dir(cd: &ContextDir) -> Result<PathBuf> {
    store_path(cd)
}

/// Where a new artifact is written: the store, which must lie outside every git work tree even
/// when `SI_PAAS_ALLOW_REPO_STATE=true` lets commands run on a repo-local state root.
pub fn write_store_dir(cd: &ContextDir) -> Result<PathBuf> {
    let store = store_path(cd)?;
    if let Some(r) = repo::find_repo_root(&store) {
        return Err(PaasError::new(
            ErrorCode::ContextGuard,
            "backup_config",
            format!(
                "the backup store {} lies inside the git work tree {}; refusing to write backups there",
                store.display(),
                r.display()
            ),
        )
        .with_remediation(format!(
            "set backup_dir in {} to a directory outside any repository (or move the state root out)",
            cd.config().display()
        )));
    }
    Ok(store)
}

/// A catalogue row is this context's only for an artifact inside this context's store and,
/// where the row records its context, naming this one: a row copied from another context's
/// `backups.json` would otherwise verify, restore or prune that context's artifact here.
pub fn owned(cd: &ContextDir, row: &BackupRow) -> Result<()> {
    let refuse = |why: String| {
        PaasError::new(
            ErrorCode::StateCorrupt,
            "backup_resolve",
            format!(
                "{}: backup {}: {why}; refusing to use it",
                cd.backups().display(),
                row.id
            ),
        )
        .with_remediation(format!(
            "remove the row from {} by hand; this context's own backups are listed by `paasdeck --context {} backup list`",
            cd.backups().display(),
            cd.name()
        ))
    };
    if let Some(other) = row.context.as_deref().filter(|c| *c != cd.name()) {
        return Err(refuse(format!(
            "the row is a backup of context {:?}, not of {:?}",
            other,
            cd.name()
        )));
    }
    let Some(path) = row.path.as_deref() else {
        return Ok(());
    };
    let store = store_dir(cd)?;
    let same = |dir: &Path| {
        dir == store
            || matches!(
                (std::fs::canonicalize(dir), std::fs::canonicalize(&store)),
                (Ok(a), Ok(b)) if a == b
            )
    };
    let inside = path.parent().is_some_and(same)
        && std::fs::symlink_metadata(path).map_or(true, |m| !m.file_type().is_symlink());
    if !inside {
        return Err(refuse(format!(
            "its artifact {} is not in this context's backup store {}",
            path.display(),
            store.display()
        )));
    }
    Ok(())
}

/// Removes temp files that writers which are gone left in the store, and the artifacts of
/// backups that were interrupted while they were being committed (their rows say `failed`).
pub fn sweep_store(cd: &ContextDir, store: &Path) -> Result<()> {
    fsio::temp::sweep(store, 1);
    let lock = cd.lock()?;
    let doc = crate::state::backups::load(cd)?;
    let stale: Vec<&BackupRow> = doc
        .backups
        .iter()
        .filter(|r| !r.is_ok() && r.path.is_some() && owned(cd, r).is_ok())
        .collect();
    for row in stale {
        if let Some(p) = &row.path {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(PaasError::io("backup_sweep", p, &e)),
            }
        }
        crate::state::backups::update_in(&lock, cd, &row.id, |r| r.path = None)?;
    }
    Ok(())
}

/// A row for a backup that is about to start.
pub(crate) struct Start {
    pub id: BackupId,
    pub kind: BackupKind,
    pub app: Option<AppName>,
    pub target: Option<TargetName>,
    pub release: Option<ReleaseId>,
    pub started_at: String,
    pub operator: String,
    pub keys: Keys,
    pub path: PathBuf,
}

impl Start {
    pub(crate) fn new(
        store: &Path,
        kind: BackupKind,
        app: Option<AppName>,
        operator: &str,
        keys: Keys,
    ) -> Result<Start> {
        let now = clock::now();
        let who = app.as_deref().unwrap_or("state").to_string();
        let id = BackupId::new(now, &who)?;
        Ok(Start {
            path: store.join(id.file_name()),
            id,
            kind,
            app,
            target: None,
            release: None,
            started_at: clock::rfc3339_nanos(now),
            operator: operator.to_string(),
            keys,
        })
    }

    fn row(&self, cd: &ContextDir, status: BackupStatus) -> BackupRow {
        BackupRow {
            id: self.id.clone(),
            context: Some(cd.name().to_string()),
            kind: self.kind,
            app: self.app.clone(),
            target: self.target.clone(),
            release: self.release.clone(),
            started_at: self.started_at.clone(),
            finished_at: clock::now_event(),
            status,
            bytes: 0,
            sha256: String::new(),
            plaintext_bytes: 0,
            plaintext_sha256: String::new(),
            recipients: self.keys.fingerprints.clone(),
            operator: self.operator.clone(),
            path: None,
            verified_at: String::new(),
            verify: VerifyState::Never,
            verify_detail: String::new(),
            error_code: String::new(),
            error_message: String::new(),
            extra: Map::new(),
        }
    }

    /// Commits the artifact and catalogues it, under one hold of the context lock. The row is
    /// written first as a backup that did not finish, naming the artifact's path; the artifact
    /// is then renamed into place and the row made `ok`. A crash in between leaves that failed
    /// row (and a temp file swept with its dead writer, or an artifact `sweep_store` removes), never
    /// an artifact the catalogue does not know.
    pub(crate) fn finish(&self, cd: &ContextDir, sealed: stream::Sealed) -> Result<BackupRow> {
        use crate::state::backups::{record_in, update_in};
        let mut row = self.row(cd, BackupStatus::Ok);
        row.bytes = sealed.bytes;
        row.sha256 = sealed.sha256.clone();
        row.plaintext_bytes = sealed.plaintext_bytes;
        row.plaintext_sha256 = sealed.plaintext_sha256.clone();
        row.path = Some(self.path.clone());
        let lock = cd.lock().map_err(|e| self.failed(cd, e))?;
        let mut pending = self.row(cd, BackupStatus::Failed);
        pending.error_code = ErrorCode::UnknownFailure.as_str().to_string();
        pending.error_message =
            "the backup was interrupted before its artifact was committed".into();
        pending.path = Some(self.path.clone());
        record_in(&lock, cd, pending)?;
        crate::state::fault::point("backup_row_pending");
        if let Err(e) = sealed.commit(&self.path) {
            let why = e.message.clone();
            let _ = update_in(&lock, cd, &self.id, |r| r.error_message = why);
            return Err(PaasError {
                message: format!("backup {} failed: {}", self.id, e.message),
                ..e
            });
        }
        crate::state::fault::point("backup_artifact_committed");
        let done = row.clone();
        if let Err(e) = update_in(&lock, cd, &self.id, move |r| *r = done) {
            let _ = std::fs::remove_file(&self.path);
            return Err(e);
        }
        Ok(row)
    }

    /// Catalogues a backup that did not finish (nothing was committed) and returns the error,
    /// naming the backup.
    pub(crate) fn failed(&self, cd: &ContextDir, e: PaasError) -> PaasError {
        let mut row = self.row(cd, BackupStatus::Failed);
        row.error_code = e.code.as_str().to_string();
        row.error_message = e.message.clone();
        if let Err(w) = crate::state::backups::record(cd, row) {
            tracing::error!("could not catalogue the failed backup: {}", w.message);
        }
        PaasError {
            message: format!("backup {} failed: {}", self.id, e.message),
            ..e
        }
    }
}

/// `48.0M received (12.5M/s)` lines into `sink` every `every` until dropped.
pub struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    pub fn start(
        counter: stream::Counter,
        sink: LineSink,
        verb: &'static str,
        every: Duration,
    ) -> Ticker {
        Ticker(tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(every).await;
                let n = counter.load(Ordering::Relaxed);
                sink(Stream::Stdout, progress_line(verb, n, started.elapsed()));
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `12.0M received in 3.1s (3.9M/s)`.
pub fn progress_line(verb: &str, bytes: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    format!(
        "{} {verb} in {} ({}/s)",
        crate::text::human_bytes(bytes),
        crate::text::human_duration(elapsed),
        crate::text::human_bytes((bytes as f64 / secs) as u64)
    )
}

/// The audit fields of a catalogued backup.
pub fn row_fields(row: &BackupRow) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("backup_id".into(), row.id.to_string().into());
    m.insert("kind".into(), row.kind.as_str().into());
    if let Some(a) = &row.app {
        m.insert("app".into(), a.to_string().into());
    }
    if let Some(t) = &row.target {
        m.insert("target".into(), t.to_string().into());
    }
    m.insert(
        "backup_status".into(),
        serde_json::to_value(row.status).unwrap_or_default(),
    );
    m.insert("bytes".into(), row.bytes.into());
    m.insert("sha256".into(), row.sha256.clone().into());
    m.insert(
        "plaintext_sha256".into(),
        row.plaintext_sha256.clone().into(),
    );
    m.insert("verify".into(), row.verify.as_str().into());
    m
}
