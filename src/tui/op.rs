//! Operations on a context, as data: each has a danger level (through [`Verb`]), a title for
//! the task list and a description for the confirmation dialog; it passes the guard before
//! anything runs.

use std::sync::Arc;

use crate::ops::deploy::Common;
use crate::ops::targets::NewTarget;
use crate::policy::guard::Verb;
use crate::remote::fanout::{FanoutPlan, Strategy};

/// A plan made locally and shown for confirmation; applying it runs exactly this release.
#[derive(Debug, Clone)]
pub struct Planned(pub Arc<crate::ops::deploy::Plan>);

impl PartialEq for Planned {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind == other.0.kind
            && self.0.release == other.0.release
            && self.0.app == other.0.app
    }
}

/// An operation on a context.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CheckTargets {
        targets: Vec<String>,
    },
    AddTarget(NewTarget),
    RemoveTarget {
        name: String,
    },
    UseTarget {
        name: String,
    },
    Exec {
        targets: Vec<String>,
        command: String,
        strategy: Strategy,
        max_parallel: usize,
        continue_on_error: bool,
    },
    Deploy {
        common: Common,
        rollback_on_failure: bool,
    },
    Rollback {
        common: Common,
        to: Option<String>,
    },
    /// Apply a deploy or rollback plan the operator has seen.
    Apply(Planned),
    Logs {
        app: String,
        target: Option<String>,
        service: Option<String>,
    },
    EventsTail,
    ContextInit {
        name: String,
        kind: String,
    },
    ContextUse {
        name: String,
    },
}

impl Op {
    pub fn verb(&self) -> Verb {
        match self {
            Op::CheckTargets { .. } => Verb::TargetCheck,
            Op::AddTarget(_) => Verb::TargetAdd,
            Op::RemoveTarget { .. } => Verb::TargetRemove,
            Op::UseTarget { .. } => Verb::TargetUse,
            Op::Exec { .. } => Verb::TargetExec,
            Op::Deploy { .. } => Verb::Deploy,
            Op::Rollback { .. } => Verb::Rollback,
            Op::Apply(p) => match p.0.kind {
                crate::ops::deploy::Kind::Deploy => Verb::Deploy,
                crate::ops::deploy::Kind::Rollback => Verb::Rollback,
            },
            Op::Logs { .. } => Verb::Logs,
            Op::EventsTail => Verb::EventsTail,
            Op::ContextInit { .. } => Verb::ContextInit,
            Op::ContextUse { .. } => Verb::ContextUse,
        }
    }

    /// Deploys and rollbacks are planned (locally) before they are confirmed and applied.
    pub fn needs_plan(&self) -> bool {
        matches!(self, Op::Deploy { .. } | Op::Rollback { .. })
    }

    /// A short title for the task list.
    pub fn title(&self) -> String {
        match self {
            Op::CheckTargets { targets } if targets.len() == 1 => format!("check {}", targets[0]),
            Op::CheckTargets { targets } => format!("check {} targets", targets.len()),
            Op::AddTarget(t) => format!("add target {}", t.name),
            Op::RemoveTarget { name } => format!("remove target {name}"),
            Op::UseTarget { name } => format!("use target {name}"),
            Op::Exec {
                targets, command, ..
            } => format!("exec on {}: {command}", targets.join(",")),
            Op::Deploy { common, .. } => format!("plan deploy {}", common.app),
            Op::Rollback { common, .. } => format!("plan rollback {}", common.app),
            Op::Apply(p) => format!("{} {} {}", p.0.kind.command(), p.0.app, p.0.release),
            Op::Logs { app, target, .. } => match target {
                Some(t) => format!("logs {app} on {t}"),
                None => format!("logs {app}"),
            },
            Op::EventsTail => "events tail".into(),
            Op::ContextInit { name, .. } => format!("context init {name}"),
            Op::ContextUse { name } => format!("context use {name}"),
        }
    }

    /// The context the op acts on: its own for `context init`/`use`, else the active tab's.
    pub fn subject_context<'a>(&'a self, active: &'a str) -> &'a str {
        match self {
            Op::ContextInit { name, .. } | Op::ContextUse { name } => name,
            _ => active,
        }
    }

    /// Exactly what will happen, for the confirmation dialog.
    pub fn describe(&self, ctx: &str, targets: &[crate::state::targets::Target]) -> Vec<String> {
        let addr = |n: &str| {
            targets
                .iter()
                .find(|t| t.is(n))
                .map(|t| format!("{} ({}, {})", t.name, t.address(), t.auth().as_str()))
                .unwrap_or_else(|| n.to_string())
        };
        match self {
            Op::CheckTargets { targets: ts } => {
                let mut v = vec!["read-only preflight over SSH:".to_string()];
                v.extend(ts.iter().map(|t| format!("  {}", addr(t))));
                v
            }
            Op::AddTarget(t) => vec![
                format!(
                    "add target {} ({}@{}:{}, {})",
                    t.name, t.user, t.host, t.port, t.auth_method
                ),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::RemoveTarget { name } => vec![
                format!("remove target {}", addr(name)),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::UseTarget { name } => vec![format!("make {} the current target", addr(name))],
            Op::Exec {
                targets: ts,
                command,
                strategy,
                max_parallel,
                continue_on_error,
            } => {
                let plan = FanoutPlan::new(*strategy, ts, *max_parallel);
                let mut v = vec![
                    format!("run on {} target(s): {command}", ts.len()),
                    format!(
                        "plan: {}{}",
                        plan.summary(),
                        if *continue_on_error {
                            " (continue on error)"
                        } else {
                            ""
                        }
                    ),
                ];
                v.extend(ts.iter().map(|t| format!("  {} $ {command}", addr(t))));
                v
            }
            Op::Deploy { common, .. } => vec![format!("deploy app {}", common.app)],
            Op::Rollback { common, to } => vec![format!(
                "roll app {} back to {}",
                common.app,
                to.clone().unwrap_or_else(|| "the previous release".into())
            )],
            Op::Apply(p) => p.0.lines(),
            Op::Logs { app, target, .. } => vec![format!(
                "follow the logs of {app} on {}",
                target.clone().unwrap_or_else(|| "its first target".into())
            )],
            Op::EventsTail => vec!["follow this context's events".into()],
            Op::ContextInit { name, kind } => vec![
                format!("create context {name} of type {kind}"),
                format!("creates contexts/{name}/ in the state root"),
            ],
            Op::ContextUse { name } => vec![
                format!("make {name} the stored current context"),
                "writes current_context in the state root".into(),
            ],
        }
    }
}
