//! The on-call verbs: `check` (the scripted health check of one or every context), `alert
//! test|acknowledge` and `incident acknowledge|resolve`; the reads (`alert history`, `incident
//! list|show`) in `reads`.

mod reads;
pub use reads::{HistoryInput, IncidentListInput, alert_history, incident_list, incident_show};

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::cli::CheckArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::alert;
use crate::ops::check::{self, ContextCheck};
use crate::ops::checklist::{self as weekly_checklist, escalate};
use crate::state::incidents::{self, INCIDENT_ID_FIELD};

/// Every flag of `check`.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthInput {
    pub all_contexts: bool,
    pub skip_remote: bool,
    /// Also write node_exporter's textfile here.
    pub prometheus: Option<PathBuf>,
    /// Per target, for the target check and the drift check.
    pub timeout: Duration,
}

impl HealthInput {
    pub fn from_args(a: &CheckArgs) -> HealthInput {
        HealthInput {
            all_contexts: a.all_contexts,
            skip_remote: a.skip_remote,
            prometheus: a.prometheus.clone(),
            timeout: a.timeout,
        }
    }
}

fn render(c: &ContextCheck) -> String {
    let mut s = format!(
        "paasdeck check [{}]: {}\n",
        c.context,
        if c.ok { "ok" } else { "FAILED" }
    );
    let width = c.checks.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for v in &c.checks {
        s.push_str(&format!(
            "  {:<4} {:<width$}  {}\n",
            if v.ok { "OK" } else { "FAIL" },
            v.name,
            crate::text::sanitize_inline(&v.detail)
        ));
    }
    if let Some(i) = &c.incident_id {
        s.push_str(&format!("  incident {i}\n"));
    }
    if let Some(a) = &c.alert {
        s.push_str(&format!("  {}\n", crate::ops::alert::describe(a)));
    }
    s.push_str(&escalate::render(&c.escalations));
    s
}

/// Checks each context in turn (each context's own lines as a note when it is done); a
/// failing context raises its alert and incident.
async fn run_checks(scope: &Scope, input: &HealthInput, contexts: &[String]) -> Vec<ContextCheck> {
    let spec = check::CheckSpec {
        skip_remote: input.skip_remote,
        timeout: input.timeout,
        parallel: 16,
    };
    let cwd = std::env::current_dir().ok();
    let mut results = Vec::new();
    for name in contexts {
        let c = check::check_context(
            &scope.root,
            &scope.pool,
            cwd.as_deref(),
            name,
            &spec,
            &scope.progress.cancel,
        )
        .await;
        let root = scope.root.clone();
        let cwd = cwd.clone();
        let c = tokio::task::spawn_blocking(move || {
            let mut c = c;
            let weekly = escalate::weigh(&root, cwd.as_deref(), &mut c);
            check::report_failure(&root, &mut c);
            escalate::raise_all(&root, &weekly, &mut c);
            c
        })
        .await
        .map_err(|e| PaasError::new(ErrorCode::UnknownFailure, "check", e.to_string()));
        let Ok(c) = c else { continue };
        for line in render(&c).lines() {
            scope.progress.note(line);
        }
        results.push(c);
    }
    results
}

/// `check`: exit 0 (ok) only when every check of every context passes.
pub async fn check(scope: &Scope, input: &HealthInput) -> Result<Outcome> {
    if let Some(p) = &input.prometheus {
        crate::state::fsio::existing_output(p, "flag_validation")?;
    }
    let contexts = if input.all_contexts {
        scope.root.list_contexts()?
    } else {
        scope.cd()?;
        vec![scope.context.clone()]
    };
    let results = run_checks(scope, input, &contexts).await;
    let mut prom_error = None;
    if let Some(path) = &input.prometheus {
        // The verdicts are the result; a textfile that cannot be written fails the run too.
        let now = crate::state::clock::now();
        let mut text = check::prometheus(&results, now);
        text.push_str(&weekly_checklist::prometheus(&results));
        if let Err(e) = check::write_prometheus(path, &text) {
            prom_error = Some(e);
        }
    }
    let failing: Vec<String> = results
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} ({})", c.context, c.failing().join(", ")))
        .collect();
    let out = outcome(&results, &failing);
    if let Some(e) = prom_error {
        return Ok(out.failed_with(e));
    }
    if failing.is_empty() {
        return Ok(out);
    }
    Ok(out.failed_with(
        PaasError::new(
            ErrorCode::CheckFailed,
            "check",
            format!(
                "check failed in {} of {} context(s): {}",
                failing.len(),
                results.len(),
                failing.join("; ")
            ),
        )
        .with_remediation(
            "read each failing check's detail; `paasdeck --context C doctor`, `target check --all` and `deploy reconcile --app A` show more",
        ),
    ))
}

