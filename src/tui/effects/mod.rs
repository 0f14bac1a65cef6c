//! Runs what the reducer asks for: operations as tasks on the task runner (the same `ops`
//! functions the headless CLI calls, see `run.rs`), views (secret list, doctor report),
//! loads, doctor runs, audit rows for refusals.

pub(crate) mod env;
mod run;

pub use env::Env;
pub(crate) use env::off_thread;
pub(in crate::tui) use env::{run_doctor, show_info};
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde_json::Map;

use super::core::action::{Action, Effect, Op};
use super::core::app::App;
use super::core::model::load_snapshot;
use super::features::deploy::effects as deploy;
use super::features::oncall::effects as oncall;
use crate::ops;
use crate::tasks::TaskMeta;

/// Starts what the reducer asked for; what the console must learn at once (a task started, a
/// search's hit, a refusal) comes back as Actions for the reducer. Effects never change the
/// app themselves.
pub fn apply(env: &Env, app: &App, fx: Effect) -> Vec<Action> {
    match fx {
        Effect::Run { context, op } if context.is_empty() => {
            // The reducer never asks this; a context-less op must not reach the state layer.
            return vec![Action::Notice {
                error: true,
                text: format!(
                    "{} needs a context; press I to create one",
                    op.verb().command()
                ),
            }];
        }
        Effect::Run { context, op } if op.is_view() => view(env, context, op),
        Effect::Run {
            context,
            op: Op::Shell(s),
        } => crate::tui::features::shell::effects::open(env, context, s.input),
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
            return vec![Action::TaskStarted(task.id)];
        }
        Effect::Plan {
            context,
            op,
            confirm,
        } => deploy::plan(env, context, op, confirm),
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
        Effect::Checklist => {
            let (root, tx) = (env.root.clone(), env.tx.clone());
            let names: Vec<String> = app.contexts.iter().map(|c| c.name.clone()).collect();
            tokio::task::spawn_blocking(move || {
                let cwd = std::env::current_dir().ok();
                let lists = names
                    .iter()
                    .map(|n| crate::ops::checklist::run(&root, n, cwd.as_deref()))
                    .collect();
                let _ = tx.send(Action::ChecklistDone(lists));
            });
        }
        Effect::CancelTask(id) => {
            env.runner.cancel(id);
        }
        Effect::CancelAll => env.runner.cancel_all(),
        Effect::Stage(fx) => crate::tui::features::stage::effects::apply(env, fx),
        Effect::SearchLog { forward } => return search(env, app, forward).into_iter().collect(),
        Effect::ProbeIdentity => {
            let (root, tx) = (env.root.clone(), env.tx.clone());
            tokio::task::spawn_blocking(move || {
                let at = crate::state::vault::identity::missing_at(root.path())
                    .ok()
                    .flatten();
                let _ = tx.send(Action::IdentityProbed(at));
            });
        }
        // The loop runs these itself: it owns the terminal.
        Effect::SetTitle(_) | Effect::Quit | Effect::Shell(_) => {}
    }
    Vec::new()
}

/// Read-only views: computed in the background, shown when they arrive.
fn view(env: &Env, context: String, op: Op) {
    match op {
        Op::Doctor(d) if d.all_contexts => {
            let scope = run::view_scope(env, &context);
            let title = "doctor of every context".to_string();
            show_info(env, context, title, move |_, _| {
                Ok(outcome_lines(crate::verbs::doctor::doctor(&scope, &d)?))
            })
        }
        Op::Doctor(_) => spawn_doctor(env, context),
        Op::AlertHistory(input) => {
            let scope = run::view_scope(env, &context);
            let title = format!("alerts of {context}, oldest first (last {})", input.limit);
            show_info(env, context, title, move |_, _| {
                Ok(outcome_lines(crate::verbs::oncall::alert_history(
                    &scope, &input,
                )?))
            })
        }
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
            let scope = run::view_scope(env, &context);
            show_info(env, context, title, move |_, _| {
                Ok(outcome_lines(crate::verbs::vault::status(&scope)?))
            })
        }
        Op::SecretList { app } => {
            let e2 = env.clone();
            tokio::task::spawn_blocking(move || {
                let scope = run::view_scope(&e2, &context);
                let action = match crate::verbs::secrets::variables(&scope, &app) {
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

/// A verb's outcome as the lines of a view: its text, then why it failed.
fn outcome_lines(out: crate::verbs::Outcome) -> Vec<String> {
    let mut lines: Vec<String> = out.text.lines().map(String::from).collect();
    if let Some(e) = &out.error {
        lines.push(format!("error[{}]: {}", e.code, e.message));
    }
    lines
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
            Err(e) => crate::tui::core::model::Snapshot {
                errors: vec![format!("error[{}]: {}", e.code, e.message)],
                ..Default::default()
            },
        };
        crate::tui::features::stage::effects::load_config(&root, &tx, &name);
        let _ = tx.send(Action::Loaded {
            context: name,
            snapshot: Box::new(snapshot),
        });
    });
}

/// The next (or previous) line of the focused task's log matching the search.
fn search(env: &Env, app: &App, forward: bool) -> Option<Action> {
    let (Some(id), Some(q)) = (app.log.task, app.log.search.clone()) else {
        return None;
    };
    let task = env.runner.get(id)?;
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
    Some(Action::LogSearched(found))
}
