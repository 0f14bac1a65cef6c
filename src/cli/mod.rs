//! The command tree (mirrors `si paas`), one file per command group. Parsing only: every
//! handler lives elsewhere.

mod agent;
mod app;
mod backup;
mod context;
mod deploy;
mod events;
mod oncall;
mod secret;
mod stage;
mod target;

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::policy::guard::Verb;

pub use agent::*;
pub use app::*;
pub use backup::*;
pub use context::*;
pub use deploy::*;
pub use events::*;
pub use oncall::*;
pub use secret::*;
pub use stage::*;
pub use target::*;

#[derive(Parser, Debug)]
#[command(
    name = "paasdeck",
    version,
    about = "Operator console and headless CLI for a small self-hosted PaaS: Docker Compose apps over SSH, in strictly separated contexts.",
    long_about = None,
    after_help = "Without a command, opens the console on the state root. `paasdeck demo` opens it on a self-contained demo state."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted anywhere on the line.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// State root (default: $SI_PAAS_STATE_ROOT, else $HOME/.si/paas)
    #[arg(long, global = true, value_name = "PATH")]
    pub state_root: Option<PathBuf>,
    /// Context to act in (mutating commands require it)
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Print exactly one JSON document on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Lift a context's read-only flag for this invocation
    #[arg(long, global = true)]
    pub write: bool,
    /// No colours (also honoured: NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More detail in the log file (-v debug, -vv trace)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// SSH connect timeout (whole seconds, at least 1s; the whole connection set-up may take three times as long)
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_connect_timeout)]
    pub connect_timeout: Duration,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, inspect, switch, export and import contexts
    #[command(subcommand)]
    Context(ContextCmd),
    /// Manage the SSH targets of a context
    #[command(subcommand)]
    Target(TargetCmd),
    /// Manage the apps registry of a context
    #[command(subcommand)]
    App(AppCmd),
    /// Read the audit, deploy and alert events of a context
    #[command(subcommand)]
    Events(EventsCmd),
    /// Manage secrets in the context vault (values never on the command line)
    #[command(subcommand)]
    Secret(SecretCmd),
    /// Your age identity and the recipients of the context vault
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Plan a deploy (bundle only), or apply it with --apply; `deploy lock` manages the lock
    Deploy(DeployArgs),
    /// Roll an app back to the previous (or a named) release
    Rollback(RollbackArgs),
    /// An app's compose logs on a target; --follow streams until interrupted
    Logs(LogsArgs),
    /// Encrypted, checksummed, catalogued backups of apps and of the context's state
    #[command(subcommand)]
    Backup(BackupCmd),
    /// Check that private state stays private and contexts stay apart
    Doctor(DoctorArgs),
    /// The scripted health check for cron: doctor, targets, backups and deploy drift
    Check(CheckArgs),
    /// The runbook's weekly checklist: doctor, distinct contexts, backups re-hashed, alert channel, rollback drill
    Checklist(ChecklistArgs),
    /// Alert channels, routing, history and acknowledgement
    #[command(subcommand)]
    Alert(AlertCmd),
    /// Failures folded into incidents
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Automation agents: incidents turned into proposed remediations, approved by an operator
    #[command(subcommand)]
    Agent(AgentCmd),
    /// A staging context's isolated incus project, cloned from production (STAGE-GBO)
    #[command(subcommand)]
    Stage(StageCmd),
    /// Print every path paasdeck uses
    Info,
    /// Open the console on a fresh, self-contained demo state
    Demo(DemoArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct DemoArgs {
    /// Write the demo state and print its state root instead of opening the console
    #[arg(long)]
    pub seed_only: bool,
    /// The engine of the demo's local targets: `simulated` (shipped with paasdeck, no Docker
    /// needed) or `docker` (oss-demo's target uses this machine's Docker engine and a demo
    /// image built locally from busybox)
    #[arg(long, value_enum, default_value = "simulated")]
    pub engine: DemoEngineArg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoEngineArg {
    #[default]
    Simulated,
    Docker,
}

impl DemoEngineArg {
    pub fn engine(self) -> crate::demo::engine::DemoEngine {
        match self {
            DemoEngineArg::Simulated => crate::demo::engine::DemoEngine::Simulated,
            DemoEngineArg::Docker => crate::demo::engine::DemoEngine::Docker,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyArg {
    Serial,
    Rolling,
    Canary,
    Parallel,
}

impl StrategyArg {
    pub fn strategy(self) -> crate::remote::fanout::Strategy {
        use crate::remote::fanout::Strategy;
        match self {
            StrategyArg::Serial => Strategy::Serial,
            StrategyArg::Rolling => Strategy::Rolling,
            StrategyArg::Canary => Strategy::Canary,
            StrategyArg::Parallel => Strategy::Parallel,
        }
    }
}

/// How an action fans out over targets.
#[derive(Args, Debug, Clone)]
pub struct FanoutArgs {
    #[arg(long, value_enum, default_value_t = StrategyArg::Serial)]
    pub strategy: StrategyArg,
    /// Targets at once (rolling chunk size, parallel cap)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub max_parallel: u32,
    /// Keep going to later batches after a failure (never past a failed canary)
    #[arg(long)]
    pub continue_on_error: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DoctorArgs {
    /// Check every context
    #[arg(long)]
    pub all_contexts: bool,
}

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 45s, 2m, 1h)"))
}

/// A time limit: zero would stop every command before it starts, so it is refused.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("a time limit must be above zero (examples: 30s, 45s, 2m)".to_string());
    }
    Ok(d)
}

/// The SSH connect timeout. OpenSSH's `ConnectTimeout` counts whole seconds, so less than one
/// second is refused and a fraction is rounded up (1500ms → 2s).
pub(crate) fn parse_connect_timeout(s: &str) -> Result<Duration, String> {
    let d = parse_timeout(s)?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "{} is below one second; OpenSSH counts its connect timeout in whole seconds (use 1s or more)",
            humantime::format_duration(d)
        ));
    }
    let whole = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    Ok(Duration::from_secs(whole))
}

