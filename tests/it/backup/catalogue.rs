//! The catalogue over time: retention on 120 days of backups, the doctor's check, listing.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::site::{catalogue, flip_byte, run, run_later, store, store_files};
use crate::common::Env;
use crate::common::vault::check;

/// What 7 daily / 4 weekly / 3 monthly keep of daily backups at 02:00 from 2026-02-01 to
/// 2026-05-31 plus one at 14:00 on the last day, worked out by hand: the newest of each of the
/// last 7 days, of the last 4 ISO weeks (they end on Sundays 31, 24, 17 and 10 May) and of the
/// last 3 months.
const KEPT: &[&str] = &[
    "2026-05-31T14:00:00Z",
    "2026-05-30T02:00:00Z",
    "2026-05-29T02:00:00Z",
    "2026-05-28T02:00:00Z",
    "2026-05-27T02:00:00Z",
    "2026-05-26T02:00:00Z",
    "2026-05-25T02:00:00Z",
    "2026-05-24T02:00:00Z",
    "2026-05-17T02:00:00Z",
    "2026-05-10T02:00:00Z",
    "2026-04-30T02:00:00Z",
    "2026-03-31T02:00:00Z",
];

fn id_at(t: &str, who: &str, n: usize) -> String {
    let compact: String = t[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("bk-{compact}-{who}-{n:06x}")
}

/// Writes a catalogue of 121 backups of `api` and 121 of state, each with a (fake) artifact.
fn seed_120_days(env: &Env) -> Vec<Value> {
    let mut times: Vec<String> = Vec::new();
    let first = time::macros::date!(2026 - 02 - 01);
    for i in 0..120 {
        times.push(format!("{}T02:00:00Z", first + time::Duration::days(i)));
    }
    times.push("2026-05-31T14:00:00Z".into());
    let dir = store(env, "shop");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows = Vec::new();
    for (who, kind) in [("api", "app"), ("state", "state")] {
        for (n, t) in times.iter().enumerate() {
            let id = id_at(t, who, n);
            let path = dir.join(format!("{id}.age"));
            std::fs::write(&path, b"x").unwrap();
            rows.push(json!({
                "id": id, "kind": kind, "app": if kind == "app" { "api" } else { "" },
                "started_at": t, "finished_at": t, "status": "ok", "bytes": 1,
                "sha256": "", "plaintext_bytes": 1, "plaintext_sha256": "",
                "recipients": [], "operator": "op@host", "path": path.display().to_string(),
                "verified_at": "", "verify": "never", "verify_detail": ""
            }));
        }
    }
    std::fs::write(
        env.ctx_dir("shop").join("backups.json"),
        serde_json::to_string_pretty(&json!({"backups": rows})).unwrap(),
    )
    .unwrap();
    rows
}

#[test]
fn prune_keeps_exactly_the_policys_set_over_120_days() {
    let env = Env::new();
    env.init("shop", "production");
    let seeded = seed_120_days(&env);
    assert_eq!(seeded.len(), 242);

    let (code, doc, text) = run(&env, "shop", &["backup", "prune"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["apply"], false);
    assert_eq!(doc["keep"].as_array().unwrap().len(), 2 * KEPT.len());
    assert_eq!(
        doc["remove"].as_array().unwrap().len(),
        242 - 2 * KEPT.len()
    );
    assert_eq!(
        catalogue(&env, "shop").len(),
        242,
        "plan only: nothing removed"
    );
    assert_eq!(store_files(&env, "shop").len(), 242);

    let (code, doc, text) = run(&env, "shop", &["backup", "prune", "--apply"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["removed"], 242 - 2 * KEPT.len());
    let left = catalogue(&env, "shop");
    for kind in ["app", "state"] {
        let mut times: Vec<&str> = left
            .iter()
            .filter(|r| r["kind"] == kind)
            .map(|r| r["started_at"].as_str().unwrap())
            .collect();
        times.sort();
        times.reverse();
        assert_eq!(times, KEPT, "{kind}");
    }
    let mut files = store_files(&env, "shop");
    let mut want: Vec<String> = left
        .iter()
        .map(|r| format!("{}.age", r["id"].as_str().unwrap()))
        .collect();
    files.sort();
    want.sort();
    assert_eq!(files, want, "exactly the kept artifacts remain");
    let audit = super::site::audit(&env, "shop");
    assert!(
        audit
            .iter()
            .any(|r| r["command"] == "backup prune"
                && r["fields"]["removed"] == 242 - 2 * KEPT.len())
    );
    // A second run finds nothing more to remove.
    let (_, doc, _) = run(&env, "shop", &["backup", "prune", "--apply"]);
    assert_eq!(doc["removed"], 0);
}

#[test]
fn the_doctor_fails_on_a_tampered_latest_backup() {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    let (_, first, _) = run(&env, "shop", &["backup", "state"]);
    let (code, doc, _) = run(&env, "shop", &["doctor"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(check(&doc, "latest_backup_verified")["ok"], true);
    let (_, latest, _) = run_later(&env, "shop", "2s", &["backup", "state"]);
    let path = PathBuf::from(latest["backup"]["path"].as_str().unwrap());
    flip_byte(&path);
    // Verification finds the damage and records it; the doctor reads the record.
    let (code, doc, _) = run(
        &env,
        "shop",
        &["backup", "verify", "--latest", "--kind", "state"],
    );
    assert_eq!(code, 1, "{doc:#}");
    // A failed verification is a warning: the doctor reports it and exits 0 (SPEC §7).
    let (code, doc, _) = run(&env, "shop", &["doctor"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .contains(&"latest_backup_verified".into()),
        "{doc:#}"
    );
    let c = check(&doc, "latest_backup_verified");
    assert_eq!(c["ok"], false);
    assert_eq!(c["level"], "warn");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("failed its last verification")
    );
    // A truncated artifact fails the check without a verify run (its size no longer matches).
    let (_, third, _) = run(&env, "shop", &["backup", "state"]);
    let p3 = PathBuf::from(third["backup"]["path"].as_str().unwrap());
    let b = std::fs::read(&p3).unwrap();
    std::fs::write(&p3, &b[..b.len() - 10]).unwrap();
    let (_, doc, _) = run(&env, "shop", &["doctor"]);
    let c = check(&doc, "latest_backup_verified");
    assert_eq!(c["ok"], false, "{c:#}");
    assert!(c["detail"].as_str().unwrap().contains("bytes"));
    // The older, intact backup still verifies, deep too.
    let id = first["backup"]["id"].as_str().unwrap();
    let (code, doc, _) = run(&env, "shop", &["backup", "verify", id, "--deep"]);
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn list_shows_the_catalogue_newest_first_with_words_for_failures() {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    run(&env, "shop", &["backup", "state"]);
    let (code, doc, _) = run(&env, "shop", &["backup", "list", "--kind", "state"]);
    assert_eq!(code, 0);
    assert_eq!(doc["count"], 1);
    let o = env.run(&["--context", "shop", "backup", "list"]);
    let text = crate::common::stdout(&o);
    assert!(text.starts_with("ID"), "{text}");
    assert!(text.contains("never"), "{text}");
    let (code, doc, _) = run(&env, "shop", &["backup", "verify", "bk-1"]);
    assert_eq!(code, 2, "{doc:#}");
    let (code, _, _) = run(&env, "shop", &["backup", "list", "--app", "../x"]);
    assert_eq!(code, 2);
}
