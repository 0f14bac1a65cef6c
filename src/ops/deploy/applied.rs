//! What an apply reports: per target, and as a whole (the deploy's outcome that the event,
//! the incident and both front ends are made from).

use std::sync::Arc;

use serde::Serialize;

use super::Plan;
use super::drift::Drift;
use crate::error::PaasError;
use crate::remote::fanout::{Outcome, TargetStatus};
use crate::state::alerts::AlertRow;

/// What happened on one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub release: String,
    pub rolled_back_to: Option<String>,
    pub health_probes: u32,
    pub duration_ms: u64,
    /// Whether si's release was stopped here after the new one was healthy (`None`: the
    /// target had no si release to stop).
    pub si_stopped: Option<bool>,
}

/// The result of an apply.
pub struct Applied {
    pub plan: Arc<Plan>,
    pub outcomes: Vec<Outcome<TargetReport>>,
    /// Whether the release was recorded as current (every target ok).
    pub recorded: bool,
    pub error: Option<PaasError>,
    /// After a failure: where the touched targets' `current` points now.
    pub drift: Option<Drift>,
    /// After a failure: the incident it was folded into, and the alert raised for it.
    pub incident: Option<String>,
    pub alert: Option<AlertRow>,
    /// After a failure: the last lines the failed targets printed (see `output`).
    pub output_tail: String,
}

impl Applied {
    pub fn names_with(&self, status: TargetStatus) -> Vec<String> {
        self.outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.target.clone())
            .collect()
    }
}
