//! End to end: the real binary in tmux. Open the demo, switch context and see the banner
//! change colour, open help, run a target check on a local target and see its output in the
//! task pane, get a destructive action refused in a read-only context, quit and find the
//! terminal restored.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::Env;
use common::tmux::{Tmux, add_target_elsewhere, console, console_env, first_line, seed_demo};

#[test]
fn demo_console_end_to_end() {
    let env = Env::new();
    let root = seed_demo(&env);
    let tmux = console(&env, &root, 140, 42);

    // The demo opens on oss-demo: a green banner spelling the context.
    // (a capture can catch a frame half drawn: wait for the banner and the panes)
    tmux.wait_for("the oss-demo banner and its targets", |s| {
        s.contains("OSS-DEMO · OSS-DEMO") && s.contains("demo-local")
    });
    assert!(tmux.alternate_on());
    let coloured = tmux.capture(true);
    assert!(
        first_line(&coloured).contains("48;5;2"),
        "banner not green: {:?}",
        first_line(&coloured)
    );

    // Switch to internal-dogfood: the banner changes text and colour.
    tmux.send("1");
    // (wait for this context's own target too, so the panes are drawn, not only the banner)
    let screen = tmux.wait_for("the internal-dogfood banner and its targets", |s| {
        first_line(s).contains("INTERNAL-DOGFOOD · INTERNAL-DOGFOOD") && s.contains("dogfood-local")
    });
    let coloured = tmux.capture(true);
    assert!(
        first_line(&coloured).contains("48;5;5"),
        "banner not magenta: {:?}",
        first_line(&coloured)
    );
    assert!(
        !screen.contains("demo-local"),
        "the other context's targets are gone"
    );

    // Another process changes this context: the panes follow without a keypress.
    add_target_elsewhere(&env, &root, "internal-dogfood", "late-edge", "203.0.113.99");
    // One condition for all three, so a capture of a half-drawn frame cannot pass it.
    let screen = tmux.wait_for("the new target, its address and its event", |s| {
        s.contains("late-edge")
            && s.contains("deploy@203.0.113.99:22")
            && s.lines()
                .any(|l| l.contains("target add") && l.contains("name=late"))
    });
    assert!(screen.contains("deploy@203.0.113.99:22"), "{screen}");

    // A tab shows current state when it is visited again, not what it showed last time.
    tmux.send("2");
    tmux.wait_for("the oss-demo banner", |s| {
        first_line(s).contains("OSS-DEMO · OSS-DEMO")
    });
    add_target_elsewhere(
        &env,
        &root,
        "internal-dogfood",
        "while-away",
        "203.0.113.98",
    );
    tmux.send("1");
    tmux.wait_for("the target added while the tab was away", |s| {
        first_line(s).contains("INTERNAL-DOGFOOD") && s.contains("while-away")
    });

    // Help opens and closes.
    tmux.send("?");
    tmux.wait_for("help", |s| {
        s.contains("NAVIGATION") && s.contains("show this help")
    });
    tmux.send_key("Escape");
    tmux.wait_for("help to close", |s| !s.contains("NAVIGATION"));

    // Check the selected local target; its output streams into the task pane.
    tmux.send("c");
    let screen = tmux.wait_for("the check output, its facts and its task", |s| {
        s.contains("[ok]   dogfood-local")
            && (s.contains("ssh ok · arch amd64") || s.contains("ssh ok · arch arm64"))
            && s.contains("check dogfood-local")
    });
    assert!(
        screen.contains("ssh ok · arch amd64") || screen.contains("ssh ok · arch arm64"),
        "{screen}"
    );
    assert!(screen.contains("check dogfood-local"), "{screen}");

    // Staging is read-only: removing a target is refused, and says why.
    tmux.send("3");
    tmux.wait_for("the staging banner", |s| {
        first_line(s).contains("STAGING · STAGING") && first_line(s).contains("READ-ONLY")
    });
    tmux.send("D");
    tmux.wait_for("the refusal", |s| {
        s.contains("refused: context \"staging\" is read-only")
    });
    let targets =
        std::fs::read_to_string(Path::new(&root).join("contexts/staging/targets.json")).unwrap();
    assert!(
        targets.contains("staging-local"),
        "the target must still be there"
    );
    // The refusal's audit row is written beside the message, not necessarily before it.
    let audit = Path::new(&root).join("contexts/staging/events/audit.jsonl");
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            std::fs::read_to_string(&audit).is_ok_and(|a| {
                a.lines().any(|l| {
                    l.contains("\"command\":\"target remove\"")
                        && l.contains("\"status\":\"failed\"")
                })
            })
        }),
        "no failed target remove in the audit"
    );

    // Logging at trace level goes to the log file, never to the screen.
    let screen = tmux.capture(false);
    for marker in [" TRACE ", " DEBUG ", " INFO ", " WARN ", "paasdeck::"] {
        assert!(
            !screen.contains(marker),
            "a log line reached the screen: {screen}"
        );
    }
    // The log is written by its own thread: wait for the line rather than race it.
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            common::Env::all_text_under(&env.log_dir()).contains("first frame")
        }),
        "the log file has the console's lines"
    );

    // Quit: the shell gets its screen back.
    tmux.send("q");
    let screen = tmux.wait_for("paasdeck to exit", exited);
    assert!(screen.contains("PAASDECK-EXITED 0"), "{screen}");
    assert!(!tmux.alternate_on(), "still on the alternate screen");
    let dogfood = Path::new(&root).join("contexts/internal-dogfood/events/audit.jsonl");
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            std::fs::read_to_string(&dogfood).is_ok_and(|a| {
                a.lines().any(|l| {
                    l.contains("\"command\":\"target check\"")
                        && l.contains("\"frontend\":\"console\"")
                })
            })
        }),
        "no console target check in the audit"
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

