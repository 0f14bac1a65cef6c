//! Deploy and rollback: a local plan first (bundle, targets, fan-out, rollback candidate,
//! remote commands), guardrails before anything remote, then the apply through the fan-out
//! strategies with health polling and automatic rollback to the last release that was applied
//! successfully. History is recorded only after every target succeeded.

mod applied;
mod apply;
pub mod bundle;
pub mod compose;
pub mod drift;
mod failure;
pub mod health;
pub mod location;
pub mod lock;
mod migrate;
mod output;
mod record;
mod redeploy;
pub use migrate::{SiRelease, si_on};
pub mod remote;
pub mod vars;

pub use apply::{Applied, Executor, Inline, TargetReport, Work, apply};
pub use record::record_planned;
pub use redeploy::plan_redeploy;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use self::bundle::{Bundle, Magic};
use self::remote::{Health, Layout};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::fanout::{FanoutPlan, Strategy};
use crate::state::ids::{AppName, ReleaseId, RemoteDir};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;
use crate::state::vault::Vault;
use crate::state::{apps, clock, context, deployments, names, targets};

pub const DEFAULT_REMOTE_ROOT: &str = "/opt/si/paas/releases";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deploy,
    Rollback,
}

impl Kind {
    pub fn command(self) -> &'static str {
        match self {
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
        }
    }
}

/// Shared by deploy and rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    pub app: String,
    /// Target names or `all`; empty: the app's registered targets, else the current target.
    pub targets: Vec<String>,
    pub strategy: Strategy,
    pub max_parallel: usize,
    pub continue_on_error: bool,
    pub health_timeout: Duration,
    pub health_cmd: Option<String>,
    pub remote_dir: Option<String>,
    pub namespace: String,
    pub apply_timeout: Duration,
}

