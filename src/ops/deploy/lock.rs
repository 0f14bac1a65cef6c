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
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

/// An empty or unparsable lock file younger than this may be a lock on its way in; older, it is
/// the wreck of a crash and is taken over.
pub const UNREADABLE_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeployLock {
    pub app: String,
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
type FileId = (u64, u64);

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

fn inspect(p: &Path) -> Result<Option<(Found, FileId)>> {
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
    let p = path(cd, app);
    let dir = cd.locks_dir();
    let now = clock::now_event();
    let lock = DeployLock {
        app: app.to_string(),
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
mod tests {
    use super::*;
    use crate::state::StateRoot;

    #[test]
    fn exclusive_stale_takeover_and_release() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c");
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
        assert!(release(&cd, "api", false).unwrap().is_some());
        assert!(list(&cd).unwrap().is_empty());
    }

    /// What `kill -9` between the old exclusive create and its write left behind: an empty lock
    /// file, written `age` ago.
    fn crash_wreck(cd: &ContextDir, app: &str, content: &[u8], age: Duration) -> PathBuf {
        fsio::ensure_dir(&cd.locks_dir()).unwrap();
        let p = path(cd, app);
        fs::write(&p, content).unwrap();
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - age)
            .unwrap();
        p
    }

    #[test]
    fn an_empty_lock_older_than_the_grace_is_taken_over() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c");
        crash_wreck(&cd, "api", b"", Duration::from_secs(30));
        match find(&cd, "api").unwrap() {
            Some(Found::Unreadable(u)) => {
                assert!(u.stale && u.detail.contains("empty"), "{u:?}");
                assert_eq!(u.app, "api");
            }
            other => panic!("{other:?}"),
        }
        let held = acquire(&cd, "api", "me@h", "after the crash", false).unwrap();
        assert_eq!(
            read(&cd, "api").unwrap().unwrap().message,
            "after the crash"
        );
        drop(held);
        assert!(find(&cd, "api").unwrap().is_none());
    }

    #[test]
    fn a_fresh_unreadable_lock_is_respected() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c");
        let p = crash_wreck(&cd, "api", b"{\"app\": \"api\", \"ow", Duration::ZERO);
        let e = acquire(&cd, "api", "me@h", "x", false).unwrap_err();
        assert_eq!(e.code, ErrorCode::DeployLocked, "{}", e.message);
        assert!(e.message.contains("being taken"), "{}", e.message);
        assert_eq!(fs::read(&p).unwrap(), b"{\"app\": \"api\", \"ow");
    }

    #[test]
    fn an_unreadable_lock_is_listed_and_released_only_with_force() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c");
        let p = crash_wreck(&cd, "api", b"\x00garbage", Duration::from_secs(1));
        let all = list(&cd).unwrap();
        assert_eq!(all.len(), 1);
        assert!(matches!(&all[0], Found::Unreadable(u) if !u.stale));
        assert_eq!(all[0].json()["unreadable"], true);
        let e = read(&cd, "api").unwrap_err();
        assert_eq!(e.code, ErrorCode::StateCorrupt);
        assert!(e.remediation.contains("--force"), "{}", e.remediation);
        let e = release(&cd, "api", false).unwrap_err();
        assert_eq!(e.code, ErrorCode::StateCorrupt);
        assert!(p.exists());
        assert!(matches!(
            release(&cd, "api", true).unwrap(),
            Some(Found::Unreadable(_))
        ));
        assert!(!p.exists());
    }

    #[test]
    fn the_lock_file_is_always_complete_and_leaves_no_temp_files() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("c");
        fsio::ensure_dir(&cd.locks_dir()).unwrap();
        let p = path(&cd, "api");
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut seen = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(b) = fs::read(&p) {
                        let parsed = serde_json::from_slice::<DeployLock>(&b);
                        assert!(
                            parsed.is_ok(),
                            "a reader saw {:?}",
                            String::from_utf8_lossy(&b)
                        );
                        seen += 1;
                    }
                }
                seen
            });
            for i in 0..300 {
                let held = acquire(&cd, "api", "me@h", &format!("run {i}"), false).unwrap();
                drop(held);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            assert!(reader.join().unwrap() > 0);
        });
        let names: Vec<String> = fs::read_dir(cd.locks_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "state.lock")
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
