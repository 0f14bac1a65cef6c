//! Where an app's current release runs, from its record in `deployments.json`, whose
//! `current_remote_dir` has `si paas`'s meaning: the directory that holds the release
//! directories. paasdeck's releases lie in `<root>/<ctx>/<app>/releases/<release>` (recorded as
//! `<root>/<ctx>/<app>/releases`, beside a `current` link, one project `<ctx>-<app>`); si's in
//! `<current_remote_dir>/<release>`, one compose project per release directory; si's blue/green
//! releases (`si paas deploy bluegreen`, recorded in `bluegreen.json`) per target in
//! `<current_remote_dir>/bluegreen/<app>/<target>/<slot>/<release>`, project
//! `<app>-<target>-<slot>`. An app is read as blue/green while its current release is the
//! active slot's release on some target; each target then runs its own active slot's release
//! (a target where si's last blue/green deploy failed still runs the previous one).

use serde::Serialize;

use super::DEFAULT_REMOTE_ROOT;
use super::remote::{Layout, project_name};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::bluegreen;
use crate::state::deployments::{AppHistory, app_key};
use crate::state::ids::{AppName, ReleaseId, RemoteDir};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;

/// The app's current release and where it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "layout", rename_all = "lowercase")]
pub enum Location {
    Paasdeck {
        root: String,
        release: String,
        release_dir: String,
        project: String,
    },
    Si {
        releases_dir: String,
        release: String,
        release_dir: String,
        project: String,
    },
    #[serde(rename = "si-bluegreen")]
    SiBlueGreen {
        target: String,
        slot: String,
        release: String,
        release_dir: String,
        project: String,
    },
}

impl Location {
    pub fn release(&self) -> &str {
        match self {
            Location::Paasdeck { release, .. }
            | Location::Si { release, .. }
            | Location::SiBlueGreen { release, .. } => release,
        }
    }
    pub fn release_dir(&self) -> &str {
        match self {
            Location::Paasdeck { release_dir, .. }
            | Location::Si { release_dir, .. }
            | Location::SiBlueGreen { release_dir, .. } => release_dir,
        }
    }
    pub fn project(&self) -> &str {
        match self {
            Location::Paasdeck { project, .. }
            | Location::Si { project, .. }
            | Location::SiBlueGreen { project, .. } => project,
        }
    }
    pub fn is_si(&self) -> bool {
        matches!(self, Location::Si { .. } | Location::SiBlueGreen { .. })
    }
    pub fn layout_name(&self) -> &'static str {
        match self {
            Location::Paasdeck { .. } => "paasdeck",
            Location::Si { .. } => "si",
            Location::SiBlueGreen { .. } => "si-bluegreen",
        }
    }
}

/// What paasdeck records as `current_remote_dir` for a release under `root`.
pub fn releases_dir(root: &str, context: &str, app: &str) -> String {
    Layout {
        root: root.to_string(),
        context: context.to_string(),
        app: app.to_string(),
    }
    .releases_dir()
}

/// The paasdeck root a recorded directory belongs to, when it has paasdeck's shape
/// (`<root>/<ctx>/<app-key>/releases`).
pub fn paasdeck_root(recorded: &str, context: &str, app: &AppName) -> Option<String> {
    let suffix = format!("/{context}/{}/releases", app_key(app));
    let trimmed = recorded.trim_end_matches('/');
    let root = trimmed.strip_suffix(&suffix)?;
    Some(if root.is_empty() {
        "/".into()
    } else {
        root.to_string()
    })
}

