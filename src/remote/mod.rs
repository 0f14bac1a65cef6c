//! Remote execution: the [`Transport`] trait with its SSH (system OpenSSH through the `openssh`
//! crate, one multiplexed master per target) and local (`sh -c`) implementations, quoting,
//! line streaming, host-key policy, the fan-out strategies and the engine a target runs.

pub mod bytes;
pub mod engine;
pub mod fanout;
pub mod hostkeys;
pub mod lines;
pub mod local;
pub mod pgroup;
pub mod pool;
pub mod quote;
pub mod ssh;
pub mod terminal;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use crate::error::{ErrorCode, PaasError, Result};
use lines::LineSplitter;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives every output line as it arrives.
pub type LineSink = Arc<dyn Fn(Stream, String) + Send + Sync>;

/// A sink that discards everything.
pub fn null_sink() -> LineSink {
    Arc::new(|_, _| {})
}

/// One remote command: a POSIX shell script, optional bytes for its stdin, and a time limit.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    pub script: String,
    pub stdin: Option<Vec<u8>>,
    /// The whole budget, stopping the remote process included.
    pub timeout: Option<Duration>,
    /// Over SSH, the remote process group is killed when the session ends (connection lost,
    /// paasdeck gone): for mutations that must not finish unrecorded. Needs stdin, so it
    /// applies only to requests without stdin bytes.
    pub tied_to_session: bool,
    /// Runs exactly as written: no Compose adaptation, so no detection command first (for a
    /// script that finds the target's Compose itself, such as the check's probe).
    pub as_written: bool,
}

impl ExecRequest {
    pub fn new(script: impl Into<String>) -> ExecRequest {
        ExecRequest {
            script: script.into(),
            ..Default::default()
        }
    }
    pub fn timeout(mut self, t: Duration) -> ExecRequest {
        self.timeout = Some(t);
        self
    }
    pub fn stdin(mut self, bytes: Vec<u8>) -> ExecRequest {
        self.stdin = Some(bytes);
        self
    }
    pub fn tied_to_session(mut self) -> ExecRequest {
        self.tied_to_session = true;
        self
    }
    pub fn as_written(mut self) -> ExecRequest {
        self.as_written = true;
        self
    }
}

pub use bytes::{ByteRequest, StdinChunk};

/// How paasdeck runs commands on a target.
pub trait Transport: Send + Sync {
    /// `user@host:port`, or `local`.
    fn label(&self) -> &str;

    /// Runs a script, streaming its output lines to `sink`; returns the exit code. Cancelling
    /// `cancel` or reaching the timeout stops the process (on the target too) and fails with
    /// `PAAS_CANCELLED` or `PAAS_TIMEOUT`.
    fn exec(
        &self,
        req: ExecRequest,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>>;

    /// Runs a script whose stdout is a byte stream (a dump) and whose stdin may be one (a
    /// restore): stdout goes chunk by chunk to `req.stdout`, stderr lines to `stderr`. Same
    /// cancellation, time limit and process-group semantics as [`Transport::exec`]; when the
    /// stdout receiver goes away the command is stopped too.
    fn exec_bytes(
        &self,
        req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>>;

    /// Whether the connection is still usable.
    fn alive(&self) -> BoxFuture<'_, bool>;

    /// Closes the connection (the SSH master).
    fn close(&self) -> BoxFuture<'_, ()>;

    /// Tells the connection which Compose its target has, learned by a command that asked
    /// (the check's probe), so the next Compose command needs no detection of its own.
    fn learn_compose(&self, _kind: engine::ComposeKind) {}

    /// The command that runs `script` (the login shell when `None`) with the operator's own
    /// terminal, over this connection ([`terminal`]).
    fn terminal(&self, script: Option<String>) -> BoxFuture<'_, Result<terminal::TerminalCommand>> {
        let _ = script;
        Box::pin(async move { Err(terminal::unsupported(self.label())) })
    }
}

/// The marker a wrapped remote script prints first on stderr, carrying its process group id.
pub(crate) const PID_MARKER: &str = "\u{1e}paasdeck-pid=";

/// Writes `bytes` to a child's stdin (then closes it) while reading its output through
/// [`pump`]; returns when both are done.
pub(crate) async fn feed_and_pump<W, O, E>(
    stdin: Option<W>,
    bytes: Option<Vec<u8>>,
    stdout: Option<O>,
    stderr: Option<E>,
    sink: &LineSink,
    pid: Option<&AtomicU32>,
) where
    W: tokio::io::AsyncWrite + Unpin,
    O: AsyncRead + Unpin,
    E: AsyncRead + Unpin,
{
    use tokio::io::AsyncWriteExt;
    let feed = async {
        if let (Some(mut w), Some(bytes)) = (stdin, bytes) {
            let _ = w.write_all(&bytes).await;
            let _ = w.shutdown().await;
        }
    };
    tokio::join!(feed, pump(stdout, stderr, sink, pid));
}

/// Reads a child's stdout and stderr to their ends, feeding lines to `sink`. When `pid` is
/// given, a stderr line carrying [`PID_MARKER`] is consumed and its number stored there.
pub(crate) async fn pump<O, E>(
    stdout: Option<O>,
    stderr: Option<E>,
    sink: &LineSink,
    pid: Option<&AtomicU32>,
) where
    O: AsyncRead + Unpin,
    E: AsyncRead + Unpin,
{
    let out = async {
        if let Some(o) = stdout {
            read_lines(o, Stream::Stdout, sink, None).await;
        }
    };
    let err = async {
        if let Some(e) = stderr {
            read_lines(e, Stream::Stderr, sink, pid).await;
        }
    };
    tokio::join!(out, err);
}

/// Reads one stream to its end as lines. When `pid` is given, a line carrying [`PID_MARKER`]
/// is consumed and its number stored there.
pub(crate) async fn read_lines<R: AsyncRead + Unpin>(
    mut r: R,
    stream: Stream,
    sink: &LineSink,
    pid: Option<&AtomicU32>,
) {
    let mut splitter = LineSplitter::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut emit = |line: String| {
        if let Some(p) = pid
            && let Some(n) = line.strip_prefix(PID_MARKER)
        {
            if let Ok(n) = n.trim().parse::<u32>() {
                p.store(n, Ordering::SeqCst);
            }
            return;
        }
        sink(stream, line);
    };
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => splitter.push(&buf[..n], &mut emit),
        }
    }
    splitter.finish(&mut emit);
}

