//! Contexts of different types never share a host:port: `target add` and `context import`
//! refuse it before writing (the doctor's `contexts_distinct_targets` stays for state written by
//! other tools).

use crate::common;

use common::{Env, stderr};
use serde_json::Value;

fn add(env: &Env, ctx: &str, name: &str, host: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "--context",
        ctx,
        "target",
        "add",
        "--name",
        name,
        "--host",
        host,
        "--user",
        "deploy",
    ];
    args.extend_from_slice(extra);
    env.json(&args)
}

#[test]
fn target_add_refuses_a_host_port_a_context_of_another_type_uses() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("demo", "oss-demo");
    env.init("demo2", "oss-demo");
    env.add_target("internal", "box", "10.1.2.3");
    env.add_target("demo", "edge", "10.9.9.9");
    let targets = env.ctx_dir("demo").join("targets.json");
    let before = std::fs::read(&targets).unwrap();

    let (code, doc) = add(&env, "demo", "public-box", "10.1.2.3", &[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert_eq!(doc["error"]["target"], "public-box");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("10.1.2.3:22")
            && msg.contains("target box of context internal (internal-dogfood)"),
        "{msg}"
    );
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("--context internal target list"),
        "{doc:#}"
    );
    assert_eq!(std::fs::read(&targets).unwrap(), before, "file unchanged");
    // the refusal is audited as a warning
    let ev = env.ok_in("demo", &["events", "list", "--limit", "1"]);
    assert_eq!(ev["data"][0]["command"], "target add");
    assert_eq!(ev["data"][0]["severity"], "warning");
    assert_eq!(ev["data"][0]["fields"]["error_code"], "PAAS_CONTEXT_GUARD");

    // text mode: error and hint on stderr
    let o = env.run(&[
        "--context",
        "demo",
        "target",
        "add",
        "--name",
        "b",
        "--host",
        "10.1.2.3",
        "--user",
        "u",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[PAAS_CONTEXT_GUARD]"),
        "{}",
        stderr(&o)
    );

    // the same host on another port is another endpoint
    let (code, doc) = add(&env, "demo", "b", "10.1.2.3", &["--port", "2222"]);
    assert_eq!(code, 0, "{doc:#}");
    // the same host:port in two contexts of the same type stays allowed
    let (code, doc) = add(&env, "demo2", "c", "10.1.2.3", &["--port", "2222"]);
    assert_eq!(code, 0, "{doc:#}");
    // and it is refused the other way round too
    let (code, doc) = add(&env, "internal", "d", "10.1.2.3", &["--port", "2222"]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(doc["error"]["message"].as_str().unwrap().contains("demo"));
    // a local target never connects to its host: exempt, as in the doctor
    let (code, doc) = add(
        &env,
        "demo",
        "here",
        "10.1.2.3",
        &["--auth-method", "local"],
    );
    assert_eq!(code, 0, "{doc:#}");
    let doc = env.ok_in("demo", &["doctor"]);
    assert_eq!(doc["ok"], true, "{doc:#}");
}

#[test]
fn hosts_compare_case_insensitively() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("demo", "oss-demo");
    env.add_target("internal", "box", "box.example.com");
    let (code, doc) = add(&env, "demo", "b", "BOX.Example.com", &[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
}

#[test]
fn context_import_refuses_targets_another_context_type_uses() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("demo", "oss-demo");
    env.add_target("internal", "box", "10.1.2.3");
    env.add_target("internal", "box2", "10.1.2.4");
    env.add_target("demo", "edge", "10.9.9.9");
    let out = env.dir.path().join("export.json");
    env.ok_in(
        "internal",
        &["context", "export", "--output", out.to_str().unwrap()],
    );
    let files = ["targets.json", "apps.json", "deployments.json"];
    let before: Vec<Option<Vec<u8>>> = files
        .iter()
        .map(|f| std::fs::read(env.ctx_dir("demo").join(f)).ok())
        .collect();
    for replace in [false, true] {
        let mut args = vec![
            "--context",
            "demo",
            "context",
            "import",
            "--input",
            out.to_str().unwrap(),
        ];
        if replace {
            args.push("--replace");
        }
        let (code, doc) = env.json(&args);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("10.1.2.3:22") && msg.contains("context internal"),
            "{msg}"
        );
        let after: Vec<Option<Vec<u8>>> = files
            .iter()
            .map(|f| std::fs::read(env.ctx_dir("demo").join(f)).ok())
            .collect();
        assert_eq!(after, before, "nothing written (replace: {replace})");
    }
    // into a context of the same type it imports
    env.init("internal-copy", "internal-dogfood");
    let doc = env.ok_in(
        "internal-copy",
        &["context", "import", "--input", out.to_str().unwrap()],
    );
    assert_eq!(doc["targets"], 2);
}

#[test]
fn an_unreadable_neighbour_refuses_the_add_naming_it() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("demo", "oss-demo");
    std::fs::write(
        env.ctx_dir("internal").join("targets.json"),
        "{\"targets\": [",
    )
    .unwrap();
    let (code, doc) = add(&env, "demo", "b", "10.1.2.3", &[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("context internal") && msg.contains("targets.json"),
        "{msg}"
    );
    assert!(!env.ctx_dir("demo").join("targets.json").exists());
    // a local target needs no comparison
    let (code, doc) = add(
        &env,
        "demo",
        "here",
        "localhost",
        &["--auth-method", "local"],
    );
    assert_eq!(code, 0, "{doc:#}");
}
