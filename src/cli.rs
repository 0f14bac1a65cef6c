//! The command tree (mirrors `si paas`). Parsing only: every handler lives elsewhere.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::policy::guard::Verb;

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
    /// SSH connect timeout
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
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
    /// Plan a deploy (bundle only), or apply it with --apply; `deploy lock` manages the lock
    Deploy(DeployArgs),
    /// Roll an app back to the previous (or a named) release
    Rollback(RollbackArgs),
    /// An app's compose logs on a target; --follow streams until interrupted
    Logs(LogsArgs),
    /// Check that private state stays private and contexts stay apart
    Doctor(DoctorArgs),
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
}

/// A context name given as a positional or with `--name`.
#[derive(Args, Debug, Clone, Default)]
pub struct NameArg {
    /// Context name
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Context name (alternative to the positional)
    #[arg(long = "name", value_name = "NAME", conflicts_with = "name")]
    pub name_flag: Option<String>,
}

impl NameArg {
    pub fn get(&self) -> Option<&str> {
        self.name.as_deref().or(self.name_flag.as_deref())
    }
}

#[derive(Subcommand, Debug)]
pub enum ContextCmd {
    /// Create a context (or update its settings)
    Init {
        #[command(flatten)]
        name: NameArg,
        /// production, customer, internal-dogfood, staging, oss-demo, or your own
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Vault file (default: <context>/vault/secrets.env)
        #[arg(long, value_name = "FILE")]
        vault_file: Option<PathBuf>,
        /// Banner colour override: red, magenta, yellow, green, blue, cyan, gray, white or #rrggbb
        #[arg(long, value_name = "COLOR")]
        color: Option<String>,
        /// Refuse every mutating or destructive action unless --write
        #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
        read_only: Option<bool>,
        /// Confirmation level override: none, yes, type-name
        #[arg(long, value_name = "LEVEL")]
        confirm: Option<String>,
        /// Incus project of a staging context
        #[arg(long, value_name = "PROJECT")]
        incus_project: Option<String>,
        /// Allow changing the type of an existing context (its confirmations change with it)
        #[arg(long)]
        force: bool,
    },
    /// List contexts
    List,
    /// Show a context's settings
    Show {
        #[command(flatten)]
        name: NameArg,
    },
    /// Make a context the stored current context
    Use {
        #[command(flatten)]
        name: NameArg,
    },
    /// Delete a context and everything in it
    #[command(visible_alias = "rm", alias = "delete")]
    Remove {
        #[command(flatten)]
        name: NameArg,
        /// Required: the context's state, events and vault are deleted
        #[arg(long)]
        force: bool,
    },
    /// Export targets, deploy history and webhook mappings (no secrets)
    Export {
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Context to export (default: the active context)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Import an export into an existing context (merge, or --replace)
    Import {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Destination context (default: --context)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Overwrite instead of merging
        #[arg(long)]
        replace: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthArg {
    Key,
    Local,
}

#[derive(Subcommand, Debug)]
pub enum TargetCmd {
    /// Add a target
    Add(TargetAddArgs),
    /// List targets
    #[command(visible_alias = "ls")]
    List,
    /// Make a target current
    Use {
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Remove a target (the current one needs --force)
    #[command(visible_alias = "rm", alias = "delete")]
    Remove {
        #[arg(value_name = "NAME")]
        name: String,
        #[arg(long)]
        force: bool,
    },
    /// Preflight: TCP, SSH, architecture, Docker, Compose, disk, load
    Check(TargetCheckArgs),
    /// Run a command on targets with a fan-out strategy (destructive)
    Exec(TargetExecArgs),
}

#[derive(Args, Debug, Clone)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["target", "all"]))]
pub struct TargetCheckArgs {
    /// One target
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Every target of the context
    #[arg(long)]
    pub all: bool,
    /// Time limit for the whole check of one target
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Targets checked at once
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub parallel: u32,
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

#[derive(Args, Debug, Clone)]
pub struct TargetExecArgs {
    /// Comma-separated target names, or `all`
    #[arg(long, value_name = "a,b|all")]
    pub targets: String,
    #[command(flatten)]
    pub fanout: FanoutArgs,
    /// Time limit per target
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The command, after `--`; run by the target's shell as ssh would
    #[arg(last = true, required = true, num_args = 1.., value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct TargetAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub host: String,
    #[arg(long)]
    pub user: String,
    #[arg(long, default_value_t = 22, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    #[arg(long, value_enum, default_value_t = AuthArg::Key)]
    pub auth_method: AuthArg,
    /// Private key for this target (default: SI_PAAS_SSH_PRIVATE_KEY, then OpenSSH's defaults)
    #[arg(long, value_name = "PATH")]
    pub identity_file: Option<PathBuf>,
    /// Comma-separated labels
    #[arg(long, value_name = "a,b")]
    pub labels: Option<String>,
    /// Make it the current target
    #[arg(long)]
    pub default: bool,
}

#[derive(Subcommand, Debug)]
pub enum AppCmd {
    /// Register an app
    Add(AppAddArgs),
    /// List apps with their current release
    #[command(visible_alias = "ls")]
    List,
    /// An app's registry entry and release history
    Status {
        #[arg(value_name = "APP")]
        app: String,
    },
    /// Unregister an app (release history and bundles stay)
    #[command(visible_alias = "rm", alias = "delete")]
    Remove {
        #[arg(value_name = "APP")]
        app: String,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct AppAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, value_name = "FILE")]
    pub compose_file: PathBuf,
    /// Comma-separated target names, or `all`
    #[arg(long, value_name = "a,b")]
    pub targets: Option<String>,
    /// Health command run in the release directory (default: all services running, none unhealthy)
    #[arg(long, value_name = "CMD")]
    pub health_cmd: Option<String>,
    /// Remote root for releases (default /opt/si/paas/releases)
    #[arg(long, value_name = "DIR")]
    pub remote_dir: Option<String>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 45s, 2m, 1h)"))
}

#[derive(Subcommand, Debug)]
pub enum EventsCmd {
    /// Merged events, newest first
    List {
        /// info, warning or critical
        #[arg(long)]
        severity: Option<String>,
        /// e.g. succeeded, failed, sent
        #[arg(long)]
        status: Option<String>,
        /// audit, deploy or alert
        #[arg(long)]
        source: Option<String>,
        /// Only events newer than this (30m, 2h, 7d) or an RFC 3339 time
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
    },
    /// The newest events; --follow keeps printing new ones until interrupted
    Tail {
        #[arg(short = 'f', long)]
        follow: bool,
        /// How many existing events to print first
        #[arg(short = 'n', long, default_value_t = 10)]
        lines: u32,
    },
}

/// Where a secret applies.
#[derive(Args, Debug, Clone)]
pub struct SecretScopeArgs {
    #[arg(long)]
    pub app: String,
    /// Target the value is for (default: every target, `GLOBAL`)
    #[arg(long)]
    pub target: Option<String>,
    /// Namespace (default: DEFAULT)
    #[arg(long)]
    pub namespace: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum SecretCmd {
    /// Store a value read from stdin (or a hidden prompt)
    Set {
        #[command(flatten)]
        scope: SecretScopeArgs,
        #[arg(long)]
        name: String,
    },
    /// List the secret names of an app (never values)
    List {
        #[arg(long)]
        app: String,
        #[arg(long)]
        target: Option<String>,
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Whether a secret is set; --reveal --allow-plaintext prints it
    Get {
        #[command(flatten)]
        scope: SecretScopeArgs,
        #[arg(long)]
        name: String,
        #[arg(long)]
        reveal: bool,
        #[arg(long)]
        allow_plaintext: bool,
    },
    /// Remove a secret
    Unset {
        #[command(flatten)]
        scope: SecretScopeArgs,
        #[arg(long)]
        name: String,
    },
}

/// Flags shared by deploy and rollback.
#[derive(Args, Debug, Clone)]
pub struct ReleaseArgs {
    /// The app (registered with `app add`, or give --compose-file)
    #[arg(long)]
    pub app: Option<String>,
    /// Comma-separated targets or `all` (default: the app's targets, else the current target)
    #[arg(long, value_name = "a,b|all")]
    pub targets: Option<String>,
    #[command(flatten)]
    pub fanout: FanoutArgs,
    /// Do it (without: plan only, nothing remote)
    #[arg(long)]
    pub apply: bool,
    /// How long health may take after `up`
    #[arg(long, default_value = "45s", value_parser = parse_duration)]
    pub health_timeout: Duration,
    /// Health command run in the release directory (exit 0 = healthy)
    #[arg(long, value_name = "CMD")]
    pub health_cmd: Option<String>,
    /// Remote root for releases (default /opt/si/paas/releases)
    #[arg(long, value_name = "DIR")]
    pub remote_dir: Option<String>,
    /// Secret namespace (default DEFAULT)
    #[arg(long)]
    pub namespace: Option<String>,
    /// Time limit for putting a release on one target
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub apply_timeout: Duration,
}

#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DeployArgs {
    #[command(subcommand)]
    pub sub: Option<DeploySub>,
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Compose file (default: the app's registered one)
    #[arg(long, value_name = "FILE")]
    pub compose_file: Option<PathBuf>,
    /// Roll back to the last good release when health fails
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub rollback_on_failure: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum DeploySub {
    /// The deploy lock of an app
    #[command(subcommand)]
    Lock(LockCmd),
}

#[derive(Subcommand, Debug, Clone)]
pub enum LockCmd {
    /// Who holds which deploy lock
    Status {
        #[arg(long)]
        app: Option<String>,
    },
    /// Take the lock by hand (blocks deploys until released)
    Acquire {
        #[arg(long)]
        app: String,
        #[arg(short = 'm', long)]
        message: String,
    },
    /// Release the lock
    Release {
        #[arg(long)]
        app: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Release to return to (default: the previous one)
    #[arg(long, value_name = "RELEASE")]
    pub to_release: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LogsArgs {
    #[arg(long)]
    pub app: String,
    /// Target (default: the app's first target, else the current target)
    #[arg(long)]
    pub target: Option<String>,
    /// One compose service
    #[arg(long)]
    pub service: Option<String>,
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub tail: u32,
    /// Only newer than this (30m, 2h)
    #[arg(long)]
    pub since: Option<String>,
    /// Keep streaming until interrupted
    #[arg(short = 'f', long)]
    pub follow: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DoctorArgs {
    /// Check every context
    #[arg(long)]
    pub all_contexts: bool,
}

impl TargetAddArgs {
    /// The typed request `target add` and the console palette both make.
    pub fn new_target(&self) -> crate::ops::targets::NewTarget {
        crate::ops::targets::NewTarget {
            name: self.name.clone(),
            host: self.host.clone(),
            user: self.user.clone(),
            port: self.port,
            auth_method: match self.auth_method {
                AuthArg::Key => "key".into(),
                AuthArg::Local => "local".into(),
            },
            identity_file: self.identity_file.clone(),
            labels: self
                .labels
                .as_deref()
                .map(crate::state::names::split_csv)
                .unwrap_or_default(),
            make_default: self.default,
        }
    }
}

impl ReleaseArgs {
    /// The typed inputs of a deploy or rollback.
    pub fn common(&self) -> Result<crate::ops::deploy::Common, crate::error::PaasError> {
        let app = self.app.clone().ok_or_else(|| {
            crate::error::PaasError::usage("flag_validation", "--app is required")
        })?;
        crate::state::names::validate_app(&app)?;
        if let Some(h) = &self.health_cmd {
            crate::text::refuse_control("--health-cmd", h)?;
        }
        Ok(crate::ops::deploy::Common {
            targets: self
                .targets
                .as_deref()
                .map(crate::state::names::split_csv)
                .unwrap_or_default(),
            strategy: self.fanout.strategy.strategy(),
            max_parallel: self.fanout.max_parallel as usize,
            continue_on_error: self.fanout.continue_on_error,
            health_timeout: self.health_timeout,
            health_cmd: self.health_cmd.clone(),
            remote_dir: self.remote_dir.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            apply_timeout: self.apply_timeout,
            ..crate::ops::deploy::Common::new(&app)
        })
    }
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
            },
            Command::Target(t) => match t {
                TargetCmd::Add(_) => Verb::TargetAdd,
                TargetCmd::List => Verb::TargetList,
                TargetCmd::Use { .. } => Verb::TargetUse,
                TargetCmd::Remove { .. } => Verb::TargetRemove,
                TargetCmd::Check(_) => Verb::TargetCheck,
                TargetCmd::Exec(_) => Verb::TargetExec,
            },
            Command::App(a) => match a {
                AppCmd::Add(_) => Verb::AppAdd,
                AppCmd::List => Verb::AppList,
                AppCmd::Status { .. } => Verb::AppStatus,
                AppCmd::Remove { .. } => Verb::AppRemove,
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
            },
            Command::Deploy(d) => match &d.sub {
                None => Verb::Deploy,
                Some(DeploySub::Lock(LockCmd::Status { .. })) => Verb::DeployLockStatus,
                Some(DeploySub::Lock(LockCmd::Acquire { .. })) => Verb::DeployLockAcquire,
                Some(DeploySub::Lock(LockCmd::Release { .. })) => Verb::DeployLockRelease,
            },
            Command::Rollback(_) => Verb::Rollback,
            Command::Logs(_) => Verb::Logs,
            Command::Doctor(_) => Verb::Doctor,
            Command::Info => Verb::Info,
            Command::Demo(_) => Verb::Demo,
        }
    }

    /// Commands about the whole root rather than one context (`context list`, `info`,
    /// `doctor --all-contexts`): they run even when the stored current context is damaged.
    pub fn spans_contexts(&self) -> bool {
        matches!(
            self,
            Command::Context(ContextCmd::List)
                | Command::Info
                | Command::Doctor(DoctorArgs { all_contexts: true })
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
                ContextCmd::List => None,
            },
            _ => None,
        }
    }
}
