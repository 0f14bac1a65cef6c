//! `s` on an Instances row: the shell of the selected component, through the guard.

use super::tests::{key, with_status};
use crate::tui::core::action::Op;
use crate::tui::core::app::Overlay;
use crate::tui::update::update;

/// `s` on an Instances row asks for a shell in that component: the dialog names the incus
/// host and the context (SPEC §18).
#[test]
fn s_on_an_instance_asks_for_its_shell_naming_host_and_context() {
    let mut a = with_status(false);
    update(&mut a, key('s'));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation: {:?}", a.flash)
    };
    assert_eq!(c.lines[0], "stage shell · destructive");
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("system") && l.contains("incus exec")),
        "{:?}",
        c.lines
    );
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("on host gbo-host") && l.contains("in context gbo")),
        "{:?}",
        c.lines
    );
    let Op::Shell(s) = &c.op else {
        panic!("{:?}", c.op)
    };
    assert_eq!(
        s.input,
        crate::verbs::shell::ShellInput::Stage {
            component: "system".into()
        }
    );
}
