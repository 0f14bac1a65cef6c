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
use crate::verbs::logs::LogsInput;
use crate::verbs::targets::{CheckInput, ExecInput};

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
    /// Run the doctor and show its report.
    DoctorReport,
    /// A clone, start, stop or reset in the staging project (the Instances pane).
    Stage(super::stage::model::StageOp),
    /// The scripted health check, for this context or all.
    Check {
        all_contexts: bool,
        skip_remote: bool,
    },
    /// Recorded vs running release of an app on its targets.
    Reconcile(ReconcileInput),
    AlertTest {
        severity: String,
    },
    AlertAcknowledge {
        id: String,
        note: String,
    },
    /// The context's last alerts, in a view.
    AlertHistory,
    IncidentResolve {
        id: String,
    },
    /// Acknowledge an incident that no alert leads to (one that does is acknowledged through
    /// its alert).
    IncidentAcknowledge {
        id: String,
        note: String,
    },
    /// A backup, verification, restore or prune (the Backups pane, `b`).
    Backup(super::backup::model::BackupOp),
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
            Op::SetSecret { .. } => Verb::SecretSet,
            Op::SecretList { .. } => Verb::SecretList,
            Op::EnableAddon(_) => Verb::AppAddonEnable,
            Op::DisableAddon { .. } => Verb::AppAddonDisable,
            Op::DoctorReport => Verb::Doctor,
            Op::Stage(s) => s.verb(),
            Op::Check { .. } => Verb::Check,
            Op::Reconcile { .. } => Verb::DeployReconcile,
            Op::AlertTest { .. } => Verb::AlertTest,
            Op::AlertAcknowledge { .. } => Verb::AlertAcknowledge,
            Op::AlertHistory => Verb::AlertHistory,
            Op::IncidentResolve { .. } => Verb::IncidentResolve,
            Op::IncidentAcknowledge { .. } => Verb::IncidentAcknowledge,
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
        }
    }

    /// Ops that show something in a view instead of running as a task.
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Op::SecretList { .. }
                | Op::DoctorReport
                | Op::AlertHistory
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
            Op::SetSecret { app, name, .. } => format!("secret set {app} {name}"),
            Op::SecretList { app } => format!("secret list {app}"),
            Op::EnableAddon(a) => format!("addon enable {} {}", a.app, a.pack),
            Op::DisableAddon { app, name } => format!("addon disable {app} {name}"),
            Op::DoctorReport => "doctor".into(),
            Op::Stage(s) => s.title(),
            Op::Check { all_contexts, .. } => {
                if *all_contexts {
                    "check --all-contexts".into()
                } else {
                    "check".into()
                }
            }
            Op::Reconcile(r) => format!("deploy reconcile {}", r.app),
            Op::AlertTest { severity } => format!("alert test ({severity})"),
            Op::AlertAcknowledge { id, .. } => format!("acknowledge {id}"),
            Op::AlertHistory => "alert history".into(),
            Op::IncidentResolve { id } => format!("resolve incident {id}"),
            Op::IncidentAcknowledge { id, .. } => format!("acknowledge incident {id}"),
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
            Op::CheckTargets(c) => {
                let mut v = vec!["read-only preflight over SSH:".to_string()];
                v.extend(c.targets.iter().map(|t| format!("  {}", addr(t))));
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
            Op::Exec(ExecInput {
                targets: ts,
                command,
                strategy,
                max_parallel,
                continue_on_error,
                ..
            }) => {
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
            Op::Deploy(d) => vec![format!("deploy app {}", d.common.app)],
            Op::Rollback(r) => vec![format!(
                "roll app {} back to {}",
                r.common.app,
                r.to_release
                    .clone()
                    .unwrap_or_else(|| "the previous release".into())
            )],
            Op::Apply(p) => p.0.lines(),
            Op::Logs(l) => vec![format!(
                "{} the logs of {} on {}",
                if l.follow { "follow" } else { "show" },
                l.app,
                l.target.clone().unwrap_or_else(|| "its first target".into())
            )],
            Op::EventsTail => vec!["follow this context's events".into()],
            Op::ContextInit {
                name,
                kind,
                read_only,
                color,
                confirm,
            } => vec![
                format!(
                    "create context {name} of type {kind}{}{}{}",
                    if *read_only { ", read-only" } else { "" },
                    if color.is_empty() {
                        String::new()
                    } else {
                        format!(", colour {color}")
                    },
                    if confirm.is_empty() {
                        String::new()
                    } else {
                        format!(", confirm {confirm}")
                    }
                ),
                format!("creates contexts/{name}/ in the state root"),
            ],
            Op::ContextUse { name } => vec![
                format!("make {name} the stored current context"),
                "writes current_context in the state root".into(),
            ],
            Op::EditTarget(t) => vec![
                format!(
                    "set target {} to {}@{}:{} ({}{})",
                    t.name,
                    t.user,
                    t.host,
                    t.port,
                    t.auth_method,
                    if t.labels.is_empty() {
                        String::new()
                    } else {
                        format!(", labels {}", t.labels.join(","))
                    }
                ),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::AddApp(a) | Op::EditApp(a) => vec![
                format!(
                    "{} app {} from {}",
                    if matches!(self, Op::AddApp(_)) {
                        "register"
                    } else {
                        "update"
                    },
                    a.name,
                    a.compose_file
                ),
                format!(
                    "targets: {}",
                    if a.targets.is_empty() {
                        "the current target".to_string()
                    } else {
                        a.targets.join(",")
                    }
                ),
                format!("writes contexts/{ctx}/apps.json"),
            ],
            Op::RemoveApp { name } => vec![
                format!("remove app {name} from the registry (its release history stays)"),
                format!("writes contexts/{ctx}/apps.json"),
            ],
            Op::SetSecret {
                app, name, target, ..
            } => vec![
                format!(
                    "set secret {name} of app {app} for {}",
                    target.clone().unwrap_or_else(|| "every target".into())
                ),
                format!("writes the vault of {ctx}; the value is never shown or logged"),
            ],
            Op::SecretList { app } => vec![format!("list the variables of {app}")],
            Op::EnableAddon(a) => vec![
                format!(
                    "enable the {} add-on{} for app {}",
                    a.pack,
                    a.name
                        .as_deref()
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default(),
                    a.app
                ),
                format!(
                    "writes contexts/{ctx}/addons.json and the fragment under contexts/{ctx}/addons/; the next deploy adds its service"
                ),
            ],
            Op::DisableAddon { app, name } => vec![
                format!("disable add-on {name} of app {app}"),
                format!(
                    "the next deploy of {app} leaves its service out and removes its container (`up --remove-orphans`); its data volume stays"
                ),
                format!("writes contexts/{ctx}/addons.json and removes the fragment"),
            ],
            Op::DoctorReport => vec!["run the doctor".into()],
            Op::Stage(s) => s.lines.clone(),
            Op::Check {
                all_contexts,
                skip_remote,
            } => vec![format!(
                "check {}: doctor, {}backups, deploy drift",
                if *all_contexts {
                    "every context"
                } else {
                    "this context"
                },
                if *skip_remote { "" } else { "every target, " }
            )],
            Op::Reconcile(r) => vec![format!(
                "read where {} runs on its targets and compare with deployments.json (read-only)",
                r.app
            )],
            Op::AlertTest { severity } => vec![
                format!("raise a {severity} test alert through {ctx}'s alert policy"),
                format!("appends to contexts/{ctx}/events/alerts.jsonl"),
            ],
            Op::AlertAcknowledge { id, note } => vec![
                format!("acknowledge alert {id} ({note}); its incident becomes acknowledged"),
                format!("appends to contexts/{ctx}/events/alerts.jsonl"),
            ],
            Op::AlertHistory => vec!["show the last alerts".into()],
            Op::VaultStatus => vec!["show the vault's recipients and value counts".into()],
            Op::UnsetSecret { app, name, target } => vec![
                format!(
                    "remove secret {name} of app {app} for {}",
                    target.clone().unwrap_or_else(|| "every target".into())
                ),
                format!("writes the vault of {ctx}; the next deploy of {app} goes without it"),
            ],
            Op::LockStatus => vec!["show the deploy locks held in this context".into()],
            Op::LockRelease { app, force } => vec![
                format!(
                    "remove the deploy lock of {app}{}",
                    if *force { ", even one that cannot be read" } else { "" }
                ),
                "only when no deploy of it is running: a running deploy keeps going without its lock".into(),
                format!("removes contexts/{ctx}/locks/deploy-{}.json", crate::state::deployments::app_key(app)),
            ],
            Op::SecretEncrypt => vec![
                format!("encrypt every plaintext value of {ctx}'s vault in place (age, to its recipients)"),
                format!("rewrites contexts/{ctx}/vault/secrets.env atomically; no value is shown"),
            ],
            Op::VaultKeygen => vec![
                "create your own age identity (for every context), unless you have one".into(),
                "the secret key is written to a 0600 file outside the state root and never shown".into(),
            ],
            Op::VaultRecipientAdd { recipient } => vec![
                format!("add recipient {recipient} to {ctx}'s vault"),
                "re-encrypt every value to the new set of recipients (needs your identity to decrypt them)".into(),
                format!("rewrites contexts/{ctx}/vault/secrets.env atomically; no value is shown"),
            ],
            Op::ScrubBundles => vec![
                format!("remove every .env file left in contexts/{ctx}/releases/<app>/<release>/"),
                "the values stay in the vault; deploys stream them from there".into(),
            ],
            Op::BootstrapTarget {
                target, public_key, ..
            } => vec![
                format!(
                    "install {} on {} over one password login (the system ssh, the password through SSH_ASKPASS)",
                    if public_key.is_empty() {
                        "your public key (~/.ssh/id_ed25519.pub, else id_rsa.pub)"
                    } else {
                        public_key.as_str()
                    },
                    addr(target)
                ),
                "then log in with the key; only if that works is the target switched to key authentication".into(),
                format!("writes contexts/{ctx}/targets.json; the password is never shown or logged"),
            ],
            Op::IncidentResolve { id } => vec![
                format!("mark incident {id} resolved"),
                format!("rewrites contexts/{ctx}/events/incidents.jsonl"),
            ],
            Op::IncidentAcknowledge { id, note } => vec![
                format!(
                    "mark incident {id} acknowledged{}",
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({note})")
                    }
                ),
                format!("rewrites contexts/{ctx}/events/incidents.jsonl"),
            ],
            Op::Backup(b) => b.lines.clone(),
        }
    }
}
