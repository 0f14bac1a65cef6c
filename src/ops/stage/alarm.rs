//! A broken security directive (an instance reachable from outside the staging network, the
//! host's disk below `min_host_free`) raises an alert through the context's routing. The
//! failure is folded into an incident first, so `stage status` run every minute pages once per
//! outage, as `check` does.

use std::collections::BTreeMap;

use crate::ops::alert::{self, Alert};
use crate::state::alerts::{AlertRow, AlertSeverity};
use crate::state::clock;
use crate::state::incidents::{self, Candidate, Category, Severity};
use crate::state::paths::ContextDir;
use crate::state::stage::StageConfig;

use super::status::StageStatus;

/// Folds the findings into an incident and, when it is new (or opened again), raises one
/// critical `stage security` alert. `None` when nobody was paged this time.
pub async fn raise(cd: &ContextDir, cfg: &StageConfig, st: &StageStatus) -> Option<AlertRow> {
    let findings = st.findings();
    if findings.is_empty() {
        return None;
    }
    let kinds = st.finding_kinds().join("+");
    let message = format!(
        "staging project {} breaks its security directives: {}",
        cfg.project,
        findings.join("; ")
    );
    let message = crate::text::strip_hostile(&message).into_owned();
    let mut metadata = BTreeMap::new();
    metadata.insert("command".to_string(), "stage status".to_string());
    metadata.insert("project".to_string(), cfg.project.to_string());
    metadata.insert("findings".to_string(), kinds.clone());
    let candidate = Candidate {
        context: cd.context_name().clone(),
        source: "stage-status".into(),
        category: Category::Health,
        severity: Severity::Critical,
        message: message.clone(),
        target: cfg.host_target.to_string(),
        command: "stage status".into(),
        status: kinds.clone(),
        triggered_at: clock::now(),
        metadata,
    };
    let folded = match incidents::fold_candidate(cd, &candidate) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::error!(
                context = cd.name(),
                "could not fold the stage finding: {}",
                e.message
            );
            None
        }
    };
    if folded.as_ref().is_some_and(|f| !f.is_new()) {
        return None;
    }
    let mut a = Alert::new("stage security", AlertSeverity::Critical, &message)
        .field("project", cfg.project.as_str())
        .field("findings", kinds);
    a.target = cfg.host_target.to_string();
    a.guidance = format!(
        "run `paasdeck --context {} stage status`; remove the proxy device or network forward it names (or stop the instance), free disk on {}",
        cd.name(),
        cfg.host_target
    );
    a.incident_id = folded.map(|f| f.id);
    alert::raise_async(cd.clone(), a).await
}
