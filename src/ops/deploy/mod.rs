//! Deploy and rollback: a local plan first (bundle, targets, fan-out, rollback candidate,
//! remote commands), guardrails before anything remote, then the apply through the fan-out
//! strategies with health polling and automatic rollback to the last release that was applied
//! successfully. History is recorded only after every target succeeded.

pub mod bundle;
pub mod lock;
pub mod remote;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use self::bundle::{Bundle, Magic};
use self::remote::{Health, Layout};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::fanout::{self, FanoutPlan, Outcome, Strategy, TargetStatus};
use crate::remote::pool::Pool;
use crate::remote::{BoxFuture, LineSink, Stream};
use crate::state::paths::{ContextDir, EventFile};
use crate::state::targets::Target;
use crate::state::vault::Vault;
use crate::state::{StateRoot, apps, clock, context, deployments, events, names, targets};

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
#[derive(Debug, Clone)]
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
}

impl Plan {
    pub fn commands(&self) -> Vec<String> {
        remote::commands(
            &self.layout,
            &self.project,
            &self.release,
            &self.env_names,
            &self.health,
        )
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
        if self.kind == Kind::Deploy {
            v.push(format!(
                "on health failure: {}",
                match (&self.rollback_on_failure, &self.rollback_candidate) {
                    (false, _) => "fail (rollback off)".to_string(),
                    (true, Some(r)) => format!("roll back to {r}"),
                    (true, None) => "fail: no release was applied successfully before".to_string(),
                }
            ));
        }
        v.push(format!(
            "compose project {} · sha256 {}",
            self.project,
            &self.bundle.sha256[..12.min(self.bundle.sha256.len())]
        ));
        for t in &self.targets {
            v.push(format!("{} ({}):", t.name, t.address()));
            v.extend(self.commands().into_iter().map(|c| format!("  {c}")));
        }
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
            "health_cmd": self.health.cmd,
            "health_timeout": humantime::format_duration(self.health.timeout).to_string(),
            "commands": self.commands(),
        })
    }
}

fn resolve_targets(cd: &ContextDir, spec: &Common, registered: &[String]) -> Result<Vec<Target>> {
    let doc = targets::load(cd)?;
    let wanted = if !spec.targets.is_empty() {
        spec.targets.clone()
    } else {
        registered.to_vec()
    };
    for w in &wanted {
        if !w.eq_ignore_ascii_case("all") {
            names::validate_target(w)?;
        }
    }
    doc.select(&wanted)
}

fn remote_root(spec: &Common, registered: Option<&str>, recorded: Option<&str>) -> Result<String> {
    let root = spec
        .remote_dir
        .clone()
        .or_else(|| registered.filter(|s| !s.is_empty()).map(str::to_string))
        .or_else(|| recorded.filter(|s| !s.is_empty()).map(str::to_string))
        .unwrap_or_else(|| DEFAULT_REMOTE_ROOT.to_string());
    names::validate_remote_dir(&root)?;
    Ok(root)
}

fn health(spec: &Common, registered: Option<&str>) -> Health {
    Health {
        cmd: spec
            .health_cmd
            .clone()
            .or_else(|| registered.filter(|s| !s.is_empty()).map(str::to_string)),
        timeout: spec.health_timeout,
    }
}

/// The release to return to when a new one fails its health check: the newest in the app's
/// history (the current release first) that was applied successfully and still has a bundle.
fn rollback_candidate(
    cd: &ContextDir,
    app: &str,
    h: &deployments::AppHistory,
    new: &str,
) -> Option<String> {
    let mut order = Vec::new();
    if !h.current_release.is_empty() {
        order.push(h.current_release.clone());
    }
    order.extend(h.history.iter().rev().cloned());
    order
        .into_iter()
        .filter(|r| r != new)
        .find(|r| bundle::load(cd, app, r).is_ok())
}

