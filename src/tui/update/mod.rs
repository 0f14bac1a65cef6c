//! The reducer: `update(&mut App, Action) -> Vec<Effect>`. Pure: it reads and changes the
//! console state and returns the work to do; it never touches files, SSH or the terminal.
//! Every operation goes through [`request`], which asks the one guard. One file per kind of
//! input: keys and named commands, overlays, forms, menus, the palette, the mouse; async
//! results are handled here.

mod addons;
mod details;
mod forms;
mod keygen;
mod keys;
mod menus;
mod mouse;
mod overlays;
mod palette;
mod paste;
mod request;

use super::action::{Action, Effect, Op, Pane};
use super::app::{App, Confirm, DoctorState, FLASH_SHOWN_FOR, FlashLevel, Overlay};
use crate::policy::guard::ConfirmLevel;

#[cfg(test)]
pub use forms::CONTEXT_TYPES;

/// How a tab's trouble from its doctor begins, so it can be told from other trouble.
const DOCTOR_TROUBLE: &str = "doctor fails: ";

pub use keys::command;
pub use request::request;

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
        Action::ContextsLoaded(views) => {
            let active = app.active_name();
            let mut old: Vec<_> = std::mem::take(&mut app.contexts);
            app.contexts = views
                .into_iter()
                .map(|mut v| {
                    if let Some(i) = old.iter().position(|o| o.name == v.name) {
                        let o = old.remove(i);
                        v.snapshot = o.snapshot;
                        v.doctor = o.doctor;
                    }
                    v
                })
                .collect();
            app.active = app
                .contexts
                .iter()
                .position(|c| c.name == active)
                .unwrap_or(0);
            Vec::new()
        }
        Action::SwitchTo(name) => switch_to(app, &name),
        Action::Loaded { context, snapshot } => {
            if let Some(c) = app.ctx_by_name_mut(&context) {
                let mut snapshot = *snapshot;
                // The load read the events before rows the follower has delivered since: keep
                // those, or a slow reload would take them off the pane until the next append.
                if let Some(old) = c.snapshot.take() {
                    let key = |r: &crate::state::events::EventRecord| {
                        crate::state::clock::sort_key(&r.timestamp)
                    };
                    let newest = snapshot.events.first().and_then(key);
                    let later: Vec<_> = old
                        .events
                        .into_iter()
                        .take_while(|r| key(r) > newest)
                        .filter(|r| !snapshot.events.contains(r))
                        .collect();
                    snapshot.events.splice(0..0, later);
                    snapshot.events.truncate(super::app::EVENTS_KEPT);
                }
                c.snapshot = Some(snapshot);
            }
            clamp_selections(app);
            Vec::new()
        }
        Action::EventsAppended { context, rows } => {
            let fx = crate::tui::oncall::on_events(app, &context, &rows);
            let active = app.active_name() == context;
            if !active
                && let Some(r) = rows
                    .iter()
                    .rev()
                    .find(|r| r.status == "failed" && r.severity == "critical")
            {
                app.trouble.insert(
                    context.clone(),
                    format!(
                        "{} failed: {}",
                        r.command,
                        crate::tui::ui::panes::event_detail(r)
                    ),
                );
            }
            if let Some(s) = app
                .ctx_by_name_mut(&context)
                .and_then(|c| c.snapshot.as_mut())
            {
                // A reload may already hold rows the follower delivers again: keep one of each
                // (rows carry nanosecond timestamps, so equal rows are the same row).
                let fresh: Vec<_> = rows.into_iter().filter(|r| !s.events.contains(r)).collect();
                let n = fresh.len();
                for r in fresh {
                    s.events.insert(0, r);
                }
                s.events.truncate(super::app::EVENTS_KEPT);
                // Keep the selected event where it was unless the operator is at the top.
                if active && app.selection[2] > 0 {
                    app.selection[2] += n;
                }
            }
            clamp_selections(app);
            fx
        }
        Action::AllLoaded(rows) => {
            app.oncall.all = rows;
            app.oncall.all_loaded = true;
            let n = app.oncall.all.len();
            app.oncall.selected[0] = app.oncall.selected[0].min(n.saturating_sub(1));
            Vec::new()
        }
        Action::IncidentsLoaded { context, entries } => {
            app.oncall.incidents.insert(context, entries);
            let n = app.oncall.rows(crate::tui::oncall::View::Incidents);
            app.oncall.selected[1] = app.oncall.selected[1].min(n.saturating_sub(1));
            Vec::new()
        }
        Action::IdentityProbed(at) => {
            app.identity_missing_at = at;
            Vec::new()
        }
        Action::Keygen(outcome) => keygen::done(app, outcome),
        Action::ShowInfo {
            context,
            title,
            lines,
        } => {
            if context == app.active_name() {
                app.overlay = Overlay::Info {
                    title,
                    lines,
                    scroll: 0,
                };
            }
            Vec::new()
        }
        Action::DoctorDone { context, report } => {
            let active = app.active_name() == context;
            let blocking = report.blocking();
            let state = if !report.ok {
                DoctorState::Failed(blocking.clone())
            } else if report.warnings.is_empty() {
                DoctorState::Ok
            } else {
                DoctorState::Warn(report.warnings.clone())
            };
            let mut newly_failing = false;
            if let Some(c) = app.ctx_by_name_mut(&context) {
                newly_failing = !report.ok && c.doctor != state;
                c.doctor = state;
            }
            if newly_failing && !active {
                app.trouble.insert(
                    context.clone(),
                    format!("{DOCTOR_TROUBLE}{}", blocking.join(", ")),
                );
            }
            // Fixed elsewhere: the doctor's mark goes without a visit (other trouble stays).
            if report.ok
                && app
                    .trouble
                    .get(&context)
                    .is_some_and(|t| t.starts_with(DOCTOR_TROUBLE))
            {
                app.trouble.remove(&context);
            }
            app.reports.insert(context, *report);
            Vec::new()
        }
        Action::SecretsListed {
            context,
            app: name,
            rows,
        } => {
            if context == app.active_name() {
                app.overlay = Overlay::Secrets {
                    app: name,
                    rows,
                    selected: 0,
                };
            }
            Vec::new()
        }
        Action::Checked { context, results } => {
            if let Some(s) = app
                .ctx_by_name_mut(&context)
                .and_then(|c| c.snapshot.as_mut())
            {
                for r in results {
                    if let Some(row) = s.targets.iter_mut().find(|t| t.target.is(&r.target)) {
                        row.check = Some(r);
                    }
                }
            }
            Vec::new()
        }
        Action::Planned { planned, confirm } => {
            let plan = planned.0.clone();
            if plan.context != app.active_name() {
                app.flash(
                    FlashLevel::Warn,
                    format!(
                        "the {} plan for {} in {} arrived after you switched tabs; ask again there",
                        plan.kind.command(),
                        plan.app,
                        plan.context
                    ),
                );
                return Vec::new();
            }
            let op = Op::Apply(planned);
            app.flash = None;
            // Never one keystroke: even where the guard asks nothing, the plan is shown and
            // waits for y.
            let level = confirm.unwrap_or(ConfirmLevel::Yes).max(ConfirmLevel::Yes);
            let lines = plan_lines(&op);
            app.overlay = Overlay::Confirm(Box::new(Confirm::new(
                op,
                plan.context.clone(),
                level,
                lines,
            )));
            Vec::new()
        }
        Action::Notice { error, text } => {
            app.flash(
                if error {
                    FlashLevel::Error
                } else {
                    FlashLevel::Info
                },
                text,
            );
            Vec::new()
        }
        Action::Stage(m) => crate::tui::stage::update(app, m),
        Action::Tick(now) => {
            if app
                .flash
                .as_ref()
                .is_some_and(|f| now.saturating_duration_since(f.shown) >= FLASH_SHOWN_FOR)
            {
                app.flash = None;
            }
            Vec::new()
        }
        Action::TasksChanged => Vec::new(),
        Action::TaskStarted(id) => {
            app.log.task = Some(id);
            app.log.follow = true;
            app.log.hit = None;
            Vec::new()
        }
        Action::LogSearched(Some(i)) => {
            app.log.hit = Some(i);
            app.log.follow = false;
            app.log.scroll = i;
            Vec::new()
        }
        Action::LogSearched(None) => {
            let q = app.log.search.clone().unwrap_or_default();
            app.flash(FlashLevel::Info, format!("no line matches {q:?}"));
            Vec::new()
        }
    }
}

pub(super) fn clamp_selections(app: &mut App) {
    for pane in Pane::ALL.into_iter().filter(|p| *p != Pane::Log) {
        let i = pane.index();
        let n = app.row_count(pane);
        if app.selection[i] >= n {
            app.selection[i] = n.saturating_sub(1);
        }
    }
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

pub(super) fn switch_context(app: &mut App, i: usize) -> Vec<Effect> {
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

/// The confirmation lines of an op about to run: what, how dangerous, then its plan.
pub(super) fn plan_lines(op: &Op) -> Vec<String> {
    let verb = op.verb();
    let mut lines = vec![format!("{} · {}", verb.command(), verb.danger().as_str())];
    if let Op::Apply(p) = op {
        lines.extend(p.0.lines());
    }
    lines
}
