//! `check`: the scripted health check for cron. Per context: the doctor, `target check --all`,
//! the newest backups verified, deploy drift for every app with a recorded release, and for a
//! staging context with a stage object its security directives. A
//! failing context folds one incident and, when that incident is new (or opened again), raises
//! one critical alert, so a check run every minute pages once per outage.

use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::ops::alert::{self, Alert};
use crate::ops::deploy::Common;
use crate::ops::{reconcile, target_check};
use crate::policy::doctor;
use crate::remote::pool::Pool;
use crate::state::alerts::{AlertRow, AlertSeverity};
use crate::state::incidents::{self, Candidate, Category, Severity};
use crate::state::{StateRoot, clock, deployments, targets};

pub const DOCTOR: &str = "doctor";
pub const TARGET_CHECK: &str = "target_check";
pub const BACKUP: &str = "latest_backup_verified";
pub const DRIFT: &str = "deploy_drift";
/// A staging context with a stage object: its security directives (`stage status`).
pub const STAGE: &str = "stage_security";

/// One check's verdict (`{"name", "ok", "detail"}`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn verdict(name: &str, ok: bool, detail: impl Into<String>) -> Verdict {
    Verdict {
        name: name.to_string(),
        ok,
        detail: detail.into(),
    }
}

/// One context's checks.
#[derive(Debug, Clone, Serialize)]
pub struct ContextCheck {
    pub context: String,
    pub ok: bool,
    pub checks: Vec<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<AlertRow>,
    /// The weekly checklist's items, exported beside the checks (`--prometheus`).
    #[serde(skip)]
    pub checklist: Vec<crate::ops::checklist::Item>,
    /// The runbook's escalations found in the context, each raised as a critical alert.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<crate::ops::checklist::escalate::Escalation>,
}

impl ContextCheck {
    pub fn failing(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.as_str())
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct CheckSpec {
    pub skip_remote: bool,
    pub timeout: Duration,
    pub parallel: usize,
}

fn doctor_checks(root: &StateRoot, ctx: &str, cwd: Option<&Path>) -> (Verdict, Verdict) {
    let r = doctor::run(root, ctx, cwd);
    let backup = r
        .checks
        .iter()
        .find(|c| c.name == BACKUP)
        .map(|c| verdict(BACKUP, c.ok, c.detail.clone()));
    let failing: Vec<String> = r
        .checks
        .iter()
        .filter(|c| !c.ok && c.name != BACKUP)
        .map(|c| format!("{} ({})", c.name, c.detail))
        .collect();
    let doc = if failing.is_empty() {
        verdict(DOCTOR, true, format!("{} checks passed", r.checks.len()))
    } else {
        verdict(DOCTOR, false, format!("failing: {}", failing.join("; ")))
    };
    // Only a doctor that could not run its checks (an unusable context) leaves it out.
    let backup =
        backup.unwrap_or_else(|| verdict(BACKUP, false, "not checked: the doctor could not run"));
    (doc, backup)
}

async fn targets_check(
    root: &StateRoot,
    pool: &Pool,
    ctx: &str,
    spec: &CheckSpec,
    cancel: &CancellationToken,
) -> Verdict {
    let cd = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => return verdict(TARGET_CHECK, false, e.message),
    };
    let all = match targets::load(&cd) {
        Ok(doc) => doc.targets,
        Err(e) => return verdict(TARGET_CHECK, false, e.message),
    };
    if all.is_empty() {
        return verdict(TARGET_CHECK, true, "no targets");
    }
    // Boxed: the stream of checks borrows per target, which a task's `Send` bound cannot see
    // through otherwise.
    let checks: Vec<crate::remote::BoxFuture<'_, target_check::CheckResult>> = all
        .iter()
        .map(|t| {
            let role = crate::ops::target_incus::role_of(&cd, &t.name);
            Box::pin(async move {
                target_check::check_target_as(
                    pool,
                    ctx,
                    t,
                    role.as_ref(),
                    spec.timeout,
                    None,
                    cancel,
                )
                .await
            }) as _
        })
        .collect();
    let results: Vec<target_check::CheckResult> = futures::stream::iter(checks)
        .buffered(spec.parallel.max(1))
        .collect()
        .await;
    if let Err(e) = target_check::save_checks(&cd, &results) {
        tracing::warn!(
            context = ctx,
            "could not save the check results: {}",
            e.message
        );
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.ok())
        .map(|r| {
            format!(
                "{}: {}",
                r.target,
                r.error.clone().unwrap_or_else(|| r.status.clone())
            )
        })
        .collect();
    if failed.is_empty() {
        verdict(
            TARGET_CHECK,
            true,
            format!("{} target(s) reachable", results.len()),
        )
    } else {
        verdict(TARGET_CHECK, false, failed.join("; "))
    }
}