impl Common {
    /// The defaults: the app's own targets, serial, health within 45 s, 2 min per apply.
    pub fn new(app: &str) -> Common {
        Common {
            app: app.to_string(),
            targets: Vec::new(),
            strategy: Strategy::Serial,
            max_parallel: 1,
            continue_on_error: false,
            health_timeout: Duration::from_secs(45),
            health_cmd: None,
            remote_dir: None,
            namespace: String::new(),
            apply_timeout: Duration::from_secs(120),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeploySpec {
    pub common: Common,
    pub compose_file: Option<PathBuf>,
    pub rollback_on_failure: bool,
}

#[derive(Debug, Clone)]
pub struct RollbackSpec {
    pub common: Common,
    pub to_release: Option<String>,
}

/// Everything an apply will do, decided locally.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: Kind,
    pub context: String,
    pub app: String,
    pub release: String,
    /// The app's current release before this operation.
    pub from_release: Option<String>,
    pub bundle: Bundle,
    pub targets: Vec<Target>,
    pub strategy: Strategy,
    pub max_parallel: usize,
    pub continue_on_error: bool,
    pub fanout: FanoutPlan,
    pub rollback_on_failure: bool,
    pub rollback_candidate: Option<String>,
    pub layout: Layout,
    pub project: String,
    pub health: Health,
    pub apply_timeout: Duration,
    pub namespace: String,
    pub env_names: Vec<String>,
    /// Variables compose needs (no default) that have no value in the vault for some target:
    /// an apply refuses with `PAAS_SECRET_MISSING` while any is missing.
    pub missing_env: Vec<String>,
    /// The si releases the app runs now, when si deployed it (one for every target, or each
    /// target's blue/green slot): stopped on a target only after the new release is healthy
    /// there.
    pub si: Vec<SiRelease>,
}

impl Plan {
    pub fn commands(&self) -> Vec<String> {
        let mut v = remote::commands(
            &self.layout,
            &self.project,
            &self.bundle,
            &self.env_names,
            &self.health,
        );
        for si in &self.si {
            v.push(format!(
                "once healthy{}, stop si's project {} ({}): {}",
                si.target
                    .as_deref()
                    .map(|t| format!(" on {t}"))
                    .unwrap_or_default(),
                si.project,
                si.release,
                si.stop_command()
            ));
        }
        v
    }

    /// Human lines: what, where, how, and the exact remote commands.
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![match self.kind {
            Kind::Deploy => format!(
                "deploy {} release {} to {} target(s)",
                self.app,
                self.release,
                self.targets.len()
            ),
            Kind::Rollback => format!(
                "roll {} back: {} → {}",
                self.app,
                self.from_release.clone().unwrap_or_else(|| "(none)".into()),
                self.release
            ),
        }];
        v.push(format!(
            "plan: {} ({}, max parallel {}{})",
            self.fanout.summary(),
            self.strategy.as_str(),
            self.max_parallel,
            if self.continue_on_error {
                ", continue on error"
            } else {
                ""
            }
        ));
        for si in &self.si {
            v.push(format!(
                "running now{}: {} (compose project {} in {}); it is stopped once the new release is healthy there, and keeps running if it is not",
                si.target
                    .as_deref()
                    .map(|t| format!(" on {t}"))
                    .unwrap_or_default(),
                si.describe(),
                si.project,
                si.dir
            ));
        }
        if self.kind == Kind::Deploy {
            v.push(format!(
                "on health failure: {}",
                match (&self.rollback_on_failure, &self.rollback_candidate) {
                    _ if !self.si.is_empty() => "stop the new project; si's release keeps running (where si's release is not on a target, as below)".to_string(),
                    (false, _) => "fail (rollback off)".to_string(),
                    (true, Some(r)) => format!("roll back to {r}"),
                    (true, None) => "fail: no earlier release has a bundle here to roll back to".to_string(),
                }
            ));
        }
        v.push(format!(
            "health: {} within {}",
            self.health
                .cmd
                .as_deref()
                .map(|c| format!("`{c}` succeeds"))
                .unwrap_or_else(|| "every service running, none unhealthy".into()),
            humantime::format_duration(self.health.timeout)
        ));
        v.push(format!(
            "compose project {} · sha256 {}",
            self.project,
            &self.bundle.sha256[..12.min(self.bundle.sha256.len())]
        ));
        v.push(format!(
            "targets: {}",
            self.targets
                .iter()
                .map(|t| format!("{} ({})", t.name, t.address()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !self.missing_env.is_empty() {
            v.push(format!(
                "MISSING secrets (no value, no default): {}; the apply will refuse until they are set",
                self.missing_env.join(", ")
            ));
        }
        let dir = self.layout.release_dir(&self.release);
        let quoted = crate::remote::quote::quote(&dir);
        v.push(format!("on each target, with RELEASE_DIR={quoted}:"));
        v.extend(
            self.commands()
                .into_iter()
                .map(|c| format!("  {}", c.replace(&quoted, "\"$RELEASE_DIR\""))),
        );
        v
    }

    pub fn json(&self) -> Value {
        json!({
            "app": self.app,
            "release": self.release,
            "from_release": self.from_release,
            "bundle_dir": self.bundle.dir.display().to_string(),
            "compose_sha256": self.bundle.sha256,
            "targets": self.targets.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            "strategy": self.strategy.as_str(),
            "max_parallel": self.max_parallel,
            "continue_on_error": self.continue_on_error,
            "fanout_plan": self.fanout.summary(),
            "rollback_on_failure": self.rollback_on_failure,
            "rollback_candidate": self.rollback_candidate,
            "project": self.project,
            "remote_dir": self.layout.root,
            "release_dir": self.layout.release_dir(&self.release),
            "env_keys": self.env_names,
            "missing_env": self.missing_env,
            "health_cmd": self.health.cmd,
            "health_timeout": humantime::format_duration(self.health.timeout).to_string(),
            "commands": self.commands(),
            "si_release": self.si.first(),
            "si_releases": self.si,
        })
    }
}

/// What both planners read about an app: its registry entry, its history, its targets.
struct AppState {
    context: String,
    app: AppName,
    entry: Option<apps::App>,
    history: deployments::AppHistory,
    targets: Vec<Target>,
}

fn app_state(cd: &ContextDir, c: &Common) -> Result<AppState> {
    let app = AppName::parse(c.app.as_str())?;
    let entry = apps::load(cd)?.find(&app).cloned();
    let history = deployments::load(cd)?
        .app(&app)
        .cloned()
        .unwrap_or_default();
    let wanted: Vec<String> = if !c.targets.is_empty() {
        c.targets.clone()
    } else {
        entry
            .as_ref()
            .map(|e| e.targets.iter().map(String::from).collect())
            .unwrap_or_default()
    };
    for w in &wanted {
        if !w.eq_ignore_ascii_case("all") {
            names::validate_target(w)?;
        }
    }
    let targets = targets::load(cd)?.select(&wanted)?;
    Ok(AppState {
        context: cd.name().to_string(),
        app,
        entry,
        history,
        targets,
    })
}

impl AppState {
    /// `--remote-dir`, else the app's registered one, else (for a rollback) the one the
    /// current release went to, else the default.
    fn remote_root(&self, c: &Common, recorded: bool) -> Result<RemoteDir> {
        if let Some(d) = c.remote_dir.as_deref().filter(|d| !d.is_empty()) {
            return RemoteDir::parse(d);
        }
        let registered = self.entry.as_ref().and_then(|e| e.remote_dir.clone());
        // The root of a release paasdeck recorded (an si release directory is not a root).
        let recorded = recorded
            .then_some(self.history.current_remote_dir.as_ref())
            .flatten()
            .and_then(|d| location::paasdeck_root(d, &self.context, &self.app))
            .map(RemoteDir::parse)
            .transpose()?;
        match registered.or(recorded) {
            Some(d) => Ok(d),
            None => RemoteDir::parse(DEFAULT_REMOTE_ROOT),
        }
    }

    fn health(&self, c: &Common) -> Health {
        let registered = self.entry.as_ref().map(|e| e.health_cmd.clone());
        Health {
            cmd: [c.health_cmd.clone(), registered]
                .into_iter()
                .flatten()
                .find(|h| !h.is_empty()),
            timeout: c.health_timeout,
        }
    }

    fn plan(
        self,
        kind: Kind,
        cd: &ContextDir,
        c: &Common,
        bundle: Bundle,
        root: RemoteDir,
    ) -> Result<Plan> {
        let health = self.health(c);
        let si = migrate::current_si_releases(cd, &self.app, &self.history, &self.targets);
        let names: Vec<String> = self.targets.iter().map(|t| t.name.to_string()).collect();
        let vault = Vault::load(&context::vault_path(cd))?;
        let missing_env = bundle::missing_vars(
            &vault,
            cd.name(),
            &c.namespace,
            &c.app,
            &names,
            &bundle.required_vars(),
        );
        Ok(Plan {
            missing_env,
            kind,
            context: cd.name().to_string(),
            app: self.app.to_string(),
            release: bundle.release.clone(),
            from_release: self.history.current_release.as_ref().map(String::from),
            env_names: bundle.referenced_vars().into_iter().collect(),
            bundle,
            fanout: FanoutPlan::new(c.strategy, &names, c.max_parallel),
            targets: self.targets,
            strategy: c.strategy,
            max_parallel: c.max_parallel,
            continue_on_error: c.continue_on_error,
            rollback_on_failure: false,
            rollback_candidate: None,
            layout: Layout {
                root: root.to_string(),
                context: cd.name().to_string(),
                app: self.app.to_string(),
            },
            project: remote::project_name(cd.name(), &self.app),
            health,
            apply_timeout: c.apply_timeout,
            namespace: c.namespace.clone(),
            si,
        })
    }
}

/// Where an app lives on its targets and what is recorded about it, for reading what runs there
/// (`deploy reconcile`): its targets, the recorded current release, and the remote layout.
#[derive(Debug, Clone)]
pub struct AppSite {
    pub app: AppName,
    pub recorded: Option<ReleaseId>,
    pub targets: Vec<Target>,
    pub layout: Layout,
    pub project: String,
    /// The recorded release's compose files (its bundle's manifest, else `compose.yaml`).
    pub compose_files: Vec<String>,
    /// The recorded release, when si deployed it: it runs in si's layout and project (for a
    /// blue/green app, each target's active slot).
    pub si: Vec<SiRelease>,
}

pub fn app_site(cd: &ContextDir, c: &Common) -> Result<AppSite> {
    let state = app_state(cd, c)?;
    let root = state.remote_root(c, true)?;
    Ok(AppSite {
        layout: Layout {
            root: root.to_string(),
            context: cd.name().to_string(),
            app: state.app.to_string(),
        },
        project: remote::project_name(cd.name(), &state.app),
        compose_files: match &state.history.current_release {
            Some(r) => bundle::compose_files(cd, &state.app, r),
            None => vec![bundle::COMPOSE_NAME.to_string()],
        },
        si: migrate::current_si_releases(cd, &state.app, &state.history, &state.targets),
        recorded: state.history.current_release.clone(),
        targets: state.targets,
        app: state.app,
    })
}

/// The release to return to when a new one fails its health check: the newest in the app's
/// history (the current release first) that was applied successfully and still has a bundle.
fn rollback_candidate(
    cd: &ContextDir,
    app: &AppName,
    h: &deployments::AppHistory,
    new: &ReleaseId,
) -> Option<String> {
    h.current_release
        .iter()
        .chain(h.history.iter().rev())
        .filter(|r| *r != new)
        .find(|r| bundle::load(cd, app, r).is_ok())
        .map(String::from)
}

/// Plans a deploy: guardrail on the compose file, bundle written locally, nothing remote.
pub fn plan_deploy(cd: &ContextDir, spec: &DeploySpec) -> Result<Plan> {
    let c = &spec.common;
    let state = app_state(cd, c)?;
    let source = spec
        .compose_file
        .clone()
        .or_else(|| state.entry.as_ref().map(|e| PathBuf::from(&e.compose_file)))
        .ok_or_else(|| {
            PaasError::usage(
                "flag_validation",
                format!(
                    "app {} is not registered and no --compose-file was given",
                    c.app
                ),
            )
            .with_remediation(
                "register it with `app add --name APP --compose-file F`, or pass --compose-file",
            )
        })?;
    let source = crate::state::paths::absolute(&source);
    let raw = std::fs::read_to_string(&source).map_err(|e| {
        PaasError::new(
            ErrorCode::InvalidArgument,
            "compose_read",
            format!("cannot read the compose file {}: {e}", source.display()),
        )
    })?;
    let file = source.display().to_string();
    bundle::secret_guardrail(&raw, &file)?;
    let root = state.remote_root(c, false)?;
    let release = bundle::new_release_id();
    let magic = Magic {
        app: state.app.to_string(),
        context: cd.name().to_string(),
        release: release.to_string(),
        targets: state.targets.iter().map(|t| t.name.to_string()).collect(),
        strategy: c.strategy.as_str().to_string(),
        timestamp: clock::now_doc(),
    };
    let resolved = bundle::resolve_magic(&raw, &magic, &file)?;
    let candidate = rollback_candidate(cd, &state.app, &state.history, &release);
    let addon_files = compose::prepare_addons(cd, &state.app, &resolved, &file, &magic)?;
    let bundle = bundle::create(
        cd,
        &source,
        &resolved,
        &addon_files,
        &magic,
        c.strategy.as_str(),
    )?;
    Ok(Plan {
        rollback_on_failure: spec.rollback_on_failure,
        rollback_candidate: candidate,
        ..state.plan(Kind::Deploy, cd, c, bundle, root)?
    })
}

/// Plans a rollback to the named or the previous release; its bundle must exist locally.
pub fn plan_rollback(cd: &ContextDir, spec: &RollbackSpec) -> Result<Plan> {
    let c = &spec.common;
    let state = app_state(cd, c)?;
    let history = &state.history;
    let release = match &spec.to_release {
        Some(r) => ReleaseId::parse(r.as_str())?,
        None => history.previous().cloned().ok_or_else(|| {
            PaasError::new(
                ErrorCode::RollbackResolveFailed,
                "rollback_resolve",
                format!("app {} has no previous release to roll back to", c.app),
            )
            .with_remediation("pass --to-release explicitly, or deploy at least twice first")
        })?,
    };
    // Named explicitly, the current release is applied again: it brings the recorded release
    // back where a target drifted or a failed deploy left another one running.
    if spec.to_release.is_none() && history.current_release.as_ref() == Some(&release) {
        return Err(PaasError::new(
            ErrorCode::RollbackResolveFailed,
            "rollback_resolve",
            format!(
                "release {release} is already the current release of {}",
                c.app
            ),
        ));
    }
    let bundle = bundle::load(cd, &state.app, &release)?;
    let root = state.remote_root(c, true)?;
    state.plan(Kind::Rollback, cd, c, bundle, root)
}
