//! `vault keygen|status|recipient add`: adapters of `verbs::vault`.

use super::Invocation;
use super::output::Report;
use crate::cli::{RecipientCmd, VaultCmd};
use crate::error::Result;
use crate::verbs::vault;

pub fn run(inv: &Invocation, cmd: &VaultCmd) -> Result<Report> {
    let scope = inv.local_scope();
    match cmd {
        VaultCmd::Keygen => vault::keygen(&scope),
        VaultCmd::Status => vault::status(&scope),
        VaultCmd::Recipient(RecipientCmd::Add { recipient }) => {
            vault::recipient_add(&scope, recipient)
        }
    }
}
