//! The three event files of a context: appending rows (redacted, one write each), reading them
//! newest-first from the end of each file, merging, and following them as they grow (woken by
//! file notifications).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{PaasError, Result};
use crate::policy::redact;
use crate::state::clock;
use crate::state::fsio;
use crate::state::incidents;
use crate::state::paths::{ContextDir, EventFile};

mod app_filter;
pub mod checkpoint;
mod fields;
mod follow;
pub mod forward;
mod lines;
mod wake;

pub use app_filter::AppFilter;
pub use fields::stringify_fields;

pub use follow::EventFollower;
pub use lines::{MAX_ROW_BYTES, RevLine, ReverseLines};
pub use wake::{DEFAULT_POLL, EventWaker, EventWatch, WatchSettings, is_change};

/// `user@host` of whoever runs this process.
pub fn operator() -> String {
    let user = whoami::username()
        .ok()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_string());
    let host = whoami::hostname().unwrap_or_else(|_| "localhost".to_string());
    format!("{user}@{host}")
}

/// Appends one row to an event file, redacting secret-like keys first; a failure row is folded
/// into the context's incidents.
pub fn append(cd: &ContextDir, file: EventFile, row: Map<String, Value>) -> Result<()> {
    append_folded(cd, file, row).map(|_| ())
}

/// [`append`], returning the incident a failure row was folded into. The row is written first;
/// a fold that fails (the queue locked too long, a disk error) is logged and never fails the
/// command that wrote the row.
pub fn append_folded(
    cd: &ContextDir,
    file: EventFile,
    mut row: Map<String, Value>,
) -> Result<Option<incidents::FoldOutcome>> {
    // Alert rows keep their `fields` as a map of strings: `si paas alert history` drops a row
    // whose `fields` holds any other type.
    if file == EventFile::Alerts {
        stringify_fields(&mut row);
    }
    redact::redact_map(&mut row);
    fsio::append_jsonl(&cd.event_file(file), &Value::Object(row.clone()))?;
    match incidents::fold_row(cd, file, &row) {
        Ok(folded) => Ok(folded),
        Err(e) => {
            tracing::error!(
                context = cd.name(),
                "could not fold a failure into incidents: {}",
                e.message
            );
            Ok(None)
        }
    }
}

/// An audit row (SPEC §2).
#[derive(Debug, Clone)]
pub struct Audit {
    pub command: String,
    pub ok: bool,
    pub duration_ms: u128,
    pub fields: Map<String, Value>,
    pub error: Option<PaasError>,
}

impl Audit {
    pub fn row(&self, context: &str, operator: &str) -> Map<String, Value> {
        let mut row = Map::new();
        row.insert("timestamp".into(), clock::now_event().into());
        row.insert("context".into(), context.into());
        row.insert("source".into(), "audit".into());
        row.insert("command".into(), self.command.clone().into());
        row.insert(
            "status".into(),
            if self.ok { "succeeded" } else { "failed" }.into(),
        );
        row.insert("mode".into(), "live".into());
        row.insert(
            "severity".into(),
            if self.ok { "info" } else { "critical" }.into(),
        );
        row.insert("operator".into(), operator.into());
        row.insert("duration_ms".into(), (self.duration_ms as u64).into());
        if !self.fields.is_empty() {
            row.insert("fields".into(), Value::Object(self.fields.clone()));
        }
        if let Some(e) = &self.error {
            insert_error(&mut row, e);
        }
        row
    }
}

/// The `error_*` keys of a failed row.
pub fn insert_error(row: &mut Map<String, Value>, e: &PaasError) {
    row.insert("error_code".into(), e.code.as_str().into());
    row.insert("error_stage".into(), e.stage.clone().into());
    row.insert("error_target".into(), e.target.clone().into());
    row.insert("error_message".into(), e.message.clone().into());
    row.insert("error_remediation".into(), e.remediation.clone().into());
}

