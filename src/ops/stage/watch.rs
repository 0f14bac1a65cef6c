//! The stage's part of the scripted `check` (SPEC §15): for a staging context with a stage
//! object, `stage status` read from the host, failing on every broken security directive
//! (an instance reachable from outside the staging network, an address outside it, the host's
//! free disk below `min_host_free`). `check` folds a failure into its incident and alert.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Session, status};
use crate::policy::guard::{ContextClass, ContextPolicy};
use crate::remote::pool::Pool;
use crate::state::paths::ContextDir;
use crate::state::settings;

/// Whether the context has a stage to watch: a staging context whose `paasdeck.json` holds a
/// `stage` object (an invalid one too: that is a failure to report).
pub fn applies(cd: &ContextDir) -> bool {
    let staging = ContextPolicy::load(cd).is_ok_and(|p| p.class == ContextClass::Staging);
    staging
        && settings::load(cd)
            .map(|s| s.get("stage").is_some())
            .unwrap_or(true)
}

/// The verdict: `(true, summary)` when isolated, `(false, findings or the error)` otherwise.
pub async fn check(
    pool: &Pool,
    cd: &ContextDir,
    timeout: Duration,
    cancel: &CancellationToken,
) -> (bool, String) {
    let st = match super::load(cd) {
        Ok(st) => st,
        Err(e) => return (false, e.message),
    };
    let t = match pool.get(cd.name(), &st.host).await {
        Ok(t) => t,
        Err(e) => return (false, e.message),
    };
    let s = Session::new(
        st.cfg.clone(),
        t,
        crate::remote::null_sink(),
        cancel.clone(),
    );
    let found = match tokio::time::timeout(timeout.saturating_mul(3), status::status(&s)).await {
        Err(_) => {
            return (
                false,
                format!(
                    "stage status on {} did not finish within {}s",
                    st.cfg.host_target,
                    timeout.saturating_mul(3).as_secs()
                ),
            );
        }
        Ok(Err(e)) => return (false, e.message),
        Ok(Ok(found)) => found,
    };
    let findings = found.findings();
    if findings.is_empty() {
        (
            true,
            format!(
                "project {}: {} instance(s), nothing reachable from outside {}, host disk above min_host_free {}",
                found.project,
                found.rows.iter().filter(|r| r.state != "missing").count(),
                found.network,
                found.min_host_free
            ),
        )
    } else {
        (false, findings.join("; "))
    }
}
