//! The console's `target bootstrap`: the same op as headless, the password from the masked
//! form instead of an environment variable.

use serde_json::{Map, Value};

use super::Env;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::bootstrap::{self, BootstrapSpec, Password};
use crate::tasks::TaskCtx;
use crate::tui::core::action::Op;

/// Installs the key and switches the target; returns the task's result line.
pub(super) async fn run(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let Op::BootstrapTarget {
        target,
        public_key,
        password,
    } = op
    else {
        return Ok(String::new());
    };
    let cd = env.root.context(active)?;
    let spec = BootstrapSpec {
        target: target.clone(),
        password: Password::Typed(password.clone()),
        public_key: (!public_key.is_empty()).then(|| public_key.into()),
        timeout: bootstrap::DEFAULT_TIMEOUT,
    };
    fields.insert("target".into(), target.clone().into());
    ctx.note(format!(
        "installing the key on {target} over one password login…"
    ));
    // Cancelling drops the bootstrap, which ends its ssh child.
    let done = tokio::select! {
        r = bootstrap::bootstrap(&cd, &env.pool, &spec) => r?,
        _ = ctx.cancel.cancelled() => return Err(PaasError::new(
            ErrorCode::Cancelled,
            "bootstrap",
            "cancelled; the target keeps its password authentication",
        )),
    };
    let t = &done.target;
    fields.insert("auth_method".into(), t.auth_method.clone().into());
    fields.insert(
        "public_key".into(),
        done.public_key.display().to_string().into(),
    );
    let msg = format!(
        "target {} ({}) now uses key authentication with {}",
        t.name,
        t.address(),
        done.public_key.display()
    );
    ctx.note(&msg);
    Ok(msg)
}
