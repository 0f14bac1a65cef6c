//! `events list` and `events tail [--follow]`.

use std::io::Write;

use super::Invocation;
use super::output::Report;
use crate::cli::EventsCmd;
use crate::error::{PaasError, Result};
use crate::state::clock;
use crate::state::events::{
    self, EventFilter, EventFollower, EventRecord, EventWaker, WatchSettings,
};
use crate::state::paths::EventFile;
use crate::text::sanitize_inline;

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

pub fn run(inv: &Invocation, cmd: &EventsCmd) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let paths: Vec<String> = EventFile::ALL
        .iter()
        .map(|f| cd.event_file(*f).display().to_string())
        .collect();
    match cmd {
        EventsCmd::List {
            severity,
            status,
            source,
            since,
            limit,
        } => {
            let filter = EventFilter {
                severity: severity.clone(),
                status: status.clone(),
                source: source.clone(),
                since_nanos: since.as_deref().map(since_nanos).transpose()?,
                limit: *limit as usize,
            };
            let res = events::query(&cd, &filter);
            let mut text: String = res.rows.iter().map(line_of).collect();
            if res.rows.is_empty() {
                text = "no events match\n".into();
            }
            Ok(Report::ok()
                .set("limit", limit)
                .set("severity", severity.clone().unwrap_or_default())
                .set("status", status.clone().unwrap_or_default())
                .set("source", source.clone().unwrap_or_default())
                .set("since", since.clone().unwrap_or_default())
                .set("skipped_lines", res.skipped)
                .set("paths", paths)
                .list(&res.rows)
                .text(text))
        }
        EventsCmd::Tail { follow, lines } => {
            let mut res = events::newest(&cd, *lines as usize);
            res.rows.reverse();
            if !follow {
                let text: String = res.rows.iter().map(line_of).collect();
                return Ok(Report::ok()
                    .set("paths", paths)
                    .set("skipped_lines", res.skipped)
                    .list(&res.rows)
                    .text(text));
            }
            // Follow mode streams: one line (or one compact JSON object with --json) per event,
            // until the process is interrupted. File notifications wake it as a row lands; the
            // watch starts before the follower's offsets are taken, so no row falls between.
            let mut waker = EventWaker::new(&cd, WatchSettings::from_env()?);
            waker.watch().log(cd.name());
            let mut follower = EventFollower::at_end(&cd);
            emit(inv.json, &res.rows);
            loop {
                waker.wait();
                let (rows, _) = follower.poll();
                emit(inv.json, &rows);
            }
        }
    }
}

/// An event as one terminal line: whatever its fields hold, it stays one line.
fn line_of(r: &EventRecord) -> String {
    sanitize_inline(&r.one_line()).into_owned() + "\n"
}

fn emit(json: bool, rows: &[EventRecord]) {
    if rows.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    for r in rows {
        let line = if json {
            crate::text::inert_json(serde_json::to_string(r).unwrap_or_default()) + "\n"
        } else {
            line_of(r)
        };
        if out.write_all(line.as_bytes()).is_err() {
            // stdout closed (e.g. piped into `head`): stop following.
            std::process::exit(0);
        }
    }
    let _ = out.flush();
}
