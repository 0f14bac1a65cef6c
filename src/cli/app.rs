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
