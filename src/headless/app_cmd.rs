//! `app add|list|status|remove` (and the dispatch of `app addon`): adapters of `verbs::apps`.

use super::Invocation;
use super::output::Report;
use crate::cli::AppCmd;
use crate::error::Result;
use crate::verbs::apps::{self, RemoveInput};
use crate::verbs::shell::ShellInput;

pub fn run(inv: &Invocation, cmd: &AppCmd) -> Result<Report> {
    let scope = || inv.local_scope();
    match cmd {
        AppCmd::Add(a) => apps::add(&scope(), &apps::add_input(a)),
        AppCmd::List => apps::list(&scope()),
        AppCmd::Status { app } => apps::status(&scope(), app),
        AppCmd::Addon(c) => super::addon_cmd::run(inv, c),
        AppCmd::Shell(a) => super::remote_cmd::shell(inv, &ShellInput::from_app_args(a)),
        AppCmd::Reset(a) => {
            let input = crate::verbs::app_reset::ResetInput::from_args(a);
            super::remote_cmd::run_verb(
                inv,
                Some(super::backup_cmd::progress(inv.json)),
                |scope| async move { crate::verbs::app_reset::run(&scope, &input).await },
            )
        }
        AppCmd::Remove { app, force } => apps::remove(
            &scope(),
            &RemoveInput {
                app: app.clone(),
                force: *force,
            },
        ),
    }
}
