//! `agent run-once`: take the agent's lock, sync the incident queue, pick the requested or the
//! newest open incident, propose one remediation, let the remediation policy decide
//! (`queued`: run now; `pending-approval`; `denied`), append si's run record and artifact.

use serde_json::{Value, json};

use super::propose::{self, Remediation};
use super::{Guard, execute, record_base};
use crate::error::Result;
use crate::state::agents::{self, PolicyAction, lock, runs};
use crate::state::incidents::{self, Entry, IncidentStatus};
use crate::verbs::{Outcome, Scope};

/// `run-once --name N [--incident ID]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOnceInput {
    pub name: String,
    pub incident: Option<String>,
}

fn pick(q: &incidents::Queue, wanted: Option<&str>, cd_name: &str) -> Result<Option<Entry>> {
    match wanted {
        Some(id) => q.find(id).cloned().map(Some).ok_or_else(|| {
            crate::error::PaasError::new(
                crate::error::ErrorCode::IncidentNotFound,
                "incident_lookup",
                format!(
                    "context {cd_name} has no incident {:?}",
                    crate::text::sanitize_inline(id)
                ),
            )
            .with_remediation(format!(
                "list the incidents with `paasdeck --context {cd_name} incident list`"
            ))
        }),
        // The queue is newest first.
        None => Ok(q
            .entries
            .iter()
            .find(|e| e.status == IncidentStatus::Open)
            .cloned()),
    }
}

fn status_for(action: PolicyAction) -> &'static str {
    match action {
        PolicyAction::AutoAllow => "queued",
        PolicyAction::ApprovalRequired => "pending-approval",
        PolicyAction::Deny => "denied",
    }
}

pub async fn run_once(scope: &Scope, input: &RunOnceInput, guard: Guard<'_>) -> Result<Outcome> {
    let cd = scope.cd()?;
    let agent = agents::get(&cd, &input.name)?;
    let run_id = runs::new_run_id();
    let owner = format!("{}@paasdeck:{}", scope.operator, std::process::id());
    let mut rec = record_base(scope, &agent.name, &run_id);
    rec.insert("runtime_profile".into(), agent.profile.clone().into());
    let held = match lock::acquire(&cd, &agent.name, &owner)? {
        Ok(h) => h,
        Err(busy) => {
            rec.insert("status".into(), "blocked".into());
            rec.insert("lock_path".into(), busy.path.display().to_string().into());
            rec.insert("lock_recovered".into(), false.into());
            rec.insert("message".into(), busy.message.clone().into());
            let rec = runs::append(&cd, rec)?;
            agents::note_run(&cd, &agent.name, &run_id, "blocked")?;
            return Ok(super::run_outcome(&rec, None).summary(busy.message));
        }
    };
    rec.insert("lock_path".into(), held.path.display().to_string().into());
    rec.insert("lock_recovered".into(), held.recovered.into());
    // Failures are folded into the queue as their rows are written: the sync reads it.
    let q = incidents::load(&cd)?;
    for (k, v) in [
        ("collected", json!(0)),
        ("inserted", json!(0)),
        ("updated", json!(0)),
        ("pruned", json!(0)),
        ("queue_total", json!(q.entries.len())),
        (
            "queue_path",
            json!(cd.incidents_file().display().to_string()),
        ),
        ("collector_count", json!(3)),
    ] {
        rec.insert(k.into(), v);
    }
    let Some(entry) = pick(&q, input.incident.as_deref(), cd.name())? else {
        rec.insert("status".into(), "noop".into());
        rec.insert("message".into(), "no open incident".into());
        rec.insert(
            "remediation".into(),
            json!(Remediation::noop("no open incident")),
        );
        let rec = runs::append(&cd, rec)?;
        agents::note_run(&cd, &agent.name, &run_id, "noop")?;
        drop(held);
        return Ok(super::run_outcome(&rec, None));
    };
    rec.insert("incident_id".into(), entry.id().into());
    rec.insert(
        "incident_correlation_id".into(),
        entry.incident.correlation_id.clone().into(),
    );
    rec.insert(
        "incident_severity".into(),
        entry.incident.severity.as_str().into(),
    );
    let allowed: Vec<String> = agent
        .targets
        .iter()
        .filter(|t| !t.eq_ignore_ascii_case("all"))
        .cloned()
        .collect();
    let rem = propose::propose(scope, &entry, &allowed).await?;
    rec.insert("remediation".into(), json!(rem));
    let status = if rem.is_noop() {
        "noop"
    } else {
        let action = agents::load_policy(&cd)?.action_for(entry.incident.severity);
        rec.insert("policy_action".into(), action.as_str().into());
        status_for(action)
    };
    rec.insert("status".into(), status.into());
    rec.insert("message".into(), rem.describe().into());
    if status == "pending-approval" {
        rec.insert("execution_mode".into(), "awaiting-approval".into());
        rec.insert(
            "execution_note".into(),
            format!(
                "approve with `paasdeck --context {} agent approve --run {run_id}`",
                scope.context
            )
            .into(),
        );
    }
    let rec = runs::append(&cd, rec)?;
    agents::note_run(&cd, &agent.name, &run_id, status)?;
    if status != "queued" {
        drop(held);
        return Ok(super::run_outcome(&rec, None));
    }
    // Auto-allowed: run now, through the guard, as the operator's own command would.
    let done = execute::execute(scope, &agent.name, &run_id, &rec, "policy", guard).await?;
    drop(held);
    Ok(super::run_outcome(&rec, Some(&done)))
}

/// The run's proposal (its record with a remediation), from the run log.
pub fn proposal(records: &[runs::Record]) -> Option<(runs::Record, Remediation)> {
    records.iter().rev().find_map(|r| {
        let rem: Remediation = serde_json::from_value(r.get("remediation")?.clone()).ok()?;
        Some((r.clone(), rem))
    })
}

/// The run's state: its newest record's status.
pub fn state_of(records: &[runs::Record]) -> String {
    records
        .last()
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
