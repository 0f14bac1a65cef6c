//! The responder's views: the **All** tab (every context's events merged newest first, each row
//! marked with its context, live) and the **Incidents** view (every context's incident queue),
//! and the open-incident counts the banner shows. State and reducer only; loading is an effect.

pub mod ack;
pub mod agent;
pub mod effects;
pub mod model;
pub mod view;

use crossterm::event::KeyEvent;

use crate::ops::deploy::Common;
use crate::state::events::EventRecord;
use crate::state::incidents::{Entry, IncidentStatus};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel, Form, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;

pub use model::{ALL_KEPT, ContextEvent, OnCall, Proposal, View, merge};

/// Whether a row may have changed a context's incidents.
fn is_failure(r: &EventRecord) -> bool {
    matches!(
        r.status.as_str(),
        "failed" | "error" | "degraded" | "retrying"
    )
}

/// New rows of a context: into the All tab, and a look at its incidents when one is a failure.
pub fn on_events(app: &mut App, context: &str, rows: &[EventRecord]) -> Vec<Effect> {
    app.oncall.add(context, rows);
    if rows.iter().any(is_failure) {
        vec![Effect::LoadIncidents(vec![context.to_string()])]
    } else {
        Vec::new()
    }
}

/// Shows a view (the context panes stay as they were underneath).
pub fn open(app: &mut App, v: View) -> Vec<Effect> {
    app.oncall.view = Some(v);
    app.flash = None;
    let names: Vec<String> = app.contexts.iter().map(|c| c.name.clone()).collect();
    match v {
        View::All if !app.oncall.all_loaded => vec![Effect::LoadAll(names)],
        View::All => Vec::new(),
        View::Incidents => vec![Effect::LoadIncidents(names)],
    }
}

/// The on-call commands: the views, and acknowledge/resolve outside them (where they say where
/// they work).
pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::AllEvents => open(app, View::All),
        Cmd::Incidents => open(app, View::Incidents),
        _ => {
            app.flash(
                FlashLevel::Info,
                format!(
                    "{} works on an event or incident: open the All tab ({}) or the Incidents view ({})",
                    cmd.name(),
                    app.keymap.first_key(Cmd::AllEvents),
                    app.keymap.first_key(Cmd::Incidents)
                ),
            );
            Vec::new()
        }
    }
}

/// Makes `context` the one actions apply to (the guard, the confirmation and the task name it),
/// keeping the view.
fn act_in(app: &mut App, context: &str) -> Vec<Effect> {
    if app.active_name() == context {
        return Vec::new();
    }
    let view = app.oncall.view;
    let Some(i) = app.contexts.iter().position(|c| c.name == context) else {
        return Vec::new();
    };
    let fx = super::context::switch::switch_context(app, i);
    app.oncall.view = view;
    fx
}

