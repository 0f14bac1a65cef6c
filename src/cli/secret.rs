//! `secret` and `vault` arguments.

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
    /// Encrypt every plaintext value of the context's vault in place
    Encrypt,
}

#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// Create your age identity if you have none, and print its recipient
    Keygen,
    /// Where your identity comes from, the vault's recipients and how many values are encrypted
    Status,
    /// Manage who can decrypt the context's vault
    #[command(subcommand)]
    Recipient(RecipientCmd),
}

#[derive(Subcommand, Debug)]
pub enum RecipientCmd {
    /// Add a teammate's recipient and re-encrypt every value to the new set
    Add {
        /// An age X25519 recipient (`age1…`), as `paasdeck vault status` prints it
        #[arg(value_name = "AGE1...")]
        recipient: String,
    },
}
