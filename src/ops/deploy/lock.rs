//! The deploy lock per context and app (`locks/deploy-<app>.json`): who holds it, from where,
//! why, and a heartbeat. A lock held by a running deploy goes stale after 15 minutes without a
//! heartbeat; a lock taken by hand (`deploy lock acquire`) holds until released. The file is
//! written whole to a temp file and linked into place, so a crash never leaves a half-written
//! lock; one found anyway (an older build, a full disk) is stale after a few seconds.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::deployments::app_key;
use crate::state::ids::AppName;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

mod found;

use found::{FileId, inspect};
pub use found::{Found, UNREADABLE_GRACE, Unreadable};

pub const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeployLock {
    pub app: AppName,
    pub owner: String,
    pub host: String,
    pub pid: u32,
    pub message: String,
    pub acquired_at: String,
    pub heartbeat_at: String,
    /// Taken by hand: never stale.
    #[serde(default)]
    pub manual: bool,
}

impl DeployLock {
    pub fn is_stale(&self) -> bool {
        if self.manual {
            return false;
        }
        // A deploy on this host whose process is gone (killed, crashed) left it behind.
        let here = whoami::hostname().map(|h| h == self.host).unwrap_or(false);
        if here && self.pid != 0 && !fsio::temp::process_alive(self.pid) {
            return true;
        }
        match clock::parse(&self.heartbeat_at) {
            Some(t) => {
                (clock::now() - t)
                    > time::Duration::try_from(STALE_AFTER).unwrap_or(time::Duration::MINUTE * 15)
            }
            None => true,
        }
    }

    pub fn describe(&self) -> String {
        let age = clock::parse(&self.acquired_at)
            .map(|t| clock::age(t, clock::now()))
            .unwrap_or_else(|| "?".into());
        format!(
            "held by {} (pid {} on {}) for {age}: {}",
            self.owner,
            self.pid,
            self.host,
            if self.message.is_empty() {
                "-"
            } else {
                &self.message
            }
        )
    }
}

pub fn path(cd: &ContextDir, app: &str) -> PathBuf {
    cd.locks_dir().join(format!("deploy-{}.json", app_key(app)))
}

/// The app's lock file, parsed or not.
pub fn find(cd: &ContextDir, app: &str) -> Result<Option<Found>> {
    Ok(inspect(&path(cd, app))?.map(|(f, _)| f))
}

/// The app's lock; an unreadable lock file fails `PAAS_STATE_CORRUPT`.
pub fn read(cd: &ContextDir, app: &str) -> Result<Option<DeployLock>> {
    match find(cd, app)? {
        None => Ok(None),
        Some(Found::Lock(l)) => Ok(Some(l)),
        Some(Found::Unreadable(u)) => Err(unreadable_error(cd, &u)),
    }
}

fn unreadable_error(cd: &ContextDir, u: &Unreadable) -> PaasError {
    PaasError::new(
        ErrorCode::StateCorrupt,
        "deploy_lock",
        format!("the deploy lock is an {}", u.describe()),
    )
    .with_remediation(format!(
        "if nobody is taking it: `paasdeck --context {} deploy lock release --app {} --force`",
        cd.name(),
        u.app
    ))
}

/// Every deploy lock file of the context, readable or not, by app.
pub fn list(cd: &ContextDir) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(cd.locks_dir()) else {
        return Ok(out);
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("deploy-")
            && name.ends_with(".json")
            && let Some((found, _)) = inspect(&e.path())?
        {
            out.push(found);
        }
    }
    out.sort_by(|a, b| a.app().cmp(b.app()));
    Ok(out)
}

/// A lock this process holds; released on drop.
#[derive(Debug)]
pub struct Held {
    path: PathBuf,
    lock: DeployLock,
    release_on_drop: bool,
}

impl Held {
    pub fn lock(&self) -> &DeployLock {
        &self.lock
    }

    /// Whether the lock file still holds this lock (not released or taken over meanwhile).
    fn still_ours(&self) -> bool {
        matches!(
            inspect(&self.path),
            Ok(Some((Found::Lock(l), _))) if l.pid == self.lock.pid && l.acquired_at == self.lock.acquired_at
        )
    }

    /// Refreshes the heartbeat so a long deploy is not taken for a stale one.
    pub fn heartbeat(&mut self) {
        if !self.still_ours() {
            return;
        }
        self.lock.heartbeat_at = clock::now_event();
        let _ = fsio::write_json_atomic(&self.path, &self.lock);
    }

