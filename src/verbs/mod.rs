//! One use case per verb, used by both front ends.
//!
//! A verb takes one input type — the clap args of its command, which the headless front end
//! gets from the command line and the console from its palette (the same clap tree), its keys or
//! its forms — runs the use case over `ops`, and returns one [`Outcome`]: the summary, the JSON
//! body, the text, the audit fields and the failure. The audit row of a run is written here,
//! once, from that outcome ([`record`]). `headless/` only turns args into the input and the
//! outcome into the envelope and exit code; the console turns the outcome into its task's result.
//!
//! The guard is not here: each front end asks it in its own way (flags and `--context` for the
//! headless one, the confirmation dialog for the console), before a verb runs.

pub mod addons;
pub mod agent;
pub mod app_reset;
pub mod apps;
pub mod backup;
pub mod checklist;
pub mod contexts;
pub mod deploy;
pub mod doctor;
pub mod events;
pub mod logs;
pub mod oncall;
mod outcome;
pub mod secrets;
pub mod shell;
pub mod stage;
pub mod targets;
pub mod vault;

use std::sync::Arc;
use std::time::Instant;

use serde_json::Map;
use tokio_util::sync::CancellationToken;

pub use crate::text::table;
pub use outcome::{Outcome, error_object, to_value};

use crate::error::Result;
use crate::ops::target_exec::TargetLineSink;
use crate::policy::guard::{Danger, Verb};
use crate::remote::Stream;
use crate::remote::pool::Pool;
use crate::state::{ContextDir, StateRoot, context};

/// Which front end runs a verb: recorded in its audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    Headless,
    Console,
}

impl Front {
    pub fn as_str(self) -> &'static str {
        match self {
            Front::Headless => "headless",
            Front::Console => "console",
        }
    }
}

/// Where a run's progress goes while it runs: the headless front end prints a target's output
/// as `target | line` (text mode) and keeps the verb's notes for the final text; the console
/// writes both into the task's log pane.
#[derive(Clone)]
pub struct Progress {
    /// A target's own output, as it arrives.
    pub lines: TargetLineSink,
    /// The verb's commentary ("checking 3 target(s)…", one line per finished target).
    pub note: Arc<dyn Fn(String) + Send + Sync>,
    /// Cancelled by Ctrl-c (headless) or by cancelling the task (console).
    pub cancel: CancellationToken,
}

impl Progress {
    /// Progress nobody watches (tests, and reads that stream nothing).
    pub fn quiet() -> Progress {
        Progress {
            lines: Arc::new(|_, _, _| {}),
            note: Arc::new(|_| {}),
            cancel: CancellationToken::new(),
        }
    }

    pub fn note(&self, line: impl Into<String>) {
        (self.note)(line.into())
    }

    pub fn line(&self, target: &str, stream: Stream, line: &str) {
        (self.lines)(target, stream, line)
    }
}

/// Everything a verb runs with besides its input.
#[derive(Clone)]
pub struct Scope {
    pub root: StateRoot,
    /// The context the verb acts on (resolved and guarded by the front end).
    pub context: String,
    pub operator: String,
    pub front: Front,
    /// SSH connections (multiplexed masters), shared by the runs of one front end.
    pub pool: Arc<Pool>,
    pub progress: Progress,
}

impl Scope {
    /// The context's directory, which must exist.
    pub fn cd(&self) -> Result<ContextDir> {
        let cd = self.root.context(&self.context)?;
        if cd.exists() {
            Ok(cd)
        } else {
            Err(context::not_found(&self.context))
        }
    }
}

/// Whether a run leaves an audit row: every change, every remote action, every failure, and
/// the reads that must be traced (`traced_read`: revealing a secret, verifying a backup).
pub fn audited(verb: Verb, traced_read: bool, failed: bool) -> bool {
    let spec = verb.spec();
    spec.danger != Danger::Read || spec.remote || failed || traced_read
}

/// Writes the audit row of one run in `context` from its outcome (or its error): the only
/// writer of a verb's audit row, for both front ends. A failure to write is logged and
/// returned as a warning line; the run's own result stands.
pub fn record(
    root: &StateRoot,
    context: &str,
    operator: &str,
    front: Front,
    command: &str,
    started: Instant,
    result: &Result<Outcome>,
) -> Option<String> {
    let (ok, mut fields, error) = match result {
        Ok(o) => (o.ok, o.audit.clone(), o.error.clone()),
        Err(e) => (false, Map::new(), Some(e.clone())),
    };
    fields.insert("frontend".into(), front.as_str().into());
    let written = root.context(context).and_then(|cd| {
        crate::ops::audit::record(
            &cd,
            operator,
            command,
            ok,
            started.elapsed(),
            fields,
            error.as_ref(),
        )
    });
    match written {
        Ok(()) => None,
        Err(e) => {
            tracing::error!("could not record the audit row of {command}: {}", e.message);
            Some(format!("could not record the audit row: {}", e.message))
        }
    }
}

#[cfg(test)]
mod tests;
