//! The stage test harness: a staging context `stg` whose incus host is the simulator, over
//! a loopback sshd or a `local` target, with helpers to seed production and read the calls.

use std::path::PathBuf;
use std::process::Command;

use crate::common::sshd::Sshd;
use crate::common::{Env, stderr, stdout};
use serde_json::{Value, json};

pub const COMPONENTS: [(&str, &str, &[&str]); 6] = [
    ("system", "wipe", &["/opt/gbo/work"]),
    ("tables", "keep", &[]),
    ("search", "wipe", &["/var/lib/search"]),
    ("queue", "keep", &[]),
    ("web", "wipe", &["/srv/uploads", "/var/cache/web"]),
    ("mail", "wipe", &["/var/spool/mail"]),
];

pub struct Lab {
    pub env: Env,
    pub bin: PathBuf,
    pub state: PathBuf,
    _sshd: Option<Sshd>,
}

pub fn stage_object(components: &[(&str, &str, &[&str])]) -> Value {
    json!({
        "host_target": "gbo-host", "project": "STAGE-GBO", "source_project": "default",
        "network": {"name": "stagebr0", "ipv4": "10.0.3.1/24"}, "root_disk": "10GiB",
        "min_host_free": "20GiB", "always_wipe": ["/opt/gbo/logs"],
        "components": components.iter().enumerate().map(|(i, (name, data, wipe))| {
            let mut c = json!({"name": name, "ip": format!("10.0.3.{}", 10 + i), "data": data});
            if !wipe.is_empty() {
                c["wipe"] = json!(wipe);
            }
            c
        }).collect::<Vec<_>>()
    })
}

impl Lab {
    /// A staging context `stg` whose incus host is this machine (`auth_method: local`).
    pub fn local() -> Lab {
        let env = Env::new();
        let host = env.dir.path().join("host");
        let bin = host.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        std::fs::copy(fixtures.join("fake-incus"), bin.join("incus")).unwrap();
        std::fs::copy(fixtures.join("fake-df"), bin.join("df")).unwrap();
        env.init("stg", "staging");
        env.ok_in(
            "stg",
            &[
                "target",
                "add",
                "--name",
                "gbo-host",
                "--host",
                "localhost",
                "--user",
                "tester",
                "--auth-method",
                "local",
            ],
        );
        Lab {
            env,
            bin,
            state: host.join("incus-state"),
            _sshd: None,
        }
    }

    /// The same over SSH: the simulator is first on the loopback sshd's remote PATH.
    pub fn ssh() -> Lab {
        let env = Env::new();
        let sshd = Sshd::start();
        env.init("stg", "staging");
        env.add_sshd_target("stg", "gbo-host", &sshd);
        Lab {
            bin: sshd.fakebin.clone(),
            state: sshd.incus_state.clone(),
            env,
            _sshd: Some(sshd),
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = self.env.cmd();
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{path}", self.bin.display()))
            .env("PAASDECK_SSH_CONFIG", "/dev/null");
        c
    }

    /// `--json --context stg ARGS`: (exit code, document, stdout+stderr).
    pub fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all = vec!["--json", "--context", "stg"];
        all.extend_from_slice(args);
        let o = self.cmd().args(&all).output().unwrap();
        let text = stdout(&o) + &stderr(&o);
        let doc: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"));
        (o.status.code().unwrap(), doc, text)
    }

