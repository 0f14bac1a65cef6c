//! Health after `up`: a probe every 2 s — the health command, or every service of the compose
//! file running with none unhealthy or starting — until healthy or the health timeout. A probe
//! that does not answer in time counts as not healthy yet.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::remote::{Site, compose};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::quote::quote;
use crate::remote::{ExecRequest, Stream, capture};

pub const HEALTH_INTERVAL: Duration = Duration::from_secs(2);

/// How health is judged.
#[derive(Debug, Clone)]
pub struct Health {
    /// Run in the release directory; exit 0 is healthy. Default: every service running, none
    /// unhealthy.
    pub cmd: Option<String>,
    pub timeout: Duration,
}

/// What one health probe found.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Healthy,
    NotYet(String),
}

/// Judges `docker compose config --services` and `ps -a --format json` output (a JSON array or
/// one object per line): every service has a running container and none is unhealthy.
pub fn judge(services: &[String], ps: &str) -> Probe {
    let mut rows: Vec<Value> = Vec::new();
    let trimmed = ps.trim();
    if trimmed.starts_with('[') {
        if let Ok(Value::Array(a)) = serde_json::from_str(trimmed) {
            rows = a;
        }
    } else {
        rows = trimmed
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
    }
    if services.is_empty() {
        return Probe::NotYet("the compose project lists no services".into());
    }
    let field = |r: &Value, k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let mut problems = Vec::new();
    for s in services {
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| field(r, "Service") == s.to_ascii_lowercase())
            .collect();
        if mine.is_empty() {
            problems.push(format!("{s}: no container"));
            continue;
        }
        for r in mine {
            let state = field(r, "State");
            let health = field(r, "Health");
            if state != "running" {
                problems.push(format!("{s}: {state}"));
            } else if health == "unhealthy" || health == "starting" {
                problems.push(format!("{s}: {health}"));
            }
        }
    }
    if problems.is_empty() {
        Probe::Healthy
    } else {
        Probe::NotYet(problems.join(", "))
    }
}

/// One health probe: the health command, or every service running and none unhealthy.
async fn probe(
    site: &Site<'_>,
    dir: &str,
    files: &[String],
    health: &Health,
    left: Duration,
) -> Result<Probe> {
    let t = site.transport;
    Ok(match &health.cmd {
        Some(c) => {
            let out = capture(
                t,
                ExecRequest::new(format!("cd {dir} && {c}")).timeout(left),
                site.cancel.clone(),
                20,
            )
            .await?;
            if out.code == 0 {
                Probe::Healthy
            } else {
                Probe::NotYet(format!(
                    "health command exited {}: {}",
                    out.code,
                    out.tail(2)
                ))
            }
        }
        None => {
            let script = format!(
                "cd {dir} && {c} config --services && echo '--paasdeck-ps--' && {c} ps -a --format json",
                c = compose(site.project, files)
            );
            let out = capture(
                t,
                ExecRequest::new(script).timeout(left),
                site.cancel.clone(),
                500,
            )
            .await?;
            let split = out.stdout.iter().position(|l| l == "--paasdeck-ps--");
            match (out.code, split) {
                (0, Some(i)) => judge(&out.stdout[..i], &out.stdout[i + 1..].join("\n")),
                _ => Probe::NotYet(format!(
                    "docker compose ps failed (exit {}): {}",
                    out.code,
                    out.tail(2)
                )),
            }
        }
    })
}

/// Polls health every 2 s until healthy or the timeout; returns the number of probes.
/// `files` is the manifest of the release's bundle.
pub async fn wait_healthy(
    site: &Site<'_>,
    release: &str,
    files: &[String],
    health: &Health,
) -> Result<u32> {
    let Site {
        transport: t,
        layout,
        sink,
        cancel,
        ..
    } = *site;
    let dir = quote(&layout.release_dir(release));
    let started = Instant::now();
    let mut probes = 0;
    let mut last = String::new();
    loop {
        probes += 1;
        let left = health
            .timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_secs(1));
        let state = match probe(site, &dir, files, health, left).await {
            Ok(p) => p,
            // A probe that does not answer in time is a probe that found nothing healthy.
            Err(e) if e.code == ErrorCode::Timeout => Probe::NotYet(format!(
                "the health probe did not answer within {}",
                crate::remote::human(left)
            )),
            Err(e) => return Err(e),
        };
        match state {
            Probe::Healthy => {
                sink(Stream::Stdout, format!("» healthy after {probes} probe(s)"));
                return Ok(probes);
            }
            Probe::NotYet(why) => {
                if why != last {
                    sink(Stream::Stdout, format!("» health: {why}"));
                    last = why.clone();
                }
                if started.elapsed() + HEALTH_INTERVAL > health.timeout {
                    return Err(PaasError::new(
                        ErrorCode::HealthCheckFailed,
                        "health_check",
                        format!(
                            "release {release} on {} was not healthy within {}: {why}",
                            t.label(),
                            humantime::format_duration(health.timeout)
                        ),
                    ));
                }
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => {
                return Err(PaasError::new(ErrorCode::Cancelled, "health_check", "cancelled while waiting for health"));
            }
            _ = tokio::time::sleep(HEALTH_INTERVAL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging_health() {
        let svcs = vec!["api".to_string(), "db".to_string()];
        let ok = "{\"Service\":\"api\",\"State\":\"running\",\"Health\":\"healthy\"}\n{\"Service\":\"db\",\"State\":\"running\",\"Health\":\"\"}";
        assert_eq!(judge(&svcs, ok), Probe::Healthy);
        let arr = "[{\"Service\":\"api\",\"State\":\"running\"},{\"Service\":\"db\",\"State\":\"exited\"}]";
        assert_eq!(judge(&svcs, arr), Probe::NotYet("db: exited".into()));
        let sick = "{\"Service\":\"api\",\"State\":\"running\",\"Health\":\"unhealthy\"}";
        assert_eq!(
            judge(&svcs, sick),
            Probe::NotYet("api: unhealthy, db: no container".into())
        );
        assert!(matches!(judge(&[], ""), Probe::NotYet(_)));
    }
}