/// The normalised view `events list` shows (the `si paas` shape).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRecord {
    pub timestamp: String,
    pub source: String,
    pub command: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub context: String,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

impl EventRecord {
    /// `- <ts> [<severity>] <status> <source> <command> target=… message=…`
    pub fn one_line(&self) -> String {
        let mut s = format!(
            "- {} [{}] {} {} {}",
            self.timestamp,
            if self.severity.is_empty() {
                "-"
            } else {
                &self.severity
            },
            if self.status.is_empty() {
                "-"
            } else {
                &self.status
            },
            self.source,
            self.command
        );
        if !self.target.is_empty() {
            s.push_str(&format!(" target={}", self.target));
        }
        if !self.message.is_empty() {
            s.push_str(&format!(" message={}", self.message.replace('\n', " ")));
        }
        s
    }
}

fn str_of(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Severity inferred from a status when a row has none.
pub fn infer_severity(status: &str) -> &'static str {
    match status {
        "failed" | "error" => "critical",
        "retrying" | "degraded" => "warning",
        "sent" | "accepted" | "succeeded" | "ok" => "info",
        _ => "",
    }
}

/// Normalises a raw row. A row without a source takes the source its file implies, so deploy
/// and alert rows are never hidden behind a generic `event` source.
pub fn normalise(file: EventFile, row: Map<String, Value>) -> EventRecord {
    let raw_source = str_of(&row, "source").to_ascii_lowercase();
    let source = match raw_source.as_str() {
        "" | "si paas" => match file {
            EventFile::Deployments => "deploy".to_string(),
            EventFile::Alerts => "alert".to_string(),
            EventFile::Audit => "audit".to_string(),
        },
        s if s.contains("alert") => "alert".to_string(),
        s if s.contains("deploy") => "deploy".to_string(),
        s if s.contains("audit") => "audit".to_string(),
        s => s.to_string(),
    };
    let status = str_of(&row, "status").to_ascii_lowercase();
    let mut severity = str_of(&row, "severity").to_ascii_lowercase();
    if severity.is_empty() {
        severity = infer_severity(&status).to_string();
    }
    let mut command = str_of(&row, "command");
    if command.is_empty() {
        command = source.clone();
    }
    let mut target = str_of(&row, "target");
    if target.is_empty() {
        target = str_of(&row, "error_target");
    }
    let mut message = str_of(&row, "message");
    if message.is_empty() {
        message = str_of(&row, "error_message");
    }
    let mut fields = Map::new();
    for (k, v) in &row {
        match k.as_str() {
            "timestamp" | "context" | "source" | "command" | "status" | "severity" | "target"
            | "message" | "error_target" | "error_message" => {}
            "fields" => {
                if let Value::Object(inner) = v {
                    for (ik, iv) in inner {
                        fields.insert(ik.clone(), iv.clone());
                    }
                }
            }
            _ => {
                fields.insert(k.clone(), v.clone());
            }
        }
    }
    redact::redact_map(&mut fields);
    EventRecord {
        timestamp: str_of(&row, "timestamp"),
        source,
        command,
        status,
        severity,
        target,
        message,
        context: str_of(&row, "context"),
        fields,
    }
}

/// Filters for `events list`.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub severity: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    /// Only rows at or after this many nanoseconds since the epoch.
    pub since_nanos: Option<i128>,
    /// Only rows belonging to this app.
    pub app: Option<AppFilter>,
    pub limit: usize,
}

impl EventFilter {
    fn matches(&self, r: &EventRecord) -> bool {
        let eq = |want: &Option<String>, have: &str| {
            want.as_ref()
                .is_none_or(|w| w.trim().eq_ignore_ascii_case(have))
        };
        eq(&self.severity, &r.severity)
            && eq(&self.status, &r.status)
            && eq(&self.source, &r.source)
            && self.app.as_ref().is_none_or(|a| a.matches(r))
    }
}

