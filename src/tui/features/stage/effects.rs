//! Stage work for the console: reading the stage object, `stage status` in the background,
//! and clone/start/stop/reset as tasks (the same `ops::stage` functions the headless CLI
//! calls), each audited, each followed by a refresh of the Instances pane.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::error::{PaasError, Result};
use crate::ops::{self, stage as ops_stage};
use crate::remote::LineSink;
use crate::state::{StateRoot, settings};
use crate::tasks::TaskCtx;
use crate::tui::core::action::Action;
use crate::tui::effects::env::Env;
use crate::tui::features::stage::{StageAction, StageFx, StageMsg, StageOp};

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

/// Runs a stage action inside its task: live output into the task log (through the terminal
/// sanitiser), the audit fields of the headless command, then a refresh of the pane.
pub async fn execute(
    env: &Env,
    active: &str,
    op: &StageOp,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let cd = env.root.context(active)?;
    let st = ops_stage::load(&cd)?;
    let which = ops_stage::select(&st.cfg, &op.components)?;
    // One changing stage action per context at a time; waiting for it must not hold up the
    // console's other work.
    let lock_path = cd.locks_dir().join("stage.lock");
    let _lock = crate::tui::effects::env::off_thread("stage_lock", move || {
        crate::state::fsio::StateLock::acquire(&lock_path)
    })
    .await??;
    let task_sink = ctx.sink.clone();
    let sink: LineSink = Arc::new(move |stream, line: String| {
        task_sink(stream, crate::text::sanitize(&line).into_owned())
    });
    let transport = env.pool.get(active, &st.host).await?;
    let s = ops_stage::Session::new(st.cfg.clone(), transport, sink, ctx.cancel.clone());
    let result = match op.action {
        StageAction::Clone => ops_stage::run::clone(&s, &which).await,
        StageAction::Start => ops_stage::lifecycle::start(&s, &which).await,
        StageAction::Stop => ops_stage::lifecycle::stop(&s, &which).await,
        StageAction::Reset => match which.first() {
            Some(c) => ops_stage::lifecycle::reset(&s, c.as_str()).await,
            None => Err(PaasError::usage("stage_reset", "reset needs one component")),
        },
    };
    let outcome = ops_stage::Outcome::new(&s, result);
    fields.extend(outcome.audit_fields(&st.cfg));
    let env2 = env.clone();
    let name = active.to_string();
    tokio::spawn(async move { refresh(&env2, &name).await });
    match outcome.error {
        Some(e) => Err(e),
        None => Ok(format!(
            "{}: {} command(s) ran",
            op.title(),
            outcome.commands().len()
        )),
    }
}
