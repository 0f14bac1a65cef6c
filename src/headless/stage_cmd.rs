//! `stage plan|status|init|clone|start|stop|reset|exec|destroy|configure`: args → the stage
//! verb. Every step is printed as it happens (text mode).

use std::io::Write;
use std::sync::Arc;

use super::Invocation;
use super::output::Report;
use super::remote_cmd::run_verb;
use crate::cli::StageCmd;
use crate::error::Result;
use crate::ops::target_exec::TargetLineSink;
use crate::remote::Stream;
use crate::verbs;

pub fn run(inv: &Invocation, cmd: &StageCmd) -> Result<Report> {
    if let (StageCmd::Shell { .. }, true) = (cmd, inv.json) {
        return Err(super::remote_cmd::json_refused("stage shell"));
    }
    run_verb(inv, Some(printer(inv.json)), |scope| async move {
        verbs::stage::run(&scope, cmd).await
    })
}

/// Prints each line as it arrives (text mode; the verb has sanitised it).
fn printer(json: bool) -> TargetLineSink {
    Arc::new(move |_host, stream, line: &str| {
        if json {
            return;
        }
        let text = format!("{line}\n");
        let _ = match stream {
            Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    })
}
