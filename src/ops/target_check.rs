//! `target check`: TCP reach, SSH, architecture, Docker, Compose, then free disk, load and
//! uptime, stopping at the first failing step. The last result per target is kept in
//! `checks.json` so the console can show it without re-running.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::target_incus::IncusRole;
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::pool::Pool;
use crate::remote::{ExecRequest, capture};
use crate::state::ids::{Host, Port, TargetName, User};
use crate::state::paths::ContextDir;
use crate::state::targets::{AuthMethod, Target};
use crate::state::{clock, fsio};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    pub target: TargetName,
    pub user: User,
    pub host: Host,
    #[serde(default)]
    pub port: Port,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_arch: Option<String>,
    /// Whether the host answered: `null` when nothing was attempted (a target paasdeck cannot
    /// connect to as configured), never a guess.
    #[serde(default)]
    pub reachable: Option<bool>,
    pub ssh_ok: bool,
    pub docker_ok: bool,
    pub compose_ok: bool,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// What to do about the failure, when a specific remedy is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_version: Option<String>,
    /// `v2` (the `docker compose` plugin) or `v1` (the `docker-compose` program).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_root: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_docker: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    /// Set when a repeat check in the console reused an open master: its age in seconds (the
    /// host's SSH listener was proven by its banner instead of a new handshake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_connection_s: Option<u64>,
    #[serde(default)]
    pub checked_at: String,
    /// `incus-host` for the host of a staging context's stage (checked for incus, not Docker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incus_version: Option<String>,
    /// Free bytes where incus keeps its storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_incus: Option<u64>,
}

impl CheckResult {
    /// A result for a target that has not passed any step yet.
    pub fn new(t: &Target) -> CheckResult {
        CheckResult {
            target: t.name.clone(),
            user: t.user.clone(),
            host: t.host.clone(),
            port: t.port,
            cpu_arch: None,
            reachable: None,
            ssh_ok: false,
            docker_ok: false,
            compose_ok: false,
            status: "failed".into(),
            error: None,
            error_code: None,
            stage: None,
            remediation: None,
            duration_ms: 0,
            docker_version: None,
            compose_version: None,
            compose_kind: None,
            disk_free_root: None,
            disk_free_docker: None,
            load1: None,
            uptime_seconds: None,
            reused_connection_s: None,
            checked_at: String::new(),
            role: None,
            incus_version: None,
            disk_free_incus: None,
        }
    }

    pub fn ok(&self) -> bool {
        self.status == "ok"
    }

    fn fail(&mut self, stage: &str, code: ErrorCode, message: String) {
        self.status = "failed".into();
        self.stage = Some(stage.into());
        self.error_code = Some(code.as_str().into());
        self.error = Some(message);
    }
}

/// `x86_64`/`amd64` → `amd64`, `aarch64`/`arm64` → `arm64`, anything else lowercased.
pub fn normalise_arch(raw: &str) -> String {
    match raw.trim().to_ascii_lowercase().as_str() {
        "x86_64" | "amd64" => "amd64".into(),
        "aarch64" | "arm64" => "arm64".into(),
        other => other.into(),
    }
}

/// One round trip after the connection: each step prints `key=value`, a failing step prints
/// `fail=<step> <message>` and stops.
const PROBE: &str = r#"flat() { printf %s "$1" | tr '\n' ' '; }
echo "ssh=ok"
a=$(uname -m 2>&1) || { echo "fail=arch $(flat "$a")"; exit 0; }
echo "arch=$a"
v=$(docker version --format '{{.Server.Version}}' 2>&1) || { echo "fail=docker $(flat "$v")"; exit 0; }
echo "docker=$(flat "$v")"
if c=$(command docker compose version --short 2>/dev/null); then k=v2; elif c=$(docker-compose version --short 2>&1); then k=v1; else echo "fail=compose $(flat "$c")"; exit 0; fi
echo "compose=$k $(flat "$c")"
r=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)
[ -n "$r" ] && [ -d "$r" ] || r=/
echo "df=begin"
df -P / "$r" 2>/dev/null
echo "df=end"
[ -r /proc/loadavg ] && read -r l < /proc/loadavg && echo "loadavg=$l"
[ -r /proc/uptime ] && read -r u < /proc/uptime && echo "uptime=$u"
true
"#;

