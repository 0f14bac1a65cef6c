//! The responder's console end to end: the real binary in tmux on the All tab while another
//! process's deploy fails in another context; the row and the banner's open incident appear
//! without a key (how fast is bench/console.sh's figure).

use crate::common;

use common::Env;
use common::tmux::{console, fake_docker_bin, first_line};

const COMPOSE: &str = "services:\n  api:\n    image: example/api:1\n";

fn ok(env: &Env, args: &[&str]) {
    let o = env.run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A context with a local target and the app `api` deploying into the test's directory.
fn context_with_app(env: &Env, name: &str, kind: &str) {
    env.init(name, kind);
    ok(
        env,
        &[
            "--context",
            name,
            "target",
            "add",
            "--name",
            "local",
            "--host",
            "127.0.0.1",
            "--user",
            "deploy",
            "--auth-method",
            "local",
        ],
    );
    let remote = env.dir.path().join("remote");
    ok(
        env,
        &[
            "--context",
            name,
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "local",
            "--remote-dir",
            remote.to_str().unwrap(),
        ],
    );
}

#[test]
fn a_deploy_failing_in_another_context_shows_in_the_all_tab_and_the_banner_without_a_key() {
    let env = Env::new();
    std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
    ok(&env, &["vault", "keygen"]);
    context_with_app(&env, "shop", "production");
    context_with_app(&env, "beta", "oss-demo");
    ok(&env, &["context", "use", "shop"]);
    let root = env.root.display().to_string();
    let tmux = console(&env, &root, 160, 40);
    tmux.wait_for("the shop banner", |s| {
        first_line(s).contains("SHOP · PRODUCTION") && s.contains("local")
    });
    tmux.send("0");
    let screen = tmux.wait_for("the All tab and its banner", |s| {
        first_line(s).contains("ALL CONTEXTS · ON-CALL")
            && s.contains("All contexts: events")
            && first_line(s).contains("no open incidents")
    });
    assert!(first_line(&screen).contains("no open incidents"));

    // Another operator's deploy in beta fails on `up`.
    let bin = fake_docker_bin(env.dir.path());
    let state = env.dir.path().join("docker-state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("fail-up"), "").unwrap();
    let o = env
        .cmd()
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("FAKE_DOCKER_STATE", &state)
        .args([
            "--context",
            "beta",
            "deploy",
            "--app",
            "api",
            "--apply",
            "--health-timeout",
            "5s",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    tmux.wait_for("the failed deploy of beta and its incident", |s| {
        let row = s
            .lines()
            .any(|l| l.contains("beta") && l.contains("deploy") && l.contains("failed"));
        row && first_line(s).contains("incidents open: beta 1")
    });
    // the incident is in the Incidents view, in beta
    tmux.send("i");
    tmux.wait_for("the Incidents view", |s| {
        s.contains("Incidents, every context (1 open of 1)")
            && s.lines().any(|l| l.contains("beta") && l.contains("open"))
    });
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}
