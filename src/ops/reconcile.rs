//! `deploy reconcile`: for each target of an app, the release its `current` link points at and
//! the compose project's services as the engine reports them by Compose's labels (which release
//! directory they run from, whether they run), compared with `deployments.json`. Nothing is changed on any target.

use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::ops::deploy::drift::release_of;
use crate::ops::deploy::remote::{Probe, compose, judge};
use crate::ops::deploy::{AppSite, app_site};
use crate::remote::engine::containers::{self, Container};
use crate::remote::pool::Pool;
use crate::remote::quote::quote;
use crate::remote::{ExecRequest, capture};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;

pub use crate::ops::deploy::Common;

/// How a target compares with the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    InSync,
    Drifted,
    Missing,
    Unreachable,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::InSync => "in_sync",
            SyncStatus::Drifted => "drifted",
            SyncStatus::Missing => "missing",
            SyncStatus::Unreachable => "unreachable",
        }
    }
}

/// One compose service as the target runs it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    pub service: String,
    pub state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub health: String,
    /// The release directory it was started from, when the container says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

/// One target's row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub target: String,
    pub status: SyncStatus,
    pub recorded_release: Option<String>,
    pub current_release: Option<String>,
    pub services: Vec<Service>,
    pub detail: String,
}

/// Reads the record and the targets; nothing remote yet.
pub fn plan(cd: &ContextDir, c: &Common) -> crate::error::Result<AppSite> {
    app_site(cd, c)
}

const SERVICES_MARK: &str = "--paasdeck-services--";
const PS_MARK: &str = "--paasdeck-ps--";

/// The read-only script run on a target. An app si deployed is read in si's layout: its
/// release directory (for a blue/green app, the target's active slot's) stands for `current`,
/// its own project for paasdeck's.
pub fn script(site: &AppSite, target: &str) -> String {
    if let Some(si) = crate::ops::deploy::si_on(&site.si, target) {
        let dir = quote(&si.dir);
        let compose = compose(&si.project, &si.compose_files);
        let all = containers::script(&si.project);
        return format!(
            "if [ -f {dir}/compose.yaml ]; then printf 'current=%s\\n' {rel}; else echo current=; fi; \
             echo '{SERVICES_MARK}'; \
             if [ -d {dir} ]; then cd {dir} && {compose} config --services; fi; \
             echo '{PS_MARK}'; \
             ( {all} ) 2>/dev/null || true",
            rel = quote(&si.release),
        );
    }
    let cur = quote(&site.layout.current());
    let files = compose(&site.project, &site.compose_files);
    let all = containers::script(&site.project);
    format!(
        "if [ -L {cur} ]; then printf 'current=%s\\n' \"$(readlink {cur})\"; else echo current=; fi; \
         echo '{SERVICES_MARK}'; \
         if [ -d {cur} ]; then cd {cur} && {files} config --services; fi; \
         echo '{PS_MARK}'; \
         ( {all} ) 2>/dev/null || true"
    )
}

fn services_of(found: &[Container]) -> Vec<Service> {
    found
        .iter()
        .map(|c| Service {
            service: c.service.clone(),
            state: c.state.clone(),
            health: c.health.clone(),
            release: c.working_dir.as_deref().map(release_of),
        })
        .collect()
}

/// Judges one target from the script's output.
pub fn judge_output(recorded: Option<&str>, target: &str, stdout: &[String]) -> Row {
    let current = stdout
        .iter()
        .find_map(|l| l.strip_prefix("current="))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(release_of);
    let s = stdout.iter().position(|l| l == SERVICES_MARK);
    let p = stdout.iter().position(|l| l == PS_MARK);
    let (declared, ps) = match (s, p) {
        (Some(s), Some(p)) if s < p => (stdout[s + 1..p].to_vec(), stdout[p + 1..].to_vec()),
        _ => (Vec::new(), Vec::new()),
    };
    let found = containers::parse(&ps);
    let services = services_of(&found);
    let row = |status: SyncStatus, detail: String| Row {
        target: target.to_string(),
        status,
        recorded_release: recorded.map(str::to_string),
        current_release: current.clone(),
        services: services.clone(),
        detail,
    };
    let Some(recorded) = recorded else {
        return if current.is_none() && services.is_empty() {
            row(
                SyncStatus::Missing,
                "no release is recorded and nothing runs".into(),
            )
        } else {
            row(
                SyncStatus::Drifted,
                "no release is recorded, but the target runs one".into(),
            )
        };
    };
    let Some(cur) = current.as_deref() else {
        return row(
            SyncStatus::Missing,
            format!("no current release on the target (recorded {recorded})"),
        );
    };
    if cur != recorded {
        return row(
            SyncStatus::Drifted,
            format!("current points at {cur}, the record says {recorded}"),
        );
    }
    if services.is_empty() {
        return row(
            SyncStatus::Missing,
            format!("{recorded} is current but none of its services runs"),
        );
    }
    let elsewhere: Vec<String> = services
        .iter()
        .filter(|s| s.release.as_deref().is_some_and(|r| r != recorded))
        .map(|s| {
            format!(
                "{} runs {}",
                s.service,
                s.release.clone().unwrap_or_default()
            )
        })
        .collect();
    if !elsewhere.is_empty() {
        return row(SyncStatus::Drifted, elsewhere.join(", "));
    }
    match judge(&declared, &found) {
        Probe::Healthy => row(
            SyncStatus::InSync,
            format!(
                "{recorded} is current and all {} service(s) run",
                declared.len()
            ),
        ),
        Probe::NotYet(why) => row(SyncStatus::Drifted, why),
    }
}

