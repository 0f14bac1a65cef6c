//! An app's si add-ons in the console: the view (opened with its own key in the Apps pane),
//! the enable form and the disable request, each through the one guard as `app addon
//! enable|disable` go headless.

use crossterm::event::KeyEvent;

use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::forms::update::form;
use crate::tui::update::view_keys::moved;

/// Opens the add-ons view of the selected app.
pub(in crate::tui) fn open(app: &mut App) {
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
pub(in crate::tui) fn key(
    app: &mut App,
    name: String,
    mut selected: usize,
    k: KeyEvent,
) -> Vec<Effect> {
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
