//! `deploy reconcile`: recorded vs running release per target; a failure on any drift.

use std::time::Duration;

use super::super::{Outcome, Scope, table};
use crate::cli::ReconcileArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::deploy::Common;
use crate::ops::reconcile::{self as op, Row, SyncStatus};
use crate::state::names;

/// Every flag of `deploy reconcile`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconcileInput {
    pub app: String,
    /// Target names or `all`; empty: the app's targets.
    pub targets: Vec<String>,
    pub remote_dir: Option<String>,
    /// Per target.
    pub timeout: Duration,
}

impl ReconcileInput {
    /// An app's targets under its recorded remote directory.
    pub fn of(app: &str, timeout: Duration) -> ReconcileInput {
        ReconcileInput {
            app: app.to_string(),
            targets: Vec::new(),
            remote_dir: None,
            timeout,
        }
    }

    pub fn from_args(a: &ReconcileArgs) -> ReconcileInput {
        ReconcileInput {
            app: a.app.clone(),
            targets: a
                .targets
                .as_deref()
                .map(names::split_csv)
                .unwrap_or_default(),
            remote_dir: a.remote_dir.clone(),
            timeout: a.timeout,
        }
    }
}

pub async fn reconcile(scope: &Scope, input: &ReconcileInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    names::validate_app(&input.app)?;
    let mut common = Common::new(&input.app);
    common.targets = input.targets.clone();
    common.remote_dir = input.remote_dir.clone();
    let site = op::plan(&cd, &common)?;
    let rows = op::run(&scope.pool, &site, input.timeout, &scope.progress.cancel).await;
    for r in &rows {
        scope.progress.note(format!(
            "{}: {} — {}",
            r.target,
            r.status.as_str(),
            r.detail
        ));
    }
    let not_in_sync: Vec<&Row> = rows
        .iter()
        .filter(|r| r.status != SyncStatus::InSync)
        .collect();
    let recorded = site.recorded.as_ref().map(|r| r.to_string());
    let out = Outcome::ok()
        .set("app", site.app.as_str())
        .set("recorded_release", &recorded)
        .set("project", &site.project)
        .set("remote_dir", &site.layout.root)
        .set("target_count", rows.len())
        .set("in_sync_count", rows.len() - not_in_sync.len())
        .set("drift_count", not_in_sync.len())
        .audit_only("app", site.app.as_str())
        .audit_only(
            "statuses",
            rows.iter()
                .map(|r| format!("{}={}", r.target, r.status.as_str()))
                .collect::<Vec<_>>()
                .join(","),
        )
        .list(&rows)
        .text(rows_table(&rows))
        .summary(format!("{}: {} target(s) in sync", site.app, rows.len()));
    if not_in_sync.is_empty() {
        return Ok(out);
    }
    let named: Vec<String> = not_in_sync
        .iter()
        .map(|r| format!("{} {}", r.target, r.status.as_str()))
        .collect();
    let failed: Vec<String> = not_in_sync.iter().map(|r| r.target.clone()).collect();
    Ok(out.failed_with(
        PaasError::new(
            ErrorCode::DriftDetected,
            "reconcile",
            format!(
                "{} of {} target(s) of {} are not in sync: {}",
                not_in_sync.len(),
                rows.len(),
                site.app,
                named.join(", ")
            ),
        )
        .with_target(failed.join(","))
        .with_remediation(format!(
            "deploy the recorded release again (`paasdeck --context {} deploy --app {} --apply`) or roll back; nothing was changed",
            scope.context, site.app
        )),
    ))
}

fn rows_table(rows: &[Row]) -> String {
    let mut lines = vec![vec![
        "TARGET".to_string(),
        "STATUS".into(),
        "RECORDED".into(),
        "CURRENT".into(),
        "DETAIL".into(),
    ]];
    for r in rows {
        lines.push(vec![
            r.target.clone(),
            r.status.as_str().into(),
            r.recorded_release.clone().unwrap_or_else(|| "-".into()),
            r.current_release.clone().unwrap_or_else(|| "-".into()),
            r.detail.clone(),
        ]);
    }
    table(&lines)
}
