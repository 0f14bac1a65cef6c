//! `events list` and `events tail [--follow]`: adapters of `verbs::events`; following is this
//! front end's own loop, printing each row as it lands.

use std::io::Write;

use super::Invocation;
use super::output::Report;
use crate::cli::EventsCmd;
use crate::error::Result;
use crate::state::events::{AppFilter, EventFollower, EventRecord, EventWaker, WatchSettings};
use crate::verbs::events::{self, ListInput, line_of};

pub fn run(inv: &Invocation, cmd: &EventsCmd) -> Result<Report> {
    let scope = inv.local_scope();
    match cmd {
        EventsCmd::List {
            severity,
            status,
            source,
            since,
            app,
            limit,
        } => events::list(
            &scope,
            &ListInput {
                severity: severity.clone(),
                status: status.clone(),
                source: source.clone(),
                since: since.clone(),
                app: app.clone(),
                limit: *limit,
            },
        ),
        EventsCmd::Tail { follow, lines, app } => {
            let (out, rows) = events::tail(&scope, *lines, app.as_deref())?;
            if !follow {
                return Ok(out);
            }
            // Follow mode streams: one line (or one compact JSON object with --json) per event,
            // until the process is interrupted. File notifications wake it as a row lands; the
            // watch starts before the follower's offsets are taken, so no row falls between.
            let cd = inv.existing_cd()?;
            let mut waker = EventWaker::new(&cd, WatchSettings::from_env()?);
            waker.watch().log(cd.name());
            let mut follower = EventFollower::at_end(&cd);
            emit(inv.json, &rows);
            loop {
                waker.wait();
                let (mut rows, _) = follower.poll();
                if let Some(app) = app.as_deref() {
                    // The app's incidents may be new since the last look: read them again.
                    let filter = AppFilter::load(&cd, app);
                    rows.retain(|r| filter.matches(r));
                }
                emit(inv.json, &rows);
            }
        }
    }
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
