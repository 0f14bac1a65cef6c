//! End to end over a loopback sshd with the fake docker: an app si deployed (its release in
//! si's layout on the target, running in its own compose project, with a postgres add-on) is
//! listed, its logs stream, a paasdeck deploy takes it over — si's project is stopped only
//! once the new release is healthy — and a rollback brings si's release back with its add-on.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::fixtures;
use crate::common::Env;
use crate::common::sshd::Sshd;

const SI_REL: &str = "rel-20260217T020304-123456789";
const SI_PROJECT: &str = "rel-20260217t020304-123456789";

const NEW_COMPOSE: &str = "services:\n  web:\n    image: example/shop:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n";

struct Si {
    env: Env,
    sshd: Sshd,
    remote: PathBuf,
}

pub(super) fn fill(text: &str, env: &Env, sshd: &Sshd, remote: &Path) -> String {
    text.replace("@ROOT@", &env.root.display().to_string())
        .replace("@REMOTE@", &remote.display().to_string())
        .replace("@PORT@", &sshd.port.to_string())
        .replace("@USER@", &sshd.user)
}

pub(super) fn copy_tree(from: &Path, to: &Path, f: &dyn Fn(&str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name();
        let dest = to.join(if name == "ctx" {
            "contexts".into()
        } else {
            name
        });
        if p.is_dir() {
            copy_tree(&p, &dest, f);
        } else if p.file_name().is_some_and(|n| n != "README.md") {
            std::fs::write(&dest, f(&std::fs::read_to_string(&p).unwrap())).unwrap();
        }
    }
}

impl Si {
    /// The si root of tests/fixtures/si/root, and on the target si's release directory with its
    /// compose project up, as `si paas deploy --apply` leaves them.
    fn new() -> Si {
        let env = Env::new();
        let sshd = Sshd::start();
        let remote = env.dir.path().join("remote");
        let fixture = fixtures::dir().join("root");
        copy_tree(&fixture, &env.root, &|t| fill(t, &env, &sshd, &remote));
        for d in ["cache", "vault"] {
            std::fs::create_dir_all(env.ctx_dir("prod").join(d)).unwrap();
        }
        fixtures::si_modes(&env.root);
        // si uploaded every file of the bundle (its .env too) and ran `up` in the directory.
        let bundle = env.ctx_dir("prod").join("releases/shop").join(SI_REL);
        let dir = remote.join(SI_REL);
        copy_tree(&bundle, &dir, &|t| t.to_string());
        let st = Command::new("sh")
            .arg(sshd.fakebin.join("docker"))
            .args([
                "compose",
                "-f",
                "compose.yaml",
                "-f",
                "compose.addon.db.yaml",
                "up",
                "-d",
            ])
            .current_dir(&dir)
            .env("FAKE_DOCKER_STATE", &sshd.docker_state)
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::write(env.work.join("compose.yaml"), NEW_COMPOSE).unwrap();
        Si { env, sshd, remote }
    }

