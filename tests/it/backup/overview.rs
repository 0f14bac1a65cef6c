//! The si paas overview's core operator flows, run as the overview writes them (with the global
//! `--context` of its command surface) against a real sshd: each prints one JSON document and
//! exits 0, the agent lifecycle's `agent list` (si's own verb is `agent status`) included.
//! Also `app reset`: the volume's data gone and the release running again, and a production
//! context refusing it without the context's name typed.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::site::{BACKUP_CMD, COMPOSE, RESTORE_CMD, run};
use crate::common::Env;
use crate::common::sshd::Sshd;

/// A context `ctx` of type `kind` with one target on a real sshd and the app `api` registered
/// with `--targets targets`, deployed and applied.
struct Demo {
    env: Env,
    sshd: Sshd,
    ctx: &'static str,
}

impl Demo {
    fn new(ctx: &'static str, kind: &str, targets: &str) -> Demo {
        let env = Env::new();
        env.init(ctx, kind);
        env.ok(&["vault", "keygen"]);
        let sshd = Sshd::start();
        env.add_sshd_target(ctx, "edge-a", &sshd);
        std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
        let remote = env.dir.path().join("remote");
        env.ok_in(
            ctx,
            &[
                "app",
                "add",
                "--name",
                "api",
                "--compose-file",
                "compose.yaml",
                "--targets",
                targets,
                "--remote-dir",
                remote.to_str().unwrap(),
                "--backup-cmd",
                BACKUP_CMD,
                "--restore-cmd",
                RESTORE_CMD,
            ],
        );
        let d = Demo { env, sshd, ctx };
        d.one_doc(&["deploy", "--app", "api", "--apply"]);
        d
    }

    /// `--json --context CTX ARGS`: exit 0 and exactly one JSON document on stdout.
    fn one_doc(&self, args: &[&str]) -> Value {
        let (code, doc, text) = run(&self.env, self.ctx, args);
        assert_eq!(code, 0, "{args:?}: {doc:#}\n{text}");
        doc
    }

    fn volumes(&self) -> PathBuf {
        self.sshd
            .docker_state
            .join("volumes")
            .join(format!("{}-api", self.ctx))
    }

    fn current_release(&self) -> String {
        self.one_doc(&["app", "status", "api"])["current_release"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn app_of(row: &Value) -> &str {
    row["fields"]["app"].as_str().unwrap_or_default()
}

#[test]
fn the_overviews_four_flows_run_as_written() {
    // Targets `all`: the backup picks the target the current release runs on.
    let d = Demo::new("shop", "production", "all");

    // 1. Validate platform state.
    let doctor = d.one_doc(&["doctor"]);
    assert_eq!(doctor["ok"], true, "{doctor:#}");
    let contexts = d.one_doc(&["context", "list"]);
    assert_eq!(contexts["count"], 1);
    let targets = d.one_doc(&["target", "list"]);
    assert_eq!(targets["data"][0]["name"], "edge-a", "{targets:#}");

    // 2. Deploy and observe.
    let plan = d.one_doc(&["deploy", "--app", "api"]);
    assert_eq!(plan["app"], "api");
    let logs = d.one_doc(&["logs", "--app", "api", "--tail", "200"]);
    assert_eq!(logs["ok"], true, "{logs:#}");
    let tail = d.one_doc(&["events", "tail", "--app", "api"]);
    assert_eq!(tail["app"], "api");
    let rows = tail["data"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["source"] == "deploy" && r["status"] == "succeeded"),
        "{tail:#}"
    );
    assert!(rows.iter().all(|r| app_of(r) == "api"), "{tail:#}");
    // Unfiltered, the context's other rows are there: the filter is what hid them.
    let all = d.one_doc(&["events", "tail", "-n", "50"]);
    assert!(
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["command"] == "target add"),
        "{all:#}"
    );
    let listed = d.one_doc(&["events", "list", "--app", "api"]);
    let rows = listed["data"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| app_of(r) == "api"),
        "{listed:#}"
    );

    // 3. Backup and restore readiness.
    let release = d.current_release();
    let backup = d.one_doc(&["backup", "run", "--app", "api"]);
    assert_eq!(backup["target"], "edge-a", "{backup:#}");
    assert_eq!(backup["backup"]["target"], "edge-a");
    let reason = backup["target_reason"].as_str().unwrap();
    assert!(
        reason.contains(&release) && reason.contains("runs on"),
        "{reason}"
    );
    let list = d.one_doc(&["backup", "list", "--app", "api"]);
    assert_eq!(list["count"], 1, "{list:#}");
    assert_eq!(list["data"][0]["id"], backup["backup"]["id"]);