/// Plans a deploy: guardrail on the compose file, bundle written locally, nothing remote.
pub fn plan_deploy(cd: &ContextDir, spec: &DeploySpec) -> Result<Plan> {
    let c = &spec.common;
    names::validate_app(&c.app)?;
    let reg = apps::load(cd)?;
    let entry = reg.find(&c.app).cloned();
    let source = spec
        .compose_file
        .clone()
        .or_else(|| entry.as_ref().map(|e| PathBuf::from(&e.compose_file)))
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
    let registered_targets = entry
        .as_ref()
        .map(|e| e.targets.clone())
        .unwrap_or_default();
    let targets = resolve_targets(cd, c, &registered_targets)?;
    let history = deployments::load(cd)?
        .apps
        .get(&deployments::app_key(&c.app))
        .cloned()
        .unwrap_or_default();
    let release = bundle::new_release_id();
    let magic = Magic {
        app: c.app.clone(),
        context: cd.name().to_string(),
        release: release.clone(),
        targets: targets.iter().map(|t| t.name.clone()).collect(),
        strategy: c.strategy.as_str().to_string(),
        timestamp: clock::now_doc(),
    };
    let resolved = bundle::resolve_magic(&raw, &magic, &file)?;
    let env_names: Vec<String> = bundle::referenced_vars(&resolved).into_iter().collect();
    let bundle = bundle::create(cd, &source, &resolved, &magic, c.strategy.as_str())?;
    let root = remote_root(c, entry.as_ref().map(|e| e.remote_dir.as_str()), None)?;
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    Ok(Plan {
        kind: Kind::Deploy,
        context: cd.name().to_string(),
        app: c.app.clone(),
        from_release: Some(history.current_release.clone()).filter(|s| !s.is_empty()),
        rollback_candidate: rollback_candidate(cd, &c.app, &history, &release),
        release,
        bundle,
        fanout: FanoutPlan::new(c.strategy, &names, c.max_parallel),
        targets,
        strategy: c.strategy,
        max_parallel: c.max_parallel,
        continue_on_error: c.continue_on_error,
        rollback_on_failure: spec.rollback_on_failure,
        layout: Layout {
            root,
            context: cd.name().to_string(),
            app: c.app.clone(),
        },
        project: remote::project_name(cd.name(), &c.app),
        health: health(c, entry.as_ref().map(|e| e.health_cmd.as_str())),
        apply_timeout: c.apply_timeout,
        namespace: c.namespace.clone(),
        env_names,
    })
}

/// Plans a rollback to the named or the previous release; its bundle must exist locally.
pub fn plan_rollback(cd: &ContextDir, spec: &RollbackSpec) -> Result<Plan> {
    let c = &spec.common;
    names::validate_app(&c.app)?;
    let reg = apps::load(cd)?;
    let entry = reg.find(&c.app).cloned();
    let history = deployments::load(cd)?
        .apps
        .get(&deployments::app_key(&c.app))
        .cloned()
        .unwrap_or_default();
    let release = match &spec.to_release {
        Some(r) => {
            names::validate_app(r).map_err(|_| {
                PaasError::usage("flag_validation", format!("invalid release id {r:?}"))
            })?;
            r.clone()
        }
        None => history.previous().map(str::to_string).ok_or_else(|| {
            PaasError::new(
                ErrorCode::RollbackResolveFailed,
                "rollback_resolve",
                format!("app {} has no previous release to roll back to", c.app),
            )
            .with_remediation("pass --to-release explicitly, or deploy at least twice first")
        })?,
    };
    if release == history.current_release {
        return Err(PaasError::new(
            ErrorCode::RollbackResolveFailed,
            "rollback_resolve",
            format!(
                "release {release} is already the current release of {}",
                c.app
            ),
        ));
    }
    let bundle = bundle::load(cd, &c.app, &release)?;
    let registered_targets = entry
        .as_ref()
        .map(|e| e.targets.clone())
        .unwrap_or_default();
    let targets = resolve_targets(cd, c, &registered_targets)?;
    let root = remote_root(
        c,
        entry.as_ref().map(|e| e.remote_dir.as_str()),
        Some(history.current_remote_dir.as_str()),
    )?;
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    Ok(Plan {
        kind: Kind::Rollback,
        context: cd.name().to_string(),
        app: c.app.clone(),
        from_release: Some(history.current_release.clone()).filter(|s| !s.is_empty()),
        env_names: bundle::referenced_vars(&bundle.compose)
            .into_iter()
            .collect(),
        release,
        bundle,
        fanout: FanoutPlan::new(c.strategy, &names, c.max_parallel),
        targets,
        strategy: c.strategy,
        max_parallel: c.max_parallel,
        continue_on_error: c.continue_on_error,
        rollback_on_failure: false,
        rollback_candidate: None,
        layout: Layout {
            root,
            context: cd.name().to_string(),
            app: c.app.clone(),
        },
        project: remote::project_name(cd.name(), &c.app),
        health: health(c, entry.as_ref().map(|e| e.health_cmd.as_str())),
        apply_timeout: c.apply_timeout,
        namespace: c.namespace.clone(),
    })
}

/// What happened on one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub release: String,
    pub rolled_back_to: Option<String>,
    pub health_probes: u32,
    pub duration_ms: u64,
}

