//! What the shown context holds and what is selected in it, for commands, forms and menus;
//! nothing selected is said in the footer.

use crate::tui::core::app::{App, FlashLevel};
use crate::tui::core::pane::Pane;

/// The selected target's name; none selected is said.
pub(in crate::tui) fn selected_target_name(app: &mut App) -> Option<String> {
    let t = app.selected_target().map(|t| t.target.name.to_string());
    if t.is_none() {
        app.flash(FlashLevel::Warn, "no target selected");
    }
    t
}

/// The selected app's name; none selected is said.
pub(in crate::tui) fn selected_app_name(app: &mut App) -> Option<String> {
    let a = app.selected_app().map(|a| a.name.clone());
    if a.is_none() {
        app.flash(FlashLevel::Warn, "no app selected");
    }
    a
}

pub(in crate::tui) fn all_target_names(app: &App) -> Vec<String> {
    app.snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every pane's selection kept inside its rows, after rows went away.
pub(in crate::tui) fn clamp_selections(app: &mut App) {
    for pane in Pane::ALL.into_iter().filter(|p| *p != Pane::Log) {
        let i = pane.index();
        let n = app.row_count(pane);
        if app.selection[i] >= n {
            app.selection[i] = n.saturating_sub(1);
        }
    }
}
