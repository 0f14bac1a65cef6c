//! Keys of an app's variables view (set or missing, never a value): set the selected one
//! (its form, masked), remove its value.

use crossterm::event::KeyEvent;

use crate::ops::secrets::VarStatus;
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::forms::update::form_with;
use crate::tui::update::view_keys::moved;

/// A key while the variables view is open (closing is the detail views' own).
pub(in crate::tui) fn key(
    app: &mut App,
    name: String,
    rows: Vec<VarStatus>,
    mut selected: usize,
    k: &KeyEvent,
) -> Vec<Effect> {
    if let Some(i) = moved(&app.keymap, selected, rows.len(), k) {
        selected = i;
    } else if app.keymap.is(Cmd::ViewPick, k) || app.keymap.is(Cmd::SetSecret, k) {
        let var = rows
            .get(selected)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let f = form_with(FormKind::SetSecret, app, "name", &var);
        app.overlay = Overlay::Form(Box::new(f));
        return Vec::new();
    } else if app.keymap.is(Cmd::RemoveApp, k) {
        // The remove key removes the selected variable's value: the every-target one, else
        // the first target's own (the dialog names which).
        let Some(row) = rows.get(selected) else {
            return Vec::new();
        };
        let target = match (row.global, row.targets.first()) {
            (true, _) => None,
            (false, Some(t)) => Some(t.clone()),
            (false, None) => {
                app.flash(
                    FlashLevel::Warn,
                    format!("{} has no value to remove", row.name),
                );
                app.overlay = Overlay::Secrets {
                    app: name,
                    rows,
                    selected,
                };
                return Vec::new();
            }
        };
        let op = Op::UnsetSecret {
            app: name.clone(),
            name: row.name.clone(),
            target,
        };
        return request(app, op);
    }
    app.overlay = Overlay::Secrets {
        app: name,
        rows,
        selected,
    };
    Vec::new()
}

/// An app's variables were listed: shown when their context still is.
pub(in crate::tui) fn listed(
    app: &mut App,
    context: &str,
    name: String,
    rows: Vec<VarStatus>,
) -> Vec<Effect> {
    if context == app.active_name() {
        app.overlay = Overlay::Secrets {
            app: name,
            rows,
            selected: 0,
        };
    }
    Vec::new()
}
