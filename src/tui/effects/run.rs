//! Operations as tasks: the verbs the headless commands run, an audit row per operation
//! (through `verbs::record`), and a reload of what changed.

use std::sync::Arc;
use std::time::Instant;

use super::super::action::{Action, Op};
use super::{Env, load, spawn_doctor};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops;
use crate::remote::Stream;
use crate::state::events::{EventFollower, EventWatch};
use crate::tasks::TaskCtx;
use crate::tui::core::model::load_contexts;
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

/// The scope of a view: nothing streams, nothing is cancelled.
pub(super) fn view_scope(env: &Env, active: &str) -> verbs::Scope {
    verbs::Scope {
        root: env.root.clone(),
        context: active.to_string(),
        operator: env.operator.clone(),
        front: verbs::Front::Console,
        pool: env.pool.clone(),
        progress: verbs::Progress::quiet(),
    }
}

/// Runs one operation inside a task; records its audit row and reloads what it changed.
pub(super) async fn run_op(env: Env, active: String, op: Op, ctx: TaskCtx) -> Result<String> {
    let started = Instant::now();
    let subject = op.subject_context(&active).to_string();
    let verb = op.verb();
    // `context init` and `use` act on the context they name.
    let scope = scope(&env, &subject, &ctx);
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
    let verify = matches!(&op, Op::Backup(b) if matches!(b.action, crate::tui::features::backup::BackupAction::Verify { .. }));
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
        Op::Apply(planned) => {
            crate::tui::features::deploy::effects::apply(env, active, planned, ctx, scope).await
        }
        Op::Logs(input) => crate::tui::features::deploy::effects::logs(scope, input, ctx).await,
        Op::Reconcile(input) => verbs::deploy::reconcile(scope, input).await,
        Op::Stage(s) => {
            crate::tui::features::stage::effects::execute(env, active, s, ctx, scope).await
        }
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
        Op::AgentApprove { run, write, .. } => {
            let guard = crate::tui::features::oncall::agent::guard(env, &scope.context, *write);
            let input = verbs::agent::DecideInput {
                run: run.clone(),
                note: crate::tui::features::oncall::agent::APPROVED_HERE.into(),
            };
            verbs::agent::approve(scope, &input, &guard).await
        }
        Op::AgentDeny { run, note, .. } => verbs::agent::deny(
            scope,
            &verbs::agent::DecideInput {
                run: run.clone(),
                note: note.clone(),
            },
        ),
        Op::Backup(b) => crate::tui::features::backup::effects::execute(scope, b).await,
        // The guard's dialog stood in for --yes and the typed context name.
        Op::ResetApp { name } => {
            let input = verbs::app_reset::ResetInput {
                app: name.clone(),
                yes: true,
                confirm_context: Some(active.to_string()),
            };
            verbs::app_reset::run(scope, &input).await
        }
        Op::LockRelease { app, force } => verbs::deploy::lock(
            scope,
            &crate::cli::LockCmd::Release {
                app: app.clone(),
                force: *force,
            },
        ),
        Op::BootstrapTarget {
            target,
            public_key,
            password,
        } => {
            crate::tui::features::targets::bootstrap::run(scope, target, public_key, password).await
        }
        other => match setup(env, other, ctx, scope) {
            Some(done) => done,
            None => legacy(env, active, other, ctx).await,
        },
    }
}

/// The ops without their own verb module yet (the events tail, the views): their
/// task's result line as an outcome.
async fn legacy(env: &Env, active: &str, op: &Op, ctx: &TaskCtx) -> Result<VerbOutcome> {
    let r = execute_op(env, active, op, ctx).await;
    let out = VerbOutcome::ok();
    Ok(match r {
        Ok(line) => out.summary(line),
        Err(e) => out.failed_with(e),
    })
}

