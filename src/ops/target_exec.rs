//! `target exec`: an ad-hoc command across targets with the fan-out strategies. Output is
//! streamed per target as it arrives; each target keeps a bounded tail for the result. Every
//! line is cleaned of every value of the context's vault first: an ad-hoc command can print
//! any `.env` on the target.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::redaction::Redacting;
use super::remediation::{self, Facts};
use crate::error::{ErrorCode, PaasError};
use crate::policy::redact::ValueRedactor;
use crate::remote::fanout::{self, FanoutPlan, Outcome, Strategy};
use crate::remote::pool::Pool;
use crate::remote::{ExecRequest, LineSink, Stream};
use crate::state::targets::Target;
use crate::tasks::TaskLog;

/// Lines of output kept per target for the result.
pub const TAIL_LINES: usize = 20;

#[derive(Debug, Clone)]
pub struct ExecSpec {
    pub targets: Vec<Target>,
    pub command: String,
    pub strategy: Strategy,
    pub max_parallel: usize,
    pub continue_on_error: bool,
    pub timeout: Option<Duration>,
    /// Built with [`super::redaction::every_value`] from the context's vault.
    pub redactor: ValueRedactor,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecDetail {
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub output_tail: Vec<String>,
    pub lines: u64,
    pub dropped_lines: u64,
}

/// Receives (target, stream, line) as lines arrive.
pub type TargetLineSink = Arc<dyn Fn(&str, Stream, &str) + Send + Sync>;

pub async fn run(
    pool: &Pool,
    context: &str,
    spec: &ExecSpec,
    on_line: TargetLineSink,
    cancel: &CancellationToken,
) -> (FanoutPlan, Vec<Outcome<ExecDetail>>) {
    let names: Vec<String> = spec.targets.iter().map(|t| t.name.to_string()).collect();
    let plan = FanoutPlan::new(spec.strategy, &names, spec.max_parallel);
    let outcomes = fanout::execute(&plan, spec.continue_on_error, |name| {
        let on_line = on_line.clone();
        async move {
            let Some(target) = spec.targets.iter().find(|t| t.name == name) else {
                return Outcome::failed(
                    &name,
                    PaasError::new(
                        ErrorCode::TargetResolutionFailed,
                        "target_resolve",
                        "unknown target",
                    ),
                    None,
                );
            };
            let started = Instant::now();
            let log = Arc::new(Mutex::new(TaskLog::new(TAIL_LINES, 64 * 1024)));
            let (l2, n2) = (log.clone(), name.clone());
            let sink: LineSink = Arc::new(move |stream, line| {
                on_line(&n2, stream, &line);
                if let Ok(mut l) = l2.lock() {
                    l.push(stream, line);
                }
            });
            let detail = |code: Option<i32>| {
                let l = log.lock().map(|l| l.clone()).unwrap_or_default();
                ExecDetail {
                    exit_code: code,
                    duration_ms: started.elapsed().as_millis() as u64,
                    output_tail: l.tail(TAIL_LINES),
                    lines: l.total,
                    dropped_lines: l.total.saturating_sub(l.len() as u64),
                }
            };
            let transport = match pool.get(context, target).await {
                Ok(t) => Redacting::wrap(t, spec.redactor.clone()),
                Err(e) => return Outcome::failed(&name, e.with_target(&name), Some(detail(None))),
            };
            let mut req = ExecRequest::new(spec.command.clone());
            req.timeout = spec.timeout;
            match transport.exec(req, sink, cancel.clone()).await {
                Ok(0) => Outcome::ok(&name, detail(Some(0))),
                Ok(code) => {
                    let detail = detail(Some(code));
                    let e = PaasError::new(
                        ErrorCode::RemoteCommandFailed,
                        "exec",
                        format!("the command exited with status {code} on {name}"),
                    )
                    .with_target(&name)
                    .with_remediation("read the target's output above");
                    let facts = Facts::for_target(context, target);
                    let e = remediation::refine(e, &detail.output_tail.join("\n"), &facts);
                    Outcome::failed(&name, e, Some(detail))
                }
                Err(e) => Outcome::failed(&name, e.with_target(&name), Some(detail(None))),
            }
        }
    })
    .await;
    (plan, outcomes)
}
