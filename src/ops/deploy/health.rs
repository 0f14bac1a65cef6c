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

/// The services a release starts: every service of its compose files (the add-ons' too)
/// but those behind a `profiles` key, which `up` leaves alone. Empty when a file does not read
/// as YAML: then the target's Compose is asked.
pub fn declared_services(texts: &[&str]) -> Vec<String> {
    use yaml_rust2::{Yaml, YamlLoader};
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        let Ok(docs) = YamlLoader::load_from_str(text) else {
            return Vec::new();
        };
        let Some(Yaml::Hash(services)) = docs
            .first()
            .and_then(|d| d.as_hash())
            .and_then(|h| h.get(&Yaml::String("services".into())))
        else {
            continue;
        };
        for (name, body) in services {
            let Yaml::String(name) = name else {
                return Vec::new();
            };
            let profiled = body
                .as_hash()
                .is_some_and(|b| b.contains_key(&Yaml::String("profiles".into())));
            if !profiled && !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// One health probe: the health command, or every service running and none unhealthy.
async fn probe(
    site: &Site<'_>,
    dir: &str,
    files: &[String],
    declared: &[String],
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
            // The services come from the release's own files when they say; else Compose
            // lists them (on the target, a process start more per probe).
            let services = if declared.is_empty() {
                format!(
                    "cd {dir} && {} config --services",
                    compose(site.project, files)
                )
            } else {
                format!(
                    "printf '%s\\n' {}",
                    crate::remote::quote::quote_all(declared)
                )
            };
            let script = format!(
                "{services} && echo '--paasdeck-ps--' && {}",
                containers::script(site.project),
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
pub async fn wait_healthy(
    site: &Site<'_>,
    release: &str,
    bundle: &super::bundle::Bundle,
    health: &Health,
) -> Result<u32> {
    let files = &bundle.compose_files;
    let mut texts = vec![bundle.compose.as_str()];
    texts.extend(bundle.addon_texts.iter().map(String::as_str));
    let declared = declared_services(&texts);
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
        let state = match probe(site, &dir, files, &declared, health, left).await {
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

    #[test]
    fn the_services_a_release_starts() {
        let base =
            "services:\n  api:\n    image: a\n  debug:\n    image: b\n    profiles: [debug]\n";
        let addon = "services:\n  db:\n    image: postgres\nvolumes:\n  data: {}\n";
        assert_eq!(declared_services(&[base, addon]), ["api", "db"]);
        assert!(declared_services(&["services: [unclosed"]).is_empty());
    }
}
