//! A confirmed shell's connection opened off the loop (connecting can take seconds; the
//! console keeps drawing meanwhile): what to run comes back as [`Action::ShellReady`], a
//! failure as a notice and its audit row. The run itself belongs to the loop, which owns the
//! terminal; its end is recorded by [`finished`].

use std::time::Instant;

pub use super::model::ReadyShell;
use crate::tui::core::action::Action;
use crate::tui::effects::Env;
use crate::verbs::{self, shell::ShellInput};

fn scope(env: &Env, context: &str) -> verbs::Scope {
    verbs::Scope {
        root: env.root.clone(),
        context: context.to_string(),
        operator: env.operator.clone(),
        front: verbs::Front::Console,
        pool: env.pool.clone(),
        progress: verbs::Progress::quiet(),
    }
}

/// Plans the shell and opens its connection in the background.
pub fn open(env: &Env, context: String, input: ShellInput) {
    let env = env.clone();
    tokio::spawn(async move {
        let asked = Instant::now();
        let scope = scope(&env, &context);
        let ready = match verbs::shell::plan(&scope, &input) {
            Ok(plan) => verbs::shell::open(&scope, &plan)
                .await
                .map(|command| (plan, command)),
            Err(e) => Err(e),
        };
        match ready {
            Ok((plan, command)) => {
                let _ = env.tx.send(Action::ShellReady(Box::new(ReadyShell {
                    context,
                    plan,
                    command,
                    asked,
                })));
            }
            Err(e) => {
                verbs::record(
                    &env.root,
                    &context,
                    &env.operator,
                    verbs::Front::Console,
                    input.verb().command(),
                    asked,
                    &Err(e.clone()),
                );
                let _ = env.tx.send(Action::Notice {
                    error: true,
                    text: format!("error[{}]: {}", e.code, e.message),
                });
            }
        }
    });
}

/// Records a shell that ran from `started_at` and ended with `code` (or could not run), and
/// says how it ended.
pub fn finished(
    env: &Env,
    shell: &ReadyShell,
    started_at: &str,
    code: crate::error::Result<i32>,
) -> Action {
    let result = code.map(|c| {
        verbs::shell::finished(&shell.context, &shell.plan, &shell.command, started_at, c)
    });
    verbs::record(
        &env.root,
        &shell.context,
        &env.operator,
        verbs::Front::Console,
        shell.plan.command,
        shell.asked,
        &result,
    );
    match result {
        Ok(o) => Action::Notice {
            error: o.exit != Some(0),
            text: o.headline(),
        },
        Err(e) => Action::Notice {
            error: true,
            text: format!("error[{}]: {}", e.code, e.message),
        },
    }
}
