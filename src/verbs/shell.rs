//! `target shell`, `app shell`, `stage shell` (SPEC §18) for both front ends: the shell is
//! planned from the state ([`plan`]), its connection opened through the pool ([`open`]), run
//! with the operator's terminal by the front end (the headless one here, in [`run`]; the
//! console after leaving its screen), and its end made the outcome ([`finished`]): the host,
//! when it started and the exit code are recorded, never anything typed in it.

use std::time::Instant;

use super::{Outcome, Scope};
use crate::cli::{AppShellArgs, TargetShellArgs};
use crate::error::Result;
use crate::ops::shell::{self, ShellPlan};
use crate::policy::guard::Verb;
use crate::remote::terminal::TerminalCommand;

/// Which shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellInput {
    Target {
        target: String,
    },
    App {
        app: String,
        service: Option<String>,
        target: Option<String>,
    },
    Stage {
        component: String,
    },
}

impl ShellInput {
    pub fn from_target_args(a: &TargetShellArgs) -> ShellInput {
        ShellInput::Target {
            target: a.target.clone(),
        }
    }

    pub fn from_app_args(a: &AppShellArgs) -> ShellInput {
        ShellInput::App {
            app: a.app.clone(),
            service: a.service.clone(),
            target: a.target.clone(),
        }
    }

    pub fn verb(&self) -> Verb {
        match self {
            ShellInput::Target { .. } => Verb::TargetShell,
            ShellInput::App { .. } => Verb::AppShell,
            ShellInput::Stage { .. } => Verb::StageShell,
        }
    }

    /// A short title: `shell on web`, `shell in api`, `shell in system`.
    pub fn title(&self) -> String {
        match self {
            ShellInput::Target { target } => format!("shell on {target}"),
            ShellInput::App {
                app, service: None, ..
            } => format!("shell in {app}"),
            ShellInput::App {
                app,
                service: Some(s),
                ..
            } => format!("shell in {app}/{s}"),
            ShellInput::Stage { component } => format!("shell in {component}"),
        }
    }
}

/// What the shell will be, from the state alone (no connection yet).
pub fn plan(scope: &Scope, input: &ShellInput) -> Result<ShellPlan> {
    let cd = scope.cd()?;
    match input {
        ShellInput::Target { target } => shell::target(&cd, target),
        ShellInput::App {
            app,
            service,
            target,
        } => shell::app(&cd, app, service.as_deref(), target.as_deref()),
        ShellInput::Stage { component } => shell::stage(&cd, component),
    }
}

/// The shell's connection, opened (or the pooled master reused): what to run.
pub async fn open(scope: &Scope, plan: &ShellPlan) -> Result<TerminalCommand> {
    shell::open(&scope.pool, &scope.context, plan).await
}

/// The line said before the terminal is handed over: where the shell is, in which context.
pub fn announce(context: &str, plan: &ShellPlan, cmd: &TerminalCommand) -> String {
    format!(
        "{} on {} ({}) in context {context}; exit the shell to come back",
        plan.command, cmd.host, plan.what
    )
}

/// The outcome of a shell that ran from `started_at` and ended with `code`: ok, since the
/// shell ran (its last command's status is no failure of paasdeck's, and raises no
/// incident); the code is recorded and is the headless command's exit code.
pub fn finished(
    context: &str,
    plan: &ShellPlan,
    cmd: &TerminalCommand,
    started_at: &str,
    code: i32,
) -> Outcome {
    let mut out = Outcome::ok()
        .field("host", &cmd.host)
        .field("started_at", started_at)
        .field("exit_code", code);
    for (k, v) in &plan.fields {
        out = out.field(k, v);
    }
    out.exit = Some(code);
    let line = format!(
        "{} on {} in context {context} exited with status {code}",
        plan.command, cmd.host
    );
    out.summary(line.clone()).text(line)
}

/// The headless shell: planned, its connection opened, the terminal handed over until it
/// exits. Its exit code is the command's.
pub async fn run(scope: &Scope, input: &ShellInput) -> Result<Outcome> {
    let plan = plan(scope, input)?;
    let cmd = open(scope, &plan).await?;
    eprintln!(
        "{}",
        crate::text::sanitize_inline(&announce(&scope.context, &plan, &cmd))
    );
    let started_at = crate::state::clock::now_event();
    let started = Instant::now();
    let code = cmd.run().await?;
    tracing::info!(
        host = %cmd.host,
        code,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "shell ended"
    );
    Ok(finished(&scope.context, &plan, &cmd, &started_at, code))
}
