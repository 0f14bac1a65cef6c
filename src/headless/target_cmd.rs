//! `target add|list|use|remove` (and the dispatch of check, exec and bootstrap): adapters of
//! `verbs::targets`.

use super::Invocation;
use super::output::Report;
use crate::cli::TargetCmd;
use crate::error::Result;
use crate::verbs::targets::{self, RemoveInput};

pub fn run(inv: &Invocation, cmd: &TargetCmd) -> Result<Report> {
    let scope = || inv.local_scope();
    match cmd {
        TargetCmd::Add(a) => targets::add(&scope(), &a.new_target()),
        TargetCmd::List => targets::list(&scope()),
        TargetCmd::Use { name } => targets::use_target(&scope(), name),
        TargetCmd::Check(a) => super::remote_cmd::check(inv, a),
        TargetCmd::Exec(a) => super::remote_cmd::exec(inv, a),
        TargetCmd::Bootstrap(a) => super::remote_cmd::bootstrap(inv, a),
        TargetCmd::Shell(a) => {
            super::remote_cmd::shell(inv, &crate::verbs::shell::ShellInput::from_target_args(a))
        }
        TargetCmd::Remove { name, force } => targets::remove(
            &scope(),
            &RemoveInput {
                name: name.clone(),
                force: *force,
            },
        ),
    }
}