/// The verbs that set a context up (targets, apps, add-ons, secrets, the vault, contexts):
/// local writes whose text goes into the task's log when done; `None` for any other op.
fn setup(env: &Env, op: &Op, ctx: &TaskCtx, scope: &verbs::Scope) -> Option<Result<VerbOutcome>> {
    Some(match op {
        Op::AddTarget(spec) => noted(ctx, verbs::targets::add(scope, spec)),
        Op::EditTarget(spec) => noted(ctx, verbs::targets::edit(scope, spec)),
        // The confirmation dialog stands in for --force.
        Op::RemoveTarget { name } => noted(
            ctx,
            verbs::targets::remove(
                scope,
                &verbs::targets::RemoveInput {
                    name: name.clone(),
                    force: true,
                },
            ),
        ),
        Op::UseTarget { name } => noted(ctx, verbs::targets::use_target(scope, name)),
        Op::AddApp(spec) => noted(ctx, verbs::apps::add(scope, spec)),
        Op::EditApp(spec) => noted(ctx, verbs::apps::edit(scope, spec)),
        // The confirmation dialog stands in for --force.
        Op::RemoveApp { name } => noted(
            ctx,
            verbs::apps::remove(
                scope,
                &verbs::apps::RemoveInput {
                    app: name.clone(),
                    force: true,
                },
            ),
        ),
        Op::EnableAddon(spec) => noted(ctx, verbs::addons::enable(scope, spec)),
        Op::DisableAddon { app, name } => noted(ctx, verbs::addons::disable(scope, app, name)),
        Op::SetSecret {
            app,
            name,
            target,
            value,
        } => noted(
            ctx,
            verbs::secrets::set(scope, &secret_key(app, name, target), value),
        ),
        Op::UnsetSecret { app, name, target } => noted(
            ctx,
            verbs::secrets::unset(scope, &secret_key(app, name, target)),
        ),
        Op::SecretEncrypt => noted(ctx, verbs::vault::encrypt(scope)),
        Op::VaultRecipientAdd { recipient } => {
            noted(ctx, verbs::vault::recipient_add(scope, recipient))
        }
        Op::VaultKeygen => {
            let made = noted(ctx, verbs::vault::keygen(scope));
            // The keygen view shows what was created and where (never the secret key).
            let _ = env.tx.send(super::super::action::Action::Keygen(
                made.as_ref()
                    .map(|o| o.text.lines().map(String::from).collect())
                    .map_err(|e| format!("vault keygen: error[{}]: {}", e.code, e.message)),
            ));
            made
        }
        Op::ContextInit {
            kind,
            read_only,
            color,
            confirm,
            ..
        } => {
            let input = verbs::contexts::InitInput {
                kind: Some(kind.clone()),
                read_only: Some(*read_only),
                color: (!color.is_empty()).then(|| color.clone()),
                confirm: (!confirm.is_empty()).then(|| confirm.clone()),
                ..Default::default()
            };
            let made = noted(ctx, verbs::contexts::init(scope, &input));
            if made.is_ok()
                && let Ok(views) = load_contexts(&env.root)
            {
                let _ = env.tx.send(Action::ContextsLoaded(views));
                // The operator made it to use it: its tab opens.
                let _ = env.tx.send(Action::SwitchTo(scope.context.clone()));
            }
            made
        }
        Op::ContextUse { .. } => noted(ctx, verbs::contexts::use_context(scope)),
        Op::ScrubBundles => noted(ctx, verbs::contexts::scrub_bundles(scope, true)),
        _ => return None,
    })
}

/// The console's secret ops name an app's variable for every target or one, in the default
/// namespace.
fn secret_key(app: &str, name: &str, target: &Option<String>) -> verbs::secrets::SecretKey {
    verbs::secrets::SecretKey {
        app: app.to_string(),
        name: name.to_string(),
        target: target.clone(),
        namespace: None,
    }
}

/// A verb that streams nothing: its text goes into the task's log when it is done, then its
/// summary when that is not the text's first line.
fn noted(ctx: &TaskCtx, result: Result<VerbOutcome>) -> Result<VerbOutcome> {
    if let Ok(o) = &result {
        for line in o.text.lines() {
            ctx.note(line);
        }
        if !o.summary.is_empty() && o.text.lines().next() != Some(o.summary.as_str()) {
            ctx.note(&o.summary);
        }
    }
    result
}

async fn execute_op(env: &Env, active: &str, op: &Op, ctx: &TaskCtx) -> Result<String> {
    // Resolved where an action needs it: creating the first context has no active one.
    let cd = env.root.context(active);
    match op {
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
        Op::SecretList { .. }
        | Op::Doctor(_)
        | Op::AlertHistory(_)
        | Op::VaultStatus
        | Op::LockStatus => Ok(String::new()),
        Op::Deploy(_) | Op::Rollback(_) => Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "console",
            "deploys and rollbacks are planned before they run",
        )),
        _ => Ok(String::new()),
    }
}
