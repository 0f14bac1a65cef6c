//! Remote execution against a real loopback sshd: transport, streaming, cancellation, host
//! keys, connection reuse, fan-out, quoting, and the `target check` / `target exec` commands.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Env;
use common::sshd::{Sshd, eventually, free_port, process_running};
use paasdeck::error::ErrorCode;
use paasdeck::remote::pool::Pool;
use paasdeck::remote::quote::quote;
use paasdeck::remote::ssh::SshOptions;
use paasdeck::remote::{ExecRequest, LineSink, Stream, capture};
use paasdeck::state::ids::Port;
use paasdeck::state::targets::Target;
use paasdeck::tasks::{TaskMeta, TaskRunner, TaskState};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn target(sshd: &Sshd, name: &str) -> Target {
    Target {
        auth_method: "key".into(),
        identity_file: sshd.client_key.display().to_string(),
        ..Target::new(
            name.parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
            Port::new(sshd.port as i64).unwrap(),
            sshd.user.parse().unwrap(),
        )
    }
}

fn options(dir: &Path) -> SshOptions {
    SshOptions {
        known_hosts: dir.join("known_hosts"),
        connect_timeout: Duration::from_secs(30),
        config_file: Some("/dev/null".into()),
        control_dir: std::env::temp_dir(),
        default_identity: None,
    }
}

type Lines = Arc<Mutex<Vec<(Instant, Stream, String)>>>;

fn recorder() -> (Lines, LineSink) {
    let lines: Lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    (
        lines,
        Arc::new(move |s, l| l2.lock().unwrap().push((Instant::now(), s, l))),
    )
}

