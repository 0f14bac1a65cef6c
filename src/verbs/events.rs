//! `events list` and `events tail` (the newest rows; following them is the front ends' own
//! loop: the headless one prints each row as it lands, the console writes it into a task's log).

use super::{Outcome, Scope};
use crate::error::{PaasError, Result};
use crate::state::clock;
use crate::state::events::{self, AppFilter, EventFilter, EventRecord};
use crate::state::names;
use crate::state::paths::EventFile;
use crate::text::sanitize_inline;

/// Which events `events list` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListInput {
    pub severity: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    /// A duration back from now (`30m`, `7d`) or an RFC 3339 time.
    pub since: Option<String>,
    /// Only this app's rows.
    pub app: Option<String>,
    pub limit: u32,
}

/// The app filter of `--app`, its name checked first.
pub fn app_filter(scope: &Scope, app: Option<&str>) -> Result<Option<AppFilter>> {
    let Some(app) = app else {
        return Ok(None);
    };
    names::validate_app(app)?;
    Ok(Some(AppFilter::load(&scope.cd()?, app)))
}

fn since_nanos(s: &str) -> Result<i128> {
    if let Some(k) = clock::sort_key(s) {
        return Ok(k);
    }
    let d = crate::cli::parse_since(s).map_err(|e| {
        PaasError::usage("flag_validation", format!("invalid --since {s:?}: {e}"))
            .with_remediation("give a duration such as 30m, 2h, 7d or an RFC 3339 time")
    })?;
    Ok(clock::now().unix_timestamp_nanos() - d.as_nanos() as i128)
}

/// The context's event files, as the outcome names them.
fn paths(scope: &Scope) -> Result<Vec<String>> {
    let cd = scope.cd()?;
    Ok(EventFile::ALL
        .iter()
        .map(|f| cd.event_file(*f).display().to_string())
        .collect())
}

/// An event as one terminal line: whatever its fields hold, it stays one line.
pub fn line_of(r: &EventRecord) -> String {
    sanitize_inline(&r.one_line()).into_owned() + "\n"
}

/// `events list`: the newest events matching the filter, newest first.
pub fn list(scope: &Scope, input: &ListInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    let filter = EventFilter {
        severity: input.severity.clone(),
        status: input.status.clone(),
        source: input.source.clone(),
        since_nanos: input.since.as_deref().map(since_nanos).transpose()?,
        app: app_filter(scope, input.app.as_deref())?,
        limit: input.limit as usize,
    };
    let res = events::query(&cd, &filter);
    let mut text: String = res.rows.iter().map(line_of).collect();
    if res.rows.is_empty() {
        text = "no events match\n".into();
    }
    Ok(Outcome::ok()
        .set("limit", input.limit)
        .set("severity", input.severity.clone().unwrap_or_default())
        .set("status", input.status.clone().unwrap_or_default())
        .set("source", input.source.clone().unwrap_or_default())
        .set("since", input.since.clone().unwrap_or_default())
        .set("app", input.app.clone().unwrap_or_default())
        .set("skipped_lines", res.skipped)
        .set("paths", paths(scope)?)
        .list(&res.rows)
        .text(text))
}

/// `events tail`: the last `lines` events (of `app` when given), oldest first.
pub fn tail(scope: &Scope, lines: u32, app: Option<&str>) -> Result<(Outcome, Vec<EventRecord>)> {
    let filter = EventFilter {
        app: app_filter(scope, app)?,
        limit: lines as usize,
        ..Default::default()
    };
    let mut res = events::query(&scope.cd()?, &filter);
    res.rows.reverse();
    let text: String = res.rows.iter().map(line_of).collect();
    let out = Outcome::ok()
        .set("app", app.unwrap_or_default())
        .set("paths", paths(scope)?)
        .set("skipped_lines", res.skipped)
        .list(&res.rows)
        .text(text);
    Ok((out, res.rows))
}
