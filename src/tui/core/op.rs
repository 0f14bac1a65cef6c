//! Operations on a context, as data: each has a danger level (through [`Verb`]), a title for
//! the task list and a description for the confirmation dialog; it passes the guard before
//! anything runs.

use std::sync::Arc;

use crate::ops::apps::AppSpec;
use crate::ops::deploy::Common;
use crate::ops::secrets::SecretValue;
use crate::ops::targets::NewTarget;
use crate::policy::guard::Verb;
use crate::remote::fanout::FanoutPlan;
use crate::verbs::deploy::{DeployInput, PlanInput, ReconcileInput, RollbackInput};
use crate::verbs::doctor::DoctorInput;
use crate::verbs::logs::LogsInput;
use crate::verbs::targets::{CheckInput, ExecInput};

mod describe;

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
    CheckTargets(CheckInput),
    AddTarget(NewTarget),
    RemoveTarget {
        name: String,
    },
    UseTarget {
        name: String,
    },
    Exec(ExecInput),
    /// Plan a deploy (then confirm and [`Op::Apply`] it).
    Deploy(DeployInput),
    /// Plan a rollback (then confirm and [`Op::Apply`] it).
    Rollback(RollbackInput),
    /// Apply a deploy or rollback plan the operator has seen.
    Apply(Planned),
    Logs(LogsInput),
    EventsTail,
    ContextInit {
        name: String,
        kind: String,
        read_only: bool,
        /// Empty: the type's colour.
        color: String,
        /// Empty: the type's confirmation levels.
        confirm: String,
    },
    ContextUse {
        name: String,
    },
    EditTarget(NewTarget),
    AddApp(AppSpec),
    EditApp(AppSpec),
    RemoveApp {
        name: String,
    },
    /// `app reset`: down with its volumes, then its current release again (the dialog is the
    /// confirmation: typed name outside oss-demo and staging).
    ResetApp {
        name: String,
    },
    /// The value never appears in a title, a description, a log or `{:?}`.
    SetSecret {
        app: String,
        name: String,
        /// A target's own value; `None`: every target (`TARGET_GLOBAL`).
        target: Option<String>,
        value: SecretValue,
    },
    /// Which variables of an app's compose file have a value.
    SecretList {
        app: String,
    },
    /// Enable (or replace) an si add-on pack for an app.
    EnableAddon(crate::ops::addon::EnableSpec),
    /// Disable an app's add-on: its service leaves at the next deploy.
    DisableAddon {
        app: String,
        name: String,
    },
    /// Run the doctor and show its report: the active context's, or every context's.
    Doctor(DoctorInput),
    /// A clone, start, stop or reset in the staging project (the Instances pane).
    Stage(crate::tui::features::stage::model::StageOp),
    /// The scripted health check, for this context or all.
    Check(crate::verbs::oncall::HealthInput),
    /// Recorded vs running release of an app on its targets.
    Reconcile(ReconcileInput),
    AlertTest {
        severity: String,
        message: String,
    },
    AlertAcknowledge {
        id: String,
        note: String,
    },
    /// The context's last alerts, in a view (the palette's `--limit`, else 50).
    AlertHistory(crate::verbs::oncall::HistoryInput),
    IncidentResolve {
        id: String,
        note: String,
    },
    /// Acknowledge an incident that no alert leads to (one that does is acknowledged through
    /// its alert).
    IncidentAcknowledge {
        id: String,
        note: String,
    },
    /// `agent approve`: the run's remediation runs now, through its own verb's guard (`write`:
    /// the console's `--write`).
    AgentApprove {
        run: String,
        agent: String,
        remediation: crate::verbs::agent::Remediation,
        write: bool,
    },
    /// `agent deny`: nothing runs.
    AgentDeny {
        run: String,
        agent: String,
        note: String,
    },
    /// A backup, verification, restore or prune (the Backups pane, `b`).
    Backup(crate::tui::features::backup::model::BackupOp),
    /// `context scrub-bundles --apply`: every plaintext `.env` left in release bundles removed.
    ScrubBundles,
    /// `secret unset`: an app's value removed from the vault (every target's, or one target's).
    UnsetSecret {
        app: String,
        name: String,
        target: Option<String>,
    },
    /// `deploy lock status`: the context's deploy locks, in a view.
    LockStatus,
    /// `deploy lock release --app A [--force]`.
    LockRelease {
        app: String,
        force: bool,
    },
    /// `vault status`: the identity, the vault's recipients and value counts, in a view.
    VaultStatus,
    /// `secret encrypt`: every plaintext value of the vault encrypted in place.
    SecretEncrypt,
    /// `vault keygen`: the operator's own age identity created (never replaced); what was
    /// created and where is shown, never the secret key.
    VaultKeygen,
    /// `vault recipient add`: a teammate's recipient added, every value re-encrypted.
    VaultRecipientAdd {
        recipient: String,
    },
    /// An interactive shell on a target, in an app's service or a staging component: run by
    /// the loop with the terminal, not as a task.
    Shell(crate::tui::features::shell::model::ShellOp),
    /// The operator's key installed on a password target over one password login; the
    /// target then uses key authentication (`target bootstrap`).
    BootstrapTarget {
        target: String,
        /// Empty: `~/.ssh/id_ed25519.pub`, else `~/.ssh/id_rsa.pub`.
        public_key: String,
        password: SecretValue,
    },
}

