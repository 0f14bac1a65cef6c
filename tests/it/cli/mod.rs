//! Headless CLI tests: the real binary against temporary state roots.

use crate::common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::{Env, stderr, stdout};
use serde_json::Value;

#[test]
fn context_lifecycle_create_list_use_show_remove() {
    let env = Env::new();
    let doc = env.ok(&["context", "init", "alpha", "--type", "oss-demo"]);
    assert_eq!(doc["command"], "context init");
    assert_eq!(doc["context"], "alpha");
    assert_eq!(doc["created"], true);
    assert_eq!(doc["color"], "green");
    for sub in ["events", "vault", "releases", "config.json"] {
        assert!(env.ctx_dir("alpha").join(sub).exists(), "{sub}");
    }
    let mode = std::fs::metadata(env.ctx_dir("alpha").join("config.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dmode = std::fs::metadata(&env.root).unwrap().permissions().mode();
    assert_eq!(dmode & 0o777, 0o700);
    env.init("beta", "production");

    let list = env.ok(&["context", "list"]);
    assert_eq!(list["count"], 2);
    assert_eq!(list["current"], "");
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["alpha", "beta"]);

    env.ok(&["context", "use", "beta"]);
    let list = env.ok(&["context", "list"]);
    assert_eq!(list["current"], "beta");
    let shown = env.ok(&["context", "show"]);
    assert_eq!(shown["name"], "beta");
    assert_eq!(shown["class"], "production");
    assert_eq!(shown["confirm_destructive"], "type-name");
    assert_eq!(shown["current"], true);

    // remove needs --force (usage error), then works and resets the stored context
    let (code, doc) = env.json(&["context", "remove", "beta"]);
    assert_eq!(code, 2, "{doc}");
    let doc = env.ok(&["context", "remove", "beta", "--force"]);
    assert_eq!(doc["current_reset"], true);
    assert!(!env.ctx_dir("beta").exists());
    let list = env.ok(&["context", "list"]);
    assert_eq!(list["count"], 1);
    assert_eq!(list["current"], "default");

    // a missing context is an error naming it
    let (code, doc) = env.json(&["context", "show", "nope"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_NOT_FOUND");
}

#[test]
fn context_does_not_leak_between_invocations() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("default", "oss-demo");
    let doc = env.ok_in("internal", &["target", "list"]);
    assert_eq!(doc["context"], "internal");
    let doc = env.ok(&["target", "list"]);
    assert_eq!(doc["context"], "default");
    assert!(!env.root.join("current_context").exists());
}

#[test]
fn same_target_name_in_two_contexts_stays_isolated() {
    let env = Env::new();
    env.init("alpha", "internal-dogfood");
    env.init("beta", "customer");
    env.add_target("alpha", "edge", "alpha-host.example");
    env.add_target("beta", "edge", "beta-host.example");
    for (ctx, mine, other) in [
        ("alpha", "alpha-host.example", "beta-host.example"),
        ("beta", "beta-host.example", "alpha-host.example"),
    ] {
        let mut seen = String::new();
        for args in [
            vec!["--context", ctx, "target", "list"],
            vec!["--context", ctx, "events", "list"],
            vec!["--context", ctx, "context", "show"],
            vec!["--context", ctx, "doctor"],
        ] {
            let (_, doc) = env.json(&args);
            seen.push_str(&doc.to_string());
            let text = env.run(&args[..]);
            seen.push_str(&stdout(&text));
        }
        let out = env.dir.path().join(format!("{ctx}.json"));
        env.ok(&[
            "--context",
            ctx,
            "context",
            "export",
            "--output",
            out.to_str().unwrap(),
        ]);
        seen.push_str(&std::fs::read_to_string(&out).unwrap());
        assert!(seen.contains(mine), "{ctx} should show its own host");
        assert!(!seen.contains(other), "{ctx} leaked {other}");
    }
}

#[test]
fn state_root_inside_a_repository_is_refused_unless_overridden() {
    let env = Env::new();
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let root = repo.join("private-state");
    let run = |extra_env: Option<(&str, &str)>, args: &[&str]| {
        let mut c = env.cmd();
        c.env("SI_PAAS_STATE_ROOT", &root).arg("--json").args(args);
        if let Some((k, v)) = extra_env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        (
            o.status.code().unwrap(),
            serde_json::from_slice::<Value>(&o.stdout).unwrap(),
        )
    };
    let (code, doc) = run(None, &["context", "init", "x", "--type", "oss-demo"]);
    assert_eq!(code, 1, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inside the git work tree")
    );
    assert!(!root.exists(), "nothing may be written when refused");

    let (code, doc) = run(
        Some(("SI_PAAS_ALLOW_REPO_STATE", "true")),
        &["context", "init", "x", "--type", "oss-demo"],
    );
    assert_eq!(code, 0, "{doc}");
    std::fs::write(
        root.join("contexts/x/vault/secrets.env"),
        "API_TOKEN=super-secret\n",
    )
    .unwrap();
    let (code, doc) = run(
        Some(("SI_PAAS_ALLOW_REPO_STATE", "true")),
        &["--context", "x", "doctor"],
    );
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["ok"], false);
    let checks = doc["checks"].as_array().unwrap();
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for want in [
        "state_root_outside_repo",
        "context_vault_outside_repo",
        "repo_private_state_artifacts",
        "repo_plaintext_secret_exposure",
    ] {
        assert!(failed.contains(&want), "{want} should fail: {failed:?}");
    }
    let detail = checks
        .iter()
        .find(|c| c["name"] == "state_root_outside_repo")
        .unwrap()["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("override"), "{detail}");
    assert!(!doc.to_string().contains("super-secret"));
}

#[test]
fn doctor_flags_a_plaintext_token_in_a_repo_local_vault_file() {
    let env = Env::new();
    // The working directory is a repository holding a copy of private state.
    std::fs::create_dir_all(env.work.join(".git")).unwrap();
    let leaked = env.work.join("ops/contexts/prod/vault");
    std::fs::create_dir_all(&leaked).unwrap();
    std::fs::write(leaked.join("secrets.env"), "API_TOKEN=abc123\n").unwrap();
    env.init("prod", "production");
    let (code, doc) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1, "{doc}");
    let check = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(check("state_root_outside_repo")["ok"], true);
    assert_eq!(check("repo_private_state_artifacts")["ok"], false);
    let exposure = check("repo_plaintext_secret_exposure");
    assert_eq!(exposure["ok"], false);
    assert!(exposure["detail"].as_str().unwrap().contains("secrets.env"));
    assert!(!doc.to_string().contains("abc123"));
}

#[test]
fn doctor_flags_a_host_shared_between_dogfood_and_demo() {
    let env = Env::new();
    env.init("internal", "internal-dogfood");
    env.init("demo", "oss-demo");
    env.add_target("internal", "box", "10.1.2.3");
    // `target add` refuses the shared host, so write it as another tool would
    env.add_target("demo", "public-box", "10.1.2.4");
    let targets = env.ctx_dir("demo").join("targets.json");
    let doc = std::fs::read_to_string(&targets).unwrap();
    std::fs::write(&targets, doc.replace("10.1.2.4", "10.1.2.3")).unwrap();
    let (code, doc) = env.json_in("demo", &["doctor"]);
    assert_eq!(code, 1);
    let c = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "contexts_distinct_targets")
        .unwrap();
    assert_eq!(c["ok"], false);
    assert!(c["detail"].as_str().unwrap().contains("10.1.2.3:22"), "{c}");
    // a different port is a different endpoint
    env.ok_in("demo", &["target", "remove", "public-box", "--force"]);
    env.ok_in(
        "demo",
        &[
            "target", "add", "--name", "b", "--host", "10.1.2.3", "--port", "2222", "--user", "u",
        ],
    );
    let doc = env.ok_in("demo", &["doctor"]);
    assert_eq!(doc["ok"], true);
    // --all-contexts reports every context
    let doc = env.ok(&["doctor", "--all-contexts"]);
    assert_eq!(doc["count"], 2);
}

