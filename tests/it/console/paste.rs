//! Hostile input to the real console in tmux: a large bracketed paste is never taken as keys
//! (outside a field it is ignored, into a field it is cut to 4 KiB), `q` still quits after it,
//! and closing the terminal after it ends the process.

use std::time::Duration;

use crate::common::Env;
use crate::common::sshd::eventually;
use crate::common::tmux::{Tmux, console, console_env, first_line};

/// `bytes` of a compose file pasted by mistake: letters that are console keys (`a` add, `d`
/// deploy, `x` exec, `e` edit, `:` palette ...), line breaks, never a `q`.
fn compose_text(bytes: usize) -> String {
    let chunk = "services:\n  api:\n    image: example/api:1\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n";
    chunk.repeat(bytes / chunk.len() + 1)[..bytes].to_string()
}

/// Pastes `text` into the pane as a bracketed paste (when the console asked for it).
fn paste(tmux: &Tmux, env: &Env, text: &str) {
    let file = env.dir.path().join("paste.txt");
    std::fs::write(&file, text).unwrap();
    let st = tmux
        .cmd()
        .args(["load-buffer", file.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    let st = tmux
        .cmd()
        .args(["paste-buffer", "-p", "-t", "e2e"])
        .status()
        .unwrap();
    assert!(st.success());
}

/// A context with one target.
fn state() -> Env {
    let e = Env::new();
    e.init("c", "oss-demo");
    e.add_target("c", "edge-a", "192.0.2.10");
    e
}

#[test]
fn a_large_paste_is_never_taken_as_keys_and_q_still_quits() {
    let env = state();
    let audit = env.ctx_dir("c").join("events/audit.jsonl");
    let before = std::fs::read(&audit).unwrap_or_default();
    let tmux = console(&env, env.root.to_str().unwrap(), 140, 40);
    tmux.wait_for("the banner", |s| first_line(s).contains("OSS-DEMO"));
    // outside a field: ignored, said so, nothing opened or run
    paste(&tmux, &env, &compose_text(100 * 1024));
    let screen = tmux.wait_for("the paste notice", |s| s.contains("paste ignored"));
    assert!(!screen.contains("Add a target"), "{screen}");
    // into the palette: the first 4 KiB, on one line, the rest dropped with a notice
    tmux.send(":");
    tmux.wait_for("the palette", |s| s.contains("command (Enter run"));
    paste(&tmux, &env, &compose_text(12 * 1024));
    let dropped = format!("{} bytes dropped", 12 * 1024 - 4096);
    let screen = tmux.wait_for("the cut notice and the line kept", |s| {
        s.contains("cut to 4 KiB") && s.contains("services:   api:") && s.contains(&dropped)
    });
    assert!(screen.contains("services:   api:"), "{screen}");
    assert!(
        screen.contains(&format!("{} bytes dropped", 12 * 1024 - 4096)),
        "{screen}"
    );
    tmux.escape_from("command (Enter run");
    tmux.send("q");
    let screen = tmux.wait_for("exit", exited);
    assert!(screen.contains("PAASDECK-EXITED 0"), "{screen}");
    assert_eq!(
        std::fs::read(&audit).unwrap_or_default(),
        before,
        "the paste ran a command"
    );
}

/// Whether the shell has printed the console's exit status (the whole line, not half of it).
fn exited(s: &str) -> bool {
    s.lines().any(|l| {
        l.trim()
            .strip_prefix("PAASDECK-EXITED ")
            .is_some_and(|code| !code.is_empty())
    })
}

/// The console process under the pane's shell.
fn console_pid(tmux: &Tmux) -> String {
    let mut pid = String::new();
    assert!(
        eventually(Duration::from_secs(30), || {
            let out = tmux
                .cmd()
                .args(["display", "-p", "-t", "e2e", "#{pane_pid}"])
                .output()
                .unwrap();
            let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let out = std::process::Command::new("pgrep")
                .args(["-P", &shell, "paasdeck"])
                .output()
                .unwrap();
            pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
            !pid.is_empty()
        }),
        "no console process"
    );
    pid
}

/// Gone, or a zombie waiting for a parent that is gone too.
fn ended(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn closing_the_terminal_after_a_large_paste_ends_the_console() {
    let env = state();
    let shell = format!(
        "cd {} && {} --state-root {}; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    let tmux = Tmux::start(console_env(&env), 140, 40, &shell);
    tmux.wait_for("the banner", |s| first_line(s).contains("OSS-DEMO"));
    let pid = console_pid(&tmux);
    paste(&tmux, &env, &"jk\n".repeat(100 * 1024 / 3));
    let st = tmux.cmd().arg("kill-server").status().unwrap();
    assert!(st.success());
    assert!(
        eventually(Duration::from_secs(30), || ended(&pid)),
        "the console {pid} is still running after its terminal closed"
    );
}
