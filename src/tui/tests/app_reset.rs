//! `app reset` in the console: the app's action menu offers it with its key, and the guard's
//! dialog asks what the context type requires however far its confirmation settings are lowered.

use super::*;

#[test]
fn the_app_menu_offers_reset_and_outside_disposable_contexts_the_name_must_be_typed() {
    for (i, (name, kind)) in KINDS.iter().enumerate() {
        let mut app = app_with(false, true);
        // Settings asking for no confirmation at all.
        let cfg = ContextConfig {
            name: name.parse().unwrap(),
            kind: kind.to_string(),
            confirm: "none".into(),
            ..Default::default()
        };
        app.contexts[i].policy = ContextPolicy::new(name, Some(&cfg));
        app.active = i;
        app.focus = Pane::Apps;
        update(&mut app, key('m'));
        let Overlay::Menu { items, .. } = &app.overlay else {
            panic!("{kind}: no menu")
        };
        let reset = items
            .iter()
            .find(|i| i.label.starts_with("reset api"))
            .unwrap_or_else(|| panic!("{kind}: no reset entry"));
        assert_eq!(reset.key, "Z");
        assert!(reset.disabled.is_none(), "{:?}", reset.disabled);
        assert_eq!(reset.op, Op::ResetApp { name: "api".into() });
        update(&mut app, code(KeyCode::Esc));
        let fx = update(&mut app, key('Z'));
        assert!(!runs(&fx), "{kind}: reset ran without asking");
        let Overlay::Confirm(c) = &app.overlay else {
            panic!("{kind}: no dialog: {:?}", app.overlay)
        };
        let want = match *kind {
            "oss-demo" | "staging" => ConfirmLevel::Yes,
            _ => ConfirmLevel::TypeName,
        };
        assert_eq!(c.level, want, "{kind}");
        assert!(
            c.lines.iter().any(|l| l.contains("volumes")),
            "{:?}",
            c.lines
        );
        let fx = if want == ConfirmLevel::TypeName {
            type_text(&mut app, name);
            update(&mut app, code(KeyCode::Enter))
        } else {
            update(&mut app, key('y'))
        };
        assert!(runs(&fx), "{kind}: {fx:?}");
    }
}

#[test]
fn reset_is_disabled_with_a_reason_for_an_app_without_a_release() {
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.apps[0].current.clear();
    }
    app.focus = Pane::Apps;
    update(&mut app, key('m'));
    let Overlay::Menu { items, .. } = &app.overlay else {
        panic!()
    };
    let reset = items.iter().find(|i| i.label.starts_with("reset")).unwrap();
    assert!(
        reset
            .disabled
            .as_ref()
            .is_some_and(|d| d.contains("no current release")),
        "{:?}",
        reset.disabled
    );
}

#[test]
fn the_palettes_events_list_with_app_keeps_that_apps_rows_in_the_events_pane() {
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        let mut api = event(
            "2026-11-24T11:58:00Z",
            "info",
            "ok",
            "audit",
            "backup run",
            "",
            "",
        );
        api.fields.insert("app".into(), json!("api"));
        let mut web = event(
            "2026-11-24T11:57:00Z",
            "info",
            "ok",
            "audit",
            "backup run",
            "",
            "",
        );
        web.fields.insert("app".into(), json!("web"));
        s.events = vec![api, web];
    }
    update(&mut app, key(':'));
    type_text(&mut app, "events list --app api");
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.focus, Pane::Events);
    let rows = app.visible_events();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].fields["app"], "api");
}

#[test]
fn the_palettes_app_reset_asks_through_the_guards_dialog() {
    let mut app = app_with(false, true);
    app.active = 0; // prod-eu, production
    update(&mut app, key(':'));
    type_text(&mut app, "app reset --app api");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(!runs(&fx));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert_eq!(c.op, Op::ResetApp { name: "api".into() });
    assert_eq!(c.level, ConfirmLevel::TypeName);
}
