//! Health after `up`: a probe every 2 s — the health command, or every service of the compose
//! file running with none unhealthy or starting — until healthy or the health timeout. A probe
//! that does not answer in time counts as not healthy yet.

use std::time::{Duration, Instant};

use super::remote::{Site, compose};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::engine::containers::{self, Container};
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

/// Judges the services `docker compose config --services` lists against the project's
/// containers as the engine reports them by label: every service has a running container
/// and none is unhealthy or still starting.
pub fn judge(services: &[String], containers: &[Container]) -> Probe {
    if services.is_empty() {
        return Probe::NotYet("the compose project lists no services".into());
    }
    let mut problems = Vec::new();
    for s in services {
        let mine: Vec<&Container> = containers
            .iter()
            .filter(|c| c.service.eq_ignore_ascii_case(s))
            .collect();
        if mine.is_empty() {
            problems.push(format!("{s}: no container"));
            continue;
        }
        for c in mine {
            if c.state != "running" {
                problems.push(format!("{s}: {}", c.state));
            } else if c.health == "unhealthy" || c.health == "starting" {
                problems.push(format!("{s}: {}", c.health));
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
                "cd {dir} && {c} config --services && echo '--paasdeck-ps--' && {state}",
                c = compose(site.project, files),
                state = containers::script(site.project),
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
                (0, Some(i)) => judge(&out.stdout[..i], &containers::parse(&out.stdout[i + 1..])),
                _ => Probe::NotYet(format!(
                    "reading the project's containers failed (exit {}): {}",
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
    let mut found: Option<String> = None;
    loop {
        probes += 1;
        let left = health
            .timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_secs(1));
        let state = match probe(site, &dir, files, health, left).await {
            Ok(p) => {
                if let Probe::NotYet(why) = &p {
                    found = Some(why.clone());
                }
                p
            }
            // A probe that does not answer in time is a probe that found nothing healthy;
            // what an earlier probe found still says why.
            Err(e) if e.code == ErrorCode::Timeout => Probe::NotYet(format!(
                "{}the health probe did not answer within {}",
                found
                    .as_ref()
                    .map(|f| format!("{f}; then "))
                    .unwrap_or_default(),
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

    fn c(service: &str, state: &str, health: &str) -> Container {
        Container {
            service: service.into(),
            state: state.into(),
            health: health.into(),
            ..Container::default()
        }
    }

    #[test]
    fn judging_health() {
        let svcs = vec!["api".to_string(), "db".to_string()];
        let ok = [c("api", "running", "healthy"), c("db", "running", "")];
        assert_eq!(judge(&svcs, &ok), Probe::Healthy);
        let exited = [c("api", "running", ""), c("db", "exited", "")];
        assert_eq!(judge(&svcs, &exited), Probe::NotYet("db: exited".into()));
        let sick = [c("api", "running", "unhealthy")];
        assert_eq!(
            judge(&svcs, &sick),
            Probe::NotYet("api: unhealthy, db: no container".into())
        );
        let starting = [c("api", "running", "starting"), c("db", "running", "")];
        assert_eq!(
            judge(&svcs, &starting),
            Probe::NotYet("api: starting".into())
        );
        assert!(matches!(judge(&[], &[]), Probe::NotYet(_)));
    }
}
