//! `backup` arguments (SPEC §12).

use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum BackupCmd {
    /// Archive the context's protected state (never the vault) into an encrypted backup
    State,
    /// Stream an app's dump (its backup_cmd on the target) into an encrypted backup
    Run(BackupRunArgs),
    /// List the catalogue, newest first
    #[command(visible_alias = "ls")]
    List {
        #[arg(long, value_name = "APP")]
        app: Option<String>,
        #[arg(long, value_enum)]
        kind: Option<BackupKindArg>,
    },
    /// Re-hash an artifact against the catalogue (--deep also decrypts it); the result is recorded
    Verify(BackupVerifyArgs),
    /// Restore an app's data on its target, or the context's state files, from a verified backup
    Restore(BackupRestoreArgs),
    /// Remove backups outside the retention policy (plan only without --apply)
    Prune(BackupPruneArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKindArg {
    App,
    State,
}

impl BackupKindArg {
    pub fn kind(self) -> crate::state::backups::BackupKind {
        match self {
            BackupKindArg::App => crate::state::backups::BackupKind::App,
            BackupKindArg::State => crate::state::backups::BackupKind::State,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct BackupRunArgs {
    #[arg(long)]
    pub app: String,
    /// Target to run the backup command on (default: the app's first target)
    #[arg(long)]
    pub target: Option<String>,
    /// Time limit for the whole backup
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = super::parse_timeout)]
    pub timeout: Duration,
}

#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["id", "latest"])))]
pub struct BackupVerifyArgs {
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// The newest finished backup (of --app, or of --kind)
    #[arg(long)]
    pub latest: bool,
    #[arg(long, requires = "latest")]
    pub app: Option<String>,
    #[arg(long, value_enum, requires = "latest")]
    pub kind: Option<BackupKindArg>,
    /// Also decrypt the artifact (needs your identity) and compare the plaintext checksum
    #[arg(long)]
    pub deep: bool,
}

#[derive(Args, Debug, Clone)]
pub struct BackupRestoreArgs {
    #[arg(long, value_name = "ID")]
    pub from: String,
    /// Target for an app restore (default: the target the backup was taken on)
    #[arg(long)]
    pub target: Option<String>,
    /// Required: a restore replaces data
    #[arg(long)]
    pub force: bool,
    /// Time limit for the whole restore
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = super::parse_timeout)]
    pub timeout: Duration,
}

#[derive(Args, Debug, Clone)]
pub struct BackupPruneArgs {
    #[arg(long, default_value_t = 7)]
    pub keep_daily: u32,
    #[arg(long, default_value_t = 4)]
    pub keep_weekly: u32,
    #[arg(long, default_value_t = 3)]
    pub keep_monthly: u32,
    /// Remove what the plan lists (without it, nothing is removed)
    #[arg(long)]
    pub apply: bool,
}