fn texts(lines: &Lines, stream: Stream) -> Vec<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, s, _)| *s == stream)
        .map(|(_, _, l)| l.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_streams_order_and_volume() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::new(options(dir.path()), None);
    let t = pool.get("c", &target(&sshd, "edge")).await.unwrap();
    let none = CancellationToken::new();

    let (lines, sink) = recorder();
    let code = t
        .exec(
            ExecRequest::new("echo hello; echo oops >&2; exit 3"),
            sink,
            none.clone(),
        )
        .await
        .unwrap();
    assert_eq!(code, 3);
    assert_eq!(texts(&lines, Stream::Stdout), vec!["hello"]);
    assert_eq!(
        texts(&lines, Stream::Stderr),
        vec!["oops"],
        "the pid marker never reaches the sink"
    );
    let ok = capture(t.as_ref(), ExecRequest::new("true"), none.clone(), 10)
        .await
        .unwrap();
    assert_eq!(ok.code, 0);

    // lines arrive in order and while the command is still running
    let (lines, sink) = recorder();
    let started = Instant::now();
    t.exec(
        ExecRequest::new("for i in 1 2 3 4 5; do echo $i; sleep 0.3; done"),
        sink,
        none.clone(),
    )
    .await
    .unwrap();
    let ended = Instant::now();
    let got = lines.lock().unwrap().clone();
    let nums: Vec<&str> = got.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(nums, vec!["1", "2", "3", "4", "5"]);
    assert!(
        ended.duration_since(got[0].0) > Duration::from_millis(900),
        "the first line arrived {:?} after start, only {:?} before the end",
        got[0].0.duration_since(started),
        ended.duration_since(got[0].0)
    );
    for w in got.windows(2) {
        assert!(w[0].0 <= w[1].0);
    }

    // 100 000 lines arrive complete and in order
    let count = Arc::new(Mutex::new((0u64, true)));
    let c2 = count.clone();
    let sink: LineSink = Arc::new(move |_, l| {
        let mut c = c2.lock().unwrap();
        c.0 += 1;
        if l != c.0.to_string() {
            c.1 = false;
        }
    });
    assert_eq!(
        t.exec(ExecRequest::new("seq 1 100000"), sink, none.clone())
            .await
            .unwrap(),
        0
    );
    assert_eq!(*count.lock().unwrap(), (100_000, true));

    // a 1 MiB line is cut at 16 KiB with a marker; the next line is intact
    let (lines, sink) = recorder();
    t.exec(
        ExecRequest::new("head -c 1048576 /dev/zero | tr '\\0' x; echo; echo after"),
        sink,
        none.clone(),
    )
    .await
    .unwrap();
    let out = texts(&lines, Stream::Stdout);
    assert_eq!(out.len(), 2);
    assert!(out[0].starts_with(&"x".repeat(16 * 1024)));
    assert!(
        out[0].ends_with("[line truncated: 1032192 more bytes]"),
        "{}",
        &out[0][16 * 1024..]
    );
    assert_eq!(out[1], "after");

    // stdin reaches the remote command
    let got = capture(
        t.as_ref(),
        ExecRequest::new("cat").stdin(b"from stdin\n".to_vec()),
        none,
        10,
    )
    .await
    .unwrap();
    assert_eq!(got.stdout, vec!["from stdin"]);
    pool.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_task_kills_the_remote_process() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Arc::new(Pool::new(options(dir.path()), None));
    let tgt = target(&sshd, "edge");
    let runner = TaskRunner::default();
    let (p2, t2) = (pool.clone(), tgt.clone());
    let task = runner.spawn(
        TaskMeta {
            title: "sleep".into(),
            ..Default::default()
        },
        move |ctx| async move {
            let t = p2.get("c", &t2).await?;
            ctx.note("started");
            let code = t
                .exec(
                    ExecRequest::new("sleep 4242; echo never"),
                    ctx.sink.clone(),
                    ctx.cancel.clone(),
                )
                .await?;
            Ok(format!("exit {code}"))
        },
    );
    assert!(
        eventually(Duration::from_secs(30), || process_running("sleep 4242")),
        "the remote sleep never started"
    );
    assert!(runner.cancel(task.id));
    assert_eq!(runner.wait(task.id).await, Some(TaskState::Cancelled));
    assert!(
        eventually(Duration::from_secs(30), || !process_running("sleep 4242")),
        "the remote process outlived the cancel: {}\n{:?}",
        String::from_utf8_lossy(
            &std::process::Command::new("ps")
                .args(["-eo", "pid,ppid,pgid,sid,args"])
                .output()
                .unwrap()
                .stdout
        )
        .lines()
        .filter(|l| l.contains("4242") || l.contains("sshd"))
        .collect::<Vec<_>>()
        .join("\n"),
        task.with_log(|l| l.tail(10))
    );
    assert!(!task.with_log(|l| l.tail(10)).contains(&"never".to_string()));

    // a timeout stops it the same way
    let t = pool.get("c", &tgt).await.unwrap();
    let err = t
        .exec(
            ExecRequest::new("sleep 4343").timeout(Duration::from_millis(500)),
            paasdeck::remote::null_sink(),
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout);
    assert!(eventually(Duration::from_secs(30), || !process_running(
        "sleep 4343"
    )));
    pool.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_master_connection_serves_many_commands() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Arc::new(Pool::new(options(dir.path()), None));
    let tgt = target(&sshd, "edge");
    for i in 0..20 {
        let t = pool.get("c", &tgt).await.unwrap();
        let out = capture(
            t.as_ref(),
            ExecRequest::new(format!("echo {i}")),
            CancellationToken::new(),
            5,
        )
        .await
        .unwrap();
        assert_eq!(out.stdout, vec![i.to_string()]);
    }
    let mut handles = Vec::new();
    for i in 0..10 {
        let (p, t) = (pool.clone(), tgt.clone());
        handles.push(tokio::spawn(async move {
            let tr = p.get("c", &t).await.unwrap();
            capture(
                tr.as_ref(),
                ExecRequest::new(format!("sleep 0.2; echo {i}")),
                CancellationToken::new(),
                5,
            )
            .await
            .unwrap()
            .stdout
        }));
    }
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.await.unwrap(), vec![i.to_string()]);
    }
    assert_eq!(pool.open_connections().await, 1);
    assert_eq!(
        sshd.accepted(),
        1,
        "every command should reuse the one master"
    );
    // the same target name in another context gets its own connection
    pool.get("other", &tgt).await.unwrap();
    assert_eq!(pool.open_connections().await, 2);
    pool.close_all().await;
    assert_eq!(pool.open_connections().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_strings_reach_the_remote_shell_unchanged() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::new(options(dir.path()), None);
    let t = pool.get("c", &target(&sshd, "edge")).await.unwrap();
    let canary = dir.path().join("pwned");
    for s in [
        "plain",
        "it's a 'quote'",
        &format!("$(touch {})", canary.display()),
        &format!("`touch {}`", canary.display()),
        "a; echo injected",
        "line1\nline2",
        "\"dq\" \\back\\ $HOME ${PATH} *",
        "--option -n -e",
        "ünïcødé ✓",
    ] {
        let out = capture(
            t.as_ref(),
            ExecRequest::new(format!("printf '%s' {}", quote(s))),
            CancellationToken::new(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(out.stdout.join("\n"), s);
    }
    assert!(!canary.exists(), "a quoted value was executed");
    pool.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_port_fails_within_the_connect_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.connect_timeout = Duration::from_secs(2);
    let pool = Pool::new(opts, None);
    let t = Target {
        auth_method: "key".into(),
        ..Target::new(
            "gone".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
            Port::new(free_port() as i64).unwrap(),
            "nobody".parse().unwrap(),
        )
    };
    // (how long the refusal takes is not asserted, only what it says)
    let err = pool.get("c", &t).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::SshConnectFailed, "{}", err.message);
    assert!(err.message.contains("nobody@127.0.0.1"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_host_key_is_refused() {
    let mut sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let learned = Arc::new(Mutex::new(Vec::new()));
    let l2 = learned.clone();
    let pool = Pool::new(
        options(dir.path()),
        Some(Arc::new(
            move |ctx: &str, t: &str, l: &paasdeck::remote::hostkeys::HostKeyLearned| {
                l2.lock()
                    .unwrap()
                    .push((ctx.to_string(), t.to_string(), l.fingerprints.clone()));
            },
        )),
    );
    let tgt = target(&sshd, "edge");
    pool.get("c", &tgt).await.unwrap();
    assert_eq!(
        learned.lock().unwrap().clone(),
        vec![(
            "c".to_string(),
            "edge".to_string(),
            vec![sshd.host_fingerprint()]
        )]
    );
    pool.close_all().await;
    // known now: no second report
    pool.get("c", &tgt).await.unwrap();
    pool.close_all().await;
    assert_eq!(learned.lock().unwrap().len(), 1);

    sshd.rotate_host_key();
    let err = pool.get("c", &tgt).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::HostKeyMismatch, "{}", err.message);
    let kh = dir.path().join("known_hosts");
    assert!(
        err.message.contains(&format!("{}:1", kh.display())),
        "{}",
        err.message
    );
    assert!(
        err.remediation.contains("ssh-keygen -R"),
        "{}",
        err.remediation
    );
    assert_eq!(
        learned.lock().unwrap().len(),
        1,
        "a changed key is never learned"
    );
}

// ---- the commands, through the real binary ----

fn cli_env(_sshd: &Sshd) -> Env {
    let env = Env::new();
    env.init("c", "oss-demo");
    env
}

fn add_ssh_target(env: &Env, sshd: &Sshd, name: &str, port: u16) {
    env.add_ssh_target_on("c", name, sshd, port);
}

fn run_json(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut c = env.cmd();
    c.env("PAASDECK_SSH_CONFIG", "/dev/null")
        .arg("--json")
        .args(args);
    let o = c.output().unwrap();
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), doc)
}

#[test]
fn target_check_passes_with_fake_docker_and_records_first_use() {
    let sshd = Sshd::start();
    let env = cli_env(&sshd);
    add_ssh_target(&env, &sshd, "edge-a", sshd.port);
    add_ssh_target(&env, &sshd, "edge-b", sshd.port);
    let (code, doc) = run_json(&env, &["--context", "c", "target", "check", "--all"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["count"], 2);
    let row = &doc["data"][0];
    for key in ["reachable", "ssh_ok", "docker_ok", "compose_ok"] {
        assert_eq!(row[key], true, "{key}: {row:#}");
    }
    assert_eq!(row["status"], "ok");
    assert_eq!(row["target"], "edge-a");
    assert_eq!(row["port"], sshd.port);
    assert_eq!(row["docker_version"], "27.3.1");
    assert_eq!(row["compose_version"], "2.29.7");
    assert!(["amd64", "arm64"].contains(&row["cpu_arch"].as_str().unwrap()));
    assert!(row["disk_free_root"].as_u64().unwrap() > 0);
    assert!(row["disk_free_docker"].as_u64().unwrap() > 0);
    assert!(row["load1"].as_f64().is_some());
    assert!(row["duration_ms"].as_u64().is_some());
    let calls = sshd.docker_calls();
    assert!(
        calls.contains("version --format {{.Server.Version}}"),
        "{calls}"
    );
    assert!(calls.contains("compose version --short"), "{calls}");

    // first use of the host key is audited, once, with the real fingerprint
    let audit = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    let learned: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["command"] == "host_key_learned")
        .collect();
    assert_eq!(learned.len(), 1, "one host:port, one learned key");
    assert_eq!(learned[0]["fields"]["fingerprint"], sshd.host_fingerprint());
    assert_eq!(learned[0]["fields"]["port"], sshd.port);
    assert!(audit.contains("\"command\":\"target check\""));
    assert!(env.root.join("known_hosts").exists());

    // the last result is kept for the console
    let checks: Value = serde_json::from_str(
        &std::fs::read_to_string(env.ctx_dir("c").join("checks.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(checks["targets"]["edge-b"]["status"], "ok");

    // docker failing stops the check at that step
    std::fs::write(sshd.docker_state.join("fail-docker"), "").unwrap();
    let (code, doc) = run_json(
        &env,
        &["--context", "c", "target", "check", "--target", "edge-a"],
    );
    assert_eq!(code, 1);
    let row = &doc["data"][0];
    assert_eq!(row["status"], "failed");
    assert_eq!(row["stage"], "docker");
    assert_eq!(row["ssh_ok"], true);
    assert_eq!(row["compose_ok"], false);
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .starts_with("docker check failed: Cannot connect")
    );
    let again = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    assert_eq!(again.matches("host_key_learned").count(), 1);
}

#[test]
fn target_check_reports_an_unreachable_port() {
    let sshd = Sshd::start();
    let env = cli_env(&sshd);
    add_ssh_target(&env, &sshd, "dead", free_port());
    let (code, doc) = run_json(
        &env,
        &[
            "--context",
            "c",
            "--connect-timeout",
            "2s",
            "target",
            "check",
            "--target",
            "dead",
        ],
    );
    assert_eq!(code, 1);
    let row = &doc["data"][0];
    assert_eq!(row["reachable"], false);
    assert_eq!(row["stage"], "tcp");
    assert_eq!(row["error_code"], "PAAS_SSH_CONNECT_FAILED");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .starts_with("network check failed")
    );
}

#[test]
fn target_check_on_a_local_target() {
    let sshd = Sshd::start();
    let env = cli_env(&sshd);
    env.ok_in(
        "c",
        &[
            "target",
            "add",
            "--name",
            "here",
            "--host",
            "localhost",
            "--user",
            "me",
            "--auth-method",
            "local",
        ],
    );
    let mut c = env.cmd();
    let path = format!(
        "{}:{}",
        sshd.fakebin.display(),
        std::env::var("PATH").unwrap()
    );
    c.env("PATH", path).args([
        "--json",
        "--context",
        "c",
        "target",
        "check",
        "--target",
        "here",
    ]);
    let o = c.output().unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["data"][0]["ssh_ok"], true);
    assert_eq!(doc["data"][0]["docker_ok"], true);
    assert_eq!(sshd.accepted(), 0, "local targets never use ssh");
}

fn statuses(doc: &Value) -> (String, String) {
    (
        doc["fanout_plan"].as_str().unwrap().to_string(),
        doc["target_statuses"].as_str().unwrap().to_string(),
    )
}

#[test]
fn target_exec_fan_out_strategies_with_a_failing_target() {
    let sshd = Sshd::start();
    let env = cli_env(&sshd);
    add_ssh_target(&env, &sshd, "a", sshd.port);
    add_ssh_target(&env, &sshd, "b", free_port()); // nothing listens: b fails
    add_ssh_target(&env, &sshd, "c", sshd.port);
    let exec = |extra: &[&str]| {
        let mut args = vec![
            "--context",
            "c",
            "--connect-timeout",
            "2s",
            "target",
            "exec",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "echo", "hello from $(hostname)"]);
        run_json(&env, &args)
    };

    let before = sshd.accepted();
    let (code, doc) = exec(&["--targets", "a,b,c"]);
    assert_eq!(code, 1);
    assert_eq!(
        statuses(&doc),
        (
            "serial(a);serial(b);serial(c)".into(),
            "a:ok,b:failed,c:skipped".into()
        )
    );
    assert_eq!(doc["error"]["code"], "PAAS_SSH_CONNECT_FAILED");
    assert_eq!(doc["error"]["target"], "b");
    assert_eq!(doc["data"][0]["exit_code"], 0);
    assert!(
        doc["data"][0]["output_tail"][0]
            .as_str()
            .unwrap()
            .starts_with("hello from ")
    );
    assert_eq!(sshd.accepted() - before, 1, "no SSH to the skipped target");

    let (_, doc) = exec(&[
        "--targets",
        "a,b,c",
        "--strategy",
        "rolling",
        "--max-parallel",
        "2",
    ]);
    assert_eq!(
        statuses(&doc),
        (
            "rolling(a+b);rolling(c)".into(),
            "a:ok,b:failed,c:skipped".into()
        )
    );

    let (_, doc) = exec(&[
        "--targets",
        "b,a,c",
        "--strategy",
        "canary",
        "--max-parallel",
        "2",
        "--continue-on-error",
    ]);
    assert_eq!(
        statuses(&doc),
        (
            "canary(b);rolling(a+c)".into(),
            "b:failed,a:skipped,c:skipped".into()
        )
    );

    let (code, doc) = exec(&[
        "--targets",
        "all",
        "--strategy",
        "parallel",
        "--max-parallel",
        "3",
        "--continue-on-error",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        statuses(&doc),
        ("parallel(a+b+c)".into(), "a:ok,b:failed,c:ok".into())
    );

    let (code, doc) = exec(&[
        "--targets",
        "a,c",
        "--strategy",
        "rolling",
        "--max-parallel",
        "2",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(statuses(&doc).1, "a:ok,c:ok");

    // a non-zero exit fails the target, with its status and output tail
    let (code, doc) = run_json(
        &env,
        &[
            "--context",
            "c",
            "target",
            "exec",
            "--targets",
            "a",
            "--",
            "echo before; exit 7",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["data"][0]["exit_code"], 7);
    assert_eq!(doc["data"][0]["output_tail"][0], "before");
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_COMMAND_FAILED");

    // exec is destructive: it is audited with the command, and needs an explicit context
    let audit = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    assert!(audit.contains("\"remote_command\":\"echo before; exit 7\""));
    env.ok(&["context", "use", "c"]);
    let (code, _) = run_json(&env, &["target", "exec", "--targets", "a", "--", "true"]);
    assert_eq!(code, 2);
}

#[test]
fn target_exec_streams_with_a_target_prefix() {
    let sshd = Sshd::start();
    let env = cli_env(&sshd);
    add_ssh_target(&env, &sshd, "edge-a", sshd.port);
    let mut c = env.cmd();
    c.env("PAASDECK_SSH_CONFIG", "/dev/null").args([
        "--context",
        "c",
        "target",
        "exec",
        "--targets",
        "edge-a",
        "--",
        "echo one; echo two >&2",
    ]);
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("edge-a | one\n"), "{out}");
    assert!(out.contains("target_statuses=edge-a:ok"), "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("edge-a | two\n"));
}

/// An open master says nothing about whether the host still accepts connections: with the
/// listener gone and the master kept, a check (the console's path: one pool for the session)
/// fails like the headless check does, and a command on the old master still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_proves_a_new_connection_not_a_reused_master() {
    use paasdeck::ops::target_check::check_target;
    let mut sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::new(options(dir.path()), None);
    let tgt = target(&sshd, "edge");
    let cancel = CancellationToken::new();
    let first = check_target(&pool, "c", &tgt, Duration::from_secs(30), None, &cancel).await;
    assert!(first.ok(), "{first:?}");
    let master = pool.get("c", &tgt).await.unwrap();
    // Stop the listener; the connection's own sshd process (the master) lives on.
    sshd.stop();
    let out = capture(
        master.as_ref(),
        ExecRequest::new("echo still-here"),
        CancellationToken::new(),
        5,
    )
    .await
    .unwrap();
    assert_eq!(out.stdout, vec!["still-here"], "the master must survive");
    let again = check_target(&pool, "c", &tgt, Duration::from_secs(30), None, &cancel).await;
    assert!(!again.ok(), "a stale master passed the check: {again:?}");
    let err = again.error.clone().unwrap_or_default();
    assert!(err.contains("Connection refused"), "{err}");
    pool.close_all().await;

    // Headless, at the same moment, says the same.
    let env = cli_env(&sshd);
    add_ssh_target(&env, &sshd, "edge", sshd.port);
    let (code, doc) = run_json(
        &env,
        &["--context", "c", "target", "check", "--target", "edge"],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert!(
        doc["data"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{doc:#}"
    );
}

/// `/proc/PID/stat`'s session id (the field after the parenthesised command name, 4th on).
fn session_of(pid: &str) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(3)?.parse().ok()
}

/// A master's `ssh` runs in a session of its own from its start, key exchange included (as
/// `parallel-ssh` runs each `ssh`): under CFS autogroups a fan-out then gets a share of the CPU
/// per connection instead of one share for the operator's whole terminal session, and the
/// terminal's signals never reach it. A `ProxyCommand` (a child of that `ssh`, run before it
/// goes to the background) records the session it runs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_runs_in_a_session_of_its_own() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("proxy-session");
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  ProxyCommand /bin/bash -c 'read -r _ _ _ _ _ sid _ < /proc/$$/stat; echo $sid > {}; exec 3<>/dev/tcp/%h/%p; cat <&3 & exec cat >&3'\n",
            seen.display()
        ),
    )
    .unwrap();
    let mut opts = options(dir.path());
    opts.config_file = Some(config);
    let pool = Pool::new(opts, None);
    let t = pool.get("c", &target(&sshd, "edge")).await.unwrap();
    let out = capture(
        t.as_ref(),
        ExecRequest::new("echo up"),
        CancellationToken::new(),
        5,
    )
    .await
    .unwrap();
    assert_eq!(out.stdout, ["up"]);
    let theirs: u32 = std::fs::read_to_string(&seen)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mine = session_of("self").unwrap();
    assert_ne!(
        theirs, mine,
        "the connection's ssh ran in the caller's session"
    );
    pool.close_all().await;
}

/// The console's repeat check within a minute reuses the open master and says so; the host's
/// listener is still proven (its banner read, no handshake), so a host that stopped accepting
/// connections fails the repeat check all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_check_reuses_a_recent_master_and_still_proves_the_listener() {
    use paasdeck::ops::target_check::{check_target, describe};
    let mut sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::new(options(dir.path()), None);
    let tgt = target(&sshd, "edge");
    let cancel = CancellationToken::new();
    let within = Some(Duration::from_secs(60));
    let first = check_target(&pool, "c", &tgt, Duration::from_secs(30), within, &cancel).await;
    assert!(first.ok(), "{first:?}");
    assert_eq!(first.reused_connection_s, None, "nothing to reuse yet");
    let again = check_target(&pool, "c", &tgt, Duration::from_secs(30), within, &cancel).await;
    assert!(again.ok(), "{again:?}");
    assert!(again.reused_connection_s.is_some(), "{again:?}");
    assert_eq!(
        sshd.accepted(),
        1,
        "the repeat check opened a new connection"
    );
    let said = describe(&again).join("\n");
    assert!(said.contains("reused the connection opened"), "{said}");
    // A window the master is older than: a new connection.
    let fresh = check_target(
        &pool,
        "c",
        &tgt,
        Duration::from_secs(30),
        Some(Duration::ZERO),
        &cancel,
    )
    .await;
    assert!(
        fresh.ok() && fresh.reused_connection_s.is_none(),
        "{fresh:?}"
    );
    assert_eq!(sshd.accepted(), 2);
    sshd.stop();
    let refused = check_target(&pool, "c", &tgt, Duration::from_secs(30), within, &cancel).await;
    assert!(
        !refused.ok(),
        "a reused master hid a host that refuses connections: {refused:?}"
    );
    let err = refused.error.clone().unwrap_or_default();
    assert!(err.contains("Connection refused"), "{err}");
    assert_eq!(refused.reachable, Some(false), "{refused:?}");
    pool.close_all().await;
}
