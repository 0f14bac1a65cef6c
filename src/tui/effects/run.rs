//! Operations as tasks: the same `ops` functions as the headless commands, an audit row per
//! operation, and a reload of what changed.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use super::{Env, load, run_doctor, spawn_doctor};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::deploy;
use crate::ops::{self, logs};
use crate::remote::fanout::{self, Outcome, TargetStatus};
use crate::remote::{BoxFuture, Stream};
use crate::state::context::{self, InitSpec};
use crate::state::events::{EventFollower, EventWatch};
use crate::tasks::{TaskCtx, TaskMeta, TaskRunner};
use crate::tui::core::action::{Action, Op};
use crate::tui::core::model::load_contexts;
use crate::verbs::{self, Outcome as VerbOutcome};

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

/// The scope of a console task: a target's output and the verb's notes go into the task's log.
fn scope(env: &Env, active: &str, ctx: &TaskCtx) -> verbs::Scope {
    let (lines, notes) = (ctx.sink.clone(), ctx.sink.clone());
    verbs::Scope {
        root: env.root.clone(),
        context: active.to_string(),
        operator: env.operator.clone(),
        front: verbs::Front::Console,
        pool: env.pool.clone(),
        progress: verbs::Progress {
            lines: Arc::new(move |t, stream, line| lines(stream, format!("{t} | {line}"))),
            note: Arc::new(move |line| notes(Stream::Stdout, line)),
            cancel: ctx.cancel.clone(),
        },
    }
}

/// Runs one operation inside a task; records its audit row and reloads what it changed.
pub(super) async fn run_op(env: Env, active: String, op: Op, ctx: TaskCtx) -> Result<String> {
    let started = Instant::now();
    let subject = op.subject_context(&active).to_string();
    let verb = op.verb();
    let scope = scope(&env, &active, &ctx);
    let result = execute(&env, &active, &op, &ctx, &scope).await;
    let error = match &result {
        Ok(o) => o.error.clone(),
        Err(e) => Some(e.clone()),
    };
    if let Some(e) = &error {
        ctx.note(format!("error[{}]: {}", e.code, e.message));
        if !e.remediation.is_empty() {
            ctx.note(format!(
                "hint: {}",
                ops::rooted_hint(&env.root, &e.remediation)
            ));
        }
    }
    // A verification is a read that still leaves a record, as headless.
    let verify = matches!(&op, Op::Backup(b) if matches!(b.action, crate::tui::backup::BackupAction::Verify { .. }));
    if verbs::audited(verb, verify, error.is_some()) && !matches!(op, Op::EventsTail) {
        verbs::record(
            &env.root,
            &subject,
            &env.operator,
            verbs::Front::Console,
            verb.command(),
            started,
            &result,
        );
    }
    if verb.spec().danger != crate::policy::guard::Danger::Read {
        // A change can change what the doctor finds (a new target, a new vault key).
        spawn_doctor(&env, subject.clone());
    }
    load(&env, active);
    match (result, error) {
        (_, Some(e)) => Err(e),
        (Ok(o), None) => Ok(o.headline()),
        (Err(e), None) => Err(e),
    }
}

async fn execute(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    scope: &verbs::Scope,
) -> Result<VerbOutcome> {
    match op {
        Op::CheckTargets(input) => verbs::targets::check(scope, input).await,
        Op::Exec(input) => verbs::targets::exec(scope, input).await,
        _ => {
            let mut fields = Map::new();
            let r = execute_op(env, active, op, ctx, &mut fields).await;
            let mut out = VerbOutcome::ok();
            out.audit = fields;
            Ok(match r {
                Ok(line) => out.summary(line),
                Err(e) => out.failed_with(e),
            })
        }
    }
}

async fn execute_op(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    // Resolved where an action needs it: creating the first context has no active one.
    let cd = env.root.context(active);
    match op {
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
