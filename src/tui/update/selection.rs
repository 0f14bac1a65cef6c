//! What the shown context holds and what is selected in it, for commands, forms and menus;
//! nothing selected is said in the footer.

use crate::tui::core::app::{App, FlashLevel};

/// The selected target's name; none selected is said.
pub(super) fn selected_target_name(app: &mut App) -> Option<String> {
    let t = app.selected_target().map(|t| t.target.name.to_string());
    if t.is_none() {
        app.flash(FlashLevel::Warn, "no target selected");
    }
    t
}

/// The selected app's name; none selected is said.
pub(super) fn selected_app_name(app: &mut App) -> Option<String> {
    let a = app.selected_app().map(|a| a.name.clone());
    if a.is_none() {
        app.flash(FlashLevel::Warn, "no app selected");
    }
    a
}

pub(super) fn all_target_names(app: &App) -> Vec<String> {
    app.snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default()
}
