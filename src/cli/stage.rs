//! `stage …` arguments: the staging incus project of a staging context (SPEC §14).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Which components an action covers.
#[derive(Args, Debug, Clone, Default)]
pub struct ComponentsArg {
    /// Comma-separated component names (default: every component)
    #[arg(long, value_name = "a,b")]
    pub components: Option<String>,
}

impl ComponentsArg {
    pub fn names(&self) -> Vec<String> {
        self.components
            .as_deref()
            .map(crate::state::names::split_csv)
            .unwrap_or_default()
    }
}

#[derive(Subcommand, Debug)]
pub enum StageCmd {
    /// Every incus command the next `init` and `clone` would run (changes nothing)
    Plan,
    /// The staging project's instances joined with the configuration, and the host's free disk
    Status,
    /// Create the project (own networks and profiles), its network and its default profile
    Init,
    /// Copy components from production, give each its staging address, wipe, start
    Clone(ComponentsArg),
    /// Start components (refused while one lacks its staging address)
    Start(ComponentsArg),
    /// Stop components
    Stop(ComponentsArg),
    /// Stop a component, delete its wipe paths while it is stopped, start it again
    Reset {
        #[arg(value_name = "COMPONENT")]
        component: String,
    },
    /// Run a command in a component (each word one argument; no shell unless you ask for one)
    Exec {
        #[arg(value_name = "COMPONENT")]
        component: String,
        #[arg(last = true, required = true, num_args = 1.., value_name = "CMD")]
        command: Vec<String>,
    },
    /// An interactive login shell in a component (`incus exec --project P COMPONENT -t`)
    Shell {
        #[arg(value_name = "COMPONENT")]
        component: String,
    },
    /// Delete every instance of the staging project, its network and the project
    Destroy {
        /// Required: everything in the staging project is deleted
        #[arg(long)]
        force: bool,
    },
    /// Write the stage object of paasdeck.json from a file, or show it
    Configure(ConfigureArgs),
}

#[derive(Args, Debug, Clone)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["from_file", "show"]))]
pub struct ConfigureArgs {
    /// A JSON file holding the stage object (or `{"stage": {...}}`)
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// Print the current stage object
    #[arg(long)]
    pub show: bool,
    /// Validate and show the changes without writing them
    #[arg(long, requires = "from_file")]
    pub dry_run: bool,
}
