//! Shells from the console (SPEC §18): `s` on a target, an app or an Instances row (and
//! `target shell`, `app shell`, `stage shell` in the palette) asks the guard for an
//! [`Op::Shell`]; once confirmed, the shell's connection is opened in the background
//! ([`effects`]) and the loop hands the terminal to it until it exits.

pub mod effects;
pub mod model;

pub use model::{ReadyShell, ShellOp};

use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel};
use crate::tui::core::keymap::Cmd;
use crate::tui::core::pane::Pane;
use crate::tui::overlays::confirm::request::request;
use crate::verbs::shell::ShellInput;

/// `s`: the shell of the selection in the Targets, Apps or Instances pane.
pub fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    if cmd != Cmd::Shell {
        return None;
    }
    let input = match app.focus {
        Pane::Targets => app.selected_target().map(|t| ShellInput::Target {
            target: t.target.name.to_string(),
        }),
        Pane::Apps => app.selected_app().map(|a| ShellInput::App {
            app: a.name.clone(),
            service: None,
            target: None,
        }),
        Pane::Instances => crate::tui::features::stage::selected_name(app)
            .map(|c| ShellInput::Stage { component: c }),
        _ => {
            app.flash(
                FlashLevel::Warn,
                "s opens a shell on the selected target, app or instance",
            );
            return Some(Vec::new());
        }
    };
    let Some(input) = input else {
        app.flash(FlashLevel::Warn, "nothing selected to open a shell on");
        return Some(Vec::new());
    };
    Some(request_shell(app, input))
}

/// Asks the guard for a shell; one whose host the tab does not know is said why instead.
pub fn request_shell(app: &mut App, input: ShellInput) -> Vec<Effect> {
    match op(app, input) {
        Ok(op) => request(app, op),
        Err(why) => {
            app.flash(FlashLevel::Warn, why);
            Vec::new()
        }
    }
}

/// An action menu's shell entry: its op, or why it cannot open (the entry still names the
/// verb, disabled).
pub fn menu_op(app: &App, input: ShellInput) -> (Op, Option<String>) {
    match op(app, input.clone()) {
        Ok(op) => (op, None),
        Err(why) => (
            Op::Shell(ShellOp {
                input,
                host: String::new(),
            }),
            Some(why),
        ),
    }
}

/// The shell's op, its host found in what the tab shows.
pub fn op(app: &App, input: ShellInput) -> Result<Op, String> {
    let snapshot = app.snapshot().ok_or("this context is not loaded yet")?;
    // A target the tab does not know is named as it is: the guard still decides first, and
    // the shell itself then says what is wrong with it.
    let address = |name: &str| -> Result<String, String> {
        Ok(snapshot
            .targets
            .iter()
            .find(|t| t.target.is(name))
            .map(|t| format!("{} ({})", t.target.name, t.target.address()))
            .unwrap_or_else(|| format!("{name} (not a target of this tab)")))
    };
    let host = match &input {
        ShellInput::Target { target } => address(target)?,
        ShellInput::App { app: a, target, .. } => {
            let row = snapshot
                .apps
                .iter()
                .find(|r| r.name == *a)
                .ok_or_else(|| format!("no app {a} in this context"))?;
            if row.current.is_empty() {
                return Err(format!("app {a} has no current release to open a shell in"));
            }
            let first = row
                .entry
                .as_ref()
                .and_then(|e| e.targets.first())
                .map(|t| t.to_string());
            match target.clone().or(first) {
                Some(t) => address(&t)?,
                None => return Err(format!("app {a} has no target")),
            }
        }
        ShellInput::Stage { component } => {
            let cfg = app
                .stages
                .get(&app.active_name())
                .and_then(|v| v.config())
                .ok_or("this context has no usable stage object")?;
            if !cfg.components.iter().any(|c| c.name.as_str() == component) {
                return Err(format!("no component {component} in the stage object"));
            }
            address(cfg.host_target.as_str())?
        }
    };
    Ok(Op::Shell(ShellOp { input, host }))
}
