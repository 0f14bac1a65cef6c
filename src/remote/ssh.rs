//! The SSH transport: the system OpenSSH client through the `openssh` crate, so
//! `~/.ssh/config`, agents and ProxyJump work. One multiplexed master connection per target,
//! reused by every command and closed cleanly. Each remote script is wrapped so that it reports
//! its process group first; cancelling kills that group on the target.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use tokio_util::sync::CancellationToken;

use super::hostkeys::{self, HostKeyLearned};
use super::quote::quote;
use super::{BoxFuture, ExecRequest, LineSink, Transport, feed_and_pump, race};
use crate::error::{ErrorCode, PaasError, Result};

/// Client-wide settings.
#[derive(Debug, Clone)]
pub struct SshOptions {
    pub known_hosts: PathBuf,
    pub connect_timeout: Duration,
    /// `-F` file instead of `~/.ssh/config` (`PAASDECK_SSH_CONFIG`).
    pub config_file: Option<PathBuf>,
    /// Where master control sockets live (short paths: socket names are length-limited).
    pub control_dir: PathBuf,
    /// Key used when a target names none (`SI_PAAS_SSH_PRIVATE_KEY`).
    pub default_identity: Option<PathBuf>,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl SshOptions {
    /// Options from the environment, with the state root's known_hosts file.
    pub fn from_env(known_hosts: PathBuf, connect_timeout: Duration) -> SshOptions {
        let config_file = std::env::var_os("PAASDECK_SSH_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let default_identity = std::env::var("SI_PAAS_SSH_PRIVATE_KEY").ok().and_then(|v| {
            v.split(',')
                .map(|s| crate::state::paths::expand_home(std::path::Path::new(s.trim())))
                .find(|p| p.is_file())
        });
        let control_dir = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        SshOptions {
            known_hosts,
            connect_timeout,
            config_file,
            control_dir,
            default_identity,
        }
    }
}

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub identity: Option<PathBuf>,
}

impl Endpoint {
    pub fn label(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}

/// The `openssh` crate builds ssh's argv itself and puts the destination last without `--`, so
/// a host (or user) starting with `-` would be read as an option (`-oProxyCommand=...`). The
/// validated `Host` and `User` types never hold one; this check keeps that true at the boundary
/// whatever the caller.
fn refuse_option_like(ep: &Endpoint) -> Result<()> {
    for (what, value) in [("host", &ep.host), ("user", &ep.user)] {
        if value.is_empty() || value.starts_with('-') {
            return Err(PaasError::new(
                ErrorCode::SshConnectFailed,
                "ssh_connect",
                format!(
                    "refusing to connect: the {what} {:?} is empty or starts with '-', which ssh would read as an option",
                    crate::text::sanitize_inline(value)
                ),
            )
            .with_target(&ep.host)
            .with_remediation(
                "fix the target's host and user (`paasdeck target list` shows them; remove and re-add the target)",
            ));
        }
    }
    Ok(())
}

pub struct SshTransport {
    session: std::sync::Mutex<Option<Arc<Session>>>,
    label: String,
}

fn connect_error(ep: &Endpoint, detail: &str) -> PaasError {
    let detail = detail
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect::<Vec<_>>()
        .join("; ");
    PaasError::new(
        ErrorCode::SshConnectFailed,
        "ssh_connect",
        format!("ssh to {} failed: {detail}", ep.label()),
    )
    .with_target(&ep.host)
    .with_remediation(
        "check that the host is up and reachable on that port, and that your key is authorised (try `ssh -p PORT USER@HOST true`)",
    )
}

fn error_text(e: &openssh::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

impl SshTransport {
    /// Opens the master connection. Reports a host key learned on first use.
    /// `first_use` serialises connections to hosts not yet in known_hosts, so a key learned on
    /// first use is reported once even when several targets share the host.
    pub async fn connect(
        ep: &Endpoint,
        opts: &SshOptions,
        first_use: &tokio::sync::Mutex<()>,
    ) -> Result<(SshTransport, Option<HostKeyLearned>)> {
        refuse_option_like(ep)?;
        if let Some(dir) = opts.known_hosts.parent() {
            crate::state::fsio::ensure_dir(dir)?;
        }
        // OpenSSH would create the file 0644; made here 0600, it keeps that mode as it grows.
        crate::state::fsio::ensure_private_file(&opts.known_hosts)?;
        let mut _guard = None;
        let mut known_before = hostkeys::is_known(&opts.known_hosts, &ep.host, ep.port).await;
        if !known_before {
            _guard = Some(first_use.lock().await);
            known_before = hostkeys::is_known(&opts.known_hosts, &ep.host, ep.port).await;
        }
        let mut b = SessionBuilder::default();
        b.user(ep.user.clone())
            .port(ep.port)
            .known_hosts_check(KnownHosts::Add)
            .user_known_hosts_file(&opts.known_hosts)
            .connect_timeout(opts.connect_timeout)
            .server_alive_interval(Duration::from_secs(15))
            .control_directory(&opts.control_dir)
            .control_persist(openssh::ControlPersist::IdleFor(
                std::num::NonZeroUsize::new(120).unwrap_or(std::num::NonZeroUsize::MIN),
            ));
        if let Some(k) = ep.identity.as_ref().or(opts.default_identity.as_ref()) {
            b.keyfile(k);
        }
        if let Some(cfg) = &opts.config_file {
            b.config_file(cfg);
        }
        // ConnectTimeout covers the TCP connect only; bound the handshake too.
        let limit = opts.connect_timeout + Duration::from_secs(10);
        let session = match tokio::time::timeout(limit, b.connect_mux(&ep.host)).await {
            Err(_) => {
                return Err(connect_error(
                    ep,
                    &format!("no answer within {}s", limit.as_secs()),
                ));
            }
            Ok(Err(e)) => {
                let text = error_text(&e);
                return Err(
                    hostkeys::mismatch_error(&text, &ep.host, ep.port, &opts.known_hosts)
                        .unwrap_or_else(|| connect_error(ep, &text)),
                );
            }
            Ok(Ok(s)) => s,
        };
        let learned = if known_before {
            None
        } else {
            let fps = hostkeys::fingerprints(&opts.known_hosts, &ep.host, ep.port).await;
            (!fps.is_empty()).then(|| HostKeyLearned {
                host: ep.host.clone(),
                port: ep.port,
                fingerprints: fps,
                known_hosts: opts.known_hosts.clone(),
            })
        };
        tracing::debug!(target_addr = %ep.label(), learned = learned.is_some(), "ssh master connected");
        Ok((
            SshTransport {
                session: std::sync::Mutex::new(Some(Arc::new(session))),
                label: ep.label(),
            },
            learned,
        ))
    }

    fn session(&self) -> Result<Arc<Session>> {
        self.session
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| {
                PaasError::new(
                    ErrorCode::SshConnectFailed,
                    "exec",
                    format!("the connection to {} is closed", self.label),
                )
            })
    }
}

/// Wraps a script so it first reports its process group (the session leader sshd created).
fn wrap(script: &str) -> String {
    let inner = format!("printf '\\036paasdeck-pid=%s\\n' \"$$\" >&2; {script}");
    format!("exec sh -c {}", quote(&inner))
}

async fn kill_remote(session: &Session, pgid: &AtomicU32) {
    // The marker is the script's first output; a cancel can race it by a few milliseconds.
    let mut waited = Duration::ZERO;
    while pgid.load(Ordering::SeqCst) == 0 && waited < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    let pgid = pgid.load(Ordering::SeqCst);
    if pgid == 0 {
        tracing::warn!("no process group reported; cannot stop the remote command");
        return;
    }
    let script = format!(
        "kill -TERM -- -{pgid} 2>/dev/null; i=0; while kill -0 -- -{pgid} 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL -- -{pgid} 2>/dev/null; true"
    );
    let done = tokio::time::timeout(
        Duration::from_secs(10),
        session
            .raw_command(&script)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status(),
    )
    .await;
    if !matches!(done, Ok(Ok(_))) {
        tracing::warn!(
            pgid,
            "could not confirm that the remote command was stopped"
        );
    }
}

impl Transport for SshTransport {
    fn label(&self) -> &str {
        &self.label
    }

