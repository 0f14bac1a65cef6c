//! Hosts and vaults compared as what they are (SPEC §7): loopback spellings are one host at
//! `target add`, `context import` and in the doctor; a vault shared by hard link is shared.

use serde_json::{Value, json};

use super::{check, doctor, private, secret_set};
use crate::common::Env;

#[test]
fn loopback_spellings_are_one_host_at_target_add_and_in_the_doctor() {
    let env = Env::new();
    env.init("prod", "production");
    env.init("demo", "oss-demo");
    env.add_target("prod", "edge-a", "127.0.0.1");
    for host in ["localhost", "::1", "127.0.0.1"] {
        let o = env.run(&[
            "--json",
            "--context",
            "demo",
            "target",
            "add",
            "--name",
            "t",
            "--host",
            host,
            "--user",
            "deploy",
        ]);
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(o.status.code(), Some(1), "{host}: {doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD", "{doc:#}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains("target edge-a of context prod"), "{msg}");
    }
    // Another port on the same host is another endpoint.
    env.ok(&[
        "--context",
        "demo",
        "target",
        "add",
        "--name",
        "t",
        "--host",
        "localhost",
        "--port",
        "2222",
        "--user",
        "deploy",
    ]);
    // Written by another tool: the doctor compares hosts the same way.
    private(
        &env.ctx_dir("demo").join("targets.json"),
        &json!({"current_target": "", "targets": [{"name": "t", "host": "LOCALHOST", "port": 22, "user": "deploy"}]}).to_string(),
    );
    let (code, doc) = doctor(&env, "demo");
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "contexts_distinct_targets");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("prod/edge-a") && detail.contains("demo/t"),
        "{detail}"
    );
}

#[test]
fn a_vault_shared_by_hard_link_fails_contexts_distinct_vaults() {
    let env = Env::new();
    env.init("prod", "production");
    env.init("demo", "oss-demo");
    env.ok(&["vault", "keygen"]);
    let (code, doc) = secret_set(&env, "prod");
    assert_eq!(code, 0, "{doc:#}");
    let theirs = env.ctx_dir("demo").join("vault/secrets.env");
    let _ = std::fs::remove_file(&theirs);
    std::fs::hard_link(env.ctx_dir("prod").join("vault/secrets.env"), &theirs).unwrap();
    let (code, doc) = doctor(&env, "demo");
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "contexts_distinct_vaults");
    assert!(c["detail"].as_str().unwrap().contains("hard link"), "{c:#}");
    // Two vaults without values are alike, not shared.
    let env = Env::new();
    env.init("prod", "production");
    env.init("demo", "oss-demo");
    for ctx in ["prod", "demo"] {
        private(
            &env.ctx_dir(ctx).join("vault/secrets.env"),
            "# si-vault:v2\n",
        );
    }
    assert_eq!(
        check(&doctor(&env, "demo").1, "contexts_distinct_vaults")["ok"],
        true
    );
}

#[test]
fn context_import_refuses_a_loopback_alias_of_another_types_host() {
    let env = Env::new();
    env.init("prod", "production");
    env.init("src", "oss-demo");
    env.init("demo", "oss-demo");
    env.add_target("src", "local", "localhost");
    // Written by another tool: prod uses the same host under another spelling.
    private(
        &env.ctx_dir("prod").join("targets.json"),
        &json!({"current_target": "", "targets": [{"name": "edge-a", "host": "::1", "port": 22, "user": "deploy"}]}).to_string(),
    );
    let out = env.dir.path().join("export.json");
    env.ok_in(
        "src",
        &["context", "export", "--output", out.to_str().unwrap()],
    );
    let before = std::fs::read(env.ctx_dir("demo").join("targets.json")).ok();
    let (code, doc) = env.json(&[
        "--context",
        "demo",
        "context",
        "import",
        "--input",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("target edge-a of context prod"), "{msg}");
    assert_eq!(
        std::fs::read(env.ctx_dir("demo").join("targets.json")).ok(),
        before,
        "nothing written"
    );
}
