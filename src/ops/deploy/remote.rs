//! What a release apply does on one target: make the release directory, upload the bundle,
//! stream the `.env` into a 0600 file, `docker compose pull` (a failure only warns) and
//! `up -d --remove-orphans` under one stable project per context and app, switch the
//! `current` symlink (health polling is in `health`). Every interpolated value is quoted; the
//! steps that change the target die with their SSH session, and all of them together stay
//! within the apply timeout.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::bundle::{Bundle, COMPOSE_NAME};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::quote::quote;
use crate::remote::{ExecRequest, LineSink, Stream, Transport};
use crate::state::deployments::app_key;

pub use super::health::{HEALTH_INTERVAL, Health, Probe, judge, wait_healthy};

/// Where releases live on a target: `<root>/<ctx>/<app>/releases/<release>/` and
/// `<root>/<ctx>/<app>/current`.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: String,
    pub context: String,
    pub app: String,
}

impl Layout {
    pub fn app_dir(&self) -> String {
        format!(
            "{}/{}/{}",
            self.root.trim_end_matches('/'),
            self.context,
            app_key(&self.app)
        )
    }
    /// The directory holding the release directories: what `current_remote_dir` records.
    pub fn releases_dir(&self) -> String {
        format!("{}/releases", self.app_dir())
    }
    pub fn release_dir(&self, release: &str) -> String {
        format!("{}/{release}", self.releases_dir())
    }
    pub fn current(&self) -> String {
        format!("{}/current", self.app_dir())
    }
}

/// One compose project per context and app: lowercase letters and digits, other runs `-`.
pub fn project_name(context: &str, app: &str) -> String {
    let mut out = String::new();
    for c in format!("{context}-{app}").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// `docker compose -p PROJECT` with one `-f` per compose file of the bundle's manifest.
pub fn compose(project: &str, files: &[String]) -> String {
    let mut out = format!("docker compose -p {}", quote(project));
    if files.is_empty() {
        out.push_str(&format!(" -f {COMPOSE_NAME}"));
    }
    for f in files {
        if f == COMPOSE_NAME {
            out.push_str(&format!(" -f {COMPOSE_NAME}"));
        } else {
            out.push_str(&format!(" -f {}", quote(f)));
        }
    }
    out
}

/// The commands an apply runs on a target, for plans and confirmation dialogs.
pub fn commands(
    layout: &Layout,
    project: &str,
    bundle: &Bundle,
    env_names: &[String],
    health: &Health,
) -> Vec<String> {
    let release = bundle.release.as_str();
    let files = &bundle.compose_files;
    let dir = quote(&layout.release_dir(release));
    let mut v = vec![
        format!("mkdir -p {dir}"),
        format!("upload {} → {dir}/", bundle.files.join(", ")),
        format!(
            "stream .env ({} variable(s){}) → {dir}/.env (0600)",
            env_names.len(),
            if env_names.is_empty() {
                String::new()
            } else {
                format!(": {}", env_names.join(", "))
            }
        ),
        format!(
            "cd {dir} && {} pull   (a failure only warns)",
            compose(project, files)
        ),
        format!(
            "cd {dir} && {} up -d --remove-orphans",
            compose(project, files)
        ),
        format!("ln -sfn releases/{release} {}", quote(&layout.current())),
    ];
    v.push(match &health.cmd {
        Some(c) => format!(
            "health every {}s up to {}: cd {dir} && {c}",
            HEALTH_INTERVAL.as_secs(),
            humantime::format_duration(health.timeout)
        ),
        None => format!(
            "health every {}s up to {}: all services running, none unhealthy",
            HEALTH_INTERVAL.as_secs(),
            humantime::format_duration(health.timeout)
        ),
    });
    v
}

/// Runs one step, streaming its output; a non-zero exit is an error with `code`/`stage`.
async fn step(
    t: &dyn Transport,
    req: ExecRequest,
    sink: &LineSink,
    cancel: &CancellationToken,
    code: ErrorCode,
    stage: &str,
    what: &str,
) -> Result<()> {
    let (out, telling) = capture_streaming(t, req, sink, cancel)
        .await
        .map_err(|e| PaasError {
            stage: if e.code == ErrorCode::Timeout || e.code == ErrorCode::Cancelled {
                e.stage.clone()
            } else {
                stage.into()
            },
            ..e
        })?;
    if out.code != 0 {
        // The line that names the cause may lie far above the tail (a CLI's usage text).
        let tail = out.tail(3);
        let why = match telling {
            Some(l) if !tail.contains(&l) => format!("{l} | {tail}"),
            _ => tail,
        };
        return Err(PaasError::new(
            code,
            stage,
            format!("{what} failed on {} (exit {}): {why}", t.label(), out.code),
        ));
    }
    Ok(())
}

/// Streams lines to the sink and keeps the last few for error messages, and the first line
/// that shows a common cause of failure.
async fn capture_streaming(
    t: &dyn Transport,
    req: ExecRequest,
    sink: &LineSink,
    cancel: &CancellationToken,
) -> Result<(crate::remote::Captured, Option<String>)> {
    let tail = std::sync::Arc::new(std::sync::Mutex::new(crate::remote::Captured::default()));
    let telling = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let (t2, s2, tell2) = (tail.clone(), sink.clone(), telling.clone());
    let tee: LineSink = std::sync::Arc::new(move |stream, line: String| {
        if let Ok(mut first) = tell2.lock()
            && first.is_none()
            && crate::ops::remediation::shows_a_cause(&line)
        {
            *first = Some(line.clone());
        }
        if let Ok(mut c) = t2.lock() {
            let v = match stream {
                Stream::Stdout => &mut c.stdout,
                Stream::Stderr => &mut c.stderr,
            };
            v.push(line.clone());
            if v.len() > 20 {
                v.remove(0);
            }
        }
        s2(stream, line);
    });
    let code = t.exec(req, tee, cancel.clone()).await?;
    let mut out = tail.lock().map(|c| c.clone()).unwrap_or_default();
    out.code = code;
    let telling = telling.lock().map(|l| l.clone()).unwrap_or_default();
    Ok((out, telling))
}

/// One target during an apply: its connection, where releases go, and where output goes.
pub struct Site<'a> {
    pub transport: &'a dyn Transport,
    pub layout: &'a Layout,
    pub project: &'a str,
    pub sink: &'a LineSink,
    pub cancel: &'a CancellationToken,
}