#[test]
fn console_deploys_follows_logs_and_rolls_back() {
    let env = Env::new();
    let root = seed_demo(&env);
    // The demo's local target runs the simulated engine shipped in the demo directory.
    let docker_state = env.dir.path().join("demo/engine/engine-state");
    let tmux = console(&env, &root, 150, 46);
    // A deploy is refused until the context's first doctor run has finished.
    tmux.wait_for("the oss-demo banner and its doctor", |s| {
        s.contains("OSS-DEMO · OSS-DEMO") && s.contains("doctor ok")
    });
    let history = || -> serde_json::Value {
        let d: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(Path::new(&root).join("contexts/oss-demo/deployments.json"))
                .unwrap(),
        )
        .unwrap();
        d["apps"]["api"].clone()
    };
    let before = history()["current_release"].as_str().unwrap().to_string();

    // A deploy is never one keystroke: even in oss-demo (confirm none) the plan is shown and
    // waits for y; then a task per target.
    tmux.send_key("Tab");
    tmux.send("d");
    // (a capture can catch a frame half drawn: wait for the whole dialog)
    tmux.wait_for("the deploy plan", |s| {
        s.contains("Confirm in")
            && s.contains("deploy api release")
            && s.contains("health: every service running")
    });
    assert!(
        history()["current_release"] == before.as_str(),
        "nothing before y"
    );
    tmux.send("y");
    // The deploy task's own log shows the target's progress, and its status line.
    let screen = tmux.wait_for("the deploy to finish", |s| {
        s.contains("is now the current release of api")
            && s.contains("demo-local: ok")
            && s.contains("demo-local | » docker compose up -d")
            && s.contains("#2 demo-local: deploy api")
    });
    drop(screen);
    // The history is written as the deploy ends, not necessarily before its lines are drawn.
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            history()["current_release"] != before.as_str()
        }),
        "the deploy recorded no new release"
    );
    let first = history()["current_release"].as_str().unwrap().to_string();
    assert_ne!(first, before);
    let release = docker_state.join("projects/oss-demo-api/release");
    let running = || std::fs::read_to_string(&release).unwrap_or_default();
    common::sshd::eventually(Duration::from_secs(30), || running().trim() == first);
    assert_eq!(running().trim(), first);

    // logs follow in a task until cancelled
    tmux.send("L");
    tmux.wait_for("log lines", |s| s.contains("listening on :8080"));
    tmux.send_key("C-c");
    tmux.wait_for("the logs task to stop", |s| {
        s.contains("stopped") || s.contains("cancelled")
    });

    // a second deploy, then roll back: the dialog shows from → to, and No is the default
    tmux.send("d");
    tmux.wait_for("the second plan", |s| s.contains("Confirm in"));
    tmux.send("y");
    tmux.wait_for("the second deploy", |s| {
        s.matches("is now the current release of api").count() >= 1 && s.contains("demo-local: ok")
    });
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            history()["current_release"] != first.as_str()
        }),
        "the second deploy recorded no new release"
    );
    let second = history()["current_release"].as_str().unwrap().to_string();
    tmux.send("R");
    let from_to = format!("{second} → {first}");
    let screen = tmux.wait_for("the rollback dialog", |s| {
        s.contains("Confirm in") && s.contains("roll api back") && s.contains(&from_to)
    });
    assert!(screen.contains(&format!("{second} → {first}")), "{screen}");
    tmux.send("y");
    tmux.wait_for("the rollback", |s| {
        s.contains(&format!("{first} is now the current release of api"))
    });
    common::sshd::eventually(Duration::from_secs(30), || {
        history()["current_release"] == first.as_str()
    });
    assert_eq!(history()["current_release"], first.as_str());
    common::sshd::eventually(Duration::from_secs(30), || running().trim() == first);
    assert_eq!(running().trim(), first);
    let deploys = Path::new(&root).join("contexts/oss-demo/events/deployments.jsonl");
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || {
            std::fs::read_to_string(&deploys).is_ok_and(|d| {
                d.lines().any(|l| {
                    l.contains("\"command\":\"rollback\"") && l.contains("\"status\":\"succeeded\"")
                })
            })
        }),
        "no succeeded rollback in the deployments log"
    );

    // The doctor is checked fresh before an apply: a row naming another context, written
    // while the plan waits for `y`, fails it. (Written before `d`, the state root's watch may
    // refresh the doctor first and `d` is refused at once: the order is not the test's to pick.)
    tmux.send("d");
    tmux.wait_for("the third plan", |s| s.contains("Confirm in"));
    let alerts = Path::new(&root).join("contexts/oss-demo/events/alerts.jsonl");
    let mut rows = std::fs::read_to_string(&alerts).unwrap_or_default();
    rows.push_str("{\"context\":\"someone-else\",\"command\":\"x\",\"severity\":\"info\",\"status\":\"sent\",\"message\":\"stray\"}\n");
    std::fs::write(&alerts, rows).unwrap();
    tmux.send("y");
    tmux.wait_for("the doctor to refuse the apply", |s| {
        s.contains("PAAS_DOCTOR_BLOCKED") && s.contains("events_context_consistency")
    });
    assert_eq!(
        history()["current_release"],
        first.as_str(),
        "nothing was deployed"
    );
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn console_on_a_corrupt_state_shows_the_error_and_keeps_running() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_target("c", "a", "a.example");
    std::fs::write(env.ctx_dir("c").join("targets.json"), "{\"targets\": [").unwrap();
    let tmux = console(&env, env.root.to_str().unwrap(), 120, 30);
    let screen = tmux.wait_for("the banner error and its code", |s| {
        first_line(s).contains("STATE ERROR") && first_line(s).contains("PAAS_STATE_CORRUPT")
    });
    assert!(
        first_line(&screen).contains("PAAS_STATE_CORRUPT"),
        "{screen}"
    );
    // Resizing down to the minimum and below never crashes.
    let _ = tmux
        .cmd()
        .args(["resize-window", "-t", "e2e", "-x", "30", "-y", "8"])
        .status();
    tmux.wait_for("the too-small notice", |s| s.contains("terminal too small"));
    let _ = tmux
        .cmd()
        .args(["resize-window", "-t", "e2e", "-x", "120", "-y", "30"])
        .status();
    tmux.wait_for("the console again", |s| {
        first_line(s).contains("STATE ERROR")
    });
    tmux.send("q");
    let screen = tmux.wait_for("exit", exited);
    assert!(screen.contains("PAASDECK-EXITED 0"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(env.ctx_dir("c").join("targets.json")).unwrap(),
        "{\"targets\": ["
    );
}