#[test]
fn export_import_round_trip_and_secret_key_refusal() {
    let env = Env::new();
    env.init("source", "internal-dogfood");
    env.init("customer-42", "customer");
    env.add_target("source", "edge-a", "a.example");
    env.add_target("source", "edge-b", "b.example");
    let compose = env.work.join("compose.yaml");
    std::fs::write(&compose, "services: {}\n").unwrap();
    env.ok_in(
        "source",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            compose.to_str().unwrap(),
        ],
    );
    std::fs::write(
        env.ctx_dir("source").join("deployments.json"),
        r#"{"apps":{"api":{"current_release":"rel-20260101T000000-000000002","current_remote_dir":"/opt/si/paas/releases","history":["rel-20260101T000000-000000001","rel-20260101T000000-000000002"],"updated_at":"2026-01-01T00:00:00Z"}}}"#,
    )
    .unwrap();
    let out = env.dir.path().join("export.json");
    let doc = env.ok_in(
        "source",
        &["context", "export", "--output", out.to_str().unwrap()],
    );
    assert_eq!(doc["targets"], 2);
    assert_eq!(doc["deploy_apps"], 1);
    let payload: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(payload["schema_version"], 1);
    assert_eq!(
        payload["metadata"]["targets"]["targets"][1]["name"],
        "edge-b"
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // no overwrite without --force
    let (code, _) = env.json_in(
        "source",
        &["context", "export", "--output", out.to_str().unwrap()],
    );
    assert_eq!(code, 1);

    // the hosts move: a context of another type may not hold them beside the source
    env.ok(&["context", "remove", "source", "--force"]);
    let doc = env.ok(&[
        "context",
        "import",
        "--input",
        out.to_str().unwrap(),
        "--name",
        "customer-42",
    ]);
    assert_eq!(doc["context"], "customer-42");
    let t = env.ok_in("customer-42", &["target", "list"]);
    assert_eq!(t["count"], 2);
    assert_eq!(t["current_target"], "edge-a");
    let s = env.ok_in("customer-42", &["app", "status", "api"]);
    assert_eq!(s["current_release"], "rel-20260101T000000-000000002");
    assert_eq!(s["count"], 2);

    // a payload carrying a secret-like key is refused, naming the key and not the value
    let mut bad = payload.clone();
    bad["metadata"]["targets"]["targets"][0]["db_password"] = "hunter2-value".into();
    let bad_path = env.dir.path().join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let before = std::fs::read(env.ctx_dir("customer-42").join("targets.json")).unwrap();
    let (code, doc) = env.json(&[
        "context",
        "import",
        "--input",
        bad_path.to_str().unwrap(),
        "--name",
        "customer-42",
    ]);
    assert_eq!(code, 1, "{doc}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("metadata.targets.targets[0].db_password"),
        "{msg}"
    );
    assert!(!doc.to_string().contains("hunter2-value"));
    assert_eq!(
        std::fs::read(env.ctx_dir("customer-42").join("targets.json")).unwrap(),
        before
    );
}

