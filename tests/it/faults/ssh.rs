//! Fault replays: ssh. Damaged known_hosts lines against a rotated host key, a key added beside
//! a known one, a connection dropped or frozen in the middle of `compose up`, a failed apply
//! whose targets run something else than the record says, a missing or refused identity, zero
//! and sub-second timeouts, and a server that stalls after its banner — each against a real
//! loopback sshd.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::sshd::{Sshd, eventually, process_running};
use crate::common::{Env, stderr};

/// A context `c` with one SSH target `edge` on a loopback sshd.
struct Remote {
    env: Env,
    sshd: Sshd,
}

impl Remote {
    fn new() -> Remote {
        let env = Env::new();
        env.init("c", "oss-demo");
        let sshd = Sshd::start();
        let r = Remote { env, sshd };
        r.add_target("edge", r.sshd.client_key.to_str().unwrap());
        r
    }

    fn add_target(&self, name: &str, key: &str) {
        let (code, doc, text) = self.run(&[
            "target",
            "add",
            "--name",
            name,
            "--host",
            "127.0.0.1",
            "--port",
            &self.sshd.port.to_string(),
            "--user",
            &self.sshd.user,
            "--identity-file",
            key,
        ]);
        assert_eq!(code, 0, "{doc:#}\n{text}");
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = self.env.cmd();
        c.env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(["--json", "--context", "c"])
            .args(args);
        c
    }

    /// (exit code, the JSON document, stderr)
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let o = self.cmd(args).output().unwrap();
        parse(o)
    }

    fn check(&self) -> (i32, Value) {
        let (code, doc, _) = self.run(&["target", "check", "--target", "edge"]);
        (code, doc)
    }

    fn known_hosts(&self) -> PathBuf {
        self.env.root.join("known_hosts")
    }

    fn audit(&self) -> Vec<Value> {
        read_jsonl(&self.env.ctx_dir("c").join("events/audit.jsonl"))
    }

    fn learned(&self) -> Vec<Value> {
        self.audit()
            .into_iter()
            .filter(|r| r["command"] == "host_key_learned")
            .collect()
    }

    /// Registers the app `api` (no secrets referenced) with releases under the test dir.
    fn app(&self) -> PathBuf {
        let remote = self.env.dir.path().join("remote");
        std::fs::write(
            self.env.work.join("compose.yaml"),
            "services:\n  api:\n    image: example/api:{{paas.release}}\n",
        )
        .unwrap();
        let (code, doc, _) = self.run(&[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge",
            "--remote-dir",
            remote.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{doc:#}");
        remote
    }

    fn spawn_deploy(&self, extra: &[&str]) -> Child {
        let mut args = vec!["deploy", "--app", "api", "--apply"];
        args.extend_from_slice(extra);
        self.cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Waits until the fake docker's `compose up` started; on failure shows the deploy's
    /// output.
    fn wait_for_up(&self, child: Child) -> Child {
        if eventually(Duration::from_secs(30), || {
            !self.docker_file("up-started").is_empty()
        }) {
            return child;
        }
        let mut child = child;
        let _ = child.kill();
        let o = child.wait_with_output().unwrap();
        panic!(
            "compose up never started:\n{}\n{}\ncalls:\n{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(&o),
            self.sshd.docker_calls()
        );
    }

    fn deploy_events(&self) -> Vec<Value> {
        read_jsonl(&self.env.ctx_dir("c").join("events/deployments.jsonl"))
    }

    fn docker_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.sshd.docker_state.join(name)).unwrap_or_default()
    }
}

fn parse(o: std::process::Output) -> (i32, Value, String) {
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(&o)
        )
    });
    (o.status.code().unwrap_or(-1), doc, stderr(&o))
}

