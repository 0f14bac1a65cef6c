//! End to end over a loopback sshd with the fake docker: an app si deployed blue/green (its
//! active slot's release in `<remote>/bluegreen/<app>/<target>/<slot>/<release>`, running as
//! project `<app>-<target>-<slot>`) is read there for status, logs, reconcile and backups, and
//! a paasdeck deploy takes it over: si's slot project is stopped only once the new release is
//! healthy, and keeps running when it is not.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::fixtures;
use super::takeover::{copy_tree, fill};
use crate::common::Env;
use crate::common::sshd::Sshd;
use crate::common::tmux::{Tmux, console_env};

const CTX: &str = "internal-dogfood";
const BLUE_REL: &str = "rel-20260301T100000-000000001";
const GREEN_REL: &str = "rel-20260302T100000-000000002";
const SLOT_PROJECT: &str = "web-frontend-build-box-green";
const NEW_PROJECT: &str = "internal-dogfood-web-frontend";

struct BlueGreen {
    env: Env,
    sshd: Sshd,
    remote: PathBuf,
}

impl BlueGreen {
    /// The si root of tests/fixtures/si/bluegreen and, on the target, si's two slot directories
    /// with the green one up, as two `si paas deploy bluegreen --apply --keep-standby=false`
    /// leave them.
    fn new() -> BlueGreen {
        let env = Env::new();
        let sshd = Sshd::start();
        let remote = env.dir.path().join("remote");
        let fixture = fixtures::dir().join("bluegreen");
        copy_tree(&fixture, &env.root, &|t| fill(t, &env, &sshd, &remote));
        for d in ["cache", "vault"] {
            std::fs::create_dir_all(env.ctx_dir(CTX).join(d)).unwrap();
        }
        fixtures::si_modes(&env.root);
        let base = remote.join("bluegreen/web-frontend/build-box");
        for (slot, rel) in [("blue", BLUE_REL), ("green", GREEN_REL)] {
            let bundle = env.ctx_dir(CTX).join("releases/web-frontend").join(rel);
            copy_tree(&bundle, &base.join(slot).join(rel), &|t| t.to_string());
        }
        std::fs::create_dir_all(base.join("state")).unwrap();
        std::fs::write(base.join("state/active_slot"), "green\n").unwrap();
        let st = Command::new("sh")
            .arg(sshd.fakebin.join("docker"))
            .args([
                "compose",
                "-p",
                SLOT_PROJECT,
                "-f",
                "compose.yaml",
                "up",
                "-d",
            ])
            .current_dir(base.join("green").join(GREEN_REL))
            .env("FAKE_DOCKER_STATE", &sshd.docker_state)
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::write(
            env.work.join("compose.yaml"),
            "services:\n  web:\n    image: example/web-frontend:{{paas.release}}\n",
        )
        .unwrap();
        BlueGreen { env, sshd, remote }
    }

    fn green_dir(&self) -> PathBuf {
        self.remote
            .join("bluegreen/web-frontend/build-box/green")
            .join(GREEN_REL)
    }

