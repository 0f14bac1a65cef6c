//! A shell as console data: the op the guard and the dialog see, and a shell whose
//! connection is open, ready for the loop to hand it the terminal. It depends on no other
//! console module, so the action and op types can hold it.

use std::time::Instant;

use crate::remote::terminal::TerminalCommand;
use crate::verbs::shell::ShellInput;

/// A shell as the dialog shows it: which one, and the host it runs on as the tab knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellOp {
    pub input: ShellInput,
    /// `web (deploy@10.0.0.5:22)`: the target the shell runs on, and its address.
    pub host: String,
}

impl ShellOp {
    pub fn title(&self) -> String {
        self.input.title()
    }

    /// The dialog's lines: what opens, on which host, in which context.
    pub fn describe(&self, ctx: &str) -> Vec<String> {
        let what = match &self.input {
            ShellInput::Target { target } => format!("a login shell on target {target}"),
            ShellInput::App {
                app,
                service,
                target,
            } => format!(
                "docker compose exec {} with a terminal, in app {app}'s current release on {}",
                service.as_deref().unwrap_or("(its one service)"),
                target.as_deref().unwrap_or("its first target")
            ),
            ShellInput::Stage { component } => format!(
                "incus exec --project … {component} -t: a login shell in the staging component {component}"
            ),
        };
        vec![
            what,
            format!("on host {} in context {ctx}", self.host),
            "whatever you type runs there; the console comes back when the shell exits".to_string(),
            "tasks keep running meanwhile".to_string(),
        ]
    }
}

/// A shell whose connection is open: what the loop runs with the terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadyShell {
    pub context: String,
    pub plan: crate::ops::shell::ShellPlan,
    pub command: TerminalCommand,
    /// When the operator confirmed it (the audit row's duration counts from here).
    pub asked: Instant,
}

impl ReadyShell {
    /// The line shown above the shell: where it is, in which context.
    pub fn announce(&self) -> String {
        crate::verbs::shell::announce(&self.context, &self.plan, &self.command)
    }
}
