//! The on-call effects: reading every context's events for the All tab and their incident
//! queues, and running `check`, `deploy reconcile`, `alert test|acknowledge|history` and
//! `incident acknowledge|resolve` through the same `ops` functions as the headless commands.

use serde_json::{Map, Value};

use super::Env;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{alert, check, reconcile};
use crate::state::alerts::{self, AlertSeverity};
use crate::state::{events, incidents};
use crate::tasks::TaskCtx;
use crate::tui::core::action::{Action, Op};
use crate::tui::features::oncall;

/// How many of each context's newest events the All tab starts from.
const PER_CONTEXT: usize = 300;

pub fn load_all(env: &Env, names: Vec<String>) {
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        let per: Vec<_> = names
            .into_iter()
            .filter_map(|n| {
                let cd = root.context(&n).ok()?;
                Some((n, events::newest(&cd, PER_CONTEXT).rows))
            })
            .collect();
        let _ = tx.send(Action::AllLoaded(oncall::merge(per)));
    });
}

pub fn load_incidents(env: &Env, names: Vec<String>) {
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        for context in names {
            let Ok(cd) = root.context(&context) else {
                continue;
            };
            match incidents::load(&cd) {
                Ok(q) => {
                    let _ = tx.send(Action::IncidentsLoaded {
                        context,
                        entries: q.entries,
                    });
                }
                Err(e) => tracing::warn!(context, "could not read incidents: {}", e.message),
            }
        }
    });
}

/// `alert history`, as lines.
pub fn history(env: &Env, context: String) {
    let title = format!("alerts of {context}, newest first");
    super::show_info(env, context, title, |_, cd| {
        let (rows, _) = alerts::history(cd, 50, None);
        if rows.is_empty() {
            return Ok(vec!["no alerts".to_string()]);
        }
        Ok(rows
            .iter()
            .rev()
            .map(|r| {
                format!(
                    "{} {} [{}] {} {}{} — {}",
                    r.timestamp,
                    r.id,
                    r.severity.as_str(),
                    r.status,
                    r.command,
                    if r.target.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", r.target)
                    },
                    r.message
                )
            })
            .collect())
    });
}

