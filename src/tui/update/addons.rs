//! An app's si add-ons in the console: the view (opened with its own key in the Apps pane),
//! the enable form and the disable request, each through the one guard as `app addon
//! enable|disable` go headless.

use crossterm::event::KeyEvent;

use super::super::action::{Effect, Op};
use super::super::app::{App, FlashLevel, Form, FormKind, Overlay};
use super::super::keymap::Cmd;
use super::details::moved;
use super::forms::{choice, field, form};
use super::request::request;
use crate::ops::addon::{EnableSpec, PACKS};

/// Opens the add-ons view of the selected app.
pub(super) fn open(app: &mut App) {
    match app.selected_app() {
        Some(a) => {
            app.overlay = Overlay::Addons {
                app: a.name.clone(),
                selected: 0,
            }
        }
        None => app.flash(FlashLevel::Info, "no app selected"),
    }
}

/// A key in the add-ons view: move, enable (the add key), disable (the remove key), close.
pub(super) fn key(app: &mut App, name: String, mut selected: usize, k: KeyEvent) -> Vec<Effect> {
    if app.keymap.is(Cmd::ViewClose, &k) {
        return Vec::new();
    }
    let rows: Vec<String> = app
        .snapshot()
        .and_then(|s| s.apps.iter().find(|a| a.name == name))
        .map(|a| a.addons.iter().map(|r| r.name.clone()).collect())
        .unwrap_or_default();
    match moved(&app.keymap, selected, rows.len(), &k) {
        Some(i) => selected = i,
        None if app.keymap.is(Cmd::AddApp, &k) => {
            let f = form(FormKind::EnableAddon(name), app);
            app.overlay = Overlay::Form(Box::new(f));
            return Vec::new();
        }
        None if app.keymap.is(Cmd::RemoveApp, &k) => {
            return match rows.get(selected) {
                Some(addon) => request(
                    app,
                    Op::DisableAddon {
                        app: name,
                        name: addon.clone(),
                    },
                ),
                None => {
                    app.flash(FlashLevel::Info, format!("{name} has no add-on to disable"));
                    app.overlay = Overlay::Addons {
                        app: name,
                        selected,
                    };
                    Vec::new()
                }
            };
        }
        None => {}
    }
    app.overlay = Overlay::Addons {
        app: name,
        selected,
    };
    Vec::new()
}

/// The enable form's fields: the pack and the optional overrides si takes.
pub(super) fn fields() -> Vec<super::super::app::Field> {
    vec![
        choice(
            "pack",
            "postgres, redis, nats, supabase-walg or databasus",
            PACKS.iter().map(|p| p.pack.to_string()).collect(),
            "postgres",
        ),
        field("name", "optional: the pack's name", ""),
        field("version", "optional: the pack's default", ""),
        field("service", "optional: <pack>-<name>", ""),
        field("set", "optional: POSTGRES_DB=shop,POSTGRES_USER=shop", ""),
    ]
}

/// The op a submitted enable form asks for.
pub(super) fn submit(app_name: &str, f: &Form) -> Result<Op, String> {
    let opt = |label: &str| Some(f.value(label)).filter(|v| !v.is_empty());
    let spec = EnableSpec {
        app: app_name.to_string(),
        pack: f.value("pack"),
        name: opt("name"),
        service: opt("service"),
        version: opt("version"),
        set: opt("set"),
    };
    // The same checks as the command line, before the guard is asked.
    crate::ops::addon::find_pack(&spec.pack).map_err(|e| e.message)?;
    if let Some(n) = &spec.name {
        crate::state::names::validate_addon(n).map_err(|e| e.message)?;
    }
    if let Some(v) = &spec.version {
        crate::state::names::validate_image_tag(v).map_err(|e| e.message)?;
    }
    if let Some(s) = &spec.service {
        crate::state::names::validate_service(s).map_err(|e| e.message)?;
    }
    if let Some(s) = &spec.set {
        crate::ops::addon::parse_set(s).map_err(|e| e.message)?;
    }
    Ok(Op::EnableAddon(spec))
}
