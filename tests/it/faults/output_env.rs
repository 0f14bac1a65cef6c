//! Remote tools that print the `.env` paasdeck streamed to them, over a real loopback sshd with
//! the fake docker: a failing `compose up`, a failing health command (with the automatic
//! rollback), an explicit rollback, `logs` of an app that prints its environment, `target exec`
//! reading the file, and the console's task logs. The values, their base64 and their `.env`
//! escapes end up in no output, no state file, no event, no log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use paasdeck::ops::deploy::{self, Common, DeploySpec, Executor, TargetReport, Work};
use paasdeck::remote::BoxFuture;
use paasdeck::remote::fanout::Outcome;
use paasdeck::remote::pool::Pool;
use paasdeck::remote::ssh::SshOptions;
use paasdeck::state::StateRoot;
use paasdeck::tasks::{TaskMeta, TaskRunner};
use serde_json::Value;

use crate::common::sshd::Sshd;
use crate::common::{Env, stderr, stdout, walk};

const COMPOSE: &str = "services:\n  api:\n    image: example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      API_TOKEN: ${API_TOKEN}\n";
/// A global value, written single-quoted into `.env`.
const DB_URL: &str = "postgres://shop:Pg-S3cret-9f3a@db:5432/shop";
/// A per-target value with a quote and a `$`: written double-quoted with `$$` into `.env`.
const TOKEN: &str = "tok-it's-7Hq2$xLm9Zr";

struct Site {
    env: Env,
    sshd: Sshd,
    remote: PathBuf,
    /// stdout and stderr of every command run.
    seen: String,
}

impl Site {
    fn new() -> Site {
        let env = Env::new();
        env.init("shop", "production");
        let sshd = Sshd::start();
        env.add_sshd_target("shop", "edge-a", &sshd);
        let remote = env.dir.path().join("remote");
        std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
        env.ok_in(
            "shop",
            &[
                "app",
                "add",
                "--name",
                "api",
                "--compose-file",
                "compose.yaml",
                "--targets",
                "edge-a",
                "--remote-dir",
                remote.to_str().unwrap(),
            ],
        );
        env.ok(&["vault", "keygen"]);
        for (name, target, value) in [
            ("DATABASE_URL", None, DB_URL),
            ("API_TOKEN", Some("edge-a"), TOKEN),
        ] {
            let mut args = vec![
                "--context",
                "shop",
                "secret",
                "set",
                "--app",
                "api",
                "--name",
                name,
            ];
            if let Some(t) = target {
                args.extend(["--target", t]);
            }
            let o = env.run_stdin(&args, value);
            assert!(o.status.success(), "{}", stderr(&o));
        }
        Site {
            env,
            sshd,
            remote,
            seen: String::new(),
        }
    }

    /// Runs in text mode and with `--json`; returns both exit codes and the JSON document.
    fn both(&mut self, args: &[&str]) -> (i32, i32, Value) {
        let mut text = vec!["--context", "shop"];
        text.extend_from_slice(args);
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(&text)
            .output()
            .unwrap();
        self.seen += &(stdout(&o) + &stderr(&o));
        let text_code = o.status.code().unwrap();
        let mut json = vec!["--json"];
        json.extend(text);
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(&json)
            .output()
            .unwrap();
        self.seen += &(stdout(&o) + &stderr(&o));
        let doc = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}{}", stdout(&o), stderr(&o)));
        (text_code, o.status.code().unwrap(), doc)
    }

    fn switch(&self, name: &str, on: bool) {
        let p = self.sshd.docker_state.join(name);
        if on {
            std::fs::write(p, "").unwrap();
        } else {
            let _ = std::fs::remove_file(p);
        }
    }

    fn app_dir(&self) -> PathBuf {
        self.remote.join("shop/api")
    }

    /// Every state file but the vault, and the whole XDG state dir (the tracing log).
    fn stored(&self) -> String {
        let mut s = String::new();
        for f in walk(&self.env.root) {
            if f.components().any(|c| c.as_os_str() == "vault") {
                continue;
            }
            s.push_str(&String::from_utf8_lossy(
                &std::fs::read(&f).unwrap_or_default(),
            ));
            s.push('\n');
        }
        s + &Env::all_text_under(&self.env.home.join(".local/state"))
    }
}

