//! The context commands: switching tabs (by number, to the next or previous), creating a
//! context, storing the shown one as current.

use super::switch::switch_context;
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::forms::update::form;

/// A context command; `None` when `cmd` is not one.
pub(in crate::tui) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    const TABS: [Cmd; 9] = [
        Cmd::Context1,
        Cmd::Context2,
        Cmd::Context3,
        Cmd::Context4,
        Cmd::Context5,
        Cmd::Context6,
        Cmd::Context7,
        Cmd::Context8,
        Cmd::Context9,
    ];
    let n = app.contexts.len().max(1);
    Some(match cmd {
        Cmd::PrevContext => switch_context(app, (app.active + n - 1) % n),
        Cmd::NextContext => switch_context(app, (app.active + 1) % n),
        Cmd::ContextInit => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::ContextInit, app)));
            Vec::new()
        }
        Cmd::ContextUse => {
            let name = app.active_name();
            request(app, Op::ContextUse { name })
        }
        _ => switch_context(app, TABS.iter().position(|c| *c == cmd)?),
    })
}
