//! The incident queue (`events/incidents.jsonl`) in `si paas`'s schema: failures folded into
//! incidents by dedupe key within a 5-minute window, `seen_count`, severity that only escalates,
//! 14 days of retention and at most 1000 entries. The whole file is rewritten atomically under
//! its own lock whenever a failure row is folded in or an incident changes status.

mod fold;
mod queue;
mod schema;

pub use fold::{Candidate, candidate};
pub use queue::{
    FoldOutcome, IncidentAck, Queue, acknowledge, acknowledge_incident, annotate, fold_candidate,
    fold_row, load, load_all_contexts, resolve,
};
pub use schema::{Category, Entry, Incident, IncidentStatus, Severity, validate_targets};

use std::time::Duration;

/// Repeats of one failure within this window are one incident.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Entries not seen for this long are dropped.
pub const RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);
/// At most this many entries are kept, newest first.
pub const CAP: usize = 1000;

/// The key a row names when it has been folded into an incident already (an alert raised for a
/// failure, the audit row of a deploy whose event row was folded).
pub const INCIDENT_ID_FIELD: &str = "incident_id";

#[cfg(test)]
mod tests;
