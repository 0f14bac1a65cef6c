//! `agent` arguments (SPEC §17): si's automation-agent surface.

use clap::Subcommand;

#[derive(Subcommand, Debug, Clone)]
pub enum AgentCmd {
    /// Create or enable an agent
    Enable {
        #[arg(long)]
        name: String,
        /// `all` or comma-separated target names the agent may act on
        #[arg(long, value_name = "all|a,b")]
        targets: Option<String>,
        #[arg(long)]
        profile: Option<String>,
    },
    /// Disable an agent
    Disable {
        #[arg(long)]
        name: String,
    },
    /// The agents, with their runs waiting for approval (`list`: the si overview's spelling)
    #[command(visible_alias = "list")]
    Status {
        #[arg(long)]
        name: Option<String>,
    },
    /// An agent's run records, newest first
    Logs {
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
        tail: u32,
        /// Accepted as si accepts it; the records are printed once
        #[arg(long)]
        follow: bool,
    },
    /// Propose one remediation for the requested or newest open incident
    #[command(visible_alias = "runonce")]
    RunOnce {
        #[arg(long)]
        name: String,
        #[arg(long)]
        incident: Option<String>,
    },
    /// Approve a run waiting for approval: its remediation runs now, through the guard
    Approve {
        #[arg(long)]
        run: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Deny a run waiting for approval: nothing runs
    Deny {
        #[arg(long)]
        run: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}
