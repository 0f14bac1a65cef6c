//! Audit rows for actions, whichever front end ran them.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::PaasError;
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
    events::append(cd, EventFile::Audit, audit.row(cd.name(), operator))
}