async fn drift_check(
    root: &StateRoot,
    pool: &Pool,
    ctx: &str,
    spec: &CheckSpec,
    cancel: &CancellationToken,
) -> Verdict {
    let cd = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => return verdict(DRIFT, false, e.message),
    };
    let doc = match deployments::load(&cd) {
        Ok(d) => d,
        Err(e) => return verdict(DRIFT, false, e.message),
    };
    let apps: Vec<String> = doc
        .apps
        .iter()
        .filter(|(_, h)| h.current_release.is_some())
        .map(|(a, _)| a.to_string())
        .collect();
    if apps.is_empty() {
        return verdict(DRIFT, true, "no app has a recorded release");
    }
    let mut problems = Vec::new();
    let mut fine = 0;
    for app in &apps {
        let site = match reconcile::plan(&cd, &Common::new(app)) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{app}: {}", e.message));
                continue;
            }
        };
        for r in reconcile::run(pool, &site, spec.timeout, cancel).await {
            if r.status == reconcile::SyncStatus::InSync {
                fine += 1;
            } else {
                problems.push(format!(
                    "{app} on {}: {} ({})",
                    r.target,
                    r.status.as_str(),
                    r.detail
                ));
            }
        }
    }
    if problems.is_empty() {
        verdict(
            DRIFT,
            true,
            format!("{} app(s), {fine} target(s) in sync", apps.len()),
        )
    } else {
        verdict(DRIFT, false, problems.join("; "))
    }
}

/// Runs every check of one context.
pub async fn check_context(
    root: &StateRoot,
    pool: &Pool,
    cwd: Option<&Path>,
    ctx: &str,
    spec: &CheckSpec,
    cancel: &CancellationToken,
) -> ContextCheck {
    let (doc, backup) = doctor_checks(root, ctx, cwd);
    let skipped = |name: &str| verdict(name, true, "skipped (--skip-remote)");
    let (targets, drift) = if spec.skip_remote {
        (skipped(TARGET_CHECK), skipped(DRIFT))
    } else {
        (
            targets_check(root, pool, ctx, spec, cancel).await,
            drift_check(root, pool, ctx, spec, cancel).await,
        )
    };
    let mut checks = vec![doc, targets, backup, drift];
    if let Ok(cd) = root.context(ctx)
        && crate::ops::stage::watch::applies(&cd)
    {
        checks.push(if spec.skip_remote {
            skipped(STAGE)
        } else {
            let (ok, detail) =
                crate::ops::stage::watch::check(pool, &cd, spec.timeout, cancel).await;
            verdict(STAGE, ok, detail)
        });
    }
    ContextCheck {
        context: ctx.to_string(),
        ok: checks.iter().all(|c| c.ok),
        checks,
        incident_id: None,
        alert: None,
        checklist: Vec::new(),
        escalations: Vec::new(),
    }
}

