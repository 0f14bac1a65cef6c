//! The commands the doctor prints as fixes: each runs as shown, naming `--state-root` when the
//! root is not the default one and always the context (a headless change needs an explicit
//! `--context`).

use std::path::Path;

use crate::state::paths::{RootSource, StateRoot};
use crate::text::shell_word;

/// Builds the fix commands of one doctor run.
#[derive(Debug, Clone)]
pub struct Fixer {
    root_flag: String,
    context: String,
}

impl Fixer {
    pub fn new(root: &StateRoot, context: &str) -> Fixer {
        let root_flag = if root.source() == RootSource::Home {
            String::new()
        } else {
            format!(" --state-root {}", path(root.path()))
        };
        Fixer {
            root_flag,
            context: context.to_string(),
        }
    }

    /// `paasdeck [--state-root P] --context C ARGS`.
    pub fn paasdeck(&self, args: &str) -> String {
        format!(
            "paasdeck{} --context {} {args}",
            self.root_flag,
            shell_word(&self.context)
        )
    }

    /// `paasdeck [--state-root P] --context OTHER ARGS`: a command acting on another context.
    pub fn paasdeck_in(&self, context: &str, args: &str) -> String {
        Fixer {
            root_flag: self.root_flag.clone(),
            context: context.to_string(),
        }
        .paasdeck(args)
    }

    /// `paasdeck [--state-root P] ARGS`: a command that names no context.
    pub fn paasdeck_root(&self, args: &str) -> String {
        format!("paasdeck{} {args}", self.root_flag)
    }
}

/// A path as one shell word.
pub fn path(p: &Path) -> String {
    shell_word(&p.display().to_string())
}

/// Paths as shell words, space-separated.
pub fn paths<'a>(ps: impl IntoIterator<Item = &'a Path>) -> String {
    ps.into_iter().map(path).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_root_unless_it_is_the_default_and_always_the_context() {
        let f = Fixer::new(&StateRoot::at("/srv/paas state"), "shop");
        assert_eq!(
            f.paasdeck("secret encrypt"),
            "paasdeck --state-root '/srv/paas state' --context shop secret encrypt"
        );
        assert_eq!(
            f.paasdeck_root("vault keygen"),
            "paasdeck --state-root '/srv/paas state' vault keygen"
        );
        assert_eq!(
            f.paasdeck_in("ACME Prod", "target list"),
            "paasdeck --state-root '/srv/paas state' --context 'ACME Prod' target list"
        );
    }
}
