//! Reset, destroy and the configuration commands.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::lab::*;

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
            with_p(&["file", "delete", "--force", "web/srv/uploads/new.png"]),
            with_p(&["file", "delete", "--force", "web/var/cache/web/c"]),
            with_p(&["file", "delete", "--force", "web/opt/gbo/logs/today.log"]),
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
    let (code, doc) = lab.env.json_in(
        "prod",
        &["stage", "configure", "--from-file", f.to_str().unwrap()],
    );
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (1, Some("PAAS_CONTEXT_GUARD"))
    );
    let (code, doc) = lab.env.json_in("prod", &["stage", "status"]);
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

/// Every hint about writing a stage object names the page that documents one, and that page
/// holds a complete stage object.
#[test]
fn stage_hints_name_the_page_with_a_complete_stage_object() {
    let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/stage.md");
    let text = std::fs::read_to_string(&page).unwrap();
    for field in [
        "\"host_target\"",
        "\"source_project\"",
        "\"components\"",
        "\"min_host_free\"",
    ] {
        assert!(text.contains(field), "docs/stage.md lacks {field}");
    }

    let lab = Lab::local();
    // A stage command before there is a stage object.
    let (code, doc, _) = lab.run(&["stage", "status"]);
    assert_eq!(code, 2, "{doc:#}");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(hint.contains("stage configure --from-file"), "{hint}");
    assert!(hint.contains("docs/stage.md"), "{hint}");

    // A stage object with a bad field.
    let mut bad = stage_object(&COMPONENTS[..2]);
    bad["components"][1]["ip"] = json!("10.0.9.11");
    let f = lab.env.work.join("bad.json");
    std::fs::write(&f, bad.to_string()).unwrap();
    let (code, doc, _) = lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{doc:#}");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(hint.contains("docs/stage.md"), "{hint}");

    // A new staging context's next steps.
    let (code, doc) = lab
        .env
        .json(&["context", "init", "stg2", "--type", "staging"]);
    assert_eq!(code, 0, "{doc:#}");
    let next = doc["next"].as_str().unwrap();
    assert!(next.contains("stage configure --from-file"), "{next}");
    assert!(next.contains("docs/stage.md"), "{next}");
}
