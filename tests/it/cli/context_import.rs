//! `context import` of a large payload: targets upsert by name (case-insensitively, the payload's
//! own repeats included), release history keeps each release once, and a host shared with a
//! context of another type is still found among thousands of targets. (Its time per target is
//! measured by `bench/context_import.sh`.)

use serde_json::{Value, json};

use crate::common::Env;

const N: usize = 3000;

fn target(name: &str, host: &str) -> Value {
    json!({"name": name, "host": host, "port": 22, "user": "deploy", "auth_method": "key"})
}

fn host(i: usize) -> String {
    format!("10.20.{}.{}", i / 256, i % 256)
}

fn write_payload(env: &Env, targets: Vec<Value>, history: Value) -> String {
    let path = env.dir.path().join("payload.json");
    let doc = json!({"schema_version": 1, "metadata": {
        "targets": {"current_target": "t0", "targets": targets},
        "deploy_history": {"apps": history},
    }});
    std::fs::write(&path, doc.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_large_import_upserts_targets_by_name_and_keeps_each_release_once() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_target("c", "edge-a", "192.0.2.1");
    let mut targets: Vec<Value> = (0..N).map(|i| target(&format!("t{i}"), &host(i))).collect();
    // an existing target under another case, and a name the payload repeats
    targets.push(target("EDGE-A", "192.0.2.2"));
    targets.push(target("T7", "192.0.2.7"));
    let r1 = "rel-20260101T000000-000000001";
    let r2 = "rel-20260102T000000-000000002";
    let history = json!({"api": {"current_release": r2, "history": [r1, r2, r1]}});
    let input = write_payload(&env, targets.clone(), history.clone());
    let doc = env.ok_in("c", &["context", "import", "--input", &input]);
    assert_eq!(doc["targets"], N + 1, "{doc}");
    let list = env.ok_in("c", &["target", "list"]);
    let rows = list["data"].as_array().unwrap();
    assert_eq!(rows.len(), N + 1);
    let by_name = |n: &str| {
        rows.iter()
            .find(|r| r["name"].as_str().unwrap().eq_ignore_ascii_case(n))
            .unwrap_or_else(|| panic!("no {n}"))
            .clone()
    };
    assert_eq!(by_name("edge-a")["host"], "192.0.2.2");
    assert_eq!(by_name("t7")["host"], "192.0.2.7");
    let names: Vec<String> = rows
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a name is listed twice");
    // importing the same payload again changes nothing
    env.ok_in("c", &["context", "import", "--input", &input]);
    let again = env.ok_in("c", &["target", "list"]);
    assert_eq!(again["data"], list["data"]);
    let deployments: Value =
        serde_json::from_slice(&std::fs::read(env.ctx_dir("c").join("deployments.json")).unwrap())
            .unwrap();
    assert_eq!(deployments["apps"]["api"]["history"], json!([r1, r2]));
    assert_eq!(deployments["apps"]["api"]["current_release"], r2);

    // the last of thousands shares a host with a production context: refused, nothing written
    env.init("p", "production");
    env.add_target("p", "db", "198.51.100.9");
    let before = std::fs::read(env.ctx_dir("c").join("targets.json")).unwrap();
    targets.push(target("late", "198.51.100.9"));
    let input = write_payload(&env, targets, history);
    let (code, doc) = env.json_in("c", &["context", "import", "--input", &input]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("late") && msg.contains("context p"), "{msg}");
    assert_eq!(
        std::fs::read(env.ctx_dir("c").join("targets.json")).unwrap(),
        before
    );
}
