//! `context init|list|show|use|remove|scrub-bundles|export|import`: adapters of
//! `verbs::contexts`.

use super::Invocation;
use super::output::Report;
use crate::cli::ContextCmd;
use crate::error::Result;
use crate::verbs::contexts::{self, ImportInput, InitInput};

pub fn run(inv: &Invocation, cmd: &ContextCmd) -> Result<Report> {
    let scope = inv.local_scope();
    match cmd {
        ContextCmd::Init { .. } => {
            contexts::init(&scope, &InitInput::from_cmd(cmd).unwrap_or_default())
        }
        ContextCmd::List => contexts::list(&scope),
        ContextCmd::Show { .. } => contexts::show(&scope),
        ContextCmd::Use { .. } => contexts::use_context(&scope),
        ContextCmd::Remove { force, .. } => contexts::remove(&scope, *force),
        ContextCmd::Export { output, force, .. } => contexts::export(&scope, output, *force),
        ContextCmd::ScrubBundles { apply } => contexts::scrub_bundles(&scope, *apply),
        ContextCmd::Import {
            input,
            replace,
            kind,
            ..
        } => contexts::import(
            &scope,
            &ImportInput {
                input: input.clone(),
                replace: *replace,
                kind: kind.clone(),
            },
        ),
    }
}
