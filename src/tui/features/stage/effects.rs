//! Stage work for the console: reading the stage object, `stage status` in the background,
//! and clone/start/stop/reset as tasks (the stage verb the headless CLI runs), each audited,
//! each followed by a refresh of the Instances pane.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::error::Result;
use crate::ops::{self, stage as ops_stage};
use crate::state::{StateRoot, settings};
use crate::tasks::TaskCtx;
use crate::tui::core::action::Action;
use crate::tui::effects::env::Env;
use crate::tui::features::stage::{StageFx, StageMsg, StageOp};
use crate::verbs;

/// Reads a context's stage object for the console (called with every load of a context).
pub fn load_config(root: &StateRoot, tx: &tokio::sync::mpsc::UnboundedSender<Action>, name: &str) {
    let config = match root
        .context(name)
        .and_then(|cd| settings::load(&cd))
        .and_then(|s| s.stage())
    {
        Ok(None) => None,
        Ok(Some(c)) => Some(Ok(c)),
        Err(e) => Some(Err(format!("error[{}]: {}", e.code, e.message))),
    };
    let _ = tx.send(Action::Stage(StageMsg::Loaded {
        context: name.to_string(),
        config,
    }));
}

pub fn apply(env: &Env, fx: StageFx) {
    match fx {
        StageFx::Refresh(name) => {
            let env = env.clone();
            tokio::spawn(async move { refresh(&env, &name).await });
        }
        StageFx::Load(name) => {
            let (root, tx) = (env.root.clone(), env.tx.clone());
            tokio::task::spawn_blocking(move || load_config(&root, &tx, &name));
        }
    }
}

fn with_frontend(mut m: Map<String, Value>) -> Map<String, Value> {
    m.insert("frontend".into(), "console".into());
    m
}

/// `stage status` with nothing shown but its result; audited like every read of a host.
async fn refresh(env: &Env, name: &str) {
    let started = Instant::now();
    let cd = match env.root.context(name) {
        Ok(cd) => cd,
        Err(e) => {
            let _ = env.tx.send(Action::Stage(StageMsg::Status {
                context: name.to_string(),
                result: Err(format!("error[{}]: {}", e.code, e.message)),
            }));
            return;
        }
    };
    let (result, fields) = match ops_stage::load(&cd) {
        Err(e) => (Err(e), Map::new()),
        Ok(st) => match env.pool.get(name, &st.host).await {
            Err(e) => (Err(e), Map::new()),
            Ok(t) => {
                let s = ops_stage::Session::new(
                    st.cfg.clone(),
                    t,
                    crate::remote::null_sink(),
                    Default::default(),
                );
                let r = ops_stage::status::status(&s).await;
                let fields = ops_stage::Outcome::new(&s, Ok(Map::new())).audit_fields(&st.cfg);
                (r, fields)
            }
        },
    };
    if let Err(e) = ops::audit::record(
        &cd,
        &env.operator,
        "stage status",
        result.is_ok(),
        started.elapsed(),
        with_frontend(fields),
        result.as_ref().err(),
    ) {
        tracing::error!("could not audit stage status: {}", e.message);
    }
    let _ = env.tx.send(Action::Stage(StageMsg::Status {
        context: name.to_string(),
        result: result.map_err(|e| format!("error[{}]: {}", e.code, e.message)),
    }));
}

/// Runs a stage action inside its task through the stage verb (the headless `stage` command's
/// one path): its live output into the task log as it is (all of it comes from the stage's one
/// host, so without a target prefix), then a refresh of the pane.
pub async fn execute(
    env: &Env,
    active: &str,
    op: &StageOp,
    ctx: &TaskCtx,
    scope: &verbs::Scope,
) -> Result<verbs::Outcome> {
    let mut scope = scope.clone();
    let task_sink = ctx.sink.clone();
    scope.progress.lines = Arc::new(move |_host, stream, line| task_sink(stream, line.to_string()));
    let result = verbs::stage::run(&scope, &op.input()).await;
    // What only the result holds (the stage object `configure --show` prints) goes into the
    // task's log as the headless command prints it.
    if op.action == crate::tui::features::stage::StageAction::Show
        && let Ok(o) = &result
    {
        for line in o.text.lines() {
            (ctx.sink)(crate::remote::Stream::Stdout, line.to_string());
        }
    }
    let env2 = env.clone();
    let name = active.to_string();
    tokio::spawn(async move { refresh(&env2, &name).await });
    result
}