#[test]
fn secret_like_fields_are_redacted_in_output_and_on_disk() {
    let env = Env::new();
    env.init("c", "staging");
    env.add_target("c", "a", "a.example");
    let path = env.ctx_dir("c").join("targets.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["targets"][0]["api_token"] = "tok-SENSITIVE-1".into();
    doc["db_password"] = "pw-SENSITIVE-2".into();
    doc["keep_me"] = "visible".into();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let events = env.ctx_dir("c").join("events/alerts.jsonl");
    std::fs::write(
        &events,
        "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"command\":\"alert test\",\"severity\":\"info\",\"status\":\"sent\",\"message\":\"m\",\"fields\":{\"api_token\":\"tok-SENSITIVE-3\"}}\n",
    )
    .unwrap();

    let listed = env.run(&["--json", "--context", "c", "target", "list"]);
    let text = stdout(&listed);
    assert!(text.contains("<redacted>"));
    assert!(!text.contains("tok-SENSITIVE-1"));
    let ev = env.run(&["--json", "--context", "c", "events", "list"]);
    assert!(stdout(&ev).contains("<redacted>"));
    assert!(!stdout(&ev).contains("tok-SENSITIVE-3"));

    // the doctor notices the plaintext values...
    let (code, d) = env.json_in("c", &["doctor"]);
    assert_eq!(code, 1);
    assert!(d.to_string().contains("api_token"));
    assert!(!d.to_string().contains("tok-SENSITIVE"));
    // ...and the next write of the document redacts them on disk, keeping unknown fields
    env.add_target("c", "b", "b.example");
    let disk = std::fs::read_to_string(&path).unwrap();
    assert!(!disk.contains("SENSITIVE"), "{disk}");
    assert!(disk.contains("\"api_token\": \"<redacted>\""));
    assert!(disk.contains("\"db_password\": \"<redacted>\""));
    assert!(disk.contains("\"keep_me\": \"visible\""));
}

#[test]
fn mutating_without_explicit_context_exits_2_naming_the_context() {
    let env = Env::new();
    env.init("staging-1", "staging");
    env.ok(&["context", "use", "staging-1"]);
    let (code, doc) = env.json(&["target", "add", "--name", "a", "--host", "h", "--user", "u"]);
    assert_eq!(code, 2, "{doc}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"staging-1\"")
    );
    // the refusal is audited in that context, and nothing changed
    let ev = env.ok(&["events", "list", "--status", "failed"]);
    assert_eq!(ev["data"][0]["command"], "target add");
    assert!(!env.ctx_dir("staging-1").join("targets.json").exists());
    // reads may use the stored context
    env.ok(&["target", "list"]);
    // text mode puts the error on stderr in the contract format
    let o = env.run(&["target", "use", "a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).starts_with("error[PAAS_CONTEXT_GUARD]: "),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("\nhint: "));
}

#[test]
fn read_only_context_refuses_mutations_without_write() {
    let env = Env::new();
    env.ok(&[
        "context",
        "init",
        "prod",
        "--type",
        "production",
        "--read-only",
    ]);
    let (code, doc) = env.json_in(
        "prod",
        &["target", "add", "--name", "a", "--host", "h", "--user", "u"],
    );
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    let (code, _) = env.json(&["context", "remove", "prod", "--force"]);
    assert_eq!(code, 2);
    assert!(env.ctx_dir("prod").exists());
    // switching to it and reading are fine
    env.ok(&["context", "use", "prod"]);
    env.ok(&["target", "list"]);
    // --write lifts it for one invocation
    env.ok_in(
        "prod",
        &[
            "--write", "target", "add", "--name", "a", "--host", "h", "--user", "u",
        ],
    );
    let (code, _) = env.json_in("prod", &["target", "use", "a"]);
    assert_eq!(code, 2);
}

#[test]
fn truncated_targets_file_is_reported_and_left_untouched() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_target("c", "a", "a.example");
    let path = env.ctx_dir("c").join("targets.json");
    let full = std::fs::read(&path).unwrap();
    let truncated = &full[..full.len() / 2];
    std::fs::write(&path, truncated).unwrap();
    for args in [
        vec!["--context", "c", "target", "list"],
        vec![
            "--context",
            "c",
            "target",
            "add",
            "--name",
            "b",
            "--host",
            "b",
            "--user",
            "u",
        ],
        vec!["--context", "c", "target", "remove", "a", "--force"],
    ] {
        let (code, doc) = env.json(&args);
        assert_eq!(code, 1, "{args:?}: {doc}");
        assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains("targets.json"), "{msg}");
        assert!(msg.contains("line ") && msg.contains("column "), "{msg}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            truncated,
            "{args:?} changed the file"
        );
    }
    // a corrupt config shows in `context list` without hiding the others
    env.init("d", "staging");
    std::fs::write(env.ctx_dir("c").join("config.json"), "{\"name\": ").unwrap();
    let list = env.ok(&["context", "list"]);
    assert_eq!(list["data"][0]["error"]["code"], "PAAS_STATE_CORRUPT");
    assert_eq!(list["data"][1]["name"], "d");
}

