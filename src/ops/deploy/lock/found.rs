//! What a deploy lock file holds: a lock, or something unreadable (empty, truncated, garbage),
//! which is respected for a few seconds and then stale.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::DeployLock;
use crate::error::{PaasError, Result};

/// An empty or unparsable lock file younger than this may be a lock on its way in; older, it is
/// the wreck of a crash and is taken over.
pub const UNREADABLE_GRACE: Duration = Duration::from_secs(5);

/// A lock file that does not parse (empty, truncated, garbage).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unreadable {
    /// The app key from the file name.
    pub app: String,
    pub path: PathBuf,
    /// Why it does not parse (never the file's content).
    pub detail: String,
    /// Seconds since it was last written.
    pub age_seconds: u64,
    pub stale: bool,
}

impl Unreadable {
    pub fn describe(&self) -> String {
        format!(
            "unreadable lock file {} ({}, written {}s ago{})",
            self.path.display(),
            self.detail,
            self.age_seconds,
            if self.stale {
                ", stale: the next deploy takes it over"
            } else {
                ""
            }
        )
    }
}

/// What a lock file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Lock(DeployLock),
    Unreadable(Unreadable),
}

impl Found {
    pub fn app(&self) -> &str {
        match self {
            Found::Lock(l) => &l.app,
            Found::Unreadable(u) => &u.app,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Found::Lock(l) => l.describe(),
            Found::Unreadable(u) => u.describe(),
        }
    }

    pub fn stale(&self) -> bool {
        match self {
            Found::Lock(l) => l.is_stale(),
            Found::Unreadable(u) => u.stale,
        }
    }

    /// The row `deploy lock status --json` shows.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Found::Lock(l) => {
                let mut v = serde_json::to_value(l).unwrap_or_default();
                v["stale"] = l.is_stale().into();
                v
            }
            Found::Unreadable(u) => {
                let mut v = serde_json::to_value(u).unwrap_or_default();
                v["unreadable"] = true.into();
                v
            }
        }
    }
}

/// The file's identity, so a take-over removes the very file it judged stale.
pub(super) type FileId = (u64, u64);

fn app_of_file(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("deploy-"))
        .and_then(|n| n.strip_suffix(".json"))
        .unwrap_or("?")
        .to_string()
}

/// A lock is a few hundred bytes; a bigger file is not read whole.
const MAX_LOCK_BYTES: u64 = 64 * 1024;

pub(super) fn inspect(p: &Path) -> Result<Option<(Found, FileId)>> {
    let io_err = |e: &io::Error| PaasError::io("deploy_lock", p, e);
    let file = match fs::File::open(p) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&e)),
    };
    let meta = file.metadata().map_err(|e| io_err(&e))?;
    let id = (meta.dev(), meta.ino());
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(&file, MAX_LOCK_BYTES + 1), &mut bytes)
        .map_err(|e| io_err(&e))?;
    let parsed = match std::str::from_utf8(&bytes) {
        _ if bytes.len() as u64 > MAX_LOCK_BYTES => Err("the file is too large".to_string()),
        Ok(text) if text.trim().is_empty() => Err("the file is empty".to_string()),
        // The position only: the file's content is never quoted.
        Ok(text) => serde_json::from_str::<DeployLock>(text)
            .map_err(|e| format!("malformed at line {}, column {}", e.line(), e.column())),
        Err(_) => Err("the file is not valid UTF-8".to_string()),
    };
    Ok(Some(match parsed {
        Ok(l) => (Found::Lock(l), id),
        Err(detail) => {
            let age = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .unwrap_or_default();
            (
                Found::Unreadable(Unreadable {
                    app: app_of_file(p),
                    path: p.to_path_buf(),
                    detail,
                    age_seconds: age.as_secs(),
                    stale: age > UNREADABLE_GRACE,
                }),
                id,
            )
        }
    }))
}