fn outcome(results: &[ContextCheck], failing: &[String]) -> Outcome {
    let text: String = if results.is_empty() {
        "no contexts\n".into()
    } else {
        results.iter().map(render).collect()
    };
    // `contexts` is exactly SPEC §15's shape; what the failures raised is listed beside it.
    let contexts: Vec<Value> = results
        .iter()
        .map(|c| json!({"context": c.context, "ok": c.ok, "checks": c.checks}))
        .collect();
    let raised: Vec<Value> = results
        .iter()
        .filter(|c| c.incident_id.is_some() || c.alert.is_some())
        .map(|c| {
            json!({
                "context": c.context,
                "incident_id": c.incident_id,
                "alert": c.alert.as_ref().map(super::deploy::alert_summary),
            })
        })
        .collect();
    let mut out = Outcome::ok().set("contexts", contexts);
    let escalations = escalate::rows(results);
    if !escalations.is_empty() {
        out = out.set("escalations", escalations);
    }
    if !raised.is_empty() {
        out = out.set("raised", raised);
    }
    out = out
        .audit_only("contexts", results.len())
        .audit_only("failing", failing.join("; "))
        .text(text)
        .summary(format!(
            "{} context(s) checked, {} failing",
            results.len(),
            failing.len()
        ));
    if let Some(i) = results.iter().find_map(|c| c.incident_id.clone()) {
        out = out.audit_only(INCIDENT_ID_FIELD, i);
    }
    out
}

/// `alert test`: a test alert raised through the context's policy; a failure when it was not
/// delivered.
pub fn alert_test(scope: &Scope, severity: &str, message: &str) -> Result<Outcome> {
    let cd = scope.cd()?;
    crate::text::refuse_control("--message", message)?;
    let sev = crate::state::alerts::AlertSeverity::parse(severity)?;
    let row = alert::raise(&cd, &alert::Alert::new("alert test", sev, message));
    let line = alert::describe(&row);
    scope.progress.note(&line);
    let out = Outcome::ok()
        .field("id", &row.id)
        .field("severity", sev.as_str())
        .field("status", &row.status)
        .field("channel", row.field("channel"))
        .set("delivery_error", row.field("delivery_error"))
        .set("row", &row)
        .text(line + "\n")
        .summary(format!("alert {} {}", row.id, row.status));
    if row.status != "failed" {
        return Ok(out);
    }
    Ok(out.failed_with(
        PaasError::new(
            ErrorCode::AlertDeliveryFailed,
            "alert_send",
            format!(
                "test alert {} was not delivered via {}: {}",
                row.id,
                row.field("channel"),
                row.field("delivery_error")
            ),
        )
        .with_remediation(format!(
            "check the channel with `paasdeck --context {} alert policy show` and set it up again",
            scope.context
        )),
    ))
}

/// `alert acknowledge`: the alert acknowledged, and the incident it belongs to with it.
pub fn alert_acknowledge(scope: &Scope, id: &str, note: &str) -> Result<Outcome> {
    let done = alert::acknowledge(&scope.cd()?, id, note, &scope.operator)?;
    let orig = &done.alert;
    let incident_id = orig.field(INCIDENT_ID_FIELD).to_string();
    let mut text = format!("alert {} ({}) acknowledged: {note}", orig.id, orig.command);
    if let Some(i) = &done.incident {
        text.push_str(&format!("\nincident {} is {}", i.id(), i.status.as_str()));
    }
    for line in text.lines() {
        scope.progress.note(line);
    }
    Ok(Outcome::ok()
        .field("alert_id", &orig.id)
        .field("ack_id", &done.ack.id)
        .field("ack_command", &orig.command)
        .field("note", note)
        .field("incident_id", &incident_id)
        .set(
            "incident_status",
            done.incident.as_ref().map(|i| i.status.as_str()),
        )
        .summary(format!("acknowledged {}", orig.id))
        .text(text))
}

/// `incident acknowledge`: an incident no alert leads to, acknowledged.
pub fn incident_acknowledge(scope: &Scope, id: &str, note: &str) -> Result<Outcome> {
    let done = incidents::acknowledge_incident(&scope.cd()?, id, &scope.operator, note)?;
    let e = &done.entry;
    let text = if done.already {
        format!(
            "incident {} was already acknowledged by {} at {}",
            e.id(),
            e.acknowledged_by,
            e.acknowledged_at
        )
    } else {
        format!("incident {} acknowledged", e.id())
    };
    scope.progress.note(&text);
    Ok(Outcome::ok()
        .field("id", e.id())
        .field("status", e.status.as_str())
        .field("note", note)
        .field("already_acknowledged", done.already)
        .set("data", super::to_value(e))
        .summary(format!("acknowledged incident {}", e.id()))
        .text(text))
}

/// `incident resolve`: an incident marked resolved, with the operator's note.
pub fn incident_resolve(scope: &Scope, id: &str, note: &str) -> Result<Outcome> {
    crate::text::refuse_control("--note", note)?;
    let e = incidents::resolve(&scope.cd()?, id, &scope.operator, note)?;
    let line = format!("incident {} resolved", e.id());
    scope.progress.note(&line);
    Ok(Outcome::ok()
        .field("id", e.id())
        .field("status", e.status.as_str())
        .field("note", note)
        .set("data", super::to_value(&e))
        .summary(format!("resolved {}", e.id()))
        .text(line))
}
