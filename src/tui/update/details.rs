//! Drilling in (Enter, the k9s habit): an event's detail, an app's release history (pick a
//! release to roll back to), a target's settings and last check, a backup, a task; and the
//! secrets and doctor views. Each view's action keys are the keymap's own.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::action::{Effect, Op, Pane};
use super::super::app::{App, FlashLevel, FormKind, History, Overlay};
use super::super::keymap::Cmd;
use super::forms::{form, form_with};
use super::overlays::is_ctrl_c;
use super::request::{request, request_unless};
use crate::ops::deploy::Common;
use crate::text::human_duration;
use crate::tui::oncall;

/// Opens the detail of the focused pane's selection.
pub(super) fn open(app: &mut App) {
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
        Pane::Instances => super::menus::open_menu(app),
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

/// Scroll keys shared by the read-only views; `None` when the key is not one.
fn scrolled(scroll: u16, k: &KeyEvent) -> Option<u16> {
    Some(match k.code {
        KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        KeyCode::PageDown => scroll.saturating_add(10),
        KeyCode::PageUp => scroll.saturating_sub(10),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => return None,
    })
}

fn closes(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Esc | KeyCode::Char('q')) || is_ctrl_c(k)
}

/// A key while a detail view is open. Returns `None` for overlays this file does not own.
pub(super) fn detail_key(app: &mut App, overlay: Overlay, k: KeyEvent) -> Option<Vec<Effect>> {
    let fx = match overlay {
        Overlay::Event { record, scroll } => {
            if closes(&k) {
                return Some(Vec::new());
            }
            let context = if record.context.is_empty() {
                app.active_name()
            } else {
                record.context.clone()
            };
            if app.keymap.is(Cmd::Acknowledge, &k) {
                let fx = oncall::acknowledge_event(app, &context, &record);
                if matches!(app.overlay, Overlay::None) {
                    app.overlay = Overlay::Event { record, scroll };
                }
                return Some(fx);
            }
            if app.keymap.is(Cmd::Incidents, &k) {
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
                return Some(Vec::new());
            }
            if app.keymap.is(Cmd::Rollback, &k) {
                let fx = oncall::rollback_plan(app, &context, &record);
                if matches!(app.overlay, Overlay::None) && fx.is_empty() {
                    app.overlay = Overlay::Event { record, scroll };
                }
                return Some(fx);
            }
            if app.keymap.is(Cmd::Logs, &k) {
                let app_name = record
                    .fields
                    .get("app")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                if app_name.is_empty() {
                    app.flash(FlashLevel::Warn, "this event names no app: no logs to open");
                    app.overlay = Overlay::Event { record, scroll };
                    return Some(Vec::new());
                }
                let target = Some(record.target.clone()).filter(|t| !t.is_empty());
                return Some(request(app, Op::logs(&app_name, target)));
            }
            let scroll = scrolled(scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Event { record, scroll };
            Vec::new()
        }
        Overlay::History(mut h) => {
            if closes(&k) {
                return Some(Vec::new());
            }
            let n = h.releases.len().max(1);
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => h.selected = (h.selected + 1) % n,
                KeyCode::Up | KeyCode::Char('k') => h.selected = (h.selected + n - 1) % n,
                _ if k.code == KeyCode::Enter || app.keymap.is(Cmd::Rollback, &k) => {
                    let Some(rel) = h.releases.get(h.selected).cloned() else {
                        return Some(Vec::new());
                    };
                    let why = (rel == h.current)
                        .then(|| format!("{rel} is already the current release of {}", h.app));
                    let op = Op::rollback(Common::new(&h.app), Some(rel));
                    if why.is_some() {
                        app.overlay = Overlay::History(h);
                    }
                    return Some(request_unless(app, why, op));
                }
                // The app's detail leads to its add-ons, which go into every release.
                _ if app.keymap.is(Cmd::Addons, &k) => {
                    app.overlay = Overlay::Addons {
                        app: h.app.clone(),
                        selected: 0,
                    };
                    return Some(Vec::new());
                }
                _ => {}
            }
            app.overlay = Overlay::History(h);
            Vec::new()
        }
        Overlay::Target { name, scroll } => {
            if closes(&k) {
                return Some(Vec::new());
            }
            if app.keymap.is(Cmd::Check, &k) {
                return Some(request(app, Op::check(vec![name])));
            }
            if app.keymap.is(Cmd::EditTarget, &k) {
                app.overlay = Overlay::Form(Box::new(form(FormKind::EditTarget(name), app)));
                return Some(Vec::new());
            }
            let scroll = scrolled(scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Target { name, scroll };
            Vec::new()
        }
        Overlay::Info {
            title,
            lines,
            scroll,
        } => {
            if closes(&k) || k.code == KeyCode::Enter {
                return Some(Vec::new());
            }
            let scroll = scrolled(scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Info {
                title,
                lines,
                scroll,
            };
            Vec::new()
        }
        Overlay::Secrets {
            app: name,
            rows,
            mut selected,
        } => {
            if closes(&k) {
                return Some(Vec::new());
            }
            let n = rows.len().max(1);
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => selected = (selected + 1) % n,
                KeyCode::Up | KeyCode::Char('k') => selected = (selected + n - 1) % n,
                _ if k.code == KeyCode::Enter || app.keymap.is(Cmd::SetSecret, &k) => {
                    let var = rows
                        .get(selected)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    let f = form_with(FormKind::SetSecret, app, "name", &var);
                    app.overlay = Overlay::Form(Box::new(f));
                    return Some(Vec::new());
                }
                // D removes the selected variable's value: the every-target one, else the
                // first target's own (the dialog names which).
                _ if app.keymap.is(Cmd::RemoveApp, &k) => {
                    let Some(row) = rows.get(selected) else {
                        return Some(Vec::new());
                    };
                    let target = match (row.global, row.targets.first()) {
                        (true, _) => None,
                        (false, Some(t)) => Some(t.clone()),
                        (false, None) => {
                            app.flash(
                                FlashLevel::Warn,
                                format!("{} has no value to remove", row.name),
                            );
                            app.overlay = Overlay::Secrets {
                                app: name,
                                rows,
                                selected,
                            };
                            return Some(Vec::new());
                        }
                    };
                    let op = Op::UnsetSecret {
                        app: name.clone(),
                        name: row.name.clone(),
                        target,
                    };
                    return Some(request(app, op));
                }
                _ => {}
            }
            app.overlay = Overlay::Secrets {
                app: name,
                rows,
                selected,
            };
            Vec::new()
        }
        Overlay::Incident {
            context,
            id,
            scroll,
        } => {
            if closes(&k) {
                return Some(Vec::new());
            }
            if app.keymap.is(Cmd::Acknowledge, &k) || app.keymap.is(Cmd::Resolve, &k) {
                let Some(e) = oncall::find_incident(app, &context, &id).cloned() else {
                    return Some(Vec::new());
                };
                return Some(oncall::incident_action(app, &context, &e, &k));
            }
            let scroll = scrolled(scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Incident {
                context,
                id,
                scroll,
            };
            Vec::new()
        }
        Overlay::Doctor { context, scroll } => {
            if closes(&k) || k.code == KeyCode::Enter {
                return Some(Vec::new());
            }
            let scroll = scrolled(scroll, &k).unwrap_or(scroll);
            app.overlay = Overlay::Doctor { context, scroll };
            Vec::new()
        }
        other => {
            app.overlay = other;
            return None;
        }
    };
    Some(fx)
}
