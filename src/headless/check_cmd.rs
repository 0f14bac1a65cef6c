//! `check [--all-contexts] [--skip-remote] [--prometheus FILE]`: the scripted health check.
//! Exit 0 only when every check of every context passes.

use super::Invocation;
use super::output::Report;
use super::remote_cmd::run_verb;
use crate::cli::CheckArgs;
use crate::error::Result;
use crate::verbs::oncall::{self, HealthInput};

pub fn run(inv: &Invocation, a: &CheckArgs) -> Result<Report> {
    let input = HealthInput::from_args(a);
    run_verb(inv, None, |scope| async move {
        oncall::check(&scope, &input).await
    })
}
