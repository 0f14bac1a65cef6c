//! `incident list|show|acknowledge|resolve`: args → the on-call verbs.

use super::Invocation;
use super::output::Report;
use super::remote_cmd::run_verb;
use crate::cli::IncidentCmd;
use crate::error::Result;
use crate::verbs::oncall;

pub fn run(inv: &Invocation, cmd: &IncidentCmd) -> Result<Report> {
    match cmd {
        IncidentCmd::List { .. } => {
            let input = oncall::IncidentListInput::from_cmd(cmd).unwrap_or_default();
            run_verb(inv, None, |scope| async move {
                oncall::incident_list(&scope, &input)
            })
        }
        IncidentCmd::Show { id } => run_verb(inv, None, |scope| async move {
            oncall::incident_show(&scope, id)
        }),
        IncidentCmd::Acknowledge { id, note } => {
            let note = note.clone().unwrap_or_default();
            run_verb(inv, None, |scope| async move {
                oncall::incident_acknowledge(&scope, id, &note)
            })
        }
        IncidentCmd::Resolve { id, note } => {
            let note = note.clone().unwrap_or_default();
            run_verb(inv, None, |scope| async move {
                oncall::incident_resolve(&scope, id, &note)
            })
        }
    }
}
