//! `stage` end to end against the incus simulator (tests/fixtures/fake-incus) and a fake `df`:
//! over a real loopback sshd, and through a `local` target. The simulator records every incus
//! call's argv, keeps projects, networks, profiles and instances (with their files) as JSON,
//! and fails or ignores calls on demand.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::sshd::Sshd;
use common::{Env, stderr, stdout};
use serde_json::{Value, json};

const COMPONENTS: [(&str, &str, &[&str]); 6] = [
    ("system", "wipe", &["/opt/gbo/work"]),
    ("tables", "keep", &[]),
    ("search", "wipe", &["/var/lib/search"]),
    ("queue", "keep", &[]),
    ("web", "wipe", &["/srv/uploads", "/var/cache/web"]),
    ("mail", "wipe", &["/var/spool/mail"]),
];

struct Lab {
    env: Env,
    bin: PathBuf,
    state: PathBuf,
    _sshd: Option<Sshd>,
}

fn stage_object(components: &[(&str, &str, &[&str])]) -> Value {
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
    fn local() -> Lab {
        let env = Env::new();
        let host = env.dir.path().join("host");
        let bin = host.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        std::fs::copy(fixtures.join("fake-incus"), bin.join("incus")).unwrap();
        std::fs::copy(fixtures.join("fake-df"), bin.join("df")).unwrap();
        env.init("stg", "staging");
        env.ok(&[
            "--context",
            "stg",
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
        ]);
        Lab {
            env,
            bin,
            state: host.join("incus-state"),
            _sshd: None,
        }
    }

    /// The same over SSH: the simulator is first on the loopback sshd's remote PATH.
    fn ssh() -> Lab {
        let env = Env::new();
        let sshd = Sshd::start();
        env.init("stg", "staging");
        env.ok(&[
            "--context",
            "stg",
            "target",
            "add",
            "--name",
            "gbo-host",
            "--host",
            "127.0.0.1",
            "--port",
            &sshd.port.to_string(),
            "--user",
            &sshd.user,
            "--identity-file",
            sshd.client_key.to_str().unwrap(),
        ]);
        Lab {
            bin: sshd.fakebin.clone(),
            state: sshd.incus_state.clone(),
            env,
            _sshd: Some(sshd),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = self.env.cmd();
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{path}", self.bin.display()))
            .env("PAASDECK_SSH_CONFIG", "/dev/null");
        c
    }

    /// `--json --context stg ARGS`: (exit code, document, stdout+stderr).
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all = vec!["--json", "--context", "stg"];
        all.extend_from_slice(args);
        let o = self.cmd().args(&all).output().unwrap();
        let text = stdout(&o) + &stderr(&o);
        let doc: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"));
        (o.status.code().unwrap(), doc, text)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, doc, text) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {doc:#}\n{text}");
        doc
    }

    fn configure(&self, stage: &Value) -> Value {
        let f = self.env.work.join("stage.json");
        std::fs::write(&f, json!({ "stage": stage }).to_string()).unwrap();
        self.ok(&["stage", "configure", "--from-file", f.to_str().unwrap()])
    }

    /// Production: one running instance per component, with data in its wipe paths, in
    /// `/opt/gbo/work` (only `system` wipes it), logs and data to keep.
    fn seed(&self, components: &[(&str, &str, &[&str])]) {
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
                    "auto eth0\niface eth0 inet static\n    address 10.10.0.10\n    netmask 255.255.255.0\n    gateway 10.10.0.1\n"
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

    fn sim(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state.join("state.json")).unwrap())
            .unwrap()
    }

    fn set_sim(&self, v: &Value) {
        std::fs::write(self.state.join("state.json"), v.to_string()).unwrap();
    }

    fn staged(&self, name: &str) -> Value {
        self.sim()["projects"]["STAGE-GBO"]["instances"][name].clone()
    }

    /// Every incus call so far (argv without the program).
    fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.state.join("calls.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn clear_calls(&self) {
        let _ = std::fs::remove_file(self.state.join("calls.jsonl"));
    }

    fn switch(&self, name: &str, lines: &str) {
        std::fs::write(self.state.join(name), lines).unwrap();
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.env.ctx_dir("stg").join("events/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Reads: lists, pulls and gets. Everything else changes something.
fn mutating(call: &[String]) -> bool {
    let words: Vec<&str> = call
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    !matches!(
        words.as_slice(),
        ["list", ..] | [_, "list", ..] | ["file", "pull", ..] | ["config", "get", ..]
    )
}

fn project_of(call: &[String]) -> Option<&str> {
    let i = call.iter().position(|w| w == "--project")?;
    call.get(i + 1).map(String::as_str)
}

fn assert_every_call_names_a_project(calls: &[Vec<String>]) {
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

fn plan_mutating(plan: &Value) -> Vec<Vec<String>> {
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

#[test]
fn six_components_over_ssh_plan_is_what_init_and_clone_run() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS);
    lab.configure(&stage_object(&COMPONENTS));
    let plan = lab.ok(&["stage", "plan"]);
    assert!(
        lab.calls().iter().all(|c| !mutating(c)),
        "plan changed something"
    );
    let planned = plan_mutating(&plan);
    // init: 4; each clone: copy, address, mark, start, mark (5), plus 11 wipes in all.
    assert_eq!(planned.len(), 4 + 6 * 5 + 11);
    lab.clear_calls();

    lab.ok(&["stage", "init"]);
    let clone = lab.ok(&["stage", "clone"]);
    assert_eq!(clone["started"].as_array().unwrap().len(), 6);
    let calls = lab.calls();
    assert_every_call_names_a_project(&calls);
    let ran: Vec<Vec<String>> = calls.iter().filter(|c| mutating(c)).cloned().collect();
    // The one conditional step: `system` keeps a static address in /etc/network/interfaces.
    let pushes: Vec<&Vec<String>> = ran.iter().filter(|c| c[..2] == ["file", "push"]).collect();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0][3], "system/etc/network/interfaces");
    let without_push: Vec<Vec<String>> = ran
        .iter()
        .filter(|c| c[..2] != ["file", "push"])
        .cloned()
        .collect();
    assert_eq!(without_push, planned);

    for (i, (name, data, wipe)) in COMPONENTS.iter().enumerate() {
        let inst = lab.staged(name);
        assert_eq!(inst["status"], "Running", "{name}");
        let ip = format!("10.0.3.{}", 10 + i);
        assert_eq!(
            inst["devices"]["eth0"]["ipv4.address"],
            ip.as_str(),
            "{name}"
        );
        assert_eq!(inst["config"]["user.paasdeck.clone"], "done");
        let files = inst["files"].as_object().unwrap();
        for w in *wipe {
            assert!(!files.keys().any(|f| f.starts_with(w)), "{name}: {w} kept");
        }
        assert!(
            !files.contains_key("/opt/gbo/logs/app.log"),
            "{name}: always_wipe"
        );
        assert_eq!(files["/opt/gbo/data/keep.db"], format!("data of {name}"));
        // `/opt/gbo/work` is wiped only where the component lists it.
        assert_eq!(
            files.contains_key("/opt/gbo/work/job.tmp"),
            *name != "system",
            "{name} ({data})"
        );
    }
    let ifaces = lab.staged("system")["files"]["/etc/network/interfaces"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ifaces.contains("address 10.0.3.10\n") && ifaces.contains("gateway 10.0.3.1\n"),
        "{ifaces}"
    );
    // Production is untouched.
    let prod = &lab.sim()["projects"]["default"]["instances"];
    assert_eq!(prod["system"]["files"]["/opt/gbo/work/job.tmp"], "work");
    assert_eq!(prod["system"]["status"], "Running");

    let status = lab.ok(&["stage", "status"]);
    let rows = status["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["ipv4"], json!([format!("10.0.3.{}", 10 + i)]));
        assert_eq!(r["flags"], json!([]));
        assert_eq!(r["data"], COMPONENTS[i].1);
    }

    // The audit rows name the components and the commands.
    let audit = lab.audit();
    let row = audit
        .iter()
        .rev()
        .find(|r| r["command"] == "stage clone")
        .unwrap();
    assert_eq!(row["status"], "succeeded");
    assert_eq!(
        row["fields"]["components"],
        "system,tables,search,queue,web,mail"
    );
    let cmds = row["fields"]["commands"].as_array().unwrap();
    assert!(
        cmds.iter().any(|c| c
            == "incus copy mail mail --project default --target-project STAGE-GBO --instance-only"),
        "{cmds:?}"
    );
    assert!(
        audit.iter().any(|r| r["command"] == "stage init"
            && r["fields"]["commands"].as_array().unwrap().len() == 4)
    );
}

