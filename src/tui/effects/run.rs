//! Operations as tasks: the same `ops` functions as the headless commands, an audit row per
//! operation, and a reload of what changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Map, Value};

use super::super::action::{Action, Op};
use super::super::model::load_contexts;
use super::{Env, load, run_doctor, spawn_doctor};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::deploy;
use crate::ops::{self, logs, target_check, target_exec};
use crate::remote::fanout::{self, Outcome, TargetStatus};
use crate::remote::{BoxFuture, Stream};
use crate::state::context::{self, InitSpec};
use crate::state::events::{EventFollower, EventWatch};
use crate::state::targets;
use crate::tasks::{TaskCtx, TaskMeta, TaskRunner};

/// Runs each target of a deploy as a console task of its own (cancelled with its parent).
struct TaskExecutor {
    runner: TaskRunner,
    parent: tokio_util::sync::CancellationToken,
    /// The deploy task's own log: each target's lines are copied there, prefixed.
    parent_sink: crate::remote::LineSink,
    context: String,
    title: String,
}

impl deploy::Executor for TaskExecutor {
    fn run(
        &self,
        target: &str,
        work: deploy::Work,
    ) -> BoxFuture<'static, Outcome<deploy::TargetReport>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let meta = TaskMeta {
            title: format!("{target}: {}", self.title),
            context: self.context.clone(),
            target: Some(target.to_string()),
        };
        let (parent_sink, prefix) = (self.parent_sink.clone(), target.to_string());
        self.runner
            .spawn_child(meta, &self.parent, move |ctx| async move {
                let own = ctx.sink.clone();
                let tee: crate::remote::LineSink = Arc::new(move |stream, line: String| {
                    parent_sink(stream, format!("{prefix} | {line}"));
                    own(stream, line);
                });
                let outcome = work(tee, ctx.cancel.clone()).await;
                let result = match (&outcome.status, &outcome.error) {
                    (TargetStatus::Ok, _) | (_, None) => {
                        Ok(format!("{}: {}", outcome.target, outcome.status.as_str()))
                    }
                    (_, Some(e)) => Err(e.clone()),
                };
                let _ = tx.send(outcome);
                result
            });
        let name = target.to_string();
        Box::pin(async move {
            rx.await.unwrap_or_else(|_| {
                Outcome::failed(
                    &name,
                    PaasError::new(
                        ErrorCode::Cancelled,
                        "deploy",
                        "the target's task ended early",
                    ),
                    None,
                )
            })
        })
    }
}

/// Runs one operation inside a task; records its audit row and reloads what it changed.
pub(super) async fn run_op(env: Env, active: String, op: Op, ctx: TaskCtx) -> Result<String> {
    let started = Instant::now();
    let subject = op.subject_context(&active).to_string();
    let verb = op.verb();
    let mut fields = Map::new();
    fields.insert("frontend".into(), "console".into());
    let result = execute(&env, &active, &op, &ctx, &mut fields).await;
    if let Err(e) = &result {
        ctx.note(format!("error[{}]: {}", e.code, e.message));
        if !e.remediation.is_empty() {
            ctx.note(format!(
                "hint: {}",
                ops::rooted_hint(&env.root, &e.remediation)
            ));
        }
    }
    let spec = verb.spec();
    // A verification is a read that still leaves a record, as headless.
    let verify = matches!(&op, Op::Backup(b) if matches!(b.action, crate::tui::backup::BackupAction::Verify { .. }));
    let audited = spec.danger != crate::policy::guard::Danger::Read
        || spec.remote
        || result.is_err()
        || verify;
    if audited
        && !matches!(op, Op::EventsTail)
        && let Err(e) = env.root.context(&subject).and_then(|cd| {
            ops::audit::record(
                &cd,
                &env.operator,
                verb.command(),
                result.is_ok(),
                started.elapsed(),
                fields,
                result.as_ref().err(),
            )
        })
    {
        tracing::error!("could not audit {}: {}", verb.command(), e.message);
    }
    if spec.danger != crate::policy::guard::Danger::Read {
        // A change can change what the doctor finds (a new target, a new vault key).
        spawn_doctor(&env, subject.clone());
    }
    load(&env, active);
    result
}