/// The alert id an event leads to: its own (an alert row), else none.
pub fn alert_of(r: &EventRecord) -> Option<String> {
    if r.source != "alert" || r.command == "alert acknowledge" {
        return None;
    }
    r.fields
        .get("id")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The incident an event was folded into, when the row names it.
pub fn incident_of(app: &App, context: &str, r: &EventRecord) -> Option<String> {
    if let Some(i) = r
        .fields
        .get(crate::state::incidents::INCIDENT_ID_FIELD)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
    {
        return Some(i.to_string());
    }
    // A failure row itself: the incident whose trigger is this row's time.
    let entries = app.oncall.incidents.get(context)?;
    entries
        .iter()
        .find(|e| e.incident.triggered_at == r.timestamp || e.first_seen == r.timestamp)
        .map(|e| e.id().to_string())
}

/// Opens the acknowledge form (an optional note) in the event's or incident's context: for the
/// alert it leads to when there is one (its incident follows), else for the incident itself
/// when it is open. The op is asked for when the form is submitted.
pub fn acknowledge(
    app: &mut App,
    context: &str,
    alert: Option<String>,
    incident: Option<&Entry>,
) -> Vec<Effect> {
    let incident = match (&alert, incident) {
        (Some(_), _) => None,
        (None, Some(e)) => match e.status {
            IncidentStatus::Open | IncidentStatus::Suppressed => Some(e.id().to_string()),
            IncidentStatus::Acknowledged => {
                app.flash(
                    FlashLevel::Info,
                    format!(
                        "incident {} is already acknowledged by {} at {}",
                        e.id(),
                        e.acknowledged_by,
                        e.acknowledged_at
                    ),
                );
                return Vec::new();
            }
            IncidentStatus::Resolved => {
                app.flash(
                    FlashLevel::Info,
                    format!("incident {} is resolved: nothing to acknowledge", e.id()),
                );
                return Vec::new();
            }
        },
        (None, None) => {
            app.flash(
                FlashLevel::Info,
                "nothing to acknowledge here: no alert was raised for it and it is in no incident",
            );
            return Vec::new();
        }
    };
    let fx = act_in(app, context);
    app.overlay = Overlay::Form(Box::new(Form {
        kind: FormKind::Acknowledge { alert, incident },
        fields: ack::fields(),
        focus: 0,
        error: None,
    }));
    fx
}

/// Acknowledges what an event leads to: its alert, else its incident's newest alert, else its
/// incident.
pub fn acknowledge_event(app: &mut App, context: &str, r: &EventRecord) -> Vec<Effect> {
    let incident =
        incident_of(app, context, r).and_then(|i| find_incident(app, context, &i).cloned());
    let alert = alert_of(r).or_else(|| incident.as_ref().and_then(incident_alert));
    acknowledge(app, context, alert, incident.as_ref())
}

/// The newest alert raised for an incident.
pub fn incident_alert(e: &Entry) -> Option<String> {
    e.alert_ids.last().cloned()
}

/// Opens an incident's detail.
pub fn show_incident(app: &mut App, context: &str, id: &str) {
    let known = app
        .oncall
        .incidents
        .get(context)
        .is_some_and(|v| v.iter().any(|e| e.is(id)));
    if known {
        app.overlay = Overlay::Incident {
            context: context.to_string(),
            id: id.to_string(),
            scroll: 0,
        };
    } else {
        app.flash(
            FlashLevel::Info,
            format!("incident {id} is not in {context}'s queue (pruned, or not read yet)"),
        );
    }
}

pub fn find_incident<'a>(app: &'a App, context: &str, id: &str) -> Option<&'a Entry> {
    app.oncall.incidents.get(context)?.iter().find(|e| e.is(id))
}

/// Plans a rollback of an event's app on its target, in its context.
pub fn rollback_plan(app: &mut App, context: &str, r: &EventRecord) -> Vec<Effect> {
    let Some(name) = r
        .fields
        .get("app")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
    else {
        app.flash(
            FlashLevel::Info,
            "this event names no app: nothing to roll back",
        );
        return Vec::new();
    };
    let mut common = Common::new(&name);
    let target = r.target.split(',').next().unwrap_or("").trim().to_string();
    if !target.is_empty() {
        common.targets = vec![target];
    }
    let mut fx = act_in(app, context);
    fx.extend(crate::tui::overlays::confirm::request::request(
        app,
        Op::rollback(common, None),
    ));
    fx
}

/// Follows an event's app logs on its target, in its context.
fn logs(app: &mut App, context: &str, r: &EventRecord) -> Vec<Effect> {
    let Some(name) = r
        .fields
        .get("app")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
    else {
        app.flash(FlashLevel::Info, "this event names no app: no logs to open");
        return Vec::new();
    };
    let name = name.to_string();
    let target = r
        .target
        .split(',')
        .next()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let mut fx = act_in(app, context);
    fx.extend(crate::tui::overlays::confirm::request::request(
        app,
        Op::logs(&name, target),
    ));
    fx
}

