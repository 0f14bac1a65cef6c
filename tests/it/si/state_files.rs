//! si's state files rewritten by either tool: guard settings survive si's `config.json`,
//! `targets.json` keeps si's key order.

use serde_json::Value;

use super::fixtures;
use crate::common::Env;

#[test]
fn an_si_rewrite_of_config_json_keeps_the_context_read_only() {
    let env = Env::new();
    env.ok(&[
        "context",
        "init",
        "prod",
        "--type",
        "production",
        "--read-only",
        "--confirm",
        "type-name",
        "--color",
        "cyan",
    ]);
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(env.ctx_dir("prod").join("paasdeck.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["read_only"], true, "{settings}");
    assert_eq!(settings["confirm"], "type-name");
    assert_eq!(settings["color"], "cyan");
    // `si paas context init prod` rewrites config.json from its struct: the guard keys go.
    fixtures::place(&env, "prod", "config.json", "config.json");
    let cfg = std::fs::read_to_string(env.ctx_dir("prod").join("config.json")).unwrap();
    assert!(!cfg.contains("read_only"));
    let (code, doc) = env.json_in(
        "prod",
        &["target", "add", "--name", "x", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let show = env.ok(&["context", "show", "prod"]);
    assert_eq!(show["read_only"], true, "{show:#}");
    assert_eq!(show["color"], "cyan");
    assert_eq!(show["confirm_mutating"], "type-name");
    let list = env.ok(&["context", "list"]);
    assert_eq!(list["data"][0]["read_only"], true, "{list:#}");
    // --write still lifts it for one invocation
    env.ok_in(
        "prod",
        &[
            "--write", "target", "add", "--name", "x", "--host", "h", "--user", "u",
        ],
    );
    // and `context init --read-only=false` lifts it for good, in both files
    env.ok(&["context", "init", "prod", "--read-only=false", "--write"]);
    env.ok_in(
        "prod",
        &[
            "target", "add", "--name", "y", "--host", "h2", "--user", "u",
        ],
    );
}

#[test]
fn guard_keys_an_older_paasdeck_left_in_config_json_move_to_paasdeck_json() {
    let env = Env::new();
    env.init("old", "oss-demo");
    let path = env.ctx_dir("old").join("config.json");
    let mut cfg: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    cfg["read_only"] = true.into();
    cfg["confirm"] = "yes".into();
    std::fs::write(&path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    let (code, _) = env.json_in(
        "old",
        &["target", "add", "--name", "x", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 2, "config.json's read_only is still read");
    env.ok(&["context", "init", "old", "--write"]);
    let cfg = std::fs::read_to_string(&path).unwrap();
    assert!(
        !cfg.contains("read_only") && !cfg.contains("confirm"),
        "{cfg}"
    );
    let settings = std::fs::read_to_string(env.ctx_dir("old").join("paasdeck.json")).unwrap();
    assert!(settings.contains("\"read_only\": true"), "{settings}");
    assert!(settings.contains("\"confirm\": \"yes\""), "{settings}");
    let (code, _) = env.json_in(
        "old",
        &["target", "add", "--name", "x", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 2, "still read-only after the move");
}

#[test]
fn a_damaged_guard_setting_is_corrupt_state_never_writable() {
    let env = Env::new();
    env.init("p", "oss-demo");
    std::fs::write(
        env.ctx_dir("p").join("paasdeck.json"),
        r#"{"read_only": "yes"}"#,
    )
    .unwrap();
    let (code, doc) = env.json_in(
        "p",
        &["target", "add", "--name", "x", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("paasdeck.json: field read_only")
    );
}

#[test]
fn targets_json_keeps_si_key_order_through_a_rewrite() {
    let env = Env::new();
    env.init("prod", "production");
    fixtures::place(&env, "prod", "targets.json", "targets.json");
    env.ok_in("prod", &["target", "use", "edge-b"]);
    let after = std::fs::read_to_string(env.ctx_dir("prod").join("targets.json")).unwrap();
    // What si itself writes after `target use edge-b`: the same bytes but the current target.
    let want = fixtures::text(&env, "targets.json").replace(
        "\"current_target\": \"edge-a\"",
        "\"current_target\": \"edge-b\"",
    );
    assert_eq!(after, want);
}

#[test]
fn context_import_creates_the_context_as_si_does() {
    let env = Env::new();
    let input = fixtures::dir().join("export.json");
    let input = input.to_str().unwrap();
    // A type that is not a word is refused before anything is created.
    let (code, _) = env.json(&[
        "context", "import", "--input", input, "--name", "acme", "--type", "a b",
    ]);
    assert_eq!(code, 2);
    assert!(!env.ctx_dir("acme").exists());
    let doc = env.ok(&["context", "import", "--input", input, "--name", "acme"]);
    assert_eq!(doc["created"], true, "{doc:#}");
    let show = env.ok(&["context", "show", "acme"]);
    assert_eq!(show["type"], "internal-dogfood", "si's default type");
    let t = env.ok_in("acme", &["target", "list"]);
    assert_eq!(t["count"], 1);
    let apps = env.ok_in("acme", &["app", "status", "shop"]);
    assert_eq!(apps["current_release"], "rel-20260217T020304-123456789");
    // A second import merges into the existing context; --type may not re-type it.
    let doc = env.ok(&["context", "import", "--input", input, "--name", "acme"]);
    assert_eq!(doc["created"], false);
    let (code, doc) = env.json(&[
        "context",
        "import",
        "--input",
        input,
        "--name",
        "acme",
        "--type",
        "production",
    ]);
    assert_eq!(code, 2, "{doc:#}");
    // --type chooses the guard of a context the import creates.
    let doc = env.ok(&[
        "context",
        "import",
        "--input",
        input,
        "--name",
        "acme-prod",
        "--type",
        "production",
    ]);
    assert_eq!(doc["created"], true);
    assert_eq!(
        env.ok(&["context", "show", "acme-prod"])["type"],
        "production"
    );
    // New contexts keep the naming rule.
    let (code, _) = env.json(&["context", "import", "--input", input, "--name", "ACME"]);
    assert_eq!(code, 2);
}

#[test]
fn an_si_rewrite_of_targets_json_keeps_the_identity_file() {
    let env = Env::new();
    env.init("prod", "production");
    let key = env.dir.path().join("edge_key");
    std::fs::write(&key, "not a real key, only its path matters here").unwrap();
    env.ok_in(
        "prod",
        &[
            "target",
            "add",
            "--name",
            "edge-a",
            "--host",
            "203.0.113.10",
            "--user",
            "deploy",
            "--identity-file",
            key.to_str().unwrap(),
        ],
    );
    // si rewrites targets.json from its struct: no identity_file.
    fixtures::place(&env, "prod", "targets.json", "targets.json");
    let list = env.ok_in("prod", &["target", "list"]);
    assert_eq!(list["data"][0]["name"], "edge-a");
    assert_eq!(
        list["data"][0]["identity_file"],
        key.to_str().unwrap(),
        "{list:#}"
    );
    assert!(list["data"][1].get("identity_file").is_none());
    // Removing the target forgets it.
    env.ok_in("prod", &["target", "use", "edge-b"]);
    env.ok_in("prod", &["target", "remove", "edge-a"]);
    let settings = std::fs::read_to_string(env.ctx_dir("prod").join("paasdeck.json")).unwrap();
    assert!(!settings.contains("edge_key"), "{settings}");
}

#[test]
fn target_add_writes_the_target_as_si_would_rewrite_it() {
    let env = Env::new();
    env.init("prod", "production");
    let args = [
        "target",
        "add",
        "--name",
        "edge-a",
        "--host",
        "203.0.113.10",
        "--user",
        "deploy",
        "--labels",
        "region:eu,role:edge",
    ];
    env.ok_in("prod", &args);
    let written = std::fs::read_to_string(env.ctx_dir("prod").join("targets.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&written).unwrap();
    let t = &doc["targets"][0];
    let (created, updated) = (
        t["created_at"].as_str().unwrap(),
        t["updated_at"].as_str().unwrap(),
    );
    // What si's paasTarget struct writes for the same target: `ingress_lb_mode` normalised to
    // `dns`, the empty ingress keys left out, so si's rewrite of this file is byte-for-byte the same.
    let si = format!(
        "{{\n  \"current_target\": \"edge-a\",\n  \"targets\": [\n    {{\n      \"name\": \"edge-a\",\n      \"host\": \"203.0.113.10\",\n      \"port\": 22,\n      \"user\": \"deploy\",\n      \"auth_method\": \"key\",\n      \"labels\": [\n        \"region:eu\",\n        \"role:edge\"\n      ],\n      \"ingress_lb_mode\": \"dns\",\n      \"created_at\": \"{created}\",\n      \"updated_at\": \"{updated}\"\n    }}\n  ]\n}}\n"
    );
    assert_eq!(written, si);
}
