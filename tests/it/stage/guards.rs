//! The guards: production project, host disk, staging address first, status flags, read-only
//! contexts, hostile names and paths.

use serde_json::json;

use super::lab::*;
use crate::common::stdout;

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
    let mut sim = lab.sim();
    sim["projects"]["default"]["instances"]["system"]["files"][format!("{hostile}/file")] =
        json!("to wipe");
    lab.set_sim(&sim);
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
            format!("system{hostile}/file"),
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
