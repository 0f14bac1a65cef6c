//! Fault replays: state. Values read back from state files and imports pass the same rules as
//! flags (a release id is never a path, a host never an ssh option, a port never silently 22),
//! damaged files are reported with their position and field, and context names follow one rule
//! for new contexts and another, safe one for contexts that already exist.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::sshd::Sshd;
use crate::common::{Env, stderr};

#[path = "state_names.rs"]
mod names;

const COMPOSE: &str = "services:\n  web:\n    image: example/web:{{paas.release}}\n";

/// Runs with `--json` and the test's ssh config; returns (exit code, document).
pub(super) fn run(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(&all)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stderr(&o)));
    (o.status.code().unwrap_or(-1), doc)
}

pub(super) fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Asserts a `PAAS_STATE_CORRUPT` failure naming `file` and `field`, never quoting `secret`.
fn assert_corrupt(code: i32, doc: &Value, file: &str, field: &str, secret: &str) {
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(file), "names the file: {msg}");
    assert!(msg.contains(field), "names the field {field}: {msg}");
    assert!(!msg.contains(secret), "never quotes the value: {msg}");
}

/// A context with one key target on `sshd` and the app `web` deploying under `remote`.
fn context_on(env: &Env, ctx: &str, sshd: &Sshd, remote: &Path) {
    env.init(ctx, "oss-demo");
    let port = sshd.port.to_string();
    let key = sshd.client_key.to_str().unwrap();
    let c = ["--context", ctx];
    env.ok(&[
        &c[..],
        &[
            "target",
            "add",
            "--name",
            "edge",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            &sshd.user,
            "--identity-file",
            key,
        ],
    ]
    .concat());
    std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
    env.ok(&[
        &c[..],
        &[
            "app",
            "add",
            "--name",
            "web",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge",
            "--remote-dir",
            remote.to_str().unwrap(),
        ],
    ]
    .concat());
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = crate::common::walk(dir)
        .into_iter()
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_release_id_read_back_never_crosses_contexts() {
    let env = Env::new();
    let sshd = Sshd::start();
    let remote = env.dir.path().join("remote");
    context_on(&env, "base", &sshd, &remote);
    context_on(&env, "other", &sshd, &remote);
    // `other` has a bundle on disk (a plan writes it); `base` runs a real release.
    let (code, planned) = run(&env, &["--context", "other", "deploy", "--app", "web"]);
    assert_eq!(code, 0, "{planned:#}");
    let other_rel = planned["release"].as_str().unwrap().to_string();
    let (code, applied) = run(
        &env,
        &["--context", "base", "deploy", "--app", "web", "--apply"],
    );
    assert_eq!(code, 0, "{applied:#}");
    let base_rel = applied["release"].as_str().unwrap().to_string();
    let traversal = format!("../../../other/releases/web/{other_rel}");
    let deployments = env.ctx_dir("base").join("deployments.json");

    // The exact import repro is refused, naming the key path and writing nothing.
    let before = std::fs::read(&deployments).unwrap();
    let payload = env.dir.path().join("payload.json");
    std::fs::write(
        &payload,
        json!({"schema_version": 1, "metadata": {"deploy_history": {"apps": {"web": {"history": [traversal]}}}}})
            .to_string(),
    )
    .unwrap();
    let (code, doc) = run(
        &env,
        &[
            "--context",
            "base",
            "context",
            "import",
            "--input",
            payload.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0, "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("metadata.deploy_history.apps.web.history[0]"),
        "{msg}"
    );
    assert!(!msg.contains("other/releases"), "{msg}");
    assert_eq!(
        std::fs::read(&deployments).unwrap(),
        before,
        "nothing imported"
    );

    // A hand-edited history entry: the rollback stops before any connection or remote change.
    let mut h: Value = serde_json::from_slice(&before).unwrap();
    h["apps"]["web"]["history"] = json!([traversal, base_rel]);
    write_private(&deployments, h.to_string().as_bytes());
    let (accepted, calls, files) = (sshd.accepted(), sshd.docker_calls(), listing(&remote));
    let (code, doc) = run(
        &env,
        &["--context", "base", "rollback", "--app", "web", "--apply"],
    );
    assert_corrupt(
        code,
        &doc,
        "deployments.json",
        "apps.web.history[0]",
        "other/releases",
    );
    assert_eq!(sshd.accepted(), accepted, "no ssh connection");
    assert_eq!(sshd.docker_calls(), calls, "nothing ran on the target");
    assert_eq!(listing(&remote), files, "nothing changed on the target");

    // A bundle whose release.json belongs to another context is not applied either.
    write_private(&deployments, &before);
    let foreign = env.ctx_dir("base").join("releases/web").join(&other_rel);
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o700)).unwrap();
    for f in ["compose.yaml", "release.json"] {
        let src = env
            .ctx_dir("other")
            .join("releases/web")
            .join(&other_rel)
            .join(f);
        std::fs::copy(src, foreign.join(f)).unwrap();
    }
    let (code, doc) = run(
        &env,
        &[
            "--context",
            "base",
            "rollback",
            "--app",
            "web",
            "--to-release",
            &other_rel,
            "--apply",
        ],
    );
    // The doctor sees the other context's bundle first (`deploy_history_consistency`, a
    // blocking check): the rollback is refused before it reads the bundle.
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("deploy_history_consistency"), "{msg}");
    let (_, report) = run(&env, &["--context", "base", "doctor"]);
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "deploy_history_consistency")
        .cloned()
        .unwrap();
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("was made for context other"),
        "{check:#}"
    );
    assert_eq!(sshd.accepted(), accepted, "no ssh connection");
    assert_eq!(listing(&remote), files);
}

