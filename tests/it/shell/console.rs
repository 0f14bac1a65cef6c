//! `s` in the console: the confirmation names host and context, the console leaves its
//! screen for the shell, its tasks keep running meanwhile, and it comes back drawn whole with
//! the exit code shown.

use super::{audit_rows, prod_with_target, type_and_see};
use crate::common::Env;
use crate::common::sshd::Sshd;
use crate::common::tmux::{Tmux, console_env, first_line};

/// The console on the test's state root, ssh config ignored.
pub fn console(env: &Env) -> Tmux {
    let mut vars = console_env(env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    Tmux::start(vars, 160, 40, &shell)
}

/// Answers a production dialog: the context's name, then Enter.
fn confirm_by_name(tmux: &Tmux, ctx: &str) {
    tmux.send(ctx);
    tmux.send_key("Enter");
}

#[test]
fn s_on_a_target_opens_its_shell_while_tasks_run_and_comes_back_with_the_exit_code() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    let dir = env.dir.path();
    let (go, done) = (dir.join("go"), dir.join("done"));
    let tmux = console(&env);
    tmux.wait_for("the prod banner and its target", |s| {
        first_line(s).contains("PROD · PRODUCTION") && s.contains("web")
    });

    // A task that finishes only once the shell has started something: it must run while the
    // shell has the terminal.
    tmux.send(":");
    tmux.send(&format!(
        "target exec --targets web -- 'while [ ! -e {g} ]; do sleep 0.1; done; touch {d}'",
        g = go.display(),
        d = done.display()
    ));
    tmux.send_key("Enter");
    tmux.wait_for("the exec dialog", |s| s.contains("target exec"));
    confirm_by_name(&tmux, "prod");
    tmux.wait_for("the exec task", |s| s.contains("exec on web"));

    tmux.send("s");
    let dialog = tmux.wait_for("the shell's dialog", |s| {
        s.contains("target shell") && s.contains("in context prod")
    });
    assert!(
        dialog.contains(&format!("127.0.0.1:{}", sshd.port)),
        "the dialog names the host:\n{dialog}"
    );
    confirm_by_name(&tmux, "prod");
    tmux.wait_for("the shell on the main screen", |s| {
        s.contains("target shell on") && s.contains("in context prod")
    });
    assert!(!tmux.alternate_on(), "the console left its screen");
    type_and_see(&tmux);
    tmux.send(&format!(
        "touch {}; while [ ! -e {} ]; do sleep 0.1; done; echo task-went-$((40+2))",
        go.display(),
        done.display()
    ));
    tmux.send_key("Enter");
    tmux.wait_for("the task to finish while the shell runs", |s| {
        s.contains("task-went-42")
    });
    tmux.send("exit 7");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("the console back, with the exit code", |s| {
        first_line(s).contains("PROD · PRODUCTION") && s.contains("exited with status 7")
    });
    assert!(tmux.alternate_on(), "{screen}");
    assert!(!screen.contains("hi-42"), "not redrawn whole:\n{screen}");

    // The console takes keys again.
    tmux.send("?");
    tmux.wait_for("help", |s| {
        s.contains("a shell on the selected target, app")
    });
    tmux.escape_from("a shell on the selected target, app");

    let rows = audit_rows(&env, "prod", "target shell");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["fields"]["exit_code"], 7);
    assert_eq!(rows[0]["fields"]["frontend"], "console");
    assert_eq!(rows[0]["fields"]["target"], "web");
    let all = std::fs::read_to_string(env.ctx_dir("prod").join("events/audit.jsonl")).unwrap();
    assert!(!all.contains("hi-"), "typed input in the audit log");

    tmux.send("q");
    tmux.wait_for("the console to quit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn s_in_a_read_only_context_is_refused_without_connecting() {
    let sshd = Sshd::start();
    let env = Env::new();
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
    let tmux = console(&env);
    tmux.wait_for("the ro banner and its target", |s| {
        first_line(s).contains("RO · PRODUCTION") && s.contains("web")
    });
    tmux.send("s");
    let screen = tmux.wait_for("the refusal", |s| s.contains("refused:"));
    assert!(
        screen.contains("read-only") && screen.contains("target shell"),
        "{screen}"
    );
    assert!(tmux.alternate_on());
    let rows = audit_rows(&env, "ro", "target shell");
    assert_eq!(rows.len(), 1, "the refusal is audited: {rows:?}");
    assert_eq!(rows[0]["status"], "failed");
    assert_eq!(sshd.accepted(), 0, "a refused shell connected");
}

#[test]
fn s_on_an_app_opens_a_shell_in_its_service_and_comes_back() {
    let sshd = Sshd::start();
    let env = prod_with_target(&sshd);
    super::deployed_app(&env);
    let tmux = console(&env);
    tmux.wait_for("the prod banner and its app", |s| {
        first_line(s).contains("PROD · PRODUCTION") && s.contains("api")
    });
    tmux.send_key("Tab");
    tmux.send("s");
    let dialog = tmux.wait_for("the shell's dialog", |s| {
        s.contains("app shell") && s.contains("in context prod")
    });
    assert!(
        dialog.contains(&format!("127.0.0.1:{}", sshd.port)),
        "{dialog}"
    );
    confirm_by_name(&tmux, "prod");
    tmux.wait_for("the shell", |s| {
        s.contains("app shell on") && s.contains("service web")
    });
    tmux.send("echo in-$FAKE_DOCKER_PROJECT-$FAKE_DOCKER_SERVICE-$((6*7))");
    tmux.send_key("Enter");
    tmux.wait_for("the service's answer", |s| s.contains("in-prod-api-web-42"));
    tmux.send("exit 2");
    tmux.send_key("Enter");
    tmux.wait_for("the console back, with the exit code", |s| {
        first_line(s).contains("PROD · PRODUCTION") && s.contains("exited with status 2")
    });
    assert!(tmux.alternate_on());
    let rows = audit_rows(&env, "prod", "app shell");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["fields"]["service"], "web");
    assert_eq!(rows[0]["fields"]["exit_code"], 2);
}
