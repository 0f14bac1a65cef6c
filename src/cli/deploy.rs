//! `deploy`, `rollback` and `logs` arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Subcommand};

use super::{FanoutArgs, parse_timeout};

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
    #[arg(long, default_value = "45s", value_parser = parse_timeout)]
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
    #[arg(long, default_value = "2m", value_parser = parse_timeout)]
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
    /// Recorded vs running release on each target (in_sync, drifted, missing, unreachable)
    Reconcile(super::ReconcileArgs),
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
        /// Also remove a lock file that cannot be read (empty or damaged)
        #[arg(long)]
        force: bool,
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
