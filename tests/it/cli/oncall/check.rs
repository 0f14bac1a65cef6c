//! `check`: healthy exits 0; each failing kind exits 1 naming the check; the Prometheus textfile
//! holds the same verdicts.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use super::lab::{Lab, closed_port};

fn verdicts(doc: &Value) -> Vec<(String, bool)> {
    doc["contexts"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["ok"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn prom_ok(text: &str, check: &str) -> Option<u8> {
    let key = format!("paasdeck_check_ok{{context=\"shop\",check=\"{check}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|v| v.trim().parse().ok())
}

fn check(lab: &Lab) -> (i32, Value, String) {
    let prom = lab.env.dir.path().join("textfile/paasdeck.prom");
    std::fs::create_dir_all(prom.parent().unwrap()).unwrap();
    let (code, doc, out) = lab.run(&["check", "--prometheus", prom.to_str().unwrap()]);
    let text = std::fs::read_to_string(&prom).unwrap();
    for (name, ok) in verdicts(&doc) {
        assert_eq!(prom_ok(&text, &name), Some(u8::from(ok)), "{name}: {text}");
    }
    assert!(
        text.contains("\npaasdeck_check_timestamp_seconds "),
        "{text}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(prom.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n != "paasdeck.prom")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    (code, doc, out)
}

fn failing(doc: &Value) -> Vec<String> {
    verdicts(doc)
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn check_is_0_when_healthy_and_1_naming_each_failing_check() {
    let lab = Lab::new();
    let (code, _, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    lab.setup_webhook("http://127.0.0.1:9/hook");
    let (code, doc, out) = check(&lab);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["ok"], true);
    let names: Vec<String> = verdicts(&doc).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "doctor",
            "target_check",
            "latest_backup_verified",
            "deploy_drift"
        ]
    );
    assert_eq!(doc["contexts"][0]["context"], "shop");
    assert_eq!(lab.alert_rows().len(), 0);

    // drift: current re-pointed at nothing the record knows
    let link = lab.current_link();
    let target = std::fs::read_link(&link).unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("releases/rel-20200101T000000-000000001", &link).unwrap();
    let (code, doc, _) = check(&lab);
    assert_eq!(code, 1);
    assert_eq!(failing(&doc), ["deploy_drift"]);
    assert_eq!(doc["error"]["code"], "PAAS_CHECK_FAILED");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deploy_drift")
    );
    // one alert for the outage, one incident; a second failing run pages no one again
    assert_eq!(lab.alert_rows().len(), 1);
    assert_eq!(lab.alert_rows()[0]["command"], "check failure");
    let (code, doc2, _) = check(&lab);
    assert_eq!(code, 1);
    assert_eq!(lab.alert_rows().len(), 1);
    assert_eq!(
        doc2["contexts"][0]["incident_id"],
        doc["contexts"][0]["incident_id"]
    );
    let l = lab.ok(&["incident", "list"]);
    assert_eq!(l["count"], 1, "{l:#}");
    assert_eq!(l["data"][0]["seen_count"], 2);
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(target, &link).unwrap();
    let (code, _, out) = check(&lab);
    assert_eq!(code, 0, "{out}");

    // doctor: a state file others can read
    let cfg = lab.env.ctx_dir("shop").join("apps.json");
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, doc, _) = check(&lab);
    assert_eq!(code, 1);
    assert_eq!(failing(&doc), ["doctor"]);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();

    // unverified backup: the newest state backup fails its verification
    let (code, b, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, out) = check(&lab);
    assert_eq!(code, 0, "a fresh backup passes: {out}");
    let artifact = std::path::PathBuf::from(b["backup"]["path"].as_str().unwrap());
    let mut bytes = std::fs::read(&artifact).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&artifact, &bytes).unwrap();
    let (code, _, _) = lab.run(&["backup", "verify", "--latest", "--kind", "state"]);
    assert_eq!(code, 1);
    let (code, doc, _) = check(&lab);
    assert_eq!(code, 1);
    assert_eq!(failing(&doc), ["latest_backup_verified"]);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("latest_backup_verified")
    );
    let (code, b2, out) = lab.run(&["backup", "state"]);
    assert_eq!(code, 0, "{out}");
    assert_ne!(b2["backup"]["id"], b["backup"]["id"]);
    let (code, _, out) = check(&lab);
    assert_eq!(code, 0, "a newer good backup passes again: {out}");

    // unreachable target: a key target on a port nothing listens on
    let port = closed_port().to_string();
    lab.ok(&[
        "target",
        "add",
        "--name",
        "edge-b",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        "deploy",
    ]);
    let (code, doc, _) = check(&lab);
    assert_eq!(code, 1);
    assert_eq!(failing(&doc), ["target_check"]);
    // --skip-remote leaves it out
    let (code, doc, out) = lab.run(&["check", "--skip-remote"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        doc["contexts"][0]["checks"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("skipped")
    );
}

#[test]
fn a_context_without_an_alert_channel_fails_check_but_not_the_doctor() {
    let lab = Lab::new();
    let (code, _, out) = lab.deploy();
    assert_eq!(code, 0, "{out}");
    // A doctor warning: the doctor exits 0 and lists it, `check` counts it (SPEC §7, §15).
    let (code, doc, out) = lab.run(&["doctor"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        doc["warnings"],
        serde_json::json!(["alert_channel_configured"])
    );
    let (code, doc, out) = check(&lab);
    assert_eq!(code, 1, "{out}");
    assert_eq!(failing(&doc), ["doctor"]);
    assert!(
        doc["contexts"][0]["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("alert_channel_configured"),
        "{doc:#}"
    );
    assert_eq!(
        lab.alert_rows().len(),
        1,
        "the failing check raised its alert"
    );
}

#[test]
fn check_all_contexts_and_a_bad_prometheus_path() {
    let lab = Lab::new();
    lab.env.init("beta", "oss-demo");
    lab.setup_webhook("http://127.0.0.1:9/hook");
    let o = lab.env.run_stdin(
        &["--context", "beta", "alert", "setup-webhook"],
        "http://127.0.0.1:9/hook",
    );
    assert!(o.status.success());
    let prom = lab.env.dir.path().join("all.prom");
    let o = lab
        .cmd()
        .args([
            "--json",
            "check",
            "--all-contexts",
            "--prometheus",
            prom.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{doc:#}");
    let ctxs: Vec<&str> = doc["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(ctxs, ["beta", "shop"]);
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(text.contains("paasdeck_check_ok{context=\"beta\",check=\"doctor\"} 1"));
    let (code, _, _) = lab.run(&[
        "check",
        "--prometheus",
        lab.env.dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
}
