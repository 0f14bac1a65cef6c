//! Fault replays of state backups and restores: a restore that dies between two file moves
//! or before its commit point, a backup that dies while it is being committed, and archives
//! or contexts with more files than a state archive may hold.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::site::{catalogue, identity, run, sha_hex, store, store_files};
use crate::common::Env;

const DOCS: &[&str] = &["config.json", "targets.json", "apps.json", "paasdeck.json"];

fn ctx() -> Env {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    env.add_target("shop", "edge-a", "10.0.0.1");
    env
}

/// The documents a restore replaces, as they are now (absent ones as `None`).
fn docs(env: &Env) -> Vec<Option<String>> {
    DOCS.iter()
        .map(|d| std::fs::read_to_string(env.ctx_dir("shop").join(d)).ok())
        .collect()
}

fn backup_state(env: &Env) -> Value {
    let (code, doc, text) = run(env, "shop", &["backup", "state"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    doc["backup"].clone()
}

/// Runs `backup restore` of `id` with the process aborted at the fault point `step`.
fn restore_dying_at(env: &Env, id: &str, step: &str) {
    let o = env
        .cmd()
        .env("PAASDECK_FAULT_ABORT", step)
        .args([
            "--json",
            "--context",
            "shop",
            "backup",
            "restore",
            "--from",
            id,
        ])
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), None, "the restore did not die at {step}");
}

/// A backup, then changes to the context (a target added, `apps.json` created): the state
/// before the restore and the state the backup holds differ in `targets.json`, which a restore
/// moves second, and `apps.json`, which it removes after every move.
fn changed_since_backup(env: &Env) -> (String, Vec<Option<String>>, Vec<Option<String>>) {
    let id = backup_state(env)["id"].as_str().unwrap().to_string();
    let backed_up = docs(env);
    env.add_target("shop", "edge-b", "10.0.0.2");
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  api:\n    image: a:1\n",
    )
    .unwrap();
    env.ok_in(
        "shop",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge-a",
        ],
    );
    let before = docs(env);
    for i in [1, 2] {
        assert_ne!(before[i], backed_up[i], "{} did not change", DOCS[i]);
    }
    (id, backed_up, before)
}