impl Op {
    pub fn verb(&self) -> Verb {
        match self {
            Op::CheckTargets(_) => Verb::TargetCheck,
            Op::AddTarget(_) => Verb::TargetAdd,
            Op::RemoveTarget { .. } => Verb::TargetRemove,
            Op::UseTarget { .. } => Verb::TargetUse,
            Op::Exec(_) => Verb::TargetExec,
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
            Op::EditTarget(_) => Verb::TargetEdit,
            Op::AddApp(_) => Verb::AppAdd,
            Op::EditApp(_) => Verb::AppEdit,
            Op::RemoveApp { .. } => Verb::AppRemove,
            Op::ResetApp { .. } => Verb::AppReset,
            Op::SetSecret { .. } => Verb::SecretSet,
            Op::SecretList { .. } => Verb::SecretList,
            Op::EnableAddon(_) => Verb::AppAddonEnable,
            Op::DisableAddon { .. } => Verb::AppAddonDisable,
            Op::Doctor(_) => Verb::Doctor,
            Op::Stage(s) => s.verb(),
            Op::Check { .. } => Verb::Check,
            Op::Reconcile { .. } => Verb::DeployReconcile,
            Op::AlertTest { .. } => Verb::AlertTest,
            Op::AlertAcknowledge { .. } => Verb::AlertAcknowledge,
            Op::AlertHistory(_) => Verb::AlertHistory,
            Op::IncidentResolve { .. } => Verb::IncidentResolve,
            Op::IncidentAcknowledge { .. } => Verb::IncidentAcknowledge,
            Op::AgentApprove { .. } => Verb::AgentApprove,
            Op::AgentDeny { .. } => Verb::AgentDeny,
            Op::Backup(b) => b.verb(),
            Op::BootstrapTarget { .. } => Verb::TargetBootstrap,
            Op::ScrubBundles => Verb::ContextScrubBundles,
            Op::VaultStatus => Verb::VaultStatus,
            Op::UnsetSecret { .. } => Verb::SecretUnset,
            Op::LockStatus => Verb::DeployLockStatus,
            Op::LockRelease { .. } => Verb::DeployLockRelease,
            Op::SecretEncrypt => Verb::SecretEncrypt,
            Op::VaultRecipientAdd { .. } => Verb::VaultRecipientAdd,
            Op::VaultKeygen => Verb::VaultKeygen,
            Op::Shell(s) => s.input.verb(),
        }
    }

