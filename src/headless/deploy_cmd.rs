//! `deploy` (plan or apply), `deploy lock status|acquire|release`, `rollback`, `logs`.

use std::io::Write;
use std::sync::Arc;

use serde_json::{Value, json};

use super::Invocation;
use super::output::{Report, error_object, table};
use super::remote_cmd::{block_on, print_prefixed};
use crate::cli::{DeployArgs, DeploySub, LockCmd, LogsArgs, ReconcileArgs, RollbackArgs};
use crate::error::{PaasError, Result};
use crate::ops::deploy::{self, Applied, DeploySpec, Inline, Plan, RollbackSpec, lock};
use crate::ops::{self, logs, reconcile as reconcile_op};
use crate::remote::fanout;
use crate::remote::{LineSink, Stream};
use crate::state::{deployments, names};

/// Prints `target | line` as lines arrive (text mode only).
fn printer(json: bool, width: usize) -> Arc<dyn Fn(&str) -> LineSink + Send + Sync> {
    Arc::new(move |target: &str| {
        let target = target.to_string();
        Arc::new(move |stream: Stream, line: String| {
            print_prefixed(json, width, &target, stream, &line)
        }) as LineSink
    })
}

fn plan_report(plan: &Plan, inv: &Invocation) -> Result<Report> {
    let cd = inv.cd();
    let held = lock::find(&cd, &plan.app)?.filter(|l| !l.stale());
    let mut rep = Report::ok().set("apply", false);
    if let Value::Object(m) = plan.json() {
        for (k, v) in m {
            rep = rep.set(&k, v);
        }
    }
    let mut text = plan.lines().join("\n") + "\n";
    if let Some(l) = &held {
        text.push_str(&format!("note: the deploy lock is {}\n", l.describe()));
    }
    text.push_str("plan only: nothing was changed on any target; add --apply to do it\n");
    Ok(rep
        .set("lock", held.as_ref().map(lock::Found::json))
        .audit_only("app", &plan.app)
        .audit_only("release", &plan.release)
        .audit_only("apply", false)
        .audit_only("fanout_plan", plan.fanout.summary())
        .text(text))
}

fn applied_report(a: &Applied) -> Report {
    let plan = &a.plan;
    let rows: Vec<Value> = a
        .outcomes
        .iter()
        .map(|o| {
            let mut v = json!({"target": o.target, "status": o.status.as_str()});
            if let Some(d) = &o.detail {
                v["release"] = json!(d.release);
                v["rolled_back_to"] = json!(d.rolled_back_to);
                v["health_probes"] = json!(d.health_probes);
                v["duration_ms"] = json!(d.duration_ms);
            }
            if let Some(e) = &o.error {
                v["error"] = error_object(e);
            }
            v
        })
        .collect();
    let statuses = fanout::statuses(&a.outcomes);
    let mut rep = Report::ok().set("apply", true);
    if let Value::Object(m) = plan.json() {
        for (k, v) in m {
            rep = rep.set(&k, v);
        }
    }
    let mut text = String::new();
    for o in &a.outcomes {
        text.push_str(&format!("{}: {}", o.target, o.status.as_str()));
        if let Some(e) = &o.error {
            text.push_str(&format!(" — {}", e.message));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "fanout_plan={}\ntarget_statuses={statuses}\n",
        plan.fanout.summary()
    ));
    if a.recorded {
        text.push_str(&format!(
            "{} is now the current release of {}\n",
            plan.release, plan.app
        ));
    }
    let mut rep = rep;
    if let Some(d) = &a.drift {
        let recorded = plan.from_release.as_deref().unwrap_or("no release");
        for t in &d.drifted_targets {
            let now = d
                .remote_current
                .get(t)
                .and_then(Value::as_str)
                .unwrap_or("no release");
            text.push_str(&format!(
                "drift: {t} runs {now} while the record says {recorded}\n"
            ));
        }
        if !d.unverified_targets.is_empty() {
            text.push_str(&format!(
                "unverified: could not read the current release of {}\n",
                d.unverified_targets.join(", ")
            ));
        }
        rep = rep
            .field("remote_current", &d.remote_current)
            .field("drifted_targets", &d.drifted_targets)
            .field("unverified_targets", &d.unverified_targets);
    }
    if let Some(al) = &a.alert {
        text.push_str(&alert_line(al));
        rep = rep.set("alert", alert_summary(al));
    }
    if let Some(i) = &a.incident {
        text.push_str(&format!(
            "incident {i}: `paasdeck --context {} incident show {i}`\n",
            plan.context
        ));
        rep = rep.set("incident_id", i).audit_only("incident_id", i);
    }
    let rep = rep
        .field("target_statuses", &statuses)
        .set("recorded", a.recorded)
        .audit_only("app", &plan.app)
        .audit_only("release", &plan.release)
        .audit_only("apply", true)
        .audit_only("fanout_plan", plan.fanout.summary())
        .list(&rows)
        .text(text);
    match &a.error {
        Some(e) => rep.failed_with(e.clone()),
        None => rep,
    }
}

