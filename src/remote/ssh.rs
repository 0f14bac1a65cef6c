//! The SSH transport: the system OpenSSH client through the `openssh` crate, so
//! `~/.ssh/config`, agents and ProxyJump work. One multiplexed master connection per target,
//! reused by every command and closed cleanly. Each remote script is wrapped so that it reports
//! its process group first; cancelling or a timeout kills that group on the target within the
//! command's own time limit (see `pgroup`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use openssh::{Session, Stdio};
use tokio_util::sync::CancellationToken;

use super::bytes::ByteRequest;
pub mod master;
mod supervise;

use super::hostkeys::{self, HostKeyLearned};
use super::pgroup;
use super::{BoxFuture, ExecRequest, LineSink, Transport, feed_and_pump, pump};
use crate::error::{ErrorCode, PaasError, Result};
use supervise::gate;

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

/// OpenSSH's `ConnectTimeout` (whole seconds, rounded up) bounds the TCP connect and the
/// banner exchange; key exchange, authentication and starting the master are bounded too, by
/// twice as long again: the whole connection set-up by three times the connect timeout
/// (15 s at the default 5 s).
pub fn connect_limits(connect_timeout: Duration) -> (Duration, Duration) {
    let whole = connect_timeout.as_secs() + u64::from(connect_timeout.subsec_nanos() > 0);
    let tcp = Duration::from_secs(whole.max(1));
    (tcp, tcp * 3)
}

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
    endpoint: Endpoint,
    /// Set when a remote process could not be stopped: the connection no longer carries
    /// commands, so the pool opens a new one.
    stalled: AtomicBool,
    /// How an interactive `ssh -t` reaches the same host through this master.
    terminal: super::terminal::SshTerminal,
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

