//! Audit rows for actions, whichever front end ran them. Severity: `info` for success,
//! `warning` for refusals and usage errors (the guard, a lock, a missing secret, a bad value)
//! and for failed local checks, `critical` only for operations that failed on a target or
//! failed unexpectedly.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::PaasError;
use crate::policy::guard::Verb;
use crate::state::events::{self, Audit};
use crate::state::paths::{ContextDir, EventFile};

/// Appends one audit row to the context (never creating a context that does not exist).
pub fn record(
    cd: &ContextDir,
    operator: &str,
    command: &str,
    ok: bool,
    duration: Duration,
    fields: Map<String, Value>,
    error: Option<&PaasError>,
) -> crate::error::Result<()> {
    if !cd.exists() {
        return Ok(());
    }
    let audit = Audit {
        command: command.to_string(),
        ok: ok && error.is_none(),
        duration_ms: duration.as_millis(),
        fields,
        error: error.cloned(),
    };
    let mut row = audit.row(cd.name(), operator);
    row.insert("severity".into(), severity(command, audit.ok, error).into());
    events::append(cd, EventFile::Audit, row)
}

/// The severity of an audit row.
pub fn severity(command: &str, ok: bool, error: Option<&PaasError>) -> &'static str {
    if ok && error.is_none() {
        return "info";
    }
    match error {
        // A refusal, or the doctor finding problems in local state: nothing failed on a target.
        Some(e) if e.is_refusal() || e.code == crate::error::ErrorCode::DoctorFailed => "warning",
        Some(_) => "critical",
        // A failed result without an error: a failed check on targets is critical, a local
        // read that found problems (the doctor) is a warning.
        None => {
            let remote = Verb::ALL
                .iter()
                .find(|v| v.command() == command)
                .is_some_and(|v| v.spec().remote);
            if remote { "critical" } else { "warning" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn refusals_are_warnings_and_failures_on_targets_critical() {
        let cases: [(&str, bool, Option<PaasError>, &str); 8] = [
            ("target add", true, None, "info"),
            (
                "app add",
                false,
                Some(PaasError::new(ErrorCode::AlreadyExists, "app_add", "x")),
                "warning",
            ),
            (
                "target remove",
                false,
                Some(PaasError::new(ErrorCode::ContextGuard, "g", "read-only").as_usage()),
                "warning",
            ),
            (
                "deploy",
                false,
                Some(PaasError::usage("flags", "bad")),
                "warning",
            ),
            (
                "deploy",
                false,
                Some(PaasError::new(
                    ErrorCode::SecretMissing,
                    "secrets",
                    "GREETING",
                )),
                "warning",
            ),
            (
                "deploy",
                false,
                Some(PaasError::new(ErrorCode::HealthCheckFailed, "health", "x")),
                "critical",
            ),
            ("target check", false, None, "critical"),
            ("doctor", false, None, "warning"),
        ];
        for (command, ok, e, want) in cases {
            assert_eq!(severity(command, ok, e.as_ref()), want, "{command} {e:?}");
        }
    }
}
