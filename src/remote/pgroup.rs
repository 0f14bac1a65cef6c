//! The remote process group of an SSH command: the wrappers that report it (and, for
//! mutations, tie it to the session), and stopping it within a bounded clean-up window so a
//! timeout holds even on a frozen connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use openssh::{Session, Stdio};

use super::quote::quote;

/// The most a timed-out or cancelled command spends on stopping its remote process group.
pub const CLEANUP_MAX: Duration = Duration::from_secs(5);

/// Splits a command's time limit into the time it may run and the window for stopping it,
/// so the two together stay within the limit: a quarter of the limit, at most [`CLEANUP_MAX`].
/// Without a limit (cancellation only) the window is [`CLEANUP_MAX`].
pub fn split_budget(timeout: Option<Duration>) -> (Option<Duration>, Duration) {
    match timeout {
        Some(t) => {
            let cleanup = (t / 4).min(CLEANUP_MAX);
            (Some(t - cleanup), cleanup)
        }
        None => (None, CLEANUP_MAX),
    }
}

const MARKER: &str = "printf '\\036paasdeck-pid=%s\\n' \"$$\" >&2";

/// Wraps a script so it first reports its process group (the session leader sshd created).
pub fn wrap(script: &str) -> String {
    format!("exec sh -c {}", quote(&format!("{MARKER}; {script}")))
}

/// Like [`wrap`], and the process group dies with the session: a watchdog reads the
/// session's stdin (which paasdeck keeps open and never writes) and, at its end — the
/// connection dropped, sshd or paasdeck gone — sends TERM to the group, then KILL after 3 s.
/// A non-interactive shell gives background jobs /dev/null as stdin, hence the copy on fd 3.
pub fn wrap_tied(script: &str) -> String {
    let inner = format!(
        "{MARKER}\n\
         exec 3<&0\n\
         {{ cat <&3 >/dev/null 2>&1; trap '' TERM; kill -s TERM -- -$$ 2>/dev/null; sleep 3; kill -s KILL -- -$$ 2>/dev/null; }} </dev/null >/dev/null 2>&1 &\n\
         paasdeck_watchdog=$!\n\
         {{\n{script}\n}} </dev/null 3<&- &\n\
         wait $!\n\
         paasdeck_rc=$?\n\
         kill -s KILL $paasdeck_watchdog 2>/dev/null\n\
         exit $paasdeck_rc"
    );
    format!("exec sh -c {}", quote(&inner))
}

/// What stopping a remote process group achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    /// The group, 0 when the command never reported it.
    pub pgid: u32,
    /// Whether the target confirmed the kill within the window.
    pub confirmed: bool,
}

/// How long a stop may keep trying after the command's window closed (in the background).
const STOP_MAX: Duration = Duration::from_secs(10);