/// Puts a release on a target and starts it (everything before the health check), within
/// `timeout` (`--apply-timeout`) for all steps together.
pub async fn apply_release(
    site: &Site<'_>,
    bundle: &Bundle,
    env: &str,
    timeout: Duration,
) -> Result<()> {
    apply_steps(site, bundle, env, timeout).await.map_err(|e| {
        if e.code != ErrorCode::Timeout {
            return e;
        }
        let stopped = !e.message.contains("may still be running");
        PaasError {
            message: format!(
                "putting release {} on {} ran out of its apply timeout ({}): {}",
                bundle.release,
                site.transport.label(),
                crate::remote::human(timeout),
                e.message
            ),
            remediation: if stopped {
                "raise --apply-timeout, or look at the target's load and connection".to_string()
            } else {
                e.remediation.clone()
            },
            ..e
        }
    })
}

async fn apply_steps(site: &Site<'_>, bundle: &Bundle, env: &str, timeout: Duration) -> Result<()> {
    let Site {
        transport: t,
        layout,
        project,
        sink,
        cancel,
    } = *site;
    let dir = layout.release_dir(&bundle.release);
    let note = |s: String| sink(Stream::Stdout, s);
    let budget = Budget {
        started: Instant::now(),
        timeout,
    };
    let left = || budget.left();
    upload(site, bundle, env, &dir, &budget).await?;
    let cd = format!(
        "cd {} && {}",
        quote(&dir),
        compose(project, &bundle.compose_files)
    );
    note("» docker compose pull".into());
    let (pulled, _) = capture_streaming(
        t,
        ExecRequest::new(format!("{cd} pull"))
            .tied_to_session()
            .timeout(left()?),
        sink,
        cancel,
    )
    .await?;
    if pulled.code != 0 {
        note(format!(
            "warning: compose pull failed (exit {}); continuing with local images",
            pulled.code
        ));
    }
    note("» docker compose up -d --remove-orphans".into());
    step(
        t,
        ExecRequest::new(format!("{cd} up -d --remove-orphans"))
            .tied_to_session()
            .timeout(left()?),
        sink,
        cancel,
        ErrorCode::RemoteApplyFailed,
        "remote_apply",
        "docker compose up",
    )
    .await?;
    step(
        t,
        ExecRequest::new(format!(
            "cd {} && ln -sfn {} current",
            quote(&layout.app_dir()),
            quote(&format!("releases/{}", bundle.release))
        ))
        .tied_to_session()
        .timeout(left()?),
        sink,
        cancel,
        ErrorCode::RemoteApplyFailed,
        "remote_apply",
        "switching the current symlink",
    )
    .await?;
    note(format!("» current → {}", bundle.release));
    Ok(())
}

