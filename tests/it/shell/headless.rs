//! The headless shells: the terminal is the shell's until it exits, and its exit code is
//! paasdeck's.

use super::{audit_rows, headless, prod_with_target, type_and_see};
use crate::common::sshd::Sshd;

#[test]
fn target_shell_hands_over_the_terminal_and_returns_the_remote_exit_code() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    let tmux = headless(&env, "--context prod target shell --target web", &[]);
    let screen = tmux.wait_for("the announcement naming host and context", |s| {
        s.contains("target shell on") && s.contains("in context prod")
    });
    assert!(
        screen.contains(&format!("@127.0.0.1:{}", sshd.port)),
        "{screen}"
    );
    type_and_see(&tmux);
    tmux.send("exit 3");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("paasdeck to exit", |s| s.contains("PAASDECK-EXITED"));
    assert!(screen.contains("PAASDECK-EXITED 3"), "{screen}");
    assert!(screen.contains("exited with status 3"), "{screen}");

    // One audit row: host, start and exit code; nothing typed.
    let rows = audit_rows(&env, "prod", "target shell");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let f = &rows[0]["fields"];
    assert_eq!(f["exit_code"], 3, "{f}");
    assert_eq!(f["target"], "web", "{f}");
    assert!(
        f["host"]
            .as_str()
            .unwrap()
            .ends_with(&format!("@127.0.0.1:{}", sshd.port)),
        "{f}"
    );
    assert!(!f["started_at"].as_str().unwrap().is_empty(), "{f}");
    // The shell ran: its exit code is recorded, and is no failure that raises an incident.
    assert_eq!(rows[0]["status"], "succeeded", "{}", rows[0]);
    let incidents = std::fs::read_to_string(env.ctx_dir("prod").join("events/incidents.jsonl"))
        .unwrap_or_default();
    assert!(!incidents.contains("target shell"), "{incidents}");
    let all = std::fs::read_to_string(env.ctx_dir("prod").join("events/audit.jsonl")).unwrap();
    assert!(!all.contains("hi-"), "typed input in the audit log: {all}");
}

#[test]
fn a_read_only_context_refuses_a_shell_before_connecting() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    env.ok(&[
        "context",
        "init",
        "ro",
        "--type",
        "production",
        "--read-only",
    ]);
    let port = sshd.port.to_string();
    env.ok(&[
        "--write",
        "--context",
        "ro",
        "target",
        "add",
        "--name",
        "web",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        &sshd.user,
        "--identity-file",
        sshd.client_key.to_str().unwrap(),
    ]);
    let before = sshd.accepted();
    let (code, doc) = env.json_in("ro", &["target", "shell", "--target", "web"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("read-only") && msg.contains("target shell"),
        "{msg}"
    );
    // No explicit context: refused too, naming the one it would have used.
    let (code, doc) = env.json(&["target", "shell", "--target", "web"]);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("explicit --context"),
        "{doc:#}"
    );
    assert_eq!(sshd.accepted(), before, "a refused shell connected");
}

#[test]
fn app_shell_runs_compose_exec_with_a_terminal_in_the_release_directory() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    let remote = super::deployed_app(&env);
    let tmux = headless(&env, "--context prod app shell --app api", &[]);
    tmux.wait_for("the announcement", |s| {
        s.contains("app shell on") && s.contains("service web") && s.contains("context prod")
    });
    // The fake engine runs the shell for real, saying which service and project it stands for.
    tmux.send("echo in-$FAKE_DOCKER_PROJECT-$FAKE_DOCKER_SERVICE-$((6*7)) at $(pwd)");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("the shell's answer", |s| s.contains("in-prod-api-web-42"));
    let at = format!("{}/prod/api/current", remote.display());
    assert!(
        screen.contains(&at),
        "not in the release directory {at}:\n{screen}"
    );
    tmux.send("exit 4");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("paasdeck to exit", |s| s.contains("PAASDECK-EXITED"));
    assert!(screen.contains("PAASDECK-EXITED 4"), "{screen}");
    // `docker compose exec` with a terminal: no -T.
    let execs = std::fs::read_to_string(sshd.docker_state.join("exec.log")).unwrap();
    assert!(execs.contains("prod-api\tweb sh -c"), "{execs}");
    let calls = sshd.docker_calls();
    let exec = calls.lines().find(|l| l.contains(" exec ")).unwrap();
    assert!(!exec.contains(" -T "), "{exec}");
    let rows = audit_rows(&env, "prod", "app shell");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["fields"]["service"], "web");
    assert_eq!(rows[0]["fields"]["exit_code"], 4);
}

#[test]
fn app_shell_without_service_refuses_an_ambiguous_app_naming_its_services() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    super::deployed_app(&env);
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  web:\n    image: example/web:1\n  worker:\n    image: example/w:1\n",
    )
    .unwrap();
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--context", "prod", "deploy", "--app", "api", "--apply"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let before = sshd.accepted();
    let o = env
        .cmd()
        .args(["--context", "prod", "app", "shell", "--app", "api"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = crate::common::stderr(&o);
    assert!(err.contains("several services (web, worker)"), "{err}");
    assert!(err.contains("--service"), "{err}");
    assert_eq!(sshd.accepted(), before, "connected before refusing");
    // A shell prints no JSON document: --json is refused, naming the command.
    let (code, doc) = env.json_in(
        "prod",
        &["app", "shell", "--app", "api", "--service", "web"],
    );
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`app shell`"),
        "{doc:#}"
    );
}
