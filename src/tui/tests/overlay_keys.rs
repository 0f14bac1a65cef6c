//! Overlays and forms take their keys from the keymap: a user's remapping reaches them, where
//! text is typed a character stays text, and help lists every overlay's keys under its scope.

use super::*;

/// The defaults with a user keymap file holding `json` layered on top.
fn remapped(json: &str) -> Keymap {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keymap.json");
    std::fs::write(&p, json).unwrap();
    let (km, warnings) = Keymap::load(Some(&p));
    assert!(warnings.is_empty(), "{warnings:?}");
    km
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn form_focus(app: &App) -> usize {
    match &app.overlay {
        Overlay::Form(f) => f.focus,
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn a_remapped_overlay_key_works_and_the_old_one_no_longer_does() {
    let mut app = app_with(false, false);
    app.keymap =
        remapped(r#"{"quit_yes": ["o"], "view_down": ["ctrl-n"], "form_next": ["ctrl-n"]}"#);
    // The quit question: y asks on, o quits.
    app.overlay = Overlay::QuitConfirm { running: 1 };
    assert!(update(&mut app, key('y')).is_empty());
    assert!(matches!(app.overlay, Overlay::QuitConfirm { .. }));
    assert_eq!(
        update(&mut app, key('o')),
        vec![Effect::CancelAll, Effect::Quit]
    );
    assert!(app.quit);
    app.quit = false;
    // Help scrolls with the new key; the old one closes it like any other key.
    update(&mut app, Action::Command(Cmd::Help));
    update(&mut app, ctrl('n'));
    assert!(matches!(app.overlay, Overlay::Help { scroll: 1 }));
    update(&mut app, key('j'));
    assert!(matches!(app.overlay, Overlay::None));
    // A form moves to its next field with the new key; Tab no longer does.
    app.focus = Pane::Targets;
    update(&mut app, Action::Command(Cmd::AddTarget));
    assert_eq!(form_focus(&app), 0);
    update(&mut app, code(KeyCode::Tab));
    assert_eq!(form_focus(&app), 0);
    update(&mut app, ctrl('n'));
    assert_eq!(form_focus(&app), 1);
}

#[test]
fn a_command_on_a_character_key_leaves_that_character_to_text_fields() {
    let mut app = app_with(false, false);
    app.keymap = remapped(r#"{"form_next": ["n", "tab"]}"#);
    app.focus = Pane::Targets;
    update(&mut app, Action::Command(Cmd::AddTarget));
    // The name field takes the n as text.
    type_text(&mut app, "edge-n");
    assert_eq!(form_focus(&app), 0);
    match &app.overlay {
        Overlay::Form(f) => assert_eq!(f.value("name"), "edge-n"),
        other => panic!("no form: {other:?}"),
    }
    // On the auth choice (no text), n is the command.
    for _ in 0..4 {
        update(&mut app, code(KeyCode::Tab));
    }
    let auth = form_focus(&app);
    update(&mut app, key('n'));
    assert_eq!(form_focus(&app), auth + 1);
}

#[test]
fn help_lists_every_overlays_keys_grouped_by_its_scope() {
    let km = remapped(r#"{"confirm_yes": ["o"]}"#);
    let help = km.help();
    let group = |name: &str| -> Vec<(String, String)> {
        help.iter()
            .find(|(g, _)| *g == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} group in {help:?}"))
    };
    let has = |name: &str, keys: &str, desc: &str| {
        let entries = group(name);
        assert!(
            entries
                .iter()
                .any(|(k, d)| k == keys && d.starts_with(desc)),
            "{name}: no {keys:?} {desc:?} in {entries:?}"
        );
    };
    has("views and menus", "Esc q Ctrl-c", "close the view");
    has("views and menus", "Enter", "pick the selected row");
    has("quit question", "y Y", "quit");
    has("confirmation", "o", "yes: run it");
    has("confirmation", "Ctrl-t t", "edit a deploy's health timeout");
    has("forms", "Tab ↓", "next field");
    has("forms", "Space", "tick or untick");
    has(
        "palette and filter",
        "Tab",
        "complete the palette's command",
    );
    // Every overlay command is in its own scope's group, after the pane groups.
    let names: Vec<&str> = help.iter().map(|(g, _)| *g).collect();
    let first_overlay = names.iter().position(|g| *g == "views and menus").unwrap();
    assert!(names.iter().position(|g| *g == "tasks").unwrap() < first_overlay);
    for c in Cmd::ALL {
        if let crate::tui::core::keymap::Scope::Overlay(_) = c.scope() {
            assert!(
                names.iter().position(|g| *g == c.group()).unwrap() >= first_overlay,
                "{}",
                c.name()
            );
        }
    }
}
