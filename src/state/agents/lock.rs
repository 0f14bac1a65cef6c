//! An agent's run lock, si's `agents/locks/<agent>.lock.json` (`{agent, owner, pid,
//! acquired_at, heartbeat_at}`): one run of an agent at a time. A lock whose heartbeat is older
//! than [`TTL`] (its run died) is taken over; an unreadable one counts as stale. Taking it is
//! serialised by a flock of paasdeck's, so two runs that start together cannot both win.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::agents_dir;
use crate::error::Result;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub const TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LockFile {
    pub agent: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub pid: u32,
    #[serde(default)]
    pub acquired_at: String,
    #[serde(default)]
    pub heartbeat_at: String,
}

pub fn lock_path(cd: &ContextDir, agent: &str) -> PathBuf {
    agents_dir(cd)
        .join("locks")
        .join(format!("{agent}.lock.json"))
}

/// A held lock; dropping it removes the file (when it is still ours).
#[derive(Debug)]
pub struct Held {
    pub path: PathBuf,
    /// A stale lock was taken over.
    pub recovered: bool,
    owner: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let ours = fsio::read_json::<LockFile>(&self.path)
            .ok()
            .flatten()
            .is_some_and(|l| l.owner == self.owner);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub path: PathBuf,
    pub message: String,
}

fn stale(l: &LockFile, now: time::OffsetDateTime) -> bool {
    let beat = clock::parse(&l.heartbeat_at).or_else(|| clock::parse(&l.acquired_at));
    match beat {
        Some(t) => now - t > time::Duration::seconds(TTL.as_secs() as i64),
        None => true,
    }
}

/// Takes the agent's lock for `owner`, or says who holds it.
pub fn acquire(
    cd: &ContextDir,
    agent: &str,
    owner: &str,
) -> Result<std::result::Result<Held, Busy>> {
    let _serial = fsio::StateLock::acquire(&cd.locks_dir().join("agent-locks.lock"))?;
    let path = lock_path(cd, agent);
    let now = clock::now();
    let mut recovered = false;
    if path.exists() {
        let found = fsio::read_json::<LockFile>(&path).ok().flatten();
        match found {
            Some(l) if !stale(&l, now) => {
                return Ok(Err(Busy {
                    message: format!(
                        "agent lock unavailable: {} holds {} since {} (heartbeat {})",
                        l.owner,
                        path.display(),
                        l.acquired_at,
                        l.heartbeat_at
                    ),
                    path,
                }));
            }
            _ => recovered = true,
        }
    }
    let at = clock::rfc3339_nanos(now);
    let file = LockFile {
        agent: agent.to_string(),
        owner: owner.to_string(),
        pid: std::process::id(),
        acquired_at: at.clone(),
        heartbeat_at: at,
    };
    fsio::write_json_atomic(&path, &file)?;
    Ok(Ok(Held {
        path,
        recovered,
        owner: owner.to_string(),
    }))
}
