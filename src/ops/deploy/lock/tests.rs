//! The deploy lock: exclusion, stale take-over, and the wrecks a crash can leave.

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
    let cd = StateRoot::at(t.path()).context("c").unwrap();
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
    let cd = StateRoot::at(t.path()).context("c").unwrap();
    let p = crash_wreck(&cd, "api", b"{\"app\": \"api\", \"ow", Duration::ZERO);
    let e = acquire(&cd, "api", "me@h", "x", false).unwrap_err();
    assert_eq!(e.code, ErrorCode::DeployLocked, "{}", e.message);
    assert!(e.message.contains("being taken"), "{}", e.message);
    assert_eq!(fs::read(&p).unwrap(), b"{\"app\": \"api\", \"ow");
}

#[test]
fn an_unreadable_lock_is_listed_and_released_only_with_force() {
    let t = tempfile::tempdir().unwrap();
    let cd = StateRoot::at(t.path()).context("c").unwrap();
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
    let cd = StateRoot::at(t.path()).context("c").unwrap();
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
