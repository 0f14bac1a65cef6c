//! Keys outside overlays: an open overlay has the key, then on-call's views, then the keymap's
//! command (`commands.rs`); a key bound to nothing here says where it works.

use crossterm::event::KeyEvent;

use super::commands::command;
use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, FlashLevel, Overlay};
use crate::tui::core::keymap::Scope;

pub(in crate::tui) fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return crate::tui::overlays::overlay_key(app, k);
    }
    if let Some(fx) = crate::tui::features::oncall::on_key(app, &k) {
        return fx;
    }
    match app.keymap.lookup(&k, app.focus) {
        Some(cmd) => command(app, cmd),
        None => {
            say_where_a_key_works(app, &k);
            Vec::new()
        }
    }
}

/// A key that does nothing here says which pane it works in (or that it is not bound).
fn say_where_a_key_works(app: &mut App, k: &KeyEvent) {
    let label = crate::tui::core::keymap::KeySpec::from_event(k).label();
    let elsewhere = app.keymap.elsewhere(k);
    let text = if elsewhere.is_empty() {
        format!("{label} is not bound to anything (? lists the keys)")
    } else {
        let places: Vec<String> = elsewhere
            .iter()
            .map(|c| match c.scope() {
                Scope::Pane(p) => format!("{} in the {} pane", c.description(), p.title()),
                Scope::Global | Scope::Overlay(_) => c.description().to_string(),
            })
            .collect();
        format!(
            "{label} does nothing in {}: it is {} (Tab/←/→ move between panes)",
            app.focus.title(),
            places.join("; ")
        )
    };
    app.flash(FlashLevel::Info, text);
}