/// One target's work, handed a sink and a cancellation token by the executor.
pub type Work = Box<
    dyn FnOnce(LineSink, CancellationToken) -> BoxFuture<'static, Outcome<TargetReport>> + Send,
>;

/// Runs each target's work: inline (headless) or as a console task of its own.
pub trait Executor: Send + Sync {
    fn run(&self, target: &str, work: Work) -> BoxFuture<'static, Outcome<TargetReport>>;
}

/// Runs work inline with a per-target sink.
pub struct Inline {
    pub sink_for: Arc<dyn Fn(&str) -> LineSink + Send + Sync>,
    pub cancel: CancellationToken,
}

impl Executor for Inline {
    fn run(&self, target: &str, work: Work) -> BoxFuture<'static, Outcome<TargetReport>> {
        work((self.sink_for)(target), self.cancel.clone())
    }
}

struct TargetJob {
    pool: Arc<Pool>,
    cd: ContextDir,
    plan: Arc<Plan>,
    vault: Arc<Vault>,
    target: Target,
}

fn env_for(job: &TargetJob, b: &Bundle) -> String {
    let names = bundle::referenced_vars(&b.compose);
    bundle::render_env(&bundle::env_values(
        &job.vault,
        &job.plan.context,
        &job.plan.namespace,
        &job.plan.app,
        &job.target.name,
        &names,
    ))
}

async fn run_target(
    job: TargetJob,
    sink: LineSink,
    cancel: CancellationToken,
) -> Outcome<TargetReport> {
    let started = Instant::now();
    let plan = job.plan.clone();
    let name = job.target.name.clone();
    let report = |rolled_back_to: Option<String>, probes: u32| TargetReport {
        release: plan.release.clone(),
        rolled_back_to,
        health_probes: probes,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    let fail = |e: PaasError, probes: u32| {
        Outcome::failed(&name, e.with_target(&name), Some(report(None, probes)))
    };
    let t = match job.pool.get(&plan.context, &job.target).await {
        Ok(t) => t,
        Err(e) => return fail(e, 0),
    };
    sink(
        Stream::Stdout,
        format!(
            "» {} {} on {}",
            plan.kind.command(),
            plan.release,
            t.label()
        ),
    );
    let site = remote::Site {
        transport: t.as_ref(),
        layout: &plan.layout,
        project: &plan.project,
        sink: &sink,
        cancel: &cancel,
    };
    let env = env_for(&job, &plan.bundle);
    if let Err(e) = remote::apply_release(&site, &plan.bundle, &env, plan.apply_timeout).await {
        return fail(e, 0);
    }
    let unhealthy = match remote::wait_healthy(&site, &plan.release, &plan.health).await {
        Ok(probes) => return Outcome::ok(&name, report(None, probes)),
        Err(e) if e.code == ErrorCode::HealthCheckFailed => e,
        Err(e) => return fail(e, 0),
    };
    if !plan.rollback_on_failure {
        return fail(unhealthy, 0);
    }
    let Some(candidate) = plan.rollback_candidate.clone() else {
        return fail(
            PaasError::new(
                ErrorCode::RollbackResolveFailed,
                "rollback_resolve",
                format!("{}; no release was applied successfully before, so there is nothing to roll back to", unhealthy.message),
            )
            .with_remediation("fix the release and deploy again"),
            0,
        );
    };
    sink(
        Stream::Stdout,
        format!("» health failed; rolling back to {candidate}"),
    );
    let previous = match bundle::load(&job.cd, &plan.app, &candidate) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                PaasError {
                    code: ErrorCode::RollbackApplyFailed,
                    stage: "rollback_apply".into(),
                    ..e
                },
                0,
            );
        }
    };
    let env = env_for(&job, &previous);
    match remote::apply_release(&site, &previous, &env, plan.apply_timeout).await {
        Ok(()) => {
            sink(Stream::Stdout, format!("» rolled back to {candidate}"));
            Outcome {
                target: name.clone(),
                status: TargetStatus::RolledBack,
                error: Some(
                    PaasError::new(
                        ErrorCode::HealthCheckFailed,
                        "health_check",
                        format!("{}; rolled back to {candidate}", unhealthy.message),
                    )
                    .with_target(&name)
                    .with_remediation("read the target's output, fix the release and deploy again"),
                ),
                detail: Some(report(Some(candidate), 0)),
            }
        }
        Err(e) => fail(
            PaasError::new(
                ErrorCode::RollbackApplyFailed,
                "rollback_apply",
                format!(
                    "{}; rolling back to {candidate} failed too: {}",
                    unhealthy.message, e.message
                ),
            ),
            0,
        ),
    }
}

