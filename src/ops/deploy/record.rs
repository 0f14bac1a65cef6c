//! The `events/deployments.jsonl` rows of deploys and rollbacks: what was planned, what each
//! target did, the error and the drift after a failure, and si's release a takeover stopped;
//! a failure is folded into an incident.

use serde_json::{Map, Value};

use super::applied::Applied;
use super::{Plan, drift};
use crate::error::Result;
use crate::remote::fanout::{self, TargetStatus};
use crate::state::incidents::FoldOutcome;
use crate::state::paths::{ContextDir, EventFile};
use crate::state::{clock, events};

fn event_row(plan: &Plan, operator: &str, status: &str) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("timestamp".into(), clock::now_event().into());
    row.insert("context".into(), plan.context.clone().into());
    row.insert("source".into(), "deploy".into());
    row.insert("command".into(), plan.kind.command().into());
    row.insert("status".into(), status.into());
    row.insert("operator".into(), operator.into());
    row.insert("app".into(), plan.app.clone().into());
    row.insert("release".into(), plan.release.clone().into());
    if let Some(f) = &plan.from_release {
        row.insert("from_release".into(), f.clone().into());
    }
    row.insert("strategy".into(), plan.strategy.as_str().into());
    row.insert("fanout_plan".into(), plan.fanout.summary().into());
    row.insert("project".into(), plan.project.clone().into());
    row.insert("remote_dir".into(), plan.layout.root.clone().into());
    row
}

/// The `deployments.jsonl` row of an apply.
pub(super) fn record_event(
    cd: &ContextDir,
    operator: &str,
    a: &Applied,
) -> Result<Option<FoldOutcome>> {
    let mut row = event_row(
        &a.plan,
        operator,
        if a.error.is_none() {
            "succeeded"
        } else {
            "failed"
        },
    );
    row.insert(
        "target_statuses".into(),
        fanout::statuses(&a.outcomes).into(),
    );
    if let Some(si) = a.plan.si.first() {
        row.insert("si_release".into(), si.release.clone().into());
        let projects: Vec<&str> = a.plan.si.iter().map(|s| s.project.as_str()).collect();
        row.insert("si_projects".into(), projects.join(",").into());
        let with = |want: bool| {
            a.outcomes
                .iter()
                .filter(|o| o.detail.as_ref().and_then(|d| d.si_stopped) == Some(want))
                .map(|o| o.target.clone())
                .collect::<Vec<_>>()
                .join(",")
        };
        row.insert("si_stopped_targets".into(), with(true).into());
        row.insert("si_not_stopped_targets".into(), with(false).into());
    }
    for (key, status) in [
        ("applied_targets", TargetStatus::Ok),
        ("failed_targets", TargetStatus::Failed),
        ("rolled_back_targets", TargetStatus::RolledBack),
        ("skipped_targets", TargetStatus::Skipped),
    ] {
        row.insert(key.into(), a.names_with(status).join(",").into());
    }
    if let Some(e) = &a.error {
        events::insert_error(&mut row, e);
        if !a.output_tail.is_empty() {
            row.insert("output_tail".into(), a.output_tail.clone().into());
        }
    }
    if let Some(d) = &a.drift {
        drift::insert(&mut row, d);
    }
    events::append_folded(cd, EventFile::Deployments, row)
}

/// The row of a plan-only deploy: nothing remote happened.
pub fn record_planned(cd: &ContextDir, operator: &str, plan: &Plan) -> Result<()> {
    let mut row = event_row(plan, operator, "planned");
    row.insert("severity".into(), "info".into());
    row.insert("apply".into(), false.into());
    events::append(cd, EventFile::Deployments, row)
}
