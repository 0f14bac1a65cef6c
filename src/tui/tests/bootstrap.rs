//! `target bootstrap` in the console: `B` on a target or the palette opens a form whose
//! password is masked; the request goes through the guard and never carries the password into
//! a dialog, a Debug string or the screen.

use super::console::screen;
use super::*;
use crate::tui::core::app::FormKind;

const PASSWORD: &str = "pw-Qx81-never-drawn";

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

#[test]
fn b_on_a_password_target_asks_for_the_password_masked_and_runs_through_the_guard() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.focus = Pane::Targets;
    update(&mut app, key('B'));
    let Overlay::Form(f) = &app.overlay else {
        panic!("no form: {:?}", app.overlay)
    };
    assert_eq!(f.kind, FormKind::Bootstrap("edge-a".into()));
    assert_eq!(f.fields[f.focus].label, "password", "the password first");
    // An empty password is refused in the form (Enter moves to the last field, then submits).
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Form(f) = &app.overlay else {
        panic!("the form closed on an empty password")
    };
    assert!(f.error.as_deref().unwrap_or("").contains("password"));
    update(&mut app, code(KeyCode::BackTab));
    type_text(&mut app, PASSWORD);
    let typing = screen(&render(&app, &runner, 120, 36));
    assert!(!typing.contains(PASSWORD), "{typing}");
    assert!(typing.contains("Install your key on edge-a"), "{typing}");
    assert!(typing.contains("•••"), "{typing}");
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("over one password login") && l.contains("edge-a")),
        "{:?}",
        c.lines
    );
    assert!(c.lines.iter().any(|l| l.contains("targets.json")));
    assert!(!format!("{:?}", app.overlay).contains(PASSWORD));
    assert!(!screen(&render(&app, &runner, 120, 36)).contains(PASSWORD));
    let fx = update(&mut app, key('y'));
    let run = fx.iter().find_map(|e| match e {
        Effect::Run {
            op:
                Op::BootstrapTarget {
                    target,
                    public_key,
                    password,
                },
            ..
        } => Some((target.clone(), public_key.clone(), password.clone())),
        _ => None,
    });
    let (target, public_key, password) = run.expect("the bootstrap runs after y");
    assert_eq!(target, "edge-a");
    assert_eq!(public_key, "");
    assert_eq!(
        password,
        crate::ops::secrets::SecretValue::new(PASSWORD),
        "the typed password reaches the op"
    );
    assert!(!format!("{fx:?}").contains(PASSWORD), "Debug leaks it");
}

#[test]
fn the_palette_opens_the_same_form_and_a_local_or_unknown_target_is_refused() {
    let mut app = app_with(false, true);
    update(&mut app, key(':'));
    type_text(
        &mut app,
        "target bootstrap --target edge-a --public-key /keys/op.pub",
    );
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Form(f) = &app.overlay else {
        panic!("no form: {:?}", app.overlay)
    };
    assert_eq!(f.kind, FormKind::Bootstrap("edge-a".into()));
    assert_eq!(f.value("public key"), "/keys/op.pub");
    assert_eq!(f.fields[f.focus].label, "password");
    update(&mut app, code(KeyCode::Esc));

    for (line, why) in [
        ("target bootstrap --target edge-b", "local transport"),
        (
            "target bootstrap --target nowhere",
            "no target named nowhere",
        ),
    ] {
        update(&mut app, key(':'));
        type_text(&mut app, line);
        update(&mut app, code(KeyCode::Enter));
        assert!(
            !matches!(app.overlay, Overlay::Form(_)),
            "{line}: {:?}",
            app.overlay
        );
        assert!(flash(&app).contains(why), "{line}: {}", flash(&app));
        app.overlay = Overlay::None;
    }
}

#[test]
fn a_read_only_context_refuses_the_bootstrap() {
    let mut app = app_with(true, true);
    app.focus = Pane::Targets;
    update(&mut app, key('B'));
    type_text(&mut app, PASSWORD);
    update(&mut app, code(KeyCode::Enter));
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(!runs(&fx), "{fx:?}");
    assert!(
        !matches!(app.overlay, Overlay::Confirm(_)),
        "{:?}",
        app.overlay
    );
    assert!(flash(&app).contains("read-only"), "{}", flash(&app));
    assert!(!format!("{:?}", app.overlay).contains(PASSWORD));
}
