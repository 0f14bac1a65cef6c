//! Encrypted secrets on their way to a target, over a real loopback sshd: decrypted in memory,
//! streamed into the remote 0600 `.env`, and nowhere else — not in output, events, logs, state
//! files or any process's argument list. A value that cannot be decrypted stops a deploy or a
//! rollback before any target is touched.

use crate::common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use age::secrecy::ExposeSecret;
use common::sshd::Sshd;
use common::{Env, stderr, stdout};
use serde_json::Value;

const COMPOSE: &str = "services:\n  api:\n    image: example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n";

/// A `shop` context with one target on `sshd` and the app `api`.
fn site(env: &Env, sshd: &Sshd) -> std::path::PathBuf {
    env.init("shop", "production");
    env.add_sshd_target("shop", "edge-a", sshd);
    let remote = env.dir.path().join("remote");
    std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
    env.ok_in(
        "shop",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge-a",
            "--remote-dir",
            remote.to_str().unwrap(),
        ],
    );
    remote
}

fn command(env: &Env, identity: Option<&str>, args: &[&str]) -> Command {
    let mut c = env.cmd();
    c.env("PAASDECK_SSH_CONFIG", "/dev/null");
    if let Some(id) = identity {
        c.env("SI_VAULT_IDENTITY", id);
    }
    c.args(["--json", "--context", "shop"]).args(args);
    c
}

fn set_secret(env: &Env, identity: Option<&str>, name: &str, value: &str) {
    use std::io::Write;
    let mut child = command(
        env,
        identity,
        &["secret", "set", "--app", "api", "--name", name],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

fn run(env: &Env, identity: Option<&str>, args: &[&str]) -> (i32, Value) {
    let o = command(env, identity, args).output().unwrap();
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), doc)
}

#[test]
fn an_encrypted_value_reaches_only_the_remote_env_file() {
    let env = Env::new();
    let sshd = Sshd::start();
    let remote = site(&env, &sshd);
    env.ok(&["vault", "keygen"]);
    let value = "pg://deploy:Vv-7c1f-only-in-dotenv@db/shop";
    set_secret(&env, None, "DATABASE_URL", value);
    let vault = std::fs::read_to_string(env.ctx_dir("shop").join("vault/secrets.env")).unwrap();
    assert!(!vault.contains(value) && vault.contains("=encrypted:si:v2:"));

    // Apply, sampling every process's arguments while it runs: its health check holds it
    // until the samples are in (a gate the test opens), however fast or loaded the machine.
    let gate = env.dir.path().join("health-gate");
    let health = format!("until [ -e {} ]; do sleep 0.05; done", gate.display());
    let mut child = command(
        &env,
        None,
        &[
            "-vv",
            "deploy",
            "--app",
            "api",
            "--apply",
            "--health-cmd",
            &health,
            "--health-timeout",
            "120s",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut s = String::new();
            out.read_to_string(&mut s).unwrap();
            s
        }),
        std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).unwrap();
            s
        }),
    );
    let mut samples = 0;
    let mut argv_seen = String::new();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
        argv_seen.push_str(&String::from_utf8_lossy(&ps.stdout));
        samples += 1;
        if samples == 5 {
            std::fs::write(&gate, "").unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (out, err) = (readers.0.join().unwrap(), readers.1.join().unwrap());
    assert!(status.success(), "{out}{err}");
    assert!(samples >= 5, "ps sampled the deploy only {samples} time(s)");
    assert!(
        argv_seen.contains("deploy --app api --apply"),
        "the samples saw the deploy itself"
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let release = doc["release"].as_str().unwrap();

    // The remote .env holds the decrypted value, 0600 (after the project's name).
    let dotenv = remote.join("shop/api/releases").join(release).join(".env");
    assert_eq!(
        std::fs::read_to_string(&dotenv).unwrap(),
        format!("COMPOSE_PROJECT_NAME='shop-api'\nDATABASE_URL='{value}'\n")
    );
    assert_eq!(
        std::fs::metadata(&dotenv).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Nowhere else: output, argv, events and every state file, the log, the remote docker calls.
    let logs = Env::all_text_under(&env.log_dir());
    assert!(logs.contains("deploy"), "the log was written");
    for (what, text) in [
        ("output", out + &err),
        ("process arguments", argv_seen),
        ("state root", Env::all_text_under(&env.root)),
        ("log files", logs),
        ("remote docker calls", sshd.docker_calls()),
        ("sshd log", sshd.log()),
    ] {
        assert!(!text.contains(value), "the value leaked into the {what}");
        assert!(
            !text.contains("Vv-7c1f"),
            "part of the value leaked into the {what}"
        );
    }
}

#[test]
fn a_value_that_cannot_be_decrypted_stops_deploy_and_rollback_before_any_target() {
    let env = Env::new();
    let sshd = Sshd::start();
    site(&env, &sshd);
    let mine = age::x25519::Identity::generate();
    let mine = mine.to_string().expose_secret().to_string();
    let other = age::x25519::Identity::generate();
    let other = other.to_string().expose_secret().to_string();
    set_secret(&env, Some(&mine), "DATABASE_URL", "the-db-url-value");
    for _ in 0..2 {
        let (code, doc) = run(
            &env,
            Some(&mine),
            &[
                "deploy",
                "--app",
                "api",
                "--apply",
                "--health-timeout",
                "30s",
            ],
        );
        assert_eq!(code, 0, "{doc}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let connections = sshd.accepted();
    let calls = sshd.docker_calls();
    let history = std::fs::read_to_string(env.ctx_dir("shop").join("deployments.json")).unwrap();
    for args in [
        vec!["deploy", "--app", "api", "--apply"],
        vec!["rollback", "--app", "api", "--apply"],
    ] {
        let (code, doc) = run(&env, Some(&other), &args);
        assert_eq!(code, 1, "{doc}");
        let e = &doc["error"];
        assert_eq!(e["code"], "PAAS_VAULT_DECRYPT_FAILED", "{doc}");
        let msg = e["message"].as_str().unwrap();
        assert!(msg.contains("before any target was touched"), "{msg}");
        assert!(
            msg.contains("PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_DATABASE_URL"),
            "{msg}"
        );
        assert!(!doc.to_string().contains("the-db-url-value"));
        assert_eq!(
            sshd.accepted(),
            connections,
            "{args:?} connected to the target"
        );
        assert_eq!(sshd.docker_calls(), calls);
        assert_eq!(
            std::fs::read_to_string(env.ctx_dir("shop").join("deployments.json")).unwrap(),
            history
        );
    }
    // no identity at all: the same stop, naming the fix
    let (code, doc) = run(&env, None, &["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_IDENTITY", "{doc}");
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("vault keygen")
    );
    assert_eq!(sshd.accepted(), connections);
}
