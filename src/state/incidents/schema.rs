//! The incident and queue-entry shapes (`si paas`'s `paasIncidentEvent` and queue entry), with
//! every value read back parsed like input: enumerations normalised as `si paas` does, the
//! context a context name, the target a list of target names, ids of safe characters only.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::state::ids::ContextName;
use crate::state::names;

/// `info < warning < critical`; `warn` is a warning, `error` and `fatal` are critical, anything
/// else is info (as `si paas` reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn normalise(s: &str) -> Severity {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" | "error" | "fatal" => Severity::Critical,
            "warning" | "warn" => Severity::Warning,
            _ => Severity::Info,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Severity::normalise(&String::deserialize(d)?))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Deploy,
    Health,
    Runtime,
    Webhook,
    Agent,
    #[default]
    Unknown,
}

impl Category {
    pub fn normalise(s: &str) -> Category {
        match s.trim().to_ascii_lowercase().as_str() {
            "deploy" => Category::Deploy,
            "health" => Category::Health,
            "runtime" => Category::Runtime,
            "webhook" => Category::Webhook,
            "agent" => Category::Agent,
            _ => Category::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Deploy => "deploy",
            Category::Health => "health",
            Category::Runtime => "runtime",
            Category::Webhook => "webhook",
            Category::Agent => "agent",
            Category::Unknown => "unknown",
        }
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Category::normalise(&String::deserialize(d)?))
    }
}

/// `si paas` knows `open|suppressed|resolved`; paasdeck adds `acknowledged` (someone is on it),
/// which `si paas` reads as open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    #[default]
    Open,
    Acknowledged,
    Suppressed,
    Resolved,
}

impl IncidentStatus {
    pub fn normalise(s: &str) -> IncidentStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "acknowledged" => IncidentStatus::Acknowledged,
            "suppressed" => IncidentStatus::Suppressed,
            "resolved" => IncidentStatus::Resolved,
            _ => IncidentStatus::Open,
        }
    }
    /// The value of a `--status` flag.
    pub fn parse_flag(s: &str) -> Option<IncidentStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(IncidentStatus::Open),
            "acknowledged" => Some(IncidentStatus::Acknowledged),
            "suppressed" => Some(IncidentStatus::Suppressed),
            "resolved" => Some(IncidentStatus::Resolved),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Suppressed => "suppressed",
            IncidentStatus::Resolved => "resolved",
        }
    }
    /// Still needs someone: open or acknowledged.
    pub fn is_active(self) -> bool {
        matches!(self, IncidentStatus::Open | IncidentStatus::Acknowledged)
    }
}

impl<'de> Deserialize<'de> for IncidentStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(IncidentStatus::normalise(&String::deserialize(d)?))
    }
}

/// Ids, keys and hashes: letters, digits and `.:_|+-`, at most 200 characters.
pub fn validate_id(kind: &str, s: &str) -> Result<(), String> {
    let ok = s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:_|+-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid {kind}"))
    }
}

fn id_field<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    validate_id("id", &s).map_err(serde::de::Error::custom)?;
    Ok(s)
}

/// Empty, or comma-separated target names (a deploy failing on several targets names them all).
fn targets_field<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    validate_targets(&s).map_err(serde::de::Error::custom)?;
    Ok(s)
}

pub fn validate_targets(s: &str) -> Result<(), String> {
    for t in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        names::validate_target(t).map_err(|e| e.message)?;
    }
    Ok(())
}

fn text_field<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(String::deserialize(d)?.trim().to_string())
}

/// `si paas`'s `paasIncidentEvent`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Incident {
    #[serde(deserialize_with = "id_field")]
    pub id: String,
    pub context: ContextName,
    #[serde(default, deserialize_with = "text_field")]
    pub source: String,
    #[serde(default)]
    pub category: Category,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub status: IncidentStatus,
    #[serde(default, deserialize_with = "text_field")]
    pub message: String,
    #[serde(
        default,
        deserialize_with = "targets_field",
        skip_serializing_if = "String::is_empty"
    )]
    pub target: String,
    #[serde(
        default,
        deserialize_with = "text_field",
        skip_serializing_if = "String::is_empty"
    )]
    pub signal: String,
    #[serde(deserialize_with = "id_field")]
    pub dedupe_key: String,
    #[serde(default, deserialize_with = "id_field")]
    pub correlation_id: String,
    #[serde(default, deserialize_with = "text_field")]
    pub triggered_at: String,
    #[serde(default, deserialize_with = "text_field")]
    pub window_start: String,
    #[serde(default, deserialize_with = "text_field")]
    pub window_end: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// One line of the queue: `si paas`'s entry plus paasdeck's who-and-when of status changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    #[serde(default, deserialize_with = "id_field")]
    pub key: String,
    pub incident: Incident,
    #[serde(default)]
    pub status: IncidentStatus,
    #[serde(default, deserialize_with = "text_field")]
    pub first_seen: String,
    #[serde(default, deserialize_with = "text_field")]
    pub last_seen: String,
    #[serde(default)]
    pub seen_count: u64,
    /// Alerts raised for this incident.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alert_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub acknowledged_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub acknowledged_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resolved_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resolved_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Entry {
    pub fn id(&self) -> &str {
        &self.incident.id
    }

    /// Whether `id` names this entry: its incident id, its key or its correlation id.
    pub fn is(&self, id: &str) -> bool {
        let id = id.trim();
        !id.is_empty()
            && (self.incident.id == id || self.key == id || self.incident.correlation_id == id)
    }

    pub(super) fn set_status(&mut self, s: IncidentStatus) {
        self.status = s;
        self.incident.status = s;
    }

    /// The `si paas` defaults for fields an older writer left empty.
    pub(super) fn normalise(&mut self) {
        if self.key.is_empty() {
            self.key = key_of(&self.incident);
        }
        if self.first_seen.is_empty() {
            self.first_seen = self.incident.triggered_at.clone();
        }
        if self.last_seen.is_empty() {
            self.last_seen = self.incident.triggered_at.clone();
        }
        self.seen_count = self.seen_count.max(1);
        self.incident.status = self.status;
    }
}

/// `<dedupe_key>|<window_start>`, or the dedupe key alone without a window.
pub fn key_of(i: &Incident) -> String {
    if i.window_start.is_empty() {
        i.dedupe_key.clone()
    } else {
        format!("{}|{}", i.dedupe_key, i.window_start)
    }
}
