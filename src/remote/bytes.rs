//! Byte streams to and from a remote command (a dump on stdout, a restore on stdin), bounded
//! both ways: a slow consumer slows the command down instead of growing memory.

use std::future::Future;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{LineSink, Stream, read_lines};
use crate::error::{ErrorCode, PaasError};

/// The most one stdout chunk holds (a pipe delivers at most 64 KiB per read anyway).
pub const CHUNK: usize = 64 * 1024;

/// One piece of a streamed command's stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdinChunk {
    Data(Vec<u8>),
    /// The stream is complete: only now is the command's stdin closed. A sender dropped without
    /// it (its source failed) leaves stdin open, so the command never reads a clean end of a
    /// partial stream; the caller stops it instead.
    End,
}

/// A command whose stdout and stdin are byte streams.
#[derive(Debug, Default)]
pub struct ByteRequest {
    pub script: String,
    /// The whole budget, stopping the remote process included.
    pub timeout: Option<Duration>,
    pub stdin: Option<mpsc::Receiver<StdinChunk>>,
    /// Every stdout chunk, in order.
    pub stdout: Option<mpsc::Sender<Vec<u8>>>,
}

/// Why a byte-stream command was stopped by its own plumbing rather than by the caller.
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalStop {
    token: CancellationToken,
    why: Arc<Mutex<Option<String>>>,
}

