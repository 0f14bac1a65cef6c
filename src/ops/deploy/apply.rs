//! Applying a plan: the deploy lock, the fan-out over targets (each run inline or as a console
//! task of its own), health-triggered rollback, history on full success, and the
//! `deployments.jsonl` row.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

pub use super::applied::{Applied, TargetReport};
use super::bundle::{self, Bundle};
use super::drift;
use super::output::OutputTails;
use super::{Kind, Plan, lock, migrate, remote};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::alert;
use crate::ops::redaction::Redacting;
use crate::ops::remediation::{self, Facts};
use crate::policy::redact::ValueRedactor;
use crate::remote::fanout::{self, Outcome, TargetStatus};
use crate::remote::pool::Pool;
use crate::remote::{BoxFuture, LineSink, Stream};
use crate::state::ids::{AppName, ReleaseId, RemoteDir};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;
use crate::state::vault::Vault;
use crate::state::vault::identity::Lazy;
use crate::state::{StateRoot, context, deployments};

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
    env: TargetEnv,
    target: Target,
}

/// A target's `.env` for the release and for the rollback candidate, decrypted in memory.
#[derive(Default, Clone)]
struct TargetEnv {
    release: String,
    candidate: Option<String>,
    /// Every value either `.env` holds, for the redactor of this target's output.
    values: Vec<String>,
}

fn env_for(
    vault: &Vault,
    ids: &mut Lazy,
    plan: &Plan,
    target: &str,
    b: &Bundle,
    values: &mut Vec<String>,
) -> Result<String> {
    let names = b.referenced_vars();
    let pairs = bundle::env_values(
        vault,
        ids,
        &plan.context,
        &plan.namespace,
        &plan.app,
        target,
        &names,
    )?;
    values.extend(pairs.iter().map(|(_, v)| v.clone()));
    // Names the stable project for tools that run compose in the release directory without
    // `-p` (si's logs, backup and reconcile do).
    let mut all = vec![("COMPOSE_PROJECT_NAME".to_string(), plan.project.clone())];
    all.extend(
        pairs
            .into_iter()
            .filter(|(k, _)| k != "COMPOSE_PROJECT_NAME"),
    );
    Ok(bundle::render_env(&all))
}

/// Cleans every remote line of this target's task of the values its `.env` receives: the new
/// release's and, when a failed health check can roll back, the candidate's. Lines are cleaned
/// before the sink sees them, so the task log, the printed output, the error tails that reach
/// events and audit rows, and the tracing log only ever hold the redacted text.
fn redactor_for(job: &TargetJob) -> ValueRedactor {
    ValueRedactor::new(&job.env.values)
}

/// Every target's `.env`, decrypted before any target is touched: a value that cannot be
/// decrypted (no identity, another identity, damaged ciphertext) stops the apply here.
fn resolve_envs(
    root: &StateRoot,
    cd: &ContextDir,
    vault: &Vault,
    plan: &Plan,
) -> Result<HashMap<String, TargetEnv>> {
    let mut ids = Lazy::new(root.path());
    let candidate = plan
        .rollback_candidate
        .as_ref()
        .filter(|_| plan.rollback_on_failure)
        .and_then(|r| {
            let app = AppName::parse(plan.app.as_str()).ok()?;
            bundle::load(cd, &app, &ReleaseId::parse(r.as_str()).ok()?).ok()
        });
    let mut out = HashMap::new();
    for t in &plan.targets {
        let mut values = Vec::new();
        let release = env_for(vault, &mut ids, plan, &t.name, &plan.bundle, &mut values)?;
        let candidate = match &candidate {
            Some(b) => Some(env_for(vault, &mut ids, plan, &t.name, b, &mut values)?),
            None => None,
        };
        let env = TargetEnv {
            release,
            candidate,
            values,
        };
        out.insert(t.name.to_string(), env);
    }
    Ok(out)
}

