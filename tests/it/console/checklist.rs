//! The weekly checklist in the real console: opened from the palette and from the doctor
//! report, every context side by side, and a failing item's fix run from the view through the
//! confirmation, after which the item passes.

use crate::common::Env;
use crate::common::tmux::{console, first_line};

#[test]
fn the_checklist_view_shows_every_context_and_runs_a_fix_through_the_guard() {
    let env = Env::new();
    env.init("shop", "production");
    env.init("dog", "internal-dogfood");
    env.ok(&["vault", "keygen"]);
    let root = env.root.to_str().unwrap().to_string();
    let tmux = console(&env, &root, 170, 46);
    tmux.wait_for("the console on a context", |s| {
        first_line(s).contains("doctor")
    });

    tmux.send(":");
    tmux.send("checklist");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("both contexts side by side", |s| {
        s.contains("weekly checklist")
            && s.contains("dog (FAILED)")
            && s.contains("shop (FAILED)")
            && s.contains("rollback_drill_recent")
    });
    assert!(screen.contains("latest_backup_verified"), "{screen}");
    // Move to the backup item of `shop`, whichever column it is in.
    tmux.send("jj");
    let screen = tmux.wait_for("the selected cell's detail", |s| {
        s.contains("· latest_backup_verified: state: no backup")
    });
    if !screen.contains("shop · latest_backup_verified") {
        tmux.send("l");
    }
    let screen = tmux.wait_for("shop's backup item and its fix", |s| {
        s.contains("shop · latest_backup_verified: state: no backup")
            && s.contains("fix (Enter runs it (asks first)):")
    });
    assert!(
        screen.contains("--context shop") && screen.contains("backup state"),
        "{screen}"
    );
    tmux.send_key("Enter");
    let screen = tmux.wait_for("the confirmation of the fix, in shop", |s| {
        s.contains("Confirm in  SHOP ") && !s.contains("weekly checklist")
    });
    assert!(
        first_line(&screen).contains("SHOP"),
        "switched to shop: {screen}"
    );
    tmux.send("y");
    // Read again once the backup is catalogued: the item passes.
    let backups = env.ctx_dir("shop").join("backups.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&backups).is_ok_and(|t| t.contains("\"ok\"")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the backup never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tmux.send("!");
    tmux.wait_for("the doctor report naming the checklist key", |s| {
        s.contains("! weekly checklist")
    });
    tmux.send("!");
    tmux.wait_for("the checklist again, from the doctor report", |s| {
        s.contains("weekly checklist") && s.contains("dog (FAILED)")
    });
    tmux.send("jj");
    let screen = tmux.wait_for("shop's backup item passing", |s| {
        s.contains("shop · latest_backup_verified: state bk-") && s.contains("sha256 matches")
    });
    assert!(
        !screen.contains("shop · latest_backup_verified: state: no backup"),
        "{screen}"
    );
    tmux.send_key("Escape");
    tmux.send("q");
}
