//! Plan, init and clone: what runs, idempotence and resumption.

use serde_json::{Value, json};

use super::lab::*;
use crate::common::stdout;

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
    // init: 4; each clone: copy, address, mark, start, mark (5). The 11 wipes list their
    // directory first: what they delete depends on what is there.
    assert_eq!(planned.len(), 4 + 6 * 5);
    let planned_wipes = ["init", "clone"]
        .iter()
        .flat_map(|k| plan[k].as_array().unwrap().clone())
        .filter(|s| s["step"] == "wipe")
        .count();
    assert_eq!(planned_wipes, 11);
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
        .filter(|c| c[..2] != ["file", "push"] && c[..2] != ["file", "delete"])
        .cloned()
        .collect();
    assert_eq!(without_push, planned);
    // Each delete is one entry inside a wipe directory, never the directory itself.
    let deletes: Vec<&Vec<String>> = ran
        .iter()
        .filter(|c| c[..2] == ["file", "delete"])
        .collect();
    // One log per component (always_wipe), one file per own wipe path (5), system's job.tmp.
    assert_eq!(deletes.len(), 6 + 5 + 1, "{deletes:?}");
    for d in deletes {
        let (name, path) = d[3].split_once('/').unwrap();
        let (_, _, wipe) = COMPONENTS.iter().find(|(n, _, _)| *n == name).unwrap();
        let dir = path.rsplit_once('/').unwrap().0;
        assert!(
            wipe.iter()
                .chain(&["/opt/gbo/logs"])
                .any(|w| format!("/{dir}") == *w),
            "{d:?}"
        );
    }

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
        ifaces.contains("address 10.0.3.10\n")
            && ifaces.contains("gateway 10.0.3.1\n")
            && ifaces.contains("dns-nameservers 10.0.3.1\n")
            && !ifaces.contains("10.10.0."),
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