/// The result of an apply.
pub struct Applied {
    pub plan: Arc<Plan>,
    pub outcomes: Vec<Outcome<TargetReport>>,
    /// Whether the release was recorded as current (every target ok).
    pub recorded: bool,
    pub error: Option<PaasError>,
}

impl Applied {
    pub fn names_with(&self, status: TargetStatus) -> Vec<String> {
        self.outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.target.clone())
            .collect()
    }
}

/// Applies a plan: takes the deploy lock, fans out, records history on full success, appends
/// the `deployments.jsonl` row. Only guardrail failures (the lock) return `Err`.
pub async fn apply(
    pool: Arc<Pool>,
    root: &StateRoot,
    plan: Arc<Plan>,
    executor: &dyn Executor,
    operator: &str,
) -> Result<Applied> {
    let cd = root.context(&plan.context);
    let message = match plan.kind {
        Kind::Deploy => format!("deploy {}", plan.release),
        Kind::Rollback => format!("rollback to {}", plan.release),
    };
    let held = Arc::new(std::sync::Mutex::new(lock::acquire(
        &cd, &plan.app, operator, &message, false,
    )?));
    let beat = {
        let held = held.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                if let Ok(mut h) = held.lock() {
                    h.heartbeat();
                }
            }
        })
    };
    let cfg = context::load(&cd)?;
    let vault = Arc::new(Vault::load(&context::vault_path(&cd, cfg.as_ref()))?);
    let outcomes = fanout::execute(&plan.fanout, plan.continue_on_error, |name| {
        let job = TargetJob {
            pool: pool.clone(),
            cd: cd.clone(),
            plan: plan.clone(),
            vault: vault.clone(),
            target: plan
                .targets
                .iter()
                .find(|t| t.name == name)
                .cloned()
                .unwrap_or_default(),
        };
        executor.run(
            &name,
            Box::new(move |sink, cancel| Box::pin(run_target(job, sink, cancel))),
        )
    })
    .await;
    beat.abort();
    let error = fanout::aggregate_error(&outcomes);
    let mut recorded = false;
    if error.is_none() && !outcomes.is_empty() {
        deployments::record(&cd, &plan.app, &plan.release, &plan.layout.root)?;
        recorded = true;
    }
    let applied = Applied {
        plan: plan.clone(),
        outcomes,
        recorded,
        error,
    };
    record_event(&cd, operator, &applied)?;
    drop(held);
    Ok(applied)
}

fn event_row(plan: &Plan, operator: &str, status: &str) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("timestamp".into(), clock::now_event().into());
    row.insert("context".into(), plan.context.clone().into());
    row.insert("source".into(), "deploy".into());
    row.insert("command".into(), plan.kind.command().into());
    row.insert("status".into(), status.into());
    row.insert("operator".into(), operator.into());
    row.insert("app".into(), plan.app.clone().into());
    row.insert("release".into(), plan.release.clone().into());
    if let Some(f) = &plan.from_release {
        row.insert("from_release".into(), f.clone().into());
    }
    row.insert("strategy".into(), plan.strategy.as_str().into());
    row.insert("fanout_plan".into(), plan.fanout.summary().into());
    row.insert("project".into(), plan.project.clone().into());
    row.insert("remote_dir".into(), plan.layout.root.clone().into());
    row
}

/// The `deployments.jsonl` row of an apply.
fn record_event(cd: &ContextDir, operator: &str, a: &Applied) -> Result<()> {
    let mut row = event_row(
        &a.plan,
        operator,
        if a.error.is_none() {
            "succeeded"
        } else {
            "failed"
        },
    );
    row.insert(
        "target_statuses".into(),
        fanout::statuses(&a.outcomes).into(),
    );
    for (key, status) in [
        ("applied_targets", TargetStatus::Ok),
        ("failed_targets", TargetStatus::Failed),
        ("rolled_back_targets", TargetStatus::RolledBack),
        ("skipped_targets", TargetStatus::Skipped),
    ] {
        row.insert(key.into(), a.names_with(status).join(",").into());
    }
    if let Some(e) = &a.error {
        events::insert_error(&mut row, e);
    }
    events::append(cd, EventFile::Deployments, row)
}

/// The row of a plan-only deploy: nothing remote happened.
pub fn record_planned(cd: &ContextDir, operator: &str, plan: &Plan) -> Result<()> {
    let mut row = event_row(plan, operator, "planned");
    row.insert("severity".into(), "info".into());
    row.insert("apply".into(), false.into());
    events::append(cd, EventFile::Deployments, row)
}