#[test]
fn a_second_clone_skips_and_an_interrupted_clone_resumes() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS);
    lab.configure(&stage_object(&COMPONENTS));
    lab.ok(&["stage", "init"]);
    // The fourth copy fails: three components are done, the rest untouched.
    lab.switch("fail-on", "copy queue\n");
    let (code, doc, _) = lab.run(&["stage", "clone"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_COMMAND_FAILED");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("incus copy queue")
    );
    assert_eq!(lab.staged("search")["status"], "Running");
    assert_eq!(lab.staged("queue"), Value::Null);
    let failed = lab
        .audit()
        .into_iter()
        .rev()
        .find(|r| r["command"] == "stage clone")
        .unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["fields"]["components"], "system,tables,search,queue");
    // Interrupted between prepare and start: `web` copied and prepared, not started.
    std::fs::remove_file(lab.state.join("fail-on")).unwrap();
    lab.switch("fail-on", "start web\n");
    assert_eq!(lab.run(&["stage", "clone"]).0, 1);
    assert_eq!(
        lab.staged("web")["config"]["user.paasdeck.clone"],
        "prepared"
    );
    std::fs::remove_file(lab.state.join("fail-on")).unwrap();

    lab.clear_calls();
    let doc = lab.ok(&["stage", "clone"]);
    let ran: Vec<Vec<String>> = lab.calls().into_iter().filter(|c| mutating(c)).collect();
    let copies: Vec<&str> = ran
        .iter()
        .filter(|c| c[0] == "copy")
        .map(|c| c[1].as_str())
        .collect();
    assert_eq!(copies, ["mail"], "only what is missing is copied");
    assert!(ran.iter().any(|c| c[..2] == ["start", "web"]));
    assert!(
        !ran.iter()
            .any(|c| c.iter().any(|w| w == "system" || w == "search"))
    );
    let skipped: Vec<&Value> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "skipped" && s["step"] == "clone")
        .collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    for name in ["system", "tables", "search", "queue", "web", "mail"] {
        assert_eq!(lab.staged(name)["status"], "Running", "{name}");
    }

    lab.clear_calls();
    let doc = lab.ok(&["stage", "clone"]);
    assert!(
        lab.calls().iter().all(|c| !mutating(c)),
        "a second clone changed something"
    );
    assert_eq!(doc["commands"], json!([]));
    let out = lab
        .cmd()
        .args(["--context", "stg", "stage", "clone"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("· web: clone: already cloned into STAGE-GBO (Running)"),
        "{}",
        stdout(&out)
    );
    // init again: everything exists.
    lab.clear_calls();
    lab.ok(&["stage", "init"]);
    assert!(lab.calls().iter().all(|c| !mutating(c)));
}