/// A key while a view is shown. `None`: not the view's; the usual commands have it.
pub fn on_key(app: &mut App, k: &KeyEvent) -> Option<Vec<Effect>> {
    let v = app.oncall.view?;
    if app.keymap.is(Cmd::Dismiss, k) {
        app.oncall.view = None;
        app.flash = None;
        return Some(Vec::new());
    }
    let n = app.oncall.rows(v);
    let i = OnCall::index(v);
    let page = (app.size.1 / 3).max(1) as usize;
    let last = n.saturating_sub(1);
    let cur = app.oncall.selected[i];
    let next = if app.keymap.is(Cmd::Down, k) {
        (cur + 1).min(last)
    } else if app.keymap.is(Cmd::Up, k) {
        cur.saturating_sub(1)
    } else if app.keymap.is(Cmd::Top, k) {
        0
    } else if app.keymap.is(Cmd::Bottom, k) {
        last
    } else if app.keymap.is(Cmd::PageDown, k) {
        (cur + page).min(last)
    } else if app.keymap.is(Cmd::PageUp, k) {
        cur.saturating_sub(page)
    } else {
        return match v {
            View::All => all_key(app, k),
            View::Incidents => incidents_key(app, k),
        };
    };
    app.oncall.selected[i] = next;
    Some(Vec::new())
}

fn selected_event(app: &App) -> Option<ContextEvent> {
    app.oncall.all.get(app.oncall.selection(View::All)).cloned()
}

fn all_key(app: &mut App, k: &KeyEvent) -> Option<Vec<Effect>> {
    let wants = |c: Cmd| app.keymap.is(c, k);
    if !(wants(Cmd::Open)
        || wants(Cmd::Acknowledge)
        || wants(Cmd::Rollback)
        || wants(Cmd::Logs)
        || wants(Cmd::Incidents))
    {
        return None;
    }
    if wants(Cmd::Incidents) && !wants(Cmd::Open) {
        return Some(open(app, View::Incidents));
    }
    let Some(e) = selected_event(app) else {
        app.flash(FlashLevel::Info, "no event selected");
        return Some(Vec::new());
    };
    Some(if wants(Cmd::Open) {
        app.overlay = Overlay::Event {
            record: Box::new(e.record),
            scroll: 0,
        };
        Vec::new()
    } else if wants(Cmd::Acknowledge) {
        acknowledge_event(app, &e.context, &e.record)
    } else if wants(Cmd::Rollback) {
        rollback_plan(app, &e.context, &e.record)
    } else {
        logs(app, &e.context, &e.record)
    })
}

fn incidents_key(app: &mut App, k: &KeyEvent) -> Option<Vec<Effect>> {
    let wants = |c: Cmd| app.keymap.is(c, k);
    if !(wants(Cmd::Open)
        || wants(Cmd::Acknowledge)
        || wants(Cmd::Resolve)
        || wants(Cmd::AgentApprove)
        || wants(Cmd::AgentDeny))
    {
        return None;
    }
    let rows = app.oncall.incident_rows();
    let Some((ctx, e)) = rows
        .get(app.oncall.selection(View::Incidents))
        .map(|(c, e)| (c.to_string(), (*e).clone()))
    else {
        app.flash(FlashLevel::Info, "no incident selected");
        return Some(Vec::new());
    };
    let approving = wants(Cmd::AgentApprove);
    if approving || wants(Cmd::AgentDeny) {
        let Some(p) = app.oncall.proposal_for(&ctx, e.id()).cloned() else {
            app.flash(
                FlashLevel::Info,
                format!(
                    "no agent proposal waits for a decision on incident {}",
                    e.id()
                ),
            );
            return Some(Vec::new());
        };
        let mut fx = act_in(app, &ctx);
        fx.extend(if approving {
            agent::approve(app, p)
        } else {
            agent::deny_form(app, p)
        });
        return Some(fx);
    }
    Some(incident_action(app, &ctx, &e, k))
}

/// The note of an incident resolved with a key.
const RESOLVED_HERE: &str = "resolved in the console";

/// Open, acknowledge or resolve an incident (the Incidents view and the incident detail).
pub fn incident_action(app: &mut App, context: &str, e: &Entry, k: &KeyEvent) -> Vec<Effect> {
    if app.keymap.is(Cmd::Acknowledge, k) {
        return acknowledge(app, context, incident_alert(e), Some(e));
    }
    if app.keymap.is(Cmd::Resolve, k) {
        let mut fx = act_in(app, context);
        fx.extend(crate::tui::overlays::confirm::request::request(
            app,
            Op::IncidentResolve {
                id: e.id().to_string(),
                note: RESOLVED_HERE.to_string(),
            },
        ));
        return fx;
    }
    show_incident(app, context, e.id());
    Vec::new()
}
