//! `context` arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// A context name given as a positional or with `--name`.
#[derive(Args, Debug, Clone, Default)]
pub struct NameArg {
    /// Context name
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Context name (alternative to the positional)
    #[arg(long = "name", value_name = "NAME", conflicts_with = "name")]
    pub name_flag: Option<String>,
}

impl NameArg {
    pub fn get(&self) -> Option<&str> {
        self.name.as_deref().or(self.name_flag.as_deref())
    }
}

#[derive(Subcommand, Debug)]
pub enum ContextCmd {
    /// Create a context (or update its settings)
    Init {
        #[command(flatten)]
        name: NameArg,
        /// production, customer, internal-dogfood, staging, oss-demo, or your own
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Recorded in config.json for si; the vault is always <context>/vault/secrets.env
        #[arg(long, value_name = "FILE")]
        vault_file: Option<PathBuf>,
        /// Banner colour override: red, magenta, yellow, green, blue, cyan, gray, white or #rrggbb
        #[arg(long, value_name = "COLOR")]
        color: Option<String>,
        /// Refuse every mutating or destructive action unless --write
        #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
        read_only: Option<bool>,
        /// Confirmation level override: none, yes, type-name
        #[arg(long, value_name = "LEVEL")]
        confirm: Option<String>,
        /// Incus project of a staging context
        #[arg(long, value_name = "PROJECT")]
        incus_project: Option<String>,
        /// Allow changing the type of an existing context (its confirmations change with it)
        #[arg(long)]
        force: bool,
    },
    /// List contexts
    List,
    /// Show a context's settings
    Show {
        #[command(flatten)]
        name: NameArg,
    },
    /// Make a context the stored current context
    Use {
        #[command(flatten)]
        name: NameArg,
    },
    /// Delete a context and everything in it
    #[command(visible_alias = "rm", alias = "delete")]
    Remove {
        #[command(flatten)]
        name: NameArg,
        /// Required: the context's state, events and vault are deleted
        #[arg(long)]
        force: bool,
    },
    /// Remove the plaintext .env files si left in release bundles, and drop other contexts'
    /// release ids from the deploy history (plan only without --apply)
    ScrubBundles {
        /// Remove them (without it, only list what would be removed)
        #[arg(long)]
        apply: bool,
    },
    /// Export targets, deploy history and webhook mappings (no secrets)
    Export {
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Context to export (default: the active context)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Import an export into a context (merge, or --replace); a missing context is created
    Import {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Destination context (default: --context)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Type of the context when the import creates it (default internal-dogfood, as si)
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Overwrite instead of merging
        #[arg(long)]
        replace: bool,
    },
}
