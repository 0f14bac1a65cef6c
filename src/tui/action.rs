//! Everything the console can be asked to do, as data. Key presses, mouse events, palette
//! commands and async results become [`Action`]s; operations that touch state or targets are
//! [`Op`]s with a danger level (through [`Verb`]) and pass the guard before anything runs.

use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::ops::deploy::Common;
use crate::ops::target_check::CheckResult;
use crate::ops::targets::NewTarget;
use crate::policy::doctor::DoctorReport;
use crate::policy::guard::Verb;
use crate::remote::fanout::{FanoutPlan, Strategy};
use crate::state::events::EventRecord;

use super::app::Snapshot;

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
    /// A clone, start, stop or reset in the staging project (the Instances pane).
    Stage(super::stage::StageOp),
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
            Op::Stage(s) => s.verb(),
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
            Op::Stage(s) => s.title(),
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
            Op::Stage(s) => s.lines.clone(),
        }
    }
}

/// Console panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Targets,
    Apps,
    Events,
    Backups,
    /// A staging context's incus instances (shown when it has a stage object).
    Instances,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Targets,
        Pane::Apps,
        Pane::Events,
        Pane::Backups,
        Pane::Instances,
        Pane::Log,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Targets => "Targets",
            Pane::Apps => "Apps",
            Pane::Events => "Events",
            Pane::Backups => "Backups",
            Pane::Instances => "Instances",
            Pane::Log => "Tasks",
        }
    }
}

/// Inputs to the reducer.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A named command (from the keymap, the menu or the palette).
    Command(super::keymap::Cmd),
    /// Ask for an operation: the guard decides.
    Request(Op),
    /// The list of contexts was read again (a context was created).
    ContextsLoaded(Vec<super::app::ContextView>),
    /// A context's state was (re)loaded.
    Loaded {
        context: String,
        snapshot: Box<Snapshot>,
    },
    /// New event rows appended to a context's files, oldest first.
    EventsAppended {
        context: String,
        rows: Vec<EventRecord>,
    },
    DoctorDone {
        context: String,
        report: Box<DoctorReport>,
    },
    /// A target check finished (the pane shows the last result).
    Checked {
        context: String,
        results: Vec<CheckResult>,
    },
    /// A deploy or rollback was planned; confirm (at this level) or run it.
    Planned {
        planned: Planned,
        confirm: Option<crate::policy::guard::ConfirmLevel>,
    },
    /// Something to tell the operator in the footer.
    Notice {
        error: bool,
        text: String,
    },
    /// The stage object or the staging project's status of a context.
    Stage(super::stage::StageMsg),
    /// Task states or output changed.
    TasksChanged,
    /// Time passed (ages, running timers).
    Tick,
}

/// Work the reducer asks for; run outside it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make the plan of a deploy or rollback, then come back with [`Action::Planned`].
    Plan {
        context: String,
        op: Op,
        confirm: Option<crate::policy::guard::ConfirmLevel>,
    },
    Run {
        context: String,
        op: Op,
    },
    /// Record a refused action in the context's audit log.
    AuditRefusal {
        context: String,
        verb: Verb,
        error: crate::error::PaasError,
    },
    Load(String),
    Doctor(String),
    SetTitle(String),
    CancelTask(u64),
    CancelAll,
    /// Stage work (reading the staging project).
    Stage(super::stage::StageFx),
    /// Move to the next (or previous) line of the focused task matching the search.
    SearchLog {
        forward: bool,
    },
    Quit,
}
