//! Every action's danger level, in one table, and the one dispatcher that decides whether an
//! action may run in a context: read-only contexts refuse, headless mutations need an explicit
//! `--context`, a failing doctor blocks deploys and secret changes, and the context's
//! confirmation level says what the console must ask.

use crate::error::{ErrorCode, PaasError, Result};

mod context;

pub use context::{ConfirmLevel, ContextClass, ContextPolicy, Tone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Danger {
    Read,
    Mutating,
    Destructive,
}

impl Danger {
    pub fn as_str(self) -> &'static str {
        match self {
            Danger::Read => "read",
            Danger::Mutating => "mutating",
            Danger::Destructive => "destructive",
        }
    }
}

/// Every operation paasdeck can perform, whichever front end asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    ContextInit,
    ContextList,
    ContextShow,
    ContextUse,
    ContextRemove,
    ContextExport,
    ContextImport,
    ContextScrubBundles,
    TargetAdd,
    TargetEdit,
    TargetList,
    TargetUse,
    TargetRemove,
    TargetCheck,
    TargetExec,
    TargetBootstrap,
    TargetShell,
    AppAdd,
    AppEdit,
    AppList,
    AppStatus,
    AppRemove,
    AppAddonContract,
    AppAddonEnable,
    AppAddonList,
    AppAddonDisable,
    AppShell,
    AppReset,
    Deploy,
    DeployLockStatus,
    DeployLockAcquire,
    DeployLockRelease,
    Rollback,
    Logs,
    EventsList,
    EventsTail,
    SecretSet,
    SecretList,
    SecretGet,
    SecretUnset,
    SecretEncrypt,
    VaultKeygen,
    VaultStatus,
    VaultRecipientAdd,
    Doctor,
    Info,
    Demo,
    BackupState,
    BackupRun,
    BackupList,
    BackupVerify,
    BackupRestore,
    BackupPrune,
    StagePlan,
    StageStatus,
    StageInit,
    StageClone,
    StageStart,
    StageStop,
    StageReset,
    StageExec,
    StageDestroy,
    StageConfigure,
    StageShow,
    StageShell,
    Check,
    Checklist,
    DeployReconcile,
    AlertSetupTelegram,
    AlertSetupWebhook,
    AlertPolicyShow,
    AlertPolicySet,
    AlertTest,
    AlertHistory,
    AlertAcknowledge,
    IncidentList,
    IncidentShow,
    IncidentResolve,
    IncidentAcknowledge,
    AgentEnable,
    AgentDisable,
    AgentStatus,
    AgentLogs,
    AgentRunOnce,
    AgentApprove,
    AgentDeny,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct VerbSpec {
    /// The headless command, `group command`.
    pub command: &'static str,
    pub danger: Danger,
    /// Reaches a remote target (always audited).
    pub remote: bool,
    /// Refused while the context's doctor fails.
    pub doctor_gated: bool,
    /// Changes only root-level selection (`context use`), not the context's own state, so the
    /// context's read-only flag does not apply.
    pub root_scope: bool,
    /// Touches no context at all (the operator's own identity): neither a context's read-only
    /// flag nor an explicit `--context` applies.
    pub operator_scope: bool,
    /// Doctor checks this verb is the fix for: their failure does not block it.
    pub doctor_fixes: &'static [&'static str],
}

const fn row(command: &'static str, danger: Danger, remote: bool, doctor_gated: bool) -> VerbSpec {
    VerbSpec {
        command,
        danger,
        remote,
        doctor_gated,
        root_scope: false,
        operator_scope: false,
        doctor_fixes: &[],
    }
}

