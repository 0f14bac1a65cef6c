//! `logs`: an app's container output on one target, the last lines or followed.

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::LogsArgs;
use crate::error::{ErrorCode, Result};
use crate::ops::logs::{self, LogsSpec};
use crate::remote::LineSink;

/// At most this many lines are kept for the outcome of a run that does not follow.
const KEPT_LINES: usize = 100_000;

/// Every flag of `logs`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsInput {
    pub app: String,
    /// `None`: the app's first target, else the current target.
    pub target: Option<String>,
    pub service: Option<String>,
    pub tail: u32,
    /// Only newer than this (30m, 2h).
    pub since: Option<String>,
    pub follow: bool,
}

impl LogsInput {
    /// What the console opens for an app: its last 200 lines, then followed.
    pub fn follow(app: &str, target: Option<String>) -> LogsInput {
        LogsInput {
            app: app.to_string(),
            target,
            service: None,
            tail: 200,
            since: None,
            follow: true,
        }
    }

    pub fn from_args(a: &LogsArgs) -> LogsInput {
        LogsInput {
            app: a.app.clone(),
            target: a.target.clone(),
            service: a.service.clone(),
            tail: a.tail,
            since: a.since.clone(),
            follow: a.follow,
        }
    }
}

/// Each line goes to the progress sink as it arrives (named by its target); without `follow`
/// the lines are kept (bounded) for the outcome too. Cancelling a followed run ends it well.
pub async fn logs(scope: &Scope, input: &LogsInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    let spec = LogsSpec {
        app: input.app.clone(),
        target: input.target.clone(),
        service: input.service.clone(),
        tail: input.tail,
        since: input.since.clone(),
        follow: input.follow,
    };
    let plan = logs::plan(&cd, &spec)?;
    let target = plan.target.name.to_string();
    if input.follow {
        scope.progress.note(format!(
            "following {} ({}) on {target}; Ctrl-c stops",
            input.app, plan.release
        ));
    }
    let kept = Arc::new(Mutex::new(Vec::<String>::new()));
    let (k2, t2, lines, follow) = (
        kept.clone(),
        target.clone(),
        scope.progress.lines.clone(),
        input.follow,
    );
    let sink: LineSink = Arc::new(move |stream, line: String| {
        if !follow
            && let Ok(mut k) = k2.lock()
            && k.len() < KEPT_LINES
        {
            k.push(line.clone());
        }
        lines(&t2, stream, &line);
    });
    let ran = logs::run(
        &scope.pool,
        &scope.context,
        &plan,
        input.follow,
        sink,
        &scope.progress.cancel,
    )
    .await;
    let (code, failure, stopped) = match ran {
        Ok(exit) => (exit.code, exit.error(&scope.context, &plan), false),
        Err(e) if e.code == ErrorCode::Cancelled && input.follow => (0, None, true),
        Err(e) => return Err(e.with_target(&target)),
    };
    let lines = kept.lock().map(|k| k.clone()).unwrap_or_default();
    let out = Outcome::ok()
        .set("app", &input.app)
        .set("target", &target)
        .set("release", &plan.release)
        .set("service", input.service.clone().unwrap_or_default())
        .set("tail", input.tail)
        .set("since", input.since.clone().unwrap_or_default())
        .set("follow", input.follow)
        .audit_only("app", &input.app)
        .audit_only("target", &target)
        .list(&[
            json!({"target": target, "release": plan.release, "command": plan.command,
            "exit_code": code, "line_count": lines.len(), "lines": lines}),
        ])
        .summary(if stopped {
            "stopped".to_string()
        } else {
            format!("logs ended (exit {code})")
        });
    Ok(match failure {
        Some(e) => out.failed_with(e),
        None => out,
    })
}