/// OpenSSH's refusal of every offered key.
fn auth_error(ep: &Endpoint, detail: &str) -> Option<PaasError> {
    let line = detail
        .lines()
        .find(|l| l.contains("Permission denied ("))?
        .trim();
    let key = match &ep.identity {
        Some(k) => format!("the key {}", k.display()),
        None => "SI_PAAS_SSH_PRIVATE_KEY, your agent or OpenSSH's default keys".to_string(),
    };
    Some(
        PaasError::new(
            ErrorCode::SshAuthFailed,
            "ssh_auth",
            format!(
                "ssh to {} was refused: {line} ({key} was not accepted)",
                ep.label()
            ),
        )
        .with_target(&ep.host)
        .with_remediation(format!(
            "authorise the public key for {user} on {host} (~{user}/.ssh/authorized_keys), or give the target another key: remove it and `target add … --identity-file KEY` again, or edit its identity_file in targets.json",
            user = ep.user,
            host = ep.host
        )),
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
        // A damaged line for the host refuses here, before OpenSSH could skip it and learn
        // whatever key the server offers now.
        let mut before = hostkeys::known_keys(&opts.known_hosts, &ep.host, ep.port).await?;
        let mut _guard = None;
        if before.is_empty() {
            _guard = Some(first_use.lock().await);
            before = hostkeys::known_keys(&opts.known_hosts, &ep.host, ep.port).await?;
        }
        let (tcp_limit, limit) = connect_limits(opts.connect_timeout);
        let session = match tokio::time::timeout(limit, master::launch(ep, opts, tcp_limit)).await {
            Err(_) => {
                return Err(connect_error(
                    ep,
                    &format!("no answer within {}s", limit.as_secs()),
                ));
            }
            Ok(Err(text)) => {
                return Err(
                    hostkeys::mismatch_error(&text, &ep.host, ep.port, &opts.known_hosts)
                        .or_else(|| auth_error(ep, &text))
                        .unwrap_or_else(|| connect_error(ep, &text)),
                );
            }
            Ok(Ok(s)) => s,
        };
        // Every key the connection added is reported, on first use and on a re-learn alike; a
        // connection whose learning cannot be read back is not used, since it would go unaudited.
        let after = hostkeys::scan(&opts.known_hosts, &ep.host, ep.port)
            .await?
            .fingerprints;
        let added: Vec<String> = after.into_iter().filter(|f| !before.contains(f)).collect();
        let learned = (!added.is_empty()).then(|| HostKeyLearned {
            host: ep.host.clone(),
            port: ep.port,
            fingerprints: added,
            previously_known: before.clone(),
            known_hosts: opts.known_hosts.clone(),
        });
        tracing::debug!(target_addr = %ep.label(), learned = learned.is_some(), "ssh master connected");
        let terminal = super::terminal::SshTerminal {
            control_socket: session.control_socket().to_path_buf(),
            options: master::connection_options(ep, opts, tcp_limit, master::HostKeys::KnownOnly),
            user: ep.user.clone(),
            host: ep.host.clone(),
            port: ep.port,
        };
        Ok((
            SshTransport {
                session: std::sync::Mutex::new(Some(Arc::new(session))),
                label: ep.label(),
                endpoint: ep.clone(),
                stalled: AtomicBool::new(false),
                terminal,
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

impl SshTransport {
    /// The error for a stopped command, saying so when the stop could not be confirmed.
    fn interrupted(
        &self,
        why: super::Interrupt,
        timeout: Option<Duration>,
        stop: pgroup::Stop,
    ) -> PaasError {
        let e = why.error(&self.label, timeout);
        if stop.confirmed {
            return e;
        }
        self.stalled.store(true, Ordering::SeqCst);
        let ep = &self.endpoint;
        let ssh = format!("ssh -p {} {}@{}", ep.port, ep.user, ep.host);
        let (what, remediation) = if stop.pgid == 0 {
            (
                "the remote command".to_string(),
                format!("check with `{ssh} ps -ef`, then retry"),
            )
        } else {
            (
                format!("its process group {}", stop.pgid),
                format!(
                    "check with `{ssh} pgrep -a -g {pgid}` and stop it with `kill -- -{pgid}` there, then retry",
                    pgid = stop.pgid
                ),
            )
        };
        let head = match why {
            super::Interrupt::Cancelled => format!("cancelled the command on {}", self.label),
            super::Interrupt::TimedOut => format!(
                "the command on {} did not finish within {}",
                self.label,
                super::human(timeout.unwrap_or_default())
            ),
        };
        PaasError {
            message: format!(
                "{head}, and stopping it could not be confirmed within {}: {what} may still be running on {}",
                super::human(pgroup::split_budget(timeout).1),
                self.label
            ),
            remediation,
            ..e
        }
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
            let tied = req.tied_to_session && req.stdin.is_none();
            let script = if tied {
                pgroup::wrap_tied(&req.script)
            } else {
                pgroup::wrap(&req.script)
            };
            let mut child = session
                .clone()
                .arc_raw_command(script)
                .stdin(if req.stdin.is_some() || tied {
                    Stdio::piped()
                } else {
                    Stdio::null()
                })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .await
                .map_err(|e| self.lost(e))?;
            let pgid = Arc::new(AtomicU32::new(0));
            let stdin = child.stdin().take();
            let stdout = child.stdout().take();
            let stderr = child.stderr().take();
            let stdin_bytes = req.stdin.clone();
            let pg = pgid.clone();
            let open = Arc::new(AtomicBool::new(true));
            let gated = gate(sink, open.clone());
            let work = Box::pin(async move {
                if tied {
                    // Held open, never written: its end is what stops the remote command.
                    let _session_tie = stdin;
                    pump(stdout, stderr, &gated, Some(&pg)).await;
                } else {
                    feed_and_pump(stdin, stdin_bytes, stdout, stderr, &gated, Some(&pg)).await;
                }
                child.wait().await
            });
            self.supervise(session, work, pgid, open, &cancel, req.timeout)
                .await
                .map_err(|e| e.unwrap_or_else(|why| self.interrupted_at(why, &req.timeout)))
        })
    }

    fn exec_bytes(
        &self,
        req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(self.run_bytes(req, stderr, cancel))
    }

    fn alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            if self.stalled.load(Ordering::SeqCst) {
                return false;
            }
            match self.session() {
                Ok(s) => s.check().await.is_ok(),
                Err(_) => false,
            }
        })
    }

    fn terminal(
        &self,
        script: Option<String>,
    ) -> BoxFuture<'_, Result<super::terminal::TerminalCommand>> {
        Box::pin(async move {
            // The master must still be there: it is what the shell goes through.
            self.session()?;
            Ok(self.terminal.command(script.as_deref()))
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
