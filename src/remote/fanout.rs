//! Fan-out strategies with the `si paas` semantics: `serial` (one target at a time), `rolling`
//! (chunks of `max_parallel`), `canary` (the first target alone, then rolling chunks; a failed
//! canary stops everything, even with continue-on-error) and `parallel` (one batch, at most
//! `max_parallel` at once). After a batch with a failure the rest are skipped unless
//! continue-on-error. Summaries: `fanout_plan` such as `rolling(a+b);rolling(c)` and
//! `target_statuses` such as `a:ok,b:failed,c:skipped`.

use std::future::Future;

use futures::StreamExt;
use serde::Serialize;

use crate::error::PaasError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Serial,
    Rolling,
    Canary,
    Parallel,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "serial" => Some(Strategy::Serial),
            "rolling" => Some(Strategy::Rolling),
            "canary" => Some(Strategy::Canary),
            "parallel" => Some(Strategy::Parallel),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Serial => "serial",
            Strategy::Rolling => "rolling",
            Strategy::Canary => "canary",
            Strategy::Parallel => "parallel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub phase: &'static str,
    pub targets: Vec<String>,
    pub concurrency: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanoutPlan {
    pub strategy: Strategy,
    pub batches: Vec<Batch>,
}

fn chunks(phase: &'static str, targets: &[String], max: usize) -> Vec<Batch> {
    targets
        .chunks(max.max(1))
        .map(|c| Batch {
            phase,
            targets: c.to_vec(),
            concurrency: c.len(),
        })
        .collect()
}

impl FanoutPlan {
    pub fn new(strategy: Strategy, targets: &[String], max_parallel: usize) -> FanoutPlan {
        let max = max_parallel.max(1);
        let batches = match strategy {
            Strategy::Serial => chunks("serial", targets, 1),
            Strategy::Rolling => chunks("rolling", targets, max),
            Strategy::Canary => {
                let mut b = chunks("canary", &targets[..targets.len().min(1)], 1);
                if targets.len() > 1 {
                    b.extend(chunks("rolling", &targets[1..], max));
                }
                b
            }
            Strategy::Parallel if targets.is_empty() => Vec::new(),
            Strategy::Parallel => vec![Batch {
                phase: "parallel",
                targets: targets.to_vec(),
                concurrency: max.min(targets.len()),
            }],
        };
        FanoutPlan { strategy, batches }
    }

    /// `phase(t1+t2);phase(t3)`.
    pub fn summary(&self) -> String {
        self.batches
            .iter()
            .map(|b| format!("{}({})", b.phase, b.targets.join("+")))
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn targets(&self) -> impl Iterator<Item = &String> {
        self.batches.iter().flat_map(|b| b.targets.iter())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    Ok,
    Failed,
    RolledBack,
    Skipped,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Ok => "ok",
            TargetStatus::Failed => "failed",
            TargetStatus::RolledBack => "rolled_back",
            TargetStatus::Skipped => "skipped",
        }
    }
    /// Whether this outcome stops later batches (a rollback is still a failed deploy).
    pub fn is_failure(self) -> bool {
        matches!(self, TargetStatus::Failed | TargetStatus::RolledBack)
    }
}

/// What happened on one target.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    pub target: String,
    pub status: TargetStatus,
    pub error: Option<PaasError>,
    pub detail: Option<T>,
}

impl<T> Outcome<T> {
    pub fn ok(target: &str, detail: T) -> Outcome<T> {
        Outcome {
            target: target.to_string(),
            status: TargetStatus::Ok,
            error: None,
            detail: Some(detail),
        }
    }
    pub fn failed(target: &str, error: PaasError, detail: Option<T>) -> Outcome<T> {
        Outcome {
            target: target.to_string(),
            status: TargetStatus::Failed,
            error: Some(error),
            detail,
        }
    }
    fn skipped(target: &str) -> Outcome<T> {
        Outcome {
            target: target.to_string(),
            status: TargetStatus::Skipped,
            error: None,
            detail: None,
        }
    }
}

/// Runs `run` on every target of the plan; results come back in plan order.
pub async fn execute<T, F, Fut>(
    plan: &FanoutPlan,
    continue_on_error: bool,
    run: F,
) -> Vec<Outcome<T>>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Outcome<T>>,
{
    let mut out: Vec<Outcome<T>> = Vec::new();
    let mut stopped = false;
    for batch in &plan.batches {
        if stopped {
            out.extend(batch.targets.iter().map(|t| Outcome::skipped(t)));
            continue;
        }
        let results: Vec<Outcome<T>> = futures::stream::iter(batch.targets.iter().cloned())
            .map(&run)
            .buffered(batch.concurrency.max(1))
            .collect()
            .await;
        let failed = results.iter().any(|r| r.status.is_failure());
        out.extend(results);
        if failed && (batch.phase == "canary" || !continue_on_error) {
            stopped = true;
        }
    }
    out
}

