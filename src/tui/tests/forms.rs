//! Forms: the focused field without colour, nothing pre-typed where typing goes, a refused
//! submit keeping what was typed.

use super::console::screen;
use super::*;
use crate::tui::core::app::FieldKind;

fn open_form(app: &mut App) -> &crate::tui::core::app::Form {
    match &app.overlay {
        Overlay::Form(f) => f,
        other => panic!("no form: {other:?} {:?}", app.flash),
    }
}

#[test]
fn the_focused_field_is_marked_without_colour() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, false);
    app.focus = Pane::Targets;
    update(&mut app, key('a'));
    type_text(&mut app, "edge-z");
    update(&mut app, code(KeyCode::Tab));
    let t = render(&app, &runner, 100, 30);
    let text = screen(&t);
    let marked: Vec<&str> = text.lines().filter(|l| l.contains(" > ")).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].contains("> host"), "{text}");
    // reverse video on the marker, whatever the colours
    let buf = t.backend().buffer();
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("> host"))
        .unwrap();
    let x = line[..line.find("> host").unwrap()].chars().count() as u16 - 1;
    assert!(
        buf[(x + 2, y as u16)].modifier.contains(Modifier::REVERSED),
        "{:?}",
        buf[(x + 2, y as u16)]
    );
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "a colour under NO_COLOR: {cell:?}");
    }
    insta::assert_snapshot!("form_focus_no_colour", t.backend());
}

#[test]
fn a_form_never_opens_with_text_in_the_field_taking_the_typing() {
    let openers = [
        (Pane::Targets, 'I'),
        (Pane::Targets, 'a'),
        (Pane::Targets, 'e'),
        (Pane::Targets, 'x'),
        (Pane::Apps, 'a'),
        (Pane::Apps, 'e'),
        (Pane::Apps, 'S'),
    ];
    for (pane, opener) in openers {
        let mut app = app_with(false, true);
        app.focus = pane;
        update(&mut app, key(opener));
        let before = open_form(&mut app).clone();
        type_text(&mut app, "z");
        let f = open_form(&mut app);
        let field = &f.fields[f.focus];
        match field.kind {
            FieldKind::Text => assert_eq!(
                field.value(),
                "z",
                "{opener} in {pane:?}: typing landed after {:?}",
                before.fields[before.focus].value()
            ),
            _ => assert_eq!(
                field.value(),
                before.fields[before.focus].value(),
                "{opener} in {pane:?}"
            ),
        }
    }
    // A field with a default (the port) takes what is typed in its place.
    let mut app = app_with(false, true);
    app.focus = Pane::Targets;
    update(&mut app, key('a'));
    for _ in 0..3 {
        update(&mut app, code(KeyCode::Tab));
    }
    type_text(&mut app, "2222");
    assert_eq!(open_form(&mut app).value("port"), "2222");
}

#[test]
fn a_form_refused_for_bad_input_keeps_what_was_typed() {
    let mut app = app_with(false, true);
    update(&mut app, key('I'));
    type_text(&mut app, "Bad Name");
    let mut fx = Vec::new();
    for _ in 0..5 {
        fx = update(&mut app, code(KeyCode::Enter));
    }
    assert!(fx.is_empty(), "{fx:?}");
    let f = open_form(&mut app);
    assert_eq!(f.value("name"), "Bad Name");
    assert!(f.error.is_some(), "the form says what is wrong");
}

#[test]
fn every_field_of_the_target_form_shows_at_80x24() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, false);
    app.size = (80, 24);
    app.focus = Pane::Targets;
    update(&mut app, key('a'));
    let text = screen(&render(&app, &runner, 80, 24));
    for label in [
        "> name",
        "host",
        "user",
        "port",
        "auth",
        "identity file",
        "labels",
        "Esc cancel",
    ] {
        assert!(text.contains(label), "{label:?} cut off:\n{text}");
    }
    insta::assert_snapshot!("target_form_80x24", text);
}
