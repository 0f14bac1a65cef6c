//! After a failed apply: where each touched target's `current` link points now, compared with
//! the release on record, so a release that went live without being recorded (a dropped
//! connection after `up`, a target that succeeded beside one that failed) shows in the failure
//! event instead of hiding.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::Plan;
use crate::remote::pool::Pool;
use crate::remote::quote::quote;
use crate::remote::{ExecRequest, capture};
use crate::state::ids::ReleaseId;

/// The most the re-check may take, all targets together (they are asked at once).
pub const DRIFT_CHECK_LIMIT: Duration = Duration::from_secs(5);

/// What the targets' `current` links said after a failed apply.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Drift {
    /// Target → the release its `current` points at (`null`: no link).
    pub remote_current: Map<String, Value>,
    /// Targets whose `current` differs from the recorded release.
    pub drifted_targets: Vec<String>,
    /// Targets that could not be asked (unreachable, no answer in time).
    pub unverified_targets: Vec<String>,
}

/// A release id read back from a target: its name inside `releases/`, parsed like input
/// ([`ReleaseId`]); anything else is reported as unrecognised rather than stored as it is.
pub fn release_of(link: &str) -> String {
    let name = link.trim().trim_end_matches('/');
    let name = name.rsplit('/').next().unwrap_or("");
    match ReleaseId::parse(name) {
        Ok(id) => id.to_string(),
        Err(_) => "(unrecognised link)".to_string(),
    }
}

async fn read_current(pool: &Pool, plan: &Plan, name: &str) -> Option<Option<String>> {
    let target = plan.targets.iter().find(|t| t.name == name)?;
    let t = pool.get(&plan.context, target).await.ok()?;
    let script = format!(
        "if [ -L {c} ]; then readlink {c}; else echo; fi",
        c = quote(&plan.layout.current())
    );
    let out = capture(
        t.as_ref(),
        ExecRequest::new(script).timeout(DRIFT_CHECK_LIMIT),
        CancellationToken::new(),
        4,
    )
    .await
    .ok()?;
    if out.code != 0 {
        return None;
    }
    let link = out.stdout.first().map(|l| l.trim()).unwrap_or("");
    Some((!link.is_empty()).then(|| release_of(link)))
}

/// Asks every named target where its `current` points, within [`DRIFT_CHECK_LIMIT`].
pub async fn check(pool: &Pool, plan: &Plan, targets: &[String]) -> Drift {
    let asks = targets.iter().map(|name| async move {
        let got = tokio::time::timeout(DRIFT_CHECK_LIMIT, read_current(pool, plan, name))
            .await
            .ok()
            .flatten();
        (name.clone(), got)
    });
    let answers = futures::future::join_all(asks).await;
    let mut drift = Drift::default();
    // An app that runs si's release has no `current` link of paasdeck's.
    let expected = match plan.si.is_empty() {
        false => None,
        true => plan.from_release.clone(),
    };
    for (name, got) in answers {
        match got {
            None => drift.unverified_targets.push(name),
            Some(current) => {
                if current != expected {
                    drift.drifted_targets.push(name.clone());
                }
                drift
                    .remote_current
                    .insert(name, current.map(Value::from).unwrap_or(Value::Null));
            }
        }
    }
    drift
}

/// Adds the drift to an event row.
pub fn insert(row: &mut Map<String, Value>, d: &Drift) {
    row.insert(
        "remote_current".into(),
        Value::Object(d.remote_current.clone()),
    );
    row.insert("drifted_targets".into(), d.drifted_targets.join(",").into());
    row.insert(
        "unverified_targets".into(),
        d.unverified_targets.join(",").into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_are_read_like_input() {
        assert_eq!(
            release_of("releases/rel-20250101T000000-000000001\n"),
            "rel-20250101T000000-000000001"
        );
        assert_eq!(
            release_of("/abs/releases/rel-20250101T000000-000000002/"),
            "rel-20250101T000000-000000002"
        );
        assert_eq!(release_of("releases/rel-1"), "(unrecognised link)");
        assert_eq!(release_of("releases/\u{1b}[2Jx"), "(unrecognised link)");
        assert_eq!(release_of("releases/.."), "(unrecognised link)");
        assert_eq!(release_of("a b"), "(unrecognised link)");
    }
}
