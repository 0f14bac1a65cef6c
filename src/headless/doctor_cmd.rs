//! `doctor [--all-contexts]`, `checklist [--all-contexts]` and `info`: adapters of
//! `verbs::doctor` and `verbs::checklist`.

use super::Invocation;
use super::output::Report;
use crate::cli::DoctorArgs;
use crate::error::Result;
use crate::verbs::doctor::{self, DoctorInput};

pub fn run(inv: &Invocation, args: &DoctorArgs) -> Result<Report> {
    doctor::doctor(&inv.local_scope(), &DoctorInput::from_args(args))
}

pub fn checklist(inv: &Invocation, args: &crate::cli::ChecklistArgs) -> Result<Report> {
    let input = crate::verbs::checklist::ChecklistInput::from_args(args);
    crate::verbs::checklist::checklist(&inv.local_scope(), &input)
}

pub fn info(inv: &Invocation) -> Result<Report> {
    doctor::info(&inv.local_scope())
}