    fn exec(
        &self,
        req: ExecRequest,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(async move {
            let session = self.session()?;
            let lost = |e: openssh::Error| {
                PaasError::new(
                    ErrorCode::SshConnectFailed,
                    "exec",
                    format!("lost the connection to {}: {}", self.label, error_text(&e)),
                )
            };
            let mut child = session
                .clone()
                .arc_raw_command(wrap(&req.script))
                .stdin(if req.stdin.is_some() {
                    Stdio::piped()
                } else {
                    Stdio::null()
                })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .await
                .map_err(lost)?;
            let pgid = Arc::new(AtomicU32::new(0));
            let stdin = child.stdin().take();
            let stdout = child.stdout().take();
            let stderr = child.stderr().take();
            let stdin_bytes = req.stdin.clone();
            let pg = pgid.clone();
            let work = async move {
                feed_and_pump(stdin, stdin_bytes, stdout, stderr, &sink, Some(&pg)).await;
                child.wait().await
            };
            tokio::pin!(work);
            match race(&mut work, &cancel, req.timeout).await {
                Ok(status) => {
                    let status = status.map_err(lost)?;
                    Ok(status.code().unwrap_or(128 + 9))
                }
                Err(why) => {
                    // Keep reading output while killing: the process group arrives on stderr.
                    let _ = tokio::join!(
                        kill_remote(&session, &pgid),
                        tokio::time::timeout(Duration::from_secs(15), &mut work)
                    );
                    Err(why.error(&self.label, req.timeout))
                }
            }
        })
    }

    fn alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            match self.session() {
                Ok(s) => s.check().await.is_ok(),
                Err(_) => false,
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let taken = self.session.lock().ok().and_then(|mut s| s.take());
            if let Some(arc) = taken {
                match Arc::try_unwrap(arc) {
                    Ok(session) => {
                        let _ = session.close().await;
                    }
                    // Still in use by a running command: the last user's drop shuts it down.
                    Err(arc) => drop(arc),
                }
            }
        })
    }
}
