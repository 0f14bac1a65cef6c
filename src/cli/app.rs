//! `app` arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
    /// si add-ons (postgres, redis, nats, supabase-walg, databasus) merged into every release
    #[command(subcommand)]
    Addon(AddonCmd),
    /// An interactive shell in a service of the app's current release (destructive)
    Shell(AppShellArgs),
    /// Take the app down on its targets with its volumes, then deploy its current release on
    /// fresh ones (destructive: the app's data is gone)
    Reset(AppResetArgs),
}

#[derive(Args, Debug, Clone)]
pub struct AppResetArgs {
    #[arg(long, value_name = "APP")]
    pub app: String,
    /// Confirm the reset in an oss-demo or staging context
    #[arg(long)]
    pub yes: bool,
    /// The context's name, typed: required for a reset in any other context type
    #[arg(long, value_name = "NAME")]
    pub confirm_context: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct AppShellArgs {
    #[arg(long, value_name = "APP")]
    pub app: String,
    /// The compose service (default: the one service of the release's compose.yaml)
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// The target (default: the app's first)
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AddonCmd {
    /// The pack catalogue
    Contract,
    /// Enable an add-on pack for an app (or replace one of the same name)
    Enable(AddonEnableArgs),
    /// The enabled add-ons
    #[command(visible_alias = "ls")]
    List {
        /// Only this app's
        #[arg(long, value_name = "APP")]
        app: Option<String>,
    },
    /// Disable an add-on: its service leaves the app at the next deploy (its volume stays)
    #[command(visible_alias = "remove", alias = "rm")]
    Disable {
        #[arg(long, value_name = "APP")]
        app: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct AddonEnableArgs {
    #[arg(long, value_name = "APP")]
    pub app: String,
    /// postgres, redis, nats, supabase-walg or databasus
    #[arg(long, value_name = "PACK")]
    pub pack: String,
    /// Add-on name (default: the pack)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Compose service name (default: <pack>-<name>)
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Image version (default: the pack's)
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// Pack variables as KEY=value, comma-separated (e.g. POSTGRES_DB=shop)
    #[arg(long, value_name = "K=V,...")]
    pub set: Option<String>,
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
    /// Backup command, run on the target in the current release directory; writes a dump to stdout
    #[arg(long, value_name = "CMD", requires = "restore_cmd")]
    pub backup_cmd: Option<String>,
    /// Restore command, run there too; reads a dump on stdin
    #[arg(long, value_name = "CMD", requires = "backup_cmd")]
    pub restore_cmd: Option<String>,
}
