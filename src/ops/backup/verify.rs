//! `backup verify`: re-hash the artifact and compare it with the catalogue; `--deep` also
//! decrypts the stream with the operator's identity and compares the plaintext checksum. The
//! result is written to the row (`verified_at`, `verify`, `verify_detail`).

use std::path::Path;

use age::x25519::Identity;

use super::stream;
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::backups::{
    self, BackupGroup, BackupId, BackupKind, BackupRow, BackupsDoc, VerifyState,
};
use crate::state::clock;
use crate::state::paths::ContextDir;
use crate::state::vault::identity;

/// What checking an artifact found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Pass(String),
    Fail(String),
}

/// The artifact against its row: size and sha256 of the file, and with `deep` the plaintext.
/// An identity that is not a recipient is an error, not a finding about the artifact.
pub fn check(row: &BackupRow, deep: Option<&Identity>) -> Result<Finding> {
    if !row.is_ok() {
        return Ok(Finding::Fail(
            "the backup did not finish (status failed): there is no artifact".into(),
        ));
    }
    let Some(path) = row.path.as_deref() else {
        return Ok(Finding::Fail(
            "the catalogue records no local artifact for this backup".into(),
        ));
    };
    let (bytes, sha) = match stream::hash_file(path) {
        Ok(h) => h,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Finding::Fail(format!(
                "artifact {} is missing",
                path.display()
            )));
        }
        Err(e) => {
            return Ok(Finding::Fail(format!(
                "artifact {} cannot be read: {e}",
                path.display()
            )));
        }
    };
    if bytes != row.bytes || sha != row.sha256 {
        return Ok(Finding::Fail(format!(
            "artifact {} has {bytes} bytes with sha256 {sha}; the catalogue says {} bytes with sha256 {}",
            path.display(),
            row.bytes,
            row.sha256
        )));
    }
    let Some(id) = deep else {
        return Ok(Finding::Pass(format!(
            "artifact sha256 {sha} ({bytes} bytes) matches the catalogue"
        )));
    };
    plaintext(row, path, id)
}

fn plaintext(row: &BackupRow, path: &Path, id: &Identity) -> Result<Finding> {
    let reader = match stream::open(path, id) {
        Ok(r) => r,
        Err(e) if e.code == ErrorCode::VaultDecryptFailed => return Err(e),
        Err(e) => return Ok(Finding::Fail(e.message)),
    };
    match stream::hash_reader(reader, path) {
        Err(e) => Ok(Finding::Fail(e.message)),
        Ok((n, sha)) if n == row.plaintext_bytes && sha == row.plaintext_sha256 => {
            Ok(Finding::Pass(format!(
                "artifact sha256 {} matches the catalogue, and it decrypts to {n} bytes with the catalogued plaintext sha256 {sha}",
                row.sha256
            )))
        }
        Ok((n, sha)) => Ok(Finding::Fail(format!(
            "artifact {} decrypts to {n} bytes with sha256 {sha}; the catalogue says {} bytes with {}",
            path.display(),
            row.plaintext_bytes,
            row.plaintext_sha256
        ))),
    }
}

/// A verification, written to the catalogue.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub row: BackupRow,
    pub ok: bool,
    pub deep: bool,
}

impl Verdict {
    /// The error of a failed verification.
    pub fn error(&self) -> Option<PaasError> {
        (!self.ok).then(|| {
            PaasError::new(
                ErrorCode::BackupVerifyFailed,
                "backup_verify",
                format!(
                    "backup {} failed verification: {}",
                    self.row.id, self.row.verify_detail
                ),
            )
            .with_remediation(
                "do not restore from it; take a new backup (`backup run` / `backup state`) and escalate a damaged store",
            )
        })
    }
}

fn record(cd: &ContextDir, id: &BackupId, finding: &Finding) -> Result<BackupRow> {
    let (state, detail) = match finding {
        Finding::Pass(d) => (VerifyState::Ok, d.clone()),
        Finding::Fail(d) => (VerifyState::Failed, d.clone()),
    };
    backups::update(cd, id, |r| {
        r.verified_at = clock::now_event();
        r.verify = state;
        r.verify_detail = detail;
    })
}

/// Verifies one backup and records the result.
pub fn verify(cd: &ContextDir, id: &BackupId, deep: bool) -> Result<Verdict> {
    let doc = backups::load(cd)?;
    let row = doc
        .find(id.as_str())
        .cloned()
        .ok_or_else(|| backups::not_found(cd, id.as_str()))?;
    super::owned(cd, &row)?;
    let identity = if deep {
        Some(identity::require(cd.root_path())?.identity)
    } else {
        None
    };
    let finding = check(&row, identity.as_ref())?;
    let row = record(cd, id, &finding)?;
    Ok(Verdict {
        ok: matches!(finding, Finding::Pass(_)),
        row,
        deep,
    })
}

/// The newest finished backup of an app (or of state, or any), for `--latest`.
pub fn latest(doc: &BackupsDoc, app: Option<&str>, kind: Option<BackupKind>) -> Option<BackupId> {
    doc.newest_first()
        .into_iter()
        .filter(|r| r.is_ok())
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .find(|r| app.is_none_or(|a| r.app.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(a))))
        .map(|r| r.id.clone())
}

/// The newest backup of `group` other than `except` whose artifact verifies, recording each
/// candidate's result on the way.
pub fn newest_good(cd: &ContextDir, group: &BackupGroup, except: &BackupId) -> Option<BackupRow> {
    let doc = backups::load(cd).ok()?;
    for row in doc.newest_first() {
        if !row.is_ok()
            || row.id == *except
            || BackupGroup::of(row) != *group
            || super::owned(cd, row).is_err()
        {
            continue;
        }
        let Ok(finding) = check(row, None) else {
            continue;
        };
        let recorded = record(cd, &row.id, &finding).ok();
        if matches!(finding, Finding::Pass(_)) {
            return recorded.or_else(|| Some(row.clone()));
        }
    }
    None
}