/// What is left of an apply's time: each step gets the rest of the budget, so the whole apply
/// (stopping a step's remote process included) ends within it.
struct Budget {
    started: Instant,
    timeout: Duration,
}

impl Budget {
    fn left(&self) -> Result<Duration> {
        let l = self.timeout.saturating_sub(self.started.elapsed());
        if l < Duration::from_millis(50) {
            return Err(PaasError::new(
                ErrorCode::Timeout,
                "remote_apply",
                "no time was left for the next step",
            ));
        }
        Ok(l)
    }
}

/// The release directory made, the bundle's files uploaded and its `.env` written (0600).
async fn upload(
    site: &Site<'_>,
    bundle: &Bundle,
    env: &str,
    dir: &str,
    budget: &Budget,
) -> Result<()> {
    let Site {
        transport: t,
        sink,
        cancel,
        ..
    } = *site;
    let note = |s: String| sink(Stream::Stdout, s);
    let left = || budget.left();
    note(format!("» mkdir {dir}"));
    step(
        t,
        ExecRequest::new(format!("mkdir -p {}", quote(dir)))
            .tied_to_session()
            .timeout(left()?),
        sink,
        cancel,
        ErrorCode::RemoteApplyFailed,
        "remote_prepare",
        "creating the release directory",
    )
    .await?;
    for (name, bytes) in bundle.contents()? {
        step(
            t,
            ExecRequest::new(format!("cat > {}", quote(&format!("{dir}/{name}"))))
                .stdin(bytes)
                .timeout(left()?),
            sink,
            cancel,
            ErrorCode::RemoteUploadFailed,
            "remote_upload",
            &format!("uploading {name}"),
        )
        .await?;
    }
    note(format!("» uploaded {} → {dir}/", bundle.files.join(", ")));
    let env_path = format!("{dir}/.env");
    step(
        t,
        ExecRequest::new(format!(
            "umask 077 && cat > {tmp} && chmod 600 {tmp} && mv -f {tmp} {}",
            quote(&env_path),
            tmp = quote(&format!("{dir}/.env.paasdeck-tmp"))
        ))
        .stdin(env.as_bytes().to_vec())
        .timeout(left()?),
        sink,
        cancel,
        ErrorCode::RemoteUploadFailed,
        "remote_upload",
        "writing .env",
    )
    .await?;
    note(format!(
        "» .env written (0600, {} variable(s))",
        env.lines().count()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_project() {
        let l = Layout {
            root: "/opt/si/paas/releases/".into(),
            context: "oss-demo".into(),
            app: "api".into(),
        };
        assert_eq!(
            l.release_dir("rel-1"),
            "/opt/si/paas/releases/oss-demo/api/releases/rel-1"
        );
        assert_eq!(l.current(), "/opt/si/paas/releases/oss-demo/api/current");
        assert_eq!(
            project_name("customer_42", "Billing.API"),
            "customer-42-billing-api"
        );
    }
}
