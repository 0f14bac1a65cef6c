//! The reducer: `update(&mut App, Action) -> Vec<Effect>`. Pure: it reads and changes the
//! console state and returns the work to do; it never touches files, SSH or the terminal.
//! Every operation goes through [`request`], which asks the one guard. This folder is the
//! dispatcher: an Action goes to the capability (`features/`) or overlay (`overlays/`) it is
//! for; keys are routed here (`keys.rs`), the named commands run here (`commands.rs`), and
//! the mouse, moving between panes and rows and the task log's commands stay here; what
//! effects deliver is sorted here.

pub(crate) mod commands;
pub(crate) mod keys;
pub(crate) mod mouse;
pub(crate) mod navigation;
pub(crate) mod selection;
pub(crate) mod tasks;
pub(crate) mod view_keys;

use super::core::action::{Action, Effect};
use super::core::app::{App, FLASH_SHOWN_FOR, FlashLevel, Overlay};
use super::features::context::{doctor, snapshots};
use super::features::secrets::{keygen, update as secrets};
use super::features::targets::update as targets;
use super::overlays::confirm::update as confirm;
use super::overlays::forms::paste;

#[cfg(test)]
pub use super::overlays::forms::update::CONTEXT_TYPES;

pub use super::features::context::switch::{context_tasks, switch_to};
pub use super::overlays::confirm::request::request;
pub use commands::command;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(k) => keys::on_key(app, k),
        Action::Mouse(m) => mouse::on_mouse(app, m),
        Action::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Action::Paste(text) => paste::on_paste(app, &text),
        Action::Command(c) => command(app, c),
        Action::Request(op) => request(app, op),
        Action::SwitchTo(name) => switch_to(app, &name),
        Action::Keygen(outcome) => keygen::done(app, outcome),
        Action::Stage(m) => crate::tui::features::stage::update(app, m),
        other => delivered(app, other),
    }
}

/// What effects and the state watch deliver: a context's state, reports, results, and what
/// another process changed.
fn delivered(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::ContextsLoaded(views) => snapshots::contexts_loaded(app, views),
        Action::Loaded { context, snapshot } => snapshots::loaded(app, &context, *snapshot),
        Action::EventsAppended { context, rows } => snapshots::events_appended(app, context, rows),
        Action::DoctorDone { context, report } => doctor::done(app, context, *report),
        Action::Planned { planned, confirm } => confirm::open(app, planned, confirm),
        Action::SecretsListed {
            context,
            app: name,
            rows,
        } => secrets::listed(app, &context, name, rows),
        Action::Checked { context, results } => targets::checked(app, &context, results),
        Action::DoctorInputChanged(name) => vec![Effect::Doctor(name)],
        Action::IncidentsChanged(names) => vec![Effect::LoadIncidents(names)],
        Action::ContextChanged(name) => vec![Effect::Load(name)],
        // Not while quitting: the console is about to restore the terminal for good.
        Action::ShellReady(_) if app.quit => Vec::new(),
        Action::ShellReady(shell) => vec![Effect::Shell(shell)],
        other => {
            state_changed(app, other);
            Vec::new()
        }
    }
}

/// Actions that only change the console's state.
fn state_changed(app: &mut App, action: Action) {
    match action {
        Action::AllLoaded(rows) => {
            app.oncall.all = rows;
            app.oncall.all_loaded = true;
            let n = app.oncall.all.len();
            app.oncall.selected[0] = app.oncall.selected[0].min(n.saturating_sub(1));
        }
        Action::IncidentsLoaded { context, entries } => {
            app.oncall.incidents.insert(context, entries);
            let n = app
                .oncall
                .rows(crate::tui::features::oncall::View::Incidents);
            app.oncall.selected[1] = app.oncall.selected[1].min(n.saturating_sub(1));
        }
        Action::ProposalsLoaded { context, proposals } => {
            app.oncall.proposals.insert(context, proposals);
        }
        Action::IdentityProbed(at) => app.identity_missing_at = at,
        Action::ChecklistDone(lists) => crate::tui::features::checklist::done(app, lists),
        Action::ShowInfo {
            context,
            title,
            lines,
        } if context == app.active_name() => {
            app.overlay = Overlay::Info {
                title,
                lines,
                scroll: 0,
            };
        }
        Action::Notice { error, text } => {
            let level = if error {
                FlashLevel::Error
            } else {
                FlashLevel::Info
            };
            app.flash(level, text);
        }
        Action::Tick(now)
            if app
                .flash
                .as_ref()
                .is_some_and(|f| now.saturating_duration_since(f.shown) >= FLASH_SHOWN_FOR) =>
        {
            app.flash = None;
        }
        Action::Tasks(tasks) => app.tasks = tasks,
        Action::Clock(now) => app.now = now,
        Action::Stop => app.quit = true,
        Action::TaskStarted(id) => {
            app.log.task = Some(id);
            app.log.follow = true;
            app.log.hit = None;
        }
        Action::LogSearched(Some(i)) => {
            app.log.hit = Some(i);
            app.log.follow = false;
            app.log.scroll = i;
        }
        Action::LogSearched(None) => {
            let q = app.log.search.clone().unwrap_or_default();
            app.flash(FlashLevel::Info, format!("no line matches {q:?}"));
        }
        // Handled by `update` and `delivered`; a view of a tab no longer shown, a tick with
        // nothing to expire.
        _ => {}
    }
}
