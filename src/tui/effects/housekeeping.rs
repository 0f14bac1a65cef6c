//! The console's lock housekeeping: a deploy lock released, through the same `ops` and state
//! functions as the headless command.

use serde_json::{Map, Value};

use super::super::action::Op;
use super::Env;
use crate::error::Result;
use crate::ops::deploy::lock;
use crate::tasks::TaskCtx;

/// Runs one housekeeping op; returns the task's result line.
pub(super) fn run(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let cd = env.root.context(active);
    match op {
        Op::LockRelease { app, force } => {
            crate::state::names::validate_app(app)?;
            let found = lock::release(&cd?, app, *force)?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("released".into(), found.is_some().into());
            let msg = match found {
                Some(f) => format!("deploy lock of {app} released (it was {})", f.describe()),
                None => format!("no deploy lock held for {app}"),
            };
            ctx.note(&msg);
            Ok(msg)
        }
        _ => Ok(String::new()),
    }
}