    fn run(&self, args: &[&str]) -> (i32, Value) {
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .env("SI_PAAS_SSH_PRIVATE_KEY", &self.sshd.client_key)
            .arg("--json")
            .args(args)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: {e}\n{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        (o.status.code().unwrap(), doc)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, doc) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {doc:#}");
        doc
    }

    /// The values si took from its environment go into the vault, as a move from si asks.
    fn secrets(&self) {
        self.ok(&["vault", "keygen"]);
        for (name, value) in [
            (
                "DATABASE_URL",
                "postgres://app:vault-pw-4e1@postgres-db:5432/shop",
            ),
            ("POSTGRES_PASSWORD", "vault-pw-4e1"),
        ] {
            let o = self.env.run_stdin(
                &[
                    "--context",
                    "prod",
                    "secret",
                    "set",
                    "--app",
                    "shop",
                    "--name",
                    name,
                ],
                value,
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
    }

    fn project(&self, name: &str) -> PathBuf {
        self.sshd.docker_state.join("projects").join(name)
    }

    fn services(&self, project: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.project(project))
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()?
                            .strip_prefix("svc-")
                            .map(String::from)
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn si_running(&self) -> bool {
        self.project(SI_PROJECT).is_dir() && !self.project(SI_PROJECT).join("stopped").exists()
    }

    fn history(&self) -> Value {
        let text =
            std::fs::read_to_string(self.env.ctx_dir("prod").join("deployments.json")).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["apps"]["shop"].clone()
    }

    fn deploy(&self, extra: &[&str]) -> (i32, Value) {
        let remote = self.remote.to_str().unwrap().to_string();
        let mut args = vec![
            "--context",
            "prod",
            "deploy",
            "--app",
            "shop",
            "--compose-file",
            "compose.yaml",
            "--remote-dir",
            &remote,
            "--health-timeout",
            "6s",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

#[test]
fn an_si_deployed_app_is_listed_streamed_taken_over_and_rolled_back_with_its_addon() {
    let si = Si::new();
    // Listed from its history alone, in app list and context show alike.
    let list = si.ok(&["--context", "prod", "app", "list"]);
    assert_eq!(list["count"], 1, "{list:#}");
    assert_eq!(list["data"][0]["name"], "shop");
    assert_eq!(list["data"][0]["registered"], false);
    assert_eq!(list["data"][0]["current_release"], SI_REL);
    assert_eq!(si.ok(&["context", "show", "prod"])["apps"], 1);
    let status = si.ok(&["--context", "prod", "app", "status", "shop"]);
    assert_eq!(status["location"]["layout"], "si", "{status:#}");
    assert_eq!(status["location"]["project"], SI_PROJECT);
    assert_eq!(status["addons"][0]["bundle_file"], "compose.addon.db.yaml");

    // Its logs come from si's release directory and project, add-on services included.
    let logs = si.ok(&[
        "--context",
        "prod",
        "logs",
        "--app",
        "shop",
        "--target",
        "edge-a",
    ]);
    assert!(logs.to_string().contains("listening on :8080"), "{logs:#}");
    let si_dir = si.remote.join(SI_REL);
    let calls = si.sshd.docker_calls();
    assert!(
        calls.contains(&format!(
            "{}\tcompose -p {SI_PROJECT} -f compose.yaml -f compose.addon.db.yaml logs --no-color --tail 200",
            si_dir.display()
        )),
        "{calls}"
    );

    // deploy reconcile reads it in si's layout too: si's release directory and project.
    let (code, rec) = si.run(&[
        "--context",
        "prod",
        "deploy",
        "reconcile",
        "--app",
        "shop",
        "--targets",
        "edge-a",
    ]);
    assert_eq!(code, 0, "{rec:#}");
    assert_eq!(rec["data"][0]["status"], "in_sync", "{rec:#}");
    assert_eq!(rec["data"][0]["current_release"], SI_REL);

    // si left plaintext .env files in its bundles: the doctor holds deploys back until they go.
    let (code, doc) = si.deploy(&[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bundle_plaintext_env")
    );
    si.ok(&["--context", "prod", "context", "scrub-bundles", "--apply"]);
    si.secrets();

    // The plan names the running si project and what happens to it.
    let plan = si.ok(&[
        "--context",
        "prod",
        "deploy",
        "--app",
        "shop",
        "--compose-file",
        "compose.yaml",
        "--remote-dir",
        si.remote.to_str().unwrap(),
    ]);
    assert_eq!(plan["si_release"]["release"], SI_REL, "{plan:#}");
    assert_eq!(plan["si_release"]["project"], SI_PROJECT);
    assert!(
        plan["commands"]
            .to_string()
            .contains(&format!("once healthy, stop si's project {SI_PROJECT}"))
    );

    // The takeover: the new project starts with the add-on, si's stops only after health.
    let (code, doc) = si.deploy(&["--apply"]);
    assert_eq!(code, 0, "{doc:#}");
    let new_rel = doc["release"].as_str().unwrap().to_string();
    assert_eq!(si.services("prod-shop"), ["postgres-db", "web"]);
    assert!(!si.si_running(), "si's project is stopped");
    let calls = si.sshd.docker_calls();
    let up = calls
        .find("compose -p prod-shop -f compose.yaml -f compose.addon.db.yaml up -d")
        .expect(&calls);
    // the health probe reads the project's containers from the engine by label
    let ps = calls[up..]
        .find("ps -a --no-trunc --filter label=com.docker.compose.project=prod-shop")
        .expect(&calls)
        + up;
    let stop = calls
        .find(&format!(
            "compose -p {SI_PROJECT} -f compose.yaml -f compose.addon.db.yaml stop"
        ))
        .expect(&calls);
    assert!(
        up < ps && ps < stop,
        "si's project stopped after the health probe:\n{calls}"
    );
    let h = si.history();
    assert_eq!(h["current_release"], new_rel);
    assert_eq!(
        h["current_remote_dir"],
        si.remote.join("prod/shop/releases").to_str().unwrap(),
        "si's meaning: the directory holding the release directories"
    );
    let event: Value = serde_json::from_str(
        std::fs::read_to_string(si.env.ctx_dir("prod").join("events/deployments.jsonl"))
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(event["si_release"], SI_REL);
    assert_eq!(event["si_stopped_targets"], "edge-a");
    // si finds paasdeck's release where it looks: <current_remote_dir>/<release>, and compose
    // run there without -p addresses paasdeck's project.
    let rel_dir = si.remote.join("prod/shop/releases").join(&new_rel);
    assert!(rel_dir.join("compose.addon.db.yaml").exists());
    assert!(
        std::fs::read_to_string(rel_dir.join(".env"))
            .unwrap()
            .starts_with("COMPOSE_PROJECT_NAME='prod-shop'\n")
    );
    assert!(
        std::fs::read_to_string(rel_dir.join(".env"))
            .unwrap()
            .contains("POSTGRES_PASSWORD='vault-pw-4e1'"),
        "the add-on's variable comes from the vault"
    );

    let (code, rec) = si.run(&[
        "--context",
        "prod",
        "deploy",
        "reconcile",
        "--app",
        "shop",
        "--targets",
        "edge-a",
    ]);
    assert_eq!(code, 0, "{rec:#}");
    assert_eq!(rec["data"][0]["current_release"], new_rel, "{rec:#}");

    // Logs now follow paasdeck's release.
    si.ok(&[
        "--context",
        "prod",
        "logs",
        "--app",
        "shop",
        "--target",
        "edge-a",
    ]);
    assert!(si.sshd.docker_calls().contains(&format!(
        "{}\tcompose -p prod-shop -f compose.yaml -f compose.addon.db.yaml logs",
        si.remote.join("prod/shop/current").display()
    )));

    // Back to si's release: its bundle, add-on and all, in paasdeck's layout and project.
    let (code, doc) = si.run(&[
        "--context",
        "prod",
        "rollback",
        "--app",
        "shop",
        "--to-release",
        SI_REL,
        "--targets",
        "edge-a",
        "--health-timeout",
        "6s",
        "--apply",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    let back = si.remote.join("prod/shop/releases").join(SI_REL);
    for f in [
        "compose.yaml",
        "compose.addon.db.yaml",
        "compose.files",
        "release.json",
    ] {
        assert!(back.join(f).exists(), "{f} uploaded");
    }
    assert!(
        !std::fs::read_to_string(back.join(".env"))
            .unwrap()
            .contains("s3cr3t"),
        "never si's plaintext .env"
    );
    assert_eq!(
        si.services("prod-shop"),
        ["postgres-db", "web"],
        "the postgres service is back"
    );
    assert_eq!(
        std::fs::read_to_string(si.project("prod-shop").join("release"))
            .unwrap()
            .trim(),
        SI_REL
    );
    assert!(si.sshd.docker_calls().contains(&format!(
        "{}\tcompose -p prod-shop -f compose.yaml -f compose.addon.db.yaml up -d --remove-orphans",
        back.display()
    )));
    assert_eq!(si.history()["current_release"], SI_REL);
}

#[test]
fn a_takeover_that_fails_its_health_check_leaves_si_running() {
    let si = Si::new();
    si.ok(&["--context", "prod", "context", "scrub-bundles", "--apply"]);
    si.secrets();
    std::fs::write(
        si.env.work.join("compose.yaml"),
        "services:\n  web:\n    image: example/shop:unhealthy\n",
    )
    .unwrap();
    let before = std::fs::read(si.env.ctx_dir("prod").join("deployments.json")).unwrap();
    let (code, doc) = si.deploy(&["--apply"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_HEALTH_CHECK_FAILED", "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("si's release {SI_REL} keeps running"))
    );
    assert!(si.si_running(), "si's project was never stopped");
    assert!(
        !si.project("prod-shop").exists(),
        "the new project was taken down"
    );
    assert!(
        std::fs::symlink_metadata(si.remote.join("prod/shop/current")).is_err(),
        "no current link left behind"
    );
    assert_eq!(
        std::fs::read(si.env.ctx_dir("prod").join("deployments.json")).unwrap(),
        before,
        "the record still names si's release"
    );
    let calls = si.sshd.docker_calls();
    assert!(
        !calls
            .lines()
            .any(|l| l.contains(&format!("-p {SI_PROJECT} ")) && l.ends_with(" stop")),
        "{calls}"
    );
}
