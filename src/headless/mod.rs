//! The headless front end: resolve the state root and context, pass the guard, run one command,
//! record the audit row, print the envelope, return the exit code.

mod addon_cmd;
mod agent_cmd;
mod alert_cmd;
mod app_cmd;
mod backup_cmd;
mod check_cmd;
mod context_cmd;
mod deploy_cmd;
mod doctor_cmd;
mod events_cmd;
mod incident_cmd;
pub mod output;
mod remote_cmd;
mod secret_cmd;
mod stage_cmd;
mod target_cmd;
mod vault_cmd;

use std::path::PathBuf;
use std::time::Instant;

use crate::cli::{Command, Global};
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::doctor;
use crate::policy::guard::{self, ContextPolicy, Frontend, Verb};
use crate::state::events;
use crate::state::paths::DEFAULT_CONTEXT;
use crate::state::{ContextDir, StateRoot, context, repo};
use crate::text;
use output::Report;

/// How the active context was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextSource {
    /// `--context NAME`.
    Flag,
    /// Named by the command itself (`context init NAME`).
    Argument,
    /// `<root>/current_context`.
    Stored,
    /// Nothing chosen: `default`.
    Default,
}

impl ContextSource {
    pub fn explicit(self) -> bool {
        matches!(self, ContextSource::Flag | ContextSource::Argument)
    }
    pub fn describe(self) -> &'static str {
        match self {
            ContextSource::Flag => "from --context",
            ContextSource::Argument => "named by the command",
            ContextSource::Stored => "from the stored current context",
            ContextSource::Default => "the default context",
        }
    }
}

/// One headless invocation, resolved.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub root: StateRoot,
    pub connect_timeout: std::time::Duration,
    pub context: String,
    pub source: ContextSource,
    pub json: bool,
    pub write: bool,
    pub cwd: Option<PathBuf>,
    pub operator: String,
    cd: ContextDir,
}

impl Invocation {
    pub fn resolve(global: &Global, cmd: &Command) -> Result<Invocation> {
        let root = StateRoot::resolve(global.state_root.as_deref())?;
        let named = cmd.named_context();
        let (context, source) = match (named, global.context.as_deref()) {
            (Some(n), Some(f)) if n != f => {
                return Err(PaasError::usage(
                    "context_resolve",
                    format!(
                        "the command names context {n:?} but --context says {f:?}; refusing to guess"
                    ),
                )
                .with_remediation("give one context, or the same one in both places"));
            }
            (Some(n), _) => (n.to_string(), ContextSource::Argument),
            (None, Some(f)) => (f.to_string(), ContextSource::Flag),
            // Only here does the stored name matter: a damaged file is an error, not `default`,
            // except for the commands that look at the whole root (they help repair it).
            (None, None) => match root.stored_context() {
                Ok(Some(s)) => (s.to_string(), ContextSource::Stored),
                Ok(None) => (DEFAULT_CONTEXT.to_string(), ContextSource::Default),
                Err(_) if cmd.spans_contexts() => {
                    (DEFAULT_CONTEXT.to_string(), ContextSource::Default)
                }
                Err(e) => return Err(e),
            },
        };
        let cd = root.context(&context).map_err(|e| {
            if source == ContextSource::Stored {
                let file = root.current_context_file();
                PaasError::new(
                    ErrorCode::StateCorrupt,
                    "context_resolve",
                    format!(
                        "{} names context {:?}, which cannot be used: {}",
                        file.display(),
                        text::sanitize_inline(&context),
                        e.message
                    ),
                )
                .with_remediation(format!(
                    "pass --context NAME, or repair {} with `paasdeck context use NAME`",
                    file.display()
                ))
            } else {
                e
            }
        })?;
        // Before anything reads the context: a state restore interrupted after its commit
        // point is finished first, so no command sees half of it.
        cd.finish_interrupted_restore()?;
        Ok(Invocation {
            root,
            connect_timeout: global.connect_timeout,
            context,
            source,
            json: global.json,
            write: global.write,
            cwd: std::env::current_dir().ok(),
            operator: events::operator(),
            cd,
        })
    }

    /// The scope a verb runs in for this invocation.
    pub fn scope(
        &self,
        pool: std::sync::Arc<crate::remote::pool::Pool>,
        progress: crate::verbs::Progress,
    ) -> crate::verbs::Scope {
        crate::verbs::Scope {
            root: self.root.clone(),
            context: self.context.clone(),
            operator: self.operator.clone(),
            front: crate::verbs::Front::Headless,
            pool,
            progress,
        }
    }

    /// The scope of a verb that reaches no target: no connection is ever opened, no progress
    /// is shown.
    pub fn local_scope(&self) -> crate::verbs::Scope {
        let pool = crate::ops::pool(&self.root, self.connect_timeout);
        self.scope(std::sync::Arc::new(pool), crate::verbs::Progress::quiet())
    }

    pub fn cd(&self) -> ContextDir {
        self.cd.clone()
    }

    /// The context directory, which must exist.
    pub fn existing_cd(&self) -> Result<ContextDir> {
        if self.cd.exists() {
            Ok(self.cd.clone())
        } else {
            Err(context::not_found(&self.context))
        }
    }
}