pub fn parse_since(s: &str) -> Result<Duration, String> {
    parse_duration(s)
}

impl Command {
    pub fn verb(&self) -> Verb {
        match self {
            Command::Context(c) => match c {
                ContextCmd::Init { .. } => Verb::ContextInit,
                ContextCmd::List => Verb::ContextList,
                ContextCmd::Show { .. } => Verb::ContextShow,
                ContextCmd::Use { .. } => Verb::ContextUse,
                ContextCmd::Remove { .. } => Verb::ContextRemove,
                ContextCmd::Export { .. } => Verb::ContextExport,
                ContextCmd::Import { .. } => Verb::ContextImport,
                ContextCmd::ScrubBundles { .. } => Verb::ContextScrubBundles,
            },
            Command::Target(t) => match t {
                TargetCmd::Add(_) => Verb::TargetAdd,
                TargetCmd::List => Verb::TargetList,
                TargetCmd::Use { .. } => Verb::TargetUse,
                TargetCmd::Remove { .. } => Verb::TargetRemove,
                TargetCmd::Check(_) => Verb::TargetCheck,
                TargetCmd::Exec(_) => Verb::TargetExec,
                TargetCmd::Bootstrap(_) => Verb::TargetBootstrap,
                TargetCmd::Shell(_) => Verb::TargetShell,
            },
            Command::App(a) => match a {
                AppCmd::Add(_) => Verb::AppAdd,
                AppCmd::List => Verb::AppList,
                AppCmd::Status { .. } => Verb::AppStatus,
                AppCmd::Remove { .. } => Verb::AppRemove,
                AppCmd::Addon(c) => match c {
                    AddonCmd::Contract => Verb::AppAddonContract,
                    AddonCmd::Enable(_) => Verb::AppAddonEnable,
                    AddonCmd::List { .. } => Verb::AppAddonList,
                    AddonCmd::Disable { .. } => Verb::AppAddonDisable,
                },
                AppCmd::Shell(_) => Verb::AppShell,
                AppCmd::Reset(_) => Verb::AppReset,
            },
            Command::Events(e) => match e {
                EventsCmd::List { .. } => Verb::EventsList,
                EventsCmd::Tail { .. } => Verb::EventsTail,
            },
            Command::Secret(s) => match s {
                SecretCmd::Set { .. } => Verb::SecretSet,
                SecretCmd::List { .. } => Verb::SecretList,
                SecretCmd::Get { .. } => Verb::SecretGet,
                SecretCmd::Unset { .. } => Verb::SecretUnset,
                SecretCmd::Encrypt => Verb::SecretEncrypt,
            },
            Command::Vault(v) => match v {
                VaultCmd::Keygen => Verb::VaultKeygen,
                VaultCmd::Status => Verb::VaultStatus,
                VaultCmd::Recipient(RecipientCmd::Add { .. }) => Verb::VaultRecipientAdd,
            },
            Command::Deploy(d) => match &d.sub {
                None => Verb::Deploy,
                Some(DeploySub::Lock(LockCmd::Status { .. })) => Verb::DeployLockStatus,
                Some(DeploySub::Lock(LockCmd::Acquire { .. })) => Verb::DeployLockAcquire,
                Some(DeploySub::Lock(LockCmd::Release { .. })) => Verb::DeployLockRelease,
                Some(DeploySub::Reconcile(_)) => Verb::DeployReconcile,
            },
            Command::Check(_) => Verb::Check,
            Command::Checklist(_) => Verb::Checklist,
            Command::Alert(a) => match a {
                AlertCmd::SetupTelegram { .. } => Verb::AlertSetupTelegram,
                AlertCmd::SetupWebhook => Verb::AlertSetupWebhook,
                AlertCmd::Policy(AlertPolicyCmd::Show) => Verb::AlertPolicyShow,
                AlertCmd::Policy(AlertPolicyCmd::Set { .. }) => Verb::AlertPolicySet,
                AlertCmd::Test { .. } => Verb::AlertTest,
                AlertCmd::History { .. } => Verb::AlertHistory,
                AlertCmd::Acknowledge { .. } => Verb::AlertAcknowledge,
            },
            Command::Incident(i) => match i {
                IncidentCmd::List { .. } => Verb::IncidentList,
                IncidentCmd::Show { .. } => Verb::IncidentShow,
                IncidentCmd::Resolve { .. } => Verb::IncidentResolve,
                IncidentCmd::Acknowledge { .. } => Verb::IncidentAcknowledge,
            },
            Command::Agent(a) => match a {
                AgentCmd::Enable { .. } => Verb::AgentEnable,
                AgentCmd::Disable { .. } => Verb::AgentDisable,
                AgentCmd::Status { .. } => Verb::AgentStatus,
                AgentCmd::Logs { .. } => Verb::AgentLogs,
                AgentCmd::RunOnce { .. } => Verb::AgentRunOnce,
                AgentCmd::Approve { .. } => Verb::AgentApprove,
                AgentCmd::Deny { .. } => Verb::AgentDeny,
            },
            Command::Backup(b) => match b {
                BackupCmd::State => Verb::BackupState,
                BackupCmd::Run(_) => Verb::BackupRun,
                BackupCmd::List { .. } => Verb::BackupList,
                BackupCmd::Verify(_) => Verb::BackupVerify,
                BackupCmd::Restore(_) => Verb::BackupRestore,
                BackupCmd::Prune(_) => Verb::BackupPrune,
            },
            Command::Rollback(_) => Verb::Rollback,
            Command::Logs(_) => Verb::Logs,
            Command::Doctor(_) => Verb::Doctor,
            Command::Stage(s) => match s {
                StageCmd::Plan => Verb::StagePlan,
                StageCmd::Status => Verb::StageStatus,
                StageCmd::Init => Verb::StageInit,
                StageCmd::Clone(_) => Verb::StageClone,
                StageCmd::Start(_) => Verb::StageStart,
                StageCmd::Stop(_) => Verb::StageStop,
                StageCmd::Reset { .. } => Verb::StageReset,
                StageCmd::Exec { .. } => Verb::StageExec,
                StageCmd::Shell { .. } => Verb::StageShell,
                StageCmd::Destroy { .. } => Verb::StageDestroy,
                StageCmd::Configure(c) if c.show => Verb::StageShow,
                StageCmd::Configure(_) => Verb::StageConfigure,
            },
            Command::Info => Verb::Info,
            Command::Demo(_) => Verb::Demo,
        }
    }

