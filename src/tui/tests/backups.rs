//! The Backups pane and its keys: `b` backs up the selected app (or the state), `v` verifies,
//! `r` restores through the guard with a dialog naming the backup, checksum, age and target;
//! the verified column says it in words; the palette knows the backup verbs.

use super::*;
use crate::tui::features::backup::BackupAction;

fn backup_op(fx: &[Effect], app: &App) -> Option<BackupAction> {
    let from_fx = fx.iter().find_map(|e| match e {
        Effect::Run {
            op: Op::Backup(b), ..
        } => Some(b.action.clone()),
        _ => None,
    });
    from_fx.or_else(|| match &app.overlay {
        Overlay::Confirm(c) => match &c.op {
            Op::Backup(b) => Some(b.action.clone()),
            _ => None,
        },
        _ => None,
    })
}

#[test]
fn b_backs_up_the_selected_app_or_else_the_state() {
    let mut app = app_with(false, true);
    app.focus = Pane::Apps;
    let fx = update(&mut app, key('b'));
    assert_eq!(
        backup_op(&fx, &app),
        Some(BackupAction::Run { app: "api".into() })
    );
    // A mutation in production asks yes/no, naming the command it runs.
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(c.level, ConfirmLevel::Yes);
    assert!(
        c.lines.iter().any(|l| l.contains("back up app api")),
        "{:?}",
        c.lines
    );
    app.overlay = Overlay::None;
    app.focus = Pane::Events;
    let fx = update(&mut app, key('b'));
    assert_eq!(backup_op(&fx, &app), Some(BackupAction::State));
    // In the oss-demo context a mutation runs at once.
    let mut app = app_with(false, true);
    app.active = 3;
    app.focus = Pane::Backups;
    app.selection[3] = 1; // the state backup
    let fx = update(&mut app, key('b'));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Run {
            op: Op::Backup(_),
            ..
        }]
    ));
    assert_eq!(backup_op(&fx, &app), Some(BackupAction::State));
}

#[test]
fn r_restores_through_the_guard_naming_backup_checksum_age_and_target() {
    let mut app = app_with(false, true);
    app.focus = Pane::Backups;
    let fx = update(&mut app, key('r'));
    assert!(fx.is_empty(), "nothing runs before the answer: {fx:?}");
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(c.level, ConfirmLevel::TypeName, "destructive in production");
    let text = c.lines.join("\n");
    for want in [
        "bk-20261124T090000-api-1a2b3c",
        &"9f2c".repeat(16),
        "3h ago",
        "target edge-a",
        "verified first",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert_eq!(
        backup_op(&fx, &app),
        Some(BackupAction::Restore {
            id: "bk-20261124T090000-api-1a2b3c".into(),
            target: Some("edge-a".into())
        })
    );
    // A read-only context refuses, and the refusal is audited.
    let mut ro = app_with(true, true);
    ro.focus = Pane::Backups;
    let fx = update(&mut ro, key('r'));
    assert!(
        matches!(fx.as_slice(), [Effect::AuditRefusal { .. }]),
        "{fx:?}"
    );
    assert!(matches!(ro.overlay, Overlay::None));
}

#[test]
fn v_verifies_and_a_backup_that_did_not_finish_says_why() {
    let mut app = app_with(false, true);
    app.focus = Pane::Backups;
    let fx = update(&mut app, key('v'));
    assert_eq!(
        backup_op(&fx, &app),
        Some(BackupAction::Verify {
            id: "bk-20261124T090000-api-1a2b3c".into(),
            deep: false
        }),
        "a read runs at once"
    );
    app.selection[3] = 3; // the failed backup
    for k in ['v', 'r'] {
        let fx = update(&mut app, key(k));
        assert!(fx.is_empty());
        let flash = app
            .flash
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default();
        assert!(
            flash.contains("did not finish") && flash.contains("connection refused"),
            "{flash}"
        );
    }
}

#[test]
fn the_verified_column_says_it_in_words_and_colour() {
    let mut app = app_with(false, true);
    app.size = (160, 36);
    app.focus = Pane::Backups;
    let runner = TaskRunner::default();
    let t = render(&app, &runner, 160, 36);
    let text = format!("{}", t.backend());
    for word in [
        "KIND",
        "VERIFIED",
        "VERIFY FAILED",
        "FAILED",
        "never",
        "state",
    ] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
    // The words are coloured too: a failed verification in the failure colour.
    let buf = t.backend().buffer();
    let pos = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .find(|&(x, y)| {
            buf[(x, y)].symbol() == "V"
                && buf[(x + 1, y)].symbol() == "E"
                && buf[(x + 7, y)].symbol() == "F"
        })
        .unwrap();
    assert_eq!(buf[pos].fg, app.theme.failed);
    app.overlay = Overlay::None;
    let _ = update(&mut app, key('r'));
    let t = render(&app, &runner, 120, 36);
    insta::assert_snapshot!("confirm_backup_restore", t.backend());
}

#[test]
fn the_palette_knows_the_backup_verbs() {
    let mut app = app_with(false, true);
    let run = |app: &mut App, line: &str| {
        app.overlay = Overlay::None;
        update(app, key(':'));
        type_text(app, line);
        update(app, code(KeyCode::Enter))
    };
    let fx = run(
        &mut app,
        "backup restore --from bk-20261123T090000-state-0d0e0f",
    );
    assert_eq!(
        backup_op(&fx, &app),
        Some(BackupAction::Restore {
            id: "bk-20261123T090000-state-0d0e0f".into(),
            target: None
        })
    );
    let fx = run(&mut app, "backup verify --latest --app api --deep");
    assert_eq!(
        backup_op(&fx, &app),
        Some(BackupAction::Verify {
            id: "bk-20261124T090000-api-1a2b3c".into(),
            deep: true
        })
    );
    let fx = run(&mut app, "backup prune");
    assert!(matches!(
        backup_op(&fx, &app),
        Some(BackupAction::Prune { apply: false, .. })
    ));
    let _ = run(&mut app, "backup list --app api");
    assert_eq!(app.focus, Pane::Backups);
    assert_eq!(app.filters[3], "api");
    let _ = run(
        &mut app,
        "backup restore --from bk-20990101T000000-api-000000",
    );
    let Overlay::Palette { message, .. } = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert!(
        message
            .as_deref()
            .unwrap_or_default()
            .contains("not in this context")
    );
}
