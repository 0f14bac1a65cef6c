//! Moving around: the focus between panes, the selection in the focused pane (the scroll in
//! the task log).

use crate::tui::core::action::{Effect, Pane};
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;

/// A navigation command; `None` when `cmd` is not one.
pub(in crate::tui) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    let page = (app.size.1 / 4).max(1) as isize;
    match cmd {
        Cmd::FocusNext | Cmd::FocusPrev => {
            let order = crate::tui::features::stage::focus_order(app);
            let n = order.len();
            let i = order.iter().position(|p| *p == app.focus).unwrap_or(0);
            let next = if cmd == Cmd::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            app.focus = order[next];
        }
        Cmd::Up => move_selection(app, -1, None),
        Cmd::Down => move_selection(app, 1, None),
        Cmd::PageUp => move_selection(app, -page, None),
        Cmd::PageDown => move_selection(app, page, None),
        Cmd::Top => move_selection(app, 0, Some(false)),
        Cmd::Bottom => move_selection(app, 0, Some(true)),
        _ => return None,
    }
    Some(Vec::new())
}

pub(in crate::tui) fn move_selection(app: &mut App, delta: isize, to_end: Option<bool>) {
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
