//! Keys outside overlays, and the named commands they (or the menu and palette) trigger.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::action::{Effect, Op, Pane};
use super::super::app::{App, FlashLevel, FormKind, Overlay, new_input};
use super::super::keymap::Cmd;
use super::forms::form;
use super::menus::open_menu;
use super::request::{
    logs_unavailable, missing_context, request, request_unless, rollback_unavailable,
};
use super::{clamp_selections, context_tasks, switch_context};
use crate::ops::deploy::Common;

pub(super) fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return super::overlays::overlay_key(app, k);
    }
    if let Some(fx) = crate::tui::oncall::on_key(app, &k) {
        return fx;
    }
    if k.code == KeyCode::Esc {
        let i = app.focus.index();
        if app.focus != Pane::Log && !app.filters[i].is_empty() {
            app.filters[i].clear();
            clamp_selections(app);
        }
        app.flash = None;
        return Vec::new();
    }
    match app.keymap.lookup(&k, app.focus) {
        Some(cmd) => command(app, cmd),
        None => {
            say_where_a_key_works(app, &k);
            Vec::new()
        }
    }
}

/// A key that does nothing here says which pane it works in (or that it is not bound).
fn say_where_a_key_works(app: &mut App, k: &KeyEvent) {
    let label = crate::tui::keymap::KeySpec::from_event(k).label();
    let elsewhere = app.keymap.elsewhere(k);
    let text = if elsewhere.is_empty() {
        format!("{label} is not bound to anything (? lists the keys)")
    } else {
        let places: Vec<String> = elsewhere
            .iter()
            .map(|c| match c.scope() {
                crate::tui::keymap::Scope::Pane(p) => {
                    format!("{} in the {} pane", c.description(), p.title())
                }
                crate::tui::keymap::Scope::Global => c.description().to_string(),
            })
            .collect();
        format!(
            "{label} does nothing in {}: it is {} (Tab/←/→ move between panes)",
            app.focus.title(),
            places.join("; ")
        )
    };
    app.flash(FlashLevel::Info, text);
}

pub(super) fn move_selection(app: &mut App, delta: isize, to_end: Option<bool>) {
    if app.focus == Pane::Log {
        let log = &mut app.log;
        match to_end {
            Some(true) => log.follow = true,
            Some(false) => {
                log.follow = false;
                log.scroll = 0;
            }
            None => {
                if delta < 0 {
                    log.follow = false;
                }
                log.scroll = (log.scroll as isize + delta).max(0) as usize;
            }
        }
        return;
    }
    let i = app.focus.index();
    let n = app.row_count(app.focus);
    if n == 0 {
        app.selection[i] = 0;
        return;
    }
    app.selection[i] = match to_end {
        Some(true) => n - 1,
        Some(false) => 0,
        None => (app.selection[i] as isize + delta).clamp(0, n as isize - 1) as usize,
    };
}

fn selected_target_name(app: &mut App) -> Option<String> {
    let t = app.selected_target().map(|t| t.target.name.to_string());
    if t.is_none() {
        app.flash(FlashLevel::Warn, "no target selected");
    }
    t
}

/// Opens the bootstrap form for a target of the active context (`B`, `target bootstrap` in the
/// palette); a target that is unknown or uses the local transport is said why instead.
pub(super) fn open_bootstrap(app: &mut App, name: &str, public_key: &str) {
    let Some(t) = app
        .snapshot()
        .and_then(|s| s.targets.iter().find(|t| t.target.is(name)))
        .map(|t| t.target.clone())
    else {
        app.flash(
            FlashLevel::Warn,
            format!(
                "no target named {} in this context",
                crate::text::sanitize_inline(name)
            ),
        );
        return;
    };
    if t.auth() == crate::state::targets::AuthMethod::Local {
        app.flash(
            FlashLevel::Warn,
            format!("{} uses the local transport: no key to install", t.name),
        );
        return;
    }
    let mut f = super::forms::form_with(
        FormKind::Bootstrap(t.name.to_string()),
        app,
        "public key",
        public_key,
    );
    // The password first, whatever was filled in.
    f.focus_on(0);
    app.overlay = Overlay::Form(Box::new(f));
}

