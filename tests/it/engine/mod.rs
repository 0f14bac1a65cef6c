//! Deploys against a real Docker engine: Debian's `dockerd` started by the test, Debian's
//! docker CLI and `docker-compose` (v1) on a loopback sshd's PATH with `DOCKER_HOST` set for
//! its sessions, as on a Debian 12 target. Images come from `docker import` of busybox-static.

mod answers;
mod demo;
mod detect;
mod gate;
mod lifecycle;
mod shell;
mod state;

use serde_json::Value;

use crate::common::dockerd::{Dockerd, IMAGE};
use crate::common::sshd::Sshd;
use crate::common::{Env, stderr, stdout};

pub const PROJECT: &str = "shop-api";

/// A release whose container says which release it is, then ticks every second.
pub fn ticking(tag: &str) -> String {
    format!(
        "services:\n  api:\n    image: paasdeck-test/api:{tag}\n    network_mode: none\n    stop_signal: SIGKILL\n    command: [\"sh\", \"-c\", \"echo api {{{{paas.release}}}} started; while true; do echo tick; sleep 1; done\"]\n    volumes:\n      - data:/data\nvolumes:\n  data:\n"
    )
}

/// A release whose container exits as it starts.
pub fn crashing(tag: &str) -> String {
    format!(
        "services:\n  api:\n    image: paasdeck-test/api:{tag}\n    network_mode: none\n    command: [\"sh\", \"-c\", \"echo api {{{{paas.release}}}} cannot start; exit 3\"]\n    volumes:\n      - data:/data\nvolumes:\n  data:\n"
    )
}

pub struct Site {
    pub engine: Dockerd,
    pub sshd: Sshd,
    pub env: Env,
}

impl Site {
    /// A `shop` context whose target `edge` runs the engine, the app `api` (its backup and
    /// restore commands archive its `data` volume), and images `paasdeck-test/api:1` and `:2`.
    pub fn new() -> Site {
        let engine = Dockerd::start();
        for tag in ["1", "2"] {
            engine.ok(&["tag", IMAGE, &format!("paasdeck-test/api:{tag}")]);
        }
        let mut sshd = Sshd::start();
        sshd.use_engine(&engine);
        let env = Env::new();
        env.init("shop", "production");
        env.ok(&["vault", "keygen"]);
        env.add_sshd_target("shop", "edge", &sshd);
        let remote = env.dir.path().join("remote");
        std::fs::write(env.work.join("compose.yaml"), ticking("1")).unwrap();
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
                "edge",
                "--remote-dir",
                remote.to_str().unwrap(),
                "--backup-cmd",
                "docker compose exec -T api tar -C /data -cf - .",
                "--restore-cmd",
                "docker compose exec -T api tar -C /data -xf -",
            ],
        );
        Site { engine, sshd, env }
    }

    pub fn compose(&self, body: &str) {
        std::fs::write(self.env.work.join("compose.yaml"), body).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> (i32, Value, String) {
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

    /// `deploy --apply` that must succeed; its release.
    pub fn deploy_ok(&self) -> String {
        let (code, doc, text) = self.run(&["deploy", "--app", "api", "--apply"]);
        assert_eq!(code, 0, "{doc:#}\n{text}\n{}", self.engine.log());
        doc["release"].as_str().unwrap().to_string()
    }

    pub fn current(&self) -> String {
        let text =
            std::fs::read_to_string(self.env.ctx_dir("shop").join("deployments.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        doc["apps"]["api"]["current_release"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The working directory label of the running `api` container: its release directory.
    pub fn running_release(&self) -> Option<String> {
        let out = self.engine.ok(&[
            "ps",
            "--filter",
            &format!("label=com.docker.compose.project={PROJECT}"),
            "--format",
            "{{.Label \"com.docker.compose.project.working_dir\"}}",
        ]);
        out.lines()
            .next()
            .and_then(|d| d.rsplit('/').next())
            .map(str::to_string)
    }
}
