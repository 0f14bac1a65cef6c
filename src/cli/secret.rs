//! `secret …` arguments (values never on the command line).

use clap::{Args, Subcommand};

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