/// A context `c` whose targets.json holds `targets`.
fn with_targets(targets: Value) -> Env {
    let env = Env::new();
    env.init("c", "oss-demo");
    write_private(
        &env.ctx_dir("c").join("targets.json"),
        json!({"current_target": "", "targets": targets})
            .to_string()
            .as_bytes(),
    );
    env
}

#[test]
fn ports_out_of_range_are_corrupt_and_a_missing_port_is_22() {
    for bad in [json!(-1), json!(0), json!(70000), json!("22")] {
        let env =
            with_targets(json!([{"name": "a", "host": "10.0.0.1", "user": "u", "port": bad}]));
        let (code, doc) = run(&env, &["--context", "c", "target", "list"]);
        assert_corrupt(code, &doc, "targets.json", "targets[0].port", "\u{0}");
    }
    let env = with_targets(json!([{"name": "a", "host": "10.0.0.1", "user": "u"}]));
    let (code, doc) = run(&env, &["--context", "c", "target", "list"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["data"][0]["port"], 22);
}

#[test]
fn an_option_shaped_host_never_reaches_ssh() {
    let env = Env::new();
    let marker = env.dir.path().join("proxy-ran");
    let host = format!("-oProxyCommand=touch {}", marker.display());
    let env2 = with_targets(json!([{"name": "evil", "host": host, "user": "u", "port": 22}]));
    for args in [
        &["--context", "c", "target", "check", "--target", "evil"][..],
        &["--context", "c", "target", "list"][..],
        &[
            "--context",
            "c",
            "target",
            "exec",
            "--targets",
            "evil",
            "--",
            "true",
        ][..],
    ] {
        let (code, doc) = run(&env2, args);
        assert_corrupt(
            code,
            &doc,
            "targets.json",
            "targets[0].host",
            "ProxyCommand",
        );
    }
    // A user that looks like an option is refused the same way.
    let env3 = with_targets(json!([{"name": "a", "host": "h", "user": "-oX=y", "port": 22}]));
    let (code, doc) = run(&env3, &["--context", "c", "target", "list"]);
    assert_corrupt(code, &doc, "targets.json", "targets[0].user", "-oX");
    // And the ssh boundary refuses it whoever calls it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let ep = paasdeck::remote::ssh::Endpoint {
            host: host.clone(),
            port: 22,
            user: "u".into(),
            identity: None,
        };
        let opts = paasdeck::remote::ssh::SshOptions {
            known_hosts: env.dir.path().join("known_hosts"),
            connect_timeout: std::time::Duration::from_secs(2),
            config_file: Some("/dev/null".into()),
            control_dir: std::env::temp_dir(),
            default_identity: None,
        };
        let gate = tokio::sync::Mutex::new(());
        paasdeck::remote::ssh::SshTransport::connect(&ep, &opts, &gate)
            .await
            .err()
            .unwrap()
    });
    assert!(err.message.contains("starts with '-'"), "{}", err.message);
    // Refused before its first step (the known_hosts file it would create is not there), so
    // no ssh was started that could still run the ProxyCommand later.
    assert!(!env.dir.path().join("known_hosts").exists());
    assert!(!marker.exists(), "the ProxyCommand never ran");
}

