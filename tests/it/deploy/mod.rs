//! Deploy, rollback and logs over real loopback sshds, with a fake `docker` on each target's
//! PATH that records every invocation, keeps container state, and can be told to fail.

use crate::common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::sshd::Sshd;
use common::{Env, stderr, stdout};
use serde_json::Value;
use sha2::{Digest, Sha256};

const COMPOSE: &str = "services:\n  api:\n    image: example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      API_TOKEN: ${API_TOKEN}\n      APP: ${SI_PAAS_APP}\n  worker:\n    image: example/worker:1\n";

struct Site {
    env: Env,
    sshds: Vec<Sshd>,
    remote: PathBuf,
}

impl Site {
    /// A `shop` context with one target per sshd (edge-a, edge-b, …) and the app `api`.
    fn new(targets: usize) -> Site {
        Site::of_type(targets, "production")
    }

    /// The same site in a context of this type.
    fn of_type(targets: usize, kind: &str) -> Site {
        let env = Env::new();
        env.init("shop", kind);
        env.ok(&["vault", "keygen"]);
        let sshds: Vec<Sshd> = (0..targets).map(|_| Sshd::start()).collect();
        for (i, s) in sshds.iter().enumerate() {
            let name = format!("edge-{}", (b'a' + i as u8) as char);
            env.add_sshd_target("shop", &name, s);
        }
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
        let site = Site { env, sshds, remote };
        // The compose file needs both without a default: an operator sets them before deploying.
        site.secret("DATABASE_URL", None, "postgres://db/shop-default");
        site.secret("API_TOKEN", None, "tok-default");
        site
    }

    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all = vec!["--json", "--context", "shop"];
        all.extend_from_slice(args);
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(&all)
            .output()
            .unwrap();
        let text = stdout(&o) + &stderr(&o);
        let doc: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"));
        (o.status.code().unwrap(), doc, text)
    }

    fn secret(&self, name: &str, target: Option<&str>, value: &str) {
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
            args.extend_from_slice(&["--target", t]);
        }
        let o = self.env.run_stdin(&args, value);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    fn deploy(&self, extra: &[&str]) -> (i32, Value, String) {
        let mut args = vec!["deploy", "--app", "api"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn app_dir(&self) -> PathBuf {
        self.remote.join("shop").join("api")
    }

    fn history(&self) -> Value {
        match std::fs::read_to_string(self.env.ctx_dir("shop").join("deployments.json")) {
            Ok(text) => serde_json::from_str::<Value>(&text).unwrap()["apps"]["api"].clone(),
            Err(_) => Value::Null,
        }
    }

    /// The release the fake docker's `shop-api` project runs on a target.
    fn running(&self, i: usize) -> Option<String> {
        std::fs::read_to_string(self.sshds[i].docker_state.join("projects/shop-api/release"))
            .ok()
            .map(|s| s.trim().to_string())
    }

    fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(self.env.ctx_dir("shop").join("events/deployments.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn release_of(doc: &Value) -> String {
    doc["release"].as_str().unwrap().to_string()
}

#[test]
fn plan_only_deploy_touches_no_target() {
    let site = Site::new(1);
    let (code, doc, _) = site.deploy(&[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["apply"], false);
    let rel = release_of(&doc);
    assert!(
        rel.starts_with("rel-") && rel.len() == "rel-20260101T000000-000000000".len(),
        "{rel}"
    );
    assert_eq!(doc["fanout_plan"], "serial(edge-a)");
    assert_eq!(doc["project"], "shop-api");
    assert!(doc["rollback_candidate"].is_null());
    assert_eq!(
        doc["env_keys"],
        serde_json::json!(["API_TOKEN", "DATABASE_URL"])
    );
    let commands = doc["commands"].as_array().unwrap();
    assert!(commands.iter().any(|c| {
        c.as_str()
            .unwrap()
            .contains("docker compose -p 'shop-api' -f compose.yaml up -d --remove-orphans")
    }));
    // the bundle: magic variables resolved, digest recorded, no .env
    let dir = PathBuf::from(doc["bundle_dir"].as_str().unwrap());
    let compose = std::fs::read_to_string(dir.join("compose.yaml")).unwrap();
    assert!(
        compose.contains(&format!("image: example/api:{rel}")) && compose.contains("APP: api"),
        "{compose}"
    );
    assert!(compose.contains("${DATABASE_URL}"));
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("release.json")).unwrap()).unwrap();
    let digest: String = Sha256::digest(compose.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(meta["compose_sha256"], digest);
    assert_eq!(meta["release_id"], rel);
    assert_eq!(
        std::fs::read_to_string(dir.join("compose.files")).unwrap(),
        "compose.yaml\n"
    );
    assert!(!dir.join(".env").exists());
    // nothing remote happened
    assert_eq!(site.sshds[0].accepted(), 0);
    assert!(site.sshds[0].docker_calls().is_empty());
    assert!(!site.remote.exists());
    assert_eq!(site.events().last().unwrap()["status"], "planned");
}

#[test]
fn deploy_applies_records_history_and_replaces_containers() {
    let site = Site::new(1);
    site.secret("DATABASE_URL", None, "postgres://db/shop");
    site.secret("API_TOKEN", Some("edge-a"), "tok-edge-a-Secret");
    site.secret("UNUSED_SECRET", None, "never-sent");
    let (code, doc, text) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{doc:#}");
    let rel1 = release_of(&doc);
    assert_eq!(doc["target_statuses"], "edge-a:ok");
    assert_eq!(doc["recorded"], true);
    assert!(!text.contains("tok-edge-a-Secret") && !text.contains("postgres://db/shop"));
    let h = site.history();
    assert_eq!(h["current_release"], rel1);
    // si's meaning: the directory that holds the release directories
    assert_eq!(
        h["current_remote_dir"],
        site.app_dir().join("releases").to_str().unwrap()
    );

    let rel_dir = site.app_dir().join("releases").join(&rel1);
    assert!(rel_dir.join("compose.yaml").exists() && rel_dir.join("release.json").exists());
    assert_eq!(
        std::fs::read_link(site.app_dir().join("current")).unwrap(),
        PathBuf::from(format!("releases/{rel1}"))
    );
    // the .env: 0600, only the referenced variables, the target's own value winning
    let env_file = rel_dir.join(".env");
    assert_eq!(
        std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let dotenv = std::fs::read_to_string(&env_file).unwrap();
    assert_eq!(
        dotenv,
        "COMPOSE_PROJECT_NAME='shop-api'\nAPI_TOKEN='tok-edge-a-Secret'\nDATABASE_URL='postgres://db/shop'\n"
    );
    // docker compose ran in the release directory under the stable project
    let calls = site.sshds[0].docker_calls();
    let rel_dir_s = rel_dir.to_str().unwrap();
    assert!(
        calls.contains(&format!(
            "{rel_dir_s}\tcompose -p shop-api -f compose.yaml pull"
        )),
        "{calls}"
    );
    assert!(
        calls.contains(&format!(
            "{rel_dir_s}\tcompose -p shop-api -f compose.yaml up -d --remove-orphans"
        )),
        "{calls}"
    );
    assert_eq!(site.running(0).unwrap(), rel1);

    // a second deploy replaces the first release's containers: same project, new release
    std::thread::sleep(Duration::from_millis(5));
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{doc:#}");
    let rel2 = release_of(&doc);
    assert_ne!(rel1, rel2);
    assert_eq!(doc["rollback_candidate"], rel1);
    assert_eq!(site.running(0).unwrap(), rel2);
    let projects: Vec<_> = std::fs::read_dir(site.sshds[0].docker_state.join("projects"))
        .unwrap()
        .collect();
    assert_eq!(projects.len(), 1, "one compose project per context and app");
    assert_eq!(site.history()["history"], serde_json::json!([rel1, rel2]));
    let ev = site.events();
    let last = ev.last().unwrap();
    for (k, v) in [
        ("source", "deploy"),
        ("command", "deploy"),
        ("status", "succeeded"),
        ("app", "api"),
        ("target_statuses", "edge-a:ok"),
        ("fanout_plan", "serial(edge-a)"),
    ] {
        assert_eq!(last[k], v, "{last}");
    }
    assert_eq!(last["release"], rel2);
    assert!(last["operator"].as_str().unwrap().contains('@'));
    // the Events view shows them as deploy rows
    let (_, listed, _) = site.run(&["events", "list", "--source", "deploy"]);
    assert!(listed["count"].as_u64().unwrap() >= 2);
}

#[test]
fn health_failure_rolls_back_to_the_last_good_release() {
    let site = Site::new(1);
    // the very first release has nothing to fall back to
    std::fs::write(
        site.env.work.join("compose.yaml"),
        COMPOSE.replace("example/worker:1", "example/worker:unhealthy"),
    )
    .unwrap();
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "3s"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_ROLLBACK_RESOLVE_FAILED");
    assert!(site.history().is_null(), "nothing recorded");

    std::fs::write(site.env.work.join("compose.yaml"), COMPOSE).unwrap();
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{doc:#}");
    let good = release_of(&doc);

    std::fs::write(
        site.env.work.join("compose.yaml"),
        COMPOSE.replace("example/worker:1", "example/worker:unhealthy"),
    )
    .unwrap();
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "3s"]);
    assert_eq!(code, 1, "{doc:#}");
    let bad = release_of(&doc);
    assert_eq!(doc["rollback_candidate"], good);
    assert_eq!(doc["target_statuses"], "edge-a:rolled_back");
    assert_eq!(doc["error"]["code"], "PAAS_HEALTH_CHECK_FAILED");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("rolled back to {good}"))
    );
    assert_eq!(doc["data"][0]["rolled_back_to"], good);
    assert!(doc["data"][0]["health_probes"].as_u64().is_some());
    assert_eq!(
        site.running(0).unwrap(),
        good,
        "the good release runs again"
    );
    assert_eq!(
        std::fs::read_link(site.app_dir().join("current")).unwrap(),
        PathBuf::from(format!("releases/{good}"))
    );
    assert_eq!(
        site.history()["current_release"],
        good,
        "the failed release is not recorded"
    );
    let last = site.events().last().unwrap().clone();
    assert_eq!(last["status"], "failed");
    assert_eq!(last["release"], bad);
    assert_eq!(last["error_code"], "PAAS_HEALTH_CHECK_FAILED");
    assert_eq!(last["rolled_back_targets"], "edge-a");
}

#[test]
fn canary_failure_stops_the_rest() {
    let site = Site::new(3);
    std::fs::write(site.sshds[0].docker_state.join("fail-up"), "").unwrap();
    let (code, doc, _) = site.deploy(&[
        "--apply",
        "--targets",
        "all",
        "--strategy",
        "canary",
        "--max-parallel",
        "2",
        "--continue-on-error",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["fanout_plan"], "canary(edge-a);rolling(edge-b+edge-c)");
    assert_eq!(
        doc["target_statuses"],
        "edge-a:failed,edge-b:skipped,edge-c:skipped"
    );
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_APPLY_FAILED");
    assert_eq!(doc["error"]["stage"], "remote_apply");
    for i in [1, 2] {
        assert_eq!(site.sshds[i].accepted(), 0, "no SSH to a skipped target");
        assert!(site.running(i).is_none());
    }
}

#[test]
fn rolling_with_max_parallel_two_over_three_targets() {
    let site = Site::new(3);
    let (code, doc, _) = site.deploy(&[
        "--apply",
        "--targets",
        "edge-a,edge-b,edge-c",
        "--strategy",
        "rolling",
        "--max-parallel",
        "2",
        "--health-timeout",
        "30s",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["fanout_plan"], "rolling(edge-a+edge-b);rolling(edge-c)");
    assert_eq!(doc["target_statuses"], "edge-a:ok,edge-b:ok,edge-c:ok");
    let rel = release_of(&doc);
    for i in 0..3 {
        assert_eq!(site.running(i).as_deref(), Some(rel.as_str()));
    }
}

#[test]
fn rollback_to_the_previous_and_to_a_named_release() {
    let site = Site::new(1);
    let mut rels = Vec::new();
    for _ in 0..3 {
        let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "30s"]);
        assert_eq!(code, 0, "{doc:#}");
        rels.push(release_of(&doc));
        std::thread::sleep(Duration::from_millis(5));
    }
    // plan first: from → to, nothing applied
    let (code, doc, _) = site.run(&["rollback", "--app", "api"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["from_release"], rels[2]);
    assert_eq!(doc["release"], rels[1]);
    assert_eq!(site.running(0).unwrap(), rels[2]);

    let (code, doc, _) = site.run(&[
        "rollback",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "30s",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["target_statuses"], "edge-a:ok");
    assert_eq!(site.running(0).unwrap(), rels[1]);
    assert_eq!(site.history()["current_release"], rels[1]);

    let (code, doc, _) = site.run(&[
        "rollback",
        "--app",
        "api",
        "--to-release",
        &rels[0],
        "--apply",
        "--health-timeout",
        "30s",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(site.running(0).unwrap(), rels[0]);
    assert_eq!(
        std::fs::read_link(site.app_dir().join("current")).unwrap(),
        PathBuf::from(format!("releases/{}", rels[0]))
    );
    let h = site.history();
    assert_eq!(h["current_release"], rels[0]);
    assert_eq!(h["history"].as_array().unwrap().last().unwrap(), &rels[0]);
    assert_eq!(site.events().last().unwrap()["command"], "rollback");

    // a release without a local bundle is refused before anything remote
    std::fs::remove_dir_all(site.env.ctx_dir("shop").join("releases/api").join(&rels[2])).unwrap();
    let before = site.sshds[0].accepted();
    let (code, doc, _) = site.run(&[
        "rollback",
        "--app",
        "api",
        "--to-release",
        &rels[2],
        "--apply",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_ROLLBACK_BUNDLE_NOT_FOUND");
    assert_eq!(site.sshds[0].accepted(), before);
}

#[test]
fn deploy_guardrails_refuse_before_anything_remote() {
    let site = Site::new(1);
    // a plaintext secret in the compose file: refused, and the value is never shown
    std::fs::write(
        site.env.work.join("compose.yaml"),
        "services:\n  db:\n    image: postgres:16\n    environment:\n      - DB_PASSWORD=hunter2-very-secret\n",
    )
    .unwrap();
    let (code, doc, text) = site.deploy(&["--apply"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_PRECHECK_PLAINTEXT_SECRETS");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("compose.yaml:5 (DB_PASSWORD=<redacted>)")
    );
    assert!(!text.contains("hunter2-very-secret"));
    let audit =
        std::fs::read_to_string(site.env.ctx_dir("shop").join("events/audit.jsonl")).unwrap();
    assert!(!audit.contains("hunter2-very-secret"));
    std::fs::write(site.env.work.join("compose.yaml"), COMPOSE).unwrap();

    // the lock held by hand
    let (code, _, _) = site.run(&[
        "deploy",
        "lock",
        "acquire",
        "--app",
        "api",
        "-m",
        "db migration in progress",
    ]);
    assert_eq!(code, 0);
    let (code, doc, _) = site.deploy(&["--apply"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_DEPLOY_LOCKED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("db migration in progress") && msg.contains('@'),
        "{msg}"
    );
    let (_, status, _) = site.run(&["deploy", "lock", "status"]);
    assert_eq!(status["count"], 1);
    site.run(&["deploy", "lock", "release", "--app", "api"]);

    // the doctor failing
    std::fs::write(
        site.env.ctx_dir("shop").join("events/alerts.jsonl"),
        "{\"context\":\"elsewhere\",\"command\":\"x\"}\n",
    )
    .unwrap();
    let (code, doc, _) = site.deploy(&["--apply"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED");
    assert_eq!(
        site.sshds[0].accepted(),
        0,
        "no guardrail failure reached a target"
    );
}

#[test]
fn two_concurrent_deploys_one_wins_one_is_locked() {
    let site = std::sync::Arc::new(Site::new(1));
    // The winner's health check holds its lock until the test opens the gate, which it does
    // only once the other deploy has returned: the two always overlap, however loaded.
    let gate = site.env.dir.path().join("health-gate");
    let health = format!("until [ -e {} ]; do sleep 0.05; done", gate.display());
    let go = std::sync::Arc::new(std::sync::Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (s, g, tx, health) = (site.clone(), go.clone(), tx.clone(), health.clone());
            std::thread::spawn(move || {
                g.wait();
                let _ = tx.send(s.deploy(&[
                    "--apply",
                    "--health-cmd",
                    &health,
                    "--health-timeout",
                    "120s",
                ]));
            })
        })
        .collect();
    let first = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    std::fs::write(&gate, "").unwrap();
    let second = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    for h in runs {
        h.join().unwrap();
    }
    let mut results: Vec<(i32, Value, String)> = vec![first, second];
    results.sort_by_key(|r| r.0);
    assert_eq!(results[0].0, 0, "{:#}", results[0].1);
    assert_eq!(results[1].0, 1, "{:#}", results[1].1);
    assert_eq!(results[1].1["error"]["code"], "PAAS_DEPLOY_LOCKED");
    assert_eq!(site.history()["current_release"], results[0].1["release"]);
    assert!(
        lock_path_free(&site.env.ctx_dir("shop")),
        "the winner released the lock"
    );
}

fn lock_path_free(ctx: &Path) -> bool {
    !ctx.join("locks/deploy-api.json").exists()
}

#[test]
fn logs_follow_delivers_lines_as_they_arrive() {
    let site = Site::new(1);
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{doc:#}");
    let (code, doc, _) = site.run(&["logs", "--app", "api", "--tail", "50"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["data"][0]["line_count"], 2, "{doc:#}");
    assert!(
        doc["data"][0]["command"]
            .as_str()
            .unwrap()
            .contains("'logs' '--no-color' '--tail' '50'")
    );

    let mut child = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--context", "shop", "logs", "--app", "api", "--follow"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(first.contains("listening on :8080"), "{first}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first line arrived while logs still run"
    );
    std::fs::write(site.sshds[0].docker_state.join("stop-logs"), "").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
    let calls = site.sshds[0].docker_calls();
    assert!(
        calls.contains("compose -p shop-api -f compose.yaml logs --no-color --tail 200 --follow"),
        "{calls}"
    );
}

#[test]
fn a_variable_without_value_or_default_is_listed_in_the_plan_and_refused_at_apply() {
    let site = Site::new(1);
    std::fs::write(
        site.env.work.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    environment:\n      GREETING: ${GREETING}\n      MOOD: ${MOOD:-calm}\n",
    )
    .unwrap();
    // the plan lists it (and only it: MOOD has a default)
    let (code, doc, _) = site.deploy(&[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["missing_env"], serde_json::json!(["GREETING"]));
    let o = site
        .env
        .cmd()
        .args(["--context", "shop", "deploy", "--app", "api"])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("MISSING secrets (no value, no default): GREETING"),
        "{}",
        stdout(&o)
    );
    // the apply refuses before anything remote, naming the variable and never a value
    let (code, doc, text) = site.deploy(&["--apply"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_SECRET_MISSING");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("GREETING") && !msg.contains("MOOD"), "{msg}");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(
        hint.contains("--context shop secret set --app api --name GREETING")
            && hint.contains("--state-root"),
        "{hint}"
    );
    assert!(!text.contains("postgres://db/shop-default"));
    assert_eq!(site.sshds[0].accepted(), 0, "no connection was made");
    assert!(site.sshds[0].docker_calls().is_empty());
    assert!(site.history().is_null(), "nothing recorded");
    let audit =
        std::fs::read_to_string(site.env.ctx_dir("shop").join("events/audit.jsonl")).unwrap();
    let row: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(row["error_code"], "PAAS_SECRET_MISSING");
    assert_eq!(row["severity"], "warning");
    // once set, the same deploy goes through and the value reaches the remote .env
    site.secret("GREETING", None, "hello-there");
    let (code, doc, _) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{doc:#}");
    let rel = release_of(&doc);
    let dotenv =
        std::fs::read_to_string(site.app_dir().join("releases").join(&rel).join(".env")).unwrap();
    assert_eq!(
        dotenv,
        "COMPOSE_PROJECT_NAME='shop-api'\nGREETING='hello-there'\n"
    );
}

mod agent;
mod same_plan;
mod secrets;
