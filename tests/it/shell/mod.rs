//! Interactive shells (SPEC §18) typed into for real in tmux: `target shell` over a loopback
//! sshd, `app shell` through the fake docker's interactive exec, `stage shell` through the
//! incus simulator's; headless and from the console's `s`.

mod console;
mod headless;

use std::path::Path;

use serde_json::Value;

use crate::common::Env;
use crate::common::sshd::Sshd;
use crate::common::tmux::{Tmux, console_env};

/// A tmux session running `paasdeck ARGS` (on the test's state root, ssh config ignored),
/// then saying how it exited.
pub fn headless(env: &Env, args: &str, extra_env: &[(&str, &Path)]) -> Tmux {
    let mut vars = console_env(env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    for (k, v) in extra_env {
        vars.push((k.to_string(), v.display().to_string()));
    }
    let shell = format!(
        "cd {} && {} --state-root {} {args}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    Tmux::start(vars, 220, 30, &shell)
}

/// Types a computation and waits for its answer (the typed text itself never shows `hi-42`).
pub fn type_and_see(tmux: &Tmux) {
    tmux.send("echo hi-$((6*7))");
    tmux.send_key("Enter");
    tmux.wait_for("the shell's answer", |s| s.contains("hi-42"));
}

/// A production context `prod` with target `web` on `sshd`.
pub fn prod_with_target(sshd: &Sshd) -> Env {
    let env = Env::new();
    env.init("prod", "production");
    env.add_sshd_target("prod", "web", sshd);
    env
}

/// The context's audit rows for `command`.
pub fn audit_rows(env: &Env, ctx: &str, command: &str) -> Vec<Value> {
    let text =
        std::fs::read_to_string(env.ctx_dir(ctx).join("events/audit.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["command"] == command)
        .collect()
}

/// The app `api` (one service, `web`) deployed to `prod`'s target `web`; returns the remote
/// root.
pub fn deployed_app(env: &Env) -> std::path::PathBuf {
    let remote = env.dir.path().join("remote");
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  web:\n    image: example/web:1\n",
    )
    .unwrap();
    env.ok_in(
        "prod",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "web",
            "--remote-dir",
            remote.to_str().unwrap(),
        ],
    );
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--context", "prod", "deploy", "--app", "api", "--apply"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        crate::common::stdout(&o),
        crate::common::stderr(&o)
    );
    remote
}
