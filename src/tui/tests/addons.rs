//! si add-ons in the app's detail: the view, the enable form and the disable request, each
//! through the guard.

use super::console::screen;
use super::*;
use crate::tui::core::model::AddonRow;

fn with_addon(app: &mut App) {
    for c in app.contexts.iter_mut() {
        if let Some(s) = c.snapshot.as_mut() {
            s.apps[0].addons = vec![AddonRow {
                name: "db".into(),
                pack: "postgres".into(),
                version: "16".into(),
                service: "postgres-db".into(),
                bundle_file: "compose.addon.db.yaml".into(),
            }];
        }
    }
}

#[test]
fn the_apps_addons_are_listed_enabled_and_disabled_through_the_guard() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    with_addon(&mut app);
    app.focus = Pane::Apps;
    // From the app's detail (its releases) and from the pane alike.
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::History(_)));
    let text = screen(&render(&app, &runner, 120, 36));
    assert!(text.contains("A add-ons (1)"), "{text}");
    update(&mut app, key('A'));
    assert!(matches!(&app.overlay, Overlay::Addons { app, .. } if app == "api"));
    let t = render(&app, &runner, 120, 36);
    let text = screen(&t);
    assert!(
        text.contains("postgres 16") && text.contains("compose.addon.db.yaml"),
        "{text}"
    );
    insta::assert_snapshot!("addons_view", text);
    // Disabling is destructive: production asks for the context's name, and says what follows.
    update(&mut app, key('D'));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert_eq!(c.level, ConfirmLevel::TypeName);
    assert!(
        c.op == Op::DisableAddon {
            app: "api".into(),
            name: "db".into()
        }
    );
    assert!(
        c.lines.iter().any(|l| l.contains("its data volume stays")),
        "{:?}",
        c.lines
    );
    update(&mut app, code(KeyCode::Esc));
    // Enabling: the form, then the guard's yes for a mutation in production.
    app.overlay = Overlay::None;
    update(&mut app, key('A'));
    update(&mut app, key('a'));
    assert!(
        matches!(&app.overlay, Overlay::Form(f) if f.kind == crate::tui::core::app::FormKind::EnableAddon("api".into()))
    );
    update(&mut app, code(KeyCode::Right)); // pack: postgres → redis
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "cache");
    for _ in 0..4 {
        update(&mut app, code(KeyCode::Enter));
    }
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert_eq!(c.level, ConfirmLevel::Yes);
    let fx = update(&mut app, key('y'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Run { op: Op::EnableAddon(s), .. }
            if s.app == "api" && s.pack == "redis" && s.name.as_deref() == Some("cache"))),
        "{fx:?}"
    );
    // A bad value is refused in the form, before the guard.
    update(&mut app, key('A'));
    update(&mut app, key('a'));
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "../x");
    let mut fx = Vec::new();
    for _ in 0..4 {
        fx = update(&mut app, code(KeyCode::Enter));
    }
    assert!(fx.is_empty());
    assert!(
        matches!(&app.overlay, Overlay::Form(f) if f.error.as_deref().is_some_and(|e| e.contains("add-on name"))),
        "{:?}",
        app.overlay
    );
}

#[test]
fn a_read_only_context_refuses_addon_changes() {
    let mut app = app_with(true, true);
    with_addon(&mut app);
    app.focus = Pane::Apps;
    update(&mut app, key('A'));
    let fx = update(&mut app, key('D'));
    assert!(!runs(&fx), "{fx:?}");
    assert!(!matches!(app.overlay, Overlay::Confirm(_)));
}

#[test]
fn the_palette_knows_the_addon_verbs() {
    let mut app = app_with(false, true);
    update(&mut app, key(':'));
    type_text(&mut app, "app addon disable --app api --name db");
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert!(
        c.op == Op::DisableAddon {
            app: "api".into(),
            name: "db".into()
        }
    );
    update(&mut app, code(KeyCode::Esc));
    app.overlay = Overlay::None;
    update(&mut app, key(':'));
    type_text(&mut app, "app addon enable --app api --pack redis");
    update(&mut app, code(KeyCode::Enter));
    assert!(
        matches!(&app.overlay, Overlay::Confirm(c) if matches!(&c.op, Op::EnableAddon(s) if s.pack == "redis")),
        "{:?}",
        app.overlay
    );
}