    /// Leaves the lock in place (for `deploy lock acquire`).
    pub fn keep(mut self) -> DeployLock {
        self.release_on_drop = false;
        self.lock.clone()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.release_on_drop && self.still_ours() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The refusal a held lock is.
pub fn locked(cd: &ContextDir, l: &DeployLock) -> PaasError {
    PaasError::new(
        ErrorCode::DeployLocked,
        "deploy_lock",
        format!("the deploy lock of app {} in context {} is {}", l.app, cd.name(), l.describe()),
    )
    .with_remediation(format!(
        "wait for it, or if you are sure nobody is deploying: `paasdeck --context {} deploy lock release --app {}`",
        cd.name(),
        l.app
    ))
}

/// Removes the lock file judged stale unless it changed since (under the context's state lock,
/// so two processes taking over the same stale lock do not remove each other's fresh one).
/// `false` when it changed.
fn take_over(cd: &ContextDir, p: &Path, judged: FileId) -> Result<bool> {
    let _guard = cd.lock()?;
    match fs::symlink_metadata(p) {
        Ok(m) if (m.dev(), m.ino()) == judged => match fs::remove_file(p) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(PaasError::io("deploy_lock", p, &e)),
        },
        Ok(_) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(PaasError::io("deploy_lock", p, &e)),
    }
}

/// Takes the lock atomically: the complete lock is written to a temp file and hard-linked to the
/// lock's name, which fails when the name exists. A stale lock is taken over.
pub fn acquire(
    cd: &ContextDir,
    app: &str,
    owner: &str,
    message: &str,
    manual: bool,
) -> Result<Held> {
    let name = AppName::parse(app)?;
    let p = path(cd, app);
    let dir = cd.locks_dir();
    let now = clock::now_event();
    let lock = DeployLock {
        app: name,
        owner: owner.to_string(),
        host: whoami::hostname().unwrap_or_else(|_| "localhost".into()),
        pid: if manual { 0 } else { std::process::id() },
        message: message.to_string(),
        acquired_at: now.clone(),
        heartbeat_at: now,
        manual,
    };
    let mut bytes = serde_json::to_vec_pretty(&lock).map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "deploy_lock",
            format!("could not serialise the deploy lock: {e}"),
        )
    })?;
    bytes.push(b'\n');
    // Dropped (and so removed) on every path out of here; the lock stays as the link's target.
    let tmp = fsio::write_temp(&dir, &bytes, &p)?;
    for _ in 0..3 {
        match fs::hard_link(tmp.path(), &p) {
            Ok(()) => {
                fsio::sync_dir(&dir);
                return Ok(Held {
                    path: p,
                    lock,
                    release_on_drop: true,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match inspect(&p)? {
                // Released meanwhile: try again.
                None => {}
                Some((Found::Lock(existing), id)) if existing.is_stale() => {
                    tracing::warn!(app, owner = %existing.owner, "taking over a stale deploy lock");
                    take_over(cd, &p, id)?;
                }
                Some((Found::Lock(existing), _)) => return Err(locked(cd, &existing)),
                Some((Found::Unreadable(u), id)) if u.stale => {
                    tracing::warn!(app, detail = %u.detail, "taking over an unreadable deploy lock");
                    take_over(cd, &p, id)?;
                }
                Some((Found::Unreadable(u), _)) => {
                    return Err(PaasError::new(
                        ErrorCode::DeployLocked,
                        "deploy_lock",
                        format!(
                            "the deploy lock of app {app} is being taken by another process ({})",
                            u.describe()
                        ),
                    )
                    .with_remediation(format!(
                        "try again in {}s; an unreadable lock is taken over after that",
                        UNREADABLE_GRACE.as_secs()
                    )));
                }
            },
            Err(e) => return Err(PaasError::io("deploy_lock", &p, &e)),
        }
    }
    Err(PaasError::new(
        ErrorCode::DeployLocked,
        "deploy_lock",
        format!("could not take the deploy lock of app {app}: it changed hands while trying"),
    )
    .with_remediation("try again"))
}

/// Removes the app's lock; returns what was there. An unreadable lock file is removed only with
/// `force` (it may be a lock on its way in).
pub fn release(cd: &ContextDir, app: &str, force: bool) -> Result<Option<Found>> {
    let p = path(cd, app);
    for _ in 0..3 {
        let Some((found, id)) = inspect(&p)? else {
            return Ok(None);
        };
        if let Found::Unreadable(u) = &found
            && !force
        {
            return Err(unreadable_error(cd, u));
        }
        if take_over(cd, &p, id)? {
            return Ok(Some(found));
        }
    }
    Err(PaasError::new(
        ErrorCode::DeployLocked,
        "deploy_lock",
        format!("the deploy lock of app {app} kept changing while releasing it"),
    )
    .with_remediation("try again"))
}

#[cfg(test)]
mod tests;