    pub fn ok(&self, args: &[&str]) -> Value {
        let (code, doc, text) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {doc:#}\n{text}");
        doc
    }

    pub fn configure(&self, stage: &Value) -> Value {
        let f = self.env.work.join("stage.json");
        std::fs::write(&f, json!({ "stage": stage }).to_string()).unwrap();
        self.ok(&["stage", "configure", "--from-file", f.to_str().unwrap()])
    }

    /// Production: one running instance per component, with data in its wipe paths, in
    /// `/opt/gbo/work` (only `system` wipes it), logs and data to keep.
    pub fn seed(&self, components: &[(&str, &str, &[&str])]) {
        let mut instances = serde_json::Map::new();
        for (i, (name, _, wipe)) in components.iter().enumerate() {
            let mut files = json!({
                "/opt/gbo/work/job.tmp": "work",
                "/opt/gbo/logs/app.log": "log",
                "/opt/gbo/data/keep.db": format!("data of {name}"),
            });
            for w in *wipe {
                files[format!("{w}/file")] = json!("to wipe");
            }
            if *name == "system" {
                files["/etc/network/interfaces"] = json!(
                    "auto eth0\niface eth0 inet static\n    address 10.10.0.10\n    netmask 255.255.255.0\n    gateway 10.10.0.1\n    dns-nameservers 10.10.0.1 10.10.0.2\n"
                );
            }
            instances.insert(
                name.to_string(),
                json!({
                    "status": "Running", "profiles": ["default"], "config": {"limits.cpu": "2"},
                    "devices": {}, "files": files, "disk_usage": 2u64 << 30,
                    "addr": format!("10.10.0.{}", 10 + i),
                }),
            );
        }
        let st = json!({"projects": {"default": {
            "config": {},
            "networks": {"incusbr0": {"type": "bridge", "config": {"ipv4.address": "10.10.0.1/24"}}},
            "profiles": {"default": {"config": {}, "devices": {
                "eth0": {"type": "nic", "network": "incusbr0", "name": "eth0"},
                "root": {"type": "disk", "path": "/", "pool": "default"}}}},
            "instances": instances,
        }}});
        std::fs::create_dir_all(&self.state).unwrap();
        std::fs::write(self.state.join("state.json"), st.to_string()).unwrap();
    }

    pub fn sim(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state.join("state.json")).unwrap())
            .unwrap()
    }

    pub fn set_sim(&self, v: &Value) {
        std::fs::write(self.state.join("state.json"), v.to_string()).unwrap();
    }

    pub fn staged(&self, name: &str) -> Value {
        self.sim()["projects"]["STAGE-GBO"]["instances"][name].clone()
    }

    /// Every incus call so far (argv without the program).
    pub fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.state.join("calls.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn clear_calls(&self) {
        let _ = std::fs::remove_file(self.state.join("calls.jsonl"));
    }

    pub fn switch(&self, name: &str, lines: &str) {
        std::fs::write(self.state.join(name), lines).unwrap();
    }

    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.env.ctx_dir("stg").join("events/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Reads: lists, pulls, gets and queries (of the files API). Everything else changes
/// something.
pub fn mutating(call: &[String]) -> bool {
    let words: Vec<&str> = call
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    !matches!(
        words.as_slice(),
        ["list", ..]
            | [_, "list", ..]
            | [_, _, "list", ..]
            | ["file", "pull", ..]
            | ["config", "get", ..]
            | ["query", ..]
    )
}

fn project_of(call: &[String]) -> Option<&str> {
    let i = call.iter().position(|w| w == "--project")?;
    call.get(i + 1).map(String::as_str)
}

pub fn assert_every_call_names_a_project(calls: &[Vec<String>]) {
    assert!(!calls.is_empty());
    for c in calls {
        assert!(
            matches!(project_of(c), Some("STAGE-GBO" | "default")),
            "a call without an explicit --project: {c:?}"
        );
        assert!(
            !c.windows(2).any(|w| w == ["project", "switch"]),
            "project switch: {c:?}"
        );
        // Only reads and the copy's source side name production.
        if project_of(c) == Some("default") {
            assert!(
                !mutating(c) || c[0] == "copy",
                "a change in production: {c:?}"
            );
        }
    }
}

pub fn plan_mutating(plan: &Value) -> Vec<Vec<String>> {
    ["init", "clone"]
        .iter()
        .flat_map(|k| plan[k].as_array().unwrap().clone())
        .filter(|s| s["mutating"] == true)
        .map(|s| {
            s["argv"].as_array().unwrap()[1..]
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

pub fn hand_written(lab: &Lab, stage: &Value) {
    std::fs::write(
        lab.env.ctx_dir("stg").join("paasdeck.json"),
        json!({ "stage": stage }).to_string(),
    )
    .unwrap();
}

pub const EVERY_ACTION: [&[&str]; 9] = [
    &["stage", "plan"],
    &["stage", "status"],
    &["stage", "init"],
    &["stage", "clone"],
    &["stage", "start"],
    &["stage", "stop"],
    &["stage", "reset", "system"],
    &["stage", "exec", "system", "--", "true"],
    &["stage", "destroy", "--force"],
];
