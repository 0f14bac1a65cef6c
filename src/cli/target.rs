//! `target` arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{FanoutArgs, parse_timeout};

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
    /// Install your public key over one password login, verify key auth, switch to it
    Bootstrap(TargetBootstrapArgs),
    /// An interactive login shell on a target, over its SSH master (destructive)
    Shell(TargetShellArgs),
}

#[derive(Args, Debug, Clone)]
pub struct TargetShellArgs {
    #[arg(long, value_name = "NAME")]
    pub target: String,
}

#[derive(Args, Debug, Clone)]
pub struct TargetBootstrapArgs {
    #[arg(long, value_name = "NAME")]
    pub target: String,
    /// The NAME of an environment variable holding the password (never the password itself)
    #[arg(long, value_name = "VAR")]
    pub password_env: String,
    /// Public key to install (default ~/.ssh/id_ed25519.pub, then ~/.ssh/id_rsa.pub)
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// Time limit for the whole bootstrap
    #[arg(long, default_value = "45s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

/// `target check --timeout`'s default.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(30);
/// `target exec --timeout`'s default.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(600);
/// `target check --parallel`'s default.
pub const DEFAULT_CHECK_PARALLEL: u32 = 16;

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
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Targets checked at once
    #[arg(long, default_value_t = DEFAULT_CHECK_PARALLEL, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub parallel: u32,
}

#[derive(Args, Debug, Clone)]
pub struct TargetExecArgs {
    /// Comma-separated target names, or `all`
    #[arg(long, value_name = "a,b|all")]
    pub targets: String,
    #[command(flatten)]
    pub fanout: FanoutArgs,
    /// Time limit per target
    #[arg(long, default_value = "10m", value_parser = parse_timeout)]
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
