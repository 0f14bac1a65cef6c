//! `target add|list|use|remove|check|exec|bootstrap` and the console's target edit.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::cli::{TargetBootstrapArgs, TargetCheckArgs, TargetExecArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::bootstrap::{BootstrapSpec, Password};
use crate::ops::targets::NewTarget;
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
    /// Reuse a target's master opened within this window, its listener proven by its banner
    /// (the console: [`CONSOLE_REUSE`]); `None` always opens a new connection (headless).
    pub reuse_within: Option<Duration>,
}

/// How recent a master the console's repeat check reuses.
pub const CONSOLE_REUSE: Duration = Duration::from_secs(60);

impl CheckInput {
    /// The flags' defaults for these targets, reusing a master opened within the last minute
    /// (what a key press in the console checks).
    pub fn of(targets: Vec<String>) -> CheckInput {
        CheckInput {
            targets,
            timeout: crate::cli::DEFAULT_CHECK_TIMEOUT,
            parallel: crate::cli::DEFAULT_CHECK_PARALLEL as usize,
            reuse_within: Some(CONSOLE_REUSE),
        }
    }

    pub fn from_args(a: &TargetCheckArgs) -> CheckInput {
        CheckInput {
            targets: vec![a.target.clone().unwrap_or_else(|| "all".to_string())],
            timeout: a.timeout,
            parallel: a.parallel as usize,
            reuse_within: None,
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
    // Each check starts as soon as a slot is free (a slow target holds no other back); the
    // results are put back in the targets' order.
    let checks = selected.into_iter().enumerate().map(|(i, t)| {
        let (pool, progress) = (scope.pool.clone(), scope.progress.clone());
        let (context, timeout, reuse) = (scope.context.clone(), input.timeout, input.reuse_within);
        let role = crate::ops::target_incus::role_of(&cd, &t.name);
        async move {
            let r = target_check::check_target_as(
                &pool,
                &context,
                &t,
                role.as_ref(),
                timeout,
                reuse,
                &progress.cancel,
            )
            .await;
            for line in target_check::describe(&r) {
                progress.note(line);
            }
            (i, r)
        }
    });
    let mut done: Vec<(usize, target_check::CheckResult)> = futures::stream::iter(checks)
        .buffer_unordered(input.parallel.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    let results: Vec<target_check::CheckResult> = done.into_iter().map(|(_, r)| r).collect();
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

/// `target add`: the new target, its fields recorded.
pub fn add(scope: &Scope, spec: &NewTarget) -> Result<Outcome> {
    let cd = scope.cd()?;
    let added = ops::targets::add(&cd, spec)?;
    let t = &added.target;
    Ok(Outcome::ok()
        .field("name", &t.name)
        .field("host", &t.host)
        .field("port", t.port())
        .field("user", &t.user)
        .field("auth_method", &t.auth_method)
        .field("identity_file", &t.identity_file)
        .field("labels", &t.labels)
        .field("default", added.is_default)
        .field("total", added.total)
        .text(format!(
            "target {} added ({}, {}){}",
            t.name,
            t.address(),
            t.auth_method,
            if added.is_default {
                ", now current"
            } else {
                ""
            }
        )))
}

/// The console's target edit: every field of an existing target set anew.
pub fn edit(scope: &Scope, spec: &NewTarget) -> Result<Outcome> {
    let t = ops::targets::edit(&scope.cd()?, spec)?;
    Ok(Outcome::ok()
        .field("name", &t.name)
        .field("host", &t.host)
        .field("port", t.port())
        .field("user", &t.user)
        .field("auth_method", &t.auth_method)
        .field("labels", &t.labels)
        .text(format!(
            "target {} now {} ({})",
            t.name,
            t.address(),
            t.auth_method
        )))
}

/// `target use NAME`.
pub fn use_target(scope: &Scope, name: &str) -> Result<Outcome> {
    names::validate_target(name)?;
    let canonical = ops::targets::use_target(&scope.cd()?, name)?;
    Ok(Outcome::ok()
        .field("target", &canonical)
        .text(format!("current target is now {canonical}")))
}

/// What `target remove` removes; `force` allows removing the current target (the console's
/// confirmation dialog stands in for it).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveInput {
    pub name: String,
    pub force: bool,
}

pub fn remove(scope: &Scope, input: &RemoveInput) -> Result<Outcome> {
    names::validate_target(&input.name)?;
    let (removed, current, total) = ops::targets::remove(&scope.cd()?, &input.name, input.force)?;
    let current = current.map(String::from).unwrap_or_default();
    Ok(Outcome::ok()
        .field("target", &removed)
        .field("force", input.force)
        .field("current_target", &current)
        .field("total", total)
        .text(format!(
            "target {removed} removed ({total} left; current: {})",
            if current.is_empty() { "none" } else { &current }
        )))
}

/// `target list`: a table, and each target (redacted) as data.
pub fn list(scope: &Scope) -> Result<Outcome> {
    let doc = targets::load(&scope.cd()?)?;
    let mut rows = vec![vec![
        " ".into(),
        "NAME".into(),
        "ADDRESS".into(),
        "AUTH".into(),
        "LABELS".into(),
    ]];
    for t in &doc.targets {
        rows.push(vec![
            if doc.is_current(t) { "*" } else { " " }.into(),
            t.name.to_string(),
            t.address(),
            t.auth().as_str().into(),
            t.labels.join(","),
        ]);
    }
    let text = if doc.targets.is_empty() {
        "no targets; add one with `paasdeck --context <ctx> target add --name N --host H --user U`\n"
            .to_string()
    } else {
        crate::text::table(&rows)
    };
    let data: Vec<Value> = doc
        .targets
        .iter()
        .map(|t| crate::policy::redact::redacted(&serde_json::to_value(t).unwrap_or_default()))
        .collect();
    Ok(Outcome::ok()
        .set(
            "current_target",
            doc.current_target
                .as_ref()
                .map(String::from)
                .unwrap_or_default(),
        )
        .list(&data)
        .text(text))
}

/// `target bootstrap` from its flags: the password from the environment variable they name.
pub fn bootstrap_input(a: &TargetBootstrapArgs) -> BootstrapSpec {
    BootstrapSpec {
        target: a.target.clone(),
        password: Password::Env(a.password_env.clone()),
        public_key: a.public_key.clone(),
        timeout: a.timeout,
    }
}

/// `target bootstrap`: the key installed over one password login, key auth verified, the
/// target switched to `auth_method: key`. The password's variable name is recorded, never its
/// value (nor anything of a typed one). Cancelling ends the ssh child; the target keeps its
/// password authentication.
pub async fn bootstrap(scope: &Scope, spec: &BootstrapSpec) -> Result<Outcome> {
    let cd = scope.cd()?;
    scope.progress.note(format!(
        "installing the key on {} over one password login…",
        spec.target
    ));
    let done = tokio::select! {
        r = ops::bootstrap::bootstrap(&cd, &scope.pool, spec) => r?,
        _ = scope.progress.cancel.cancelled() => return Err(PaasError::new(
            ErrorCode::Cancelled,
            "bootstrap",
            "cancelled; the target keeps its password authentication",
        )),
    };
    let t = &done.target;
    let mut out = Outcome::ok()
        .field("target", &t.name)
        .field("auth_method", &t.auth_method);
    if let Password::Env(var) = &spec.password {
        out = out.field("password_env", var);
    }
    let msg = format!(
        "target {} ({}) now uses key authentication with {}",
        t.name,
        t.address(),
        done.public_key.display()
    );
    scope.progress.note(&msg);
    Ok(out
        .field("public_key", done.public_key.display().to_string())
        .field(
            "identity_file",
            done.identity_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .field("timeout", crate::remote::human(spec.timeout))
        .text(msg))
}
