//! Switching context tabs: what a switch resets (selections, filters, the task shown, the
//! on-call view) and what it asks to read.

use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, FlashLevel};

/// Tasks of the active context, in start order.
pub fn context_tasks(app: &App) -> Vec<u64> {
    let active = app.active_name();
    app.tasks
        .iter()
        .filter(|t| t.context == active)
        .map(|t| t.id)
        .collect()
}

/// Shows the tab of context `i`.
pub(crate) fn switch_context(app: &mut App, i: usize) -> Vec<Effect> {
    if i >= app.contexts.len() {
        return Vec::new();
    }
    let changed = app.active != i;
    app.active = i;
    // A context tab replaces the on-call view (which keeps its place for when it comes back).
    app.oncall.view = None;
    // Looking at a tab is seeing its trouble.
    app.trouble.remove(&app.contexts[i].name);
    if changed {
        app.selection = Default::default();
        app.filters = Default::default();
        app.log.task = context_tasks(app).last().copied();
        app.log.follow = true;
        app.log.search = None;
        app.log.hit = None;
        app.flash = None;
    }
    crate::tui::features::stage::fix_focus(app);
    let c = &app.contexts[i];
    let mut fx = vec![Effect::SetTitle(format!(
        "paasdeck — {} ({})",
        c.name, c.policy.kind
    ))];
    if c.snapshot.is_none() {
        fx.push(Effect::Load(c.name.clone()));
    }
    // The last result stays on screen until the fresh one arrives.
    fx.push(Effect::Doctor(c.name.clone()));
    fx
}

/// Switches to a context by name.
pub fn switch_to(app: &mut App, name: &str) -> Vec<Effect> {
    match app.contexts.iter().position(|c| c.name == name) {
        Some(i) => switch_context(app, i),
        None => {
            app.flash(FlashLevel::Error, format!("no context named {name:?}"));
            Vec::new()
        }
    }
}