fn read_jsonl(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Learns the key, damages the host's line with `damage`, rotates the server's key: the
/// check must refuse, naming the file and line, and nothing may be re-learned.
fn damaged_line_refuses_a_rotated_key(damage: impl Fn(&str) -> String) {
    let mut r = Remote::new();
    let (code, doc) = r.check();
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(r.learned().len(), 1);
    let kh = r.known_hosts();
    let good = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(good.lines().count(), 1, "{good}");
    let damaged = damage(&good);
    assert_ne!(damaged, good);
    std::fs::write(&kh, &damaged).unwrap();
    r.sshd.rotate_host_key();

    let (code, doc) = r.check();
    assert_eq!(code, 1, "a damaged entry let a changed key in: {doc:#}");
    let row = &doc["data"][0];
    assert_eq!(row["error_code"], "PAAS_HOST_KEY_MISMATCH", "{doc:#}");
    let error = row["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("{}:1", kh.display())),
        "the error names the file and line: {error}"
    );
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        damaged,
        "known_hosts was rewritten"
    );
    assert_eq!(r.learned().len(), 1, "a key was learned silently");
}

#[test]
fn truncated_known_hosts_line_refuses_a_changed_key() {
    damaged_line_refuses_a_rotated_key(|good| good[..good.len() - 12].to_string());
}

#[test]
fn halved_known_hosts_line_refuses_a_changed_key() {
    damaged_line_refuses_a_rotated_key(|good| good[..good.len() / 2].to_string());
}

#[test]
fn flipped_base64_in_the_key_type_refuses_a_changed_key() {
    // "AAAAC3NzaC1lZDI1NTE5…": a flip inside the encoded key type makes the line unparsable.
    damaged_line_refuses_a_rotated_key(|good| {
        let at = good.find("AAAAC3Nza").unwrap() + 6;
        let mut b = good.as_bytes().to_vec();
        b[at] = if b[at] == b'N' { b'M' } else { b'N' };
        String::from_utf8(b).unwrap()
    });
}

#[test]
fn flipped_base64_in_the_key_bytes_refuses_a_changed_key() {
    // A flip in the key material still parses: OpenSSH's own mismatch check refuses it.
    damaged_line_refuses_a_rotated_key(|good| {
        let line = good.trim_end();
        let at = line.len() - 3;
        let mut b = good.as_bytes().to_vec();
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    });
}

#[test]
fn the_remediation_relearns_the_new_key_and_audits_it() {
    let mut r = Remote::new();
    assert_eq!(r.check().0, 0);
    let old = r.sshd.host_fingerprint();
    let kh = r.known_hosts();
    let good = std::fs::read_to_string(&kh).unwrap();
    std::fs::write(&kh, &good[..good.len() / 2]).unwrap();
    r.sshd.rotate_host_key();
    let (code, doc) = r.check();
    assert_eq!(code, 1, "{doc:#}");
    let hint = doc["data"][0]["error"].as_str().unwrap().to_string();
    assert!(hint.contains("is damaged"), "{hint}");
    // What the remediation says: remove the host's entries, connect again.
    let st = std::process::Command::new("ssh-keygen")
        .arg("-R")
        .arg(format!("[127.0.0.1]:{}", r.sshd.port))
        .arg("-f")
        .arg(&kh)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let (code, doc) = r.check();
    assert_eq!(code, 0, "{doc:#}");
    let learned = r.learned();
    assert_eq!(learned.len(), 2, "{learned:#?}");
    let new = r.sshd.host_fingerprint();
    assert_ne!(new, old);
    assert_eq!(learned[1]["fields"]["fingerprint"], new);
}

#[test]
fn a_known_key_of_another_type_is_refused_not_learned() {
    let r = Remote::new();
    // known_hosts holds an RSA key for the host; the server offers ed25519 only.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("rsa");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(st.success());
    let public = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let key: Vec<&str> = public.split_whitespace().take(2).collect();
    std::fs::create_dir_all(&r.env.root).unwrap();
    let line = format!("[127.0.0.1]:{} {}\n", r.sshd.port, key.join(" "));
    std::fs::write(r.known_hosts(), &line).unwrap();
    let (code, doc) = r.check();
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["data"][0]["error_code"], "PAAS_HOST_KEY_MISMATCH");
    assert_eq!(std::fs::read_to_string(r.known_hosts()).unwrap(), line);
    assert!(r.learned().is_empty());
}

