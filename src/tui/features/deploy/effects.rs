//! The console's deploys, rollbacks and logs: the verbs of `verbs::deploy` and `verbs::logs`.
//! A deploy or rollback is planned by the same function as headless, shown for confirmation,
//! and that very plan is applied, each target's work as a console task of its own.

use std::sync::Arc;
use std::time::Instant;

use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::deploy;
use crate::remote::fanout::{Outcome, TargetStatus};
use crate::remote::{BoxFuture, Stream};
use crate::tasks::{TaskCtx, TaskMeta, TaskRunner};
use crate::tui::core::action::{Action, Op, Planned};
use crate::tui::effects::env::{Env, off_thread, run_doctor};
use crate::verbs::{self, Outcome as VerbOutcome};

/// The scope of a run outside a task (planning): nothing streams.
fn quiet_scope(env: &Env, context: &str) -> verbs::Scope {
    verbs::Scope {
        root: env.root.clone(),
        context: context.to_string(),
        operator: env.operator.clone(),
        front: verbs::Front::Console,
        pool: env.pool.clone(),
        progress: verbs::Progress::quiet(),
    }
}

/// Plans a deploy or rollback in the background and comes back with [`Action::Planned`]; a
/// plan refused is audited and told.
pub(in crate::tui) fn plan(
    env: &Env,
    context: String,
    op: Op,
    confirm: Option<crate::policy::guard::ConfirmLevel>,
) {
    let Some(input) = op.plan_input() else {
        return;
    };
    let e2 = env.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let scope = quiet_scope(&e2, &context);
        let action = match verbs::deploy::plan(&scope, &input) {
            Ok(plan) => Action::Planned {
                planned: Planned(Arc::new(plan)),
                confirm,
            },
            Err(e) => {
                let command = op.verb().command();
                if e2.root.context(&context).is_ok_and(|cd| cd.exists()) {
                    verbs::record(
                        &e2.root,
                        &context,
                        &e2.operator,
                        verbs::Front::Console,
                        command,
                        started,
                        &Err(e.clone()),
                    );
                }
                Action::Notice {
                    error: true,
                    text: format!("{command} refused: error[{}]: {}", e.code, e.message),
                }
            }
        };
        let _ = e2.tx.send(action);
    });
}

/// Applies a plan the operator confirmed, after a fresh doctor run (the console's doctor
/// status may be minutes old).
pub(in crate::tui) async fn apply(
    env: &Env,
    active: &str,
    planned: &Planned,
    ctx: &TaskCtx,
    scope: &verbs::Scope,
) -> Result<VerbOutcome> {
    let plan = planned.0.clone();
    let (e2, name) = (env.clone(), active.to_string());
    let report = off_thread("doctor", move || run_doctor(&e2, &name)).await?;
    if !report.ok {
        return Err(PaasError::new(
            ErrorCode::DoctorBlocked,
            "doctor",
            format!(
                "doctor fails for context {active:?} ({}); refusing `{}`",
                report.blocking().join(", "),
                plan.kind.command()
            ),
        )
        .with_remediation(format!(
            "run `paasdeck --context {active} doctor` and fix what it reports"
        )));
    }
    let exec = TaskExecutor {
        runner: env.runner.clone(),
        parent: ctx.cancel.clone(),
        parent_sink: ctx.sink.clone(),
        context: active.to_string(),
        title: format!("{} {} {}", plan.kind.command(), plan.app, plan.release),
    };
    verbs::deploy::apply(scope, plan, &exec).await
}

/// Follows (or shows) an app's logs into the task's log, each line as the target printed it.
pub(in crate::tui) async fn logs(
    scope: &verbs::Scope,
    input: &verbs::logs::LogsInput,
    ctx: &TaskCtx,
) -> Result<VerbOutcome> {
    let mut scope = scope.clone();
    let sink = ctx.sink.clone();
    scope.progress.lines = Arc::new(move |_, stream, line| sink(stream, line.to_string()));
    verbs::logs::logs(&scope, input).await
}

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
                let tee: crate::remote::LineSink = Arc::new(move |stream: Stream, line: String| {
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
