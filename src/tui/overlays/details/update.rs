//! Drilling in (Enter, the k9s habit): an event's detail, an app's release history (pick a
//! release to roll back to), a target's settings and last check, a backup, a task; and the
//! secrets and doctor views. Each view's action keys are the keymap's own.

use crossterm::event::KeyEvent;

use crate::state::events::EventRecord;
use crate::text::human_duration;
use crate::tui::core::action::{Effect, Op, Pane};
use crate::tui::core::app::{App, FlashLevel, FormKind, History, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::features::oncall;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::forms::update::form;
use crate::tui::update::view_keys::scrolled;

/// Opens the detail of the focused pane's selection.
pub(in crate::tui) fn open(app: &mut App) {
    match app.focus {
        Pane::Targets => match app.selected_target() {
            Some(t) => {
                app.overlay = Overlay::Target {
                    name: t.target.name.to_string(),
                    scroll: 0,
                }
            }
            None => app.flash(FlashLevel::Info, "no target selected"),
        },
        Pane::Apps => match app.selected_app() {
            Some(a) if a.history.is_empty() && a.current.is_empty() => {
                let why = format!("{} has no releases yet: d deploys it", a.name);
                app.flash(FlashLevel::Info, why);
            }
            Some(a) => {
                let mut releases = a.history.clone();
                if !a.current.is_empty() && !releases.contains(&a.current) {
                    releases.insert(0, a.current.clone());
                }
                app.overlay = Overlay::History(Box::new(History {
                    app: a.name.clone(),
                    releases,
                    current: a.current.clone(),
                    selected: 0,
                }));
            }
            None => app.flash(FlashLevel::Info, "no app selected"),
        },
        Pane::Events => match app.selected_event() {
            Some(e) => {
                app.overlay = Overlay::Event {
                    record: Box::new(e.clone()),
                    scroll: 0,
                }
            }
            None => app.flash(FlashLevel::Info, "no event selected"),
        },
        Pane::Backups => match app.selected_backup() {
            Some(b) => {
                let mut lines = vec![
                    format!("id          {}", b.id),
                    format!("kind        {}", b.kind),
                    format!("app         {}", b.app),
                    format!(
                        "target      {}",
                        if b.target.is_empty() { "-" } else { &b.target }
                    ),
                    format!("started at  {}", b.created_at),
                    format!(
                        "size        {}",
                        b.size_bytes
                            .map(crate::text::human_bytes)
                            .unwrap_or_else(|| "-".into())
                    ),
                    format!(
                        "sha256      {}",
                        if b.sha256.is_empty() { "-" } else { &b.sha256 }
                    ),
                    format!("verified    {}", b.verified_label()),
                ];
                if !b.detail.is_empty() {
                    lines.push(format!(
                        "{}      {}",
                        if b.failed { "error " } else { "detail" },
                        b.detail
                    ));
                }
                lines.push(String::new());
                lines.push("v verifies it, r restores from it (both through the guard)".into());
                app.overlay = Overlay::Info {
                    title: format!("backup {}", b.id),
                    lines,
                    scroll: 0,
                };
            }
            None => app.flash(FlashLevel::Info, "no backup selected"),
        },
        // An instance's detail is what can be done with it: its action menu.
        Pane::Instances => crate::tui::overlays::menus::open_menu(app),
        Pane::Log => {
            let task = app
                .log
                .task
                .and_then(|id| app.tasks.iter().find(|t| t.id == id));
            match task {
                Some(t) => {
                    let lines = vec![
                        format!("task     #{}", t.id),
                        format!("title    {}", t.title),
                        format!("context  {}", t.context),
                        format!("state    {}", t.state),
                        format!("elapsed  {}", human_duration(t.elapsed)),
                        format!("result   {}", t.summary),
                    ];
                    app.overlay = Overlay::Info {
                        title: format!("task #{}", t.id),
                        lines,
                        scroll: 0,
                    };
                }
                None => app.flash(FlashLevel::Info, "no task yet"),
            }
        }
    }
}

/// A key while a detail view is open. Returns `None` for overlays this file does not own.
pub(in crate::tui) fn detail_key(
    app: &mut App,
    overlay: Overlay,
    k: KeyEvent,
) -> Option<Vec<Effect>> {
    let owned = matches!(
        overlay,
        Overlay::Event { .. }
            | Overlay::History(_)
            | Overlay::Target { .. }
            | Overlay::Info { .. }
            | Overlay::Secrets { .. }
            | Overlay::Incident { .. }
            | Overlay::Doctor { .. }
    );
    if !owned {
        app.overlay = overlay;
        return None;
    }
    if app.keymap.is(Cmd::ViewClose, &k) {
        return Some(Vec::new());
    }
    Some(match overlay {
        Overlay::Event { record, scroll } => event_key(app, record, scroll, &k),
        Overlay::History(h) => crate::tui::features::deploy::history::key(app, h, &k),
        Overlay::Target { name, scroll } => target_key(app, name, scroll, &k),
        Overlay::Secrets {
            app: name,
            rows,
            selected,
        } => crate::tui::features::secrets::update::key(app, name, rows, selected, &k),
        Overlay::Incident {
            context,
            id,
            scroll,
        } => incident_key(app, context, id, scroll, &k),
        Overlay::Doctor { .. } if app.keymap.is(Cmd::Doctor, &k) => {
            crate::tui::features::checklist::open(app)
        }
        // Reports: read, then closed with the pick key too.
        Overlay::Info { .. } | Overlay::Doctor { .. } if app.keymap.is(Cmd::ViewPick, &k) => {
            Vec::new()
        }
        Overlay::Info {
            title,
            lines,
            scroll,
        } => {
            let scroll = scrolled(&app.keymap, scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Info {
                title,
                lines,
                scroll,
            };
            Vec::new()
        }
        Overlay::Doctor { context, scroll } => {
            let scroll = scrolled(&app.keymap, scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Doctor { context, scroll };
            Vec::new()
        }
        other => {
            app.overlay = other;
            Vec::new()
        }
    })
}

/// An event's detail: acknowledge it, open its incident, roll its app back, follow its logs.
fn event_key(app: &mut App, record: Box<EventRecord>, scroll: u16, k: &KeyEvent) -> Vec<Effect> {
    let context = if record.context.is_empty() {
        app.active_name()
    } else {
        record.context.clone()
    };
    if app.keymap.is(Cmd::Acknowledge, k) {
        let fx = oncall::acknowledge_event(app, &context, &record);
        if matches!(app.overlay, Overlay::None) {
            app.overlay = Overlay::Event { record, scroll };
        }
        return fx;
    }
    if app.keymap.is(Cmd::Incidents, k) {
        match oncall::incident_of(app, &context, &record) {
            Some(id) => oncall::show_incident(app, &context, &id),
            None => {
                app.flash(
                    FlashLevel::Info,
                    "this event was not folded into an incident",
                );
                app.overlay = Overlay::Event { record, scroll };
            }
        }
        return Vec::new();
    }
    if app.keymap.is(Cmd::Rollback, k) {
        let fx = oncall::rollback_plan(app, &context, &record);
        if matches!(app.overlay, Overlay::None) && fx.is_empty() {
            app.overlay = Overlay::Event { record, scroll };
        }
        return fx;
    }
    if app.keymap.is(Cmd::Logs, k) {
        let app_name = record
            .fields
            .get("app")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        if app_name.is_empty() {
            app.flash(FlashLevel::Warn, "this event names no app: no logs to open");
            app.overlay = Overlay::Event { record, scroll };
            return Vec::new();
        }
        let target = Some(record.target.clone()).filter(|t| !t.is_empty());
        let op = Op::logs(&app_name, target);
        return request(app, op);
    }
    let scroll = scrolled(&app.keymap, scroll, k).unwrap_or(scroll);
    app.overlay = Overlay::Event { record, scroll };
    Vec::new()
}

/// A target's detail: check it, edit it.
fn target_key(app: &mut App, name: String, scroll: u16, k: &KeyEvent) -> Vec<Effect> {
    if app.keymap.is(Cmd::Check, k) {
        let targets = vec![name];
        return request(app, Op::check(targets));
    }
    if app.keymap.is(Cmd::EditTarget, k) {
        app.overlay = Overlay::Form(Box::new(form(FormKind::EditTarget(name), app)));
        return Vec::new();
    }
    let scroll = scrolled(&app.keymap, scroll, k).unwrap_or(scroll);
    app.overlay = Overlay::Target { name, scroll };
    Vec::new()
}

/// An incident's detail: acknowledge or resolve it.
fn incident_key(
    app: &mut App,
    context: String,
    id: String,
    scroll: u16,
    k: &KeyEvent,
) -> Vec<Effect> {
    if app.keymap.is(Cmd::Acknowledge, k) || app.keymap.is(Cmd::Resolve, k) {
        let Some(e) = oncall::find_incident(app, &context, &id).cloned() else {
            return Vec::new();
        };
        return oncall::incident_action(app, &context, &e, k);
    }
    let scroll = scrolled(&app.keymap, scroll, k).unwrap_or(scroll);
    app.overlay = Overlay::Incident {
        context,
        id,
        scroll,
    };
    Vec::new()
}
