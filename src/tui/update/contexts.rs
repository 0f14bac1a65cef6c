//! Context tabs: switching (by number, by name, to the next or previous), creating one, storing
//! the shown one as current; what a switch resets and asks to read.

use super::super::action::{Effect, Op};
use super::super::app::{App, FlashLevel, FormKind, Overlay};
use super::super::keymap::Cmd;
use super::forms::form;
use super::request::request;

/// A context command; `None` when `cmd` is not one.
pub(super) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    const TABS: [Cmd; 9] = [
        Cmd::Context1,
        Cmd::Context2,
        Cmd::Context3,
        Cmd::Context4,
        Cmd::Context5,
        Cmd::Context6,
        Cmd::Context7,
        Cmd::Context8,
        Cmd::Context9,
    ];
    let n = app.contexts.len().max(1);
    Some(match cmd {
        Cmd::PrevContext => switch_context(app, (app.active + n - 1) % n),
        Cmd::NextContext => switch_context(app, (app.active + 1) % n),
        Cmd::ContextInit => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::ContextInit, app)));
            Vec::new()
        }
        Cmd::ContextUse => {
            let name = app.active_name();
            request(app, Op::ContextUse { name })
        }
        _ => switch_context(app, TABS.iter().position(|c| *c == cmd)?),
    })
}

/// Tasks of the active context, in start order.
pub fn context_tasks(app: &App) -> Vec<u64> {
    let active = app.active_name();
    app.tasks
        .iter()
        .filter(|t| t.context == active)
        .map(|t| t.id)
        .collect()
}

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
    crate::tui::stage::fix_focus(app);
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
