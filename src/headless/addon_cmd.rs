//! `app addon contract|enable|list|disable`: adapters of `verbs::addons`.

use super::Invocation;
use super::output::Report;
use crate::cli::AddonCmd;
use crate::error::Result;
use crate::verbs::addons;

pub fn run(inv: &Invocation, cmd: &AddonCmd) -> Result<Report> {
    match cmd {
        AddonCmd::Contract => addons::contract(),
        AddonCmd::Enable(a) => addons::enable(&inv.local_scope(), &addons::enable_input(a)),
        AddonCmd::List { app } => addons::list(&inv.local_scope(), app.as_deref()),
        AddonCmd::Disable { app, name } => addons::disable(&inv.local_scope(), app, name),
    }
}
