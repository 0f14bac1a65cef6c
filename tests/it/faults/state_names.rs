//! Fault replays: context names and the stored current context — one rule for new contexts,
//! a safe one for contexts that already exist, and a damaged `current_context` that never stops
//! a command naming its context.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use super::{run, write_private};
use crate::common::Env;

#[test]
fn a_garbage_current_context_never_stops_an_explicit_context_and_context_use_repairs_it() {
    let env = Env::new();
    env.init("alpha", "oss-demo");
    let file = env.root.join("current_context");
    for garbage in [
        &b"\xff\xfe\x00 not a name\n"[..],
        b"a/b\n",
        b"evil\x1b]0;x\x07\n",
    ] {
        write_private(&file, garbage);
        for args in [
            &["--context", "alpha", "target", "list"][..],
            &["--context", "alpha", "app", "list"],
            &["--context", "alpha", "context", "show"],
            &["--context", "alpha", "events", "list"],
            &["--context", "alpha", "deploy", "lock", "status"],
            &["--context", "alpha", "doctor"],
            &["--context", "alpha", "info"],
            &["context", "list"],
            &["info"],
        ] {
            let (code, doc) = run(&env, args);
            assert!(code == 0 || args.contains(&"doctor"), "{args:?}: {doc:#}");
            assert_ne!(
                doc["error"]["code"], "PAAS_STATE_CORRUPT",
                "{args:?}: {doc:#}"
            );
        }
        let (code, doc) = run(&env, &["target", "list"]);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains("current_context")
        );
        let hint = doc["error"]["remediation"].as_str().unwrap();
        assert!(
            hint.contains("context use") && hint.contains("--context"),
            "{hint}"
        );
        assert!(!doc.to_string().contains('\u{1b}'));
    }
    let doc = env.ok(&["context", "use", "alpha"]);
    assert_eq!(doc["repaired"], true);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "alpha\n");
    let doc = env.ok(&["target", "list"]);
    assert_eq!(doc["context"], "alpha");
}

/// A context directory as si paas leaves it: `config.json` (or only `events/`), 0700/0600.
fn si_context(env: &Env, name: &str, kind: Option<&str>) {
    let dir = env.ctx_dir(name);
    std::fs::create_dir_all(dir.join("events")).unwrap();
    for d in [
        env.root.as_path(),
        &env.root.join("contexts"),
        &dir,
        &dir.join("events"),
    ] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    if let Some(kind) = kind {
        write_private(
            &dir.join("config.json"),
            json!({"name": name, "type": kind}).to_string().as_bytes(),
        );
    }
}

#[test]
fn existing_context_names_si_accepts_are_listed_selectable_and_guarded() {
    let env = Env::new();
    env.init("alpha", "oss-demo");
    si_context(&env, "ACME-Prod", Some("production"));
    si_context(&env, "Audit Only", None);
    si_context(&env, "Customer-Acme", Some("oss-demo"));
    std::fs::create_dir_all(env.root.join("contexts/empty-dir")).unwrap();
    let doc = env.ok(&["context", "list"]);
    let names: Vec<&str> = doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["ACME-Prod", "Audit Only", "Customer-Acme", "alpha"],
        "only directories holding a context"
    );
    // a customer by its name, whatever the case
    let doc = env.ok_in("Customer-Acme", &["context", "show"]);
    assert_eq!(doc["class"], "production", "{doc:#}");

    // selectable, and guarded as the production context it is
    env.ok_in(
        "ACME-Prod",
        &[
            "target", "add", "--name", "edge", "--host", "10.0.0.9", "--user", "ops",
        ],
    );
    let doc = env.ok_in("ACME-Prod", &["context", "show"]);
    assert_eq!(doc["confirm_destructive"], "type-name");
    let (code, doc) = run(
        &env,
        &["target", "add", "--name", "x", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 2, "a mutating command still needs --context: {doc:#}");
    // the stored current context may name it
    env.ok(&["context", "use", "ACME-Prod"]);
    assert_eq!(env.ok(&["target", "list"])["context"], "ACME-Prod");
    // the doctor passes with a warning suggesting a rename
    let (_, doc) = run(&env, &["--context", "ACME-Prod", "doctor"]);
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "context_name")
        .unwrap()
        .clone();
    assert_eq!(check["ok"], true, "{check:#}");
    assert_eq!(check["warning"], true, "{check:#}");
    assert!(
        check["detail"].as_str().unwrap().contains("acme-prod"),
        "{check:#}"
    );

    // new names keep the strict rule; nothing is created for a name that is refused
    for bad in ["New-Prod", "Audit Two", ""] {
        let (code, _) = run(&env, &["context", "init", bad, "--type", "staging"]);
        assert_eq!(code, 2, "{bad:?}");
        let (code, _) = run(&env, &["--context", bad, "target", "list"]);
        assert_eq!(code, 2, "{bad:?}");
    }
    let contexts = env.root.join("contexts");
    assert!(!contexts.join("New-Prod").exists() && !contexts.join("targets.json").exists());
    for bad in ["..", "a/b", "x\u{1b}y"] {
        let (code, _) = run(&env, &["--context", bad, "target", "list"]);
        assert_eq!(code, 2, "{bad:?}");
    }
}

#[test]
fn context_init_refuses_a_silent_type_change() {
    let env = Env::new();
    env.init("alpha", "production");
    let before = std::fs::read(env.ctx_dir("alpha").join("config.json")).unwrap();
    let (code, doc) = run(&env, &["context", "init", "alpha", "--type", "oss-demo"]);
    assert_eq!(code, 2, "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("production") && msg.contains("oss-demo"),
        "{msg}"
    );
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("--force")
    );
    assert_eq!(
        std::fs::read(env.ctx_dir("alpha").join("config.json")).unwrap(),
        before
    );
    // same type, or none given: a plain re-init
    env.ok(&["context", "init", "alpha", "--type", "production"]);
    env.ok(&["context", "init", "alpha"]);
    let doc = env.ok(&["context", "init", "alpha", "--type", "oss-demo", "--force"]);
    assert_eq!(doc["previous_type"], "production");
    assert_eq!(doc["type"], "oss-demo");
    let audit = std::fs::read_to_string(env.ctx_dir("alpha").join("events/audit.jsonl")).unwrap();
    let row: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(row["fields"]["previous_type"], "production", "{row:#}");
    assert_eq!(row["fields"]["new_type"], "oss-demo", "{row:#}");
}

#[test]
fn a_config_naming_another_context_is_a_doctor_failure() {
    let env = Env::new();
    env.init("alpha", "oss-demo");
    let cfg = env.ctx_dir("alpha").join("config.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    v["name"] = "beta".into();
    write_private(&cfg, v.to_string().as_bytes());
    let (code, doc) = run(&env, &["--context", "alpha", "doctor"]);
    assert_eq!(code, 1, "{doc:#}");
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "context_name")
        .unwrap()
        .clone();
    assert_eq!(check["ok"], false);
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("paasdeck context init alpha"),
        "{check:#}"
    );
    // the named fix works
    env.ok(&["context", "init", "alpha"]);
    let (code, doc) = run(&env, &["--context", "alpha", "doctor"]);
    assert_eq!(code, 0, "{doc:#}");
}