#[test]
fn dropped_connection_mid_up_stops_the_remote_up() {
    let mut r = Remote::new();
    r.app();
    std::fs::write(r.sshd.docker_state.join("slow-up"), "19.37").unwrap();
    let child = r.wait_for_up(r.spawn_deploy(&["--apply-timeout", "60s"]));
    assert!(eventually(Duration::from_secs(30), || process_running(
        "sleep 19.37"
    )));
    r.sshd.kill_with_sessions();
    let (code, doc, text) = parse(child.wait_with_output().unwrap());
    assert_eq!(code, 1, "{doc:#}\n{text}");
    // The remote up dies with its session instead of finishing unrecorded.
    assert!(
        eventually(Duration::from_secs(30), || !process_running("sleep 19.37")),
        "the remote compose up outlived its session"
    );
    let docker = r.sshd.fakebin.join("docker").display().to_string();
    assert!(eventually(Duration::from_secs(30), || !process_running(
        &docker
    )));
    assert_eq!(r.docker_file("up-finished"), "", "compose up completed");
    assert!(!r.sshd.docker_state.join("projects/c-api").exists());
    let history = std::fs::read_to_string(r.env.ctx_dir("c").join("deployments.json"));
    assert!(
        history.map(|h| !h.contains("rel-")).unwrap_or(true),
        "recorded"
    );
    let last = r.deploy_events().pop().unwrap();
    assert_eq!(last["status"], "failed", "{last:#}");
    assert_eq!(last["unverified_targets"], "edge", "{last:#}");
}

