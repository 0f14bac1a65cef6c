//! The deploy lock per context and app (`locks/deploy-<app>.json`): who holds it, from where,
//! why, and a heartbeat. A lock held by a running deploy goes stale after 15 minutes without a
//! heartbeat; a lock taken by hand (`deploy lock acquire`) holds until released.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::deployments::app_key;
use crate::state::ids::AppName;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

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
        if here && self.pid != 0 && !process_alive(self.pid) {
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

fn process_alive(pid: u32) -> bool {
    match rustix::process::Pid::from_raw(pid as i32) {
        // EPERM means it exists but belongs to someone else.
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => false,
    }
}

pub fn path(cd: &ContextDir, app: &str) -> PathBuf {
    cd.locks_dir().join(format!("deploy-{}.json", app_key(app)))
}

pub fn read(cd: &ContextDir, app: &str) -> Result<Option<DeployLock>> {
    fsio::read_json(&path(cd, app))
}

/// Every deploy lock of the context.
pub fn list(cd: &ContextDir) -> Result<Vec<DeployLock>> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(cd.locks_dir()) else {
        return Ok(out);
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("deploy-")
            && name.ends_with(".json")
            && let Some(l) = fsio::read_json::<DeployLock>(&e.path())?
        {
            out.push(l);
        }
    }
    out.sort_by(|a, b| a.app.cmp(&b.app));
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

    /// Refreshes the heartbeat so a long deploy is not taken for a stale one.
    pub fn heartbeat(&mut self) {
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
        if self.release_on_drop {
            // Only remove what is still ours.
            if let Ok(Some(l)) = fsio::read_json::<DeployLock>(&self.path)
                && l.pid == self.lock.pid
                && l.acquired_at == self.lock.acquired_at
            {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

fn locked(cd: &ContextDir, l: &DeployLock) -> PaasError {
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

/// Takes the lock atomically (create-exclusive), taking over a stale one.
pub fn acquire(
    cd: &ContextDir,
    app: &str,
    owner: &str,
    message: &str,
    manual: bool,
) -> Result<Held> {
    let name = AppName::parse(app)?;
    let p = path(cd, app);
    fsio::ensure_dir(&cd.locks_dir())?;
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
    for _ in 0..2 {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(fsio::FILE_MODE)
            .open(&p)
        {
            Ok(mut f) => {
                let mut bytes = serde_json::to_vec_pretty(&lock).unwrap_or_default();
                bytes.push(b'\n');
                f.write_all(&bytes)
                    .map_err(|e| PaasError::io("deploy_lock", &p, &e))?;
                return Ok(Held {
                    path: p,
                    lock,
                    release_on_drop: true,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                match fsio::read_json::<DeployLock>(&p) {
                    Ok(Some(existing)) if existing.is_stale() => {
                        tracing::warn!(app, owner = %existing.owner, "taking over a stale deploy lock");
                        let _ = std::fs::remove_file(&p);
                    }
                    Ok(Some(existing)) => return Err(locked(cd, &existing)),
                    // Half-written by a racing writer: treat as held.
                    Ok(None) | Err(_) => {
                        return Err(PaasError::new(
                            ErrorCode::DeployLocked,
                            "deploy_lock",
                            format!(
                                "the deploy lock of app {app} is being taken by another process"
                            ),
                        ));
                    }
                }
            }
            Err(e) => return Err(PaasError::io("deploy_lock", &p, &e)),
        }
    }
    Err(PaasError::new(
        ErrorCode::DeployLocked,
        "deploy_lock",
        format!("could not take the deploy lock of app {app}"),
    ))
}

/// Removes the lock; returns what was there.
pub fn release(cd: &ContextDir, app: &str) -> Result<Option<DeployLock>> {
    let existing = read(cd, app)?;
    if existing.is_some() {
        std::fs::remove_file(path(cd, app))
            .map_err(|e| PaasError::io("deploy_lock", &path(cd, app), &e))?;
    }
    Ok(existing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;

    #[test]
    fn exclusive_stale_takeover_and_release() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c").unwrap();
        let held = acquire(&cd, "api", "me@h", "deploy rel-1", false).unwrap();
        let e = acquire(&cd, "api", "you@h", "x", false).unwrap_err();
        assert_eq!(e.code, ErrorCode::DeployLocked);
        assert!(
            e.message.contains("me@h") && e.message.contains("deploy rel-1"),
            "{}",
            e.message
        );
        drop(held);
        assert!(read(&cd, "api").unwrap().is_none(), "released on drop");
        // a stale lock is taken over
        let mut old = acquire(&cd, "api", "gone@h", "x", false).unwrap().keep();
        old.heartbeat_at = "2000-01-01T00:00:00Z".into();
        fsio::write_json_atomic(&path(&cd, "api"), &old).unwrap();
        let held = acquire(&cd, "api", "me@h", "y", false).unwrap();
        assert_eq!(held.lock().owner, "me@h");
        drop(held);
        // a lock of a process on this host that is gone is stale at once
        let mut orphan = acquire(&cd, "api", "crashed@h", "x", false).unwrap().keep();
        orphan.pid = 999_999_999;
        fsio::write_json_atomic(&path(&cd, "api"), &orphan).unwrap();
        assert!(read(&cd, "api").unwrap().unwrap().is_stale());
        let held = acquire(&cd, "api", "me@h", "after a crash", false).unwrap();
        assert_eq!(held.lock().message, "after a crash");
        drop(held);
        // a manual lock never goes stale
        let mut manual = acquire(&cd, "api", "ops@h", "maintenance", true)
            .unwrap()
            .keep();
        manual.heartbeat_at = "2000-01-01T00:00:00Z".into();
        fsio::write_json_atomic(&path(&cd, "api"), &manual).unwrap();
        assert!(acquire(&cd, "api", "me@h", "z", false).is_err());
        assert_eq!(list(&cd).unwrap().len(), 1);
        assert!(release(&cd, "api").unwrap().is_some());
        assert!(list(&cd).unwrap().is_empty());
    }
}
