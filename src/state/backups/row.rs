//! One catalogue row (SPEC §12) and the validated values in it. Every field read back from
//! `backups.json` passes the same rule as the value paasdeck wrote, so an id, a path or a
//! checksum from the file never reaches a path join unchecked. Rows of the older, looser shape
//! (`created_at`, `size_bytes`, `verified`, `location`) are read into the §12 fields.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::error::{PaasError, Result};
use crate::state::clock;
use crate::state::ids::{AppName, ReleaseId, TargetName};
use crate::state::names;

/// `bk-YYYYMMDDTHHMMSS-<app|state>-<6 hex>`: never a path, never an option.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BackupId(String);

fn bad_id(id: &str) -> PaasError {
    PaasError::usage(
        "flag_validation",
        format!("invalid backup id {:?}", crate::text::sanitize_inline(id)),
    )
    .with_remediation(
        "a backup id looks like bk-20260217T020304-api-1a2b3c; `paasdeck backup list` shows them",
    )
}

impl BackupId {
    pub fn parse(id: impl Into<String>) -> Result<BackupId> {
        let id = id.into();
        let b = id.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let head_ok = b.len() > 27
            && b.starts_with(b"bk-")
            && digits(3..11)
            && b[11] == b'T'
            && digits(12..18)
            && b[18] == b'-';
        if !head_ok {
            return Err(bad_id(&id));
        }
        let rest = &id[19..];
        let Some((who, hex)) = rest.rsplit_once('-') else {
            return Err(bad_id(&id));
        };
        let hex_ok = hex.len() == 6
            && hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if !hex_ok || names::validate_app(who).is_err() {
            return Err(bad_id(&id));
        }
        Ok(BackupId(id))
    }

