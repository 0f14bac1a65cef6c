//! The current release deployed again, as it is (its bundle unchanged): what `app reset` applies
//! after taking the app down with its volumes.

use super::{Common, Kind, Plan, app_state, bundle, location};
use crate::error::Result;
use crate::state::paths::ContextDir;

/// Plans a deploy of the app's current release from its local bundle, to the app's targets.
pub fn plan_redeploy(cd: &ContextDir, c: &Common) -> Result<Plan> {
    let state = app_state(cd, c)?;
    let release = state
        .history
        .current_release
        .clone()
        .ok_or_else(|| location::no_release(&state.app))?;
    let bundle = bundle::load(cd, &state.app, &release)?;
    let root = state.remote_root(c, true)?;
    state.plan(Kind::Deploy, cd, c, bundle, root)
}
