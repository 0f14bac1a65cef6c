//! The console's data types form layers: the reducer and the effects import them, never the
//! other way round, so `action`, `app` and `keymap` can be read (and changed) without the
//! reducer in mind. Each file may name only the console modules listed for it.

/// (file, its source, the console modules it may import).
const LAYERS: &[(&str, &str, &[&str])] = &[
    ("pane.rs", include_str!("../pane.rs"), &[]),
    ("theme.rs", include_str!("../theme.rs"), &[]),
    ("model.rs", include_str!("../model.rs"), &[]),
    ("stage/model.rs", include_str!("../stage/model.rs"), &[]),
    ("backup/model.rs", include_str!("../backup/model.rs"), &[]),
    ("oncall/model.rs", include_str!("../oncall/model.rs"), &[]),
    ("keymap.rs", include_str!("../keymap.rs"), &["pane"]),
    (
        "op.rs",
        include_str!("../op.rs"),
        &["stage::model", "backup::model"],
    ),
    (
        "action.rs",
        include_str!("../action.rs"),
        &[
            "keymap",
            "model",
            "op",
            "pane",
            "stage::model",
            "backup::model",
            "oncall::model",
        ],
    ),
    (
        "app.rs",
        include_str!("../app.rs"),
        &[
            "keymap",
            "model",
            "op",
            "pane",
            "theme",
            "stage::model",
            "backup::model",
            "oncall::model",
        ],
    ),
];

/// The console modules a file names, as `super::x`, `super::{x, y}` or `crate::tui::x`
/// (`stage::model`, `backup::model` and `oncall::model` kept whole); its unit tests are left
/// out.
fn console_imports(file: &str, src: &str) -> Vec<String> {
    let code = src.split("#[cfg(test)]").next().unwrap_or(src);
    let nested = file.contains('/');
    let mut found = Vec::new();
    for prefix in [
        "crate::tui::",
        if nested { "super::super::" } else { "super::" },
    ] {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
                list.split('}').next().unwrap_or("").split(',').collect()
            } else {
                vec![rest]
            };
            for n in names {
                let path: String = n
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let mut parts = path.split("::").filter(|p| !p.is_empty());
                let Some(first) = parts.next() else { continue };
                let name = match (first, parts.next()) {
                    (m @ ("stage" | "backup" | "oncall"), Some("model")) => format!("{m}::model"),
                    (m, _) => m.to_string(),
                };
                if !found.contains(&name) {
                    found.push(name);
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_console_types_never_import_the_reducer_or_each_other_in_a_circle() {
    for (file, src, allowed) in LAYERS {
        for m in console_imports(file, src) {
            assert!(
                allowed.contains(&m.as_str()),
                "tui/{file} imports tui::{m}; it may import only {allowed:?}"
            );
        }
    }
    // the scan itself sees an import
    assert_eq!(
        console_imports(
            "x.rs",
            "use super::{app, keymap::Cmd};\nfn f() { crate::tui::stage::command(); }"
        ),
        ["app", "keymap", "stage"]
    );
}