/// `t1:ok,t2:failed,…` in plan order.
pub fn statuses<T>(outcomes: &[Outcome<T>]) -> String {
    outcomes
        .iter()
        .map(|o| format!("{}:{}", o.target, o.status.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The first failure's error, its message suffixed with the count of further failures.
pub fn aggregate_error<T>(outcomes: &[Outcome<T>]) -> Option<PaasError> {
    let mut failures = outcomes
        .iter()
        .filter(|o| o.status.is_failure())
        .filter_map(|o| o.error.clone());
    let mut first = failures.next()?;
    let more = failures.count();
    if more > 0 {
        first.message = format!(
            "{} (and {more} additional target failure(s))",
            first.message
        );
    }
    Some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plans() {
        let t = names(&["a", "b", "c"]);
        assert_eq!(
            FanoutPlan::new(Strategy::Serial, &t, 4).summary(),
            "serial(a);serial(b);serial(c)"
        );
        assert_eq!(
            FanoutPlan::new(Strategy::Rolling, &t, 2).summary(),
            "rolling(a+b);rolling(c)"
        );
        assert_eq!(
            FanoutPlan::new(Strategy::Canary, &t, 2).summary(),
            "canary(a);rolling(b+c)"
        );
        let p = FanoutPlan::new(Strategy::Parallel, &t, 2);
        assert_eq!(p.summary(), "parallel(a+b+c)");
        assert_eq!(p.batches[0].concurrency, 2);
        assert_eq!(
            FanoutPlan::new(Strategy::Canary, &names(&["a"]), 2).summary(),
            "canary(a)"
        );
        assert_eq!(
            FanoutPlan::new(Strategy::Serial, &names(&["edge-a"]), 1).summary(),
            "serial(edge-a)"
        );
    }

    async fn run_with_failing(
        strategy: Strategy,
        max: usize,
        coe: bool,
        order: &[&str],
        bad: &str,
    ) -> String {
        let plan = FanoutPlan::new(strategy, &names(order), max);
        let out = execute(&plan, coe, |t| async move {
            if t == bad {
                Outcome::failed(
                    &t,
                    PaasError::new(ErrorCode::RemoteCommandFailed, "x", "boom"),
                    None,
                )
            } else {
                Outcome::ok(&t, ())
            }
        })
        .await;
        statuses(&out)
    }

    #[tokio::test]
    async fn statuses_follow_si_semantics() {
        let abc = ["a", "b", "c"];
        assert_eq!(
            run_with_failing(Strategy::Serial, 1, false, &abc, "b").await,
            "a:ok,b:failed,c:skipped"
        );
        assert_eq!(
            run_with_failing(Strategy::Serial, 1, true, &abc, "b").await,
            "a:ok,b:failed,c:ok"
        );
        assert_eq!(
            run_with_failing(Strategy::Rolling, 2, false, &abc, "b").await,
            "a:ok,b:failed,c:skipped"
        );
        assert_eq!(
            run_with_failing(Strategy::Canary, 2, true, &abc, "a").await,
            "a:failed,b:skipped,c:skipped"
        );
        assert_eq!(
            run_with_failing(Strategy::Canary, 2, false, &abc, "c").await,
            "a:ok,b:ok,c:failed"
        );
        assert_eq!(
            run_with_failing(Strategy::Parallel, 2, true, &["a", "b"], "b").await,
            "a:ok,b:failed"
        );
        assert_eq!(
            run_with_failing(Strategy::Parallel, 3, false, &abc, "a").await,
            "a:failed,b:ok,c:ok"
        );
    }

    #[tokio::test]
    async fn aggregate_counts_further_failures() {
        let plan = FanoutPlan::new(Strategy::Parallel, &names(&["a", "b", "c"]), 3);
        let out = execute(&plan, true, |t| async move {
            Outcome::<()>::failed(
                &t,
                PaasError::new(ErrorCode::RemoteCommandFailed, "x", format!("{t} broke"))
                    .with_target(&t),
                None,
            )
        })
        .await;
        let e = aggregate_error(&out).unwrap();
        assert_eq!(e.target, "a");
        assert_eq!(e.message, "a broke (and 2 additional target failure(s))");
    }
}
