//! `deploy` (plan, or plan and apply) and `rollback`; the deploy lock (`lock.rs`) and
//! `deploy reconcile` (`reconcile.rs`).
//!
//! Planning is one function for both front ends, from an input carrying every flag of the
//! command (`--compose-file` included). The headless front end plans and, with `--apply`,
//! applies at once; the console plans ([`plan`]), shows that plan for confirmation and applies
//! exactly it ([`apply`]) — a plan the console shows is never made again before it runs.

mod lock;
mod reconcile;

pub use lock::{LockInput, lock};
pub use reconcile::{ReconcileInput, reconcile};

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::cli::{DeployArgs, RollbackArgs};
use crate::error::Result;
use crate::ops::deploy::{
    self, Applied, Common, DeploySpec, Executor, Inline, Plan, RollbackSpec, lock as dlock,
};
use crate::remote::LineSink;
use crate::remote::fanout;

/// What `deploy` plans (and applies with `apply`): every flag of the command.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployInput {
    pub common: Common,
    /// `None`: the app's registered compose file.
    pub compose_file: Option<PathBuf>,
    pub rollback_on_failure: bool,
    /// Apply at once (headless `--apply`); the console always shows the plan first.
    pub apply: bool,
}

impl DeployInput {
    /// The flags' defaults for an app (what a key press in the console plans).
    pub fn of(app: &str) -> DeployInput {
        DeployInput {
            common: Common::new(app),
            compose_file: None,
            rollback_on_failure: true,
            apply: false,
        }
    }

    pub fn from_args(a: &DeployArgs) -> Result<DeployInput> {
        Ok(DeployInput {
            common: a.release.common()?,
            compose_file: a.compose_file.clone(),
            rollback_on_failure: a.rollback_on_failure,
            apply: a.release.apply,
        })
    }
}

/// What `rollback` plans: every flag of the command.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackInput {
    pub common: Common,
    /// `None`: the previous release.
    pub to_release: Option<String>,
    pub apply: bool,
}

impl RollbackInput {
    /// The flags' defaults for an app, to `to` (else the previous release).
    pub fn of(common: Common, to: Option<String>) -> RollbackInput {
        RollbackInput {
            common,
            to_release: to,
            apply: false,
        }
    }

    pub fn from_args(a: &RollbackArgs) -> Result<RollbackInput> {
        Ok(RollbackInput {
            common: a.release.common()?,
            to_release: a.to_release.clone(),
            apply: a.release.apply,
        })
    }
}

/// A deploy or a rollback to plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanInput {
    Deploy(DeployInput),
    Rollback(RollbackInput),
}

impl PlanInput {
    pub fn app(&self) -> &str {
        match self {
            PlanInput::Deploy(d) => &d.common.app,
            PlanInput::Rollback(r) => &r.common.app,
        }
    }

    fn applies(&self) -> bool {
        match self {
            PlanInput::Deploy(d) => d.apply,
            PlanInput::Rollback(r) => r.apply,
        }
    }
}

/// Makes the plan: the bundle is written locally, nothing remote happens.
pub fn plan(scope: &Scope, input: &PlanInput) -> Result<Plan> {
    let cd = scope.cd()?;
    match input {
        PlanInput::Deploy(d) => deploy::plan_deploy(
            &cd,
            &DeploySpec {
                common: d.common.clone(),
                compose_file: d.compose_file.clone(),
                rollback_on_failure: d.rollback_on_failure,
            },
        ),
        PlanInput::Rollback(r) => deploy::plan_rollback(
            &cd,
            &RollbackSpec {
                common: r.common.clone(),
                to_release: r.to_release.clone(),
            },
        ),
    }
}

/// `deploy` / `rollback`: the plan only (a deploy's plan is recorded as `planned`), or, with
/// `apply`, the plan applied at once, each target's work inline.
pub async fn run(scope: &Scope, input: &PlanInput) -> Result<Outcome> {
    let plan = plan(scope, input)?;
    if !input.applies() {
        if let PlanInput::Deploy(_) = input {
            deploy::record_planned(&scope.cd()?, &scope.operator, &plan)?;
        }
        return planned(scope, &plan);
    }
    let lines = scope.progress.lines.clone();
    let sink_for = Arc::new(move |target: &str| {
        let (lines, target) = (lines.clone(), target.to_string());
        Arc::new(move |stream, line: String| lines(&target, stream, &line)) as LineSink
    });
    let exec = Inline {
        sink_for,
        cancel: scope.progress.cancel.clone(),
    };
    apply(scope, Arc::new(plan), &exec).await
}