async fn run_target(
    job: TargetJob,
    sink: LineSink,
    cancel: CancellationToken,
) -> Outcome<TargetReport> {
    let started = Instant::now();
    let plan = job.plan.clone();
    let name = job.target.name.to_string();
    let report = |rolled_back_to: Option<String>, probes: u32| TargetReport {
        release: plan.release.clone(),
        rolled_back_to,
        health_probes: probes,
        duration_ms: started.elapsed().as_millis() as u64,
        si_stopped: None,
    };
    let mut facts = Facts::for_target(&plan.context, &job.target);
    facts.remote_root = Some(plan.layout.root.clone());
    if plan.kind == Kind::Deploy {
        facts.deploy_app = Some(plan.app.to_string());
    }
    let fail = |e: PaasError, probes: u32| {
        let e = remediation::refine(e, "", &facts);
        Outcome::failed(&name, e.with_target(&name), Some(report(None, probes)))
    };
    let t = match job.pool.get(&plan.context, &job.target).await {
        Ok(t) => Redacting::wrap(t, redactor_for(&job)),
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
    // An si release on this target is replaced, never rolled back onto: it keeps running
    // until the new release is healthy, and it is what runs if the new one is not.
    let si = migrate::si_on(&plan.si, &name);
    let si_here = match si {
        Some(si) => match migrate::si_present(&site, si).await {
            Ok(p) => p,
            Err(e) => return fail(e, 0),
        },
        None => false,
    };
    if let Err(e) =
        remote::apply_release(&site, &plan.bundle, &job.env.release, plan.apply_timeout).await
    {
        return fail(e, 0);
    }
    let unhealthy =
        match remote::wait_healthy(&site, &plan.release, &plan.bundle, &plan.health).await {
            Ok(probes) => {
                let mut r = report(None, probes);
                if let (true, Some(si)) = (si_here, si) {
                    r.si_stopped = Some(migrate::stop_si(&site, si).await);
                }
                return Outcome::ok(&name, r);
            }
            Err(e) if e.code == ErrorCode::HealthCheckFailed => e,
            Err(e) => return fail(e, 0),
        };
    if let (true, Some(si)) = (si_here, si) {
        return fail(
            migrate::withdraw(&site, &plan.bundle, si, unhealthy).await,
            0,
        );
    }
    if !plan.rollback_on_failure {
        return fail(unhealthy, 0);
    }
    roll_back(&job, &site, unhealthy, &facts, &report).await
}

/// After a failed health gate: the previous release (the plan's rollback candidate) applied
/// again on this target, or why that was not possible.
async fn roll_back(
    job: &TargetJob,
    site: &remote::Site<'_>,
    unhealthy: PaasError,
    facts: &Facts,
    report: &(dyn Fn(Option<String>, u32) -> TargetReport + Sync),
) -> Outcome<TargetReport> {
    let plan = &job.plan;
    let name = job.target.name.to_string();
    let sink = site.sink;
    let fail = |e: PaasError, probes: u32| {
        let e = remediation::refine(e, "", facts);
        Outcome::failed(&name, e.with_target(&name), Some(report(None, probes)))
    };
    let Some(candidate) = plan.rollback_candidate.clone() else {
        return fail(
            PaasError::new(
                ErrorCode::RollbackResolveFailed,
                "rollback_resolve",
                format!("{}; no earlier release of this app has a bundle here, so there is nothing to roll back to", unhealthy.message),
            )
            .with_remediation("fix the release and deploy again"),
            0,
        );
    };
    sink(
        Stream::Stdout,
        format!("» health failed; rolling back to {candidate}"),
    );
    let previous = match AppName::parse(plan.app.as_str())
        .and_then(|app| Ok((app, ReleaseId::parse(candidate.as_str())?)))
        .and_then(|(app, rel)| bundle::load(&job.cd, &app, &rel))
    {
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
    let env = job.env.candidate.as_deref().unwrap_or_default();
    match remote::apply_release(site, &previous, env, plan.apply_timeout).await {
        Ok(()) => {
            sink(Stream::Stdout, format!("» rolled back to {candidate}"));
            Outcome {
                target: name.clone(),
                status: TargetStatus::RolledBack,
                error: Some(remediation::refine(
                    PaasError::new(
                        ErrorCode::HealthCheckFailed,
                        "health_check",
                        format!("{}; rolled back to {candidate}", unhealthy.message),
                    )
                    .with_target(&name)
                    .with_remediation("read the target's output, fix the release and deploy again"),
                    "",
                    facts,
                )),
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

/// Refuses an apply while compose needs a variable that has no value (names only, never
/// values), before any lock is taken or target touched.
fn refuse_missing(root: &StateRoot, plan: &Plan, vault: &Vault) -> Result<()> {
    let names: Vec<String> = plan.targets.iter().map(|t| t.name.to_string()).collect();
    let missing = bundle::missing_vars(
        vault,
        &plan.context,
        &plan.namespace,
        &plan.app,
        &names,
        &plan.bundle.required_vars(),
    );
    if missing.is_empty() {
        return Ok(());
    }
    let set = missing
        .iter()
        .map(|n| {
            format!(
                "`{}`",
                crate::ops::cli_command(
                    root,
                    &plan.context,
                    &format!("secret set --app {} --name {n}", plan.app)
                )
            )
        })
        .collect::<Vec<_>>()
        .join(", then ");
    Err(PaasError::new(
        ErrorCode::SecretMissing,
        "secrets",
        format!(
            "{} {} needs {} variable(s) with no value and no default: {}; refusing to {} (nothing was changed on any target)",
            plan.kind.command(),
            plan.app,
            missing.len(),
            missing.join(", "),
            plan.kind.command()
        ),
    )
    .with_remediation(format!(
        "set each value (read from stdin or a hidden prompt): {set}; or give the variable a default in the compose file"
    )))
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
    let cd = root.context(&plan.context)?;
    let app = AppName::parse(plan.app.as_str())?;
    let release = ReleaseId::parse(plan.release.as_str())?;
    // `current_remote_dir` in si's meaning: the directory holding the release directories.
    let remote_root = RemoteDir::parse(plan.layout.releases_dir())?;
    // Read fresh: a secret may have been set (or unset) since the plan was made. Missing
    // values are refused before anything is decrypted, locked or touched.
    let vault = Vault::load(&context::vault_path(&cd))?;
    refuse_missing(root, &plan, &vault)?;
    let envs = resolve_envs(root, &cd, &vault, &plan).map_err(|e| PaasError {
        message: format!(
            "{} stopped before any target was touched: {}",
            plan.kind.command(),
            e.message
        ),
        ..e
    })?;
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
    let tails = OutputTails::default();
    let outcomes = fanout::execute(&plan.fanout, plan.continue_on_error, |name| {
        let Some(target) = plan.targets.iter().find(|t| t.name == name).cloned() else {
            // The fan-out plan is made from the same targets: this cannot name another.
            let e = PaasError::new(
                ErrorCode::TargetResolutionFailed,
                "target_resolve",
                format!("target {name} is not part of the plan"),
            );
            let out = Outcome::failed(&name, e, None);
            return Box::pin(async move { out }) as BoxFuture<'static, Outcome<TargetReport>>;
        };
        let job = TargetJob {
            pool: pool.clone(),
            cd: cd.clone(),
            plan: plan.clone(),
            env: envs.get(&name).cloned().unwrap_or_default(),
            target,
        };
        let (tails, named) = (tails.clone(), name.clone());
        executor.run(
            &name,
            Box::new(move |sink, cancel| {
                let sink = tails.tee(&named, sink);
                Box::pin(run_target(job, sink, cancel))
            }),
        )
    })
    .await;
    beat.abort();
    let error = fanout::aggregate_error(&outcomes);
    let mut recorded = false;
    let mut drift = None;
    if error.is_none() && !outcomes.is_empty() {
        deployments::record(&cd, &app, &release, &remote_root)?;
        recorded = true;
    } else if error.is_some() {
        // Not recorded: look again at what the touched targets actually run now.
        let touched: Vec<String> = outcomes
            .iter()
            .filter(|o| o.status != TargetStatus::Skipped)
            .map(|o| o.target.clone())
            .collect();
        drift = Some(drift::check(&pool, &plan, &touched).await);
    }
    let mut applied = Applied {
        plan: plan.clone(),
        outcomes,
        recorded,
        error,
        drift,
        incident: None,
        alert: None,
        output_tail: String::new(),
    };
    if applied.error.is_some() {
        let mut failed = applied.names_with(TargetStatus::Failed);
        failed.extend(applied.names_with(TargetStatus::RolledBack));
        applied.output_tail = tails.field(&failed);
    }
    applied.incident = super::record::record_event(&cd, operator, &applied)?.map(|f| f.id);
    drop(held);
    if let Some(e) = &applied.error {
        applied.alert = alert::raise_async(cd.clone(), super::failure::alert(&applied, e)).await;
    }
    Ok(applied)
}