impl Verb {
    pub const ALL: &'static [Verb] = &[
        Verb::ContextInit,
        Verb::ContextList,
        Verb::ContextShow,
        Verb::ContextUse,
        Verb::ContextRemove,
        Verb::ContextExport,
        Verb::ContextImport,
        Verb::ContextScrubBundles,
        Verb::TargetAdd,
        Verb::TargetEdit,
        Verb::TargetList,
        Verb::TargetUse,
        Verb::TargetRemove,
        Verb::TargetCheck,
        Verb::TargetExec,
        Verb::TargetBootstrap,
        Verb::TargetShell,
        Verb::AppAdd,
        Verb::AppEdit,
        Verb::AppList,
        Verb::AppStatus,
        Verb::AppRemove,
        Verb::AppAddonContract,
        Verb::AppAddonEnable,
        Verb::AppAddonList,
        Verb::AppAddonDisable,
        Verb::AppShell,
        Verb::AppReset,
        Verb::Deploy,
        Verb::DeployLockStatus,
        Verb::DeployLockAcquire,
        Verb::DeployLockRelease,
        Verb::Rollback,
        Verb::Logs,
        Verb::EventsList,
        Verb::EventsTail,
        Verb::SecretSet,
        Verb::SecretList,
        Verb::SecretGet,
        Verb::SecretUnset,
        Verb::SecretEncrypt,
        Verb::VaultKeygen,
        Verb::VaultStatus,
        Verb::VaultRecipientAdd,
        Verb::Doctor,
        Verb::Info,
        Verb::Demo,
        Verb::BackupState,
        Verb::BackupRun,
        Verb::BackupList,
        Verb::BackupVerify,
        Verb::BackupRestore,
        Verb::BackupPrune,
        Verb::StagePlan,
        Verb::StageStatus,
        Verb::StageInit,
        Verb::StageClone,
        Verb::StageStart,
        Verb::StageStop,
        Verb::StageReset,
        Verb::StageExec,
        Verb::StageDestroy,
        Verb::StageConfigure,
        Verb::StageShow,
        Verb::StageShell,
        Verb::Check,
        Verb::Checklist,
        Verb::DeployReconcile,
        Verb::AlertSetupTelegram,
        Verb::AlertSetupWebhook,
        Verb::AlertPolicyShow,
        Verb::AlertPolicySet,
        Verb::AlertTest,
        Verb::AlertHistory,
        Verb::AlertAcknowledge,
        Verb::IncidentList,
        Verb::IncidentShow,
        Verb::IncidentResolve,
        Verb::IncidentAcknowledge,
        Verb::AgentEnable,
        Verb::AgentDisable,
        Verb::AgentStatus,
        Verb::AgentLogs,
        Verb::AgentRunOnce,
        Verb::AgentApprove,
        Verb::AgentDeny,
    ];

    /// The table (SPEC §5).
    pub fn spec(self) -> VerbSpec {
        use Danger::*;
        match self {
            Verb::ContextInit => row("context init", Mutating, false, false),
            Verb::ContextList => row("context list", Read, false, false),
            Verb::ContextShow => row("context show", Read, false, false),
            Verb::ContextUse => VerbSpec {
                root_scope: true,
                ..row("context use", Mutating, false, false)
            },
            Verb::ContextRemove => row("context remove", Destructive, false, false),
            Verb::ContextExport => row("context export", Read, false, false),
            Verb::ContextImport => row("context import", Mutating, false, false),
            // Deletes what must not exist (plaintext copies of vault values); plan only
            // without --apply.
            Verb::ContextScrubBundles => row("context scrub-bundles", Mutating, false, false),
            Verb::TargetAdd => row("target add", Mutating, false, false),
            // The console's target form; headless, remove and add it again.
            Verb::TargetEdit => row("target edit", Mutating, false, false),
            Verb::TargetList => row("target list", Read, false, false),
            Verb::TargetUse => row("target use", Mutating, false, false),
            Verb::TargetRemove => row("target remove", Destructive, false, false),
            Verb::TargetCheck => row("target check", Read, true, false),
            Verb::TargetExec => row("target exec", Destructive, true, false),
            Verb::TargetBootstrap => row("target bootstrap", Mutating, true, false),
            // SPEC §18: an interactive shell runs whatever the operator types there.
            Verb::TargetShell => row("target shell", Destructive, true, false),
            Verb::AppAdd => row("app add", Mutating, false, false),
            // The console's app form; headless, remove and add it again.
            Verb::AppEdit => row("app edit", Mutating, false, false),
            Verb::AppList => row("app list", Read, false, false),
            Verb::AppStatus => row("app status", Read, false, false),
            Verb::AppRemove => row("app remove", Destructive, false, false),
            Verb::AppAddonContract => row("app addon contract", Read, false, false),
            Verb::AppAddonEnable => row("app addon enable", Mutating, false, false),
            Verb::AppAddonList => row("app addon list", Read, false, false),
            // The next deploy removes the add-on's service (`up --remove-orphans`).
            Verb::AppAddonDisable => row("app addon disable", Destructive, false, false),
            Verb::AppShell => row("app shell", Destructive, true, false),
            // Down with its volumes, then the current release deployed again: data is gone.
            Verb::AppReset => row("app reset", Destructive, true, true),
            Verb::Deploy => row("deploy", Mutating, true, true),
            Verb::DeployLockStatus => row("deploy lock status", Read, false, false),
            Verb::DeployLockAcquire => row("deploy lock acquire", Mutating, false, false),
            Verb::DeployLockRelease => row("deploy lock release", Mutating, false, false),
            Verb::Rollback => row("rollback", Destructive, true, true),
            Verb::Logs => row("logs", Read, true, false),
            Verb::EventsList => row("events list", Read, false, false),
            Verb::EventsTail => row("events tail", Read, false, false),
            Verb::SecretSet => row("secret set", Mutating, false, true),
            Verb::SecretList => row("secret list", Read, false, false),
            Verb::SecretGet => row("secret get", Read, false, false),
            Verb::SecretUnset => row("secret unset", Mutating, false, true),
            Verb::SecretEncrypt => VerbSpec {
                doctor_fixes: &["vault_values_encrypted"],
                ..row("secret encrypt", Mutating, false, true)
            },
            Verb::VaultKeygen => VerbSpec {
                operator_scope: true,
                ..row("vault keygen", Mutating, false, false)
            },
            Verb::VaultStatus => row("vault status", Read, false, false),
            Verb::VaultRecipientAdd => row("vault recipient add", Mutating, false, true),
            Verb::Doctor => row("doctor", Read, false, false),
            Verb::Info => row("info", Read, false, false),
            // Writes a fresh demo state of its own; touches no existing context.
            Verb::Demo => row("demo", Read, false, false),
            // SPEC §12.
            Verb::BackupState => row("backup state", Mutating, false, false),
            Verb::BackupRun => row("backup run", Mutating, true, false),
            Verb::BackupList => row("backup list", Read, false, false),
            Verb::BackupVerify => row("backup verify", Read, false, false),
            Verb::BackupRestore => row("backup restore", Destructive, true, false),
            Verb::BackupPrune => row("backup prune", Destructive, false, false),
            // SPEC §14: the staging project on its incus host.
            Verb::StagePlan => row("stage plan", Read, true, false),
            Verb::StageStatus => row("stage status", Read, true, false),
            Verb::StageInit => row("stage init", Mutating, true, false),
            Verb::StageClone => row("stage clone", Mutating, true, false),
            Verb::StageStart => row("stage start", Mutating, true, false),
            Verb::StageStop => row("stage stop", Mutating, true, false),
            Verb::StageReset => row("stage reset", Destructive, true, false),
            Verb::StageExec => row("stage exec", Destructive, true, false),
            Verb::StageDestroy => row("stage destroy", Destructive, true, false),
            Verb::StageConfigure => row("stage configure", Mutating, false, false),
            Verb::StageShow => row("stage configure --show", Read, false, false),
            Verb::StageShell => row("stage shell", Destructive, true, false),
            // SPEC §15: on-call.
            Verb::Check => row("check", Read, true, false),
            Verb::Checklist => row("checklist", Read, false, false),
            Verb::DeployReconcile => row("deploy reconcile", Read, true, false),
            Verb::AlertSetupTelegram => row("alert setup-telegram", Mutating, false, false),
            Verb::AlertSetupWebhook => row("alert setup-webhook", Mutating, false, false),
            Verb::AlertPolicyShow => row("alert policy show", Read, false, false),
            Verb::AlertPolicySet => row("alert policy set", Mutating, false, false),
            Verb::AlertTest => row("alert test", Mutating, false, false),
            Verb::AlertHistory => row("alert history", Read, false, false),
            Verb::AlertAcknowledge => row("alert acknowledge", Mutating, false, false),
            Verb::IncidentList => row("incident list", Read, false, false),
            Verb::IncidentShow => row("incident show", Read, false, false),
            Verb::IncidentResolve => row("incident resolve", Mutating, false, false),
            Verb::IncidentAcknowledge => row("incident acknowledge", Mutating, false, false),
            // SPEC §17: agents. A run reads the targets to propose; an approval (or an
            // auto-allowed run) runs its remediation through that verb's own row too.
            Verb::AgentEnable => row("agent enable", Mutating, false, false),
            Verb::AgentDisable => row("agent disable", Mutating, false, false),
            Verb::AgentStatus => row("agent status", Read, false, false),
            Verb::AgentLogs => row("agent logs", Read, false, false),
            Verb::AgentRunOnce => row("agent run-once", Mutating, true, false),
            // It runs the remediation, which may be a rollback: asked as one.
            Verb::AgentApprove => row("agent approve", Destructive, true, false),
            Verb::AgentDeny => row("agent deny", Mutating, false, false),
        }
    }

    pub fn command(self) -> &'static str {
        self.spec().command
    }

    pub fn danger(self) -> Danger {
        self.spec().danger
    }
}

