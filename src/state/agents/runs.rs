//! The agents' run log, si's `events/agent-runs.jsonl` (one run record per line, appended; a
//! run's later records — approved, denied, executed — carry the same `run_id`), and each
//! record's artifact `events/agent-artifacts/<run>/<ts>.json` (`{timestamp, context, source:
//! "agent-run", record}`).

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub type Record = Map<String, Value>;

pub fn runs_file(cd: &ContextDir) -> PathBuf {
    cd.events_dir().join("agent-runs.jsonl")
}

pub fn artifacts_dir(cd: &ContextDir) -> PathBuf {
    cd.events_dir().join("agent-artifacts")
}

fn compact(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// `run-<UTC timestamp with nanoseconds>`.
pub fn new_run_id() -> String {
    format!("run-{}", compact(clock::now()))
}

/// Whether `id` is a run id as [`new_run_id`] makes them (it names a directory).
pub fn validate_run_id(id: &str) -> Result<()> {
    let ok = id.starts_with("run-")
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !id.contains("..");
    if ok {
        Ok(())
    } else {
        Err(PaasError::usage(
            "flag_validation",
            format!(
                "invalid run id {:?}: a run id looks like run-20260101T000000.000000000Z",
                crate::text::sanitize_inline(id)
            ),
        )
        .with_remediation("copy it from `agent logs --name NAME`"))
    }
}

/// Writes the record's artifact, names it in the record (`artifact_path`) and appends the
/// record to the run log.
pub fn append(cd: &ContextDir, mut record: Record) -> Result<Record> {
    let run = record
        .get("run_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    validate_run_id(&run)?;
    let now = clock::now();
    let path = artifacts_dir(cd)
        .join(&run)
        .join(format!("{}.json", compact(now)));
    record.insert("artifact_path".into(), path.display().to_string().into());
    if !record.contains_key("timestamp") {
        record.insert("timestamp".into(), clock::rfc3339_nanos(now).into());
    }
    let mut value = Value::Object(record.clone());
    crate::policy::redact::redact(&mut value);
    let artifact = json!({
        "timestamp": clock::rfc3339_nanos(now),
        "context": cd.name(),
        "source": "agent-run",
        "record": value,
    });
    fsio::write_json_atomic(&path, &artifact)?;
    fsio::append_jsonl(&runs_file(cd), &value)?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Ok(record),
    }
}

/// Every record, oldest first; unreadable lines are skipped.
pub fn load(cd: &ContextDir) -> Result<Vec<Record>> {
    let path = runs_file(cd);
    let text = match std::fs::read(&path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PaasError::io("state_read", &path, &e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Record>(l.trim()).ok())
        .collect())
}

pub fn text<'a>(r: &'a Record, key: &str) -> &'a str {
    r.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The records of one run, oldest first; an error naming the run when there is none.
pub fn of_run(cd: &ContextDir, run_id: &str) -> Result<Vec<Record>> {
    validate_run_id(run_id)?;
    let found: Vec<Record> = load(cd)?
        .into_iter()
        .filter(|r| text(r, "run_id") == run_id)
        .collect();
    if found.is_empty() {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "agent_run_lookup",
            format!("context {} has no agent run {run_id:?}", cd.name()),
        )
        .with_remediation(format!(
            "list the runs with `paasdeck --context {} agent logs --name NAME`",
            cd.name()
        )));
    }
    Ok(found)
}