/// Runs one command and returns the process exit code.
pub fn run(global: &Global, cmd: &Command) -> i32 {
    let verb = cmd.verb();
    let command = verb.command();
    let started = Instant::now();
    let inv = match Invocation::resolve(global, cmd) {
        Ok(inv) => inv,
        Err(e) => {
            let ctx = global.context.clone().unwrap_or_default();
            output::print_error(global.json, command, &ctx, &e);
            return e.exit_code();
        }
    };
    tracing::info!(command, context = %inv.context, "command started");
    let result = guard_and_run(&inv, verb, cmd).map_err(|e| rooted(&inv, e));
    let result = result.map(|mut r| {
        r.error = r.error.take().map(|e| rooted(&inv, e));
        r
    });
    let failed = !matches!(&result, Ok(r) if r.ok);
    if crate::verbs::audited(verb, wants_audit(cmd), failed)
        && let Some(warning) = crate::verbs::record(
            &inv.root,
            &inv.context,
            &inv.operator,
            crate::verbs::Front::Headless,
            command,
            started,
            &result,
        )
    {
        eprintln!("warning: {}", crate::text::sanitize_inline(&warning));
    }
    match &result {
        Ok(report) => {
            if let Some(code) = report.exit {
                // An interactive shell's own exit code is the command's.
                output::print_report(inv.json, command, &inv.context, report);
                return code;
            }
            if let (false, Some(e)) = (inv.json, &report.error) {
                output::print_report(false, command, &inv.context, report);
                output::print_error(false, command, &inv.context, e);
                return 1;
            }
            output::print_report(inv.json, command, &inv.context, report);
            tracing::info!(command, ok = report.ok, "command finished");
            if report.ok { 0 } else { 1 }
        }
        Err(e) => {
            tracing::warn!(command, code = %e.code, "command failed: {}", e.message);
            output::print_error(inv.json, command, &inv.context, e);
            e.exit_code()
        }
    }
}

/// Makes the commands in an error's remediation exact for this invocation's state root.
fn rooted(inv: &Invocation, mut e: PaasError) -> PaasError {
    e.remediation = crate::ops::rooted_hint(&inv.root, &e.remediation);
    e
}

/// Reads that are still worth an audit row: revealing a secret, verifying a backup.
fn wants_audit(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Secret(crate::cli::SecretCmd::Get { reveal: true, .. })
            | Command::Backup(crate::cli::BackupCmd::Verify(_))
    )
}

/// The guard's decision on `verb` for this invocation (SPEC §5); also asked for what a verb runs
/// on the operator's behalf (an agent's approved remediation).
pub(crate) fn guard_verb(inv: &Invocation, verb: Verb) -> Result<()> {
    let cd = inv.cd();
    let policy = ContextPolicy::load(&cd)?;
    let mut doctor_failures = || {
        // A gated command writes to the context: like every writer, it first removes the temp
        // files that crashed writers left, which would otherwise fail the doctor and block it.
        inv.root.sweep_temp_files();
        cd.sweep_temp_files();
        // Only a failing `block` check refuses: a warning never stops the deploy that fixes
        // an incident.
        doctor::run(&inv.root, &inv.context, inv.cwd.as_deref()).blocking()
    };
    guard::check(
        verb,
        &policy,
        Frontend::Headless {
            explicit: inv.source.explicit(),
        },
        inv.write,
        inv.source.describe(),
        &mut doctor_failures,
    )?;
    Ok(())
}

fn guard_and_run(inv: &Invocation, verb: Verb, cmd: &Command) -> Result<Report> {
    if !matches!(verb, Verb::Doctor | Verb::Checklist | Verb::Info) {
        repo::guard_state_root(inv.root.path(), inv.cwd.as_deref())?;
    }
    guard_verb(inv, verb)?;
    match cmd {
        Command::Context(c) => context_cmd::run(inv, c),
        Command::Target(t) => target_cmd::run(inv, t),
        Command::App(a) => app_cmd::run(inv, a),
        Command::Events(e) => events_cmd::run(inv, e),
        Command::Secret(s) => secret_cmd::run(inv, s),
        Command::Vault(v) => vault_cmd::run(inv, v),
        Command::Deploy(d) => deploy_cmd::deploy(inv, d),
        Command::Rollback(r) => deploy_cmd::rollback(inv, r),
        Command::Logs(l) => deploy_cmd::logs(inv, l),
        Command::Backup(b) => backup_cmd::run(inv, b),
        Command::Doctor(d) => doctor_cmd::run(inv, d),
        Command::Stage(s) => stage_cmd::run(inv, s),
        Command::Check(c) => check_cmd::run(inv, c),
        Command::Checklist(c) => doctor_cmd::checklist(inv, c),
        Command::Alert(a) => alert_cmd::run(inv, a),
        Command::Incident(i) => incident_cmd::run(inv, i),
        Command::Agent(a) => agent_cmd::run(inv, a),
        Command::Info => doctor_cmd::info(inv),
        Command::Demo(_) => Err(PaasError::usage(
            "demo",
            "the demo is opened by the binary, not the headless front end",
        )),
    }
}