/// The outcome of a plan that is not applied: the plan, and the deploy lock if one is held.
pub fn planned(scope: &Scope, plan: &Plan) -> Result<Outcome> {
    let held = dlock::find(&scope.cd()?, &plan.app)?.filter(|l| !l.stale());
    let mut out = with_plan(Outcome::ok().set("apply", false), plan);
    let mut text = plan.lines().join("\n") + "\n";
    if let Some(l) = &held {
        text.push_str(&format!("note: the deploy lock is {}\n", l.describe()));
    }
    text.push_str("plan only: nothing was changed on any target; add --apply to do it\n");
    out = out
        .set("lock", held.as_ref().map(dlock::Found::json))
        .audit_only("app", &plan.app)
        .audit_only("release", &plan.release)
        .audit_only("apply", false)
        .audit_only("fanout_plan", plan.fanout.summary());
    Ok(out
        .summary(format!("planned {} {}", plan.app, plan.release))
        .text(text))
}

fn with_plan(mut out: Outcome, plan: &Plan) -> Outcome {
    if let Value::Object(m) = plan.json() {
        for (k, v) in m {
            out = out.set(&k, v);
        }
    }
    out
}

/// Applies a plan the operator has seen (or asked for with `--apply`): each target's work
/// through `exec`, the outcome per target as a note.
pub async fn apply(scope: &Scope, plan: Arc<Plan>, exec: &dyn Executor) -> Result<Outcome> {
    for line in plan.lines() {
        scope.progress.note(line);
    }
    let applied =
        deploy::apply(scope.pool.clone(), &scope.root, plan, exec, &scope.operator).await?;
    let out = applied_outcome(&applied);
    for line in out.text.lines() {
        scope.progress.note(line);
    }
    Ok(out)
}

fn target_rows(a: &Applied) -> Vec<Value> {
    a.outcomes
        .iter()
        .map(|o| {
            let mut v = json!({"target": o.target, "status": o.status.as_str()});
            if let Some(d) = &o.detail {
                v["release"] = json!(d.release);
                v["rolled_back_to"] = json!(d.rolled_back_to);
                v["health_probes"] = json!(d.health_probes);
                v["duration_ms"] = json!(d.duration_ms);
            }
            if let Some(e) = &o.error {
                v["error"] = super::error_object(e);
            }
            v
        })
        .collect()
}

fn applied_outcome(a: &Applied) -> Outcome {
    let plan = &a.plan;
    let statuses = fanout::statuses(&a.outcomes);
    let mut out = with_plan(Outcome::ok().set("apply", true), plan);
    let mut text = String::new();
    for o in &a.outcomes {
        text.push_str(&format!("{}: {}", o.target, o.status.as_str()));
        if let Some(e) = &o.error {
            text.push_str(&format!(" — {}", e.message));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "fanout_plan={}\ntarget_statuses={statuses}\n",
        plan.fanout.summary()
    ));
    if a.recorded {
        text.push_str(&format!(
            "{} is now the current release of {}\n",
            plan.release, plan.app
        ));
    }
    if let Some(d) = &a.drift {
        text.push_str(&drift_text(plan, d));
        out = out
            .field("remote_current", &d.remote_current)
            .field("drifted_targets", &d.drifted_targets)
            .field("unverified_targets", &d.unverified_targets);
    }
    if let Some(al) = &a.alert {
        text.push_str(&(crate::ops::alert::describe(al) + "\n"));
        out = out.set("alert", alert_summary(al));
    }
    if let Some(i) = &a.incident {
        text.push_str(&format!(
            "incident {i}: `paasdeck --context {} incident show {i}`\n",
            plan.context
        ));
        // Folded from the deploy's own event row: the audit row names it, never folds again.
        out = out
            .set("incident_id", i)
            .audit_only(crate::state::incidents::INCIDENT_ID_FIELD, i);
    }
    let out = out
        .field("target_statuses", &statuses)
        .set("recorded", a.recorded)
        .audit_only("app", &plan.app)
        .audit_only("release", &plan.release)
        .audit_only("apply", true)
        .audit_only("fanout_plan", plan.fanout.summary())
        .list(&target_rows(a))
        .summary(statuses)
        .text(text);
    match &a.error {
        Some(e) => out.failed_with(e.clone()),
        None => out,
    }
}

fn drift_text(plan: &Plan, d: &deploy::drift::Drift) -> String {
    let mut text = String::new();
    let recorded = plan.from_release.as_deref().unwrap_or("no release");
    for t in &d.drifted_targets {
        let now = d
            .remote_current
            .get(t)
            .and_then(Value::as_str)
            .unwrap_or("no release");
        text.push_str(&format!(
            "drift: {t} runs {now} while the record says {recorded}\n"
        ));
    }
    if !d.unverified_targets.is_empty() {
        text.push_str(&format!(
            "unverified: could not read the current release of {}\n",
            d.unverified_targets.join(", ")
        ));
    }
    text
}

/// The alert raised for a failure, as a command shows it.
pub fn alert_summary(al: &crate::state::alerts::AlertRow) -> Value {
    json!({
        "id": al.id,
        "status": al.status,
        "channel": al.field("channel"),
        "delivery_error": al.field("delivery_error"),
    })
}