async fn one(
    pool: &Pool,
    site: &AppSite,
    t: &Target,
    timeout: Duration,
    cancel: CancellationToken,
) -> Row {
    let recorded = site.recorded.as_ref().map(|r| r.to_string());
    let unreachable = |detail: String| Row {
        target: t.name.to_string(),
        status: SyncStatus::Unreachable,
        recorded_release: recorded.clone(),
        current_release: None,
        services: Vec::new(),
        detail,
    };
    let context = site.layout.context.clone();
    let conn = match tokio::time::timeout(timeout, pool.get(&context, t)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return unreachable(e.message),
        Err(_) => {
            return unreachable(format!(
                "no connection within {}",
                crate::remote::human(timeout)
            ));
        }
    };
    match capture(
        conn.as_ref(),
        ExecRequest::new(script(site, &t.name)).timeout(timeout),
        cancel,
        2000,
    )
    .await
    {
        Ok(out) if out.code == 0 => judge_output(recorded.as_deref(), &t.name, &out.stdout),
        Ok(out) => unreachable(format!(
            "reading the target failed (exit {}): {}",
            out.code,
            out.tail(2)
        )),
        Err(e) => unreachable(e.message),
    }
}

/// Compares every target at once, each within `timeout`.
pub async fn run(
    pool: &Pool,
    site: &AppSite,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Vec<Row> {
    let asks: Vec<crate::remote::BoxFuture<'_, Row>> = site
        .targets
        .iter()
        .map(|t| Box::pin(one(pool, site, t, timeout, cancel.clone())) as _)
        .collect();
    futures::future::join_all(asks).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL: &str = "rel-20260101T000000-000000001";
    const OTHER: &str = "rel-20260101T000000-000000002";

    fn out(current: &str, ps: &[&str]) -> Vec<String> {
        let mut v = vec![
            format!("current={current}"),
            SERVICES_MARK.into(),
            "api".into(),
            PS_MARK.into(),
        ];
        v.extend(ps.iter().map(|s| s.to_string()));
        v
    }

    #[test]
    fn judging_targets() {
        let running =
            "{\"ID\":\"a1\",\"Labels\":\"com.docker.compose.service=api\",\"State\":\"running\"}";
        let r = judge_output(Some(REL), "a", &out(&format!("releases/{REL}"), &[running]));
        assert_eq!(r.status, SyncStatus::InSync, "{}", r.detail);
        let r = judge_output(
            Some(REL),
            "a",
            &out(&format!("releases/{OTHER}"), &[running]),
        );
        assert_eq!(r.status, SyncStatus::Drifted);
        assert!(r.detail.contains(OTHER));
        let r = judge_output(Some(REL), "a", &out("", &[]));
        assert_eq!(r.status, SyncStatus::Missing);
        let exited =
            "{\"ID\":\"a1\",\"Labels\":\"com.docker.compose.service=api\",\"State\":\"exited\"}";
        let r = judge_output(Some(REL), "a", &out(&format!("releases/{REL}"), &[exited]));
        assert_eq!(r.status, SyncStatus::Drifted);
        let labelled = format!(
            "{{\"ID\":\"a1\",\"State\":\"running\",\"Labels\":\"a=b,com.docker.compose.service=api,com.docker.compose.project.working_dir=/x/releases/{OTHER}\"}}"
        );
        let r = judge_output(
            Some(REL),
            "a",
            &out(&format!("releases/{REL}"), &[&labelled]),
        );
        assert_eq!(r.status, SyncStatus::Drifted);
        assert_eq!(r.services[0].release.as_deref(), Some(OTHER));
        let r = judge_output(None, "a", &out("", &[]));
        assert_eq!(r.status, SyncStatus::Missing);
        let r = judge_output(Some(REL), "a", &out("releases/\u{1b}[2J", &[running]));
        assert_eq!(r.current_release.as_deref(), Some("(unrecognised link)"));
        assert_eq!(r.status, SyncStatus::Drifted);
    }
}
