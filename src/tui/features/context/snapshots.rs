//! A context's state arriving: the list of contexts read again, a context's snapshot (re)loaded,
//! event rows its follower delivered. What was delivered meanwhile is kept, once.

use crate::state::events::EventRecord;
use crate::tui::core::action::Effect;
use crate::tui::core::app::App;
use crate::tui::core::model::{ContextView, Snapshot};
use crate::tui::update::selection::clamp_selections;

/// The list of contexts was read again: each keeps what was loaded for it, and the shown tab
/// stays shown.
pub(in crate::tui) fn contexts_loaded(app: &mut App, views: Vec<ContextView>) -> Vec<Effect> {
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

pub(in crate::tui) fn loaded(app: &mut App, context: &str, mut snapshot: Snapshot) -> Vec<Effect> {
    if let Some(c) = app.ctx_by_name_mut(context) {
        // The load read the events before rows the follower has delivered since: keep those,
        // or a slow reload would take them off the pane until the next append.
        if let Some(old) = c.snapshot.take() {
            let key = |r: &EventRecord| crate::state::clock::sort_key(&r.timestamp);
            let newest = snapshot.events.first().and_then(key);
            let later: Vec<_> = old
                .events
                .into_iter()
                .take_while(|r| key(r) > newest)
                .filter(|r| !snapshot.events.contains(r))
                .collect();
            snapshot.events.splice(0..0, later);
            snapshot.events.truncate(crate::tui::core::app::EVENTS_KEPT);
        }
        c.snapshot = Some(snapshot);
    }
    clamp_selections(app);
    Vec::new()
}

/// New rows of a context, oldest first: into its events (and the All tab); a critical failure
/// in a tab not shown marks that tab.
pub(in crate::tui) fn events_appended(
    app: &mut App,
    context: String,
    rows: Vec<EventRecord>,
) -> Vec<Effect> {
    let fx = crate::tui::features::oncall::on_events(app, &context, &rows);
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
        s.events.truncate(crate::tui::core::app::EVENTS_KEPT);
        // Keep the selected event where it was unless the operator is at the top.
        if active && app.selection[2] > 0 {
            app.selection[2] += n;
        }
    }
    clamp_selections(app);
    fx
}
