//! Every action's danger level, in one table, and the one dispatcher that decides whether an
//! action may run in a context: read-only contexts refuse, headless mutations need an explicit
//! `--context`, a failing doctor blocks deploys and secret changes, and the context's
//! confirmation level says what the console must ask.

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::context::ContextConfig;

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
    TargetAdd,
    TargetEdit,
    TargetList,
    TargetUse,
    TargetRemove,
    TargetCheck,
    TargetExec,
    AppAdd,
    AppEdit,
    AppList,
    AppStatus,
    AppRemove,
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
    Check,
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
        Verb::TargetAdd,
        Verb::TargetEdit,
        Verb::TargetList,
        Verb::TargetUse,
        Verb::TargetRemove,
        Verb::TargetCheck,
        Verb::TargetExec,
        Verb::AppAdd,
        Verb::AppEdit,
        Verb::AppList,
        Verb::AppStatus,
        Verb::AppRemove,
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
        Verb::Check,
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
            Verb::TargetAdd => row("target add", Mutating, false, false),
            // The console's target form; headless, remove and add it again.
            Verb::TargetEdit => row("target edit", Mutating, false, false),
            Verb::TargetList => row("target list", Read, false, false),
            Verb::TargetUse => row("target use", Mutating, false, false),
            Verb::TargetRemove => row("target remove", Destructive, false, false),
            Verb::TargetCheck => row("target check", Read, true, false),
            Verb::TargetExec => row("target exec", Destructive, true, false),
            Verb::AppAdd => row("app add", Mutating, false, false),
            // The console's app form; headless, remove and add it again.
            Verb::AppEdit => row("app edit", Mutating, false, false),
            Verb::AppList => row("app list", Read, false, false),
            Verb::AppStatus => row("app status", Read, false, false),
            Verb::AppRemove => row("app remove", Destructive, false, false),
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
            // SPEC §15: on-call.
            Verb::Check => row("check", Read, true, false),
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
        }
    }

    pub fn command(self) -> &'static str {
        self.spec().command
    }

    pub fn danger(self) -> Danger {
        self.spec().danger
    }
}

/// A colour, kept free of any terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Red,
    Magenta,
    Yellow,
    Green,
    Blue,
    Cyan,
    Gray,
    White,
    Rgb(u8, u8, u8),
}

impl Tone {
    pub fn parse(s: &str) -> Option<Tone> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "red" => Tone::Red,
            "magenta" | "purple" => Tone::Magenta,
            "yellow" => Tone::Yellow,
            "green" => Tone::Green,
            "blue" => Tone::Blue,
            "cyan" => Tone::Cyan,
            "gray" | "grey" => Tone::Gray,
            "white" => Tone::White,
            hex if hex.starts_with('#') && hex.len() == 7 => {
                let p = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
                Tone::Rgb(p(1)?, p(3)?, p(5)?)
            }
            _ => return None,
        })
    }

    pub fn name(self) -> String {
        match self {
            Tone::Red => "red".into(),
            Tone::Magenta => "magenta".into(),
            Tone::Yellow => "yellow".into(),
            Tone::Green => "green".into(),
            Tone::Blue => "blue".into(),
            Tone::Cyan => "cyan".into(),
            Tone::Gray => "gray".into(),
            Tone::White => "white".into(),
            Tone::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        }
    }
}

/// What an operator must do before an action runs in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfirmLevel {
    None,
    Yes,
    TypeName,
}

impl ConfirmLevel {
    pub fn parse(s: &str) -> Option<ConfirmLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(ConfirmLevel::None),
            "yes" => Some(ConfirmLevel::Yes),
            "type-name" => Some(ConfirmLevel::TypeName),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmLevel::None => "none",
            ConfirmLevel::Yes => "yes",
            ConfirmLevel::TypeName => "type-name",
        }
    }
}

/// The SPEC §4 families a context type falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextClass {
    Production,
    InternalDogfood,
    Staging,
    OssDemo,
    Other,
}