/// The alert raised for a failure, as the command shows it.
pub(super) fn alert_summary(al: &crate::state::alerts::AlertRow) -> Value {
    json!({
        "id": al.id,
        "status": al.status,
        "channel": al.field("channel"),
        "delivery_error": al.field("delivery_error"),
    })
}

pub(super) fn alert_line(al: &crate::state::alerts::AlertRow) -> String {
    crate::ops::alert::describe(al) + "\n"
}

fn run_apply(inv: &Invocation, plan: Plan) -> Result<Applied> {
    let width = plan.targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let pool = Arc::new(ops::pool(&inv.root, inv.connect_timeout));
    let plan = Arc::new(plan);
    let sink_for = printer(inv.json, width);
    block_on(|cancel| async move {
        let exec = Inline { sink_for, cancel };
        let r = deploy::apply(pool.clone(), &inv.root, plan, &exec, &inv.operator).await;
        pool.close_all().await;
        r
    })?
}

pub fn deploy(inv: &Invocation, a: &DeployArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    match &a.sub {
        Some(DeploySub::Lock(l)) => return lock_cmd(inv, l),
        Some(DeploySub::Reconcile(r)) => return reconcile(inv, r),
        None => {}
    }
    let spec = DeploySpec {
        common: a.release.common()?,
        compose_file: a.compose_file.clone(),
        rollback_on_failure: a.rollback_on_failure,
    };
    let plan = deploy::plan_deploy(&cd, &spec)?;
    if !a.release.apply {
        deploy::record_planned(&cd, &inv.operator, &plan)?;
        return plan_report(&plan, inv);
    }
    Ok(applied_report(&run_apply(inv, plan)?))
}

pub fn rollback(inv: &Invocation, a: &RollbackArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let spec = RollbackSpec {
        common: a.release.common()?,
        to_release: a.to_release.clone(),
    };
    let plan = deploy::plan_rollback(&cd, &spec)?;
    if !a.release.apply {
        return plan_report(&plan, inv);
    }
    Ok(applied_report(&run_apply(inv, plan)?))
}

fn lock_cmd(inv: &Invocation, l: &LockCmd) -> Result<Report> {
    let cd = inv.existing_cd()?;
    match l {
        LockCmd::Status { app } => {
            if let Some(a) = app {
                names::validate_app(a)?;
            }
            let key = app.as_deref().map(deployments::app_key);
            let locks: Vec<_> = lock::list(&cd)?
                .into_iter()
                .filter(|l| match (l, app) {
                    (_, None) => true,
                    (lock::Found::Lock(l), Some(a)) => l.app.eq_ignore_ascii_case(a),
                    (lock::Found::Unreadable(u), Some(_)) => Some(&u.app) == key.as_ref(),
                })
                .collect();
            let rows: Vec<Value> = locks.iter().map(lock::Found::json).collect();
            let mut lines = vec![vec!["APP".to_string(), "LOCK".into()]];
            for l in &locks {
                lines.push(vec![
                    l.app().to_string(),
                    format!(
                        "{}{}",
                        l.describe(),
                        match l {
                            lock::Found::Lock(l) if l.is_stale() => " (stale)",
                            _ => "",
                        }
                    ),
                ]);
            }
            let text = if locks.is_empty() {
                "no deploy locks held\n".to_string()
            } else {
                table(&lines)
            };
            Ok(Report::ok().list(&rows).text(text))
        }
        LockCmd::Acquire { app, message } => {
            names::validate_app(app)?;
            crate::text::refuse_control("--message", message)?;
            let held = lock::acquire(&cd, app, &inv.operator, message, true)?.keep();
            Ok(Report::ok()
                .field("app", app)
                .field("message", message)
                .set("lock", &held)
                .text(format!("deploy lock of {app} taken: {message}")))
        }
        LockCmd::Release { app, force } => {
            names::validate_app(app)?;
            let was = lock::release(&cd, app, *force)?;
            let unreadable = matches!(was, Some(lock::Found::Unreadable(_)));
            Ok(Report::ok()
                .field("app", app)
                .field("released", was.is_some())
                .field("force", force)
                .field("unreadable", unreadable)
                .set("was", was.as_ref().map(lock::Found::json))
                .text(match &was {
                    Some(l) => format!("deploy lock of {app} released (was {})", l.describe()),
                    None => format!("app {app} held no deploy lock"),
                }))
        }
    }
}

