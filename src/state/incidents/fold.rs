//! Which event rows are failures worth an incident, and the incident they make (`si paas`'s
//! collectors, applied to each row as it is written). One failure makes one incident: a deploy
//! or rollback is folded from its `deployments.jsonl` row, any other failed command from its
//! audit row; alert rows report failures folded elsewhere and are never folded themselves, and
//! a row that names an `incident_id` was folded already.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::schema::{Category, Incident, IncidentStatus, Severity, validate_targets};
use super::{INCIDENT_ID_FIELD, WINDOW};
use crate::policy::redact;
use crate::state::clock;
use crate::state::ids::ContextName;
use crate::state::paths::EventFile;

/// A failure about to be folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub context: ContextName,
    /// The collector: `deploy-hook`, `runtime-watch`, `health-poll`.
    pub source: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    pub target: String,
    pub command: String,
    pub status: String,
    pub triggered_at: OffsetDateTime,
    pub metadata: BTreeMap<String, String>,
}

fn text(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        _ => String::new(),
    }
}

fn names_incident(row: &Map<String, Value>) -> bool {
    let named = |m: &Map<String, Value>| {
        m.get(INCIDENT_ID_FIELD)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    named(row) || matches!(row.get("fields"), Some(Value::Object(f)) if named(f))
}

fn candidate_status(s: &str) -> bool {
    matches!(s, "failed" | "error" | "degraded" | "retrying")
}

fn severity_from_status(s: &str) -> Severity {
    match s {
        "failed" | "error" => Severity::Critical,
        "degraded" | "retrying" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// The incident candidate an event row of `context` makes, if any.
pub fn candidate(
    context: &ContextName,
    file: EventFile,
    row: &Map<String, Value>,
) -> Option<Candidate> {
    if names_incident(row) {
        return None;
    }
    let status = text(row, "status").to_ascii_lowercase();
    if !candidate_status(&status) {
        return None;
    }
    let raw_severity = text(row, "severity");
    let (source, category, severity) = match file {
        EventFile::Deployments => {
            let mut s = Severity::normalise(&raw_severity);
            if s == Severity::Info {
                s = severity_from_status(&status);
            }
            ("deploy-hook", Category::Deploy, s)
        }
        EventFile::Audit => {
            // Refusals and usage errors are recorded as warnings: not an incident.
            let s = if raw_severity.is_empty() {
                severity_from_status(&status)
            } else {
                Severity::normalise(&raw_severity)
            };
            if s != Severity::Critical {
                return None;
            }
            ("runtime-watch", Category::Runtime, s)
        }
        EventFile::Alerts => return None,
    };
    let command = text(row, "command");
    let mut target = text(row, "target");
    if target.is_empty() {
        target = text(row, "error_target");
    }
    if validate_targets(&target).is_err() {
        target.clear();
    }
    let mut message = text(row, "message");
    if message.is_empty() {
        message = text(row, "error_message");
    }
    if message.is_empty() {
        message = format!("{command} status={status}");
    }
    let mut metadata = BTreeMap::new();
    metadata.insert("command".to_string(), command.clone());
    metadata.insert("status".to_string(), status.clone());
    for key in ["app", "release", "error_code", "error_stage", "operator"] {
        let v = text(row, key);
        let v = if v.is_empty() {
            match row.get("fields") {
                Some(Value::Object(f)) => {
                    f.get(key).and_then(Value::as_str).unwrap_or("").to_string()
                }
                _ => String::new(),
            }
        } else {
            v
        };
        if !v.is_empty() {
            metadata.insert(key.to_string(), v);
        }
    }
    Some(Candidate {
        context: context.clone(),
        source: source.to_string(),
        category,
        severity,
        message: crate::text::strip_hostile(&message.replace(['\n', '\t'], " ")).into_owned(),
        target,
        command,
        status,
        triggered_at: clock::parse(&text(row, "timestamp")).unwrap_or_else(clock::now),
        metadata,
    })
}

fn hex8(payload: &str) -> String {
    Sha256::digest(payload.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `<command>_<status>`, lowercased, spaces as `_`.
pub fn signal(command: &str, status: &str) -> String {
    let joined = format!(
        "{}_{}",
        command.trim().to_ascii_lowercase().replace(' ', "_"),
        status.trim().to_ascii_lowercase().replace(' ', "_")
    );
    let joined = joined.trim_matches('_').to_string();
    if joined.is_empty() {
        "unknown".into()
    } else {
        joined
    }
}

/// The start of the dedupe window `t` falls in.
pub fn window_start(t: OffsetDateTime) -> OffsetDateTime {
    let secs = WINDOW.as_secs() as i64;
    let start = t.unix_timestamp().div_euclid(secs) * secs;
    OffsetDateTime::from_unix_timestamp(start).unwrap_or(t)
}

impl Candidate {
    /// The incident, with `si paas`'s dedupe key, correlation id, id and window.
    pub fn incident(&self) -> Incident {
        let signal = signal(&self.command, &self.status);
        let dedupe_key = hex8(
            &[
                self.context.as_str(),
                &self.source,
                self.category.as_str(),
                self.severity.as_str(),
                &self.target,
                &signal,
                &self.command,
            ]
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("|"),
        );
        let start = window_start(self.triggered_at);
        let end = start + time::Duration::seconds(WINDOW.as_secs() as i64);
        let fmt_window = |t: OffsetDateTime| {
            format!(
                "{:04}{:02}{:02}T{:02}{:02}",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute()
            )
        };
        let correlation_id = hex8(&format!("{dedupe_key}|{}|", fmt_window(start)));
        let t = self.triggered_at.to_offset(time::UtcOffset::UTC);
        let id = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z-{dedupe_key}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond()
        );
        let mut metadata = serde_json::to_value(&self.metadata).unwrap_or_default();
        redact::redact(&mut metadata);
        Incident {
            id,
            context: self.context.clone(),
            source: self.source.clone(),
            category: self.category,
            severity: self.severity,
            status: IncidentStatus::Open,
            message: self.message.clone(),
            target: self.target.clone(),
            signal,
            dedupe_key,
            correlation_id,
            triggered_at: clock::rfc3339_nanos(self.triggered_at),
            window_start: clock::rfc3339_nanos(start),
            window_end: clock::rfc3339_nanos(end),
            metadata: serde_json::from_value(metadata).unwrap_or_default(),
        }
    }
}
