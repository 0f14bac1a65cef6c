//! Runs what the reducer asks for: operations as tasks on the task runner (the same `ops`
//! functions the headless CLI calls, see `run.rs`), views (secret list, doctor report),
//! loads, doctor runs, audit rows for refusals.

mod addons;
mod bootstrap;
mod housekeeping;
mod oncall;
mod run;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Map;
use tokio::sync::mpsc::UnboundedSender;

use super::core::action::{Action, Effect, Op, Planned};
use super::core::app::{App, FlashLevel};
use super::core::model::load_snapshot;
use crate::ops;
use crate::ops::deploy::{self, DeploySpec, RollbackSpec};
use crate::policy::doctor;
use crate::remote::pool::Pool;
use crate::state::StateRoot;
use crate::tasks::{TaskMeta, TaskRunner};

/// What effects need from the outside world.
#[derive(Clone)]
pub struct Env {
    pub root: StateRoot,
    pub runner: TaskRunner,
    pub pool: Arc<Pool>,
    pub tx: UnboundedSender<Action>,
    pub operator: String,
    pub check_timeout: Duration,
    /// Contexts whose doctor is running now: a visit or change meanwhile need not start another.
    /// Contexts whose doctor is running, each with whether it must run once more (a change
    /// came while it ran).
    pub doctoring: Arc<std::sync::Mutex<std::collections::HashMap<String, bool>>>,
}

pub fn apply(env: &Env, app: &mut App, fx: Effect) {
    match fx {
        Effect::Run { context, op } if context.is_empty() => {
            // The reducer never asks this; a context-less op must not reach the state layer.
            app.flash(
                FlashLevel::Error,
                format!(
                    "{} needs a context; press I to create one",
                    op.verb().command()
                ),
            );
        }
        Effect::Run { context, op } if op.is_view() => view(env, context, op),
        Effect::Run { context, op } => {
            let meta = TaskMeta {
                title: op.title(),
                context: context.clone(),
                target: None,
            };
            let e2 = env.clone();
            let task = env.runner.spawn(meta, move |ctx| async move {
                run::run_op(e2, context, op, ctx).await
            });
            app.log.task = Some(task.id);
            app.log.follow = true;
            app.log.hit = None;
        }
        Effect::Plan {
            context,
            op,
            confirm,
        } => {
            let e2 = env.clone();
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let cd = match e2.root.context(&context) {
                    Ok(cd) => cd,
                    Err(e) => {
                        let _ = e2.tx.send(Action::Notice {
                            error: true,
                            text: format!(
                                "{} refused: error[{}]: {}",
                                op.verb().command(),
                                e.code,
                                e.message
                            ),
                        });
                        return;
                    }
                };
                let planned = match &op {
                    Op::Deploy {
                        common,
                        rollback_on_failure,
                    } => deploy::plan_deploy(
                        &cd,
                        &DeploySpec {
                            common: common.clone(),
                            compose_file: None,
                            rollback_on_failure: *rollback_on_failure,
                        },
                    ),
                    Op::Rollback { common, to } => deploy::plan_rollback(
                        &cd,
                        &RollbackSpec {
                            common: common.clone(),
                            to_release: to.clone(),
                        },
                    ),
                    _ => return,
                };
                let action = match planned {
                    Ok(plan) => Action::Planned {
                        planned: Planned(Arc::new(plan)),
                        confirm,
                    },
                    Err(e) => {
                        let mut fields = Map::new();
                        fields.insert("frontend".into(), "console".into());
                        let _ = ops::audit::record(
                            &cd,
                            &e2.operator,
                            op.verb().command(),
                            false,
                            started.elapsed(),
                            fields,
                            Some(&e),
                        );
                        Action::Notice {
                            error: true,
                            text: format!(
                                "{} refused: error[{}]: {}",
                                op.verb().command(),
                                e.code,
                                e.message
                            ),
                        }
                    }
                };
                let _ = e2.tx.send(action);
            });
        }
        Effect::AuditRefusal {
            context,
            verb,
            error,
        } => {
            let mut fields = Map::new();
            fields.insert("frontend".into(), "console".into());
            if let Err(e) = env.root.context(&context).and_then(|cd| {
                ops::audit::record(
                    &cd,
                    &env.operator,
                    verb.command(),
                    false,
                    Duration::ZERO,
                    fields,
                    Some(&error),
                )
            }) {
                tracing::error!("could not audit a refusal: {}", e.message);
            }
        }
        Effect::Load(name) => load(env, name),
        Effect::LoadAll(names) => oncall::load_all(env, names),
        Effect::LoadIncidents(names) => oncall::load_incidents(env, names),
        Effect::Doctor(name) => spawn_doctor(env, name),
        Effect::CancelTask(id) => {
            env.runner.cancel(id);
        }
        Effect::CancelAll => env.runner.cancel_all(),
        Effect::Stage(fx) => super::stage::effects::apply(env, fx),
        Effect::SearchLog { forward } => search(env, app, forward),
        Effect::ProbeIdentity => {
            let (root, tx) = (env.root.clone(), env.tx.clone());
            tokio::task::spawn_blocking(move || {
                let at = crate::state::vault::identity::missing_at(root.path())
                    .ok()
                    .flatten();
                let _ = tx.send(Action::IdentityProbed(at));
            });
        }
        Effect::SetTitle(_) | Effect::Quit => {}
    }
}