fn selected_app_name(app: &mut App) -> Option<String> {
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

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let page = (app.size.1 / 4).max(1) as isize;
    match cmd {
        Cmd::Quit => {
            let running = app.running_everywhere();
            if running > 0 {
                app.overlay = Overlay::QuitConfirm { running };
                Vec::new()
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        Cmd::Help => {
            app.overlay = Overlay::Help { scroll: 0 };
            Vec::new()
        }
        Cmd::Palette => {
            app.overlay = Overlay::Palette {
                input: new_input("target check --all · ctx NAME · deploy --app APP"),
                message: None,
            };
            Vec::new()
        }
        Cmd::Filter => {
            let mut input = new_input(if app.focus == Pane::Log {
                "search the task log"
            } else {
                "filter rows"
            });
            let current = match app.focus {
                Pane::Log => app.log.search.clone().unwrap_or_default(),
                p => app.filters[p.index()].clone(),
            };
            input.insert_str(current);
            app.overlay = Overlay::Filter {
                pane: app.focus,
                input,
            };
            Vec::new()
        }
        Cmd::Menu => {
            open_menu(app);
            Vec::new()
        }
        Cmd::Open => {
            super::details::open(app);
            Vec::new()
        }
        Cmd::Doctor => {
            let fx = request(app, Op::DoctorReport);
            if !fx.is_empty() {
                app.overlay = Overlay::Doctor {
                    context: app.active_name(),
                    scroll: 0,
                };
            }
            fx
        }
        Cmd::EditTarget => match selected_target_name(app) {
            Some(t) => {
                app.overlay = Overlay::Form(Box::new(form(FormKind::EditTarget(t), app)));
                Vec::new()
            }
            None => Vec::new(),
        },
        Cmd::Bootstrap => {
            if let Some(t) = selected_target_name(app) {
                open_bootstrap(app, &t, "");
            }
            Vec::new()
        }
        Cmd::AddApp => {
            if missing_context(app) {
                return Vec::new();
            }
            app.overlay = Overlay::Form(Box::new(form(FormKind::AddApp, app)));
            Vec::new()
        }
        Cmd::EditApp => match selected_app_name(app) {
            Some(a) => {
                let registered = app.selected_app().is_some_and(|r| r.registered);
                if !registered {
                    app.flash(
                        FlashLevel::Warn,
                        format!("{a} has history but is not registered: add it with a"),
                    );
                    return Vec::new();
                }
                app.overlay = Overlay::Form(Box::new(form(FormKind::EditApp(a), app)));
                Vec::new()
            }
            None => Vec::new(),
        },
        Cmd::RemoveApp => match selected_app_name(app) {
            Some(name) => request(app, Op::RemoveApp { name }),
            None => Vec::new(),
        },
        Cmd::Addons => {
            super::addons::open(app);
            Vec::new()
        }
        Cmd::Secrets => match selected_app_name(app) {
            Some(a) => request(app, Op::SecretList { app: a }),
            None => Vec::new(),
        },
        Cmd::SetSecret => {
            if missing_context(app) {
                return Vec::new();
            }
            app.overlay = Overlay::Form(Box::new(form(FormKind::SetSecret, app)));
            Vec::new()
        }
        Cmd::FocusNext | Cmd::FocusPrev => {
            let order = crate::tui::stage::focus_order(app);
            let n = order.len();
            let i = order.iter().position(|p| *p == app.focus).unwrap_or(0);
            let next = if cmd == Cmd::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            app.focus = order[next];
            Vec::new()
        }
        Cmd::Up => {
            move_selection(app, -1, None);
            Vec::new()
        }
        Cmd::Down => {
            move_selection(app, 1, None);
            Vec::new()
        }
        Cmd::PageUp => {
            move_selection(app, -page, None);
            Vec::new()
        }
        Cmd::PageDown => {
            move_selection(app, page, None);
            Vec::new()
        }
        Cmd::Top => {
            move_selection(app, 0, Some(false));
            Vec::new()
        }
        Cmd::Bottom => {
            move_selection(app, 0, Some(true));
            Vec::new()
        }
        Cmd::PrevContext => {
            let n = app.contexts.len().max(1);
            switch_context(app, (app.active + n - 1) % n)
        }
        Cmd::NextContext => {
            let n = app.contexts.len().max(1);
            switch_context(app, (app.active + 1) % n)
        }
        Cmd::Context1
        | Cmd::Context2
        | Cmd::Context3
        | Cmd::Context4
        | Cmd::Context5
        | Cmd::Context6
        | Cmd::Context7
        | Cmd::Context8
        | Cmd::Context9 => {
            let n = Cmd::ALL.iter().position(|c| *c == cmd).unwrap_or(0)
                - Cmd::ALL
                    .iter()
                    .position(|c| *c == Cmd::Context1)
                    .unwrap_or(0);
            switch_context(app, n)
        }
        Cmd::ContextInit => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::ContextInit, app)));
            Vec::new()
        }
        Cmd::AllEvents => crate::tui::oncall::open(app, crate::tui::oncall::View::All),
        Cmd::Incidents => crate::tui::oncall::open(app, crate::tui::oncall::View::Incidents),
        Cmd::Acknowledge | Cmd::Resolve => {
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
        Cmd::ContextUse => {
            let name = app.active_name();
            request(app, Op::ContextUse { name })
        }
        Cmd::Check => match selected_target_name(app) {
            Some(t) => request(app, Op::check(vec![t])),
            None => Vec::new(),
        },
        Cmd::CheckAll => {
            let targets = all_target_names(app);
            if targets.is_empty() {
                app.flash(
                    FlashLevel::Warn,
                    "this context has no targets; press a to add one",
                );
                return Vec::new();
            }
            request(app, Op::check(targets))
        }
        Cmd::AddTarget => {
            if missing_context(app) {
                return Vec::new();
            }
            app.overlay = Overlay::Form(Box::new(form(FormKind::AddTarget, app)));
            Vec::new()
        }
        Cmd::Remove => match selected_target_name(app) {
            Some(name) => request(app, Op::RemoveTarget { name }),
            None => Vec::new(),
        },
        Cmd::UseTarget => match selected_target_name(app) {
            Some(name) => request(app, Op::UseTarget { name }),
            None => Vec::new(),
        },
        Cmd::Exec => {
            if missing_context(app) {
                return Vec::new();
            }
            app.overlay = Overlay::Form(Box::new(form(FormKind::Exec, app)));
            Vec::new()
        }
        Cmd::Deploy => match selected_app_name(app) {
            Some(a) => request(app, Op::deploy(&a)),
            None => Vec::new(),
        },
        Cmd::Rollback => match selected_app_name(app) {
            Some(a) => request_unless(
                app,
                rollback_unavailable(app),
                Op::rollback(Common::new(&a), None),
            ),
            None => Vec::new(),
        },
        Cmd::Logs => match selected_app_name(app) {
            Some(a) => request_unless(app, logs_unavailable(app), Op::logs(&a, None)),
            None => Vec::new(),
        },
        Cmd::EventsTail => request(app, Op::EventsTail),
        Cmd::Backup | Cmd::BackupVerify | Cmd::BackupRestore => {
            crate::tui::backup::command(app, cmd)
        }
        Cmd::StageRefresh
        | Cmd::StageClone
        | Cmd::StageStart
        | Cmd::StageStop
        | Cmd::StageReset => crate::tui::stage::command(app, cmd),
        Cmd::CancelTask => {
            let running = app
                .log
                .task
                .and_then(|id| app.tasks.iter().find(|t| t.id == id))
                .filter(|t| t.state == "running")
                .map(|t| t.id);
            match running {
                Some(id) => {
                    app.flash(FlashLevel::Info, format!("cancelling task #{id}…"));
                    vec![Effect::CancelTask(id)]
                }
                None => {
                    app.flash(FlashLevel::Info, "no running task is focused (q quits)");
                    Vec::new()
                }
            }
        }
        Cmd::Follow => {
            app.log.follow = !app.log.follow;
            Vec::new()
        }
        Cmd::Wrap => {
            app.log.wrap = !app.log.wrap;
            Vec::new()
        }
        Cmd::SearchNext | Cmd::SearchPrev => {
            if app.log.search.is_none() {
                app.flash(FlashLevel::Info, "no search yet: press / in the task pane");
                return Vec::new();
            }
            vec![Effect::SearchLog {
                forward: cmd == Cmd::SearchNext,
            }]
        }
        Cmd::NextTask | Cmd::PrevTask => {
            let ids = context_tasks(app);
            if ids.is_empty() {
                return Vec::new();
            }
            let pos = app.log.task.and_then(|t| ids.iter().position(|i| *i == t));
            let n = ids.len();
            let next = match (pos, cmd == Cmd::NextTask) {
                (None, _) => n - 1,
                (Some(p), true) => (p + 1) % n,
                (Some(p), false) => (p + n - 1) % n,
            };
            app.log.task = Some(ids[next]);
            app.log.follow = true;
            app.log.hit = None;
            Vec::new()
        }
    }
}