    /// Ops that show something in a view instead of running as a task.
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Op::SecretList { .. }
                | Op::Doctor(_)
                | Op::AlertHistory(_)
                | Op::VaultStatus
                | Op::LockStatus
        )
    }

    /// Deploys and rollbacks are planned (locally) before they are confirmed and applied.
    pub fn needs_plan(&self) -> bool {
        matches!(self, Op::Deploy { .. } | Op::Rollback { .. })
    }

    /// Plans a deploy of an app with the flags' defaults.
    pub fn deploy(app: &str) -> Op {
        Op::Deploy(DeployInput::of(app))
    }

    /// Plans a rollback with the flags' defaults (`to`: else the previous release).
    pub fn rollback(common: Common, to: Option<String>) -> Op {
        Op::Rollback(RollbackInput::of(common, to))
    }

    /// Follows an app's logs (on `target`, else its first).
    pub fn logs(app: &str, target: Option<String>) -> Op {
        Op::Logs(LogsInput::follow(app, target))
    }

    /// What a deploy or rollback op plans.
    pub fn plan_input(&self) -> Option<PlanInput> {
        match self {
            Op::Deploy(d) => Some(PlanInput::Deploy(d.clone())),
            Op::Rollback(r) => Some(PlanInput::Rollback(r.clone())),
            _ => None,
        }
    }

    /// Checks these targets with the flags' defaults.
    pub fn check(targets: Vec<String>) -> Op {
        Op::CheckTargets(CheckInput::of(targets))
    }

    /// The doctor of the active context (its report in the doctor view).
    pub fn doctor() -> Op {
        Op::Doctor(DoctorInput::default())
    }

    /// A short title for the task list.
    pub fn title(&self) -> String {
        match self {
            Op::CheckTargets(c) if c.targets.len() == 1 => format!("check {}", c.targets[0]),
            Op::CheckTargets(c) => format!("check {} targets", c.targets.len()),
            Op::AddTarget(t) => format!("add target {}", t.name),
            Op::RemoveTarget { name } => format!("remove target {name}"),
            Op::UseTarget { name } => format!("use target {name}"),
            Op::Exec(x) => format!("exec on {}: {}", x.targets.join(","), x.command),
            Op::Deploy(d) => format!("plan deploy {}", d.common.app),
            Op::Rollback(r) => format!("plan rollback {}", r.common.app),
            Op::Apply(p) => format!("{} {} {}", p.0.kind.command(), p.0.app, p.0.release),
            Op::Logs(l) => match &l.target {
                Some(t) => format!("logs {} on {t}", l.app),
                None => format!("logs {}", l.app),
            },
            Op::EventsTail => "events tail".into(),
            Op::ContextInit { name, .. } => format!("context init {name}"),
            Op::ContextUse { name } => format!("context use {name}"),
            Op::EditTarget(t) => format!("edit target {}", t.name),
            Op::AddApp(a) => format!("add app {}", a.name),
            Op::EditApp(a) => format!("edit app {}", a.name),
            Op::RemoveApp { name } => format!("remove app {name}"),
            Op::ResetApp { name } => format!("reset app {name}"),
            Op::SetSecret { app, name, .. } => format!("secret set {app} {name}"),
            Op::SecretList { app } => format!("secret list {app}"),
            Op::EnableAddon(a) => format!("addon enable {} {}", a.app, a.pack),
            Op::DisableAddon { app, name } => format!("addon disable {app} {name}"),
            Op::Doctor(d) if d.all_contexts => "doctor --all-contexts".into(),
            Op::Doctor(_) => "doctor".into(),
            Op::Stage(s) => s.title(),
            Op::Check(c) => {
                if c.all_contexts {
                    "check --all-contexts".into()
                } else {
                    "check".into()
                }
            }
            Op::Reconcile(r) => format!("deploy reconcile {}", r.app),
            Op::AlertTest { severity, .. } => format!("alert test ({severity})"),
            Op::AlertAcknowledge { id, .. } => format!("acknowledge {id}"),
            Op::AlertHistory(_) => "alert history".into(),
            Op::IncidentResolve { id, .. } => format!("resolve incident {id}"),
            Op::IncidentAcknowledge { id, .. } => format!("acknowledge incident {id}"),
            Op::AgentApprove { run, .. } => format!("approve agent run {run}"),
            Op::AgentDeny { run, .. } => format!("deny agent run {run}"),
            Op::Backup(b) => b.title(),
            Op::BootstrapTarget { target, .. } => format!("bootstrap {target}"),
            Op::ScrubBundles => "scrub bundle .env files".into(),
            Op::VaultStatus => "vault status".into(),
            Op::UnsetSecret { app, name, .. } => format!("secret unset {app} {name}"),
            Op::LockStatus => "deploy lock status".into(),
            Op::LockRelease { app, .. } => format!("release the deploy lock of {app}"),
            Op::SecretEncrypt => "secret encrypt".into(),
            Op::VaultRecipientAdd { .. } => "vault recipient add".into(),
            Op::VaultKeygen => "vault keygen".into(),
            Op::Shell(s) => s.title(),
        }
    }

    /// The context the op acts on: its own for `context init`/`use`, else the active tab's.
    pub fn subject_context<'a>(&'a self, active: &'a str) -> &'a str {
        match self {
            Op::ContextInit { name, .. } | Op::ContextUse { name } => name,
            _ => active,
        }
    }
}