/// Runs blocking work off the console's async threads; a task that panicked is an error of
/// `stage`.
pub(crate) async fn off_thread<T: Send + 'static>(
    stage: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> crate::error::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        crate::error::PaasError::new(
            crate::error::ErrorCode::UnknownFailure,
            stage,
            e.to_string(),
        )
    })
}

/// A read-only view of one context: `lines` runs in the background, its result (or the error)
/// is shown under `title` when it arrives.
pub(super) fn show_info<F>(env: &Env, context: String, title: String, lines: F)
where
    F: FnOnce(
            &crate::state::StateRoot,
            &crate::state::ContextDir,
        ) -> crate::error::Result<Vec<String>>
        + Send
        + 'static,
{
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        let lines = match root.context(&context).and_then(|cd| lines(&root, &cd)) {
            Ok(l) => l,
            Err(e) => vec![format!("error[{}]: {}", e.code, e.message)],
        };
        let _ = tx.send(Action::ShowInfo {
            title,
            context,
            lines,
        });
    });
}

/// Read-only views: computed in the background, shown when they arrive.
fn view(env: &Env, context: String, op: Op) {
    match op {
        Op::DoctorReport => spawn_doctor(env, context),
        Op::AlertHistory => oncall::history(env, context),
        Op::LockStatus => {
            let title = format!("deploy locks of {context}");
            show_info(env, context, title, |_, cd| {
                let locks = crate::ops::deploy::lock::list(cd)?;
                if locks.is_empty() {
                    return Ok(vec!["no deploy locks held".to_string()]);
                }
                Ok(locks
                    .iter()
                    .map(|l| {
                        let stale =
                            matches!(l, crate::ops::deploy::lock::Found::Lock(x) if x.is_stale());
                        format!(
                            "{}  {}{}",
                            l.app(),
                            l.describe(),
                            if stale { " (stale)" } else { "" }
                        )
                    })
                    .collect())
            })
        }
        Op::VaultStatus => {
            let title = format!("vault of {context}");
            show_info(env, context, title, |root, cd| {
                Ok(crate::ops::vault::status(root, cd)?.lines())
            })
        }
        Op::SecretList { app } => {
            let e2 = env.clone();
            tokio::task::spawn_blocking(move || {
                let action = match e2
                    .root
                    .context(&context)
                    .and_then(|cd| crate::ops::secrets::status(&cd, &app))
                {
                    Ok(rows) => Action::SecretsListed { context, app, rows },
                    Err(e) => Action::Notice {
                        error: true,
                        text: format!("secret list {app}: error[{}]: {}", e.code, e.message),
                    },
                };
                let _ = e2.tx.send(action);
            });
        }
        _ => {}
    }
}

/// Runs the doctor for a context and reports the result to the console; returns it.
pub(super) fn run_doctor(env: &Env, name: &str) -> crate::policy::doctor::DoctorReport {
    let cwd = std::env::current_dir().ok();
    // The doctor gates the console's deploys: temp files of crashed writers are removed first,
    // as every writer does, so a crash elsewhere does not block them.
    env.root.sweep_temp_files();
    if let Ok(cd) = env.root.context(name) {
        cd.sweep_temp_files();
    }
    let report = doctor::run(&env.root, name, cwd.as_deref());
    let _ = env.tx.send(Action::DoctorDone {
        context: name.to_string(),
        report: Box::new(report.clone()),
    });
    report
}

/// Runs the doctor in the background; asked again while a run for that context is under way, it
/// runs once more after it, so the last result reflects the last change.
pub fn spawn_doctor(env: &Env, name: String) {
    let started = env
        .doctoring
        .lock()
        .map(|mut d| match d.get_mut(&name) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                d.insert(name.clone(), false);
                true
            }
        })
        .unwrap_or(true);
    if !started {
        return;
    }
    let e2 = env.clone();
    tokio::task::spawn_blocking(move || {
        loop {
            run_doctor(&e2, &name);
            let again = e2
                .doctoring
                .lock()
                .map(|mut d| match d.get_mut(&name) {
                    Some(a) if *a => {
                        *a = false;
                        true
                    }
                    _ => {
                        d.remove(&name);
                        false
                    }
                })
                .unwrap_or(false);
            if !again {
                break;
            }
        }
    });
}

pub fn load(env: &Env, name: String) {
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        let snapshot = match root.context(&name) {
            Ok(cd) => load_snapshot(&cd),
            Err(e) => crate::tui::model::Snapshot {
                errors: vec![format!("error[{}]: {}", e.code, e.message)],
                ..Default::default()
            },
        };
        super::stage::effects::load_config(&root, &tx, &name);
        let _ = tx.send(Action::Loaded {
            context: name,
            snapshot: Box::new(snapshot),
        });
    });
}

fn search(env: &Env, app: &mut App, forward: bool) {
    let (Some(id), Some(q)) = (app.log.task, app.log.search.clone()) else {
        return;
    };
    let Some(task) = env.runner.get(id) else {
        return;
    };
    let found = task.with_log(|log| {
        let n = log.len();
        if n == 0 {
            return None;
        }
        let from = app.log.hit.unwrap_or(if forward { n - 1 } else { 0 });
        (1..=n)
            .map(|step| {
                if forward {
                    (from + step) % n
                } else {
                    (from + n - step % n) % n
                }
            })
            .find(|&i| log.get(i).is_some_and(|l| l.text.contains(q.as_str())))
    });
    match found {
        Some(i) => {
            app.log.hit = Some(i);
            app.log.follow = false;
            app.log.scroll = i;
        }
        None => app.flash(FlashLevel::Info, format!("no line matches {q:?}")),
    }
}
