//! `agent enable|disable|status|logs|run-once|approve|deny` (SPEC §17): si's automation agents
//! with paasdeck's remediation table (`propose`) in place of a language model, si's files and
//! approval flow. `run_once` proposes; `decide` approves (and runs) or denies; `execute` runs a
//! remediation through its own verb and the guard.
//!
//! The guard of the remediation's own verb is asked through [`Guard`], which each front end
//! supplies (the headless one from its flags, the console after its dialog).

mod decide;
mod execute;
mod propose;
mod run_once;

pub use decide::{DecideInput, approve, deny};
pub use propose::Remediation;
pub use run_once::{RunOnceInput, run_once};

use serde_json::{Map, Value, json};

use super::{Outcome, Scope};
use crate::error::Result;
use crate::policy::guard::Verb;
use crate::state::agents::{self, runs};
use crate::state::clock;
use crate::state::paths::ContextDir;

/// Asks the guard whether the remediation's verb may run now.
pub type Guard<'a> = &'a (dyn Fn(Verb) -> Result<()> + Send + Sync);

/// A run record with every key of si's schema, empty.
fn record_base(scope: &Scope, agent: &str, run_id: &str) -> runs::Record {
    let mut r = Map::new();
    for (k, v) in [
        ("timestamp", json!(clock::now_event())),
        ("agent", json!(agent)),
        ("run_id", json!(run_id)),
        ("context", json!(scope.context)),
        ("status", json!("")),
        ("incident_id", json!("")),
        ("incident_correlation_id", json!("")),
        ("runtime_mode", json!("paasdeck-remediation")),
        ("runtime_profile", json!("")),
        ("runtime_auth_path", json!("")),
        ("runtime_ready", json!(true)),
        ("lock_path", json!("")),
        ("lock_recovered", json!(false)),
        ("policy_action", json!("")),
        ("execution_mode", json!("")),
        ("execution_note", json!("")),
        ("artifact_path", json!("")),
        ("collected", json!(0)),
        ("inserted", json!(0)),
        ("updated", json!(0)),
        ("pruned", json!(0)),
        ("queue_total", json!(0)),
        ("queue_path", json!("")),
        ("collector_count", json!(0)),
        ("message", json!("")),
    ] {
        r.insert(k.into(), v);
    }
    r
}

/// The outcome of a run (and of its execution, when it ran).
fn run_outcome(rec: &runs::Record, done: Option<&execute::Executed>) -> Outcome {
    let t = |k: &str| runs::text(rec, k).to_string();
    let status = done
        .map(|d| runs::text(&d.record, "status").to_string())
        .unwrap_or_else(|| t("status"));
    let rem = rec.get("remediation").cloned().unwrap_or(Value::Null);
    let mut text = format!(
        "agent {} run {}: {}\n",
        t("agent"),
        t("run_id"),
        t("status")
    );
    if !t("incident_id").is_empty() {
        text.push_str(&format!("incident {}\n", t("incident_id")));
    }
    if !t("message").is_empty() {
        text.push_str(&format!("{}\n", t("message")));
    }
    if let Some(plan) = rem.get("plan").and_then(Value::as_array) {
        for l in plan.iter().filter_map(Value::as_str) {
            text.push_str(&format!("  {l}\n"));
        }
    }
    if !t("execution_note").is_empty() {
        text.push_str(&format!("{}\n", t("execution_note")));
    }
    let mut out = Outcome::ok()
        .field("agent", t("agent"))
        .field("run_id", t("run_id"))
        .field("status", &status)
        .field(crate::state::incidents::INCIDENT_ID_FIELD, t("incident_id"))
        .field("policy_action", t("policy_action"))
        .set("lock_recovered", rec.get("lock_recovered"))
        .set("artifact_path", t("artifact_path"))
        .set("remediation", &rem)
        .audit_only("action", rem.get("action"))
        .set("record", rec);
    if let Some(d) = done {
        text.push_str(&format!(
            "{}\n{}\n",
            d.summary,
            runs::text(&d.record, "message")
        ));
        out = out
            .field("approver", runs::text(&d.record, "approver"))
            .set("execution", &d.record);
    }
    out = out
        .summary(format!("agent {} {}: {status}", t("agent"), t("run_id")))
        .text(text);
    if t("status") == "blocked" {
        return out.failed_with(
            crate::error::PaasError::new(
                crate::error::ErrorCode::StateLocked,
                "agent_lock",
                t("message"),
            )
            .with_remediation("another run of this agent is under way; try again when it ends"),
        );
    }
    match done.and_then(|d| d.error.clone()) {
        Some(e) => out.failed_with(e),
        None => out,
    }
}

