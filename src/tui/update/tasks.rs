//! The task log's commands: cancel the focused task, follow, wrap, search, move between tasks.

use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, FlashLevel};
use crate::tui::core::keymap::Cmd;
use crate::tui::features::context::switch::context_tasks;

/// A task-log command; `None` when `cmd` is not one.
pub(in crate::tui) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    Some(match cmd {
        Cmd::CancelTask => cancel(app),
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
                return Some(Vec::new());
            }
            vec![Effect::SearchLog {
                forward: cmd == Cmd::SearchNext,
            }]
        }
        Cmd::NextTask | Cmd::PrevTask => {
            step(app, cmd == Cmd::NextTask);
            Vec::new()
        }
        _ => return None,
    })
}

fn cancel(app: &mut App) -> Vec<Effect> {
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

/// The next (or previous) task of the active context; the newest when none is shown.
fn step(app: &mut App, forward: bool) {
    let ids = context_tasks(app);
    if ids.is_empty() {
        return;
    }
    let pos = app.log.task.and_then(|t| ids.iter().position(|i| *i == t));
    let n = ids.len();
    let next = match (pos, forward) {
        (None, _) => n - 1,
        (Some(p), true) => (p + 1) % n,
        (Some(p), false) => (p + n - 1) % n,
    };
    app.log.task = Some(ids[next]);
    app.log.follow = true;
    app.log.hit = None;
}
