//! The console keeps every context's doctor current: a change in another context (a file's
//! mode as much as its content) marks that tab, and the mark goes when it is fixed, without
//! the tab being visited.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::Env;
use crate::common::tmux::{console, first_line, seed_demo};

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

#[test]
fn a_doctor_change_in_another_context_marks_its_tab_and_the_fix_clears_it() {
    let env = Env::new();
    let root = seed_demo(&env);
    let tmux = console(&env, &root, 160, 42);
    tmux.wait_for("the oss-demo banner, its doctor and the other tab", |s| {
        first_line(s).contains("OSS-DEMO · OSS-DEMO")
            && first_line(s).contains("doctor ok")
            && s.contains("internal-dogfood ")
    });
    // The other tabs' first doctors are in when no tab is marked and nothing is pending.
    // A warning shows as one, apart from blocking failures, and blocks nothing.
    let screen = tmux.wait_for("no tab marked, and the banner's warning", |s| {
        s.contains("internal-dogfood ")
            && !s.contains("internal-dogfood !")
            && first_line(s).contains("doctor ok · warn: alert_channel_configured")
    });
    assert!(
        first_line(&screen).contains("doctor ok · warn: alert_channel_configured"),
        "{screen}"
    );
    tmux.send("!");
    tmux.wait_for("the doctor report with its warning", |s| {
        s.contains("no check blocks; 1 warning(s) (they never block a deploy)")
    });
    tmux.send_key("Escape");
    tmux.wait_for("the report closed", |s| !s.contains("no check blocks"));

    let cfg = Path::new(&root).join("contexts/internal-dogfood/config.json");
    mode(&cfg, 0o644);
    let screen = tmux.wait_for("the other tab marked", |s| {
        s.contains("internal-dogfood !") && first_line(s).contains("OSS-DEMO · OSS-DEMO")
    });
    assert!(
        first_line(&screen).contains("OSS-DEMO · OSS-DEMO"),
        "the active tab stays: {screen}"
    );

    mode(&cfg, 0o600);
    let screen = tmux.wait_for("the mark cleared", |s| {
        s.contains("internal-dogfood ")
            && !s.contains("internal-dogfood !")
            && first_line(s).contains("OSS-DEMO · OSS-DEMO")
    });
    assert!(
        first_line(&screen).contains("OSS-DEMO · OSS-DEMO"),
        "cleared without visiting the tab: {screen}"
    );
    tmux.send("q");
}

#[test]
fn the_palettes_doctor_all_contexts_shows_every_contexts_doctor() {
    let env = Env::new();
    let root = seed_demo(&env);
    let tmux = console(&env, &root, 160, 42);
    tmux.wait_for("the oss-demo banner and the other tab", |s| {
        first_line(s).contains("OSS-DEMO · OSS-DEMO") && s.contains("internal-dogfood ")
    });
    tmux.send(":");
    tmux.send("doctor --all-contexts");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("both contexts' doctor in one view", |s| {
        s.contains("doctor of every context")
            && s.contains("paasdeck doctor [oss-demo]")
            && s.contains("paasdeck doctor [internal-dogfood]")
    });
    assert!(
        screen.contains("paasdeck doctor [internal-dogfood]"),
        "{screen}"
    );
    tmux.send("q");
}
