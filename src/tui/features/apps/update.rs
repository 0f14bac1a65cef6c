//! The Apps pane's commands: register, edit, remove, deploy, roll back, follow logs, the
//! variables view and a secret's form, the add-ons view.

use crate::ops::deploy::Common;
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::{
    logs_unavailable, missing_context, request, request_unless, reset_unavailable,
    rollback_unavailable,
};
use crate::tui::overlays::forms::update::form;
use crate::tui::update::selection::selected_app_name;

/// An app command; `None` when `cmd` is not one.
pub(in crate::tui) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    let open = |app: &mut App, kind: FormKind| {
        app.overlay = Overlay::Form(Box::new(form(kind, app)));
        Vec::new()
    };
    if matches!(cmd, Cmd::AddApp | Cmd::SetSecret) && missing_context(app) {
        return Some(Vec::new());
    }
    Some(match cmd {
        Cmd::AddApp => open(app, FormKind::AddApp),
        Cmd::SetSecret => open(app, FormKind::SetSecret),
        Cmd::Addons => {
            crate::tui::features::addons::update::open(app);
            Vec::new()
        }
        Cmd::EditApp
        | Cmd::RemoveApp
        | Cmd::ResetApp
        | Cmd::Secrets
        | Cmd::Deploy
        | Cmd::Rollback
        | Cmd::Logs => match selected_app_name(app) {
            Some(a) => on_selected(app, cmd, a),
            None => Vec::new(),
        },
        _ => return None,
    })
}

/// A command on the selected app (`a`).
fn on_selected(app: &mut App, cmd: Cmd, a: String) -> Vec<Effect> {
    match cmd {
        Cmd::EditApp => {
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
        Cmd::RemoveApp => request(app, Op::RemoveApp { name: a }),
        Cmd::ResetApp => {
            let why = reset_unavailable(app);
            request_unless(app, why, Op::ResetApp { name: a })
        }
        Cmd::Secrets => request(app, Op::SecretList { app: a }),
        Cmd::Deploy => request(app, Op::deploy(&a)),
        Cmd::Rollback => {
            let why = rollback_unavailable(app);
            let op = Op::rollback(Common::new(&a), None);
            request_unless(app, why, op)
        }
        _ => {
            let why = logs_unavailable(app);
            let op = Op::logs(&a, None);
            request_unless(app, why, op)
        }
    }
}