#[test]
fn two_processes_adding_fifty_targets_each_keep_all_hundred() {
    let env = std::sync::Arc::new(Env::new());
    env.init("c", "oss-demo");
    let workers: Vec<_> = ["p", "q"]
        .into_iter()
        .map(|prefix| {
            let env = env.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let name = format!("{prefix}-{i}");
                    let o = env.run(&[
                        "--context",
                        "c",
                        "target",
                        "add",
                        "--name",
                        &name,
                        "--host",
                        &format!("{name}.example"),
                        "--user",
                        "u",
                    ]);
                    assert!(o.status.success(), "{}", stderr(&o));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let doc = env.ok_in("c", &["target", "list"]);
    assert_eq!(doc["count"], 100);
    let audit = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    let adds = audit
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["command"] == "target add")
        .count();
    assert_eq!(adds, 100, "every audit row arrives whole");
}

#[test]
fn a_secret_set_through_stdin_appears_in_no_output_event_or_log() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    env.add_target("c", "edge-a", "a.example");
    env.ok(&["vault", "keygen"]);
    let value = "S3CR3T-value-9f8e7d";
    let o = env.run_stdin(
        &[
            "-vv",
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "DB_PASSWORD",
        ],
        &format!("{value}\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = stdout(&o) + &stderr(&o);
    let o = env.run_stdin(
        &[
            "--json",
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "API_TOKEN",
            "--target",
            "edge-a",
        ],
        value,
    );
    assert!(o.status.success());
    let set_doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        set_doc["vault_key"],
        "PAAS__CTX_C__NS_DEFAULT__APP_API__TARGET_EDGE_A__VAR_API_TOKEN"
    );
    seen += &(stdout(&o) + &stderr(&o));
    for args in [
        vec!["--context", "c", "secret", "list", "--app", "api"],
        vec![
            "--context",
            "c",
            "secret",
            "get",
            "--app",
            "api",
            "--name",
            "DB_PASSWORD",
        ],
        vec!["--context", "c", "events", "list"],
        vec!["--context", "c", "doctor"],
    ] {
        let o = env.run(&args);
        seen += &(stdout(&o) + &stderr(&o));
        let mut j = vec!["--json"];
        j.extend(args);
        let o = env.run(&j);
        seen += &(stdout(&o) + &stderr(&o));
    }
    let list = env.ok_in("c", &["secret", "list", "--app", "api"]);
    assert_eq!(list["count"], 2);
    seen += &Env::all_text_under(&env.ctx_dir("c").join("events"));
    let logs = Env::all_text_under(&env.log_dir());
    assert!(
        logs.contains("secret set"),
        "the log exists and records the command"
    );
    seen += &logs;
    assert!(!seen.contains(value), "the secret leaked");

    // positive controls: the vault holds it encrypted (0600), and only an explicit reveal
    // prints it
    let vault = env.ctx_dir("c").join("vault/secrets.env");
    let stored = std::fs::read_to_string(&vault).unwrap();
    assert!(!stored.contains(value), "plaintext at rest: {stored}");
    assert_eq!(stored.matches("=encrypted:si:v2:").count(), 2, "{stored}");
    assert_eq!(
        std::fs::metadata(&vault).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, _) = env.json_in(
        "c",
        &[
            "secret",
            "get",
            "--app",
            "api",
            "--name",
            "DB_PASSWORD",
            "--reveal",
        ],
    );
    assert_eq!(code, 2);
    let o = env.run(&[
        "--context",
        "c",
        "secret",
        "get",
        "--app",
        "api",
        "--name",
        "DB_PASSWORD",
        "--reveal",
        "--allow-plaintext",
    ]);
    assert_eq!(stdout(&o).trim(), value);
    // and argv is refused outright without echoing the value
    let o = env.run(&[
        "--context",
        "c",
        "secret",
        "set",
        "--app",
        "api",
        "--name",
        "X",
        "--value",
        "argv-secret",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!(stdout(&o) + &stderr(&o)).contains("argv-secret"));
}

#[test]
fn secret_mutations_are_blocked_while_doctor_fails() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    std::fs::write(
        env.ctx_dir("c").join("events/audit.jsonl"),
        "{\"context\":\"other\",\"command\":\"x\"}\n",
    )
    .unwrap();
    let o = env.run_stdin(
        &[
            "--json",
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "a",
            "--name",
            "N",
        ],
        "v",
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("events_context_consistency")
    );
}

#[test]
fn targets_apps_and_usage_errors() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_target("c", "edge-a", "a.example");
    env.add_target("c", "edge-b", "b.example");
    let doc = env.ok_in("c", &["target", "list"]);
    assert_eq!(
        doc["current_target"], "edge-a",
        "first target becomes current"
    );
    let (code, doc) = env.json_in(
        "c",
        &[
            "target", "add", "--name", "EDGE-A", "--host", "x", "--user", "u",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_ALREADY_EXISTS");
    env.ok_in("c", &["target", "use", "EDGE-B"]);
    let (code, _) = env.json_in("c", &["target", "remove", "edge-b"]);
    assert_eq!(code, 2, "the current target needs --force");
    let doc = env.ok_in("c", &["target", "remove", "edge-a"]);
    assert_eq!(doc["total"], 1);
    let doc = env.ok_in("c", &["target", "remove", "edge-b", "--force"]);
    assert_eq!(doc["current_target"], "");

    // hostile names never reach the state
    for (flag, value) in [
        ("--name", "a;rm -rf /"),
        ("--host", "-oProxyCommand=x"),
        ("--user", "$(id)"),
    ] {
        let mut args = vec![
            "--context",
            "c",
            "target",
            "add",
            "--name",
            "ok",
            "--host",
            "h",
            "--user",
            "u",
        ];
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        let (code, doc) = env.json(&args);
        assert_eq!(code, 2, "{flag} {value}: {doc}");
        assert_eq!(doc["error"]["code"], "PAAS_INVALID_ARGUMENT");
    }
    let (code, doc) = env.json_in("../etc", &["target", "list"]);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("context")
    );

    // clap usage errors keep the contract under --json
    let (code, doc) = env.json(&["target", "add", "--name", "x"]);
    assert_eq!(code, 2);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["code"], "PAAS_INVALID_ARGUMENT");
    let o = env.run(&["target", "frobnicate"]);
    assert_eq!(o.status.code(), Some(2));

    // apps registry
    let compose = env.work.join("compose.yaml");
    std::fs::write(&compose, "services: {}\n").unwrap();
    env.add_target("c", "edge-a", "a.example");
    env.ok_in(
        "c",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            compose.to_str().unwrap(),
            "--targets",
            "edge-a",
        ],
    );
    let (code, doc) = env.json_in(
        "c",
        &[
            "app",
            "add",
            "--name",
            "web",
            "--compose-file",
            compose.to_str().unwrap(),
            "--targets",
            "nope",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_TARGET_RESOLUTION_FAILED");
    let apps = env.ok_in("c", &["app", "list"]);
    assert_eq!(apps["count"], 1);
    assert_eq!(apps["data"][0]["targets"][0], "edge-a");
    let (code, _) = env.json_in("c", &["app", "remove", "api"]);
    assert_eq!(code, 2);
    env.ok_in("c", &["app", "remove", "api", "--force"]);
    let (code, doc) = env.json_in("c", &["app", "status", "api"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_APP_NOT_FOUND");
}

#[test]
fn events_list_filters_and_audit_rows() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_target("c", "a", "a.example");
    let dir = env.ctx_dir("c").join("events");
    std::fs::write(
        dir.join("deployments.jsonl"),
        "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"context\":\"c\",\"source\":\"si paas\",\"command\":\"deploy\",\"status\":\"failed\",\"app\":\"api\",\"error_target\":\"edge-a\"}\n{\"torn\":",
    )
    .unwrap();
    std::fs::write(
        dir.join("alerts.jsonl"),
        "{\"timestamp\":\"2026-01-01T00:00:01Z\",\"command\":\"alert test\",\"severity\":\"warning\",\"status\":\"sent\",\"message\":\"hello\",\"context\":\"c\"}\n",
    )
    .unwrap();
    let all = env.ok_in("c", &["events", "list"]);
    let rows = all["data"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{all:#}");
    assert_eq!(rows[0]["command"], "target add", "newest first");
    let operator = rows[0]["fields"]["operator"].as_str().unwrap();
    assert!(
        operator.contains('@') && !operator.starts_with('@'),
        "{operator}"
    );
    assert_eq!(all["skipped_lines"], 1);
    let crit = env.ok_in("c", &["events", "list", "--severity", "critical"]);
    assert_eq!(crit["count"], 1);
    assert_eq!(crit["data"][0]["source"], "deploy");
    assert_eq!(crit["data"][0]["target"], "edge-a");
    let alerts = env.ok_in("c", &["events", "list", "--source", "alert"]);
    assert_eq!(alerts["count"], 1);
    let recent = env.ok_in("c", &["events", "list", "--since", "1h"]);
    assert_eq!(recent["count"], 2);
    let one = env.ok_in("c", &["events", "list", "--limit", "1"]);
    assert_eq!(one["count"], 1);
    let (code, _) = env.json_in("c", &["events", "list", "--limit", "0"]);
    assert_eq!(code, 2);
    // local reads write nothing
    let before = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    env.ok_in("c", &["target", "list"]);
    env.ok_in("c", &["events", "list"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("audit.jsonl")).unwrap(),
        before
    );
    let row: Value = serde_json::from_str(before.lines().last().unwrap()).unwrap();
    for key in [
        "timestamp",
        "context",
        "source",
        "command",
        "status",
        "severity",
        "operator",
        "duration_ms",
    ] {
        assert!(row.get(key).is_some(), "audit row lacks {key}: {row}");
    }
}

#[test]
fn events_tail_follow_prints_rows_as_they_are_appended() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let mut child = env
        .cmd()
        .args(["--json", "--context", "c", "events", "tail", "--follow"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // the existing row comes first
    let first: Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    assert_eq!(first["command"], "context init");
    env.add_target("c", "late", "late.example");
    let next: Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    assert_eq!(next["command"], "target add");
    assert!(child.try_wait().unwrap().is_none(), "follow keeps running");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn info_prints_every_path_in_use() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.ok(&["context", "use", "c"]);
    let doc = env.ok(&["info"]);
    assert_eq!(doc["state_root"], env.root.to_str().unwrap());
    assert_eq!(doc["state_root_source"], "SI_PAAS_STATE_ROOT");
    assert_eq!(doc["current_context"], "c");
    assert_eq!(
        doc["known_hosts"],
        env.root.join("known_hosts").to_str().unwrap()
    );
    let home = env.home.to_str().unwrap();
    for (key, under) in [
        ("config_dir", ".config/paasdeck"),
        ("keymap_file", ".config/paasdeck/keymap.json"),
        ("theme_file", ".config/paasdeck/theme.json"),
        ("log_dir", ".local/state/paasdeck/logs"),
        ("data_dir", ".local/share/paasdeck"),
        ("cache_dir", ".cache/paasdeck"),
    ] {
        assert_eq!(doc[key], format!("{home}/{under}"), "{key}");
    }
    let text = stdout(&env.run(&["info"]));
    assert!(
        text.contains("log_dir") && text.contains(".local/state/paasdeck/logs"),
        "{text}"
    );
}

#[test]
fn refusals_and_usage_errors_are_warnings_not_critical() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let compose = env.work.join("compose.yaml");
    std::fs::write(&compose, "services:\n  web:\n    image: nginx\n").unwrap();
    let f = compose.to_str().unwrap();
    env.ok_in("c", &["app", "add", "--name", "web", "--compose-file", f]);
    // the same app again: a refusal
    let (code, doc) = env.json_in("c", &["app", "add", "--name", "web", "--compose-file", f]);
    assert_eq!(code, 1, "{doc:#}");
    // a refused action in a read-only context
    env.ok(&["context", "init", "ro", "--type", "oss-demo", "--read-only"]);
    let (code, _) = env.json_in(
        "ro",
        &[
            "target",
            "add",
            "--name",
            "a",
            "--host",
            "a.example",
            "--user",
            "u",
        ],
    );
    assert_eq!(code, 2);
    for (ctx, command) in [("c", "app add"), ("ro", "target add")] {
        let audit = std::fs::read_to_string(env.ctx_dir(ctx).join("events/audit.jsonl")).unwrap();
        let row: Value = audit
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .rfind(|r| r["command"] == command && r["status"] == "failed")
            .unwrap_or_else(|| panic!("no failed {command} row in {ctx}: {audit}"));
        assert_eq!(row["severity"], "warning", "{row:#}");
    }
    let crit = env.ok_in("c", &["events", "list", "--severity", "critical"]);
    assert_eq!(crit["count"], 0, "{crit:#}");
}

#[test]
fn hints_name_the_state_root_so_they_run_as_shown() {
    let env = Env::new();
    env.init("c", "oss-demo");
    // a mutating command without --context names the exact command to re-run with
    std::fs::write(env.root.join("current_context"), "c\n").unwrap();
    let (code, doc) = env.json(&["target", "add", "--name", "a", "--host", "h", "--user", "u"]);
    assert_eq!(code, 2, "{doc:#}");
    // the doctor refusal's remediation names the root it ran on
    std::fs::write(
        env.ctx_dir("c").join("events/alerts.jsonl"),
        "{\"context\":\"elsewhere\",\"command\":\"x\"}\n",
    )
    .unwrap();
    let o = env.run_stdin(
        &[
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "X",
        ],
        "v",
    );
    let err = stderr(&o);
    let root = env.root.display().to_string();
    assert!(
        err.contains(&format!(
            "`paasdeck --state-root {root} --context c doctor`"
        )),
        "{err}"
    );
}

mod context_import;
mod doctor_levels;
mod follow;
mod hostkeys;
mod oncall;
mod remediation;
mod separation;
mod state_errors;
mod vault;
mod vault_identity;