impl ContextClass {
    pub fn of(name: &str, kind: &str) -> ContextClass {
        let kind = kind.trim().to_ascii_lowercase();
        // An existing context may be named in capitals (`Customer-ACME`): still a customer.
        let customer_name = name
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("customer-"));
        if kind == "production" || kind == "customer" || customer_name {
            ContextClass::Production
        } else {
            match kind.as_str() {
                "internal-dogfood" => ContextClass::InternalDogfood,
                "staging" => ContextClass::Staging,
                "oss-demo" => ContextClass::OssDemo,
                _ => ContextClass::Other,
            }
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            ContextClass::Production => Tone::Red,
            ContextClass::InternalDogfood => Tone::Magenta,
            ContextClass::Staging => Tone::Yellow,
            ContextClass::OssDemo => Tone::Green,
            ContextClass::Other => Tone::Blue,
        }
    }

    /// Default confirmation for (mutating, destructive).
    pub fn confirm(self) -> (ConfirmLevel, ConfirmLevel) {
        use ConfirmLevel::*;
        match self {
            ContextClass::Production | ContextClass::InternalDogfood | ContextClass::Other => {
                (Yes, TypeName)
            }
            ContextClass::Staging => (Yes, Yes),
            ContextClass::OssDemo => (None, Yes),
        }
    }
}

/// Everything the guard needs to know about a context.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextPolicy {
    pub name: String,
    pub kind: String,
    pub class: ContextClass,
    pub read_only: bool,
    pub tone: Tone,
    pub confirm_mutating: ConfirmLevel,
    pub confirm_destructive: ConfirmLevel,
}

impl ContextPolicy {
    /// Built from a config; a context without one is treated as the default type. A `confirm`
    /// override replaces both levels; an unreadable override falls back to the strictest level.
    pub fn new(name: &str, cfg: Option<&ContextConfig>) -> ContextPolicy {
        let kind = cfg
            .map(ContextConfig::kind)
            .unwrap_or_else(|| crate::state::context::DEFAULT_TYPE.to_string());
        let class = ContextClass::of(name, &kind);
        let (mut m, mut d) = class.confirm();
        if let Some(c) = cfg.map(|c| c.confirm.trim()).filter(|c| !c.is_empty()) {
            let level = ConfirmLevel::parse(c).unwrap_or(ConfirmLevel::TypeName);
            m = level;
            d = level;
        }
        let tone = cfg
            .and_then(|c| Tone::parse(&c.color))
            .unwrap_or_else(|| class.tone());
        ContextPolicy {
            name: name.to_string(),
            kind,
            class,
            read_only: cfg.is_some_and(|c| c.read_only),
            tone,
            confirm_mutating: m,
            confirm_destructive: d,
        }
    }

