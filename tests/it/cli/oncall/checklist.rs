//! `checklist`: the runbook's weekly checklist through the real binary, each item failing for
//! the reason the runbook names and passing once its fix has run; `check` exporting the items
//! and raising the escalations as critical alerts through the context's routing.

use serde_json::Value;

use super::lab::{Lab, Mode, Server};

fn item<'a>(doc: &'a Value, ctx: usize, name: &str) -> &'a Value {
    doc["contexts"][ctx]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no item {name}: {doc:#}"))
}

fn names(doc: &Value, ctx: usize) -> Vec<String> {
    doc["contexts"][ctx]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// Flips one byte of the artifact: same size, another sha256.
fn tamper(path: &str) {
    let mut bytes = std::fs::read(path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(path, &bytes).unwrap();
}

fn run_later(lab: &Lab, offset: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json", "--context", "shop"];
    all.extend_from_slice(args);
    let o = lab
        .cmd()
        .env("PAASDECK_CLOCK_OFFSET", offset)
        .args(&all)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

#[test]
fn each_item_fails_for_its_reason_names_its_fix_and_passes_once_fixed() {
    let lab = Lab::new();
    let (code, doc, out) = lab.run(&["checklist"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["code"], "PAAS_CHECKLIST_FAILED");
    assert_eq!(
        names(&doc, 0),
        [
            "doctor_ok",
            "distinct_targets_and_vaults",
            "latest_backup_verified",
            "alert_channel_configured",
            "rollback_drill_recent"
        ]
    );
    let keys: Vec<&String> = item(&doc, 0, "doctor_ok")
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["name", "ok", "detail", "fix", "required"]);
    assert_eq!(item(&doc, 0, "doctor_ok")["ok"], true);
    assert_eq!(item(&doc, 0, "distinct_targets_and_vaults")["ok"], true);
    // No backup at all fails (the doctor lets it through).
    let b = item(&doc, 0, "latest_backup_verified");
    assert_eq!(b["ok"], false, "{b}");
    assert!(
        b["detail"].as_str().unwrap().contains("state: no backup"),
        "{b}"
    );
    assert!(
        b["fix"]
            .as_str()
            .unwrap()
            .ends_with("--context shop backup state"),
        "{b}"
    );
    let a = item(&doc, 0, "alert_channel_configured");
    assert_eq!(a["ok"], false, "{a}");
    assert!(
        a["fix"].as_str().unwrap().contains("alert setup-webhook"),
        "{a}"
    );
    // A production context: the drill is informational, shown failing but not failing it.
    let d = item(&doc, 0, "rollback_drill_recent");
    assert_eq!(
        (d["ok"].as_bool(), d["required"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("latest_backup_verified, alert_channel_configured)"),
        "{doc:#}"
    );

    let (code, backup, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    let server = Server::start(Mode::Ok);
    lab.setup_webhook(&format!("{}/hook", server.base()));
    let (code, doc, out) = lab.run(&["checklist"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["contexts"][0]["ok"], true);
    assert_eq!(item(&doc, 0, "latest_backup_verified")["fix"], "");

    // Same size, another sha256, and nobody ran `backup verify`: the checklist re-hashes.
    tamper(backup["backup"]["path"].as_str().unwrap());
    let (code, doc, out) = lab.run(&["checklist"]);
    assert_eq!(code, 1, "{out}");
    let b = item(&doc, 0, "latest_backup_verified");
    assert_eq!(b["ok"], false, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("sha256"), "{b}");
    assert!(b["fix"].as_str().unwrap().ends_with("backup state"), "{b}");
    let (code, _, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, out) = lab.run(&["checklist"]);
    assert_eq!(code, 0, "a newer good backup passes: {out}");
    // the text form names each item and the fix under a failing one
    let o = lab
        .cmd()
        .args(["--context", "shop", "checklist"])
        .output()
        .unwrap();
    let text = crate::common::stdout(&o);
    assert!(text.contains("INFO  rollback_drill_recent"), "{text}");
    assert!(text.contains("OK    latest_backup_verified"), "{text}");
    assert_eq!(
        server.count(),
        0,
        "the checklist is a read: it raises nothing"
    );
}

#[test]
fn a_rollback_drill_counts_for_seven_days_and_is_required_in_internal_dogfood() {
    let lab = Lab::new();
    lab.env.init("dog", "internal-dogfood");
    for _ in 0..2 {
        let (code, _, out) = lab.deploy();
        assert_eq!(code, 0, "{out}");
    }
    let (code, doc) = lab.env.json_in("dog", &["checklist"]);
    assert_eq!(code, 1, "{doc:#}");
    let d = item(&doc, 0, "rollback_drill_recent");
    assert_eq!(
        (d["ok"].as_bool(), d["required"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rollback_drill_recent")
    );

    // In shop the fix is the drill itself, runnable as shown.
    let (_, doc, _) = lab.run(&["checklist"]);
    let fix = item(&doc, 0, "rollback_drill_recent")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.ends_with("--context shop rollback --app api --apply"),
        "{fix}"
    );
    let (code, _, out) = lab.run(&[
        "rollback",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "30s",
    ]);
    assert_eq!(code, 0, "{out}");
    let (_, doc, _) = lab.run(&["checklist"]);
    let d = item(&doc, 0, "rollback_drill_recent");
    assert_eq!(d["ok"], true, "{d}");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("rollback of api succeeded"),
        "{d}"
    );
    // Eight days later it no longer counts.
    let (_, doc) = run_later(&lab, "+8d", &["checklist"]);
    assert_eq!(
        item(&doc, 0, "rollback_drill_recent")["ok"],
        false,
        "{doc:#}"
    );

    // Every context side by side.
    let o = lab
        .cmd()
        .args(["--json", "checklist", "--all-contexts"])
        .output()
        .unwrap();
    let all: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1));
    let ctxs: Vec<&str> = all["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(ctxs, ["dog", "shop"]);
    assert_eq!(item(&all, 0, "rollback_drill_recent")["required"], true);
    assert_eq!(item(&all, 1, "rollback_drill_recent")["ok"], true);
}

fn escalations(server: &Server) -> Vec<Value> {
    server
        .requests()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
        .filter(|v| {
            v["command"]
                .as_str()
                .unwrap_or("")
                .starts_with("check escalation")
        })
        .collect()
}

#[test]
fn check_exports_each_item_and_raises_each_escalation_once_as_a_critical_alert() {
    let lab = Lab::new();
    let (code, _, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    let server = Server::start(Mode::Ok);
    lab.setup_webhook(&format!("{}/hook", server.base()));
    let (code, backup, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    let prom = lab.env.dir.path().join("paasdeck.prom");
    let p = prom.to_str().unwrap();
    let (code, doc, out) = lab.run(&["check", "--skip-remote", "--prometheus", p]);
    assert_eq!(code, 0, "{out}");
    assert!(doc.get("escalations").is_none(), "{doc:#}");
    let text = std::fs::read_to_string(&prom).unwrap();
    for (name, v) in [
        ("doctor_ok", 1),
        ("distinct_targets_and_vaults", 1),
        ("latest_backup_verified", 1),
        ("alert_channel_configured", 1),
        ("rollback_drill_recent", 0),
    ] {
        let line = format!("paasdeck_checklist_ok{{context=\"shop\",item=\"{name}\"}} {v}\n");
        assert!(text.contains(&line), "{line} in {text}");
    }
    assert_eq!(server.count(), 0);

    // The latest required backup fails its checksum: check fails and escalates.
    tamper(backup["backup"]["path"].as_str().unwrap());
    let (code, doc, out) = lab.run(&["check", "--skip-remote", "--prometheus", p]);
    assert_eq!(code, 1, "{out}");
    let v = doc["contexts"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "latest_backup_verified")
        .unwrap();
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(
        doc["escalations"][0]["condition"], "backup_checksum_failed",
        "{doc:#}"
    );
    let sent = escalations(&server);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["severity"], "critical");
    assert_eq!(
        sent[0]["command"],
        "check escalation backup_checksum_failed"
    );
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(
        text.contains("item=\"latest_backup_verified\"} 0\n"),
        "{text}"
    );

    // Another context's row in the events: cross-context data escalates too, and the
    // backup's escalation, still open, pages no one again.
    let events = lab.env.ctx_dir("shop").join("events/deployments.jsonl");
    let mut rows = std::fs::read_to_string(&events).unwrap();
    rows.push_str("{\"timestamp\":\"2026-01-01T00:00:00Z\",\"context\":\"other\",\"source\":\"deploy\",\"command\":\"deploy\",\"status\":\"succeeded\"}\n");
    std::fs::write(&events, rows).unwrap();
    let (code, doc, out) = lab.run(&["check", "--skip-remote"]);
    assert_eq!(code, 1, "{out}");
    let conditions: Vec<&str> = doc["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["condition"].as_str().unwrap())
        .collect();
    assert_eq!(
        conditions,
        ["cross_context_data", "backup_checksum_failed"],
        "{doc:#}"
    );
    let sent = escalations(&server);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["command"], "check escalation cross_context_data");
    assert!(
        sent[1]["message"]
            .as_str()
            .unwrap()
            .contains("events_context_consistency"),
        "{}",
        sent[1]
    );
    let (_, again, _) = lab.run(&["check", "--skip-remote"]);
    assert_eq!(again["escalations"].as_array().unwrap().len(), 2);
    assert_eq!(
        escalations(&server).len(),
        2,
        "deduplicated by their open incidents"
    );
}

#[test]
fn a_plaintext_file_in_the_backup_store_escalates_as_secret_exposure() {
    let lab = Lab::new();
    let (code, _, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    let server = Server::start(Mode::Ok);
    lab.setup_webhook(&format!("{}/hook", server.base()));
    let (code, backup, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    let (code, doc, out) = lab.run(&["check", "--skip-remote"]);
    assert_eq!(code, 0, "{out}");
    assert!(doc.get("escalations").is_none(), "{doc:#}");
    // A dump copied into the store by hand, unencrypted.
    let store = std::path::Path::new(backup["backup"]["path"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::write(store.join("dump.sql"), "INSERT INTO users VALUES ('x');\n").unwrap();
    let (code, doc, out) = lab.run(&["check", "--skip-remote"]);
    assert_eq!(code, 1, "{out}");
    let conditions: Vec<&str> = doc["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["condition"].as_str().unwrap())
        .collect();
    assert_eq!(conditions, ["secret_exposure"], "{doc:#}");
    let sent = escalations(&server);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["severity"], "critical");
    assert_eq!(sent[0]["command"], "check escalation secret_exposure");
    assert!(
        sent[0]["message"]
            .as_str()
            .unwrap()
            .contains("backup_store_plaintext"),
        "{}",
        sent[0]
    );
}
