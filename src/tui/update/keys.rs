//! Keys outside overlays, and the named commands they (or the menu and palette) trigger: the
//! general ones here, the others in their capability's file (navigation, contexts, targets,
//! apps, tasks, backup, stage, on-call).

use crossterm::event::KeyEvent;

use super::menus::open_menu;
use super::request::request;
use super::selection::clamp_selections;
use crate::tui::core::action::{Effect, Op, Pane};
use crate::tui::core::app::{App, FlashLevel, Overlay, new_input};
use crate::tui::core::keymap::{Cmd, Scope};

pub(in crate::tui) fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return super::overlays::overlay_key(app, k);
    }
    if let Some(fx) = crate::tui::features::oncall::on_key(app, &k) {
        return fx;
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
    let label = crate::tui::core::keymap::KeySpec::from_event(k).label();
    let elsewhere = app.keymap.elsewhere(k);
    let text = if elsewhere.is_empty() {
        format!("{label} is not bound to anything (? lists the keys)")
    } else {
        let places: Vec<String> = elsewhere
            .iter()
            .map(|c| match c.scope() {
                Scope::Pane(p) => format!("{} in the {} pane", c.description(), p.title()),
                Scope::Global | Scope::Overlay(_) => c.description().to_string(),
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

/// Runs a named command: from a key, the action menu or the palette.
pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let by_capability = [
        super::navigation::command,
        crate::tui::features::context::update::command,
        crate::tui::features::targets::update::command,
        crate::tui::features::apps::update::command,
        super::tasks::command,
    ];
    for f in by_capability {
        if let Some(fx) = f(app, cmd) {
            return fx;
        }
    }
    match cmd {
        Cmd::Backup | Cmd::BackupVerify | Cmd::BackupRestore => {
            crate::tui::features::backup::command(app, cmd)
        }
        Cmd::StageRefresh
        | Cmd::StageClone
        | Cmd::StageStart
        | Cmd::StageStop
        | Cmd::StageReset => crate::tui::features::stage::command(app, cmd),
        Cmd::AllEvents | Cmd::Incidents | Cmd::Acknowledge | Cmd::Resolve => {
            crate::tui::features::oncall::command(app, cmd)
        }
        Cmd::EventsTail => request(app, Op::EventsTail),
        _ => general(app, cmd),
    }
}

/// The commands that work in any pane: quit, help, the palette, the filter, the menu, drilling
/// in, the doctor's report, dismissing.
fn general(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::Quit => {
            let running = app.running_everywhere();
            if running > 0 {
                app.overlay = Overlay::QuitConfirm { running };
                return Vec::new();
            }
            app.quit = true;
            return vec![Effect::Quit];
        }
        Cmd::Help => app.overlay = Overlay::Help { scroll: 0 },
        Cmd::Palette => {
            app.overlay = Overlay::Palette {
                input: new_input("target check --all · ctx NAME · deploy --app APP"),
                message: None,
            }
        }
        Cmd::Filter => open_filter(app),
        Cmd::Menu => open_menu(app),
        Cmd::Open => super::details::open(app),
        Cmd::Doctor => {
            let fx = request(app, Op::DoctorReport);
            if !fx.is_empty() {
                app.overlay = Overlay::Doctor {
                    context: app.active_name(),
                    scroll: 0,
                };
            }
            return fx;
        }
        Cmd::Dismiss => {
            let i = app.focus.index();
            if app.focus != Pane::Log && !app.filters[i].is_empty() {
                app.filters[i].clear();
                clamp_selections(app);
            }
            app.flash = None;
        }
        // An overlay's own commands do nothing outside it.
        _ => {}
    }
    Vec::new()
}

/// The filter bar of the focused pane (the search bar in the task log), with what it holds.
fn open_filter(app: &mut App) {
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
}