    fn run(&self, args: &[&str]) -> (i32, Value) {
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .env("SI_PAAS_SSH_PRIVATE_KEY", &self.sshd.client_key)
            .args(["--json", "--context", CTX])
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

    fn project(&self, name: &str) -> PathBuf {
        self.sshd.docker_state.join("projects").join(name)
    }

    fn running(&self, name: &str) -> bool {
        self.project(name).is_dir() && !self.project(name).join("stopped").exists()
    }

    fn reconcile(&self) -> Value {
        let (code, rec) = self.run(&[
            "deploy",
            "reconcile",
            "--app",
            "web-frontend",
            "--targets",
            "build-box",
        ]);
        assert_eq!(code, 0, "{rec:#}");
        rec["data"][0].clone()
    }

    fn deploy(&self, extra: &[&str]) -> (i32, Value) {
        let remote = self.remote.to_str().unwrap().to_string();
        let mut args = vec![
            "deploy",
            "--app",
            "web-frontend",
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
fn an_si_blue_green_app_is_read_in_its_slot_and_taken_over() {
    let bg = BlueGreen::new();
    let green = bg.green_dir();
    let status = bg.ok(&["app", "status", "web-frontend"]);
    assert_eq!(status["location"]["layout"], "si-bluegreen", "{status:#}");
    assert_eq!(status["location"]["project"], SLOT_PROJECT);
    assert_eq!(status["location"]["slot"], "green");
    assert_eq!(status["location"]["release_dir"], green.to_str().unwrap());
    assert_eq!(status["bluegreen"][0]["target"], "build-box");

    // Logs come from the active slot's directory and project.
    let logs = bg.ok(&["logs", "--app", "web-frontend", "--target", "build-box"]);
    assert!(logs.to_string().contains("listening on :8080"), "{logs:#}");
    let calls = bg.sshd.docker_calls();
    assert!(
        calls.contains(&format!(
            "{}\tcompose -p {SLOT_PROJECT} -f compose.yaml logs --no-color --tail 200",
            green.display()
        )),
        "{calls}"
    );

    // deploy reconcile finds the slot's release running.
    let row = bg.reconcile();
    assert_eq!(row["status"], "in_sync", "{row:#}");
    assert_eq!(row["current_release"], GREEN_REL);

    // A backup runs in the slot's directory with the slot's project.
    let mark = bg.env.dir.path().join("backup-ran-in");
    bg.ok(&["vault", "keygen"]);
    bg.ok(&[
        "app",
        "add",
        "--name",
        "web-frontend",
        "--compose-file",
        "compose.yaml",
        "--targets",
        "build-box",
        "--backup-cmd",
        &format!(
            "echo \"$COMPOSE_PROJECT_NAME $PWD\" > {}; echo dump",
            mark.display()
        ),
        "--restore-cmd",
        "cat >/dev/null",
    ]);
    bg.ok(&[
        "backup",
        "run",
        "--app",
        "web-frontend",
        "--target",
        "build-box",
    ]);
    assert_eq!(
        std::fs::read_to_string(&mark).unwrap().trim(),
        format!("{SLOT_PROJECT} {}", green.display())
    );

    // The plan names si's slot project as the one taken over.
    let (code, plan) = bg.deploy(&[]);
    assert_eq!(code, 0, "{plan:#}");
    assert_eq!(plan["si_release"]["project"], SLOT_PROJECT, "{plan:#}");
    assert_eq!(plan["si_release"]["slot"], "green");
    assert_eq!(plan["si_release"]["release"], GREEN_REL);
    assert!(
        plan["commands"].to_string().contains(&format!(
            "once healthy on build-box, stop si's project {SLOT_PROJECT}"
        )),
        "{plan:#}"
    );

    // The takeover: the slot project stops only after the new project's health probe.
    let (code, doc) = bg.deploy(&["--apply"]);
    assert_eq!(code, 0, "{doc:#}");
    let new_rel = doc["release"].as_str().unwrap().to_string();
    assert!(bg.running(NEW_PROJECT));
    assert!(!bg.running(SLOT_PROJECT), "si's slot project is stopped");
    let calls = bg.sshd.docker_calls();
    let up = calls
        .find(&format!("compose -p {NEW_PROJECT} -f compose.yaml up -d"))
        .expect(&calls);
    let ps = calls[up..]
        .find(&format!(
            "ps -a --no-trunc --filter label=com.docker.compose.project={NEW_PROJECT}"
        ))
        .expect(&calls)
        + up;
    let stop = calls
        .find(&format!(
            "{}\tcompose -p {SLOT_PROJECT} -f compose.yaml stop",
            green.display()
        ))
        .expect(&calls);
    assert!(up < ps && ps < stop, "{calls}");

    // Afterwards everything follows paasdeck's release.
    let row = bg.reconcile();
    assert_eq!(row["status"], "in_sync", "{row:#}");
    assert_eq!(row["current_release"], new_rel.as_str());
    let status = bg.ok(&["app", "status", "web-frontend"]);
    assert_eq!(status["location"]["layout"], "paasdeck", "{status:#}");
    assert_eq!(status["bluegreen"], serde_json::json!([]));
}

#[test]
fn a_blue_green_takeover_that_fails_its_health_check_leaves_the_slot_running() {
    let bg = BlueGreen::new();
    std::fs::write(
        bg.env.work.join("compose.yaml"),
        "services:\n  web:\n    image: example/web-frontend:unhealthy\n",
    )
    .unwrap();
    let (code, doc) = bg.deploy(&["--apply"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_HEALTH_CHECK_FAILED", "{doc:#}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains(&format!(
            "si's green slot release {GREEN_REL} keeps running"
        )),
        "{doc:#}"
    );
    assert!(
        bg.running(SLOT_PROJECT),
        "si's slot project was never stopped"
    );
    assert!(
        !bg.project(NEW_PROJECT).exists(),
        "the new project was taken down"
    );
    let calls = bg.sshd.docker_calls();
    assert!(
        !calls
            .lines()
            .any(|l| l.contains(&format!("-p {SLOT_PROJECT} ")) && l.ends_with(" stop")),
        "{calls}"
    );
    let row = bg.reconcile();
    assert_eq!(row["status"], "in_sync", "{row:#}");
    assert_eq!(row["current_release"], GREEN_REL);
}

#[test]
fn the_console_shows_the_slot_and_streams_its_logs() {
    let bg = BlueGreen::new();
    let mut vars = console_env(&bg.env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    vars.push((
        "SI_PAAS_SSH_PRIVATE_KEY".into(),
        bg.sshd.client_key.display().to_string(),
    ));
    let shell = format!(
        "cd {} && {} --state-root {} --context {CTX}; echo PAASDECK-EXITED $?; sleep 60",
        bg.env.work.display(),
        Env::bin().display(),
        bg.env.root.display()
    );
    let tmux = Tmux::start(vars, 160, 45, &shell);
    // The Apps pane: si's blue/green deploy is the last deploy, and the slot is named.
    tmux.send_key("Tab");
    tmux.wait_for("the app's slot", |s| {
        s.lines()
            .any(|l| l.contains(&format!("web-frontend {GREEN_REL}")) && l.contains("succeeded"))
            && s.contains(&format!("build-box: green slot {GREEN_REL}"))
    });
    tmux.send("l");
    tmux.wait_for("the slot's logs", |s| s.contains("listening on :8080"));
    let calls = bg.sshd.docker_calls();
    assert!(
        calls.contains(&format!(
            "{}\tcompose -p {SLOT_PROJECT} -f compose.yaml logs",
            bg.green_dir().display()
        )),
        "{calls}"
    );
    tmux.send_key("C-c");
}