/// Runs an on-call op in a task; `None` for ops that are not on-call ones.
pub async fn execute(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Option<Result<String>> {
    Some(match op {
        Op::Check {
            all_contexts,
            skip_remote,
        } => run_check(env, active, *all_contexts, *skip_remote, ctx, fields).await,
        Op::Reconcile { app } => run_reconcile(env, active, app, ctx, fields).await,
        Op::AlertTest { severity } => {
            let (cd, sev) = match env
                .root
                .context(active)
                .and_then(|cd| Ok((cd, AlertSeverity::parse(severity)?)))
            {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            let a = alert::Alert::new("alert test", sev, "paasdeck alert test (console)");
            let row = super::off_thread("alert_send", move || alert::raise(&cd, &a)).await;
            match row {
                Ok(row) => {
                    ctx.note(alert::describe(&row));
                    fields.insert("id".into(), row.id.clone().into());
                    fields.insert("status".into(), row.status.clone().into());
                    if row.status == "failed" {
                        Err(PaasError::new(
                            ErrorCode::AlertDeliveryFailed,
                            "alert_send",
                            alert::describe(&row),
                        ))
                    } else {
                        Ok(format!("alert {} {}", row.id, row.status))
                    }
                }
                Err(e) => Err(e),
            }
        }
        Op::AlertAcknowledge { id, note } => {
            let r = env
                .root
                .context(active)
                .and_then(|cd| alert::acknowledge(&cd, id, note, &env.operator));
            r.map(|done| {
                fields.insert("alert_id".into(), done.alert.id.clone().into());
                if let Some(i) = &done.incident {
                    fields.insert(incidents::INCIDENT_ID_FIELD.into(), i.id().into());
                    ctx.note(format!("incident {} is {}", i.id(), i.status.as_str()));
                }
                ctx.note(format!("alert {} acknowledged", done.alert.id));
                format!("acknowledged {}", done.alert.id)
            })
        }
        Op::IncidentAcknowledge { id, note } => env
            .root
            .context(active)
            .and_then(|cd| incidents::acknowledge_incident(&cd, id, &env.operator, note))
            .map(|done| {
                let e = &done.entry;
                fields.insert("id".into(), e.id().into());
                fields.insert("already_acknowledged".into(), done.already.into());
                if done.already {
                    ctx.note(format!(
                        "incident {} was already acknowledged by {} at {}",
                        e.id(),
                        e.acknowledged_by,
                        e.acknowledged_at
                    ));
                } else {
                    ctx.note(format!("incident {} acknowledged", e.id()));
                }
                format!("acknowledged incident {}", e.id())
            }),
        Op::IncidentResolve { id } => env
            .root
            .context(active)
            .and_then(|cd| incidents::resolve(&cd, id, &env.operator, "resolved in the console"))
            .map(|e| {
                fields.insert("id".into(), e.id().into());
                ctx.note(format!("incident {} resolved", e.id()));
                format!("resolved {}", e.id())
            }),
        _ => return None,
    })
}

async fn run_check(
    env: &Env,
    active: &str,
    all: bool,
    skip_remote: bool,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let names = if all {
        env.root.list_contexts()?
    } else {
        vec![active.to_string()]
    };
    let spec = check::CheckSpec {
        skip_remote,
        timeout: env.check_timeout,
        parallel: 16,
    };
    let cwd = std::env::current_dir().ok();
    let mut failing = Vec::new();
    for name in &names {
        let mut c = check::check_context(
            &env.root,
            &env.pool,
            cwd.as_deref(),
            name,
            &spec,
            &ctx.cancel,
        )
        .await;
        for v in &c.checks {
            ctx.note(format!(
                "{name}: {} {} — {}",
                if v.ok { "ok  " } else { "FAIL" },
                v.name,
                v.detail
            ));
        }
        let root = env.root.clone();
        c = super::off_thread("check", move || {
            check::report_failure(&root, &mut c);
            c
        })
        .await?;
        if let Some(i) = &c.incident_id {
            ctx.note(format!("{name}: incident {i}"));
            fields
                .entry(incidents::INCIDENT_ID_FIELD)
                .or_insert_with(|| i.clone().into());
        }
        if let Some(a) = &c.alert {
            ctx.note(format!("{name}: {}", alert::describe(a)));
        }
        if !c.ok {
            failing.push(format!("{name} ({})", c.failing().join(", ")));
        }
    }
    fields.insert("contexts".into(), names.len().into());
    if failing.is_empty() {
        Ok(format!("{} context(s) ok", names.len()))
    } else {
        fields.insert("failing".into(), failing.join("; ").into());
        Err(PaasError::new(
            ErrorCode::CheckFailed,
            "check",
            format!("check failed in {}", failing.join("; ")),
        ))
    }
}

async fn run_reconcile(
    env: &Env,
    active: &str,
    app: &str,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let cd = env.root.context(active)?;
    crate::state::names::validate_app(app)?;
    let site = reconcile::plan(&cd, &crate::ops::deploy::Common::new(app))?;
    fields.insert("app".into(), app.into());
    let rows = reconcile::run(&env.pool, &site, env.check_timeout, &ctx.cancel).await;
    let mut bad = Vec::new();
    for r in &rows {
        ctx.note(format!(
            "{}: {} — {}",
            r.target,
            r.status.as_str(),
            r.detail
        ));
        if r.status != reconcile::SyncStatus::InSync {
            bad.push(format!("{} {}", r.target, r.status.as_str()));
        }
    }
    if bad.is_empty() {
        Ok(format!("{app}: {} target(s) in sync", rows.len()))
    } else {
        Err(PaasError::new(
            ErrorCode::DriftDetected,
            "reconcile",
            format!("{app} is not in sync: {}", bad.join(", ")),
        ))
    }
}
