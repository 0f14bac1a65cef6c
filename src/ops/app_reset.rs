//! `app reset --app A`, its remote half: the app's compose project taken down with its volumes
//! (`docker compose down -v --remove-orphans` in the current release's directory, with the
//! release's project and files) on each of its targets. Deploying the release again on fresh
//! volumes is the deploy's own apply (`deploy::plan_redeploy`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::logs::ComposeAt;
use super::redaction::{self, Redacting};
use crate::error::Result;
use crate::policy::redact::ValueRedactor;
use crate::remote::pool::Pool;
use crate::remote::{ExecRequest, LineSink};
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::targets::{self, Target};
use crate::state::{apps, deployments};

/// How long one target's `down -v` may take.
pub const DOWN_TIMEOUT: Duration = Duration::from_secs(120);

/// One target's `down -v`.
#[derive(Debug, Clone)]
pub struct Down {
    pub target: Target,
    pub command: String,
    redactor: ValueRedactor,
}

/// What a reset takes down, and the release it deploys again.
#[derive(Debug, Clone)]
pub struct ResetPlan {
    pub app: AppName,
    pub release: ReleaseId,
    pub downs: Vec<Down>,
}

/// The app's targets (its registered ones, `all` resolved) and, on each, where its current
/// release runs. An app with no current release has nothing to reset.
pub fn plan(cd: &ContextDir, app: &str) -> Result<ResetPlan> {
    let name = AppName::parse(app)?;
    let entry = apps::load(cd)?
        .find(&name)
        .cloned()
        .ok_or_else(|| apps::not_found(app))?;
    let release = deployments::load(cd)?
        .app(&name)
        .and_then(|h| h.current_release.clone())
        .ok_or_else(|| super::deploy::location::no_release(&name))?;
    let wanted: Vec<String> = entry.targets.iter().map(|t| t.to_string()).collect();
    let vault = redaction::load_vault(cd)?;
    let mut downs = Vec::new();
    for target in targets::load(cd)?.select(&wanted)? {
        let at = ComposeAt::current(cd, &name, Some(target.name.as_str()))?;
        downs.push(Down {
            command: at.command(&["down".into(), "-v".into(), "--remove-orphans".into()]),
            redactor: redaction::app_values(cd, &vault, app, &target.name),
            target,
        });
    }
    Ok(ResetPlan {
        app: name,
        release,
        downs,
    })
}

/// Runs one target's `down -v`, its output to `sink`; a non-zero exit is an error naming the
/// target and the command's last stderr lines.
pub async fn down(
    pool: &Pool,
    context: &str,
    d: &Down,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<()> {
    let t = Redacting::wrap(pool.get(context, &d.target).await?, d.redactor.clone());
    let mut req = ExecRequest::new(d.command.clone());
    req.timeout = Some(DOWN_TIMEOUT);
    let exit = super::logs::exec_keeping_tail(t.as_ref(), req, sink, cancel).await?;
    match exit.failure(context, &d.target, "down -v", "app_reset_down") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
