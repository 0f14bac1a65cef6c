//! The runbook's escalation conditions (§9), raised by `check` as critical alerts through the
//! context's routing: repo-local private state, secret exposure, a vault inside a repository,
//! another context's data in targets, deploy history or events, and the latest required
//! backup failing its checksum. Each condition folds its own incident, and an alert goes out
//! only when that incident is new (or opened again), as a failing `check` pages: once per
//! outage, not once per run.

use std::collections::BTreeMap;

use serde::Serialize;

use serde_json::{Value, json};

use super::{BACKUP, ContextChecklist};
use crate::ops::alert::{self, Alert};
use crate::ops::check::ContextCheck;
use crate::state::StateRoot;
use crate::state::alerts::{AlertRow, AlertSeverity};
use crate::state::clock;
use crate::state::incidents::{self, Candidate, Category, Severity};
use crate::state::paths::ContextDir;

/// The conditions and the doctor checks that find them (the backup checksum comes from the
/// checklist's own recomputation).
pub const CONDITIONS: &[(&str, &[&str])] = &[
    (
        "repo_local_state",
        &[
            "state_root_outside_repo",
            "repo_private_state_artifacts",
            "backup_store_outside_repo",
        ],
    ),
    (
        "secret_exposure",
        &[
            "repo_plaintext_secret_exposure",
            "repo_dotenv_secrets",
            "state_plaintext_secrets",
            "backup_store_plaintext",
            "app_command_secrets",
        ],
    ),
    ("vault_in_repository", &["context_vault_outside_repo"]),
    (
        "cross_context_data",
        &[
            "contexts_distinct_targets",
            "events_context_consistency",
            "deploy_history_consistency",
        ],
    ),
];

pub const BACKUP_CHECKSUM: &str = "backup_checksum_failed";

/// One escalation found in a context, and the alert it raised (none while its incident is
/// already open).
#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    pub condition: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    #[serde(skip)]
    pub alert: Option<AlertRow>,
}

/// The escalation conditions a context's checklist shows, with their details.
pub fn find(c: &ContextChecklist) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (condition, checks) in CONDITIONS {
        let hits: Vec<String> = c
            .doctor
            .checks
            .iter()
            .filter(|x| !x.ok && checks.contains(&x.name))
            .map(|x| format!("{}: {}", x.name, x.detail))
            .collect();
        if !hits.is_empty() {
            out.push((*condition, hits.join("; ")));
        }
    }
    if !c.backup_checksum_failures.is_empty() {
        out.push((BACKUP_CHECKSUM, c.backup_checksum_failures.join("; ")));
    }
    out
}

/// Folds and raises every escalation of one context.
pub fn raise(cd: &ContextDir, c: &ContextChecklist) -> Vec<Escalation> {
    find(c)
        .into_iter()
        .map(|(condition, detail)| raise_one(cd, condition, detail))
        .collect()
}

fn raise_one(cd: &ContextDir, condition: &'static str, detail: String) -> Escalation {
    let detail = crate::text::strip_hostile(&detail).into_owned();
    let message = format!("escalation {condition}: {detail}");
    let command = format!("check escalation {condition}");
    let mut metadata = BTreeMap::new();
    metadata.insert("command".to_string(), command.clone());
    metadata.insert("status".to_string(), "failed".to_string());
    metadata.insert("escalation".to_string(), condition.to_string());
    let candidate = Candidate {
        context: cd.context_name().clone(),
        source: "health-poll".into(),
        category: Category::Health,
        severity: Severity::Critical,
        message: message.clone(),
        target: String::new(),
        command: command.clone(),
        status: "failed".into(),
        triggered_at: clock::now(),
        metadata,
    };
    let folded = match incidents::fold_candidate(cd, &candidate) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::error!(context = %cd.name(), "could not fold the escalation: {}", e.message);
            None
        }
    };
    let incident_id = folded.as_ref().map(|f| f.id.clone());
    let mut alert = None;
    if folded.as_ref().is_none_or(|f| f.is_new()) {
        let mut a =
            Alert::new(&command, AlertSeverity::Critical, &message).field("escalation", condition);
        a.guidance = format!(
            "run `paasdeck --context {} checklist` and the fix it names",
            crate::text::shell_word(cd.name())
        );
        a.incident_id = incident_id.clone();
        alert = Some(alert::raise(cd, &a));
    }
    Escalation {
        condition,
        detail,
        incident_id,
        alert,
    }
}

/// The weekly checklist of a checked context, read beside its checks: its items are kept for
/// the Prometheus export, and a newest backup whose sha256 no longer matches fails the
/// check's `latest_backup_verified` as it fails the checklist's.
pub fn weigh(
    root: &StateRoot,
    cwd: Option<&std::path::Path>,
    c: &mut ContextCheck,
) -> ContextChecklist {
    let list = super::run(root, &c.context, cwd);
    c.checklist = list.items.clone();
    if !list.backup_checksum_failures.is_empty()
        && let Some(v) = c.checks.iter_mut().find(|v| v.name == BACKUP)
    {
        let recomputed = format!(
            "sha256 recomputed now: {}",
            list.backup_checksum_failures.join("; ")
        );
        v.detail = if v.ok {
            recomputed
        } else {
            format!("{}; {recomputed}", v.detail)
        };
        v.ok = false;
        c.ok = false;
    }
    list
}

/// Raises the escalations of a checked context and records them on its result.
pub fn raise_all(root: &StateRoot, list: &ContextChecklist, c: &mut ContextCheck) {
    let Ok(cd) = root.context(&c.context) else {
        return;
    };
    if cd.exists() {
        c.escalations = raise(&cd, list);
    }
}

/// The escalations as text lines under a context's checks.
pub fn render(escalations: &[Escalation]) -> String {
    let mut s = String::new();
    for e in escalations {
        let raised = match &e.alert {
            Some(a) => crate::ops::alert::describe(a),
            None => "incident already open: no new alert".to_string(),
        };
        s.push_str(&format!(
            "  ESCALATION {}: {} ({raised})\n",
            e.condition,
            crate::text::sanitize_inline(&e.detail)
        ));
    }
    s
}

/// Every context's escalations as JSON rows (the alert as its id, status and channel).
pub fn rows(results: &[ContextCheck]) -> Vec<Value> {
    results
        .iter()
        .flat_map(|c| {
            c.escalations.iter().map(move |e| {
                json!({
                    "context": c.context,
                    "condition": e.condition,
                    "detail": e.detail,
                    "incident_id": e.incident_id,
                    "alert": e.alert.as_ref().map(|a| json!({
                        "id": a.id,
                        "status": a.status,
                        "channel": a.field("channel"),
                        "delivery_error": a.field("delivery_error"),
                    })),
                })
            })
        })
        .collect()
}
