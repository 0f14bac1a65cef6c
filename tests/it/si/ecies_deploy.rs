//! A deploy over a real loopback sshd from a vault si wrote in its ECIES scheme (eciespy made
//! the fixture): the values are decrypted in memory with the key of si's keyring and reach only
//! the target's 0600 `.env`; a value encrypted to another key stops the deploy before any
//! target is touched, naming the key.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use super::ecies_fixture::{SCOPE, expected, private_key, si_vault};
use crate::common::sshd::Sshd;
use crate::common::{Env, stderr, stdout};

const COMPOSE: &str = "services:\n  api:\n    image: example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      API_TOKEN: ${API_TOKEN}\n      LEGACY_SPELLING: ${LEGACY_SPELLING}\n";

fn deploy(env: &Env) -> (i32, Value, String) {
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args([
            "--json",
            "--context",
            "shop",
            "-vv",
            "deploy",
            "--app",
            "api",
        ])
        .args(["--apply", "--health-timeout", "30s"])
        .output()
        .unwrap();
    let all = stdout(&o) + &stderr(&o);
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}\n{all}"));
    (o.status.code().unwrap(), doc, all)
}

#[test]
fn a_deploy_streams_si_ecies_values_decrypted_with_the_keyring_key_to_the_target_only() {
    let env = Env::new();
    let sshd = Sshd::start();
    si_vault(&env);
    env.add_sshd_target("shop", "edge-a", &sshd);
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
    // No age identity anywhere: si's keyring is all it takes.
    let (code, doc, out) = deploy(&env);
    assert_eq!(code, 0, "{out}");
    let release = doc["release"].as_str().unwrap();
    let dotenv = remote.join("shop/api/releases").join(release).join(".env");
    let text = std::fs::read_to_string(&dotenv).unwrap();
    for name in ["DATABASE_URL", "API_TOKEN", "LEGACY_SPELLING"] {
        let line = format!("{name}='{}'\n", expected(name));
        assert!(text.contains(&line), "{name} in {text}");
    }
    assert_eq!(
        std::fs::metadata(&dotenv).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let logs = Env::all_text_under(&env.log_dir());
    for (what, text) in [
        ("output", out),
        ("state root", Env::all_text_under(&env.root)),
        ("log files", logs),
        ("remote docker calls", sshd.docker_calls()),
        ("sshd log", sshd.log()),
    ] {
        for name in ["DATABASE_URL", "API_TOKEN"] {
            assert!(
                !text.contains(&expected(name)),
                "{name}'s value leaked into the {what}"
            );
        }
        assert!(
            !text.contains(&private_key()),
            "the key leaked into the {what}"
        );
    }

    // A value si encrypted to another key: stopped before any target, naming the key.
    let compose = format!("{COMPOSE}      OTHER_KEY: ${{OTHER_KEY}}\n");
    std::fs::write(env.work.join("compose.yaml"), compose).unwrap();
    let connections = sshd.accepted();
    let calls = sshd.docker_calls();
    let (code, doc, out) = deploy(&env);
    assert_eq!(code, 1, "{out}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_DECRYPT_FAILED", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{SCOPE}OTHER_KEY")), "{msg}");
    assert!(msg.contains("before any target was touched"), "{msg}");
    assert!(!out.contains("not-for-this-key"));
    assert_eq!(sshd.accepted(), connections, "the deploy connected");
    assert_eq!(sshd.docker_calls(), calls);
}
