//! Operations as tasks: the same `ops` functions as the headless commands, an audit row per
//! operation, and a reload of what changed.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use super::super::action::{Action, Op};
use super::super::model::load_contexts;
use super::{Env, load, spawn_doctor};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops;
use crate::remote::Stream;
use crate::state::context::{self, InitSpec};
use crate::state::events::{EventFollower, EventWatch};
use crate::tasks::TaskCtx;
use crate::verbs::{self, Outcome as VerbOutcome};

/// The scope of a console task: a target's output and the verb's notes go into the task's log.
pub(super) fn scope(env: &Env, active: &str, ctx: &TaskCtx) -> verbs::Scope {
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
        Op::Apply(planned) => super::deploy::apply(env, active, planned, ctx, scope).await,
        Op::Logs(input) => super::deploy::logs(scope, input, ctx).await,
        Op::Reconcile(input) => verbs::deploy::reconcile(scope, input).await,
        Op::Check(input) => verbs::oncall::check(scope, input).await,
        Op::AlertTest { severity, message } => {
            let (scope, severity, message) = (scope.clone(), severity.clone(), message.clone());
            // Delivery is a blocking HTTP call.
            super::off_thread("alert_send", move || {
                verbs::oncall::alert_test(&scope, &severity, &message)
            })
            .await?
        }
        Op::AlertAcknowledge { id, note } => verbs::oncall::alert_acknowledge(scope, id, note),
        Op::IncidentAcknowledge { id, note } => {
            verbs::oncall::incident_acknowledge(scope, id, note)
        }
        Op::IncidentResolve { id, note } => verbs::oncall::incident_resolve(scope, id, note),
        Op::Backup(b) => crate::tui::backup::effects::execute(scope, b).await,
        Op::LockRelease { app, force } => verbs::deploy::lock(
            scope,
            &crate::cli::LockCmd::Release {
                app: app.clone(),
                force: *force,
            },
        ),
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
        | Op::VaultKeygen => super::housekeeping::run(env, active, op, ctx, fields),
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
        Op::Deploy(_) | Op::Rollback(_) => Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "console",
            "deploys and rollbacks are planned before they run",
        )),
        _ => Ok(String::new()),
    }
}