fn hand_written(lab: &Lab, stage: &Value) {
    std::fs::write(
        lab.env.ctx_dir("stg").join("paasdeck.json"),
        json!({ "stage": stage }).to_string(),
    )
    .unwrap();
}

const EVERY_ACTION: [&[&str]; 9] = [
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

#[test]
fn the_production_project_is_refused_before_any_call() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..2]);
    for (project, source) in [("default", "prod"), ("prod", "prod")] {
        let mut stage = stage_object(&COMPONENTS[..2]);
        stage["project"] = json!(project);
        stage["source_project"] = json!(source);
        let f = lab.env.work.join("bad.json");
        std::fs::write(&f, stage.to_string()).unwrap();
        let (code, doc, _) = lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
        assert_eq!(
            (code, doc["error"]["code"].as_str()),
            (1, Some("PAAS_CONTEXT_GUARD")),
            "{doc:#}"
        );
        assert!(lab.run(&["stage", "configure", "--show"]).1["stage"].is_null());
        hand_written(&lab, &stage);
        for args in EVERY_ACTION {
            let (code, doc, _) = lab.run(args);
            assert_eq!(code, 1, "{args:?}: {doc:#}");
            assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD", "{args:?}");
            assert!(
                doc["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("stage.project"),
                "{doc:#}"
            );
        }
    }
    assert!(lab.calls().is_empty(), "{:?}", lab.calls());
    assert!(!lab.state.join("df-calls.log").exists());
}