/// The ways a value can be read back from text: as it is, as `.env` escapes it, in base64
/// alone or after `echo`, and anywhere inside a base64 run (decoded at every alignment).
fn leaks(haystack: &str) -> Vec<String> {
    let mut found = Vec::new();
    let b64 = base64::engine::general_purpose::STANDARD;
    let decoded = decoded_runs(haystack);
    for v in [DB_URL, TOKEN] {
        let forms = [
            v.to_string(),
            v.replace('$', "$$"),
            b64.encode(v),
            b64.encode(format!("{v}\n")),
        ];
        for f in forms {
            if haystack.contains(&f) {
                found.push(format!("{v:?} as {f:?}"));
            }
        }
        if decoded.contains(v) {
            found.push(format!("{v:?} inside a base64 run"));
        }
    }
    found
}

fn decoded_runs(text: &str) -> String {
    let mut out = String::new();
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
    for run in text.split(|c: char| !is_b64(c)).filter(|r| r.len() >= 8) {
        let run = run.trim_end_matches('=');
        for start in 0..4.min(run.len()) {
            let chunk = &run[start..];
            let chunk = &chunk[..chunk.len() / 4 * 4];
            if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(chunk) {
                out.push_str(&String::from_utf8_lossy(&b));
                out.push('\n');
            }
        }
    }
    out
}

fn release_env(app_dir: &Path, release: &str) -> String {
    std::fs::read_to_string(app_dir.join("releases").join(release).join(".env")).unwrap()
}