/// A duration for messages, to the millisecond (`1s 846ms`, `6s`).
pub fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_millis(d.as_millis() as u64)).to_string()
}

/// Why a running command was stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    Cancelled,
    TimedOut,
}

impl Interrupt {
    pub fn error(self, label: &str, timeout: Option<Duration>) -> PaasError {
        match self {
            Interrupt::Cancelled => PaasError::new(
                ErrorCode::Cancelled,
                "exec",
                format!("cancelled; the command on {label} was stopped"),
            )
            .with_remediation("run it again when you are ready"),
            Interrupt::TimedOut => PaasError::new(
                ErrorCode::Timeout,
                "exec",
                format!(
                    "the command on {label} did not finish within {}; it was stopped",
                    human(timeout.unwrap_or_default())
                ),
            )
            .with_remediation("raise the timeout, or look at the target's load"),
        }
    }
}

/// Waits for `work` unless the token is cancelled or the timeout passes first; returns which.
pub(crate) async fn race<F: Future>(
    work: F,
    cancel: &CancellationToken,
    timeout: Option<Duration>,
) -> std::result::Result<F::Output, Interrupt> {
    let deadline = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        out = work => Ok(out),
        _ = cancel.cancelled() => Err(Interrupt::Cancelled),
        _ = deadline => Err(Interrupt::TimedOut),
    }
}

/// Output collected in memory, for short probes.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub code: i32,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Captured {
    /// The last few stderr lines (or stdout, if stderr is empty), for error messages.
    pub fn tail(&self, n: usize) -> String {
        let src = if self.stderr.is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let start = src.len().saturating_sub(n);
        src[start..].join(" | ")
    }
}

/// Runs a short script and collects its output (at most `max_lines` per stream).
pub async fn capture(
    t: &dyn Transport,
    req: ExecRequest,
    cancel: CancellationToken,
    max_lines: usize,
) -> Result<Captured> {
    let store = Arc::new(std::sync::Mutex::new(Captured::default()));
    let s2 = store.clone();
    let sink: LineSink = Arc::new(move |stream, line| {
        if let Ok(mut c) = s2.lock() {
            let v = match stream {
                Stream::Stdout => &mut c.stdout,
                Stream::Stderr => &mut c.stderr,
            };
            if v.len() < max_lines {
                v.push(line);
            }
        }
    });
    let code = t.exec(req, sink, cancel).await?;
    let mut out = store.lock().map(|c| c.clone()).unwrap_or_default();
    out.code = code;
    Ok(out)
}
