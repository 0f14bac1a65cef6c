//! Running a run's remediation: through the guard of its own verb (read-only contexts and the
//! doctor's block-level failures refuse it), then exactly the verb the operator would run —
//! `rollback --to-release R --targets T --apply` or `target check` — and the incident resolved
//! when it succeeds, left open with the error when it fails. The result is one more run record.

use serde_json::json;

use super::Guard;
use super::propose::{RECHECK, Remediation};
use crate::error::{PaasError, Result};
use crate::state::agents::runs;
use crate::state::incidents;
use crate::verbs::deploy::{PlanInput, RollbackInput};
use crate::verbs::{Outcome, Scope, targets};

/// What executing a remediation did.
#[derive(Debug)]
pub struct Executed {
    /// The record appended for it.
    pub record: runs::Record,
    pub error: Option<PaasError>,
    /// The verb's own summary.
    pub summary: String,
}

async fn run_verb(scope: &Scope, rem: &Remediation) -> Result<Outcome> {
    if rem.action == RECHECK {
        return targets::check(scope, &targets::CheckInput::of(rem.targets.clone())).await;
    }
    let spec = super::propose::rollback_spec(&rem.app, &rem.release, &rem.targets);
    let input = PlanInput::Rollback(RollbackInput {
        apply: true,
        ..RollbackInput::of(spec.common, spec.to_release)
    });
    crate::verbs::deploy::run(scope, &input).await
}

/// Executes the remediation of `proposal` (a run record) for `approver`.
pub async fn execute(
    scope: &Scope,
    agent: &str,
    run_id: &str,
    proposal: &runs::Record,
    approver: &str,
    guard: Guard<'_>,
) -> Result<Executed> {
    let cd = scope.cd()?;
    let rem: Remediation = proposal
        .get("remediation")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| Remediation::noop("the run proposed nothing"));
    let incident = runs::text(proposal, "incident_id").to_string();
    let mut rec = super::record_base(scope, agent, run_id);
    rec.insert("incident_id".into(), incident.clone().into());
    rec.insert(
        "incident_correlation_id".into(),
        runs::text(proposal, "incident_correlation_id").into(),
    );
    rec.insert("execution_mode".into(), "paasdeck-verb".into());
    rec.insert("approver".into(), approver.into());
    rec.insert("remediation".into(), json!(rem));
    let result = match rem.verb() {
        None => Err(PaasError::usage(
            "agent_execute",
            format!("run {run_id} proposed nothing to run: {}", rem.reason),
        )),
        Some(verb) => match guard(verb) {
            Err(e) => Err(e),
            Ok(()) => {
                for line in &rem.plan {
                    scope.progress.note(line.clone());
                }
                run_verb(scope, &rem).await
            }
        },
    };
    let (ok, error, summary) = match result {
        Ok(o) if o.ok => (true, None, o.headline()),
        Ok(o) => {
            let s = o.headline();
            (false, o.error, s)
        }
        Err(e) => (false, Some(e.clone()), e.message),
    };
    let note = match &error {
        None => format!(
            "agent {agent} run {run_id} ({approver}): {}",
            rem.describe()
        ),
        Some(e) => format!("agent {agent} run {run_id} failed: {}", e.message),
    };
    if !incident.is_empty() {
        let done = if ok {
            incidents::resolve(&cd, &incident, approver, &note).map(|_| ())
        } else {
            incidents::annotate(&cd, &incident, &note)
        };
        if let Err(e) = done {
            tracing::warn!("could not update incident {incident}: {}", e.message);
        }
        rec.insert(
            "incident_status".into(),
            if ok { "resolved" } else { "open" }.into(),
        );
    }
    rec.insert(
        "status".into(),
        if ok { "succeeded" } else { "failed" }.into(),
    );
    rec.insert("execution_note".into(), summary.clone().into());
    rec.insert("message".into(), note.into());
    if let Some(e) = &error {
        rec.insert("error".into(), crate::verbs::error_object(e));
    }
    let record = runs::append(&cd, rec)?;
    crate::state::agents::note_run(&cd, agent, run_id, if ok { "succeeded" } else { "failed" })?;
    Ok(Executed {
        record,
        error,
        summary,
    })
}
