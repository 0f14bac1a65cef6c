//! Keys of an app's release history (its detail): pick a release to roll back to, or open the
//! app's add-ons.

use crossterm::event::KeyEvent;

use crate::ops::deploy::Common;
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, History, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::request_unless;
use crate::tui::update::view_keys::moved;

/// A key while the release history is open (closing is the detail views' own).
pub(in crate::tui) fn key(app: &mut App, mut h: Box<History>, k: &KeyEvent) -> Vec<Effect> {
    if let Some(i) = moved(&app.keymap, h.selected, h.releases.len(), k) {
        h.selected = i;
    } else if app.keymap.is(Cmd::ViewPick, k) || app.keymap.is(Cmd::Rollback, k) {
        let Some(rel) = h.releases.get(h.selected).cloned() else {
            return Vec::new();
        };
        let why = (rel == h.current)
            .then(|| format!("{rel} is already the current release of {}", h.app));
        let op = Op::rollback(Common::new(&h.app), Some(rel));
        if why.is_some() {
            app.overlay = Overlay::History(h);
        }
        return request_unless(app, why, op);
    } else if app.keymap.is(Cmd::Addons, k) {
        // The app's detail leads to its add-ons, which go into every release.
        app.overlay = Overlay::Addons {
            app: h.app.clone(),
            selected: 0,
        };
        return Vec::new();
    }
    app.overlay = Overlay::History(h);
    Vec::new()
}
