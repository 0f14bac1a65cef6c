//! Taking over an app that `si paas` deployed: its release keeps running in its own compose
//! project until paasdeck's release is healthy on the target, and is stopped only then; when
//! the new release is not healthy, the new project is taken down again and si's stays.

use std::time::Duration;

use serde::Serialize;

use super::bundle::{self, Bundle};
use super::location::{self, Location};
use super::remote::{Site, compose};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::quote::quote;
use crate::remote::{ExecRequest, Stream, capture};
use crate::state::deployments::AppHistory;
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;

/// An app's current release in si's layout (one compose project per release directory), or
/// for a blue/green app one target's active slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiRelease {
    pub release: String,
    pub dir: String,
    pub project: String,
    /// Its bundle's manifest when the bundle is here, else `compose.yaml`.
    pub compose_files: Vec<String>,
    /// The one target a blue/green slot runs on; `None`: every target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
}

impl SiRelease {
    /// Stops si's project in its release directory, if that directory is on the target.
    pub fn stop_command(&self) -> String {
        let dir = quote(&self.dir);
        format!(
            "if [ -f {dir}/compose.yaml ]; then cd {dir} && {} stop; else echo 'no si release directory here'; fi",
            compose(&self.project, &self.compose_files)
        )
    }

    /// `si's release R` or `si's green slot release R`.
    pub fn describe(&self) -> String {
        match &self.slot {
            Some(slot) => format!("si's {slot} slot release {}", self.release),
            None => format!("si's release {}", self.release),
        }
    }
}

/// The si release that runs on `target`, among the app's.
pub fn si_on<'a>(all: &'a [SiRelease], target: &str) -> Option<&'a SiRelease> {
    all.iter().find(|s| {
        s.target
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case(target))
    })
}

/// The app's current releases in si's layout: one for every target, or for a blue/green app
/// each target's active slot; empty when paasdeck deployed it.
pub(super) fn current_si_releases(
    cd: &ContextDir,
    app: &AppName,
    history: &AppHistory,
    targets: &[Target],
) -> Vec<SiRelease> {
    let Some(Location::Si { .. }) = location::current(cd.name(), app, history).ok().flatten()
    else {
        return Vec::new();
    };
    let of = |loc: &Location, target: Option<String>, slot: Option<String>| SiRelease {
        compose_files: match ReleaseId::parse(loc.release()) {
            Ok(r) => bundle::compose_files(cd, app, &r),
            Err(_) => vec![bundle::COMPOSE_NAME.to_string()],
        },
        release: loc.release().to_string(),
        dir: loc.release_dir().to_string(),
        project: loc.project().to_string(),
        target,
        slot,
    };
    let mut out = Vec::new();
    for t in targets {
        match location::on_target(cd, app, history, &t.name)
            .ok()
            .flatten()
        {
            Some(l @ Location::SiBlueGreen { .. }) => {
                let Location::SiBlueGreen { slot, .. } = &l else {
                    continue;
                };
                out.push(of(&l, Some(t.name.to_string()), Some(slot.clone())));
            }
            // Not blue/green: one si release for every target.
            Some(l @ Location::Si { .. }) => return vec![of(&l, None, None)],
            _ => {}
        }
    }
    out
}

/// How long each of these steps may take.
const STEP_LIMIT: Duration = Duration::from_secs(120);

/// Whether si's release directory is on this target.
pub async fn si_present(site: &Site<'_>, si: &SiRelease) -> Result<bool> {
    let out = capture(
        site.transport,
        ExecRequest::new(format!(
            "if [ -f {}/compose.yaml ]; then echo present; else echo absent; fi",
            quote(&si.dir)
        ))
        .timeout(Duration::from_secs(30)),
        site.cancel.clone(),
        4,
    )
    .await?;
    let present = out.code == 0 && out.stdout.iter().any(|l| l.trim() == "present");
    (site.sink)(
        Stream::Stdout,
        if present {
            format!(
                "» {} runs here (project {}); it stays up until the new release is healthy",
                si.describe(),
                si.project
            )
        } else {
            format!("» no si release directory {} here", si.dir)
        },
    );
    Ok(present)
}

async fn run(site: &Site<'_>, script: String) -> Result<(i32, String)> {
    let out = capture(
        site.transport,
        ExecRequest::new(script)
            .tied_to_session()
            .timeout(STEP_LIMIT),
        site.cancel.clone(),
        20,
    )
    .await?;
    for l in out.stdout.iter().chain(out.stderr.iter()) {
        (site.sink)(Stream::Stdout, l.clone());
    }
    Ok((out.code, out.tail(3)))
}

/// Stops si's project after the new release passed its health check. A failure is reported
/// (both projects then run) but does not undo the healthy release.
pub async fn stop_si(site: &Site<'_>, si: &SiRelease) -> bool {
    (site.sink)(
        Stream::Stdout,
        format!("» stopping si's project {} ({})", si.project, si.release),
    );
    match run(site, si.stop_command()).await {
        Ok((0, _)) => {
            (site.sink)(Stream::Stdout, format!("» {} stopped", si.describe()));
            true
        }
        Ok((code, tail)) => {
            (site.sink)(
                Stream::Stderr,
                format!(
                    "warning: stopping si's project {} failed (exit {code}): {tail}; both run now: stop it with `{}`",
                    si.project,
                    si.stop_command()
                ),
            );
            false
        }
        Err(e) => {
            (site.sink)(
                Stream::Stderr,
                format!(
                    "warning: stopping si's project {} failed: {}",
                    si.project, e.message
                ),
            );
            false
        }
    }
}

/// The new release was not healthy: takes its project down and removes the `current` link it
/// set, so si's release is the only one running, as before. Returns the error to report.
pub async fn withdraw(
    site: &Site<'_>,
    bundle: &Bundle,
    si: &SiRelease,
    unhealthy: PaasError,
) -> PaasError {
    let dir = site.layout.release_dir(&bundle.release);
    (site.sink)(
        Stream::Stdout,
        format!(
            "» health failed; taking the new project {} down, {} keeps running",
            site.project,
            si.describe()
        ),
    );
    let script = format!(
        "cd {dir} && {c} down --remove-orphans; rc=$?; if [ \"$(readlink {cur})\" = {link} ]; then rm -f {cur}; fi; exit $rc",
        dir = quote(&dir),
        c = compose(site.project, &bundle.compose_files),
        cur = quote(&site.layout.current()),
        link = quote(&format!("releases/{}", bundle.release)),
    );
    let undone = match run(site, script).await {
        Ok((0, _)) => String::new(),
        Ok((code, tail)) => {
            format!("; taking the new project down failed too (exit {code}): {tail}")
        }
        Err(e) => format!("; taking the new project down failed too: {}", e.message),
    };
    PaasError::new(
        ErrorCode::HealthCheckFailed,
        "health_check",
        format!(
            "{}; the new project was taken down and {} keeps running{undone}",
            unhealthy.message,
            si.describe()
        ),
    )
    .with_remediation("read the target's output, fix the release and deploy again")
}
