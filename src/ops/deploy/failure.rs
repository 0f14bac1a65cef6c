//! The alert a failed deploy or rollback raises: critical, `si paas`'s `deploy failure` /
//! `rollback failure`, with the fields its callback hints are built from.

use super::Applied;
use crate::error::PaasError;
use crate::ops::alert::Alert;
use crate::remote::fanout;
use crate::state::alerts::AlertSeverity;

/// The critical alert of a failed deploy or rollback (`si paas`'s `deploy failure`).
pub fn alert(a: &Applied, e: &PaasError) -> Alert {
    let plan = &a.plan;
    let mut alert = Alert::new(
        &format!("{} failure", plan.kind.command()),
        AlertSeverity::Critical,
        &e.message,
    )
    .field("app", plan.app.clone())
    .field("release", plan.release.clone())
    .field(
        "from_release",
        plan.from_release.clone().unwrap_or_default(),
    )
    .field("target_statuses", fanout::statuses(&a.outcomes))
    .field("error_code", e.code.as_str())
    .field("error_stage", e.stage.clone());
    alert.target = e.target.clone();
    alert.guidance = e.remediation.clone();
    alert.incident_id = a.incident.clone();
    alert
}
