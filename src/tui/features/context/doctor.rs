//! A context's doctor report arriving: its tab's mark, and trouble in a tab not shown.

use crate::policy::doctor::DoctorReport;
use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, DoctorState};

/// How a tab's trouble from its doctor begins, so it can be told from other trouble.
const DOCTOR_TROUBLE: &str = "doctor fails: ";

pub(in crate::tui) fn done(app: &mut App, context: String, report: DoctorReport) -> Vec<Effect> {
    let active = app.active_name() == context;
    let blocking = report.blocking();
    let state = if !report.ok {
        DoctorState::Failed(blocking.clone())
    } else if report.warnings.is_empty() {
        DoctorState::Ok
    } else {
        DoctorState::Warn(report.warnings.clone())
    };
    let mut newly_failing = false;
    if let Some(c) = app.ctx_by_name_mut(&context) {
        newly_failing = !report.ok && c.doctor != state;
        c.doctor = state;
    }
    if newly_failing && !active {
        app.trouble.insert(
            context.clone(),
            format!("{DOCTOR_TROUBLE}{}", blocking.join(", ")),
        );
    }
    // Fixed elsewhere: the doctor's mark goes without a visit (other trouble stays).
    if report.ok
        && app
            .trouble
            .get(&context)
            .is_some_and(|t| t.starts_with(DOCTOR_TROUBLE))
    {
        app.trouble.remove(&context);
    }
    app.reports.insert(context, report);
    Vec::new()
}
