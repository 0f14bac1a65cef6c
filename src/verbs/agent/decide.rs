//! `agent approve|deny --run ID [--note]`: the operator's decision on a proposal, in si's
//! `approvals.json` (one decision per run, newest first) and the run log, with si's `agent
//! approval` info alert. An approval runs the remediation at once (`execute`), through the
//! guard of its own verb, which is asked before anything is recorded: a refused approval
//! changes nothing. A denial runs nothing and leaves the incident as it is.

use super::run_once::{proposal, state_of};
use super::{Guard, execute, record_base, run_outcome};
use crate::error::{PaasError, Result};
use crate::ops::alert::{self, Alert};
use crate::state::agents::{self, Decision, runs};
use crate::state::alerts::AlertSeverity;
use crate::state::clock;
use crate::verbs::{Outcome, Scope};

/// `--run ID [--note TEXT]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecideInput {
    pub run: String,
    pub note: String,
}

fn refuse(run: &str, state: &str, what: &str) -> PaasError {
    PaasError::usage(
        "agent_decision",
        format!("run {run} is {state}: it cannot be {what}"),
    )
    .with_remediation(
        "only a run waiting for approval (`pending-approval`) is decided; see `agent status`",
    )
}

fn record_decision(
    scope: &Scope,
    agent: &str,
    input: &DecideInput,
    decision: &str,
    incident: &str,
) -> Result<runs::Record> {
    let cd = scope.cd()?;
    agents::decide(
        &cd,
        Decision {
            run_id: input.run.clone(),
            agent: agent.to_string(),
            decision: decision.to_string(),
            note: input.note.clone(),
            actor: scope.operator.clone(),
            // si's word for its command line.
            source: match scope.front {
                crate::verbs::Front::Headless => "cli".into(),
                crate::verbs::Front::Console => "console".into(),
            },
            timestamp: clock::now_event(),
            extra: Default::default(),
        },
    )?;
    let mut rec = record_base(scope, agent, &input.run);
    rec.insert("status".into(), decision.into());
    rec.insert("incident_id".into(), incident.into());
    rec.insert("approver".into(), scope.operator.clone().into());
    rec.insert(
        "message".into(),
        format!("{decision} by {}: {}", scope.operator, input.note).into(),
    );
    let rec = runs::append(&cd, rec)?;
    agents::note_run(&cd, agent, &input.run, decision)?;
    let hint = |verb: &str| {
        format!(
            "paasdeck --context {} agent {verb} --run {}",
            scope.context, input.run
        )
    };
    let row = alert::raise(
        &cd,
        &Alert::new(
            "agent approval",
            AlertSeverity::Info,
            &format!(
                "agent {agent} run {} {decision} by {}",
                input.run, scope.operator
            ),
        )
        .field("run_id", &input.run)
        .field("agent", agent)
        .field("callback_agent_approve", hint("approve"))
        .field("callback_agent_deny", hint("deny")),
    );
    scope.progress.note(alert::describe(&row));
    Ok(rec)
}

/// Approves a pending run and runs its remediation.
pub async fn approve(scope: &Scope, input: &DecideInput, guard: Guard<'_>) -> Result<Outcome> {
    crate::text::refuse_control("--note", &input.note)?;
    let cd = scope.cd()?;
    let records = runs::of_run(&cd, &input.run)?;
    let state = state_of(&records);
    // A remediation that failed may be approved again.
    if state != "pending-approval" && state != "failed" {
        return Err(refuse(&input.run, &state, "approved"));
    }
    let Some((prop, rem)) = proposal(&records) else {
        return Err(refuse(&input.run, "without a proposal", "approved"));
    };
    let agent = runs::text(&prop, "agent").to_string();
    if let Some(v) = rem.verb() {
        guard(v)?;
    }
    record_decision(
        scope,
        &agent,
        input,
        "approved",
        runs::text(&prop, "incident_id"),
    )?;
    let done = execute::execute(scope, &agent, &input.run, &prop, &scope.operator, guard).await?;
    Ok(run_outcome(&prop, Some(&done))
        .audit_only("approver", &scope.operator)
        .audit_only("note", &input.note))
}

/// Denies a pending run: nothing runs.
pub fn deny(scope: &Scope, input: &DecideInput) -> Result<Outcome> {
    crate::text::refuse_control("--note", &input.note)?;
    let cd = scope.cd()?;
    let records = runs::of_run(&cd, &input.run)?;
    let state = state_of(&records);
    if state != "pending-approval" && state != "approved" && state != "denied" {
        return Err(refuse(&input.run, &state, "denied"));
    }
    let prop = proposal(&records)
        .map(|(r, _)| r)
        .or_else(|| records.last().cloned())
        .unwrap_or_default();
    let agent = runs::text(&prop, "agent").to_string();
    let rec = record_decision(
        scope,
        &agent,
        input,
        "denied",
        runs::text(&prop, "incident_id"),
    )?;
    let action = prop
        .get("remediation")
        .and_then(|r| r.get("action"))
        .cloned();
    Ok(run_outcome(&rec, None)
        .audit_only("action", action)
        .field("approver", &scope.operator)
        .audit_only("note", &input.note)
        .summary(format!("agent {agent} run {} denied", input.run)))
}
