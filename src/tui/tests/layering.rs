//! The console's data types form layers: the reducer and the effects import them, never the
//! other way round, so `action`, `app` and `keymap` can be read (and changed) without the
//! reducer in mind. Each file may name only the console modules listed for it.

/// (file, its source, the console modules it may import).
const LAYERS: &[(&str, &str, &[&str])] = &[
    ("core/pane.rs", include_str!("../core/pane.rs"), &[]),
    ("core/theme.rs", include_str!("../core/theme.rs"), &[]),
    ("core/model.rs", include_str!("../core/model.rs"), &[]),
    (
        "features/stage/model.rs",
        include_str!("../features/stage/model.rs"),
        &[],
    ),
    (
        "features/backup/model.rs",
        include_str!("../features/backup/model.rs"),
        &[],
    ),
    (
        "features/oncall/model.rs",
        include_str!("../features/oncall/model.rs"),
        &[],
    ),
    (
        "features/shell/model.rs",
        include_str!("../features/shell/model.rs"),
        &[],
    ),
    (
        "core/keymap.rs",
        include_str!("../core/keymap.rs"),
        &["core::pane"],
    ),
    (
        "core/op.rs",
        include_str!("../core/op.rs"),
        &[
            "features::stage::model",
            "features::backup::model",
            "features::shell::model",
        ],
    ),
    (
        "core/action.rs",
        include_str!("../core/action.rs"),
        &[
            "core::keymap",
            "core::model",
            "core::op",
            "core::pane",
            "features::stage::model",
            "features::backup::model",
            "features::oncall::model",
            "features::shell::model",
        ],
    ),
    (
        "core/app.rs",
        include_str!("../core/app.rs"),
        &[
            "core::keymap",
            "core::model",
            "core::op",
            "core::pane",
            "core::theme",
            "features::stage::model",
            "features::backup::model",
            "features::oncall::model",
        ],
    ),
];

/// The console modules a file names, as `super::x`, `super::{x, y}` or `crate::tui::x`, each
/// as its path from `tui` (a module's own submodule kept: `core::app`, `stage::model`); its
/// unit tests are left out.
fn console_imports(file: &str, src: &str) -> Vec<String> {
    let code = src.split("#[cfg(test)]").next().unwrap_or(src);
    // the folders between `tui` and the file: what `super::` stands for
    let folders: Vec<&str> = file.split('/').rev().skip(1).collect::<Vec<_>>();
    let folders: Vec<&str> = folders.into_iter().rev().collect();
    let mut found = Vec::new();
    let mut prefixes = vec![("crate::tui::".to_string(), Vec::new())];
    for up in 1..=folders.len() + 1 {
        let at = folders.len() + 1 - up;
        prefixes.push(("super::".repeat(up), folders[..at].to_vec()));
    }
    for (prefix, base) in &prefixes {
        for (i, _) in code.match_indices(prefix.as_str()) {
            if code[..i].ends_with("super::") {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            if rest.starts_with("super::") {
                continue;
            }
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
                let mut parts: Vec<&str> = base.clone();
                parts.extend(path.split("::").filter(|p| !p.is_empty()));
                if parts.is_empty() {
                    continue;
                }
                let name = module_of(&parts);
                if !found.contains(&name) {
                    found.push(name);
                }
            }
        }
    }
    found.sort();
    found
}

/// The module a path names: its leading lowercase segments, as deep as a folder's file
/// (`core::app`, `features::stage::model`); a feature's model is named whole, any other part
/// of a feature by the feature.
fn module_of(parts: &[&str]) -> String {
    let depth = match parts[0] {
        "core" => 2,
        "features" => 3,
        "stage" | "backup" | "oncall" => 2,
        _ => 1,
    };
    let mut taken: Vec<&str> = Vec::new();
    for p in parts.iter().take(depth) {
        if !p.starts_with(|c: char| c.is_ascii_lowercase()) {
            break;
        }
        taken.push(p);
    }
    if depth > 1 && parts[0] != "core" && taken.len() == depth && taken.last() != Some(&"model") {
        taken.pop();
    }
    taken.join("::")
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
    // the scan itself sees an import, from a file at the top and from one in a folder
    assert_eq!(
        console_imports(
            "x.rs",
            "use super::{app, keymap::Cmd};\nfn f() { crate::tui::stage::command(); }"
        ),
        ["app", "keymap", "stage"]
    );
    assert_eq!(
        console_imports(
            "core/x.rs",
            "use super::{app, keymap::Cmd, op::Op};\nfn f() { crate::tui::features::stage::model::X; }"
        ),
        [
            "core::app",
            "core::keymap",
            "core::op",
            "features::stage::model"
        ]
    );
}
