//! `target check` and `target exec`: the commands that reach targets.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Invocation;
use super::output::Report;
use crate::cli::{TargetBootstrapArgs, TargetCheckArgs, TargetExecArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, target_check, target_exec};
use crate::remote::Stream;
use crate::remote::fanout;
use crate::state::{names, targets};
use crate::text::{sanitize, sanitize_inline};

/// Runs async work on a fresh runtime; Ctrl-C or SIGTERM cancels it (stopping remote
/// processes, releasing locks) instead of killing paasdeck mid-flight.
pub fn block_on<F, Fut, T>(f: F) -> Result<T>
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PaasError::new(ErrorCode::UnknownFailure, "runtime", e.to_string()))?;
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    rt.spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
        eprintln!("interrupted: stopping remote commands…");
        c2.cancel();
    });
    let out = rt.block_on(f(cancel));
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(out)
}

/// Prints `target | line` to stdout or stderr as it arrives (text mode only), sanitised: the
/// line is remote output.
pub fn print_prefixed(json: bool, width: usize, target: &str, stream: Stream, line: &str) {
    if json {
        return;
    }
    let text = format!("{:<width$} | {}\n", sanitize_inline(target), sanitize(line));
    let _ = match stream {
        Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
        Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
    };
}

pub fn check(inv: &Invocation, a: &TargetCheckArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let doc = targets::load(&cd)?;
    let selected = match &a.target {
        Some(t) => {
            names::validate_target(t)?;
            doc.select(std::slice::from_ref(t))?
        }
        None => doc.select(&["all".to_string()])?,
    };
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let results = block_on(|cancel| async move {
        let r = target_check::check_all(
            &pool,
            &inv.context,
            &selected,
            a.timeout,
            a.parallel as usize,
            &cancel,
        )
        .await;
        pool.close_all().await;
        r
    })?;
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
    let rep = Report::ok()
        .set("timeout", humantime::format_duration(a.timeout).to_string())
        .set("parallel", a.parallel)
        .list(&results)
        .audit_only(
            "targets",
            results
                .iter()
                .map(|r| r.target.as_str())
                .collect::<Vec<_>>()
                .join(","),
        )
        .audit_only("failed_targets", failed.join(","))
        .text(text);
    Ok(match target_check::failure(&results) {
        Some(e) => rep.failed_with(e),
        None => rep,
    })
}

pub fn exec(inv: &Invocation, a: &TargetExecArgs) -> Result<Report> {
    crate::text::refuse_control_in_script("the remote command", &a.command.join(" "))?;
    let cd = inv.existing_cd()?;
    let wanted = names::split_csv(&a.targets);
    if wanted.is_empty() {
        return Err(PaasError::usage("flag_validation", "--targets is empty"));
    }
    for w in &wanted {
        if !w.eq_ignore_ascii_case("all") {
            names::validate_target(w)?;
        }
    }
    let selected = targets::load(&cd)?.select(&wanted)?;
    let command = a.command.join(" ");
    let spec = target_exec::ExecSpec {
        targets: selected,
        command: command.clone(),
        strategy: a.fanout.strategy.strategy(),
        max_parallel: a.fanout.max_parallel as usize,
        continue_on_error: a.fanout.continue_on_error,
        timeout: Some(a.timeout),
        redactor: ops::redaction::every_value(&cd, &ops::redaction::load_vault(&cd)?),
    };
    let width = spec.targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let json = inv.json;
    let on_line: target_exec::TargetLineSink =
        Arc::new(move |target, stream, line| print_prefixed(json, width, target, stream, line));
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let spec_ref = &spec;
    let (plan, outcomes) = block_on(|cancel| async move {
        let r = target_exec::run(&pool, &inv.context, spec_ref, on_line, &cancel).await;
        pool.close_all().await;
        r
    })?;
    let rows: Vec<serde_json::Value> = outcomes
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
                v["error"] = super::output::error_object(e);
            }
            v
        })
        .collect();
    let statuses = fanout::statuses(&outcomes);
    let mut text = format!(
        "fanout_plan={}\ntarget_statuses={statuses}\n",
        plan.summary()
    );
    if json {
        text.clear();
    }
    let rep = Report::ok()
        .field("remote_command", &command)
        .field("strategy", spec.strategy.as_str())
        .field("max_parallel", a.fanout.max_parallel)
        .field("continue_on_error", a.fanout.continue_on_error)
        .field("fanout_plan", plan.summary())
        .field("target_statuses", &statuses)
        .list(&rows)
        .text(text);
    Ok(match fanout::aggregate_error(&outcomes) {
        Some(e) => rep.failed_with(e),
        None => rep,
    })
}

/// `target bootstrap`: the key installed over one password login, key auth verified, the
/// target switched to `auth_method: key`. The password's variable name is recorded, never its
/// value.
pub fn bootstrap(inv: &Invocation, a: &TargetBootstrapArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let spec = ops::bootstrap::BootstrapSpec {
        target: a.target.clone(),
        password: ops::bootstrap::Password::Env(a.password_env.clone()),
        public_key: a.public_key.clone(),
        timeout: a.timeout,
    };
    let cd_ref = &cd;
    let done = block_on(|cancel| async move {
        // Dropping the bootstrap on Ctrl-C ends its ssh child.
        let r = tokio::select! {
            r = ops::bootstrap::bootstrap(cd_ref, &pool, &spec) => r,
            _ = cancel.cancelled() => Err(PaasError::new(
                ErrorCode::Cancelled,
                "bootstrap",
                "cancelled; the target keeps its password authentication",
            )),
        };
        pool.close_all().await;
        r
    })??;
    let t = &done.target;
    Ok(Report::ok()
        .field("target", &t.name)
        .field("auth_method", &t.auth_method)
        .field("password_env", &a.password_env)
        .field("public_key", done.public_key.display().to_string())
        .field(
            "identity_file",
            done.identity_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .field("timeout", crate::remote::human(a.timeout))
        .text(format!(
            "target {} ({}) now uses key authentication with {}",
            t.name,
            t.address(),
            done.public_key.display()
        )))
}
