//! `target check` and `target exec`.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::cli::{TargetCheckArgs, TargetExecArgs};
use crate::error::{PaasError, Result};
use crate::ops::{self, target_check, target_exec};
use crate::remote::fanout::{self, Strategy};
use crate::state::{names, targets};

/// What `target check` checks: target names (or `all`), the time limit per target and how
/// many at once.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInput {
    pub targets: Vec<String>,
    pub timeout: Duration,
    pub parallel: usize,
}

impl CheckInput {
    /// The flags' defaults for these targets (what a key press in the console checks).
    pub fn of(targets: Vec<String>) -> CheckInput {
        CheckInput {
            targets,
            timeout: crate::cli::DEFAULT_CHECK_TIMEOUT,
            parallel: crate::cli::DEFAULT_CHECK_PARALLEL as usize,
        }
    }

    pub fn from_args(a: &TargetCheckArgs) -> CheckInput {
        CheckInput {
            targets: vec![a.target.clone().unwrap_or_else(|| "all".to_string())],
            timeout: a.timeout,
            parallel: a.parallel as usize,
        }
    }
}

pub async fn check(scope: &Scope, input: &CheckInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    for name in &input.targets {
        if !name.eq_ignore_ascii_case("all") {
            names::validate_target(name)?;
        }
    }
    let selected = targets::load(&cd)?.select(&input.targets)?;
    scope
        .progress
        .note(format!("checking {} target(s)…", selected.len()));
    // Owned inputs per check: a future that borrows across the stream is not `Send` for every
    // lifetime, which the console's task runner needs.
    let checks = selected.into_iter().map(|t| {
        let (pool, progress) = (scope.pool.clone(), scope.progress.clone());
        let (context, timeout) = (scope.context.clone(), input.timeout);
        async move {
            let r =
                target_check::check_target(&pool, &context, &t, timeout, &progress.cancel).await;
            for line in target_check::describe(&r) {
                progress.note(line);
            }
            r
        }
    });
    let results: Vec<target_check::CheckResult> = futures::stream::iter(checks)
        .buffered(input.parallel.max(1))
        .collect()
        .await;
    target_check::save_checks(&cd, &results)?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.ok())
        .map(|r| r.target.as_str())
        .collect();
    let text: String = results
        .iter()
        .flat_map(target_check::describe)
        .map(|l| l + "\n")
        .collect();
    let checked: Vec<&str> = results.iter().map(|r| r.target.as_str()).collect();
    let out = Outcome::ok()
        .set(
            "timeout",
            humantime::format_duration(input.timeout).to_string(),
        )
        .set("parallel", input.parallel)
        .list(&results)
        .audit_only("targets", checked.join(","))
        .audit_only("failed_targets", failed.join(","))
        .text(text)
        .summary(format!(
            "{} target(s) checked, {} failed",
            results.len(),
            failed.len()
        ));
    Ok(match target_check::failure(&results) {
        Some(e) => out.failed_with(e),
        None => out,
    })
}

/// What `target exec` runs, where, and how it fans out.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecInput {
    /// Target names, or `all`.
    pub targets: Vec<String>,
    pub command: String,
    pub strategy: Strategy,
    pub max_parallel: usize,
    pub continue_on_error: bool,
    pub timeout: Duration,
}

impl ExecInput {
    pub fn from_args(a: &TargetExecArgs) -> Result<ExecInput> {
        Ok(ExecInput {
            targets: names::split_csv(&a.targets),
            command: a.command.join(" "),
            strategy: a.fanout.strategy.strategy(),
            max_parallel: a.fanout.max_parallel as usize,
            continue_on_error: a.fanout.continue_on_error,
            timeout: a.timeout,
        })
    }
}

pub async fn exec(scope: &Scope, input: &ExecInput) -> Result<Outcome> {
    crate::text::refuse_control_in_script("the remote command", &input.command)?;
    if input.command.trim().is_empty() {
        return Err(PaasError::usage(
            "flag_validation",
            "the remote command is empty",
        ));
    }
    let cd = scope.cd()?;
    if input.targets.is_empty() {
        return Err(PaasError::usage("flag_validation", "--targets is empty"));
    }
    for w in &input.targets {
        if !w.eq_ignore_ascii_case("all") {
            names::validate_target(w)?;
        }
    }
    let selected = targets::load(&cd)?.select(&input.targets)?;
    let spec = target_exec::ExecSpec {
        targets: selected,
        command: input.command.clone(),
        strategy: input.strategy,
        max_parallel: input.max_parallel,
        continue_on_error: input.continue_on_error,
        timeout: Some(input.timeout),
        redactor: ops::redaction::every_value(&cd, &ops::redaction::load_vault(&cd)?),
    };
    let (plan, outcomes) = target_exec::run(
        &scope.pool,
        &scope.context,
        &spec,
        scope.progress.lines.clone(),
        &scope.progress.cancel,
    )
    .await;
    let rows: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut v = json!({"target": o.target, "status": o.status.as_str()});
            if let Some(d) = &o.detail {
                v["exit_code"] = json!(d.exit_code);
                v["duration_ms"] = json!(d.duration_ms);
                v["output_tail"] = json!(d.output_tail);
                v["lines"] = json!(d.lines);
                v["dropped_lines"] = json!(d.dropped_lines);
            }
            if let Some(e) = &o.error {
                v["error"] = super::error_object(e);
            }
            v
        })
        .collect();
    let statuses = fanout::statuses(&outcomes);
    scope
        .progress
        .note(format!("fanout_plan={}", plan.summary()));
    scope.progress.note(format!("target_statuses={statuses}"));
    let out = Outcome::ok()
        .field("remote_command", &input.command)
        .field("strategy", spec.strategy.as_str())
        .field("max_parallel", input.max_parallel)
        .field("continue_on_error", input.continue_on_error)
        .field("fanout_plan", plan.summary())
        .field("target_statuses", &statuses)
        .list(&rows)
        .text(format!(
            "fanout_plan={}\ntarget_statuses={statuses}\n",
            plan.summary()
        ))
        .summary(statuses);
    Ok(match fanout::aggregate_error(&outcomes) {
        Some(e) => out.failed_with(e),
        None => out,
    })
}
