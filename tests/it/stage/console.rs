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
