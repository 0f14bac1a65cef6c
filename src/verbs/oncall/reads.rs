//! The on-call reads: `alert history`, `incident list` and `incident show`, as rows and text
//! for either front end.

use serde_json::{Value, json};

use super::super::{Outcome, Scope, table};
use crate::cli::IncidentCmd;
use crate::error::Result;
use crate::state::alerts::{self, AlertRow, AlertSeverity};
use crate::state::incidents::{self, Entry, IncidentStatus};
use crate::text::sanitize_inline;

/// `alert history`'s flags.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryInput {
    /// The last this many alerts.
    pub limit: usize,
    pub severity: Option<String>,
}

/// `alert history`: the last alerts of the context, oldest first.
pub fn alert_history(scope: &Scope, input: &HistoryInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    let sev = input
        .severity
        .as_deref()
        .map(AlertSeverity::parse)
        .transpose()?;
    let (rows, skipped) = alerts::history(&cd, input.limit, sev);
    let text = if rows.is_empty() {
        "no alerts\n".to_string()
    } else {
        rows.iter().map(row_line).collect()
    };
    Ok(Outcome::ok()
        .set("severity", input.severity.as_deref().unwrap_or(""))
        .set(
            "path",
            cd.event_file(crate::state::paths::EventFile::Alerts)
                .display()
                .to_string(),
        )
        .set("skipped_lines", skipped)
        .list(&rows)
        .text(text)
        .summary(format!("{} alert(s)", rows.len())))
}

pub fn row_line(r: &AlertRow) -> String {
    let mut s = format!(
        "- {} {} [{}] {} {}",
        r.timestamp,
        if r.id.is_empty() { "-" } else { &r.id },
        r.severity.as_str(),
        r.status,
        r.command
    );
    if !r.target.is_empty() {
        s.push_str(&format!(" target={}", r.target));
    }
    s.push_str(&format!(" message={}", r.message));
    sanitize_inline(&s).into_owned() + "\n"
}

/// `incident list`'s flags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncidentListInput {
    pub status: Option<String>,
    pub all_contexts: bool,
}

impl IncidentListInput {
    /// From `incident list`'s args; `None` for any other incident command.
    pub fn from_cmd(cmd: &IncidentCmd) -> Option<IncidentListInput> {
        match cmd {
            IncidentCmd::List {
                status,
                all_contexts,
            } => Some(IncidentListInput {
                status: status.clone(),
                all_contexts: *all_contexts,
            }),
            _ => None,
        }
    }
}

/// `incident list`: the incidents of the context (or of every context), last seen first.
pub fn incident_list(scope: &Scope, input: &IncidentListInput) -> Result<Outcome> {
    let want = input.status.as_deref().and_then(IncidentStatus::parse_flag);
    let queues = if input.all_contexts {
        incidents::load_all_contexts(&scope.root)?
    } else {
        let cd = scope.cd()?;
        vec![(scope.context.clone(), incidents::load(&cd)?)]
    };
    let skipped: usize = queues.iter().map(|(_, q)| q.skipped).sum();
    let mut rows: Vec<(&str, &Entry)> = queues
        .iter()
        .flat_map(|(c, q)| q.entries.iter().map(move |e| (c.as_str(), e)))
        .filter(|(_, e)| want.is_none_or(|w| e.status == w))
        .collect();
    rows.sort_by(|a, b| {
        crate::state::clock::sort_key(&b.1.last_seen)
            .cmp(&crate::state::clock::sort_key(&a.1.last_seen))
    });
    let data: Vec<Value> = rows.iter().map(|(_, e)| entry_json(e)).collect();
    let open: Vec<Value> = queues
        .iter()
        .map(|(c, q)| json!({"context": c, "active": q.active()}))
        .collect();
    let text = if rows.is_empty() {
        "no incidents\n".to_string()
    } else {
        rows_table(&rows, input.all_contexts)
    };
    Ok(Outcome::ok()
        .set("status", input.status.clone().unwrap_or_default())
        .set("all_contexts", input.all_contexts)
        .set("active_by_context", open)
        .set("skipped_lines", skipped)
        .list(&data)
        .text(text)
        .summary(format!("{} incident(s)", rows.len())))
}

/// `incident show`: one incident of the context, as `key: value` lines.
pub fn incident_show(scope: &Scope, id: &str) -> Result<Outcome> {
    let cd = scope.cd()?;
    let q = incidents::load(&cd)?;
    let e = q.find(id).ok_or_else(|| not_found(&scope.context, id))?;
    let v = entry_json(e);
    let mut text = String::new();
    flatten("", &v, &mut text);
    Ok(Outcome::ok()
        .set("data", v)
        .text(text)
        .summary(format!("incident {}", e.id())))
}

fn entry_json(e: &Entry) -> Value {
    serde_json::to_value(e).unwrap_or(Value::Null)
}

fn rows_table(rows: &[(&str, &Entry)], with_context: bool) -> String {
    let mut lines = vec![];
    let mut head = vec![];
    if with_context {
        head.push("CONTEXT".to_string());
    }
    head.extend(
        [
            "ID",
            "STATUS",
            "SEVERITY",
            "SEEN",
            "LAST SEEN",
            "TARGET",
            "MESSAGE",
        ]
        .map(String::from),
    );
    lines.push(head);
    for (ctx, e) in rows {
        let mut l = vec![];
        if with_context {
            l.push(ctx.to_string());
        }
        l.extend([
            e.id().to_string(),
            e.status.as_str().to_string(),
            e.incident.severity.as_str().to_string(),
            e.seen_count.to_string(),
            e.last_seen.clone(),
            e.incident.target.clone(),
            e.incident.message.chars().take(80).collect(),
        ]);
        lines.push(l);
    }
    table(&lines)
}

fn not_found(ctx: &str, id: &str) -> crate::error::PaasError {
    crate::error::PaasError::new(
        crate::error::ErrorCode::IncidentNotFound,
        "incident_lookup",
        format!(
            "context {ctx} has no incident {:?}",
            crate::text::sanitize_inline(id)
        ),
    )
    .with_remediation(format!(
        "list the incidents with `paasdeck --context {ctx} incident list`"
    ))
}

/// `key: value` lines, nested keys joined with dots.
fn flatten(prefix: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect();
            out.push_str(&format!("{prefix}: {}\n", items.join(", ")));
        }
        Value::String(s) => {
            out.push_str(&format!("{prefix}: {}\n", crate::text::sanitize_inline(s)))
        }
        other => out.push_str(&format!("{prefix}: {other}\n")),
    }
}
