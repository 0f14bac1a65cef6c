//! `check`, `deploy reconcile`, `alert` and `incident` arguments (SPEC §15).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::parse_timeout;

/// `checklist`: the runbook's weekly checklist.
#[derive(Args, Debug, Clone, Default)]
pub struct ChecklistArgs {
    /// Every context, side by side
    #[arg(long)]
    pub all_contexts: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Check every context
    #[arg(long)]
    pub all_contexts: bool,
    /// Leave out everything that reaches a target (target check, deploy drift)
    #[arg(long)]
    pub skip_remote: bool,
    /// Also write the results for node_exporter's textfile collector (replaced atomically)
    #[arg(long, value_name = "FILE")]
    pub prometheus: Option<PathBuf>,
    /// Time limit per target for the target check and the drift check
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

#[derive(Args, Debug, Clone)]
pub struct ReconcileArgs {
    #[arg(long)]
    pub app: String,
    /// Comma-separated targets or `all` (default: the app's targets, else the current target)
    #[arg(long, value_name = "a,b|all")]
    pub targets: Option<String>,
    /// Remote root for releases (default: the app's, else the recorded one, else /opt/si/paas/releases)
    #[arg(long, value_name = "DIR")]
    pub remote_dir: Option<String>,
    /// Time limit per target
    #[arg(long, default_value = "45s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];
const CHANNELS: [&str; 5] = ["telegram", "webhook", "disabled", "none", "off"];

#[derive(Subcommand, Debug, Clone)]
pub enum AlertCmd {
    /// Send alerts to a Telegram chat; the bot token is read from stdin (or a hidden prompt)
    SetupTelegram {
        /// The chat id (a number, negative for groups, or @channelname)
        #[arg(long, allow_hyphen_values = true)]
        chat_id: String,
    },
    /// Send alerts as JSON POSTs to a webhook; the URL is read from stdin (or a hidden prompt)
    SetupWebhook,
    /// Which channel each severity goes to
    #[command(subcommand)]
    Policy(AlertPolicyCmd),
    /// Raise a test alert through the policy
    Test {
        #[arg(long, default_value = "info", value_parser = SEVERITIES)]
        severity: String,
        #[arg(long, default_value = "paasdeck alert test")]
        message: String,
    },
    /// The last alerts, oldest first
    History {
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        #[arg(long, value_parser = SEVERITIES)]
        severity: Option<String>,
    },
    /// Acknowledge an alert by its id (its incident becomes acknowledged)
    Acknowledge {
        #[arg(long)]
        id: String,
        #[arg(long, default_value = "acknowledged")]
        note: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum AlertPolicyCmd {
    /// The routing in force
    Show,
    /// Route a severity (or the default) to telegram, webhook or disabled
    Set {
        #[arg(long = "default", value_parser = CHANNELS)]
        default_channel: Option<String>,
        #[arg(long, value_parser = CHANNELS)]
        info: Option<String>,
        #[arg(long, value_parser = CHANNELS)]
        warning: Option<String>,
        #[arg(long, value_parser = CHANNELS)]
        critical: Option<String>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum IncidentCmd {
    /// Incidents, newest first
    List {
        #[arg(long, value_parser = ["open", "acknowledged", "suppressed", "resolved"])]
        status: Option<String>,
        /// Every context's incidents
        #[arg(long)]
        all_contexts: bool,
    },
    /// One incident, every field
    Show { id: String },
    /// Acknowledge an incident (someone is on it), whether or not an alert was raised for it
    Acknowledge {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Mark an incident resolved
    Resolve {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}