/// Folds a failing context's check into an incident and raises its alert when the incident is
/// new; records both on the result.
pub fn report_failure(root: &StateRoot, c: &mut ContextCheck) {
    if c.ok {
        return;
    }
    let Ok(cd) = root.context(&c.context) else {
        return;
    };
    if !cd.exists() {
        return;
    }
    let failing = c.failing().join(", ");
    let detail: Vec<String> = c
        .checks
        .iter()
        .filter(|v| !v.ok)
        .map(|v| format!("{}: {}", v.name, v.detail))
        .collect();
    let message = format!("check failed: {}", detail.join("; "));
    let mut metadata = std::collections::BTreeMap::new();
    metadata.insert("command".to_string(), "check".to_string());
    metadata.insert("status".to_string(), "failed".to_string());
    metadata.insert("failing_checks".to_string(), failing.clone());
    let candidate = Candidate {
        context: cd.context_name().clone(),
        source: "health-poll".into(),
        category: Category::Health,
        severity: Severity::Critical,
        message: crate::text::strip_hostile(&message).into_owned(),
        target: String::new(),
        command: "check".into(),
        status: "failed".into(),
        triggered_at: clock::now(),
        metadata,
    };
    let folded = match incidents::fold_candidate(&cd, &candidate) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::error!(context = %c.context, "could not fold the check failure: {}", e.message);
            None
        }
    };
    c.incident_id = folded.as_ref().map(|f| f.id.clone());
    if folded.as_ref().is_none_or(|f| f.is_new()) {
        let mut a = Alert::new("check failure", AlertSeverity::Critical, &message)
            .field("failing_checks", failing);
        a.guidance = format!(
            "run `paasdeck --context {} check` and fix what each failing check names",
            c.context
        );
        a.incident_id = c.incident_id.clone();
        c.alert = Some(alert::raise(&cd, &a));
    }
}

/// `label="value"` with the text format's escapes.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The results in the Prometheus text format (node_exporter's textfile collector).
pub fn prometheus(results: &[ContextCheck], now: time::OffsetDateTime) -> String {
    let mut s = String::from(
        "# HELP paasdeck_check_ok Whether a paasdeck check passed (1) or failed (0).\n# TYPE paasdeck_check_ok gauge\n",
    );
    for c in results {
        for v in &c.checks {
            s.push_str(&format!(
                "paasdeck_check_ok{{context=\"{}\",check=\"{}\"}} {}\n",
                label(&c.context),
                label(&v.name),
                u8::from(v.ok)
            ));
        }
    }
    s.push_str("# HELP paasdeck_check_timestamp_seconds When paasdeck check last ran (Unix time).\n# TYPE paasdeck_check_timestamp_seconds gauge\n");
    s.push_str(&format!(
        "paasdeck_check_timestamp_seconds {}\n",
        now.unix_timestamp()
    ));
    s
}

/// Replaces `path` atomically: a temp file in the same directory (a name node_exporter does not
/// read: it starts with `.` and does not end in `.prom`), fsynced, mode 0644 (the collector
/// runs as another user; the file holds context and check names only), renamed into place.
pub fn write_prometheus(path: &Path, text: &str) -> crate::error::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    crate::state::fsio::existing_output(path, "prometheus_write")?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |e: std::io::Error| crate::error::PaasError::io("prometheus_write", path, &e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".paasdeck-check-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    crate::state::fsio::sync_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_format() {
        let c = ContextCheck {
            context: "we\"ird".into(),
            ok: false,
            checks: vec![verdict(DOCTOR, true, ""), verdict(DRIFT, false, "x")],
            incident_id: None,
            alert: None,
            checklist: Vec::new(),
            escalations: Vec::new(),
        };
        let t = time::macros::datetime!(2026-02-17 00:00:00 UTC);
        let text = prometheus(&[c], t);
        assert!(text.contains("paasdeck_check_ok{context=\"we\\\"ird\",check=\"doctor\"} 1\n"));
        assert!(
            text.contains("paasdeck_check_ok{context=\"we\\\"ird\",check=\"deploy_drift\"} 0\n")
        );
        assert!(text.ends_with("paasdeck_check_timestamp_seconds 1771286400\n"));
    }
}