    // 4. Agent lifecycle: `agent list` is the overview's spelling of si's `agent status`.
    d.one_doc(&["agent", "enable", "--name", "ops"]);
    let agents = d.one_doc(&["agent", "list"]);
    assert_eq!(agents["data"][0]["name"], "ops", "{agents:#}");
    assert_eq!(agents["data"], d.one_doc(&["agent", "status"])["data"]);
    let ran = d.one_doc(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(ran["ok"], true, "{ran:#}");
    let logs = d.one_doc(&["agent", "logs", "--name", "ops", "--tail", "50"]);
    assert!(logs["count"].as_u64().unwrap_or(0) >= 1, "{logs:#}");
}

#[test]
fn events_tail_follow_with_app_streams_only_that_apps_rows() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let mut child = env
        .cmd()
        .args([
            "--json",
            "--context",
            "c",
            "events",
            "tail",
            "--follow",
            "--app",
            "api",
            "-n",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The follower is running once the app's first row (written before it) is not printed and
    // a later one is; another app's row, written first, must never come through.
    let audit = env.ctx_dir("c").join("events/audit.jsonl");
    let write = |app: &str, n: u32| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&audit)
            .unwrap();
        let row = format!(
            "{{\"timestamp\":\"2026-01-01T00:00:0{n}Z\",\"context\":\"c\",\"source\":\"audit\",\"command\":\"row {n}\",\"status\":\"succeeded\",\"app\":\"{app}\"}}\n"
        );
        f.write_all(row.as_bytes()).unwrap();
    };
    let mut got = None;
    for n in 0..60 {
        write("web", n % 10);
        write("api", n % 10);
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
            got = Some(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = got.expect("no row of api within 30 s");
    let row: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(app_of(&row), "api", "{line}");
    let more: Vec<String> = lines.try_iter().collect();
    for l in more {
        let r: Value = serde_json::from_str(&l).unwrap();
        assert_eq!(app_of(&r), "api", "{l}");
    }
}

/// Data in the app's volume, as the app would have written it.
fn seed_volume(d: &Demo) -> PathBuf {
    let vol = d.volumes();
    assert!(vol.is_dir(), "the deploy created the project's volumes");
    let data = vol.join("pgdata");
    std::fs::write(&data, "rows of the old demo\n").unwrap();
    data
}

fn up_count(d: &Demo) -> usize {
    std::fs::read_to_string(d.sshd.docker_state.join("up-finished"))
        .unwrap_or_default()
        .lines()
        .count()
}

#[test]
fn app_reset_in_an_oss_demo_context_starts_the_release_on_fresh_volumes() {
    let d = Demo::new("demo", "oss-demo", "edge-a");
    let data = seed_volume(&d);
    let release = d.current_release();
    let ups = up_count(&d);

    let (code, doc, text) = run(&d.env, "demo", &["app", "reset", "--app", "api"]);
    assert_eq!(code, 2, "unconfirmed: {doc:#}\n{text}");
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("--yes")
    );
    assert!(data.exists(), "a refused reset touches nothing");
    // A deploy in progress (its lock held): the release could not be deployed again, so the
    // app is not taken down.
    d.one_doc(&[
        "deploy", "lock", "acquire", "--app", "api", "-m", "a deploy",
    ]);
    let (code, doc, text) = run(&d.env, "demo", &["app", "reset", "--app", "api", "--yes"]);
    assert_eq!(code, 1, "locked: {doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_DEPLOY_LOCKED", "{doc:#}");
    assert!(data.exists(), "a reset refused by the lock touches nothing");
    d.one_doc(&["deploy", "lock", "release", "--app", "api"]);

    let doc = d.one_doc(&["app", "reset", "--app", "api", "--yes"]);
    assert_eq!(doc["reset"]["down_targets"][0], "edge-a", "{doc:#}");
    assert_eq!(doc["reset"]["release"], release.as_str());
    assert_eq!(doc["recorded"], true);
    // The volume's data is gone; the project runs the same release again on a fresh volume.
    assert!(!data.exists(), "the old data survived the reset");
    assert!(d.volumes().is_dir());
    assert_eq!(up_count(&d), ups + 1);
    let svc = d.sshd.docker_state.join("projects/demo-api/svc-api");
    assert_eq!(std::fs::read_to_string(svc).unwrap().trim(), "healthy");
    assert_eq!(d.current_release(), release);
    let calls = std::fs::read_to_string(d.sshd.docker_state.join("calls.log")).unwrap();
    assert!(calls.contains("down -v --remove-orphans"), "{calls}");
    let audit = super::site::audit(&d.env, "demo");
    let row = audit
        .iter()
        .rev()
        .find(|r| r["command"] == "app reset")
        .unwrap();
    assert_eq!(row["status"], "succeeded", "{row:#}");
    assert_eq!(row["fields"]["app"], "api");
}

#[test]
fn app_reset_in_a_production_context_needs_the_context_name_typed() {
    let d = Demo::new("shop", "production", "edge-a");
    let data = seed_volume(&d);
    for args in [
        vec!["app", "reset", "--app", "api", "--yes"],
        vec![
            "app",
            "reset",
            "--app",
            "api",
            "--confirm-context",
            "shop-x",
        ],
    ] {
        let (code, doc, text) = run(&d.env, "shop", &args);
        assert_eq!(code, 2, "{args:?}: {doc:#}\n{text}");
        assert!(
            doc["error"]["remediation"]
                .as_str()
                .unwrap()
                .contains("--confirm-context shop"),
            "{doc:#}"
        );
        assert!(data.exists(), "a refused reset touches nothing");
    }
    let calls = std::fs::read_to_string(d.sshd.docker_state.join("calls.log")).unwrap();
    assert!(!calls.contains(" down "), "{calls}");

    d.one_doc(&["app", "reset", "--app", "api", "--confirm-context", "shop"]);
    assert!(!data.exists());
    assert!(d.volumes().is_dir());
}
