//! `events tail --follow` is woken by file notifications: with the fallback poll an hour long, a
//! row another process appends still arrives at once; with notifications turned off the poll
//! does the work (and the log says so); idle, the follower uses no CPU.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Env, stderr};
use serde_json::Value;

struct Tail {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Tail {
    fn start(env: &Env, vars: &[(&str, &str)]) -> Tail {
        let mut cmd = env.cmd();
        cmd.args(["--json", "--context", "c", "events", "tail", "--follow"])
            .stdout(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let t = Tail { child, lines };
        // the existing row comes first: the follower is running
        let first: Value = serde_json::from_str(&t.next(Duration::from_secs(30))).unwrap();
        assert_eq!(first["command"], "context init");
        t
    }

    fn next(&self, limit: Duration) -> String {
        self.lines
            .recv_timeout(limit)
            .unwrap_or_else(|_| panic!("no row within {limit:?}"))
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends one row in one write, as every writer does; returns when it was written.
fn append(env: &Env, command: &str) -> Instant {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(env.ctx_dir("c").join("events/audit.jsonl"))
        .unwrap();
    let row = format!(
        "{{\"timestamp\":\"2026-01-01T00:00:00Z\",\"context\":\"c\",\"source\":\"audit\",\"command\":\"{command}\",\"status\":\"succeeded\"}}\n"
    );
    f.write_all(row.as_bytes()).unwrap();
    Instant::now()
}

#[test]
fn a_row_from_another_process_arrives_through_notifications() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let tail = Tail::start(&env, &[("PAASDECK_POLL_INTERVAL", "1h")]);
    // An hour-long poll cannot bring them: only the writes' notifications can (the deadline is
    // generous for a loaded machine; bench/event_follow.sh measures the latency).
    for i in 0..5 {
        append(&env, &format!("row {i}"));
        let row: Value = serde_json::from_str(&tail.next(Duration::from_secs(30))).unwrap();
        assert_eq!(row["command"], format!("row {i}"));
    }
    // and a row written by paasdeck itself
    env.add_target("c", "late", "late.example");
    let row: Value = serde_json::from_str(&tail.next(Duration::from_secs(30))).unwrap();
    assert_eq!(row["command"], "target add");
}

#[test]
fn an_idle_follower_uses_no_cpu() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let tail = Tail::start(&env, &[]);
    // after a row, too: the follower's own reads of the file must not wake it again
    append(&env, "one row");
    tail.next(Duration::from_secs(30));
    let ticks = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", tail.child.id())).unwrap();
        // fields 14 and 15 (utime, stime); the first after the command name is field 3
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    // It settles once the row is out: measure 2 s windows until one is idle (30 s at most).
    let mut used = u64::MAX;
    common::sshd::eventually(Duration::from_secs(30), || {
        let before = ticks();
        std::thread::sleep(Duration::from_secs(2));
        used = ticks() - before;
        used <= 2
    });
    assert!(used <= 2, "{used} clock ticks in 2 s idle");
}

#[test]
fn without_notifications_the_poll_delivers_and_the_log_says_so() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let tail = Tail::start(
        &env,
        &[
            ("PAASDECK_WATCH", "poll"),
            ("PAASDECK_POLL_INTERVAL", "50ms"),
        ],
    );
    append(&env, "polled");
    let row: Value = serde_json::from_str(&tail.next(Duration::from_secs(30))).unwrap();
    assert_eq!(row["command"], "polled");
    // The log is written by its own thread: wait for the lines while the follower runs.
    common::sshd::eventually(Duration::from_secs(30), || {
        let log = Env::all_text_under(&env.log_dir());
        log.contains("file notifications unavailable (or PAASDECK_WATCH=poll)")
            && log.contains("interval_ms=50")
    });
    drop(tail);
    let log = Env::all_text_under(&env.log_dir());
    assert!(
        log.contains("file notifications unavailable (or PAASDECK_WATCH=poll)")
            && log.contains("interval_ms=50"),
        "{log}"
    );
}

#[test]
fn a_bad_watch_setting_is_a_usage_error_naming_it() {
    let env = Env::new();
    env.init("c", "oss-demo");
    for (var, value) in [
        ("PAASDECK_WATCH", "inotify"),
        ("PAASDECK_POLL_INTERVAL", "often"),
    ] {
        let o = env
            .cmd()
            .env(var, value)
            .args(["--context", "c", "events", "tail", "--follow"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{var}");
        assert!(stderr(&o).contains(var), "{}", stderr(&o));
    }
}