#[test]
fn a_state_restore_killed_between_two_moves_is_finished_by_the_next_command() {
    let env = ctx();
    let (id, backed_up, _) = changed_since_backup(&env);
    restore_dying_at(&env, &id, "restore_move:2");
    // Killed half way: the journal records what is left to do.
    assert!(env.ctx_dir("shop").join("restore-journal.json").exists());
    // Any next command finishes it before it reads the context.
    env.ok_in("shop", &["target", "list"]);
    assert_eq!(docs(&env), backed_up, "the context is not wholly restored");
    assert!(!env.ctx_dir("shop").join("restore-journal.json").exists());
    let left: Vec<String> = std::fs::read_dir(env.ctx_dir("shop"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".paasdeck-restore-"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

#[test]
fn a_state_restore_killed_before_its_commit_point_changes_nothing() {
    let env = ctx();
    let (id, _, before) = changed_since_backup(&env);
    restore_dying_at(&env, &id, "restore_staged");
    env.ok_in("shop", &["target", "list"]);
    assert_eq!(docs(&env), before, "the context is not wholly as it was");
    assert!(!env.ctx_dir("shop").join("restore-journal.json").exists());
}

/// Writes an artifact of `plain` encrypted to the operator and catalogues it as a state backup.
fn catalogue_state_archive(env: &Env, plain: &[u8]) -> String {
    let id = "bk-20260101T000000-state-abcdef";
    let me = identity(env).to_public();
    let path = store(env, "shop").join(format!("{id}.age"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(&me as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    std::fs::write(&path, &out).unwrap();
    let row = json!({
        "id": id, "context": "shop", "kind": "state", "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01Z", "status": "ok", "bytes": out.len(),
        "sha256": sha_hex(&out), "plaintext_bytes": plain.len(),
        "plaintext_sha256": sha_hex(plain), "recipients": [], "operator": "op@host",
        "path": path.display().to_string(), "verified_at": "", "verify": "never",
        "verify_detail": ""
    });
    std::fs::write(
        env.ctx_dir("shop").join("backups.json"),
        serde_json::to_string_pretty(&json!({ "backups": [row] })).unwrap(),
    )
    .unwrap();
    id.to_string()
}

/// A well-formed archive of `n` event files (with their manifest) for context `shop`.
fn archive_of_event_files(n: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut files = Vec::new();
    let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    };
    for i in 0..n {
        let name = format!("events/e{i}.jsonl");
        let data = format!("{{\"n\":{i}}}\n");
        add(&mut b, &name, data.as_bytes());
        files.push(json!({"path": name, "bytes": data.len(), "sha256": sha_hex(data.as_bytes())}));
    }
    let manifest = json!({"format": 1, "context": "shop", "created_at": "2026-01-01T00:00:00Z", "files": files});
    add(
        &mut b,
        "paasdeck-backup.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

/// The event files named like the archive's members (`e<n>.jsonl`).
fn archived_event_files(env: &Env) -> usize {
    std::fs::read_dir(env.ctx_dir("shop").join("events")).map_or(0, |d| {
        d.flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_prefix('e')
                    .and_then(|r| r.strip_suffix(".jsonl"))
                    .is_some_and(|i| i.parse::<u32>().is_ok())
            })
            .count()
    })
}

#[test]
fn an_archive_with_more_files_than_a_state_holds_is_refused_and_changes_nothing() {
    let env = ctx();
    let id = catalogue_state_archive(&env, &archive_of_event_files(20_000));
    let before = docs(&env);
    let (code, doc, text) = run(
        &env,
        "shop",
        &["backup", "restore", "--from", &id, "--force"],
    );
    assert_eq!(code, 1, "{doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_BACKUP_VERIFY_FAILED", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("more than 10000 files"),
        "names the limit: {msg}"
    );
    assert_eq!(docs(&env), before);
    assert_eq!(archived_event_files(&env), 0);
}

#[test]
fn a_context_with_more_files_than_an_archive_holds_is_not_backed_up() {
    let env = ctx();
    let events = env.ctx_dir("shop").join("events");
    for i in 0..10_001 {
        std::fs::write(events.join(format!("e{i}.jsonl")), "{}\n").unwrap();
    }
    let (code, doc, text) = run(&env, "shop", &["backup", "state"]);
    assert_eq!(code, 1, "{doc:#}\n{text}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("(10000)"), "names the limit: {msg}");
    assert!(
        store_files(&env, "shop").is_empty(),
        "{:?}",
        store_files(&env, "shop")
    );
}

/// Every file in the store is the artifact of an `ok` row.
fn assert_store_matches_catalogue(env: &Env) {
    let rows = catalogue(env, "shop");
    let mut named: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] == "ok")
        .map(|r| {
            let p = PathBuf::from(r["path"].as_str().unwrap());
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    named.sort();
    assert_eq!(store_files(env, "shop"), named, "{rows:#?}");
}

#[test]
fn a_state_backup_killed_while_it_is_committed_leaves_no_artifact_without_a_row() {
    for step in ["backup_row_pending", "backup_artifact_committed"] {
        let env = ctx();
        let o = env
            .cmd()
            .env("PAASDECK_FAULT_ABORT", step)
            .args(["--json", "--context", "shop", "backup", "state"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), None, "the backup did not die at {step}");
        let rows = catalogue(&env, "shop");
        assert_eq!(rows.len(), 1, "{step}: {rows:#?}");
        assert_eq!(rows[0]["status"], "failed", "{step}");
        // The next backup writer removes what the dead one left.
        backup_state(&env);
        assert_store_matches_catalogue(&env);
        let rows = catalogue(&env, "shop");
        assert_eq!(rows[0]["status"], "failed", "{step}");
        assert_eq!(rows[0]["path"], "", "{step}");
    }
}
