//! A new operator's first run, entirely in the console: an empty state root, a context, a
//! target on a real loopback sshd checked, an app, the vault identity, a secret, a deploy and
//! its logs — keys only, no headless command in between.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::Env;
use crate::common::sshd::Sshd;
use crate::common::tmux::{Tmux, console_env, first_line};

const SECRET: &str = "hunter2-first-run";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Waits (generously) until `path` exists.
fn wait_exists(path: &Path) -> bool {
    crate::common::sshd::eventually(Duration::from_secs(30), || path.exists())
}

/// Waits (generously) until `path` holds what `cond` looks for; returns its text.
fn wait_file(path: &Path, what: &str, cond: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = read(path);
        if cond(&text) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what} in {}: {text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Types into the focused form field, replacing what it holds.
fn retype(tmux: &Tmux, text: &str) {
    for _ in 0..8 {
        tmux.send_key("BSpace");
    }
    tmux.send(text);
}

#[test]
fn a_new_operator_gets_from_an_empty_root_to_a_deployed_app_in_the_console() {
    let sshd = Sshd::start();
    let env = Env::new();
    let root = env.dir.path().join("first-root");
    let compose = env.work.join("web.yaml");
    std::fs::write(
        &compose,
        "services:\n  web:\n    image: nginx\n    environment:\n      DB_URL: ${DB_URL}\n",
    )
    .unwrap();
    let mut vars = console_env(&env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        root.display()
    );
    // The smallest terminal the console is made for.
    let tmux = Tmux::start(vars, 80, 24, &shell);
    let ctx = root.join("contexts/first");

    // The empty screen's hint: I creates the first context.
    tmux.wait_for("the empty root", |s| first_line(s).contains("NO CONTEXTS"));
    tmux.send("I");
    tmux.wait_for("the context form", |s| s.contains("Create a context"));
    tmux.send("first");
    for _ in 0..5 {
        tmux.send_key("Enter");
    }
    tmux.wait_for("the confirmation", |s| {
        s.contains("Confirm in") && s.contains("context init")
    });
    tmux.send("y");
    tmux.wait_for("the new context's tab, saying so", |s| {
        first_line(s).contains("FIRST · INTERNAL-DOGFOOD")
            && s.contains("context first created (type internal-dogfood)")
    });
    wait_exists(&ctx.join("config.json"));
    assert!(ctx.join("config.json").is_file(), "the context was created");

    // A target on the loopback sshd, added through the form, then checked.
    tmux.send("a");
    tmux.wait_for("the target form", |s| s.contains("Add a target to first"));
    tmux.send("edge");
    tmux.send_key("Tab");
    tmux.send("127.0.0.1");
    tmux.send_key("Tab");
    tmux.send(&sshd.user);
    tmux.send_key("Tab");
    retype(&tmux, &sshd.port.to_string());
    tmux.send_key("Tab");
    tmux.send_key("Tab");
    tmux.send(sshd.client_key.to_str().unwrap());
    tmux.send_key("Enter");
    tmux.send_key("Enter");
    tmux.wait_for("the target confirmation", |s| {
        s.contains("Confirm in") && s.contains("target add")
    });
    tmux.send("y");
    wait_file(&ctx.join("targets.json"), "the target", |t| {
        t.contains("\"edge\"") && t.contains(&sshd.port.to_string())
    });
    tmux.wait_for("edge in the Targets pane", |s| s.contains("edge"));
    tmux.send("c");
    tmux.wait_for("the check", |s| s.contains("[ok]   edge"));

    // An app, registered in the Apps pane.
    tmux.send_key("Tab");
    tmux.send("a");
    tmux.wait_for("the app form", |s| s.contains("Register an app in first"));
    tmux.send("web");
    tmux.send_key("Tab");
    tmux.send(compose.to_str().unwrap());
    tmux.send_key("Tab");
    tmux.send(" ");
    for _ in 0..5 {
        tmux.send_key("Enter");
    }
    tmux.wait_for("the app confirmation", |s| {
        s.contains("Confirm in") && s.contains("app add")
    });
    tmux.send("y");
    wait_file(&ctx.join("apps.json"), "the app", |t| t.contains("\"web\""));

    // A secret: no vault identity yet, so the console offers to create one first.
    tmux.wait_for("web in the Apps pane", |s| s.contains("web"));
    tmux.send("S");
    tmux.wait_for("the secret form", |s| s.contains("Set a secret in first"));
    tmux.send_key("Tab");
    tmux.send("DB_URL");
    tmux.send_key("Tab");
    tmux.send_key("Tab");
    tmux.send(SECRET);
    tmux.send_key("Enter");
    let screen = tmux.wait_for("the identity offer, naming its file", |s| {
        s.contains("no vault identity; create one now at") && s.contains("identity.txt")
    });
    let identity = env.home.join(".config/paasdeck/identity.txt");
    assert!(
        screen.contains("identity.txt"),
        "the offer names the file: {screen}"
    );
    tmux.send("y");
    let screen = tmux.wait_for("the secret form back, with the identity made", |s| {
        s.contains("Set a secret in first")
            && s.contains("created your identity at")
            && s.contains("DB_URL")
    });
    assert!(
        screen.contains("DB_URL"),
        "the name typed is kept: {screen}"
    );
    wait_exists(&identity);
    assert!(identity.is_file(), "the identity was written");
    tmux.send_key("Enter");
    tmux.wait_for("the secret confirmation", |s| {
        s.contains("Confirm in") && s.contains("secret set")
    });
    tmux.send("y");
    let vault = wait_file(&ctx.join("vault/secrets.env"), "the secret", |t| {
        t.contains("DB_URL")
    });
    assert!(!vault.contains(SECRET), "the value is encrypted: {vault}");
    assert!(vault.contains("encrypted:"), "{vault}");

    // Deploy: the plan, y, the release; then its logs.
    tmux.send("d");
    tmux.wait_for("the deploy plan", |s| {
        s.contains("Confirm in") && s.contains("deploy web release")
    });
    tmux.send("y");
    // (at 80x24 the Apps pane keeps its LAST DEPLOY column)
    tmux.wait_for("the deploy", |s| s.contains("web succeeded"));
    let deployments = wait_file(&ctx.join("deployments.json"), "the release", |t| {
        t.contains("\"web\"") && t.contains("current_release")
    });
    let d: serde_json::Value = serde_json::from_str(&deployments).unwrap();
    let release = d["apps"]["web"]["current_release"].as_str().unwrap();
    assert!(release.starts_with("rel-"), "{deployments}");
    tmux.send("l");
    tmux.wait_for("the logs", |s| s.contains("listening on :8080"));
    tmux.send_key("C-c");
    let screen = tmux.wait_for("the logs task to stop", |s| {
        s.contains("logs web — cancelled")
    });
    for hidden in [SECRET, "AGE-SECRET-KEY"] {
        assert!(!screen.contains(hidden), "{hidden} on screen: {screen}");
    }
    tmux.send("q");
    let screen = tmux.wait_for("exit or the quit question", |s| {
        s.contains("PAASDECK-EXITED") || s.contains("Quit and cancel them?")
    });
    if !screen.contains("PAASDECK-EXITED") {
        tmux.send("y");
    }
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn vault_keygen_in_the_palette_shows_the_file_and_recipient_never_the_key() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    let tmux = Tmux::start(console_env(&env), 120, 40, &shell);
    tmux.wait_for("the banner", |s| first_line(s).contains("C · OSS-DEMO"));
    tmux.send(":");
    tmux.send("vault keygen");
    tmux.send_key("Enter");
    let identity = env.home.join(".config/paasdeck/identity.txt");
    let screen = tmux.wait_for("the keygen view", |s| {
        s.contains("vault identity")
            && s.contains("recipient: age1")
            && s.contains("created your identity at")
            && s.contains("identity.txt")
    });
    assert!(
        screen.contains("created your identity at") && screen.contains("identity.txt"),
        "{screen}"
    );
    assert!(!screen.contains("AGE-SECRET-KEY"), "{screen}");
    let key = wait_file(&identity, "the identity", |t| {
        t.contains("AGE-SECRET-KEY-1")
    });
    assert!(key.contains("AGE-SECRET-KEY-1"), "the identity was written");
    // the audit row names the recipient, never the key
    let audit = wait_file(
        &env.ctx_dir("c").join("events/audit.jsonl"),
        "the audit",
        |t| t.contains("\"command\":\"vault keygen\""),
    );
    assert!(!audit.contains("AGE-SECRET-KEY"), "{audit}");
    tmux.escape_from("vault identity");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}
