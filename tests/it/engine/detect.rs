//! Compose is detected once per target: a deploy's many compose commands ask the target which
//! Compose it has once, and the Targets pane says which targets run the simulated engine.

use crate::common::Env;
use crate::common::sshd::Sshd;

#[test]
fn a_deploy_asks_the_target_for_its_compose_once() {
    let env = Env::new();
    env.init("shop", "production");
    let sshd = Sshd::start();
    env.add_sshd_target("shop", "edge", &sshd);
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  api:\n    image: example/api:1\n  worker:\n    image: example/worker:1\n",
    )
    .unwrap();
    let remote = env.dir.path().join("remote");
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
            "edge",
            "--remote-dir",
            remote.to_str().unwrap(),
        ],
    );
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--context", "shop", "deploy", "--app", "api", "--apply"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calls = sshd.docker_calls();
    let asked = calls
        .lines()
        .filter(|l| l.ends_with("\tcompose version"))
        .count();
    let composed = calls
        .lines()
        .filter(|l| l.contains("\tcompose -p "))
        .count();
    assert_eq!(asked, 1, "{calls}");
    assert!(composed >= 2, "pull and up at least: {calls}");
}

#[test]
fn the_targets_pane_says_which_targets_run_the_simulated_engine() {
    use crate::common::tmux::{console, seed_demo};
    let env = Env::new();
    let root = seed_demo(&env);
    let tmux = console(&env, &root, 150, 46);
    let screen = tmux.wait_for("the demo's targets", |s| {
        s.contains("demo-local") && s.contains("demo-vps")
    });
    let local = screen
        .lines()
        .find(|l| l.contains("demo-local"))
        .unwrap_or_default();
    assert!(local.contains("local simulated"), "{screen}");
    let vps = screen
        .lines()
        .find(|l| l.contains("demo-vps"))
        .unwrap_or_default();
    assert!(!vps.contains("simulated"), "{screen}");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}
