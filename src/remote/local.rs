//! The `local` transport (`auth_method: local`): scripts run on this machine through `sh -c`,
//! each in its own process group so cancelling stops everything it started.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::bytes::{ByteRequest, LocalStop, drive};
use super::{BoxFuture, ExecRequest, Interrupt, LineSink, Transport, feed_and_pump, race};
use crate::error::{ErrorCode, PaasError, Result};

#[derive(Debug, Default)]
pub struct LocalTransport {
    /// Put first on PATH: where a simulated engine's `docker` lives.
    path_first: Option<std::path::PathBuf>,
}

impl LocalTransport {
    /// Commands find programs in `dir` before the machine's own.
    pub fn with_path_first(dir: std::path::PathBuf) -> LocalTransport {
        LocalTransport {
            path_first: Some(dir),
        }
    }
}

fn kill_group(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(pid, signal);
    }
}

/// `sh -c SCRIPT` in its own process group, stdout and stderr piped.
fn spawn(
    script: &str,
    stdin: bool,
    path_first: Option<&std::path::Path>,
) -> Result<tokio::process::Child> {
    let mut cmd = tokio::process::Command::new("sh");
    if let Some(dir) = path_first {
        let mut path = std::ffi::OsString::from(dir);
        if let Some(rest) = std::env::var_os("PATH") {
            path.push(":");
            path.push(rest);
        }
        cmd.env("PATH", path);
    }
    cmd.arg("-c")
        .arg(script)
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            PaasError::new(
                ErrorCode::RemoteCommandFailed,
                "exec",
                format!("could not start sh: {e}"),
            )
        })
}

/// TERM to the group, KILL after 3 s, while `work` keeps reading its output.
async fn stop_group<F: std::future::Future + Unpin>(pid: u32, work: &mut F) {
    kill_group(pid, rustix::process::Signal::TERM);
    if tokio::time::timeout(Duration::from_secs(3), &mut *work)
        .await
        .is_err()
    {
        kill_group(pid, rustix::process::Signal::KILL);
        let _ = tokio::time::timeout(Duration::from_secs(2), work).await;
    }
}

impl Transport for LocalTransport {
    fn label(&self) -> &str {
        "local"
    }

    fn exec(
        &self,
        req: ExecRequest,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(async move {
            let mut child = spawn(&req.script, req.stdin.is_some(), self.path_first.as_deref())?;
            let pid = child.id().unwrap_or(0);
            let stdin_bytes = req.stdin.clone();
            let stdin = child.stdin.take();
            let stdout = child.stdout.take();
            let stderr = child.stderr.take();
            let sink2 = sink.clone();
            let work = async move {
                feed_and_pump(stdin, stdin_bytes, stdout, stderr, &sink2, None).await;
                child.wait().await
            };
            tokio::pin!(work);
            match race(&mut work, &cancel, req.timeout).await {
                Ok(status) => {
                    let status = status.map_err(|e| {
                        PaasError::new(ErrorCode::RemoteCommandFailed, "exec", e.to_string())
                    })?;
                    Ok(status.code().unwrap_or(128 + 9))
                }
                Err(why) => {
                    stop_group(pid, &mut work).await;
                    Err(why.error("local", req.timeout))
                }
            }
        })
    }

    fn exec_bytes(
        &self,
        req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(async move {
            let mut child = spawn(&req.script, req.stdin.is_some(), self.path_first.as_deref())?;
            let pid = child.id().unwrap_or(0);
            let (stdin, stdout, err) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take());
            let stop = LocalStop::new(&cancel);
            let stop2 = stop.clone();
            let work = async move {
                drive(
                    stdin,
                    req.stdin,
                    stdout,
                    req.stdout,
                    err,
                    &stderr,
                    None,
                    &stop2,
                    child.wait(),
                )
                .await
            };
            tokio::pin!(work);
            match race(&mut work, stop.token(), req.timeout).await {
                Ok(status) => {
                    let status = status.map_err(|e| {
                        PaasError::new(ErrorCode::RemoteCommandFailed, "exec", e.to_string())
                    })?;
                    // The plumbing gave up (the consumer went away, a read failed): the command
                    // may have exited on its own since (SIGPIPE), but its output is incomplete.
                    if let Some(e) = stop.error("local").filter(|_| !cancel.is_cancelled()) {
                        return Err(e);
                    }
                    Ok(status.code().unwrap_or(128 + 9))
                }
                Err(why) => {
                    stop_group(pid, &mut work).await;
                    Err(match (why, stop.error("local")) {
                        (Interrupt::Cancelled, Some(e)) if !cancel.is_cancelled() => e,
                        _ => why.error("local", req.timeout),
                    })
                }
            }
        })
    }

    fn alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { true })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    fn terminal(
        &self,
        script: Option<String>,
    ) -> BoxFuture<'_, Result<super::terminal::TerminalCommand>> {
        let path_first = self.path_first.clone();
        Box::pin(async move { Ok(super::terminal::local(script.as_deref(), path_first)) })
    }
}

pub fn shared() -> Arc<dyn Transport> {
    Arc::new(LocalTransport::default())
}