/// `agent enable --name N [--targets all|CSV] [--profile P]`.
pub fn enable(
    scope: &Scope,
    name: &str,
    targets: Option<&str>,
    profile: Option<&str>,
) -> Result<Outcome> {
    let cd = scope.cd()?;
    let targets = targets.map(|t| {
        let v = crate::state::names::split_csv(t);
        if v.iter().any(|t| t.eq_ignore_ascii_case("all")) {
            vec!["all".to_string()]
        } else {
            v
        }
    });
    if let Some(ts) = &targets {
        for t in ts.iter().filter(|t| *t != "all") {
            crate::state::names::validate_target(t)?;
        }
    }
    if let Some(p) = profile {
        crate::text::refuse_control("--profile", p)?;
    }
    let a = agents::enable(&cd, name, targets, profile.map(str::to_string))?;
    Ok(agent_outcome(&a).summary(format!("agent {} enabled", a.name)))
}

/// `agent disable --name N`.
pub fn disable(scope: &Scope, name: &str) -> Result<Outcome> {
    let a = agents::disable(&scope.cd()?, name)?;
    Ok(agent_outcome(&a).summary(format!("agent {} disabled", a.name)))
}

fn agent_outcome(a: &agents::Agent) -> Outcome {
    Outcome::ok()
        .field("name", &a.name)
        .field("enabled", a.enabled)
        .field("targets", a.targets.join(","))
        .field("profile", &a.profile)
        .set("agent", a)
        .text(format!(
            "agent {}: {} (targets {})\n",
            a.name,
            if a.enabled { "enabled" } else { "disabled" },
            a.targets.join(",")
        ))
}

/// The runs waiting for an operator's decision, oldest first, with their proposals.
pub fn pending(cd: &ContextDir) -> Result<Vec<(runs::Record, Remediation)>> {
    let all = runs::load(cd)?;
    let mut ids: Vec<String> = Vec::new();
    for r in &all {
        let id = runs::text(r, "run_id");
        if !id.is_empty() && !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            let mine: Vec<runs::Record> = all
                .iter()
                .filter(|r| runs::text(r, "run_id") == id)
                .cloned()
                .collect();
            (run_once::state_of(&mine) == "pending-approval")
                .then(|| run_once::proposal(&mine))
                .flatten()
        })
        .collect())
}

/// `agent status [--name N]`: the agents, each with its runs waiting for approval.
pub fn status(scope: &Scope, name: Option<&str>) -> Result<Outcome> {
    let cd = scope.cd()?;
    let doc = agents::load(&cd)?;
    let pend = pending(&cd)?;
    let rows: Vec<Value> = doc
        .agents
        .iter()
        .filter(|a| name.is_none_or(|n| a.name == n))
        .map(|a| {
            let mut v = json!(a);
            let waiting = pend
                .iter()
                .filter(|(r, _)| runs::text(r, "agent") == a.name)
                .count();
            v["pending_approvals"] = json!(waiting);
            v
        })
        .collect();
    if let (Some(n), true) = (name, rows.is_empty()) {
        agents::get(&cd, n)?;
    }
    let mut text = String::new();
    for r in &rows {
        text.push_str(&format!(
            "{}  {}  targets={}  last={} {}  pending={}\n",
            r["name"].as_str().unwrap_or_default(),
            if r["enabled"] == true {
                "enabled"
            } else {
                "disabled"
            },
            r["targets"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","))
                .unwrap_or_default(),
            r["last_run_id"].as_str().unwrap_or_default(),
            r["last_run_state"].as_str().unwrap_or_default(),
            r["pending_approvals"]
        ));
    }
    if rows.is_empty() {
        text.push_str("no agents\n");
    }
    Ok(Outcome::ok()
        .set("pending_approvals", pend.len())
        .list(&rows)
        .text(text)
        .summary(format!("{} agent(s)", rows.len())))
}

/// `agent logs --name N [--tail 200]`: the agent's run records, newest first.
pub fn logs(scope: &Scope, name: &str, tail: usize) -> Result<Outcome> {
    let cd = scope.cd()?;
    agents::get(&cd, name)?;
    let rows: Vec<runs::Record> = runs::load(&cd)?
        .into_iter()
        .rev()
        .filter(|r| runs::text(r, "agent") == name)
        .take(tail)
        .collect();
    let text: String = rows
        .iter()
        .map(|r| {
            format!(
                "{}  {}  {}  {}\n",
                runs::text(r, "timestamp"),
                runs::text(r, "run_id"),
                runs::text(r, "status"),
                crate::text::sanitize_inline(runs::text(r, "message"))
            )
        })
        .collect();
    Ok(Outcome::ok()
        .set("tail", tail)
        .set("agent", name)
        .list(&rows)
        .text(if text.is_empty() {
            "no runs\n".into()
        } else {
            text
        })
        .summary(format!("{} run record(s)", rows.len())))
}
