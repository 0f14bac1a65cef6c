//! The `local` transport (`auth_method: local`): scripts run on this machine through `sh -c`,
//! each in its own process group so cancelling stops everything it started.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{BoxFuture, ExecRequest, LineSink, Transport, feed_and_pump, race};
use crate::error::{ErrorCode, PaasError, Result};

#[derive(Debug, Default)]
pub struct LocalTransport;

fn kill_group(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(pid, signal);
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
            let mut child = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(&req.script)
                .stdin(if req.stdin.is_some() {
                    Stdio::piped()
                } else {
                    Stdio::null()
                })
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
                })?;
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
                    kill_group(pid, rustix::process::Signal::TERM);
                    if tokio::time::timeout(Duration::from_secs(3), &mut work)
                        .await
                        .is_err()
                    {
                        kill_group(pid, rustix::process::Signal::KILL);
                        let _ = tokio::time::timeout(Duration::from_secs(2), &mut work).await;
                    }
                    Err(why.error("local", req.timeout))
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
}

pub fn shared() -> Arc<dyn Transport> {
    Arc::new(LocalTransport)
}
