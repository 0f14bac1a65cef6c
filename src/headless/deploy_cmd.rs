//! `deploy` (plan or apply), `deploy lock status|acquire|release`, `rollback`, `logs`.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;

use super::Invocation;
use super::output::Report;
use super::remote_cmd::{print_prefixed, run_verb};
use crate::cli::{DeployArgs, DeploySub, LogsArgs, RollbackArgs};
use crate::error::Result;
use crate::ops::target_exec::TargetLineSink;
use crate::state::targets;
use crate::verbs::deploy::{self as vdeploy, PlanInput};
use crate::verbs::logs::LogsInput;

/// Prints `target | line` as lines arrive (text mode only), the names padded to the widest of
/// the context's targets.
fn printer(inv: &Invocation) -> TargetLineSink {
    let width = inv
        .existing_cd()
        .and_then(|cd| targets::load(&cd))
        .map(|doc| doc.targets.iter().map(|t| t.name.len()).max().unwrap_or(0))
        .unwrap_or(0);
    let json = inv.json;
    Arc::new(move |target: &str, stream, line: &str| {
        print_prefixed(json, width, target, stream, line)
    })
}

pub fn deploy(inv: &Invocation, a: &DeployArgs) -> Result<Report> {
    match &a.sub {
        Some(DeploySub::Lock(l)) => {
            return run_verb(inv, None, |scope| async move { vdeploy::lock(&scope, l) });
        }
        Some(DeploySub::Reconcile(r)) => {
            let input = vdeploy::ReconcileInput::from_args(r);
            return run_verb(inv, None, |scope| async move {
                vdeploy::reconcile(&scope, &input).await
            });
        }
        None => {}
    }
    let input = PlanInput::Deploy(vdeploy::DeployInput::from_args(a)?);
    run_verb(inv, Some(printer(inv)), |scope| async move {
        vdeploy::run(&scope, &input).await
    })
}

pub fn rollback(inv: &Invocation, a: &RollbackArgs) -> Result<Report> {
    let input = PlanInput::Rollback(vdeploy::RollbackInput::from_args(a)?);
    run_verb(inv, Some(printer(inv)), |scope| async move {
        vdeploy::run(&scope, &input).await
    })
}

/// `logs`: each line printed as it arrives — as text, or as one JSON object per line with
/// `--follow --json`; without `--follow` under `--json` the lines come in the one document.
pub fn logs(inv: &Invocation, a: &LogsArgs) -> Result<Report> {
    let input = LogsInput::from_args(a);
    let (json, follow) = (inv.json, a.follow);
    let lines: TargetLineSink = Arc::new(move |target, stream, line| {
        if json && !follow {
            return;
        }
        let text = if json {
            crate::text::inert_json(
                json!({"target": target, "stream": stream, "line": line}).to_string(),
            ) + "\n"
        } else {
            crate::text::sanitize(line).into_owned() + "\n"
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    });
    run_verb(inv, Some(lines), |scope| async move {
        crate::verbs::logs::logs(&scope, &input).await
    })
}