#[derive(Debug, Default)]
pub struct QueryResult {
    pub rows: Vec<EventRecord>,
    /// Torn or malformed lines met on the way (skipped, never fatal).
    pub skipped: usize,
}

/// One file's newest-first stream of parsed rows.
struct Stream {
    file: EventFile,
    lines: Option<ReverseLines>,
    head: Option<(i128, EventRecord)>,
    last_key: i128,
    done: bool,
}

impl Stream {
    fn advance(&mut self, skipped: &mut usize, since: Option<i128>) {
        self.head = None;
        if self.done {
            return;
        }
        let Some(lines) = self.lines.as_mut() else {
            self.done = true;
            return;
        };
        for line in lines.by_ref() {
            let Ok(RevLine::Row(line)) = line else {
                // Unreadable, or longer than the row cap.
                *skipped += 1;
                continue;
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let row: Map<String, Value> = match serde_json::from_slice(&line) {
                Ok(Value::Object(m)) => m,
                _ => {
                    *skipped += 1;
                    continue;
                }
            };
            let rec = normalise(self.file, row);
            let key = clock::sort_key(&rec.timestamp).unwrap_or(self.last_key);
            self.last_key = key;
            if since.is_some_and(|s| key < s) {
                // Files are append-ordered: everything before this row is older still.
                self.done = true;
                return;
            }
            self.head = Some((key, rec));
            return;
        }
        self.done = true;
    }
}

/// Merges the context's three event files newest first and stops at the limit.
pub fn query(cd: &ContextDir, filter: &EventFilter) -> QueryResult {
    let mut out = QueryResult::default();
    let now_key = clock::now().unix_timestamp_nanos();
    let mut streams: Vec<Stream> = EventFile::ALL
        .iter()
        .map(|&f| Stream {
            file: f,
            lines: ReverseLines::open(&cd.event_file(f)).ok(),
            head: None,
            last_key: now_key,
            done: false,
        })
        .collect();
    for s in &mut streams {
        s.advance(&mut out.skipped, filter.since_nanos);
    }
    while out.rows.len() < filter.limit {
        let Some(best) = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.head.as_ref().map(|(k, _)| (i, *k)))
            .max_by_key(|&(i, k)| (k, std::cmp::Reverse(i)))
            .map(|(i, _)| i)
        else {
            break;
        };
        let stream = &mut streams[best];
        if let Some((_, rec)) = stream.head.take()
            && filter.matches(&rec)
        {
            out.rows.push(rec);
        }
        stream.advance(&mut out.skipped, filter.since_nanos);
    }
    out
}

