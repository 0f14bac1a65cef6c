//! Supervising a running SSH command: its time limit and cancellation, stopping its remote
//! process group within the rest of the budget, and the byte-stream variant of `exec`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use openssh::{Session, Stdio};
use tokio_util::sync::CancellationToken;

use super::super::bytes::{ByteRequest, LocalStop, drive};
use super::super::{LineSink, pgroup, race};
use super::{SshTransport, error_text};
use crate::error::{ErrorCode, PaasError, Result};

/// Output that arrives after a call returned (a stop finishing in the background) is not
/// delivered.
pub(super) fn gate(sink: LineSink, open: Arc<AtomicBool>) -> LineSink {
    Arc::new(move |stream, line| {
        if open.load(Ordering::SeqCst) {
            sink(stream, line);
        }
    })
}

pub(super) type Work = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = std::result::Result<std::process::ExitStatus, openssh::Error>,
            > + Send,
    >,
>;

impl SshTransport {
    pub(super) fn lost(&self, e: openssh::Error) -> PaasError {
        PaasError::new(
            ErrorCode::SshConnectFailed,
            "exec",
            format!("lost the connection to {}: {}", self.label, error_text(&e)),
        )
    }

    pub(super) fn interrupted_at(
        &self,
        (why, stop): (super::super::Interrupt, pgroup::Stop),
        timeout: &Option<Duration>,
    ) -> PaasError {
        self.interrupted(why, *timeout, stop)
    }

    /// Waits for a running command unless `cancel` fires or its time runs out; then stops its
    /// process group on the target within the rest of the budget. `Err(Err(..))` says why it
    /// was stopped and what stopping achieved.
    pub(super) async fn supervise(
        &self,
        session: Arc<Session>,
        mut work: Work,
        pgid: Arc<AtomicU32>,
        open: Arc<AtomicBool>,
        cancel: &CancellationToken,
        timeout: Option<Duration>,
    ) -> std::result::Result<
        i32,
        std::result::Result<PaasError, (super::super::Interrupt, pgroup::Stop)>,
    > {
        let (run_for, window) = pgroup::split_budget(timeout);
        match race(&mut work, cancel, run_for).await {
            Ok(status) => {
                let status = status.map_err(|e| Ok(self.lost(e)))?;
                Ok(status.code().unwrap_or(128 + 9))
            }
            Err(why) => {
                // Keep reading output while killing: the process group arrives on stderr.
                tokio::spawn(tokio::time::timeout(pgroup::CLEANUP_MAX * 2, work));
                let cleanup = tokio::spawn(pgroup::stop(session.clone(), pgid.clone(), window));
                let stop = match tokio::time::timeout(window, cleanup).await {
                    Ok(Ok(stop)) => stop,
                    _ => pgroup::Stop {
                        pgid: pgid.load(Ordering::SeqCst),
                        confirmed: false,
                    },
                };
                open.store(false, Ordering::SeqCst);
                Err(Err((why, stop)))
            }
        }
    }

    /// `exec_bytes` over the master: stdout chunks to the request's channel, stdin from it.
    pub(super) async fn run_bytes(
        &self,
        req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> Result<i32> {
        let session = self.session()?;
        let mut child = session
            .clone()
            .arc_raw_command(pgroup::wrap(&req.script))
            .stdin(if req.stdin.is_some() {
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
        let (stdin, stdout, err) = (
            child.stdin().take(),
            child.stdout().take(),
            child.stderr().take(),
        );
        let open = Arc::new(AtomicBool::new(true));
        let gated = gate(stderr, open.clone());
        let stop = LocalStop::new(&cancel);
        let (stop2, pg) = (stop.clone(), pgid.clone());
        let (stdin_rx, stdout_tx) = (req.stdin, req.stdout);
        let work = Box::pin(async move {
            drive(
                stdin,
                stdin_rx,
                stdout,
                stdout_tx,
                err,
                &gated,
                Some(&pg),
                &stop2,
                child.wait(),
            )
            .await
        });
        let timeout = req.timeout;
        let code = self
            .supervise(session, work, pgid, open, stop.token(), timeout)
            .await
            .map_err(|e| {
                e.unwrap_or_else(|(why, stopped)| match stop.error(&self.label) {
                    Some(local) if !cancel.is_cancelled() && stopped.confirmed => local,
                    _ => self.interrupted(why, timeout, stopped),
                })
            })?;
        // The command ended, but after the plumbing gave up on its output: incomplete.
        match stop.error(&self.label) {
            Some(local) if !cancel.is_cancelled() => Err(local),
            _ => Ok(code),
        }
    }
}
