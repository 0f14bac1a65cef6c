//! The key table: defaults, scopes, the user file layered on top, help and hints.

use super::*;

fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, m)
}

#[test]
fn defaults_parse_and_every_command_is_bound() {
    let (_, problems) = parse_file(DEFAULT_KEYMAP).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let km = Keymap::defaults();
    for c in Cmd::ALL {
        assert!(!km.keys_for(*c).is_empty(), "{} has no key", c.name());
    }
}

#[test]
fn pane_scoped_keys_win_and_modifiers_matter() {
    let km = Keymap::defaults();
    assert_eq!(
        km.lookup(&key(KeyCode::Char('c'), KeyModifiers::NONE), Pane::Targets),
        Some(Cmd::Check)
    );
    assert_eq!(
        km.lookup(&key(KeyCode::Char('c'), KeyModifiers::NONE), Pane::Apps),
        None
    );
    assert_eq!(
        km.lookup(&key(KeyCode::Char('c'), KeyModifiers::CONTROL), Pane::Apps),
        Some(Cmd::CancelTask)
    );
    assert_eq!(
        km.lookup(&key(KeyCode::Char('N'), KeyModifiers::SHIFT), Pane::Log),
        Some(Cmd::SearchPrev)
    );
    assert_eq!(
        km.lookup(&key(KeyCode::BackTab, KeyModifiers::SHIFT), Pane::Log),
        Some(Cmd::FocusPrev)
    );
}

#[test]
fn user_file_overrides_and_bad_files_warn() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keymap.json");
    std::fs::write(
        &p,
        r#"{"quit": ["ctrl-q"], "nope": ["x"], "help": ["ctrl-shift-"]}"#,
    )
    .unwrap();
    let (km, warnings) = Keymap::load(Some(&p));
    assert_eq!(
        km.lookup(&key(KeyCode::Char('q'), KeyModifiers::CONTROL), Pane::Apps),
        Some(Cmd::Quit)
    );
    assert_eq!(
        km.lookup(&key(KeyCode::Char('q'), KeyModifiers::NONE), Pane::Apps),
        None
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    std::fs::write(&p, "{ not json").unwrap();
    let (km, warnings) = Keymap::load(Some(&p));
    assert!(warnings[0].contains("using the default keys"));
    assert_eq!(
        km.lookup(&key(KeyCode::Char('q'), KeyModifiers::NONE), Pane::Apps),
        Some(Cmd::Quit)
    );
}

#[test]
fn help_and_hints_come_from_the_same_table() {
    let km = Keymap::defaults();
    let help = km.help();
    let all: Vec<&str> = help
        .iter()
        .flat_map(|(_, v)| v.iter().map(|(_, d)| d.as_str()))
        .collect();
    for c in Cmd::ALL {
        assert!(
            all.iter().any(|d| d.starts_with(c.description())),
            "{}",
            c.name()
        );
    }
    let hints = km.hints(Pane::Targets);
    assert!(hints.iter().any(|(k, n)| k == "c" && *n == "check"));
    assert!(!km.hints(Pane::Apps).iter().any(|(_, n)| *n == "check"));
}