pub fn logs(inv: &Invocation, a: &LogsArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let spec = logs::LogsSpec {
        app: a.app.clone(),
        target: a.target.clone(),
        service: a.service.clone(),
        tail: a.tail,
        since: a.since.clone(),
        follow: a.follow,
    };
    let plan = logs::plan(&cd, &spec)?;
    let json = inv.json;
    let target = plan.target.name.clone();
    let collected = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (c2, t2, follow) = (collected.clone(), target.clone(), a.follow);
    // Every line goes out as it arrives; without --follow under --json they are collected
    // (bounded) for the one document.
    let sink: LineSink = Arc::new(move |stream, line| {
        if json && !follow {
            if let Ok(mut c) = c2.lock()
                && c.len() < 100_000
            {
                c.push(line);
            }
            return;
        }
        let text = if json {
            crate::text::inert_json(
                json!({"target": t2, "stream": stream, "line": line}).to_string(),
            ) + "\n"
        } else {
            crate::text::sanitize(&line).into_owned() + "\n"
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    });
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let ctx = inv.context.clone();
    let plan2 = plan.clone();
    let code = block_on(|cancel| async move {
        let r = logs::run(&pool, &ctx, &plan2, follow, sink, &cancel).await;
        pool.close_all().await;
        r
    })?;
    let (code, failure) = match code {
        Ok(exit) => (exit.code, exit.error(&inv.context, &plan)),
        Err(e) if e.code == crate::error::ErrorCode::Cancelled && a.follow => (0, None),
        Err(e) => return Err(e.with_target(&target)),
    };
    let lines = collected.lock().map(|c| c.clone()).unwrap_or_default();
    let rep = Report::ok()
        .set("app", &a.app)
        .set("target", &target)
        .set("release", &plan.release)
        .set("service", a.service.clone().unwrap_or_default())
        .set("tail", a.tail)
        .set("since", a.since.clone().unwrap_or_default())
        .set("follow", a.follow)
        .audit_only("app", &a.app)
        .audit_only("target", &target)
        .list(&[json!({"target": target, "release": plan.release, "command": plan.command, "exit_code": code, "line_count": lines.len(), "lines": lines})]);
    match failure {
        Some(e) => Ok(rep.failed_with(e)),
        None => Ok(rep),
    }
}

/// `deploy reconcile --app A`: recorded vs running release per target; exit 1 on any drift.
fn reconcile(inv: &Invocation, a: &ReconcileArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    names::validate_app(&a.app)?;
    let mut common = ops::deploy::Common::new(&a.app);
    common.targets = a
        .targets
        .as_deref()
        .map(names::split_csv)
        .unwrap_or_default();
    common.remote_dir = a.remote_dir.clone();
    let site = reconcile_op::plan(&cd, &common)?;
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let (site2, timeout) = (site.clone(), a.timeout);
    let rows = block_on(|cancel| async move {
        let r = reconcile_op::run(&pool, &site2, timeout, &cancel).await;
        pool.close_all().await;
        r
    })?;
    let not_in_sync: Vec<&reconcile_op::Row> = rows
        .iter()
        .filter(|r| r.status != reconcile_op::SyncStatus::InSync)
        .collect();
    let mut lines = vec![vec![
        "TARGET".to_string(),
        "STATUS".into(),
        "RECORDED".into(),
        "CURRENT".into(),
        "DETAIL".into(),
    ]];
    for r in &rows {
        lines.push(vec![
            r.target.clone(),
            r.status.as_str().into(),
            r.recorded_release.clone().unwrap_or_else(|| "-".into()),
            r.current_release.clone().unwrap_or_else(|| "-".into()),
            r.detail.clone(),
        ]);
    }
    let recorded = site.recorded.as_ref().map(|r| r.to_string());
    let rep = Report::ok()
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
        .text(table(&lines));
    if not_in_sync.is_empty() {
        return Ok(rep);
    }
    let named: Vec<String> = not_in_sync
        .iter()
        .map(|r| format!("{} {}", r.target, r.status.as_str()))
        .collect();
    Ok(rep.failed_with(
        PaasError::new(
            crate::error::ErrorCode::DriftDetected,
            "reconcile",
            format!(
                "{} of {} target(s) of {} are not in sync: {}",
                not_in_sync.len(),
                rows.len(),
                site.app,
                named.join(", ")
            ),
        )
        .with_target(
            not_in_sync
                .iter()
                .map(|r| r.target.clone())
                .collect::<Vec<_>>()
                .join(","),
        )
        .with_remediation(format!(
            "deploy the recorded release again (`paasdeck --context {} deploy --app {} --apply`) or roll back; nothing was changed",
            inv.context, site.app
        )),
    ))
}