#[test]
fn low_disk_refuses_the_clone_before_any_copy() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..3]);
    lab.configure(&stage_object(&COMPONENTS[..3]));
    lab.ok(&["stage", "init"]);
    // 40 GiB free; three copies may need 30 GiB: 10 GiB would be left, below 20GiB.
    lab.switch("df-avail-kib", &(40u64 << 20).to_string());
    let plan = lab.ok(&["stage", "plan"]);
    assert!(
        plan["disk_guard"]
            .as_str()
            .unwrap()
            .contains("below min_host_free 20GiB")
    );
    lab.clear_calls();
    let (code, doc, _) = lab.run(&["stage", "clone"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("10.0G free after copying 3 instance(s)"),
        "{msg}"
    );
    assert!(
        msg.contains("below min_host_free 20GiB") && msg.contains("40.0G free now"),
        "{msg}"
    );
    assert!(
        lab.calls().iter().all(|c| !mutating(c)),
        "{:?}",
        lab.calls()
    );
    // Cloning fewer components fits.
    let doc = lab.ok(&["stage", "clone", "--components", "system"]);
    assert_eq!(doc["started"], json!(["system"]));
}

#[test]
fn reset_stops_deletes_and_starts_one_component_only() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS);
    lab.configure(&stage_object(&COMPONENTS));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    // The staging `web` collects data again.
    let mut sim = lab.sim();
    let files = &mut sim["projects"]["STAGE-GBO"]["instances"]["web"]["files"];
    files["/srv/uploads/new.png"] = json!("x");
    files["/var/cache/web/c"] = json!("y");
    files["/opt/gbo/logs/today.log"] = json!("z");
    lab.set_sim(&sim);
    let before = lab.sim();
    lab.clear_calls();

    let doc = lab.ok(&["stage", "reset", "web"]);
    assert_eq!(
        doc["wiped"],
        json!(["/srv/uploads", "/var/cache/web", "/opt/gbo/logs"])
    );
    let ran: Vec<Vec<String>> = lab.calls().into_iter().filter(|c| mutating(c)).collect();
    let p = ["--project".to_string(), "STAGE-GBO".into()];
    let with_p = |words: &[&str]| {
        let mut v: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        v.extend(p.iter().cloned());
        v
    };
    assert_eq!(
        ran,
        [
            with_p(&["stop", "web"]),
            with_p(&["file", "delete", "--force", "web/srv/uploads"]),
            with_p(&["file", "delete", "--force", "web/var/cache/web"]),
            with_p(&["file", "delete", "--force", "web/opt/gbo/logs"]),
            with_p(&["start", "web"]),
        ]
    );
    assert_every_call_names_a_project(&lab.calls());
    let after = lab.sim();
    let files = after["projects"]["STAGE-GBO"]["instances"]["web"]["files"]
        .as_object()
        .unwrap();
    assert!(
        files
            .keys()
            .all(|f| f.starts_with("/opt/gbo/data") || f.starts_with("/opt/gbo/work")),
        "{files:?}"
    );
    assert_eq!(lab.staged("web")["status"], "Running");
    for other in ["system", "tables", "search", "queue", "mail"] {
        assert_eq!(
            after["projects"]["STAGE-GBO"]["instances"][other],
            before["projects"]["STAGE-GBO"]["instances"][other],
            "{other} was touched"
        );
    }
    let row = lab
        .audit()
        .into_iter()
        .rev()
        .find(|r| r["command"] == "stage reset")
        .unwrap();
    assert_eq!(row["fields"]["components"], "web");
    assert_eq!(row["fields"]["commands"].as_array().unwrap().len(), 5);

    // A stopped component starts again after its reset; an unknown one is a usage error.
    lab.ok(&["stage", "stop", "--components", "tables"]);
    lab.ok(&["stage", "reset", "tables"]);
    assert_eq!(lab.staged("tables")["status"], "Running");
    let (code, doc, _) = lab.run(&["stage", "reset", "nosuch"]);
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (2, Some("PAAS_INVALID_ARGUMENT"))
    );
}

