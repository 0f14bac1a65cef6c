//! The named commands keys, the menu and the palette trigger: the general ones here, the others
//! in their capability's file (navigation, contexts, targets, apps, tasks, backup, stage,
//! on-call).

use super::selection::clamp_selections;
use crate::tui::core::action::{Effect, Op, Pane};
use crate::tui::core::app::{App, Overlay, new_input};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::menus::open_menu;

/// Runs a named command: from a key, the action menu or the palette.
pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let by_capability = [
        super::navigation::command,
        crate::tui::features::context::update::command,
        crate::tui::features::targets::update::command,
        crate::tui::features::apps::update::command,
        crate::tui::features::shell::command,
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
        Cmd::Open => crate::tui::overlays::details::update::open(app),
        Cmd::Doctor => {
            let fx = request(app, Op::doctor());
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
