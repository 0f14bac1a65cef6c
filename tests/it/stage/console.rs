//! The console on a staging context: the Instances pane is there when the console opens on
//! it (not only after a tab switch), read from the incus simulator over a real sshd.

use crate::common::Env;
use crate::common::tmux::{Tmux, console_env};

use super::lab::*;

/// The console on the lab's state root, in tmux, with the lab's host reachable.
pub fn open_console(lab: &Lab, width: u16, height: u16) -> Tmux {
    let mut env = console_env(&lab.env);
    env.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    env.push(("USER".into(), "tester".into()));
    let shell = format!(
        "cd {} && {} -vv --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        lab.env.work.display(),
        Env::bin().display(),
        lab.env.root.display()
    );
    Tmux::start(env, width, height, &shell)
}

#[test]
fn the_instances_pane_shows_when_the_console_opens_on_a_staging_context() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone", "--components", "system"]);
    // `stg` is the only context: there is no other tab to switch to and back.
    let tmux = open_console(&lab, 160, 44);
    let screen = tmux.wait_for("the Instances pane with the staging instances", |s| {
        s.contains("Instances")
            && s.lines()
                .any(|l| l.contains("system") && l.contains("Running") && l.contains("10.0.3.10"))
            && s.lines()
                .any(|l| l.contains("tables") && l.contains("missing"))
    });
    assert!(screen.contains("STG"), "{screen}");
}

#[test]
fn init_plan_configure_show_and_destroy_run_from_the_consoles_palette() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    let tmux = open_console(&lab, 160, 50);
    tmux.wait_for("the Instances pane", |s| {
        s.contains("Instances STAGE-GBO") && s.lines().any(|l| l.contains("system missing"))
    });
    let palette = |line: &str| {
        tmux.send(":");
        tmux.wait_for("the palette", |s| s.contains(":"));
        tmux.send(line);
        tmux.send_key("Enter");
    };

    // A plan is a read: it runs at once, its lines in the task's log.
    palette("stage plan");
    tmux.wait_for("the plan's disk line in the task log", |s| {
        s.contains("copies need up to") && s.contains("min_host_free 20GiB")
    });
    assert!(lab.sim()["projects"].get("STAGE-GBO").is_none());

    // init changes the host: through the guard's dialog, which lists its commands.
    palette("stage init");
    tmux.wait_for("the init confirmation with its commands", |s| {
        s.contains("stage init") && s.contains("incus project create STAGE-GBO")
    });
    tmux.send("y");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Done when its audit row is written.
    while !lab.audit().iter().any(|r| r["command"] == "stage init") {
        assert!(std::time::Instant::now() < deadline, "init never finished");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        lab.sim()["projects"]["STAGE-GBO"]["networks"]
            .get("stagebr0")
            .is_some()
    );
    let init = lab
        .audit()
        .into_iter()
        .rfind(|r| r["command"] == "stage init")
        .unwrap();
    assert_eq!(init["fields"]["frontend"], "console");

    // The stage object as headless prints it.
    palette("stage configure --show");
    tmux.wait_for("the stage object in the task log", |s| {
        s.contains("\"ip\": \"10.0.3.11\"")
    });

    // destroy needs --force as headless, then the guard's dialog.
    palette("stage destroy");
    tmux.wait_for("the refusal naming --force", |s| s.contains("pass --force"));
    tmux.send_key("Escape");
    tmux.wait_for("the palette closed", |s| {
        !s.contains(": command (Enter run")
    });
    assert!(lab.sim()["projects"].get("STAGE-GBO").is_some());
    palette("stage destroy --force");
    tmux.wait_for("the destroy confirmation", |s| {
        s.contains("deletes every instance of STAGE-GBO")
            && s.contains("incus project delete STAGE-GBO")
    });
    tmux.send("y");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !lab.audit().iter().any(|r| r["command"] == "stage destroy") {
        assert!(
            std::time::Instant::now() < deadline,
            "destroy never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let destroy = lab
        .audit()
        .into_iter()
        .rfind(|r| r["command"] == "stage destroy")
        .unwrap();
    assert_eq!(destroy["fields"]["frontend"], "console");
    assert_eq!(destroy["status"], "succeeded");
    assert!(lab.sim()["projects"].get("STAGE-GBO").is_none());
}