#[test]
fn a_copy_never_starts_without_its_staging_address() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.ok(&["stage", "init"]);
    // The host accepts the address change for `tables` but does not apply it.
    lab.switch("noop-on", "config device override tables\n");
    let (code, doc, _) = lab.run(&["stage", "clone"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("refusing to start tables"),
        "{doc:#}"
    );
    assert_eq!(lab.staged("system")["status"], "Running");
    assert_eq!(lab.staged("tables")["status"], "Stopped");
    assert!(!lab.calls().iter().any(|c| c[..2] == ["start", "tables"]));
    let (code, doc, _) = lab.run(&["stage", "start", "--components", "tables"]);
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (1, Some("PAAS_CONTEXT_GUARD"))
    );
    std::fs::remove_file(lab.state.join("noop-on")).unwrap();
    lab.ok(&["stage", "clone"]);
    assert_eq!(lab.staged("tables")["status"], "Running");
}

#[test]
fn status_flags_an_instance_outside_the_staging_network() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    let mut sim = lab.sim();
    sim["projects"]["STAGE-GBO"]["instances"]["stray"] = json!({
        "status": "Running", "profiles": [], "config": {}, "files": {},
        "devices": {"eth0": {"type": "nic", "network": "incusbr0"}}, "addr": "10.10.0.77"
    });
    lab.set_sim(&sim);
    let (code, doc, _) = lab.run(&["stage", "status"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert!(doc["error"]["message"].as_str().unwrap().contains("stray"));
    let stray = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "stray")
        .unwrap()
        .clone();
    assert_eq!(stray["flags"], json!(["outside_network", "not_in_config"]));
    assert_eq!(doc["rows"][0]["flags"], json!([]));
    let out = lab
        .cmd()
        .args(["--context", "stg", "stage", "status"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("outside_network,not_in_config"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_read_only_staging_context_refuses_every_mutating_stage_action() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.env.ok(&["context", "init", "stg", "--read-only"]);
    let f = lab.env.work.join("stage.json");
    let mut changing: Vec<Vec<&str>> = EVERY_ACTION[2..].iter().map(|a| a.to_vec()).collect();
    changing.push(vec![
        "stage",
        "configure",
        "--from-file",
        f.to_str().unwrap(),
    ]);
    for args in &changing {
        let (code, doc, _) = lab.run(args);
        assert_eq!(code, 2, "{args:?}: {doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains("read-only")
        );
    }
    assert!(lab.calls().is_empty(), "{:?}", lab.calls());
    // Reads still run.
    lab.ok(&["stage", "plan"]);
    lab.ok(&["stage", "configure", "--show"]);
    assert!(lab.calls().iter().all(|c| !mutating(c)));
}

#[test]
fn hostile_names_and_paths_never_reach_a_shell() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..1]);
    let marker = lab.env.dir.path().join("pwned");
    let m = marker.display().to_string();
    let mut stage = stage_object(&COMPONENTS[..1]);
    stage["components"][0]["name"] = json!(format!("web;touch {m}"));
    let f = lab.env.work.join("hostile.json");
    std::fs::write(&f, stage.to_string()).unwrap();
    let (code, doc, _) = lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stage.components[0].name")
    );
    hand_written(&lab, &stage);
    for args in EVERY_ACTION {
        let (code, doc, _) = lab.run(args);
        assert_eq!(
            (code, doc["error"]["code"].as_str()),
            (1, Some("PAAS_STATE_CORRUPT")),
            "{args:?}"
        );
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains("paasdeck.json: stage.components[0].name")
        );
    }
    assert!(lab.calls().is_empty());

    // Paths may hold anything printable: they are single-quoted words, never interpreted.
    let hostile = format!("/opt/it's $(touch {m}) `touch {m}`; touch {m}");
    let mut stage = stage_object(&COMPONENTS[..1]);
    stage["components"][0]["wipe"] = json!([hostile]);
    lab.configure(&stage);
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    let deletes: Vec<Vec<String>> = lab
        .calls()
        .into_iter()
        .filter(|c| c[..2] == ["file", "delete"])
        .collect();
    assert!(
        deletes.contains(&vec![
            "file".into(),
            "delete".into(),
            "--force".into(),
            format!("system{hostile}"),
            "--project".into(),
            "STAGE-GBO".into(),
        ]),
        "{deletes:?}"
    );
    assert!(!marker.exists());
    // exec passes each word as one argument.
    let doc = lab.ok(&[
        "stage",
        "exec",
        "system",
        "--",
        "echo",
        &format!("$(touch {m})"),
        "a b",
    ]);
    assert_eq!(doc["exit_code"], 0);
    let exec = lab.calls().into_iter().rfind(|c| c[0] == "exec").unwrap();
    assert_eq!(
        exec[exec.len() - 3..],
        ["echo".to_string(), format!("$(touch {m})"), "a b".into()]
    );
    assert!(!marker.exists());
}

