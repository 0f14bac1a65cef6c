//! `stage`: a staging environment as an isolated incus project cloned from production on one
//! host (SPEC §14, STAGE-GBO). Every step runs over the host target's transport, is streamed
//! live to a line sink, and is recorded for the result and the audit row.

pub mod alarm;
pub mod exposure;
pub mod host;
pub mod incus;
pub mod interfaces;
pub mod lifecycle;
pub mod plan;
pub mod run;
mod session;
pub mod status;
pub mod watch;
pub mod wipe;

use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::guard::{ContextClass, ContextPolicy};
use crate::state::paths::ContextDir;
use crate::state::stage::{IncusName, StageConfig};
use crate::state::targets::Target;
use crate::state::{context, settings, targets};
pub use session::{Observe, Session, StepRecord, StepStatus};

/// A staging context's stage, ready to act on.
#[derive(Debug, Clone)]
pub struct Stage {
    pub context: String,
    pub cfg: StageConfig,
    pub host: Target,
}

/// Reads and checks everything a stage action needs before it may touch the host: a staging
/// context, a valid `stage` object (whose project is never production), its host target.
pub fn load(cd: &ContextDir) -> Result<Stage> {
    context::require(cd)?;
    let policy = ContextPolicy::load(cd)?;
    require_staging(cd.name(), &policy)?;
    let cfg = settings::load(cd)?.stage()?.ok_or_else(|| {
        PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_config",
            format!("context {:?} has no stage object yet", cd.name()),
        )
        .as_usage()
        .with_remediation(format!(
            "write one with `paasdeck --context {} stage configure --from-file stage.json` (docs/stage.md shows a complete one)",
            cd.name()
        ))
    })?;
    let host = host_target(cd, &cfg)?;
    Ok(Stage {
        context: cd.name().to_string(),
        cfg,
        host,
    })
}

/// Stage commands belong to staging contexts only.
pub fn require_staging(name: &str, policy: &ContextPolicy) -> Result<()> {
    if policy.class == ContextClass::Staging {
        return Ok(());
    }
    Err(PaasError::new(
        ErrorCode::ContextGuard,
        "context_guard",
        format!(
            "context {name:?} is of type {}; stage commands run only in a staging context",
            policy.kind
        ),
    )
    .with_remediation(
        "create a staging context with `paasdeck context init NAME --type staging` and configure its stage there",
    ))
}

/// The target named `host_target` (targets are validated when `targets.json` is read).
pub fn host_target(cd: &ContextDir, cfg: &StageConfig) -> Result<Target> {
    let doc = targets::load(cd)?;
    doc.find(cfg.host_target.as_str()).cloned().ok_or_else(|| {
        PaasError::new(
            ErrorCode::TargetResolutionFailed,
            "target_resolve",
            format!(
                "the stage's host_target {:?} is not a target of context {:?}",
                cfg.host_target.as_str(),
                cd.name()
            ),
        )
        .with_target(cfg.host_target.as_str())
        .with_remediation(format!(
            "add it with `paasdeck --context {} target add --name {} --host H --user U` (or --auth-method local)",
            cd.name(),
            cfg.host_target
        ))
    })
}

/// The result of a stage action.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub steps: Vec<StepRecord>,
    pub error: Option<PaasError>,
    /// Action-specific results (status rows, plan details).
    pub data: Map<String, Value>,
}

impl Outcome {
    pub fn new(s: &Session, result: Result<Map<String, Value>>) -> Outcome {
        let (data, error) = match result {
            Ok(d) => (d, None),
            Err(e) => (Map::new(), Some(e)),
        };
        Outcome {
            steps: s.steps(),
            error,
            data,
        }
    }

    /// The commands that changed something, as run.
    pub fn commands(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|r| r.mutating && r.status != StepStatus::Skipped)
            .map(|r| r.command.clone())
            .collect()
    }

    /// Components a changing command touched, in order.
    pub fn components(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.steps.iter().filter(|r| r.mutating) {
            if !r.component.is_empty() && !out.contains(&r.component) {
                out.push(r.component.clone());
            }
        }
        out
    }

    /// Fields of the audit row: the project, the components and every command that ran.
    pub fn audit_fields(&self, cfg: &StageConfig) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("project".into(), cfg.project.as_str().into());
        m.insert("host_target".into(), cfg.host_target.clone().into());
        m.insert("components".into(), self.components().join(",").into());
        m.insert("commands".into(), self.commands().into());
        m.insert(
            "skipped".into(),
            self.steps
                .iter()
                .filter(|r| r.status == StepStatus::Skipped)
                .count()
                .into(),
        );
        m
    }
}

/// Parses `--components a,b` against the configuration; empty means every component.
pub fn select(cfg: &StageConfig, wanted: &[String]) -> Result<Vec<IncusName>> {
    if wanted.is_empty() {
        return Ok(cfg.components.iter().map(|c| c.name.clone()).collect());
    }
    wanted
        .iter()
        .map(|w| {
            cfg.component(w).map(|c| c.name.clone()).ok_or_else(|| {
                PaasError::usage(
                    "stage_components",
                    format!(
                        "{:?} is not a component of the stage (components: {})",
                        crate::text::sanitize_inline(w),
                        cfg.components
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_remediation(
                    "name components as the stage object lists them (`stage configure --show`)",
                )
            })
        })
        .collect()
}