/// The compose project docker compose derives from a directory name (what si's releases run
/// under): lowercase, only letters, digits, `-` and `_`.
pub fn si_project(release: &str) -> String {
    release
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// Where the current release of `app` runs; `None` when it has none.
/// An app without a current release: nothing runs to read, back up or restore into.
pub fn no_release(app: &str) -> PaasError {
    PaasError::new(
        ErrorCode::RollbackResolveFailed,
        "release_resolve",
        format!("app {app} has no release applied in this context yet"),
    )
    .with_remediation("deploy it first: `deploy --app APP --apply`")
}

pub fn current(context: &str, app: &AppName, h: &AppHistory) -> Result<Option<Location>> {
    let Some(release) = h.current_release.as_ref() else {
        return Ok(None);
    };
    let recorded = match &h.current_remote_dir {
        Some(d) => d.clone(),
        None => RemoteDir::parse(DEFAULT_REMOTE_ROOT)?,
    };
    Ok(Some(locate(context, app, &recorded, release)))
}

/// Where the current release of `app` runs on `target`: as [`current`], except for an app si
/// deploys blue/green, whose release on `target` is its active slot's (`None` when si's
/// blue/green deploys never reached that target).
pub fn on_target(
    cd: &ContextDir,
    app: &AppName,
    h: &AppHistory,
    target: &str,
) -> Result<Option<Location>> {
    let Some(base) = current(cd.name(), app, h)? else {
        return Ok(None);
    };
    let Location::Si { releases_dir, .. } = &base else {
        return Ok(Some(base));
    };
    let doc = bluegreen::load(cd)?;
    if !doc.is_active_release(app, base.release()) {
        return Ok(Some(base));
    }
    Ok(doc.active(app, target).map(|a| Location::SiBlueGreen {
        release_dir: bluegreen::release_dir(releases_dir, app, target, a.slot, a.release.as_str()),
        project: bluegreen::project(app, target, a.slot),
        slot: a.slot.as_str().to_string(),
        release: a.release.to_string(),
        target: target.to_string(),
    }))
}

/// For an app si deploys blue/green, where it runs on each target that has a slot (the
/// current target first); empty for any other app.
pub fn blue_green_targets(cd: &ContextDir, app: &AppName, h: &AppHistory) -> Result<Vec<Location>> {
    if !current(cd.name(), app, h)?.is_some_and(|l| matches!(l, Location::Si { .. })) {
        return Ok(Vec::new());
    }
    let doc = crate::state::targets::load(cd)?;
    let mut names: Vec<&Target> = doc.targets.iter().collect();
    names.sort_by_key(|t| !doc.is_current(t));
    let mut out = Vec::new();
    for t in names {
        if let Some(l @ Location::SiBlueGreen { .. }) = on_target(cd, app, h, &t.name)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// An app deployed blue/green by si that never ran on `target`.
pub fn no_release_on(app: &str, target: &str) -> PaasError {
    PaasError::new(
        ErrorCode::RollbackResolveFailed,
        "release_resolve",
        format!("app {app} has no blue/green release on target {target} (si's bluegreen.json names no slot there)"),
    )
    .with_remediation("name a target the app runs on with --target, or deploy it there first")
}

fn locate(context: &str, app: &AppName, recorded: &RemoteDir, release: &ReleaseId) -> Location {
    match paasdeck_root(recorded, context, app) {
        Some(root) => {
            let layout = Layout {
                root: root.clone(),
                context: context.to_string(),
                app: app.to_string(),
            };
            Location::Paasdeck {
                release_dir: layout.release_dir(release),
                root,
                release: release.to_string(),
                project: project_name(context, app),
            }
        }
        None => {
            let dir = recorded.trim_end_matches('/');
            Location::Si {
                release_dir: format!("{dir}/{release}"),
                releases_dir: recorded.to_string(),
                release: release.to_string(),
                project: si_project(release),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_from_the_record() {
        let app = AppName::parse("shop").unwrap();
        let rel = ReleaseId::parse("rel-20260217T020304-123456789").unwrap();
        let si = locate(
            "prod",
            &app,
            &RemoteDir::parse("/opt/si/paas/releases").unwrap(),
            &rel,
        );
        assert_eq!(
            si,
            Location::Si {
                releases_dir: "/opt/si/paas/releases".into(),
                release: rel.to_string(),
                release_dir: "/opt/si/paas/releases/rel-20260217T020304-123456789".into(),
                project: "rel-20260217t020304-123456789".into(),
            }
        );
        let recorded = releases_dir("/opt/si/paas/releases", "prod", "shop");
        assert_eq!(recorded, "/opt/si/paas/releases/prod/shop/releases");
        let pd = locate("prod", &app, &RemoteDir::parse(recorded).unwrap(), &rel);
        assert_eq!(
            pd,
            Location::Paasdeck {
                root: "/opt/si/paas/releases".into(),
                release: rel.to_string(),
                release_dir:
                    "/opt/si/paas/releases/prod/shop/releases/rel-20260217T020304-123456789".into(),
                project: "prod-shop".into(),
            }
        );
        // Another context's or app's paasdeck directory is not this app's.
        assert!(paasdeck_root("/r/other/shop/releases", "prod", &app).is_none());
        assert_eq!(
            paasdeck_root("/prod/shop/releases", "prod", &app).as_deref(),
            Some("/")
        );
    }
}
