//! Fault replays: files. A crash inside the deploy lock's write window, a torn event tail
//! followed by an append, temp files left by `kill -9`, an export aimed at a FIFO, and an event
//! row of many megabytes, each reproduced by hand (no strace fault injection needed) against the
//! real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::common::{Env, stderr};

/// A pid no process has (above the kernel's maximum).
const DEAD_PID: u32 = 999_999_999;

fn ctx(env: &Env) -> PathBuf {
    env.init("alpha", "oss-demo");
    env.ctx_dir("alpha")
}

fn set_age(p: &Path, age: Duration) {
    std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

/// What `kill -9` between the lock file's exclusive create and its write left: an empty file.
fn empty_lock(dir: &Path, age: Duration) -> PathBuf {
    std::fs::create_dir_all(dir.join("locks")).unwrap();
    let p = dir.join("locks/deploy-web.json");
    std::fs::write(&p, b"").unwrap();
    set_age(&p, age);
    p
}

fn audit_rows(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn an_empty_lock_left_by_a_crash_is_stale_after_the_grace() {
    let env = Env::new();
    let dir = ctx(&env);
    let lock = empty_lock(&dir, Duration::from_secs(60));

    let doc = env.ok_in("alpha", &["deploy", "lock", "status"]);
    assert_eq!(doc["count"], 1, "{doc:#}");
    assert_eq!(doc["data"][0]["unreadable"], true);
    assert_eq!(doc["data"][0]["stale"], true);
    assert_eq!(doc["data"][0]["app"], "web");
    let text = env.run(&["--context", "alpha", "deploy", "lock", "status"]);
    assert_eq!(text.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("unreadable lock file"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    // The next taker is not wedged: it takes the wreck over.
    let doc = env.ok_in(
        "alpha",
        &[
            "deploy",
            "lock",
            "acquire",
            "--app",
            "web",
            "-m",
            "after crash",
        ],
    );
    assert_eq!(doc["lock"]["message"], "after crash");
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
    assert_eq!(on_disk["message"], "after crash");
    env.ok_in("alpha", &["deploy", "lock", "release", "--app", "web"]);
    assert!(!lock.exists());
}

#[test]
fn a_fresh_empty_lock_is_respected_and_released_only_with_force() {
    let env = Env::new();
    let dir = ctx(&env);
    let lock = empty_lock(&dir, Duration::ZERO);

    let (code, doc) = env.json_in(
        "alpha",
        &["deploy", "lock", "acquire", "--app", "web", "-m", "x"],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_DEPLOY_LOCKED");
    assert_eq!(std::fs::read(&lock).unwrap(), b"", "left untouched");

    let doc = env.ok_in("alpha", &["deploy", "lock", "status", "--app", "web"]);
    assert_eq!(doc["data"][0]["unreadable"], true);
    assert_eq!(doc["data"][0]["stale"], false);

    let (code, doc) = env.json_in("alpha", &["deploy", "lock", "release", "--app", "web"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(
        hint.contains("deploy lock release --app web --force"),
        "{hint}"
    );
    assert!(lock.exists());

    let doc = env.ok_in(
        "alpha",
        &["deploy", "lock", "release", "--app", "web", "--force"],
    );
    assert_eq!(doc["released"], true);
    assert_eq!(doc["was"]["unreadable"], true);
    assert!(!lock.exists());
    let last = audit_rows(&dir).pop().unwrap();
    assert_eq!(last["command"], "deploy lock release");
    assert_eq!(last["fields"]["force"], true);
    assert_eq!(last["fields"]["unreadable"], true);
}

#[test]
fn a_torn_tail_loses_only_the_torn_row() {
    let env = Env::new();
    let dir = ctx(&env);
    let audit = dir.join("events/audit.jsonl");
    let mut text = std::fs::read_to_string(&audit).unwrap_or_default();
    // The row a killed writer was appending, cut off mid-way.
    text.push_str("{\"timestamp\":\"2026-01-01T00:00:00Z\",\"command\":\"tor");
    std::fs::write(&audit, text).unwrap();

    env.add_target("alpha", "edge-a", "a.example");
    env.add_target("alpha", "edge-b", "b.example");

    let doc = env.ok_in("alpha", &["events", "list"]);
    assert_eq!(doc["skipped_lines"], 1, "{doc:#}");
    let cmds: Vec<&str> = doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        cmds.iter().filter(|c| **c == "target add").count(),
        2,
        "both appended rows survive: {cmds:?}"
    );
}

#[test]
fn temp_files_of_a_crashed_writer_are_reported_and_swept() {
    let env = Env::new();
    let dir = ctx(&env);
    std::fs::create_dir_all(dir.join("vault")).unwrap();
    // What `kill -9` mid-write leaves: a whole vault copy and a half-written document.
    let vault_copy = dir.join(format!("vault/.paasdeck-{DEAD_PID}-Qx81Za.tmp"));
    std::fs::write(&vault_copy, "PAAS__CTX_ALPHA__VAR_DB=hunter2\n").unwrap();
    let doc_copy = dir.join(format!(".paasdeck-{DEAD_PID}-b7Yk2P.tmp"));
    std::fs::write(&doc_copy, "{\"targets\": [").unwrap();
    // A writer that is still running (this test process) keeps its temp file.
    let live = dir.join(format!(".paasdeck-{}-Lv3Ab9.tmp", std::process::id()));
    std::fs::write(&live, "{}").unwrap();
    // Written private, as paasdeck's writers do: only the temp files are at issue.
    for p in [&vault_copy, &doc_copy, &live] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // A warning (SPEC §7): reported, listed, never failing the doctor.
    let (code, doc) = env.json_in("alpha", &["doctor"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .contains(&"state_temp_files".into()),
        "{doc:#}"
    );
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "state_temp_files")
        .cloned()
        .unwrap_or_else(|| panic!("no state_temp_files check: {doc:#}"));
    assert_eq!(check["ok"], false);
    let detail = check["detail"].as_str().unwrap();
    for p in [&vault_copy, &doc_copy] {
        assert!(detail.contains(&p.display().to_string()), "{detail}");
    }
    assert_eq!(check["level"], "warn");
    let fix = check["fix"].as_str().unwrap();
    assert!(fix.starts_with("rm -f -- "), "{fix}");
    for p in [&vault_copy, &doc_copy] {
        assert!(fix.contains(&p.display().to_string()), "{fix}");
    }
    assert!(!detail.contains(&live.display().to_string()), "{detail}");
    assert!(!detail.contains("hunter2"));
    assert!(vault_copy.exists(), "the doctor only reports");

    // The next write under the context lock removes what the dead writer left.
    env.add_target("alpha", "edge-a", "a.example");
    assert!(!vault_copy.exists() && !doc_copy.exists());
    assert!(live.exists());
    std::fs::remove_file(&live).unwrap();
    let (code, doc) = env.json_in("alpha", &["doctor"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(
        !doc["warnings"]
            .as_array()
            .unwrap()
            .contains(&"state_temp_files".into()),
        "{doc:#}"
    );
}

#[test]
fn a_crash_leftover_does_not_block_a_doctor_gated_command() {
    let env = Env::new();
    let dir = ctx(&env);
    std::fs::create_dir_all(dir.join("vault")).unwrap();
    let wreck = dir.join(format!("vault/.paasdeck-{DEAD_PID}-Qx81Za.tmp"));
    std::fs::write(&wreck, "PAAS__CTX_ALPHA__VAR_DB=hunter2\n").unwrap();
    let o = env.run_stdin(
        &[
            "--json",
            "--context",
            "alpha",
            "secret",
            "set",
            "--app",
            "web",
            "--name",
            "DB",
        ],
        "s3cret-value",
    );
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    assert_ne!(
        doc["error"]["code"],
        "PAAS_DOCTOR_BLOCKED",
        "{doc:#} {}",
        stderr(&o)
    );
    assert!(!wreck.exists());
}

#[test]
fn export_to_a_fifo_or_directory_is_refused() {
    let env = Env::new();
    ctx(&env);
    let out = env.work.join("out");
    std::fs::create_dir(&out).unwrap();
    let fifo = out.join("export.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let link = out.join("link-to-fifo.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let subdir = out.join("a-directory");
    std::fs::create_dir(&subdir).unwrap();

    for (target, kind) in [(&fifo, "FIFO"), (&link, "FIFO"), (&subdir, "directory")] {
        let (code, doc) = env.json_in(
            "alpha",
            &[
                "context",
                "export",
                "--output",
                target.to_str().unwrap(),
                "--force",
            ],
        );
        assert_eq!(code, 2, "{doc:#}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains(kind) && msg.contains("not a regular file"),
            "{msg}"
        );
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(subdir.is_dir());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a-directory", "export.fifo", "link-to-fifo.json"]);

    // A regular file is still replaced with --force.
    let file = out.join("export.json");
    std::fs::write(&file, "old").unwrap();
    env.ok_in(
        "alpha",
        &[
            "context",
            "export",
            "--output",
            file.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("schema_version")
    );
}

#[test]
fn a_16_mb_event_row_is_skipped_and_the_rows_around_it_come_back() {
    let env = Env::new();
    let dir = ctx(&env);
    let audit = dir.join("events/audit.jsonl");
    let mut text = std::fs::read_to_string(&audit).unwrap_or_default();
    text.push_str("{\"timestamp\":\"2026-01-01T00:00:01Z\",\"command\":\"before\"}\n");
    text.push_str("{\"timestamp\":\"2026-01-01T00:00:02Z\",\"command\":\"huge\",\"message\":\"");
    text.push_str(&"m".repeat(16 * 1024 * 1024));
    text.push_str("\"}\n");
    text.push_str("{\"timestamp\":\"2026-01-01T00:00:03Z\",\"command\":\"after\"}\n");
    std::fs::write(&audit, text).unwrap();
    let doc = env.ok_in("alpha", &["events", "list", "--limit", "50"]);
    assert_eq!(doc["skipped_lines"], 1, "{doc:#}");
    let cmds: Vec<&str> = doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert!(
        cmds.starts_with(&["after", "before"]),
        "the rows around it come back: {cmds:?}"
    );
    // How fast (it was 2.1 s when the reader re-copied its buffer per block) is
    // bench/events_long_row.sh's figure, not a test's.
}
