//! The security directives `stage status` and `check` watch: an instance reachable from
//! outside the staging network (a proxy device or a network forward listening on `0.0.0.0`,
//! `[::]` or a public address) and the host's free disk below `min_host_free` fail both,
//! naming the instance and address, and page once per outage through the context's alerts.

use serde_json::{Value, json};

use super::lab::*;

/// The `stage security` alerts (`check` pages on its own for its other checks).
fn alerts(lab: &Lab) -> Vec<Value> {
    std::fs::read_to_string(lab.env.ctx_dir("stg").join("events/alerts.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["command"] == "stage security")
        .collect()
}

/// The `stage_security` verdict of `check` for context stg.
fn stage_verdict(lab: &Lab) -> Value {
    let (_, doc, text) = lab.run(&["check"]);
    doc["contexts"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc:#}\n{text}"))
        .iter()
        .find(|c| c["name"] == "stage_security")
        .cloned()
        .unwrap_or_else(|| panic!("no stage_security verdict: {doc:#}"))
}

fn message(doc: &Value) -> String {
    doc["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn exposure_and_low_disk_fail_status_and_check_naming_instance_and_address_and_page_once() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    // Isolated: status passes, check's stage verdict passes, nobody is paged.
    let doc = lab.ok(&["stage", "status"]);
    assert_eq!(doc["exposures"], json!([]));
    assert_eq!(stage_verdict(&lab)["ok"], true);
    assert!(alerts(&lab).is_empty());

    // A proxy device on every host address, a loopback one (fine), and a forward of a public
    // address to `tables`.
    let mut sim = lab.sim();
    let p = &mut sim["projects"]["STAGE-GBO"];
    p["instances"]["system"]["devices"]["http"] =
        json!({"type": "proxy", "listen": "tcp:0.0.0.0:8080", "connect": "tcp:127.0.0.1:80"});
    p["instances"]["system"]["devices"]["admin"] =
        json!({"type": "proxy", "listen": "tcp:127.0.0.1:9000", "connect": "tcp:127.0.0.1:9000"});
    p["networks"]["stagebr0"]["forwards"] = json!([{
        "listen_address": "203.0.113.5", "config": {},
        "ports": [{"protocol": "tcp", "listen_port": "443", "target_address": "10.0.3.11"}]
    }]);
    lab.set_sim(&sim);
    let (code, doc, text) = lab.run(&["stage", "status"]);
    assert_eq!(code, 1, "{doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let msg = message(&doc);
    for want in [
        "system listens on 0.0.0.0:8080 (proxy device http)",
        "tables listens on 203.0.113.5:443 (network forward on stagebr0)",
    ] {
        assert!(msg.contains(want), "{msg}");
    }
    assert!(!msg.contains("9000"), "loopback is not exposure: {msg}");
    assert_eq!(doc["exposures"].as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(doc["rows"][0]["flags"], json!(["exposed"]));
    let rows = alerts(&lab);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["command"], "stage security");
    assert_eq!(rows[0]["severity"], "critical");
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap()
            .contains("system listens on 0.0.0.0:8080"),
        "{rows:#?}"
    );
    assert_eq!(doc["alert_id"], rows[0]["id"]);
    // The human output names it too.
    let out = lab
        .cmd()
        .args(["--context", "stg", "stage", "status"])
        .output()
        .unwrap();
    let out = crate::common::stdout(&out);
    assert!(
        out.contains("EXPOSED: system listens on 0.0.0.0:8080"),
        "{out}"
    );
    // The same outage pages once.
    assert_eq!(alerts(&lab).len(), 1);
    let v = stage_verdict(&lab);
    assert_eq!(v["ok"], false);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("tables listens on 203.0.113.5:443"),
        "{v:#}"
    );

    // Exposure gone; the host's disk below min_host_free (20GiB) fails both, and pages.
    let mut sim = lab.sim();
    let p = &mut sim["projects"]["STAGE-GBO"];
    p["instances"]["system"]["devices"]
        .as_object_mut()
        .unwrap()
        .remove("http");
    p["networks"]["stagebr0"]["forwards"] = json!([]);
    lab.set_sim(&sim);
    lab.switch("df-avail-kib", &(10u64 << 20).to_string());
    let (code, doc, _) = lab.run(&["stage", "status"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["low_disk"], true);
    let msg = message(&doc);
    assert!(
        msg.contains("free disk, 10.0G, is below min_host_free 20GiB") && !msg.contains("listens"),
        "{msg}"
    );
    let rows = alerts(&lab);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        rows[1]["message"]
            .as_str()
            .unwrap()
            .contains("below min_host_free")
    );
    let v = stage_verdict(&lab);
    assert_eq!(v["ok"], false);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("below min_host_free 20GiB"),
        "{v:#}"
    );

    // Enough disk again: passes.
    lab.switch("df-avail-kib", &(100u64 << 20).to_string());
    lab.ok(&["stage", "status"]);
    assert_eq!(stage_verdict(&lab)["ok"], true);
}

#[test]
fn target_check_on_the_incus_host_checks_incus_and_its_disk_not_docker() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS[..1]);
    lab.configure(&stage_object(&COMPONENTS[..1]));
    // An incus host runs no Docker.
    std::fs::remove_file(lab.bin.join("docker")).unwrap();
    let doc = lab.ok(&["target", "check", "--target", "gbo-host"]);
    let r = &doc["data"][0];
    assert_eq!(r["status"], "ok", "{doc:#}");
    assert_eq!(r["role"], "incus-host");
    assert_eq!(r["incus_version"], "6.0.0-sim");
    assert_eq!(r["docker_ok"], false);
    assert_eq!(r["disk_free_incus"], json!(100u64 << 30));
    // The project read names production's project, read only.
    let calls = lab.calls();
    assert!(
        calls.contains(&vec![
            "list".to_string(),
            "--project".into(),
            "default".into(),
            "--format".into(),
            "json".into()
        ]),
        "{calls:?}"
    );
    assert!(
        calls.iter().all(|c| c == &["version"] || !mutating(c)),
        "{calls:?}"
    );

    // Below min_host_free where incus keeps its storage: the check fails naming both figures.
    lab.switch("df-avail-kib", &(10u64 << 20).to_string());
    let (code, doc, text) = lab.run(&["target", "check", "--target", "gbo-host"]);
    assert_ne!(code, 0, "{doc:#}\n{text}");
    let r = &doc["data"][0];
    assert_eq!(r["status"], "failed", "{doc:#}");
    assert_eq!(r["stage"], "disk");
    let err = r["error"].as_str().unwrap();
    assert!(
        err.contains("10.0G free on /var/lib/incus, below the stage's min_host_free 20GiB"),
        "{err}"
    );

    // incus not answering fails the incus step.
    lab.switch("df-avail-kib", &(100u64 << 20).to_string());
    lab.switch("fail-on", "version\n");
    let (_, doc, _) = lab.run(&["target", "check", "--target", "gbo-host"]);
    let r = &doc["data"][0];
    assert_eq!(
        (r["status"].as_str(), r["stage"].as_str()),
        (Some("failed"), Some("incus")),
        "{doc:#}"
    );
}