#[test]
fn configure_writes_validates_and_shows() {
    let lab = Lab::local();
    std::fs::write(
        lab.env.ctx_dir("stg").join("paasdeck.json"),
        r#"{"future_setting": {"a": 1}, "color": "cyan"}"#,
    )
    .unwrap();
    let first = lab.configure(&stage_object(&COMPONENTS[..2]));
    assert_eq!(first["written"], true);
    assert_eq!(
        first["changes"],
        json!(["stage object created: project STAGE-GBO, 2 component(s)"])
    );
    let text = std::fs::read_to_string(lab.env.ctx_dir("stg").join("paasdeck.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["future_setting", "color", "stage"]
    );
    let mut changed = stage_object(&COMPONENTS[..3]);
    changed["root_disk"] = json!("20GiB");
    let f = lab.env.work.join("changed.json");
    std::fs::write(&f, changed.to_string()).unwrap();
    let dry = lab.ok(&[
        "stage",
        "configure",
        "--from-file",
        f.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(dry["written"], false);
    assert_eq!(
        dry["changes"],
        json!([
            "root_disk: 10GiB → 20GiB",
            "component search added (10.0.3.12, data wipe)"
        ])
    );
    assert_eq!(
        std::fs::read_to_string(lab.env.ctx_dir("stg").join("paasdeck.json")).unwrap(),
        text
    );
    let show = lab.ok(&["stage", "configure", "--show"]);
    assert_eq!(show["stage"], stage_object(&COMPONENTS[..2]));
    let again = lab.configure(&stage_object(&COMPONENTS[..2]));
    assert_eq!(
        (again["written"].clone(), again["changes"].clone()),
        (json!(false), json!([]))
    );

    // Clear errors naming the file and field; nothing written.
    let mut bad = stage_object(&COMPONENTS[..2]);
    bad["components"][1]["ip"] = json!("10.0.3.10");
    std::fs::write(&f, bad.to_string()).unwrap();
    let (code, doc, _) = lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("changed.json: stage.components[1].ip: 10.0.3.10 is already the address of component system"), "{msg}");
    bad = stage_object(&COMPONENTS[..2]);
    bad["host_target"] = json!("elsewhere");
    std::fs::write(&f, bad.to_string()).unwrap();
    let (code, doc, _) = lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"elsewhere\" is not a target")
    );
    assert_eq!(
        std::fs::read_to_string(lab.env.ctx_dir("stg").join("paasdeck.json")).unwrap(),
        text
    );

    // Only staging contexts have a stage.
    lab.env.init("prod", "production");
    let (code, doc) = lab.env.json(&[
        "--context",
        "prod",
        "stage",
        "configure",
        "--from-file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (1, Some("PAAS_CONTEXT_GUARD"))
    );
    let (code, doc) = lab.env.json(&["--context", "prod", "stage", "status"]);
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (1, Some("PAAS_CONTEXT_GUARD"))
    );
    // context init --type staging says how to configure.
    let (_, doc) = lab
        .env
        .json(&["context", "init", "stg2", "--type", "staging"]);
    assert!(
        doc["next"]
            .as_str()
            .unwrap()
            .contains("stage configure --from-file")
    );
}

#[test]
fn destroy_needs_force_and_removes_the_project() {
    let lab = Lab::local();
    lab.seed(&COMPONENTS[..2]);
    lab.configure(&stage_object(&COMPONENTS[..2]));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    let (code, _, _) = lab.run(&["stage", "destroy"]);
    assert_eq!(code, 2);
    assert!(lab.sim()["projects"]["STAGE-GBO"].is_object());
    let doc = lab.ok(&["stage", "destroy", "--force"]);
    assert_eq!(doc["deleted"], json!(["system", "tables"]));
    assert!(lab.sim()["projects"].get("STAGE-GBO").is_none());
    assert_eq!(
        lab.sim()["projects"]["default"]["instances"]["system"]["status"],
        "Running"
    );
    assert_every_call_names_a_project(&lab.calls());
    let doc = lab.ok(&["stage", "destroy", "--force"]);
    assert_eq!(doc["deleted"], json!([]));
}