/// The last `n` rows (newest first) of the context, unfiltered.
pub fn newest(cd: &ContextDir, n: usize) -> QueryResult {
    query(
        cd,
        &EventFilter {
            limit: n,
            ..Default::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use std::io::Write;

    fn lines_of(cd: &ContextDir, file: EventFile) -> Vec<String> {
        std::fs::read_to_string(cd.event_file(file))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn ctx() -> (tempfile::TempDir, ContextDir) {
        let t = tempfile::tempdir().unwrap();
        let root = StateRoot::at(t.path());
        let cd = root.context("alpha").unwrap();
        std::fs::create_dir_all(cd.events_dir()).unwrap();
        (t, cd)
    }

    fn write_raw(cd: &ContextDir, f: EventFile, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(cd.event_file(f))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn merges_newest_first_skips_torn_lines_and_infers() {
        let (_t, cd) = ctx();
        write_raw(
            &cd,
            EventFile::Deployments,
            "{\"timestamp\":\"2026-01-01T00:00:01Z\",\"source\":\"si paas\",\"command\":\"deploy\",\"status\":\"failed\"}\n{\"timestamp\":\"2026-01-01T00:00:0",
        );
        write_raw(
            &cd,
            EventFile::Alerts,
            "{\"timestamp\":\"2026-01-01T00:00:02Z\",\"command\":\"alert test\",\"severity\":\"warning\",\"status\":\"sent\",\"message\":\"m\",\"fields\":{\"bot_token\":\"t\"}}\nnot json\n",
        );
        write_raw(
            &cd,
            EventFile::Audit,
            "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"source\":\"audit\",\"command\":\"target add\",\"status\":\"succeeded\",\"severity\":\"info\"}\n",
        );
        let res = query(
            &cd,
            &EventFilter {
                limit: 50,
                ..Default::default()
            },
        );
        let cmds: Vec<&str> = res.rows.iter().map(|r| r.command.as_str()).collect();
        assert_eq!(cmds, vec!["alert test", "deploy", "target add"]);
        assert_eq!(res.skipped, 2);
        assert_eq!(res.rows[1].source, "deploy");
        assert_eq!(res.rows[1].severity, "critical");
        assert_eq!(res.rows[0].source, "alert");
        assert_eq!(res.rows[0].fields["bot_token"], redact::REDACTED);
        let crit = query(
            &cd,
            &EventFilter {
                severity: Some("CRITICAL".into()),
                limit: 50,
                ..Default::default()
            },
        );
        assert_eq!(crit.rows.len(), 1);
        let limited = query(
            &cd,
            &EventFilter {
                limit: 1,
                ..Default::default()
            },
        );
        assert_eq!(limited.rows.len(), 1);
        let since = query(
            &cd,
            &EventFilter {
                since_nanos: clock::sort_key("2026-01-01T00:00:01Z"),
                limit: 50,
                ..Default::default()
            },
        );
        assert_eq!(since.rows.len(), 2);
    }

    #[test]
    fn a_20_mb_row_is_skipped_and_the_rows_around_it_come_back() {
        let (_t, cd) = ctx();
        let row = |s: u32, c: &str| {
            format!("{{\"timestamp\":\"2026-01-01T00:00:0{s}Z\",\"command\":\"{c}\"}}\n")
        };
        write_raw(&cd, EventFile::Audit, &row(1, "before"));
        let huge = format!(
            "{{\"timestamp\":\"2026-01-01T00:00:02Z\",\"command\":\"huge\",\"message\":\"{}\"}}\n",
            "m".repeat(20 * 1024 * 1024)
        );
        write_raw(&cd, EventFile::Audit, &huge);
        write_raw(&cd, EventFile::Audit, &row(3, "after"));
        write_raw(&cd, EventFile::Audit, &row(4, "last"));
        let res = newest(&cd, 50);
        let cmds: Vec<&str> = res.rows.iter().map(|r| r.command.as_str()).collect();
        assert_eq!(cmds, vec!["last", "after", "before"]);
        assert_eq!(res.skipped, 1);
    }

    #[test]
    fn alert_rows_keep_fields_as_strings_as_si_reads_them() {
        let (_t, cd) = ctx();
        let row = serde_json::json!({"command": "deploy failure", "fields": {"attempts": 3}});
        let Value::Object(row) = row else { panic!() };
        append(&cd, EventFile::Alerts, row.clone()).unwrap();
        let stored: Value = serde_json::from_str(&lines_of(&cd, EventFile::Alerts)[0]).unwrap();
        assert_eq!(stored["fields"]["attempts"], "3");
        // other files keep their types
        append(&cd, EventFile::Audit, row).unwrap();
        let audit: Value = serde_json::from_str(&lines_of(&cd, EventFile::Audit)[0]).unwrap();
        assert_eq!(audit["fields"]["attempts"], 3);
    }

    #[test]
    fn append_redacts() {
        let (_t, cd) = ctx();
        let mut row = Map::new();
        row.insert("command".into(), "x".into());
        row.insert("api_token".into(), "abc".into());
        append(&cd, EventFile::Audit, row).unwrap();
        let lines = lines_of(&cd, EventFile::Audit);
        assert!(lines[0].contains("<redacted>"));
        assert!(!lines[0].contains("abc"));
    }
}