/// Stops the reported process group: TERM, a grace period (60 % of `window`, at most 3 s),
/// then KILL. The caller waits only for its window; the attempt may go on in the background
/// up to 10 s, since a slow connection can still carry the kill after the window closed.
pub async fn stop(session: Arc<Session>, pgid: Arc<AtomicU32>, window: Duration) -> Stop {
    let started = Instant::now();
    // The marker is the script's first output; a cancel can race it by a few milliseconds.
    while pgid.load(Ordering::SeqCst) == 0 && started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pgid = pgid.load(Ordering::SeqCst);
    if pgid == 0 {
        tracing::warn!("no process group reported; cannot stop the remote command");
        return Stop {
            pgid,
            confirmed: false,
        };
    }
    let grace_tenths = (window.as_millis() * 6 / 1000).clamp(1, 30);
    let script = format!(
        "kill -s TERM -- -{pgid} 2>/dev/null; i=0; while kill -s 0 -- -{pgid} 2>/dev/null && [ $i -lt {grace_tenths} ]; do sleep 0.1; i=$((i+1)); done; kill -s KILL -- -{pgid} 2>/dev/null; true"
    );
    let done = tokio::time::timeout(
        STOP_MAX,
        session
            .raw_command(&script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status(),
    )
    .await;
    let confirmed = matches!(done, Ok(Ok(s)) if s.success());
    if !confirmed {
        tracing::warn!(
            pgid,
            "could not confirm that the remote command was stopped"
        );
    }
    Stop { pgid, confirmed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cleanup_window_fits_inside_the_limit() {
        let (run, clean) = split_budget(Some(Duration::from_secs(30)));
        assert_eq!(run, Some(Duration::from_secs(25)));
        assert_eq!(clean, CLEANUP_MAX);
        let (run, clean) = split_budget(Some(Duration::from_secs(2)));
        assert_eq!(run, Some(Duration::from_millis(1500)));
        assert_eq!(clean, Duration::from_millis(500));
        assert_eq!(split_budget(None), (None, CLEANUP_MAX));
    }

    /// How a test session's stdin ends.
    enum Stdin {
        /// Held open until the session ends by itself.
        Open,
        /// Closed once the script has started (its first line of stdout arrived).
        CloseAfterStart,
    }

    /// Runs a wrapped script as its own session leader, as sshd starts it; returns what it
    /// printed, and its process group (the leader's pid).
    fn run_as_session(wrapped: &str, stdin: Stdin) -> (std::process::Output, u32) {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new("setsid")
            .args(["-w", "sh", "-c", wrapped])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pgid = child.id();
        let input = child.stdin.take();
        let mut first = String::new();
        if let Stdin::CloseAfterStart = stdin {
            let mut lines = std::io::BufReader::new(child.stdout.as_mut().unwrap());
            lines.read_line(&mut first).unwrap();
            drop(input);
            let mut out = child.wait_with_output().unwrap();
            out.stdout.splice(0..0, first.into_bytes());
            return (out, pgid);
        }
        // Held open long past any script here; closed at the deadline so that a session
        // wrongly waiting for it fails the test instead of hanging it.
        let (ended, wait_end) = std::sync::mpsc::channel::<()>();
        let closer = std::thread::spawn(move || {
            let early = wait_end.recv_timeout(Duration::from_secs(60)).is_err();
            drop(input);
            early
        });
        let out = child.wait_with_output().unwrap();
        let _ = ended.send(());
        assert!(
            !closer.join().unwrap(),
            "the session waited for its stdin to end"
        );
        (out, pgid)
    }

    /// Whether a process of group `pgid` still runs (read from /proc).
    fn group_alive(pgid: u32) -> bool {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return false;
        };
        dir.flatten().any(|e| {
            std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
                // Field 5 (pgrp) is the third after the command name's closing parenthesis.
                stat.rfind(')')
                    .and_then(|i| stat[i + 2..].split(' ').nth(2).map(str::to_string))
                    .is_some_and(|g| g == pgid.to_string())
            })
        })
    }

    #[test]
    fn a_tied_script_runs_and_keeps_its_exit_code_while_stdin_is_open() {
        // stdin stays open until the session ends: it ends on its own, with the script's code.
        let (out, _) = run_as_session(&wrap_tied("echo out; echo err >&2; exit 7"), Stdin::Open);
        assert_eq!(out.status.code(), Some(7));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("paasdeck-pid="), "{err}");
        assert!(err.ends_with("err\n"), "{err}");
    }

    #[test]
    fn a_tied_script_dies_when_its_stdin_ends() {
        let dir = tempfile::tempdir().unwrap();
        let done = dir.path().join("finished");
        let script = format!(
            "echo started; sleep 4; touch {}",
            quote(&done.display().to_string())
        );
        let (out, pgid) = run_as_session(&wrap_tied(&script), Stdin::CloseAfterStart);
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("started"));
        // Once nothing of its group runs any more, nothing can still touch the file.
        let deadline = Instant::now() + Duration::from_secs(60);
        while group_alive(pgid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!group_alive(pgid), "the session's group never ended");
        assert!(!done.exists(), "the script outlived its session");
        // Without the tie, the same script finishes.
        let (_, _) = run_as_session(&wrap(&script), Stdin::CloseAfterStart);
        assert!(done.exists());
    }
}
