//! `agent enable|disable|status|logs|run-once|approve|deny`: args → the agent verbs. The
//! remediation an approval (or an auto-allowed run) executes passes this invocation's guard
//! for its own verb, as the same command typed here would.

use super::output::Report;
use super::remote_cmd::run_verb;
use super::{Invocation, guard_verb};
use crate::cli::AgentCmd;
use crate::error::Result;
use crate::policy::guard::Verb;
use crate::verbs::agent;

pub fn run(inv: &Invocation, cmd: &AgentCmd) -> Result<Report> {
    let guard = |verb: Verb| guard_verb(inv, verb);
    match cmd {
        AgentCmd::Enable {
            name,
            targets,
            profile,
        } => agent::enable(
            &inv.local_scope(),
            name,
            targets.as_deref(),
            profile.as_deref(),
        ),
        AgentCmd::Disable { name } => agent::disable(&inv.local_scope(), name),
        AgentCmd::Status { name } => agent::status(&inv.local_scope(), name.as_deref()),
        AgentCmd::Logs { name, tail, .. } => agent::logs(&inv.local_scope(), name, *tail as usize),
        AgentCmd::RunOnce { name, incident } => {
            let input = agent::RunOnceInput {
                name: name.clone(),
                incident: incident.clone(),
            };
            run_verb(inv, None, |scope| async move {
                agent::run_once(&scope, &input, &guard).await
            })
        }
        AgentCmd::Approve { run, note } => {
            let input = agent::DecideInput {
                run: run.clone(),
                note: note.clone(),
            };
            run_verb(inv, None, |scope| async move {
                agent::approve(&scope, &input, &guard).await
            })
        }
        AgentCmd::Deny { run, note } => agent::deny(
            &inv.local_scope(),
            &agent::DecideInput {
                run: run.clone(),
                note: note.clone(),
            },
        ),
    }
}