#[test]
fn bad_names_in_apps_json_are_corrupt_state() {
    for (app, field) in [
        (
            json!({"name": "web;rm -rf ~", "compose_file": "/x"}),
            "apps[0].name",
        ),
        (
            json!({"name": "web", "targets": ["a b"]}),
            "apps[0].targets[0]",
        ),
        (
            json!({"name": "web", "remote_dir": "opt/x"}),
            "apps[0].remote_dir",
        ),
        (
            json!({"name": "web", "remote_dir": "/opt/../etc"}),
            "apps[0].remote_dir",
        ),
    ] {
        let env = Env::new();
        env.init("c", "oss-demo");
        write_private(
            &env.ctx_dir("c").join("apps.json"),
            json!({ "apps": [app] }).to_string().as_bytes(),
        );
        let (code, doc) = run(&env, &["--context", "c", "app", "list"]);
        assert_corrupt(code, &doc, "apps.json", field, "rm -rf");
        let (code, doc) = run(&env, &["--context", "c", "deploy", "--app", "web"]);
        assert_corrupt(code, &doc, "apps.json", field, "rm -rf");
    }
}

#[test]
fn imports_refuse_what_state_files_refuse() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let cases = [
        (
            json!({"targets": {"targets": [{"name": "a", "host": "-oProxyCommand=x", "user": "u"}]}}),
            "metadata.targets.targets[0].host",
        ),
        (
            json!({"targets": {"targets": [{"name": "a", "host": "h", "user": "u", "port": 0}]}}),
            "metadata.targets.targets[0].port",
        ),
        (
            json!({"apps": {"apps": [{"name": "../web"}]}}),
            "metadata.apps.apps[0].name",
        ),
        (
            json!({"deploy_history": {"apps": {"web": {"current_remote_dir": "/a/../b"}}}}),
            "metadata.deploy_history.apps.web.current_remote_dir",
        ),
    ];
    for (meta, path) in cases {
        let input = env.dir.path().join("in.json");
        std::fs::write(
            &input,
            json!({"schema_version": 1, "metadata": meta}).to_string(),
        )
        .unwrap();
        let (code, doc) = run(
            &env,
            &[
                "--context",
                "c",
                "context",
                "import",
                "--input",
                input.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 1, "{doc:#}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains(path), "{path}: {msg}");
        assert!(!msg.contains("ProxyCommand"), "{msg}");
        assert!(
            !env.ctx_dir("c").join("targets.json").exists(),
            "nothing written"
        );
    }
}

#[test]
fn non_utf8_documents_report_the_position_of_the_first_bad_byte() {
    let env = Env::new();
    env.init("c", "oss-demo");
    write_private(
        &env.ctx_dir("c").join("targets.json"),
        b"{\n  \"targets\": [\n    {\"name\": \"a\xff\"}\n  ]\n}\n",
    );
    let (code, doc) = run(&env, &["--context", "c", "target", "list"]);
    assert_eq!(code, 1);
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("line 3, column 16"), "{msg}");
    assert!(
        msg.contains("not valid UTF-8") && msg.contains("offset 32"),
        "{msg}"
    );
}
