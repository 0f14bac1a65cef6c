//! `target check` and `target exec`: the commands that reach targets.

use std::io::Write;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Invocation;
use super::output::Report;
use crate::cli::{TargetBootstrapArgs, TargetCheckArgs, TargetExecArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, target_exec};
use crate::remote::Stream;
use crate::state::targets;
use crate::text::{sanitize, sanitize_inline};
use crate::verbs;

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
    let input = verbs::targets::CheckInput::from_args(a);
    run_verb(inv, None, |scope| async move {
        verbs::targets::check(&scope, &input).await
    })
}

pub fn exec(inv: &Invocation, a: &TargetExecArgs) -> Result<Report> {
    let input = verbs::targets::ExecInput::from_args(a)?;
    let width = inv
        .existing_cd()
        .and_then(|cd| targets::load(&cd))
        .and_then(|doc| doc.select(&input.targets))
        .map(|ts| ts.iter().map(|t| t.name.len()).max().unwrap_or(0))
        .unwrap_or(0);
    let json = inv.json;
    let lines: target_exec::TargetLineSink =
        Arc::new(move |target, stream, line| print_prefixed(json, width, target, stream, line));
    run_verb(inv, Some(lines), |scope| async move {
        verbs::targets::exec(&scope, &input).await
    })
}

/// Runs one verb on a fresh runtime with this invocation's scope: a target's output goes to
/// `lines` (nowhere when `None`), the verb's notes nowhere (its text says it all at the end);
/// the SSH masters are closed after.
pub fn run_verb<F, Fut>(
    inv: &Invocation,
    lines: Option<target_exec::TargetLineSink>,
    f: F,
) -> Result<Report>
where
    F: FnOnce(verbs::Scope) -> Fut,
    Fut: std::future::Future<Output = Result<Report>>,
{
    let pool = Arc::new(ops::pool(&inv.root, inv.connect_timeout));
    let mut progress = verbs::Progress::quiet();
    if let Some(lines) = lines {
        progress.lines = lines;
    }
    block_on(|cancel| async move {
        progress.cancel = cancel;
        let scope = inv.scope(pool.clone(), progress);
        let r = f(scope).await;
        pool.close_all().await;
        r
    })?
}

/// `target bootstrap`: the password from the environment variable `--password-env` names.
pub fn bootstrap(inv: &Invocation, a: &TargetBootstrapArgs) -> Result<Report> {
    let spec = verbs::targets::bootstrap_input(a);
    run_verb(inv, None, |scope| async move {
        verbs::targets::bootstrap(&scope, &spec).await
    })
}

/// `target shell`, `app shell`, `stage shell`: the terminal handed to the remote shell until
/// it exits. A shell writes to the terminal itself, so it has no JSON document to give.
pub fn shell(inv: &Invocation, input: &verbs::shell::ShellInput) -> Result<Report> {
    if inv.json {
        return Err(json_refused(input.verb().command()));
    }
    run_verb(inv, None, |scope| async move {
        verbs::shell::run(&scope, input).await
    })
}

/// `--json` of an interactive shell.
pub fn json_refused(command: &str) -> PaasError {
    PaasError::usage(
        "flag_validation",
        format!(
            "`{command}` hands the terminal to an interactive shell and prints no JSON document"
        ),
    )
    .with_remediation("run it without --json; its exit code is the shell's")
}