/// The confirmation `app reset` needs in a context, whatever its settings lower it to: the
/// disposable types (oss-demo, staging) the normal one, any other only the context's name typed.
pub fn app_reset_level(ctx: &ContextPolicy) -> ConfirmLevel {
    match ctx.class {
        ContextClass::OssDemo | ContextClass::Staging => ConfirmLevel::Yes,
        _ => ConfirmLevel::TypeName,
    }
}

/// Which front end asks, and how the context was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    /// `explicit` is true when the context was named on the command line.
    Headless { explicit: bool },
    /// The console: the focused tab is the operator's explicit choice.
    Console,
}

/// What the dispatcher decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Run now.
    Proceed,
    /// Ask first (console only).
    Confirm(ConfirmLevel),
}

/// The one dispatcher (SPEC §5), in order: read-only context, explicit context (headless),
/// doctor, confirmation level. `doctor_failures` is only called for doctor-gated actions and
/// returns the names of the failing checks.
pub fn check(
    verb: Verb,
    ctx: &ContextPolicy,
    frontend: Frontend,
    write: bool,
    stored_from: &str,
    doctor_failures: &mut dyn FnMut() -> Vec<String>,
) -> Result<Decision> {
    let spec = verb.spec();
    if spec.danger == Danger::Read {
        return Ok(Decision::Proceed);
    }
    if ctx.read_only && !write && !spec.root_scope && !spec.operator_scope {
        return Err(PaasError::new(
            ErrorCode::ContextGuard,
            "context_guard",
            format!(
                "context {:?} is read-only; refusing `{}` ({})",
                ctx.name,
                spec.command,
                spec.danger.as_str()
            ),
        )
        .as_usage()
        .with_remediation(
            "pass --write to lift the read-only flag for this one invocation, if you mean it",
        ));
    }
    if let (Frontend::Headless { explicit: false }, false) = (frontend, spec.operator_scope) {
        return Err(PaasError::new(
            ErrorCode::ContextGuard,
            "context_guard",
            format!(
                "`{}` is {} and needs an explicit --context; it would have used {:?} ({stored_from})",
                spec.command,
                spec.danger.as_str(),
                ctx.name
            ),
        )
        .as_usage()
        .with_remediation(format!(
            "re-run with --context {} if that is the context you mean",
            ctx.name
        )));
    }
    if spec.doctor_gated {
        let mut failing = doctor_failures();
        failing.retain(|f| !spec.doctor_fixes.contains(&f.as_str()));
        if !failing.is_empty() {
            return Err(PaasError::new(
                ErrorCode::DoctorBlocked,
                "doctor",
                format!(
                    "doctor fails for context {:?} ({}); refusing `{}`",
                    ctx.name,
                    failing.join(", "),
                    spec.command
                ),
            )
            .with_remediation(format!(
                "run `paasdeck --context {} doctor` and fix what it reports",
                ctx.name
            )));
        }
    }
    Ok(match frontend {
        Frontend::Headless { .. } => Decision::Proceed,
        Frontend::Console => match ctx.confirm_for(spec.danger) {
            ConfirmLevel::None => Decision::Proceed,
            level => Decision::Confirm(level),
        },
    })
}

#[cfg(test)]
mod tests;