    pub fn confirm_for(&self, danger: Danger) -> ConfirmLevel {
        match danger {
            Danger::Read => ConfirmLevel::None,
            Danger::Mutating => self.confirm_mutating,
            Danger::Destructive => self.confirm_destructive,
        }
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
mod tests {
    use super::*;

    fn policy(name: &str, kind: &str, read_only: bool) -> ContextPolicy {
        let cfg = ContextConfig {
            name: name.parse().unwrap(),
            kind: kind.into(),
            read_only,
            ..Default::default()
        };
        ContextPolicy::new(name, Some(&cfg))
    }

    fn no_doctor() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn table_is_complete_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for v in Verb::ALL {
            assert!(seen.insert(v.command()), "duplicate {}", v.command());
        }
        assert_eq!(Verb::TargetExec.danger(), Danger::Destructive);
        assert_eq!(Verb::Rollback.danger(), Danger::Destructive);
        assert_eq!(Verb::ContextRemove.danger(), Danger::Destructive);
        assert_eq!(Verb::Deploy.danger(), Danger::Mutating);
        assert_eq!(Verb::TargetCheck.danger(), Danger::Read);
        // SPEC §5: backup state/run M, list/verify R, restore/prune D.
        for (v, d) in [
            (Verb::BackupState, Danger::Mutating),
            (Verb::BackupRun, Danger::Mutating),
            (Verb::BackupList, Danger::Read),
            (Verb::BackupVerify, Danger::Read),
            (Verb::BackupRestore, Danger::Destructive),
            (Verb::BackupPrune, Danger::Destructive),
        ] {
            assert_eq!(v.danger(), d, "{v:?}");
            assert!(v.command().starts_with("backup "));
        }
        // SPEC §6: plan/status R; init/clone/start/stop M; reset/exec/destroy D.
        for (v, d) in [
            (Verb::StagePlan, Danger::Read),
            (Verb::StageStatus, Danger::Read),
            (Verb::StageInit, Danger::Mutating),
            (Verb::StageClone, Danger::Mutating),
            (Verb::StageStart, Danger::Mutating),
            (Verb::StageStop, Danger::Mutating),
            (Verb::StageReset, Danger::Destructive),
            (Verb::StageExec, Danger::Destructive),
            (Verb::StageDestroy, Danger::Destructive),
            (Verb::StageConfigure, Danger::Mutating),
            (Verb::StageShow, Danger::Read),
        ] {
            assert_eq!(v.danger(), d, "{v:?}");
            assert!(v.command().starts_with("stage "));
        }
        // SPEC §6, §15.
        for (v, d) in [
            (Verb::Check, Danger::Read),
            (Verb::DeployReconcile, Danger::Read),
            (Verb::AlertSetupTelegram, Danger::Mutating),
            (Verb::AlertSetupWebhook, Danger::Mutating),
            (Verb::AlertPolicyShow, Danger::Read),
            (Verb::AlertPolicySet, Danger::Mutating),
            (Verb::AlertTest, Danger::Mutating),
            (Verb::AlertHistory, Danger::Read),
            (Verb::AlertAcknowledge, Danger::Mutating),
            (Verb::IncidentList, Danger::Read),
            (Verb::IncidentShow, Danger::Read),
            (Verb::IncidentResolve, Danger::Mutating),
        ] {
            assert_eq!(v.danger(), d, "{v:?}");
        }
    }

    #[test]
    fn read_only_refuses_every_non_read_verb_in_every_front_end() {
        for kind in [
            "production",
            "internal-dogfood",
            "staging",
            "oss-demo",
            "other",
        ] {
            let ctx = policy("c", kind, true);
            for &v in Verb::ALL {
                for fe in [Frontend::Console, Frontend::Headless { explicit: true }] {
                    let got = check(v, &ctx, fe, false, "flag", &mut no_doctor);
                    if v.danger() == Danger::Read || v.spec().root_scope || v.spec().operator_scope
                    {
                        assert!(got.is_ok(), "{v:?}");
                    } else {
                        let e = got.unwrap_err();
                        assert_eq!(e.code, ErrorCode::ContextGuard, "{v:?}");
                        assert_eq!(e.exit_code(), 2);
                    }
                }
                // --write lifts it
                if v.danger() != Danger::Read && !v.spec().doctor_gated {
                    check(
                        v,
                        &ctx,
                        Frontend::Headless { explicit: true },
                        true,
                        "flag",
                        &mut no_doctor,
                    )
                    .unwrap();
                }
            }
        }
    }

    #[test]
    fn headless_mutation_needs_explicit_context() {
        let ctx = policy("oss", "oss-demo", false);
        let e = check(
            Verb::TargetAdd,
            &ctx,
            Frontend::Headless { explicit: false },
            false,
            "from current_context",
            &mut no_doctor,
        )
        .unwrap_err();
        assert!(e.message.contains("\"oss\""), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            check(
                Verb::TargetList,
                &ctx,
                Frontend::Headless { explicit: false },
                false,
                "",
                &mut no_doctor
            )
            .unwrap(),
            Decision::Proceed
        );
    }

    #[test]
    fn doctor_gate_only_for_gated_verbs() {
        let ctx = policy("p", "production", false);
        let mut failing = || vec!["state_root_outside_repo".to_string()];
        let e = check(
            Verb::SecretSet,
            &ctx,
            Frontend::Headless { explicit: true },
            false,
            "",
            &mut failing,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::DoctorBlocked);
        assert_eq!(e.exit_code(), 1);
        check(
            Verb::TargetAdd,
            &ctx,
            Frontend::Headless { explicit: true },
            false,
            "",
            &mut failing,
        )
        .unwrap();
    }

    #[test]
    fn a_verb_is_not_blocked_by_the_check_it_fixes() {
        let ctx = policy("p", "production", false);
        let headless = Frontend::Headless { explicit: true };
        let mut only_vault = || vec!["vault_values_encrypted".to_string()];
        check(
            Verb::SecretEncrypt,
            &ctx,
            headless,
            false,
            "",
            &mut only_vault,
        )
        .unwrap();
        for gated in [Verb::SecretSet, Verb::Deploy, Verb::VaultRecipientAdd] {
            let e = check(gated, &ctx, headless, false, "", &mut only_vault).unwrap_err();
            assert_eq!(e.code, ErrorCode::DoctorBlocked, "{gated:?}");
        }
        let mut both = || {
            vec![
                "vault_values_encrypted".to_string(),
                "state_permissions".to_string(),
            ]
        };
        let e = check(Verb::SecretEncrypt, &ctx, headless, false, "", &mut both).unwrap_err();
        assert!(e.message.contains("state_permissions") && !e.message.contains("vault_values"));
    }

    #[test]
    fn keygen_is_the_operators_own_and_needs_no_context() {
        let ro = policy("p", "production", true);
        let e = check(
            Verb::VaultKeygen,
            &ro,
            Frontend::Headless { explicit: false },
            false,
            "",
            &mut no_doctor,
        );
        assert_eq!(e.unwrap(), Decision::Proceed);
        let e = check(
            Verb::VaultRecipientAdd,
            &ro,
            Frontend::Headless { explicit: true },
            false,
            "",
            &mut no_doctor,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ContextGuard);
    }

    #[test]
    fn console_confirmation_levels_per_class() {
        let cases = [
            (
                "production",
                Danger::Mutating,
                Decision::Confirm(ConfirmLevel::Yes),
            ),
            (
                "production",
                Danger::Destructive,
                Decision::Confirm(ConfirmLevel::TypeName),
            ),
            (
                "internal-dogfood",
                Danger::Destructive,
                Decision::Confirm(ConfirmLevel::TypeName),
            ),
            (
                "staging",
                Danger::Destructive,
                Decision::Confirm(ConfirmLevel::Yes),
            ),
            ("oss-demo", Danger::Mutating, Decision::Proceed),
            (
                "oss-demo",
                Danger::Destructive,
                Decision::Confirm(ConfirmLevel::Yes),
            ),
            (
                "whatever",
                Danger::Destructive,
                Decision::Confirm(ConfirmLevel::TypeName),
            ),
        ];
        for (kind, danger, want) in cases {
            let ctx = policy("c", kind, false);
            let verb = *Verb::ALL
                .iter()
                .find(|v| v.danger() == danger && !v.spec().doctor_gated)
                .unwrap();
            assert_eq!(
                check(verb, &ctx, Frontend::Console, false, "", &mut no_doctor).unwrap(),
                want,
                "{kind} {danger:?}"
            );
        }
    }

    #[test]
    fn classes_and_overrides() {
        assert_eq!(
            ContextClass::of("customer-42", "oss-demo"),
            ContextClass::Production
        );
        let cfg = ContextConfig {
            name: "d".parse().unwrap(),
            kind: "oss-demo".into(),
            color: "#102030".into(),
            confirm: "type-name".into(),
            ..Default::default()
        };
        let p = ContextPolicy::new("d", Some(&cfg));
        assert_eq!(p.tone, Tone::Rgb(0x10, 0x20, 0x30));
        assert_eq!(p.confirm_mutating, ConfirmLevel::TypeName);
        let bad = ContextConfig {
            confirm: "maybe".into(),
            ..cfg
        };
        assert_eq!(
            ContextPolicy::new("d", Some(&bad)).confirm_mutating,
            ConfirmLevel::TypeName
        );
    }
}