/// The pane's terminal modes as tmux sees them: alternate screen, cursor shown, mouse
/// reporting.
fn pane_flags(tmux: &Tmux) -> String {
    let out = tmux
        .cmd()
        .args([
            "display",
            "-p",
            "-t",
            "e2e",
            "alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag}#{mouse_standard_flag}#{mouse_sgr_flag}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Starts a long task in the demo console, sends the console `signal`, and checks that it
/// quit cleanly: exit 0, the task's process stopped, and the terminal back in its normal modes
/// (main screen, cursor shown, no mouse reporting, cooked mode with echo, as `stty` reports it
/// from the shell afterwards).
fn signal_stops_running_tasks_and_restores_the_terminal(signal: &str, marker: &str) {
    let env = Env::new();
    let root = seed_demo(&env);
    let shell = format!(
        "cd {} && {} -vv --state-root {root}; echo PAASDECK-EXITED $?; echo TTY $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig|icrnl|opost)$' | tr '\\n' ' ') END; sleep 60",
        env.work.display(),
        Env::bin().display()
    );
    let tmux = Tmux::start(console_env(&env), 140, 42, &shell);
    tmux.wait_for("the oss-demo banner", |s| s.contains("OSS-DEMO · OSS-DEMO"));
    // The cursor is hidden right after the first frame is flushed.
    common::sshd::eventually(Duration::from_secs(30), || {
        pane_flags(&tmux).contains("cursor=0")
    });
    let before = pane_flags(&tmux);
    assert!(before.contains("alt=1"), "{before}");
    assert!(before.contains("cursor=0"), "{before}");
    assert!(
        !before.contains("mouse=00000"),
        "mouse reporting is on: {before}"
    );
    // A long command on the local target (oss-demo: destructive asks yes).
    tmux.send(":");
    tmux.send(&format!(
        "target exec --targets demo-local -- sleep {marker}"
    ));
    tmux.send_key("Enter");
    tmux.wait_for("the exec dialog", |s| s.contains("Confirm in"));
    tmux.send("y");
    let needle = format!("sleep {marker}");
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || common::sshd::process_running(
            &needle
        )),
        "the task never started"
    );
    let pid = tmux
        .cmd()
        .args(["display", "-p", "-t", "e2e", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell_pid = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    let console_pid = std::process::Command::new("pgrep")
        .args(["-P", &shell_pid, "paasdeck"])
        .output()
        .unwrap();
    let console_pid = String::from_utf8_lossy(&console_pid.stdout)
        .trim()
        .to_string();
    assert!(
        !console_pid.is_empty(),
        "no paasdeck process under the pane's shell"
    );
    let st = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &console_pid])
        .status()
        .unwrap();
    assert!(st.success());
    let screen = tmux.wait_for("paasdeck to exit", |s| s.contains(" END"));
    assert!(screen.contains("PAASDECK-EXITED 0"), "{screen}");
    let tty = screen
        .lines()
        .find(|l| l.starts_with("TTY "))
        .unwrap_or_default()
        .to_string();
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            tty.split_whitespace().any(|w| w == mode),
            "{mode} is off after {signal}: {tty}"
        );
    }
    let after = pane_flags(&tmux);
    assert_eq!(
        after, "alt=0 cursor=1 mouse=00000",
        "the terminal was not restored after {signal}"
    );
    assert!(
        common::sshd::eventually(Duration::from_secs(30), || !common::sshd::process_running(
            &needle
        )),
        "the task's process outlived the console"
    );
}