async fn execute(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    // Resolved where an action needs it: creating the first context has no active one.
    let cd = env.root.context(active);
    match op {
        Op::CheckTargets { targets: names } => {
            let cd = cd?;
            let selected = targets::load(&cd)?.select(names)?;
            fields.insert("targets".into(), names.join(",").into());
            ctx.note(format!("checking {} target(s)…", selected.len()));
            // Owned inputs per check: the task future must not borrow across the stream.
            let checks = selected.into_iter().map(|t| {
                let (pool, sink, cancel) = (env.pool.clone(), ctx.sink.clone(), ctx.cancel.clone());
                let (context, timeout) = (active.to_string(), env.check_timeout);
                async move {
                    let r = target_check::check_target(&pool, &context, &t, timeout, &cancel).await;
                    for line in target_check::describe(&r) {
                        sink(Stream::Stdout, line);
                    }
                    r
                }
            });
            let results: Vec<target_check::CheckResult> = futures::stream::iter(checks)
                .buffer_unordered(16)
                .collect()
                .await;
            target_check::save_checks(&cd, &results)?;
            let _ = env.tx.send(Action::Checked {
                context: active.to_string(),
                results: results.clone(),
            });
            let failed: Vec<&target_check::CheckResult> =
                results.iter().filter(|r| !r.ok()).collect();
            fields.insert(
                "failed_targets".into(),
                failed
                    .iter()
                    .map(|r| r.target.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
                    .into(),
            );
            match target_check::failure(&results) {
                None => Ok(format!("{} target(s) ok", results.len())),
                Some(e) => Err(e),
            }
        }
        Op::AddTarget(spec) => {
            let added = ops::targets::add(&cd?, spec)?;
            fields.insert("name".into(), added.target.name.clone().into());
            fields.insert("host".into(), added.target.host.clone().into());
            let msg = format!(
                "target {} added ({}){}",
                added.target.name,
                added.target.address(),
                if added.is_default {
                    ", now current"
                } else {
                    ""
                }
            );
            ctx.note(&msg);
            Ok(msg)
        }
        Op::RemoveTarget { name } => {
            // The confirmation dialog stands in for --force.
            let (removed, current, total) = ops::targets::remove(&cd?, name, true)?;
            fields.insert("target".into(), removed.clone().into());
            let msg = format!(
                "target {removed} removed ({total} left; current: {})",
                current.as_deref().unwrap_or("none")
            );
            ctx.note(&msg);
            Ok(msg)
        }
        Op::UseTarget { name } => {
            let t = ops::targets::use_target(&cd?, name)?;
            fields.insert("target".into(), t.clone().into());
            let msg = format!("current target is now {t}");
            ctx.note(&msg);
            Ok(msg)
        }
        Op::Exec {
            targets: names,
            command,
            strategy,
            max_parallel,
            continue_on_error,
        } => {
            let cd = cd?;
            let selected = targets::load(&cd)?.select(names)?;
            fields.insert("remote_command".into(), command.clone().into());
            let spec = target_exec::ExecSpec {
                targets: selected,
                command: command.clone(),
                strategy: *strategy,
                max_parallel: *max_parallel,
                continue_on_error: *continue_on_error,
                timeout: Some(Duration::from_secs(600)),
                redactor: ops::redaction::every_value(&cd, &ops::redaction::load_vault(&cd)?),
            };
            let sink = ctx.sink.clone();
            let on_line: target_exec::TargetLineSink =
                Arc::new(move |t, stream, line| sink(stream, format!("{t} | {line}")));
            let (plan, outcomes) =
                target_exec::run(&env.pool, active, &spec, on_line, &ctx.cancel).await;
            let statuses = fanout::statuses(&outcomes);
            ctx.note(format!("fanout_plan={}", plan.summary()));
            ctx.note(format!("target_statuses={statuses}"));
            fields.insert("fanout_plan".into(), plan.summary().into());
            fields.insert("target_statuses".into(), statuses.clone().into());
            match fanout::aggregate_error(&outcomes) {
                Some(e) => Err(e),
                None => Ok(statuses),
            }
        }
        Op::EventsTail => {
            ctx.note(format!("following the events of {active}…"));
            let cd = cd?;
            // Woken by file notifications as a row lands; a poll only where there are none.
            let woken = std::sync::Arc::new(tokio::sync::Notify::new());
            let w2 = woken.clone();
            let settings = crate::state::events::WatchSettings::from_env().unwrap_or_default();
            let mut watch = EventWatch::new(&cd, settings, move || w2.notify_one());
            watch.log(cd.name());
            let (notified, poll) = (watch.notifications(), watch.poll_interval());
            let mut follower = EventFollower::at_end(&cd);
            loop {
                tokio::select! {
                    _ = ctx.cancel.cancelled() => return Ok("stopped".into()),
                    _ = woken.notified(), if notified => {}
                    _ = tokio::time::sleep(poll), if !notified => {}
                }
                watch.refresh();
                let (rows, _) = follower.poll();
                for r in rows {
                    (ctx.sink)(Stream::Stdout, r.one_line());
                }
            }
        }
        Op::ContextInit {
            name,
            kind,
            read_only,
            color,
            confirm,
        } => {
            crate::state::names::validate_context(name)?;
            let ncd = env.root.context(name)?;
            let spec = InitSpec {
                kind: Some(kind.clone()),
                read_only: Some(*read_only),
                color: (!color.is_empty()).then(|| color.clone()),
                confirm: (!confirm.is_empty()).then(|| confirm.clone()),
                ..Default::default()
            };
            let cfg = context::init(&env.root, &ncd, &spec)?.config;
            fields.insert("name".into(), cfg.name.clone().into());
            fields.insert("type".into(), cfg.kind.clone().into());
            if let Ok(views) = load_contexts(&env.root) {
                let _ = env.tx.send(Action::ContextsLoaded(views));
                // The operator made it to use it: its tab opens.
                let _ = env.tx.send(Action::SwitchTo(cfg.name.to_string()));
            }
            let msg = format!("context {} created (type {})", cfg.name, cfg.kind);
            ctx.note(&msg);
            Ok(msg)
        }
        Op::ContextUse { name } => {
            env.root.store_context(name)?;
            let msg = format!("{name} is now the stored current context");
            ctx.note(&msg);
            Ok(msg)
        }
        Op::Apply(planned) => {
            let plan = planned.0.clone();
            // The guardrail, checked fresh: the console's doctor status may be minutes old.
            let (e2, name) = (env.clone(), active.to_string());
            let report = super::off_thread("doctor", move || run_doctor(&e2, &name)).await?;
            if !report.ok {
                return Err(PaasError::new(
                    ErrorCode::DoctorBlocked,
                    "doctor",
                    format!(
                        "doctor fails for context {active:?} ({}); refusing `{}`",
                        report.blocking().join(", "),
                        planned.0.kind.command()
                    ),
                )
                .with_remediation(format!(
                    "run `paasdeck --context {active} doctor` and fix what it reports"
                )));
            }
            fields.insert("app".into(), plan.app.clone().into());
            fields.insert("release".into(), plan.release.clone().into());
            for line in plan.lines() {
                ctx.note(line);
            }
            let exec = TaskExecutor {
                runner: env.runner.clone(),
                parent: ctx.cancel.clone(),
                parent_sink: ctx.sink.clone(),
                context: active.to_string(),
                title: format!("{} {} {}", plan.kind.command(), plan.app, plan.release),
            };
            let applied = deploy::apply(
                env.pool.clone(),
                &env.root,
                plan.clone(),
                &exec,
                &env.operator,
            )
            .await?;
            for o in &applied.outcomes {
                ctx.note(format!(
                    "{}: {}{}",
                    o.target,
                    o.status.as_str(),
                    o.error
                        .as_ref()
                        .map(|e| format!(" — {}", e.message))
                        .unwrap_or_default()
                ));
            }
            let statuses = fanout::statuses(&applied.outcomes);
            ctx.note(format!("fanout_plan={}", plan.fanout.summary()));
            ctx.note(format!("target_statuses={statuses}"));
            fields.insert("target_statuses".into(), statuses.clone().into());
            if let Some(i) = &applied.incident {
                // Folded from the deploy's own event row: the audit row must not fold it again.
                fields.insert(
                    crate::state::incidents::INCIDENT_ID_FIELD.into(),
                    i.clone().into(),
                );
                ctx.note(format!("incident {i}"));
            }
            if let Some(a) = &applied.alert {
                ctx.note(crate::ops::alert::describe(a));
            }
            match applied.error {
                Some(e) => Err(e),
                None => {
                    ctx.note(format!(
                        "{} is now the current release of {}",
                        plan.release, plan.app
                    ));
                    Ok(statuses)
                }
            }
        }
        Op::Logs {
            app,
            target,
            service,
        } => {
            let spec = logs::LogsSpec {
                app: app.clone(),
                target: target.clone(),
                service: service.clone(),
                tail: 200,
                since: None,
                follow: true,
            };
            let plan = logs::plan(&cd?, &spec)?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("target".into(), plan.target.name.clone().into());
            ctx.note(format!(
                "following {app} ({}) on {}; Ctrl-c stops",
                plan.release, plan.target.name
            ));
            match logs::run(
                &env.pool,
                active,
                &plan,
                true,
                ctx.sink.clone(),
                &ctx.cancel,
            )
            .await
            {
                Ok(exit) => match exit.error(active, &plan) {
                    None => Ok(format!("logs ended (exit {})", exit.code)),
                    Some(e) => Err(e),
                },
                Err(e) if e.code == ErrorCode::Cancelled => Ok("stopped".into()),
                Err(e) => Err(e),
            }
        }
        Op::EditTarget(spec) => {
            let t = ops::targets::edit(&cd?, spec)?;
            fields.insert("name".into(), t.name.clone().into());
            fields.insert("host".into(), t.host.clone().into());
            let msg = format!("target {} now {} ({})", t.name, t.address(), t.auth_method);
            ctx.note(&msg);
            Ok(msg)
        }
        Op::AddApp(spec) => {
            let (a, total) = ops::apps::add(&cd?, spec)?;
            fields.insert("app".into(), a.name.clone().into());
            fields.insert("compose_file".into(), a.compose_file.clone().into());
            let msg = format!("app {} registered ({total} in {active})", a.name);
            ctx.note(&msg);
            Ok(msg)
        }
        Op::EditApp(spec) => {
            let a = ops::apps::edit(&cd?, spec)?;
            fields.insert("app".into(), a.name.clone().into());
            fields.insert("compose_file".into(), a.compose_file.clone().into());
            let msg = format!("app {} updated", a.name);
            ctx.note(&msg);
            Ok(msg)
        }
        Op::RemoveApp { name } => {
            let (name, total) = ops::apps::remove(&cd?, name)?;
            fields.insert("app".into(), name.clone().into());
            let msg = format!(
                "app {name} removed from the registry ({total} left; history and bundles kept)"
            );
            ctx.note(&msg);
            Ok(msg)
        }
        Op::BootstrapTarget { .. } => super::bootstrap::run(env, active, op, ctx, fields).await,
        Op::ScrubBundles
        | Op::SetSecret { .. }
        | Op::UnsetSecret { .. }
        | Op::SecretEncrypt
        | Op::VaultRecipientAdd { .. }
        | Op::VaultKeygen
        | Op::LockRelease { .. } => super::housekeeping::run(env, active, op, ctx, fields),
        Op::EnableAddon(_) | Op::DisableAddon { .. } => {
            let msg = super::addons::run(&cd?, op, fields)?;
            ctx.note(&msg);
            Ok(msg)
        }
        Op::SecretList { .. }
        | Op::DoctorReport
        | Op::AlertHistory
        | Op::VaultStatus
        | Op::LockStatus => Ok(String::new()),
        Op::Stage(s) => crate::tui::stage::effects::execute(env, active, s, ctx, fields).await,
        Op::Backup(b) => crate::tui::backup::effects::execute(env, active, b, ctx, fields).await,
        Op::Deploy { .. } | Op::Rollback { .. } => Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "console",
            "deploys and rollbacks are planned before they run",
        )),
        other => match super::oncall::execute(env, active, other, ctx, fields).await {
            Some(r) => r,
            None => Ok(String::new()),
        },
    }
}
