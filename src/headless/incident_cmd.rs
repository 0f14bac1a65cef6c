//! `incident list|show|acknowledge|resolve`: the failures folded into each context's incident queue.

use serde_json::{Value, json};

use super::Invocation;
use super::output::{Report, table};
use crate::cli::IncidentCmd;
use crate::error::Result;
use crate::state::incidents::{self, Entry, IncidentStatus};
use crate::verbs::oncall;

use super::remote_cmd::run_verb;

pub fn entry_json(e: &Entry) -> Value {
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

pub fn run(inv: &Invocation, cmd: &IncidentCmd) -> Result<Report> {
    match cmd {
        IncidentCmd::List {
            status,
            all_contexts,
        } => {
            let want = status.as_deref().and_then(IncidentStatus::parse_flag);
            let queues = if *all_contexts {
                incidents::load_all_contexts(&inv.root)?
            } else {
                let cd = inv.existing_cd()?;
                vec![(inv.context.clone(), incidents::load(&cd)?)]
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
                rows_table(&rows, *all_contexts)
            };
            Ok(Report::ok()
                .set("status", status.clone().unwrap_or_default())
                .set("all_contexts", all_contexts)
                .set("active_by_context", open)
                .set("skipped_lines", skipped)
                .list(&data)
                .text(text))
        }
        IncidentCmd::Show { id } => {
            let cd = inv.existing_cd()?;
            let q = incidents::load(&cd)?;
            let e = q.find(id).ok_or_else(|| not_found(&inv.context, id))?;
            let v = entry_json(e);
            let mut text = String::new();
            flatten("", &v, &mut text);
            Ok(Report::ok().set("data", v).text(text))
        }
        IncidentCmd::Acknowledge { id, note } => {
            let note = note.clone().unwrap_or_default();
            run_verb(inv, None, |scope| async move {
                oncall::incident_acknowledge(&scope, id, &note)
            })
        }
        IncidentCmd::Resolve { id, note } => {
            let note = note.clone().unwrap_or_default();
            run_verb(inv, None, |scope| async move {
                oncall::incident_resolve(&scope, id, &note)
            })
        }
    }
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