impl LocalStop {
    /// A token that fires when the caller cancels or the plumbing gives up.
    pub(crate) fn new(cancel: &CancellationToken) -> LocalStop {
        LocalStop {
            token: cancel.child_token(),
            why: Arc::default(),
        }
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    fn stop(&self, why: &str) {
        if let Ok(mut w) = self.why.lock()
            && w.is_none()
        {
            *w = Some(why.to_string());
        }
        self.token.cancel();
    }

    /// The error for a stop the caller did not ask for, if that is what happened.
    pub(crate) fn error(&self, label: &str) -> Option<PaasError> {
        let why = self.why.lock().ok()?.clone()?;
        Some(
            PaasError::new(
                ErrorCode::RemoteCommandFailed,
                "exec",
                format!("{why}; the command on {label} was stopped"),
            )
            .with_remediation("look at the local disk and the error before it, then run it again"),
        )
    }
}

/// Feeds stdin until [`StdinChunk::End`]. Returns the writer still open when the source ended
/// without `End`, for the caller to hold until the command is stopped.
async fn feed<W: AsyncWrite + Unpin>(
    w: Option<W>,
    rx: Option<mpsc::Receiver<StdinChunk>>,
) -> Option<W> {
    let (Some(mut w), Some(mut rx)) = (w, rx) else {
        return None;
    };
    while let Some(chunk) = rx.recv().await {
        match chunk {
            StdinChunk::Data(b) => {
                // The command closed its stdin (exited early): dropping `rx` tells the source.
                if w.write_all(&b).await.is_err() {
                    return None;
                }
            }
            StdinChunk::End => {
                let _ = w.shutdown().await;
                return None;
            }
        }
    }
    Some(w)
}

/// Sends stdout chunk by chunk; a receiver that went away or a read error stops the command.
async fn pump_stdout<O: AsyncRead + Unpin>(
    o: Option<O>,
    tx: Option<mpsc::Sender<Vec<u8>>>,
    stop: &LocalStop,
) {
    let Some(mut o) = o else { return };
    loop {
        let mut buf = Vec::with_capacity(CHUNK);
        match o.read_buf(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {
                if let Some(tx) = &tx
                    && tx.send(buf).await.is_err()
                {
                    stop.stop("the local side stopped reading the command's output");
                    break;
                }
            }
            Err(e) => {
                stop.stop(&format!("reading the command's output failed ({e})"));
                break;
            }
        }
    }
}

/// Drives a child's byte streams until `wait` (its exit) resolves: stdin fed from the request,
/// stdout to its channel, stderr as lines to `sink` (capturing the process group marker).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn drive<W, O, E, F, T>(
    stdin: Option<W>,
    stdin_rx: Option<mpsc::Receiver<StdinChunk>>,
    stdout: Option<O>,
    stdout_tx: Option<mpsc::Sender<Vec<u8>>>,
    stderr: Option<E>,
    sink: &LineSink,
    pid: Option<&AtomicU32>,
    stop: &LocalStop,
    wait: F,
) -> T
where
    W: AsyncWrite + Unpin,
    O: AsyncRead + Unpin,
    E: AsyncRead + Unpin,
    F: Future<Output = T>,
{
    let feeding = feed(stdin, stdin_rx);
    let main = async {
        let err = async {
            if let Some(e) = stderr {
                read_lines(e, Stream::Stderr, sink, pid).await;
            }
        };
        tokio::join!(pump_stdout(stdout, stdout_tx, stop), err);
        wait.await
    };
    tokio::pin!(feeding, main);
    let mut fed = false;
    // Held open (never closed cleanly) when the source failed.
    let mut _held = None;
    loop {
        tokio::select! {
            out = &mut main => return out,
            w = &mut feeding, if !fed => {
                fed = true;
                _held = w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::Transport;
    use crate::remote::local::LocalTransport;
    use sha2::{Digest, Sha256};

    fn collect(mut rx: mpsc::Receiver<Vec<u8>>) -> tokio::task::JoinHandle<(usize, Vec<u8>)> {
        tokio::spawn(async move {
            let (mut n, mut h) = (0usize, Sha256::new());
            while let Some(c) = rx.recv().await {
                n += c.len();
                h.update(&c);
            }
            (n, h.finalize().to_vec())
        })
    }

    #[tokio::test]
    async fn stdout_arrives_whole_and_in_order() {
        let (tx, rx) = mpsc::channel(2);
        let got = collect(rx);
        let req = ByteRequest {
            script: "head -c 3000000 /dev/zero | tr '\\0' 'x'; echo done >&2".into(),
            stdout: Some(tx),
            ..Default::default()
        };
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l2 = lines.clone();
        let sink: LineSink = Arc::new(move |_, l| l2.lock().unwrap().push(l));
        let code = LocalTransport::default()
            .exec_bytes(req, sink, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(code, 0);
        let (n, digest) = got.await.unwrap();
        assert_eq!(n, 3_000_000);
        assert_eq!(digest, Sha256::digest(vec![b'x'; 3_000_000]).to_vec());
        assert_eq!(*lines.lock().unwrap(), vec!["done".to_string()]);
    }

    #[tokio::test]
    async fn stdin_closes_only_after_end() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got");
        let script = format!("cat > '{}'; echo \"eof $?\" >&2", out.display());
        // With End: the command reads a clean end and finishes.
        let (tx, rx) = mpsc::channel(2);
        let req = ByteRequest {
            script: script.clone(),
            stdin: Some(rx),
            ..Default::default()
        };
        let feeder = tokio::spawn(async move {
            tx.send(StdinChunk::Data(b"abc".to_vec())).await.unwrap();
            tx.send(StdinChunk::End).await.unwrap();
        });
        let code = LocalTransport::default()
            .exec_bytes(req, crate::remote::null_sink(), CancellationToken::new())
            .await
            .unwrap();
        feeder.await.unwrap();
        assert_eq!(code, 0);
        assert_eq!(std::fs::read(&out).unwrap(), b"abc");
        // Without End (the source failed): stdin stays open until the caller stops it.
        let (tx, rx) = mpsc::channel(2);
        let marker = dir.path().join("finished");
        let req = ByteRequest {
            script: format!("cat >/dev/null; touch '{}'", marker.display()),
            stdin: Some(rx),
            ..Default::default()
        };
        tx.send(StdinChunk::Data(b"partial".to_vec()))
            .await
            .unwrap();
        drop(tx);
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            c2.cancel();
        });
        let e = LocalTransport::default()
            .exec_bytes(req, crate::remote::null_sink(), cancel)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert!(
            !marker.exists(),
            "the command saw a clean end of a partial stream"
        );
    }

    #[tokio::test]
    async fn a_consumer_that_goes_away_stops_the_command() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let req = ByteRequest {
            script: "yes".into(),
            stdout: Some(tx),
            timeout: Some(Duration::from_secs(20)),
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let e = LocalTransport::default()
            .exec_bytes(req, crate::remote::null_sink(), CancellationToken::new())
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(e.code, ErrorCode::RemoteCommandFailed, "{e:?}");
        assert!(e.message.contains("stopped reading"), "{}", e.message);
    }
}