    /// Commands about the whole root rather than one context (`context list`, `info`,
    /// `doctor --all-contexts`), or about no context at all (`vault keygen`): they run even
    /// when the stored current context is damaged.
    pub fn spans_contexts(&self) -> bool {
        matches!(
            self,
            Command::Context(ContextCmd::List)
                | Command::Info
                | Command::Doctor(DoctorArgs { all_contexts: true })
                | Command::Checklist(ChecklistArgs { all_contexts: true })
                | Command::Vault(VaultCmd::Keygen)
                | Command::Check(CheckArgs {
                    all_contexts: true,
                    ..
                })
                | Command::Incident(IncidentCmd::List {
                    all_contexts: true,
                    ..
                })
        )
    }

    /// The context a command names as its subject on the command line (`context init NAME`,
    /// `context import --name N`), which counts as an explicit choice.
    pub fn named_context(&self) -> Option<&str> {
        match self {
            Command::Context(c) => match c {
                ContextCmd::Init { name, .. }
                | ContextCmd::Show { name }
                | ContextCmd::Use { name }
                | ContextCmd::Remove { name, .. } => name.get(),
                ContextCmd::Export { name, .. } | ContextCmd::Import { name, .. } => {
                    name.as_deref()
                }
                ContextCmd::List | ContextCmd::ScrubBundles { .. } => None,
            },
            _ => None,
        }
    }
}
