//! paasdeck's remediation table, in place of si's language model: from an incident and what
//! the targets report now, one remediation with its exact plan. Deterministic: the same
//! incident and the same state give the same proposal.
//!
//! - a check incident whose `deploy_drift` failed: the first app (by name) that is not in sync
//!   on a reachable target gets its recorded release back on those targets (`rollback
//!   --to-release <recorded>`, which applies the recorded release again);
//! - a failed deploy or rollback: when some target does not run the recorded (last healthy)
//!   release, a rollback to it on those targets; when every target does, `noop`;
//! - a target that did not answer (a failed `target check`, the check's `target_check`, or an
//!   app's target that could not be read): `target check` of it again;
//! - anything else: `noop` with the reason.

use serde::{Deserialize, Serialize};

use super::super::Scope;
use crate::error::Result;
use crate::ops::deploy::{self, Common, RollbackSpec};
use crate::ops::reconcile::{self, SyncStatus};
use crate::ops::target_check;
use crate::policy::guard::Verb;
use crate::state::incidents::{Category, Entry};
use crate::state::{deployments, targets};

pub const RESTORE: &str = "restore-release";
pub const ROLLBACK: &str = "rollback";
pub const RECHECK: &str = "target-check";
pub const NOOP: &str = "noop";

/// The remediation a run proposes (the run record's `remediation`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Remediation {
    /// `restore-release`, `rollback`, `target-check` or `noop`.
    pub action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub release: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Why this remediation (or why none).
    pub reason: String,
    /// The operator's own command that does exactly this.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// The plan as the command shows it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<String>,
}

impl Remediation {
    pub fn noop(reason: impl Into<String>) -> Remediation {
        Remediation {
            action: NOOP.into(),
            reason: reason.into(),
            ..Default::default()
        }
    }

    /// The verb it runs through (the guard's row): none for `noop`.
    pub fn verb(&self) -> Option<Verb> {
        match self.action.as_str() {
            RESTORE | ROLLBACK => Some(Verb::Rollback),
            RECHECK => Some(Verb::TargetCheck),
            _ => None,
        }
    }

    pub fn is_noop(&self) -> bool {
        self.verb().is_none()
    }

    /// One line: what it does.
    pub fn describe(&self) -> String {
        match self.action.as_str() {
            RESTORE => format!(
                "bring back {} release {} on {}",
                self.app,
                self.release,
                self.targets.join(",")
            ),
            ROLLBACK => format!(
                "roll {} back to its last healthy release {} on {}",
                self.app,
                self.release,
                self.targets.join(",")
            ),
            RECHECK => format!("check {} again", self.targets.join(",")),
            _ => format!("nothing to do: {}", self.reason),
        }
    }
}

/// The rollback to `release` on `targets`, as `rollback --app A --to-release R --targets T`.
pub fn rollback_spec(app: &str, release: &str, targets: &[String]) -> RollbackSpec {
    let mut common = Common::new(app);
    common.targets = targets.to_vec();
    RollbackSpec {
        common,
        to_release: Some(release.to_string()),
    }
}

fn with_plan(scope: &Scope, mut r: Remediation) -> Remediation {
    let cd = match scope.cd() {
        Ok(cd) => cd,
        Err(e) => return Remediation::noop(e.message),
    };
    match r.action.as_str() {
        RESTORE | ROLLBACK => {
            match deploy::plan_rollback(&cd, &rollback_spec(&r.app, &r.release, &r.targets)) {
                Ok(p) => {
                    r.plan = p.lines();
                    r.command = format!(
                        "paasdeck --context {} rollback --app {} --to-release {} --targets {} --apply",
                        scope.context,
                        r.app,
                        r.release,
                        r.targets.join(",")
                    );
                    r
                }
                Err(e) => Remediation::noop(format!(
                    "{} — but it cannot be planned: {}",
                    r.describe(),
                    e.message
                )),
            }
        }
        RECHECK => {
            r.command = r
                .targets
                .iter()
                .map(|t| {
                    format!(
                        "paasdeck --context {} target check --target {t}",
                        scope.context
                    )
                })
                .collect::<Vec<_>>()
                .join(" && ");
            r.plan = vec![r.describe()];
            r
        }
        _ => r,
    }
}

/// What the app's targets report against the record: the ones not in sync, the ones that
/// could not be read.
async fn app_rows(
    scope: &Scope,
    app: &str,
    allowed: &[String],
) -> Result<(Vec<String>, Vec<String>, Option<String>)> {
    let cd = scope.cd()?;
    let site = reconcile::plan(&cd, &Common::new(app))?;
    let rows = reconcile::run(
        &scope.pool,
        &site,
        std::time::Duration::from_secs(45),
        &scope.progress.cancel,
    )
    .await;
    let ok = |t: &str| allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(t));
    let mut off = Vec::new();
    let mut unreachable = Vec::new();
    for r in rows.iter().filter(|r| ok(&r.target)) {
        scope.progress.note(format!(
            "{app} on {}: {} ({})",
            r.target,
            r.status.as_str(),
            r.detail
        ));
        match r.status {
            SyncStatus::InSync => {}
            SyncStatus::Unreachable => unreachable.push(r.target.clone()),
            SyncStatus::Drifted | SyncStatus::Missing => off.push(r.target.clone()),
        }
    }
    Ok((off, unreachable, site.recorded.map(|r| r.to_string())))
}