    /// A fresh id for a backup started at `t` of `who` (an app name or `state`).
    pub fn new(t: OffsetDateTime, who: &str) -> Result<BackupId> {
        use std::hash::{BuildHasher, Hasher};
        let t = t.to_offset(time::UtcOffset::UTC);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_i128(t.unix_timestamp_nanos());
        h.write_u32(std::process::id());
        BackupId::parse(format!(
            "bk-{:04}{:02}{:02}T{:02}{:02}{:02}-{who}-{:06x}",
            t.year().clamp(0, 9999),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            h.finish() & 0xff_ffff
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The artifact's file name, `<id>.age`.
    pub fn file_name(&self) -> String {
        format!("{}.age", self.0)
    }
}

impl TryFrom<String> for BackupId {
    type Error = PaasError;
    fn try_from(v: String) -> Result<BackupId> {
        BackupId::parse(v)
    }
}

impl From<BackupId> for String {
    fn from(v: BackupId) -> String {
        v.0
    }
}

impl fmt::Display for BackupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BackupId {
    type Err = PaasError;
    fn from_str(s: &str) -> Result<BackupId> {
        BackupId::parse(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    App,
    State,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::App => "app",
            BackupKind::State => "state",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Ok,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyState {
    Ok,
    Failed,
    #[default]
    Never,
}

impl VerifyState {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyState::Ok => "ok",
            VerifyState::Failed => "failed",
            VerifyState::Never => "never",
        }
    }
}

/// A sha256 in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// `sha256:<16 hex>` of an age recipient: which keys can open an artifact, without listing
/// the keys themselves.
pub fn fingerprint(recipient: &str) -> String {
    use sha2::Digest;
    format!(
        "sha256:{}",
        &hex(&sha2::Sha256::digest(recipient.trim()))[..16]
    )
}

fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// An artifact path as stored: absolute, plain (no `.`/`..`), named `<id>.age`.
fn check_path(p: &str, id: &BackupId) -> std::result::Result<PathBuf, String> {
    let path = Path::new(p);
    let plain = path
        .components()
        .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    if !path.is_absolute() || !plain || crate::text::has_control(p) {
        return Err("path: not an absolute, plain path".into());
    }
    if path.file_name().and_then(|n| n.to_str()) != Some(id.file_name().as_str()) {
        return Err(format!(
            "path: does not name the artifact {}",
            id.file_name()
        ));
    }
    Ok(path.to_path_buf())
}

/// One backup, as §12 lists its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawRow", into = "RawRow")]
pub struct BackupRow {
    pub id: BackupId,
    /// The context whose backup this is (rows written before it was recorded have none).
    pub context: Option<String>,
    pub kind: BackupKind,
    /// `None` for a state backup.
    pub app: Option<AppName>,
    pub target: Option<TargetName>,
    pub release: Option<ReleaseId>,
    pub started_at: String,
    pub finished_at: String,
    pub status: BackupStatus,
    /// Of the artifact.
    pub bytes: u64,
    pub sha256: String,
    pub plaintext_bytes: u64,
    pub plaintext_sha256: String,
    /// Fingerprints of the recipients the artifact is encrypted to.
    pub recipients: Vec<String>,
    pub operator: String,
    pub path: Option<PathBuf>,
    pub verified_at: String,
    pub verify: VerifyState,
    pub verify_detail: String,
    /// Why a failed backup failed.
    pub error_code: String,
    pub error_message: String,
    pub extra: Map<String, Value>,
}

impl BackupRow {
    /// When it started; rows are validated on read, so this only fails for rows built in code.
    pub fn started(&self) -> Option<OffsetDateTime> {
        clock::parse(&self.started_at)
    }

    pub fn is_ok(&self) -> bool {
        self.status == BackupStatus::Ok
    }

    /// What it backs up: the app's name, or `state`.
    pub fn subject(&self) -> String {
        match &self.app {
            Some(a) if self.kind == BackupKind::App => a.to_string(),
            _ => "state".to_string(),
        }
    }
}

/// The file's shape: every field optional, old names accepted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RawRow {
    id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    context: String,
    #[serde(default)]
    kind: Option<BackupKind>,
    #[serde(default)]
    app: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    release: String,
    #[serde(default, alias = "created_at")]
    started_at: String,
    #[serde(default)]
    finished_at: String,
    #[serde(default)]
    status: Option<BackupStatus>,
    #[serde(default, alias = "size_bytes")]
    bytes: Option<u64>,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    plaintext_bytes: Option<u64>,
    #[serde(default)]
    plaintext_sha256: String,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    verified_at: String,
    #[serde(default)]
    verify: Option<VerifyState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
    #[serde(default)]
    verify_detail: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    error_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    error_message: String,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn opt<T>(
    field: &str,
    v: &str,
    parse: impl Fn(&str) -> Result<T>,
) -> std::result::Result<Option<T>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    parse(v)
        .map(Some)
        .map_err(|e| format!("{field}: {}", e.message))
}

fn stamp(field: &str, v: &str, required: bool) -> std::result::Result<String, String> {
    if v.is_empty() && !required {
        return Ok(String::new());
    }
    match clock::parse(v) {
        Some(_) => Ok(v.to_string()),
        None => Err(format!("{field}: not an RFC 3339 time")),
    }
}

fn digest(field: &str, v: &str) -> std::result::Result<String, String> {
    if v.is_empty() || is_sha256(v) {
        Ok(v.to_string())
    } else {
        Err(format!("{field}: not a sha256 in lowercase hex"))
    }
}

impl TryFrom<RawRow> for BackupRow {
    type Error = String;

    fn try_from(r: RawRow) -> std::result::Result<BackupRow, String> {
        let id = BackupId::parse(r.id.as_str()).map_err(|e| format!("id: {}", e.message))?;
        let app = opt("app", &r.app, |v| AppName::parse(v))?;
        let context = opt("context", &r.context, |v| {
            names::validate_context(v).map(|()| v.to_string())
        })?;
        let kind = r.kind.unwrap_or(if app.is_some() {
            BackupKind::App
        } else {
            BackupKind::State
        });
        if kind == BackupKind::App && app.is_none() {
            return Err("app: an app backup names its app".into());
        }
        let mut extra = r.extra;
        let path = match (
            r.path.is_empty(),
            extra.get("location").and_then(Value::as_str),
        ) {
            (false, _) => Some(check_path(&r.path, &id)?),
            // The older shape's `location` is kept as it is; only a local artifact is a path.
            (true, Some(loc)) if loc.starts_with('/') => check_path(loc, &id).ok(),
            _ => None,
        };
        if path.is_some() && r.path.is_empty() {
            extra.shift_remove("location");
        }
        let verify = r.verify.unwrap_or(match r.verified {
            Some(true) => VerifyState::Ok,
            Some(false) => VerifyState::Failed,
            None => VerifyState::Never,
        });
        let status = r.status.unwrap_or(BackupStatus::Ok);
        for (field, v) in [("operator", &r.operator), ("error_code", &r.error_code)] {
            if crate::text::has_control(v) {
                return Err(format!("{field}: holds a control character"));
            }
        }
        let mut recipients = Vec::new();
        for (i, f) in r.recipients.iter().enumerate() {
            if !is_fingerprint(f) {
                return Err(format!("recipients[{i}]: not a recipient fingerprint"));
            }
            recipients.push(f.clone());
        }
        Ok(BackupRow {
            target: opt("target", &r.target, |v| TargetName::parse(v))?,
            release: opt("release", &r.release, |v| ReleaseId::parse(v))?,
            started_at: stamp("started_at", &r.started_at, true)?,
            finished_at: stamp("finished_at", &r.finished_at, false)?,
            bytes: r.bytes.unwrap_or(0),
            sha256: digest("sha256", &r.sha256)?,
            plaintext_bytes: r.plaintext_bytes.unwrap_or(0),
            plaintext_sha256: digest("plaintext_sha256", &r.plaintext_sha256)?,
            verified_at: stamp("verified_at", &r.verified_at, false)?,
            operator: r.operator,
            verify_detail: r.verify_detail,
            error_code: r.error_code,
            error_message: r.error_message,
            id,
            context,
            kind,
            app,
            status,
            recipients,
            path,
            verify,
            extra,
        })
    }
}

impl From<BackupRow> for RawRow {
    fn from(b: BackupRow) -> RawRow {
        let s = |v: Option<&str>| v.unwrap_or_default().to_string();
        RawRow {
            id: b.id.to_string(),
            context: b.context.unwrap_or_default(),
            kind: Some(b.kind),
            app: s(b.app.as_deref()),
            target: s(b.target.as_deref()),
            release: s(b.release.as_deref()),
            started_at: b.started_at,
            finished_at: b.finished_at,
            status: Some(b.status),
            bytes: Some(b.bytes),
            sha256: b.sha256,
            plaintext_bytes: Some(b.plaintext_bytes),
            plaintext_sha256: b.plaintext_sha256,
            recipients: b.recipients,
            operator: b.operator,
            path: b.path.map(|p| p.display().to_string()).unwrap_or_default(),
            verified_at: b.verified_at,
            verify: Some(b.verify),
            verified: None,
            verify_detail: b.verify_detail,
            error_code: b.error_code,
            error_message: b.error_message,
            extra: b.extra,
        }
    }
}
