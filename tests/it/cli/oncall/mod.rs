//! On-call through the real binary: alerts to a loopback Telegram and webhook, incidents folded
//! from failures, `check` with its Prometheus textfile, `deploy reconcile`.

mod check;
mod checklist;
use crate::common;
mod incident_ack;
mod lab;
mod telegram;

use base64::Engine;
use lab::{Lab, Mode, SECRET, Server, TOKEN, closed_port};
use serde_json::Value;

fn no_secret(text: &str) {
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    assert!(!text.contains(&b64), "the secret leaked in base64: {text}");
    assert!(!text.contains(TOKEN), "the bot token leaked: {text}");
}

fn form_text(body: &str) -> String {
    body.split('&')
        .find_map(|kv| kv.strip_prefix("text="))
        .map(|v| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

#[test]
fn a_failed_deploy_sends_exactly_one_alert_with_paasdeck_hints_and_no_secret() {
    let server = Server::start(Mode::Ok);
    let mut lab = Lab::new();
    lab.setup_telegram(&server);
    // The token lives in the vault only, encrypted.
    let state = common::Env::all_text_under(&lab.env.root);
    assert!(!state.contains(TOKEN));
    let tg: Value = serde_json::from_str(
        &std::fs::read_to_string(lab.env.ctx_dir("shop").join("alerts/telegram.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(tg["chat_id"], "-100123");
    assert_eq!(tg["bot_token"], "<redacted>");

    lab.fail_up(true);
    let (code, doc, out) = lab.deploy();
    assert_eq!(code, 1, "{out}");
    no_secret(&out);
    assert_eq!(server.count(), 1, "{:?}", server.requests());
    let req = &server.requests()[0];
    assert_eq!(req.url, format!("/bot{TOKEN}/sendMessage"));
    assert!(req.body.contains("chat_id=-100123"), "{}", req.body);
    let text = form_text(&req.body);
    no_secret(&text);
    let id = doc["alert"]["id"].as_str().unwrap().to_string();
    assert!(
        text.starts_with("[CRITICAL] deploy failure [shop] (edge-a): "),
        "{text}"
    );
    for want in [
        format!(
            "- acknowledge: paasdeck --context shop alert acknowledge --id {id} --note 'acknowledged critical alert'"
        ),
        "- rollback: paasdeck --context shop rollback --app api --targets edge-a --apply"
            .to_string(),
        "- view_logs: paasdeck --context shop logs --app api --target edge-a --tail 200"
            .to_string(),
        "- incident: paasdeck --context shop incident show ".to_string(),
    ] {
        assert!(text.contains(&want), "missing {want:?} in {text}");
    }
    // One row, si's shape, every field a string, the id the command reported.
    let rows = lab.alert_rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["command"], "deploy failure");
    assert_eq!(row["severity"], "critical");
    assert_eq!(row["status"], "sent");
    assert_eq!(row["context"], "shop");
    assert!(
        row["fields"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string),
        "{row}"
    );
    assert_eq!(row["fields"]["channel"], "telegram");
    assert_eq!(row["fields"]["incident_id"], doc["incident_id"]);
    no_secret(&common::Env::all_text_under(
        &lab.env.ctx_dir("shop").join("events"),
    ));
    // `alert history` reads it back
    let h = lab.ok(&["alert", "history"]);
    assert_eq!(h["count"], 1);
    assert_eq!(h["data"][0]["id"], id.as_str());
    // a successful deploy raises nothing
    lab.fail_up(false);
    let (code, _, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_webhook_that_is_down_or_hangs_never_changes_the_deploy_and_is_recorded() {
    let lab = Lab::new();
    lab.fail_up(true);
    lab.ok(&["alert", "policy", "set", "--critical", "disabled"]);
    let (base_code, base, _) = lab.deploy();
    assert_eq!(base_code, 1);
    assert_eq!(base["alert"]["status"], "suppressed");

    // Down: nothing listens.
    let down = format!(
        "http://127.0.0.1:{}/hook?key=webhook-Secret-Key",
        closed_port()
    );
    lab.setup_webhook(&down);
    let (code, doc, _) = lab.deploy();
    assert_eq!(code, base_code);
    assert_eq!(doc["error"]["code"], base["error"]["code"]);
    assert_eq!(doc["alert"]["status"], "failed");
    let row = lab.alert_rows().last().unwrap().clone();
    assert_eq!(row["status"], "failed");
    assert_eq!(row["fields"]["channel"], "webhook");
    let why = row["fields"]["delivery_error"].as_str().unwrap();
    assert!(
        !why.is_empty() && !why.contains("webhook-Secret-Key"),
        "{why}"
    );

    // Hanging: the server reads the request and never answers; the 10 s timeout ends the
    // delivery and the deploy returns as it would without it (its duration is not asserted).
    let hang = Server::start(Mode::Hang);
    lab.setup_webhook(&format!("{}/hook", hang.base()));
    let (code, doc, _) = lab.deploy();
    assert_eq!(code, base_code);
    assert_eq!(hang.count(), 1);
    let posted: Value = serde_json::from_str(&hang.requests()[0].body).unwrap();
    assert_eq!(posted["command"], "deploy failure");
    assert_eq!(posted["id"], doc["alert"]["id"]);
    let row = lab.alert_rows().last().unwrap().clone();
    assert_eq!(row["status"], "failed", "{row}");
    assert_eq!(row["id"], doc["alert"]["id"]);
}

#[test]
fn the_same_failure_twice_within_five_minutes_is_one_incident_seen_twice() {
    let lab = Lab::new();
    lab.fail_up(true);
    let (c1, d1, _) = lab.deploy();
    let (c2, d2, _) = lab.deploy();
    assert_eq!((c1, c2), (1, 1));
    assert_eq!(d1["incident_id"], d2["incident_id"]);
    let l = lab.ok(&["incident", "list"]);
    assert_eq!(l["count"], 1, "{l:#}");
    let inc = &l["data"][0];
    assert_eq!(inc["seen_count"], 2);
    assert_eq!(inc["status"], "open");
    assert_eq!(inc["incident"]["category"], "deploy");
    assert_eq!(inc["incident"]["severity"], "critical");
    assert_eq!(inc["incident"]["target"], "edge-a");
    // the audit rows of the two deploys were not folded a second time
    let all = lab.ok(&["incident", "list", "--all-contexts"]);
    assert_eq!(all["count"], 1);
    // each alert names the incident; acknowledging one acknowledges the incident
    let id = d2["alert"]["id"].as_str().unwrap();
    let ack = lab.ok(&["alert", "acknowledge", "--id", id, "--note", "looking"]);
    assert_eq!(ack["incident_status"], "acknowledged");
    let show = lab.ok(&["incident", "show", d1["incident_id"].as_str().unwrap()]);
    assert_eq!(show["data"]["status"], "acknowledged");
    assert_eq!(show["data"]["alert_ids"].as_array().unwrap().len(), 2);
    let open = lab.ok(&["incident", "list", "--status", "open"]);
    assert_eq!(open["count"], 0);
    let r = lab.ok(&[
        "incident",
        "resolve",
        d1["incident_id"].as_str().unwrap(),
        "--note",
        "fixed",
    ]);
    assert_eq!(r["status"], "resolved");
    let (code, _, _) = lab.run(&["incident", "resolve", "nope"]);
    assert_eq!(code, 1);
}

#[test]
fn acknowledging_an_unknown_alert_id_exits_1() {
    let lab = Lab::new();
    let (code, doc, _) = lab.run(&[
        "alert",
        "acknowledge",
        "--id",
        "al-20260101T000000-00000000",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_ALERT_NOT_FOUND");
    let (code, _, _) = lab.run(&["alert", "acknowledge", "--id", "bad id"]);
    assert_eq!(code, 2);
    // a test alert with no channel set up is recorded as failed and exits 1
    let (code, doc, _) = lab.run(&["alert", "test", "--severity", "warning"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["status"], "failed");
    let id = doc["id"].as_str().unwrap();
    let ack = lab.ok(&["alert", "acknowledge", "--id", id]);
    assert_eq!(ack["alert_id"], id);
    let h = lab.ok(&["alert", "history", "--limit", "5"]);
    assert_eq!(h["count"], 2);
    assert_eq!(h["data"][1]["command"], "alert acknowledge");
    assert_eq!(h["data"][1]["fields"]["alert_id"], id);
    // setup commands take no secret on argv
    let (code, _, _) = lab.run(&[
        "alert",
        "setup-telegram",
        "--chat-id",
        "1",
        "--bot-token",
        "x",
    ]);
    assert_eq!(code, 2);
    let p = lab.ok(&["alert", "policy", "show"]);
    assert_eq!(p["data"]["default_channel"], "telegram");
    let (code, _, _) = lab.run(&["alert", "policy", "set", "--critical", "pager"]);
    assert_eq!(code, 2);
}

#[test]
fn reconcile_reports_a_current_link_changed_behind_paasdecks_back_as_drifted() {
    let lab = Lab::new();
    let (code, first, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    let r = lab.ok(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(r["data"][0]["status"], "in_sync", "{r:#}");
    assert_eq!(r["drift_count"], 0);
    let (code, second, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    assert_ne!(first["release"], second["release"]);
    // someone points `current` back at the first release by hand
    let link = lab.current_link();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(
        format!("releases/{}", first["release"].as_str().unwrap()),
        &link,
    )
    .unwrap();
    let (code, doc, _) = lab.run(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(code, 1, "{doc:#}");
    let row = &doc["data"][0];
    assert_eq!(row["status"], "drifted");
    assert_eq!(row["current_release"], first["release"]);
    assert_eq!(row["recorded_release"], second["release"]);
    assert_eq!(doc["error"]["code"], "PAAS_DRIFT_DETECTED");
    // no current link at all: missing
    std::fs::remove_file(&link).unwrap();
    let (code, doc, _) = lab.run(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(code, 1);
    assert_eq!(doc["data"][0]["status"], "missing");
    // reconcile is a read: no --context needed, nothing changed
    let o = lab
        .cmd()
        .args(["--json", "deploy", "reconcile", "--app", "api"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(2));
}

#[test]
fn an_si_telegram_file_with_a_plaintext_token_still_delivers_and_the_doctor_reports_it() {
    let server = Server::start(Mode::Ok);
    let mut lab = Lab::new();
    lab.telegram_base = Some(server.base());
    let dir = lab.env.ctx_dir("shop").join("alerts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("telegram.json"),
        format!("{{\n  \"bot_token\": \"{TOKEN}\",\n  \"chat_id\": \"42\",\n  \"updated_at\": \"2026-01-01T00:00:00Z\"\n}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.json"),
        "{\n  \"default_channel\": \"telegram\",\n  \"severity\": {\"info\": \"off\"},\n  \"updated_at\": \"\"\n}\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for f in ["telegram.json", "policy.json"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (code, doc, out) = lab.run(&["alert", "test", "--severity", "warning"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["status"], "sent");
    assert_eq!(server.requests()[0].url, format!("/bot{TOKEN}/sendMessage"));
    no_secret(&out);
    // si's `off` alias is read as disabled
    let (code, doc, _) = lab.run(&["alert", "test"]);
    assert_eq!(code, 0);
    assert_eq!(doc["status"], "suppressed");
    assert_eq!(server.count(), 1);
    let (code, doc, _) = lab.run(&["doctor"]);
    assert_eq!(code, 1);
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "state_plaintext_secrets")
        .unwrap();
    assert_eq!(check["ok"], false, "{check}");
    assert!(check["detail"].as_str().unwrap().contains("telegram.json"));
    // setting it up again moves the token into the vault
    lab.setup_telegram(&server);
    let (code, _, out) = lab.run(&["doctor"]);
    assert_eq!(code, 0, "{out}");
    // a malformed channel in policy.json is a corrupt state file, named
    std::fs::write(
        dir.join("policy.json"),
        "{\"default_channel\": \"pager\"}\n",
    )
    .unwrap();
    let (code, doc, _) = lab.run(&["alert", "policy", "show"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("policy.json")
    );
}

#[test]
fn the_bot_token_never_reaches_the_log_file_even_at_trace() {
    let server = Server::start(Mode::Ok);
    let mut lab = Lab::new();
    lab.setup_telegram(&server);
    let o = lab
        .cmd()
        .env("PAASDECK_LOG", "trace")
        .args([
            "--context",
            "shop",
            "-vv",
            "alert",
            "test",
            "--severity",
            "critical",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(server.count(), 1);
    assert_eq!(server.requests()[0].url, format!("/bot{TOKEN}/sendMessage"));
    let logs = common::Env::all_text_under(&lab.env.log_dir());
    assert!(
        logs.contains("command started"),
        "the log was written: {logs}"
    );
    no_secret(&logs);
    no_secret(&common::Env::all_text_under(&lab.env.root));
}