fn step_message(step: &str) -> &'static str {
    match step {
        "arch" => "architecture check failed",
        "docker" => "docker check failed",
        "compose" => "compose check failed",
        "incus" => "incus check failed",
        "incus_project" => "incus project check failed",
        _ => "check failed",
    }
}

/// The "available" column (1024-blocks) of `df -P` data rows, in argument order.
fn df_available(rows: &[&String]) -> Vec<u64> {
    rows.iter()
        .filter_map(|l| {
            l.split_whitespace()
                .nth(3)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .collect()
}

fn apply_probe(r: &mut CheckResult, lines: &[String]) -> bool {
    let mut in_df = false;
    let mut df_rows = Vec::new();
    for line in lines {
        if line == "df=begin" {
            in_df = true;
            continue;
        }
        if line == "df=end" {
            in_df = false;
            let avail = df_available(&df_rows);
            r.disk_free_root = avail.first().copied();
            r.disk_free_docker = avail.get(1).copied();
            continue;
        }
        if in_df {
            if !line.starts_with("Filesystem") {
                df_rows.push(line);
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k {
            "ssh" => r.ssh_ok = true,
            "arch" => r.cpu_arch = Some(normalise_arch(v)),
            "docker" => {
                r.docker_ok = true;
                r.docker_version = Some(v.to_string());
            }
            "compose" => {
                r.compose_ok = true;
                let (kind, version) = match v.split_once(' ') {
                    Some((k @ ("v1" | "v2"), rest)) => (Some(k.to_string()), rest.trim()),
                    _ => (None, v),
                };
                r.compose_kind = kind;
                r.compose_version = Some(version.trim_start_matches('v').to_string());
            }
            "loadavg" => r.load1 = v.split_whitespace().next().and_then(|x| x.parse().ok()),
            "uptime" => {
                r.uptime_seconds = v
                    .split_whitespace()
                    .next()
                    .and_then(|x| x.parse::<f64>().ok())
                    .map(|s| s as u64)
            }
            "fail" => {
                let (step, msg) = v.split_once(' ').unwrap_or((v, ""));
                r.fail(
                    step,
                    ErrorCode::RemoteCommandFailed,
                    format!("{}: {}", step_message(step), msg.trim()),
                );
                return false;
            }
            _ => {}
        }
    }
    true
}

/// The Compose the probe found (`compose=v2 …` / `compose=v1 …`), when it found one.
fn probed_compose(stdout: &[String]) -> Option<crate::remote::engine::ComposeKind> {
    stdout
        .iter()
        .filter_map(|l| l.strip_prefix("compose="))
        .filter_map(|v| v.split_whitespace().next())
        .map(crate::remote::engine::ComposeKind::parse)
        .find(|k| *k != crate::remote::engine::ComposeKind::Missing)
}

/// Whether a connection error happened before SSH could talk to the host (refused, timed
/// out, unroutable, unresolvable).
fn is_network_failure(e: &PaasError) -> bool {
    if e.code != ErrorCode::SshConnectFailed || e.stage != "ssh_connect" {
        return false;
    }
    let m = e.message.to_ascii_lowercase();
    m.contains("connect to host")
        || m.contains("could not resolve hostname")
        || m.contains("no answer within")
        || m.contains("network is unreachable")
        || m.contains("no route to host")
}

/// What a probe that ran says about the target (its exit, then its `key=value` lines).
fn read_probe(
    r: &mut CheckResult,
    out: &crate::remote::Captured,
    role: Option<&IncusRole>,
    local: bool,
) {
    r.reachable = Some(true);
    if local {
        r.ssh_ok = true;
    }
    if out.code != 0 {
        r.fail(
            "ssh",
            ErrorCode::RemoteCommandFailed,
            format!(
                "ssh check failed: the probe exited with status {}: {}",
                out.code,
                out.tail(3)
            ),
        );
    } else if apply_probe(r, &out.stdout) {
        if let Some(role) = role {
            super::target_incus::finish(r, role, &out.stdout);
        } else if r.compose_ok {
            r.status = "ok".into();
        } else {
            r.fail(
                "ssh",
                ErrorCode::RemoteCommandFailed,
                format!("check incomplete: {}", out.tail(3)),
            );
        }
    }
}

/// Checks one target within `timeout` (the whole sequence). With `reuse_within` (the
/// console), a master opened within that window is reused once its host's SSH listener has
/// answered; otherwise a new connection proves the host.
pub async fn check_target(
    pool: &Pool,
    context: &str,
    t: &Target,
    timeout: Duration,
    reuse_within: Option<Duration>,
    cancel: &CancellationToken,
) -> CheckResult {
    check_target_as(pool, context, t, None, timeout, reuse_within, cancel).await
}

/// As [`check_target`], for a target with a role: an incus host is checked for incus and its
/// storage's free disk instead of Docker and Compose.
pub async fn check_target_as(
    pool: &Pool,
    context: &str,
    t: &Target,
    role: Option<&IncusRole>,
    timeout: Duration,
    reuse_within: Option<Duration>,
    cancel: &CancellationToken,
) -> CheckResult {
    let started = Instant::now();
    let mut r = CheckResult::new(t);
    let deadline = started + timeout;
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let local = t.auth() == AuthMethod::Local;
    // Reachability comes from the connection attempt itself (a separate TCP probe would make
    // sshd fork a session for nothing), or, for a reused master, from its listener's banner.
    // A fresh connection (headless), or the console's master opened within `reuse_within`
    // once its host's listener has answered: either way the host accepts connections now.
    // The probe finds the target's Compose itself (run as written, with no detection command
    // before it) and hands what it found to the connection for the commands that follow.
    let mut reused = None;
    let probe = async {
        let transport = match pool
            .reuse_proven(context, t, reuse_within, remaining())
            .await?
        {
            Some((transport, age)) => {
                reused = Some(age.as_secs());
                transport
            }
            None => pool.renew(context, t).await?,
        };
        let out = capture(
            transport.as_ref(),
            ExecRequest::new(role.map(super::target_incus::probe).unwrap_or(PROBE.into()))
                .timeout(remaining())
                .as_written(),
            cancel.clone(),
            200,
        )
        .await?;
        if let Some(kind) = probed_compose(&out.stdout) {
            transport.learn_compose(kind);
        }
        Ok(out)
    };
    let probed = tokio::time::timeout(remaining(), probe).await;
    r.reused_connection_s = reused;
    match probed {
        Err(_) => r.fail(
            "timeout",
            ErrorCode::Timeout,
            format!(
                "check did not finish within {}",
                humantime::format_duration(timeout)
            ),
        ),
        Ok(Err(e)) if is_network_failure(&e) => {
            r.reachable = Some(false);
            r.fail(
                "tcp",
                e.code,
                format!("network check failed: {}", e.message),
            );
        }
        // Refused before any connection was attempted: nothing was measured.
        Ok(Err(e)) if crate::remote::pool::BEFORE_CONNECT_STAGES.contains(&e.stage.as_str()) => {
            let stage = e.stage.clone();
            r.fail(&stage, e.code, format!("{}: {}", e.message, e.remediation));
        }
        Ok(Err(e)) => {
            r.reachable = Some(true);
            let msg = if matches!(
                e.code,
                ErrorCode::SshConnectFailed | ErrorCode::SshAuthFailed | ErrorCode::HostKeyMismatch
            ) {
                format!("ssh check failed: {}", e.message)
            } else {
                e.message.clone()
            };
            r.fail("ssh", e.code, msg);
            r.remediation = Some(e.remediation);
        }
        Ok(Ok(out)) => read_probe(&mut r, &out, role, local),
    }
    if let (None, Some(err)) = (&r.remediation, &r.error) {
        let facts = crate::ops::remediation::Facts::for_target(context, t);
        r.remediation = crate::ops::remediation::diagnose(err, &facts).map(|(_, fix)| fix);
    }
    r.duration_ms = started.elapsed().as_millis() as u64;
    r.checked_at = clock::now_event();
    r
}

/// A check run that found failing targets, as one error (the §2 failure shape): the first
/// failing target's code and stage, every failing target named.
pub fn failure(results: &[CheckResult]) -> Option<PaasError> {
    let failed: Vec<&CheckResult> = results.iter().filter(|r| !r.ok()).collect();
    let first = failed.first()?;
    let code = first
        .error_code
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(ErrorCode::RemoteCommandFailed);
    let names: Vec<&str> = failed.iter().map(|r| r.target.as_str()).collect();
    let remediation = match (&first.remediation, code) {
        (Some(fix), _) => fix.clone(),
        (None, ErrorCode::HostKeyMismatch) => {
            "the host key changed: confirm the new key with the host's owner before removing its old line from the known_hosts file".to_string()
        }
        _ => format!(
            "fix what the failing target's error says, then run `target check --target {}` again",
            first.target
        ),
    };
    Some(
        PaasError::new(
            code,
            first.stage.clone().unwrap_or_else(|| "check".into()),
            format!(
                "{} of {} target(s) failed the check; {}: {}",
                failed.len(),
                results.len(),
                first.target,
                first.error.clone().unwrap_or_default()
            ),
        )
        .with_target(names.join(","))
        .with_remediation(remediation),
    )
}

/// Lines for humans: a status line, then what was found (or why it failed).
///
/// ```text
/// [ok]   edge (deploy@h:22) 120ms
///        ssh ok · arch amd64 · docker 27.3.1 · compose=v2 2.29.7
///        / 75.0G free · docker root 75.0G free · load 0.08 · up 2h07m
/// ```
pub fn describe(r: &CheckResult) -> Vec<String> {
    let addr = format!("{}@{}:{}", r.user, r.host, r.port);
    let yes = |b: bool| if b { "ok" } else { "failed" };
    if r.ok() {
        let found = [
            format!("ssh {}", yes(r.ssh_ok)),
            format!("arch {}", r.cpu_arch.clone().unwrap_or_default()),
            format!("docker {}", r.docker_version.clone().unwrap_or_default()),
            match &r.compose_kind {
                Some(k) => format!(
                    "compose={k} {}",
                    r.compose_version.clone().unwrap_or_default()
                ),
                None => format!("compose {}", r.compose_version.clone().unwrap_or_default()),
            },
        ];
        let mut host = Vec::new();
        if let Some(d) = r.disk_free_root {
            host.push(format!("/ {} free", crate::text::human_bytes(d)));
        }
        if let Some(d) = r.disk_free_docker {
            host.push(format!("docker root {} free", crate::text::human_bytes(d)));
        }
        if let Some(l) = r.load1 {
            host.push(format!("load {l:.2}"));
        }
        if let Some(u) = r.uptime_seconds {
            host.push(format!(
                "up {}",
                crate::text::human_duration(std::time::Duration::from_secs(u))
            ));
        }
        let mut lines = vec![format!("[ok]   {} ({addr}) {}ms", r.target, r.duration_ms)];
        if r.role.is_some() {
            lines.push(format!("       {}", super::target_incus::found(r)));
        } else {
            lines.push(format!("       {}", found.join(" · ")));
        }
        if !host.is_empty() {
            lines.push(format!("       {}", host.join(" · ")));
        }
        if let Some(age) = r.reused_connection_s {
            lines.push(format!(
                "       reused the connection opened {age}s ago (its SSH listener answered; no new handshake)"
            ));
        }
        lines
    } else {
        vec![
            format!("[fail] {} ({addr}) {}ms", r.target, r.duration_ms),
            format!(
                "       {}{}",
                r.stage
                    .as_ref()
                    .map(|s| format!("stage {s}: "))
                    .unwrap_or_default(),
                r.error.clone().unwrap_or_default()
            ),
        ]
    }
}

/// The last check per target (`checks.json`, a paasdeck addition), keyed by the lowercased
/// target name; names, hosts, users and ports pass the same rules as in `targets.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChecksDoc {
    #[serde(default)]
    pub targets: BTreeMap<TargetName, CheckResult>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

pub fn load_checks(cd: &ContextDir) -> Result<ChecksDoc> {
    Ok(fsio::read_json(&cd.checks())?.unwrap_or_default())
}

pub fn save_checks(cd: &ContextDir, results: &[CheckResult]) -> Result<()> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.checks(), |doc: &mut ChecksDoc| {
        for r in results {
            doc.targets.insert(r.target.to_lowercase_name(), r.clone());
        }
        Ok::<(), PaasError>(())
    })
}

#[cfg(test)]
#[path = "target_check_tests.rs"]
mod tests;