fn recheck(targets: Vec<String>, why: String) -> Remediation {
    Remediation {
        action: RECHECK.into(),
        targets,
        reason: why,
        ..Default::default()
    }
}

async fn for_drift(scope: &Scope, allowed: &[String]) -> Result<Remediation> {
    let cd = scope.cd()?;
    let doc = deployments::load(&cd)?;
    let mut unreachable_all = Vec::new();
    for (app, h) in &doc.apps {
        if h.current_release.is_none() {
            continue;
        }
        let (off, unreachable, recorded) = app_rows(scope, app.as_str(), allowed).await?;
        if let (false, Some(rel)) = (off.is_empty(), recorded) {
            return Ok(Remediation {
                action: RESTORE.into(),
                app: app.to_string(),
                release: rel.clone(),
                reason: format!(
                    "{} does not run its recorded release {rel} on {}",
                    app,
                    off.join(",")
                ),
                targets: off,
                ..Default::default()
            });
        }
        for t in unreachable {
            if !unreachable_all.contains(&t) {
                unreachable_all.push(t);
            }
        }
    }
    if !unreachable_all.is_empty() {
        let why = format!("{} could not be read", unreachable_all.join(","));
        return Ok(recheck(unreachable_all, why));
    }
    Ok(Remediation::noop(
        "every app runs its recorded release now: the drift is gone",
    ))
}

fn failed_targets(scope: &Scope, allowed: &[String]) -> Result<Vec<String>> {
    let cd = scope.cd()?;
    let checks = target_check::load_checks(&cd)?;
    let known = targets::load(&cd)?;
    Ok(checks
        .targets
        .values()
        .filter(|r| !r.ok())
        .map(|r| r.target.to_string())
        .filter(|t| {
            known
                .targets
                .iter()
                .any(|k| k.name.as_str().eq_ignore_ascii_case(t))
        })
        .filter(|t| allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(t)))
        .collect())
}

async fn for_deploy(scope: &Scope, app: &str, allowed: &[String]) -> Result<Remediation> {
    let (off, unreachable, recorded) = app_rows(scope, app, allowed).await?;
    let Some(rel) = recorded else {
        return Ok(Remediation::noop(format!(
            "{app} has no healthy release recorded to roll back to"
        )));
    };
    if !off.is_empty() {
        return Ok(Remediation {
            action: ROLLBACK.into(),
            app: app.to_string(),
            release: rel.clone(),
            reason: format!(
                "the failed deploy did not roll back on {}: they do not run {rel}",
                off.join(",")
            ),
            targets: off,
            ..Default::default()
        });
    }
    if !unreachable.is_empty() {
        let why = format!("{} could not be read", unreachable.join(","));
        return Ok(recheck(unreachable, why));
    }
    Ok(Remediation::noop(format!(
        "the failed deploy rolled back: every target of {app} runs {rel}"
    )))
}

/// The remediation for an incident. `allowed`: the agent's targets (empty: all).
pub async fn propose(scope: &Scope, e: &Entry, allowed: &[String]) -> Result<Remediation> {
    let i = &e.incident;
    let meta = |k: &str| i.metadata.get(k).map(String::as_str).unwrap_or_default();
    let r = if meta("command") == "check" {
        let failing: Vec<&str> = meta("failing_checks").split(',').map(str::trim).collect();
        if failing.contains(&"deploy_drift") {
            for_drift(scope, allowed).await?
        } else if failing.contains(&"target_check") {
            let t = failed_targets(scope, allowed)?;
            if t.is_empty() {
                Remediation::noop("no target failed its last check")
            } else {
                let why = format!("{} did not pass the check", t.join(","));
                recheck(t, why)
            }
        } else {
            Remediation::noop(format!(
                "no remediation is known for the failing check(s) {}",
                meta("failing_checks")
            ))
        }
    } else if meta("command") == "target check" && !i.target.is_empty() {
        let t: Vec<String> = i
            .target
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(t)))
            .collect();
        if t.is_empty() {
            Remediation::noop("the target is outside the agent's targets")
        } else {
            let why = format!("{} failed its check", t.join(","));
            recheck(t, why)
        }
    } else if i.category == Category::Deploy && !meta("app").is_empty() {
        for_deploy(scope, meta("app"), allowed).await?
    } else {
        Remediation::noop(format!(
            "no remediation is known for {} incidents ({})",
            i.category.as_str(),
            i.signal
        ))
    };
    Ok(with_plan(scope, r))
}