#[test]
fn frozen_connection_fails_within_the_apply_timeout() {
    let r = Remote::new();
    r.app();
    std::fs::write(r.sshd.docker_state.join("slow-up"), "29.41").unwrap();
    let child = r.wait_for_up(r.spawn_deploy(&["--apply-timeout", "12s"]));
    assert!(r.sshd.signal_sessions("STOP") > 0);
    // The deploy ends on its own (a frozen session never would): the error says it was the
    // apply timeout that ended it. How long it took is not asserted.
    let out = child.wait_with_output();
    r.sshd.signal_sessions("KILL");
    let (code, doc, text) = parse(out.unwrap());
    assert_eq!(code, 1, "{doc:#}\n{text}");
    let e = &doc["error"];
    assert_eq!(e["code"], "PAAS_TIMEOUT", "{doc:#}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("may still be running on"), "{message}");
    assert!(
        message.contains("ran out of its apply timeout (12s)"),
        "{message}"
    );
    assert!(
        e["remediation"].as_str().unwrap().contains("pgrep -a -g"),
        "{e:#}"
    );
    // The dead session takes the remote up with it.
    assert!(eventually(Duration::from_secs(30), || !process_running(
        "sleep 29.41"
    )));
}

#[test]
fn failed_apply_records_where_targets_run() {
    let r = Remote::new();
    r.app();
    std::fs::write(
        r.env.work.join("compose.yaml"),
        "services:\n  api:\n    image: example/api:unhealthy\n",
    )
    .unwrap();
    let (code, doc, _) = r.run(&[
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "3s",
        "--rollback-on-failure=false",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    let release = doc["release"].as_str().unwrap().to_string();
    assert_eq!(
        doc["drifted_targets"],
        serde_json::json!(["edge"]),
        "{doc:#}"
    );
    let last = r.deploy_events().pop().unwrap();
    assert_eq!(last["status"], "failed");
    assert_eq!(last["remote_current"]["edge"], release, "{last:#}");
    assert_eq!(last["drifted_targets"], "edge");
    assert_eq!(last["unverified_targets"], "");
}

#[test]
fn missing_identity_file_is_named_before_connecting() {
    let r = Remote::new();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("gone_ed25519");
    std::fs::copy(&r.sshd.client_key, &key).unwrap();
    r.add_target("gone", key.to_str().unwrap());
    std::fs::remove_file(&key).unwrap();
    let connections = r.sshd.log().matches("Connection from").count();
    let (code, doc, _) = r.run(&["target", "check", "--target", "gone"]);
    assert_eq!(code, 1, "{doc:#}");
    let row = &doc["data"][0];
    assert_eq!(row["error_code"], "PAAS_SSH_AUTH_FAILED", "{doc:#}");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains(&key.display().to_string()),
        "{row:#}"
    );
    assert_eq!(
        r.sshd.log().matches("Connection from").count(),
        connections,
        "it connected anyway"
    );
    // The deploy path says the same, with the remediation.
    r.app();
    let (code, doc, _) = r.run(&["deploy", "--app", "api", "--targets", "gone", "--apply"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_SSH_AUTH_FAILED", "{doc:#}");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(hint.contains("--identity-file"), "{hint}");
    assert!(hint.contains("target add --name gone"), "{hint}");
}

#[test]
fn a_refused_key_is_an_auth_failure() {
    let r = Remote::new();
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    assert!(st.success());
    r.add_target("stranger", stranger.to_str().unwrap());
    let (code, doc, _) = r.run(&["target", "check", "--target", "stranger"]);
    assert_eq!(code, 1, "{doc:#}");
    let row = &doc["data"][0];
    assert_eq!(row["error_code"], "PAAS_SSH_AUTH_FAILED", "{doc:#}");
    let error = row["error"].as_str().unwrap();
    assert!(error.contains("Permission denied (publickey"), "{error}");
    assert!(error.contains(&stranger.display().to_string()), "{error}");
}

#[test]
fn zero_timeouts_are_usage_errors() {
    let env = Env::new();
    env.init("c", "oss-demo");
    for (args, flag) in [
        (
            vec!["target", "check", "--all", "--timeout", "0s"],
            "--timeout",
        ),
        (
            vec![
                "target",
                "exec",
                "--targets",
                "all",
                "--timeout",
                "0s",
                "--",
                "true",
            ],
            "--timeout",
        ),
        (
            vec!["deploy", "--app", "api", "--health-timeout", "0s"],
            "--health-timeout",
        ),
        (
            vec!["deploy", "--app", "api", "--apply-timeout", "0ms"],
            "--apply-timeout",
        ),
        (
            vec!["rollback", "--app", "api", "--apply-timeout", "0s"],
            "--apply-timeout",
        ),
        (
            vec!["target", "list", "--connect-timeout", "0s"],
            "--connect-timeout",
        ),
        (
            vec!["target", "list", "--connect-timeout", "1ms"],
            "--connect-timeout",
        ),
        (
            vec!["target", "list", "--connect-timeout", "999ms"],
            "--connect-timeout",
        ),
    ] {
        let mut all = vec!["--context", "c"];
        all.extend_from_slice(&args);
        let o = env.run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{args:?}: {}", stderr(&o));
        let (code, doc) = env.json(&all);
        assert_eq!(code, 2);
        assert_eq!(doc["error"]["code"], "PAAS_INVALID_ARGUMENT", "{doc:#}");
        assert!(doc["error"]["message"].as_str().unwrap().contains(flag));
    }
    let o = env.run(&[
        "--context",
        "c",
        "target",
        "list",
        "--connect-timeout",
        "1500ms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn sub_second_timeouts_are_honoured() {
    let env = Env::new();
    env.init("c", "oss-demo");
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
    let started = Instant::now();
    let (code, doc) = env.json_in(
        "c",
        &[
            "target",
            "exec",
            "--targets",
            "here",
            "--timeout",
            "400ms",
            "--",
            "sleep",
            "86.1",
        ],
    );
    assert_eq!(code, 1, "{doc:#}");
    // The remote sleep would have run 86.1 s: ending well before it (a generous bound, not a
    // latency) shows the timeout cut it rather than waited for it.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(doc["error"]["code"], "PAAS_TIMEOUT", "{doc:#}");
    assert!(eventually(Duration::from_secs(30), || !process_running(
        "sleep 86.1"
    )));
}

#[test]
fn the_connection_set_up_is_bounded_by_the_connect_timeout() {
    // A server that sends its banner, then never answers the key exchange.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut s in listener.incoming().flatten() {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 stalled\r\n");
            held.push(s);
        }
    });
    let env = Env::new();
    env.init("c", "oss-demo");
    env.ok_in(
        "c",
        &[
            "target",
            "add",
            "--name",
            "stalled",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--user",
            "nobody",
        ],
    );
    // The check ends on its own (the stalled server never would answer); how long it took is
    // not asserted: the error names the bound that ended it.
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args([
            "--json",
            "--context",
            "c",
            "--connect-timeout",
            "1s",
            "target",
            "check",
            "--target",
            "stalled",
        ])
        .output()
        .unwrap();
    let (code, doc, _) = parse(o);
    assert_eq!(code, 1, "{doc:#}");
    let error = doc["data"][0]["error"].as_str().unwrap();
    assert!(error.contains("no answer within 3s"), "{error}");
}
