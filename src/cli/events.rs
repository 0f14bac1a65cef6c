//! `events` arguments.

use clap::Subcommand;

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
        /// Only this app's events: its deploys, audit rows naming it, its alerts and incidents
        #[arg(long)]
        app: Option<String>,
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
        /// Only this app's events (also while following)
        #[arg(long)]
        app: Option<String>,
    },
}
