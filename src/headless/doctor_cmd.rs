//! `doctor [--all-contexts]` and `info`: adapters of `verbs::doctor`.

use super::Invocation;
use super::output::Report;
use crate::cli::DoctorArgs;
use crate::error::Result;
use crate::verbs::doctor::{self, DoctorInput};

pub fn run(inv: &Invocation, args: &DoctorArgs) -> Result<Report> {
    doctor::doctor(&inv.local_scope(), &DoctorInput::from_args(args))
}

pub fn info(inv: &Invocation) -> Result<Report> {
    doctor::info(&inv.local_scope())
}