#[test]
fn remote_output_echoing_the_env_leaves_no_value_anywhere() {
    let mut site = Site::new();
    // Two good releases: a rollback candidate and a previous release.
    let (_, code, first) = site.both(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{first:#}");

    // 1. `compose up` prints the .env (as is and in base64), then fails.
    site.switch("fail-up-echo-env", true);
    let (text_code, code, doc) = site.both(&["deploy", "--app", "api", "--apply"]);
    assert_eq!((text_code, code), (1, 1), "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_APPLY_FAILED", "{doc:#}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("<redacted>"),
        "the tail is there, cleaned: {message}"
    );
    // Positive control: the remote .env really holds the values the tool printed.
    let failed_release = doc["release"].as_str().unwrap();
    let dotenv = release_env(&site.app_dir(), failed_release);
    assert!(
        dotenv.contains(DB_URL) && dotenv.contains(&TOKEN.replace('$', "$$")),
        "{dotenv}"
    );
    assert!(site.sshd.docker_calls().contains("up -d"));

    // 2. An explicit rollback (to the first release) whose `up` prints that release's .env.
    site.switch("fail-up-echo-env", false);
    let (_, code, second) = site.both(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{second:#}");
    site.switch("fail-up-echo-env", true);
    let (text_code, code, doc) = site.both(&["rollback", "--app", "api", "--apply"]);
    assert_eq!((text_code, code), (1, 1), "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_APPLY_FAILED", "{doc:#}");
    assert_ne!(doc["release"], second["release"], "{doc:#}");
    site.switch("fail-up-echo-env", false);

    // 3. A health command that prints the .env and fails; the automatic rollback succeeds.
    let (text_code, code, doc) = site.both(&[
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "3s",
        "--health-cmd",
        "cat .env; base64 -w0 .env; echo; exit 1",
    ]);
    assert_eq!((text_code, code), (1, 1), "{doc:#}");
    assert_eq!(doc["data"][0]["status"], "rolled_back", "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("<redacted>"),
        "{doc:#}"
    );

    // 4. Logs of an app that prints its environment.
    site.switch("logs-echo-env", true);
    let (text_code, code, doc) = site.both(&["logs", "--app", "api"]);
    assert_eq!((text_code, code), (0, 0), "{doc:#}");
    let lines = doc["data"][0]["lines"].to_string();
    assert!(
        lines.contains("<redacted>") && lines.contains("listening"),
        "{lines}"
    );

    // 5. An ad-hoc command reading the file, plainly and encoded.
    let current = site.app_dir().join("current/.env");
    let cmd = format!("cat {0}; base64 -w0 {0}; echo", current.display());
    let (text_code, code, doc) = site.both(&["target", "exec", "--targets", "edge-a", "--", &cmd]);
    assert_eq!((text_code, code), (0, 0), "{doc:#}");
    assert!(
        doc["data"][0]["output_tail"]
            .to_string()
            .contains("<redacted>"),
        "{doc:#}"
    );

    let leaked = leaks(&site.seen);
    assert!(leaked.is_empty(), "output leaks {leaked:?}:\n{}", site.seen);
    let stored = site.stored();
    assert!(
        stored.contains("PAAS_REMOTE_APPLY_FAILED"),
        "the failures were recorded"
    );
    let leaked = leaks(&stored);
    assert!(leaked.is_empty(), "state, events or logs leak {leaked:?}");
    // Positive control for the checker itself: the remote side holds what was hidden.
    assert!(!leaks(&release_env(&site.app_dir(), failed_release)).is_empty());
}

/// Runs each target's work as a task on a [`TaskRunner`], as the console does: the task log
/// is what its log pane shows.
struct Tasks(TaskRunner);

impl Executor for Tasks {
    fn run(&self, target: &str, work: Work) -> BoxFuture<'static, Outcome<TargetReport>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let meta = TaskMeta {
            title: format!("{target}: deploy"),
            context: "shop".into(),
            target: Some(target.into()),
        };
        self.0.spawn(meta, move |ctx| async move {
            let outcome = work(ctx.sink.clone(), ctx.cancel.clone()).await;
            let summary = format!("{}: {}", outcome.target, outcome.status.as_str());
            let _ = tx.send(outcome);
            Ok(summary)
        });
        Box::pin(async move { rx.await.expect("the task reports its outcome") })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_task_logs_hold_no_streamed_value() {
    let site = Site::new();
    site.switch("fail-up-echo-env", true);
    // The deploy runs in this process: point the identity lookup at the test's key (the other
    // tests of this binary run the real binary with a cleared environment).
    let identity = site.env.home.join(".config/paasdeck/identity.txt");
    assert!(
        identity.is_file(),
        "vault keygen wrote {}",
        identity.display()
    );
    unsafe { std::env::set_var("SI_VAULT_IDENTITY_FILE", &identity) };
    let root = StateRoot::at(&site.env.root);
    let cd = root.context("shop").unwrap();
    let spec = DeploySpec {
        common: Common::new("api"),
        compose_file: None,
        rollback_on_failure: true,
    };
    let plan = deploy::plan_deploy(&cd, &spec).unwrap();
    let opts = SshOptions {
        known_hosts: root.known_hosts(),
        connect_timeout: Duration::from_secs(30),
        config_file: Some("/dev/null".into()),
        control_dir: std::env::temp_dir(),
        default_identity: None,
    };
    let pool = Arc::new(Pool::new(opts, None));
    let runner = TaskRunner::default();
    let applied = deploy::apply(
        pool.clone(),
        &root,
        Arc::new(plan),
        &Tasks(runner.clone()),
        "tester",
    )
    .await
    .unwrap();
    pool.close_all().await;
    let error = applied.error.expect("the deploy failed");
    let mut pane = String::new();
    for t in runner.tasks() {
        t.with_log(|l| {
            l.lines().for_each(|line| {
                pane.push_str(&line.text);
                pane.push('\n');
            })
        });
    }
    assert!(
        pane.contains("<redacted>"),
        "the .env lines reached the pane, cleaned:\n{pane}"
    );
    let leaked = leaks(&format!("{pane}\n{}", error.message));
    assert!(leaked.is_empty(), "the task log leaks {leaked:?}:\n{pane}");
}

#[test]
fn a_failed_deploy_row_keeps_the_cleaned_tail_of_the_remote_output() {
    let mut site = Site::new();
    let (_, code, first) = site.both(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{first:#}");
    // `compose up` prints the .env (values as they are and in base64), then fails saying why.
    site.switch("fail-up-echo-env", true);
    let (_, code, doc) = site.both(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 1, "{doc:#}");
    let rows: Vec<Value> =
        std::fs::read_to_string(site.env.ctx_dir("shop").join("events/deployments.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let row = rows.iter().rev().find(|r| r["status"] == "failed").unwrap();
    let tail = row["output_tail"].as_str().unwrap_or_default();
    assert!(
        tail.contains("Error response from daemon: invalid environment"),
        "{row:#}"
    );
    assert!(
        tail.contains("DATABASE_URL=") && tail.contains("<redacted>"),
        "{tail}"
    );
    assert!(tail.lines().count() <= 20 && tail.len() <= 4096, "{tail}");
    assert_eq!(leaks(tail), Vec::<String>::new(), "{tail}");
    // the successful deploy's row carries no tail
    let ok = rows.iter().find(|r| r["status"] == "succeeded").unwrap();
    assert!(ok.get("output_tail").is_none(), "{ok:#}");
}