#[test]
fn an_empty_root_refuses_context_actions_and_writes_nothing() {
    let env = Env::new();
    let root = env.dir.path().join("empty-root");
    let tmux = console(&env, root.to_str().unwrap(), 120, 30);
    tmux.wait_for("the no-context banner", |s| {
        first_line(s).contains("NO CONTEXTS")
    });
    tmux.send("a");
    let screen = tmux.wait_for("the reason", |s| s.contains("no context yet"));
    assert!(!screen.contains("Add a target"), "no form opened: {screen}");
    // the palette cannot do it either
    tmux.send(":");
    tmux.send("target add --name a --host h --user u");
    tmux.send_key("Enter");
    tmux.wait_for("the reason again", |s| s.contains("no context yet"));
    tmux.send("y");
    // Keys are read in order: once the help that `?` opens is drawn, `y` was handled.
    tmux.send("?");
    tmux.wait_for("help after y", |s| s.contains("NAVIGATION"));
    let written: Vec<_> = common::walk(&root);
    assert!(written.is_empty(), "files were written: {written:?}");
    tmux.send_key("Escape");
    tmux.wait_for("help closed", |s| !s.contains("NAVIGATION"));
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn a_context_created_by_another_process_appears_without_a_key() {
    let env = Env::new();
    env.init("first", "oss-demo");
    let root = env.root.to_str().unwrap().to_string();
    let tmux = console(&env, &root, 120, 30);
    tmux.wait_for("the first tab", |s| {
        first_line(s).contains("FIRST · OSS-DEMO")
    });
    let o = env
        .cmd()
        .args([
            "--state-root",
            &root,
            "context",
            "init",
            "later",
            "--type",
            "staging",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    // No key is pressed: the watch brings it (how fast is bench/console.sh's figure).
    tmux.wait_for("the new tab", |s| {
        s.lines().nth(1).unwrap_or("").contains("later")
    });
    // and a removed one goes away (moved out in one step, as the console may be writing its
    // doctor's cache into it while a recursive delete walks it)
    let gone = env.dir.path().join("later-removed");
    std::fs::rename(env.ctx_dir("later"), &gone).unwrap();
    std::fs::remove_dir_all(&gone).unwrap();
    tmux.wait_for("the tab to go", |s| {
        !s.lines().nth(1).unwrap_or("").contains("later")
    });
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

/// Rows reach the Events pane through file notifications: with the fallback poll an hour long,
/// a row another process appends is on screen at once.
#[test]
fn an_event_appended_by_another_process_shows_at_once() {
    let env = Env::new();
    env.init("first", "oss-demo");
    let root = env.root.to_str().unwrap().to_string();
    let shell = format!(
        "cd {} && {} -vv --state-root {root}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display()
    );
    let mut vars = console_env(&env);
    vars.push(("PAASDECK_POLL_INTERVAL".into(), "1h".into()));
    let tmux = Tmux::start(vars, 120, 30, &shell);
    tmux.wait_for("the first tab", |s| {
        first_line(s).contains("FIRST · OSS-DEMO")
    });
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(env.ctx_dir("first").join("events/audit.jsonl"))
        .unwrap();
    std::io::Write::write_all(
        &mut f,
        b"{\"timestamp\":\"2030-01-01T00:00:00Z\",\"context\":\"first\",\"source\":\"audit\",\"command\":\"marker-row\",\"status\":\"succeeded\",\"severity\":\"info\"}\n",
    )
    .unwrap();
    let written = Instant::now();
    loop {
        let screen = tmux.capture(false);
        if screen.contains("marker-row") {
            break;
        }
        // Polling is off (1h): only the write's notification can bring the row. The deadline
        // is generous for a loaded machine; bench/console.sh measures the latency.
        assert!(
            written.elapsed() < Duration::from_secs(30),
            "the row did not appear:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Then it idles: its own reads of the files it watches do not wake it again.
    let out = tmux
        .cmd()
        .args(["display", "-p", "-t", "e2e", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let pid = children.split_whitespace().next().unwrap().to_string();
    let ticks = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    // It settles once the row is drawn: measure 2 s windows until one is idle (30 s at most).
    let mut used = u64::MAX;
    common::sshd::eventually(Duration::from_secs(30), || {
        let before = ticks();
        std::thread::sleep(Duration::from_secs(2));
        used = ticks() - before;
        used <= 5
    });
    assert!(used <= 5, "{used} clock ticks in 2 s idle");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn console_deploy_lists_a_missing_secret_and_the_apply_refuses() {
    let env = Env::new();
    let root = seed_demo(&env);
    let compose = env.work.join("greet.yaml");
    std::fs::write(
        &compose,
        "services:\n  web:\n    image: nginx\n    environment:\n      GREETING: ${GREETING}\n",
    )
    .unwrap();
    let o = env
        .cmd()
        .args([
            "--state-root",
            &root,
            "--context",
            "oss-demo",
            "app",
            "add",
            "--name",
            "greet",
            "--compose-file",
            compose.to_str().unwrap(),
            "--targets",
            "demo-local",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tmux = console(&env, &root, 150, 46);
    // A deploy is refused until the context's first doctor run has finished.
    tmux.wait_for("the oss-demo banner and its doctor", |s| {
        s.contains("OSS-DEMO · OSS-DEMO") && s.contains("doctor ok")
    });
    tmux.send_key("Tab");
    tmux.wait_for("greet in the apps", |s| s.contains("greet"));
    // select greet (apps are listed registry first: api, greet)
    tmux.send("j");
    tmux.send("d");
    // (a capture can catch a frame half drawn: wait for the whole dialog)
    tmux.wait_for("the plan with the missing secret", |s| {
        s.contains("Confirm in")
            && s.contains("deploy greet")
            && s.contains("MISSING secrets (no value, no default): GREETING")
    });
    tmux.send("y");
    let screen = tmux.wait_for("the refusal naming the secret", |s| {
        s.contains("PAAS_SECRET_MISSING") && s.contains("GREETING")
    });
    assert!(screen.contains("GREETING"), "{screen}");
    assert!(
        !Path::new(&env.dir.path().join("docker-state/projects/oss-demo-greet")).exists(),
        "nothing was deployed"
    );
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn console_check_fails_when_the_host_refuses_new_connections_despite_an_open_master() {
    let mut sshd = common::sshd::Sshd::start();
    let env = Env::new();
    env.init("c", "oss-demo");
    env.add_sshd_target("c", "edge", &sshd);
    let mut vars = console_env(&env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    vars.push((
        "PATH".into(),
        format!(
            "{}:{}",
            sshd.fakebin.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    ));
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    let tmux = Tmux::start(vars, 140, 40, &shell);
    tmux.wait_for("the banner", |s| first_line(s).contains("C · OSS-DEMO"));
    tmux.send("c");
    tmux.wait_for("the first check", |s| s.contains("[ok]   edge"));
    // A repeat check within a minute reuses the master and says so.
    tmux.send("c");
    tmux.wait_for("the repeat check", |s| {
        s.contains("reused the connection opened")
    });
    // The master stays open in the console's pool; stop the listener (its sshd process for
    // the master connection lives on).
    sshd.stop();
    tmux.send("c");
    tmux.wait_for("the failed check", |s| s.contains("[fail] edge"));
    // The pane shows the result as the task ends; checks.json is written right after it.
    let checks_file = env.ctx_dir("c").join("checks.json");
    let checks = || std::fs::read_to_string(&checks_file).unwrap_or_default();
    common::sshd::eventually(Duration::from_secs(30), || {
        checks().contains("Connection refused")
    });
    let checks = checks();
    assert!(checks.contains("Connection refused"), "{checks}");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

#[test]
fn hangup_stops_running_tasks_and_restores_the_terminal() {
    signal_stops_running_tasks_and_restores_the_terminal("HUP", "7171");
}

#[test]
fn interrupt_stops_running_tasks_and_restores_the_terminal() {
    signal_stops_running_tasks_and_restores_the_terminal("INT", "7272");
}

#[test]
fn quit_signal_stops_running_tasks_and_restores_the_terminal() {
    signal_stops_running_tasks_and_restores_the_terminal("QUIT", "7373");
}
