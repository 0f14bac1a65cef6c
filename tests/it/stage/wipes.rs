//! Wipes empty a directory and keep it, owner and mode included (the guide's
//! `rm -rf /opt/gbo/data/minio/*`), and `stage configure` refuses wipe paths that are globs,
//! climb out with `..`, or name `/` or a system directory.

use serde_json::{Value, json};

use super::lab::*;

const MINIO: &str = "/opt/gbo/data/minio";
const DRIVE: [(&str, &str, &[&str]); 1] = [("drive", "wipe", &[MINIO])];

fn owner() -> Value {
    json!({"mode": "0750", "uid": 1001, "gid": 1001})
}

/// What MinIO keeps under its data directory, hidden entries included.
fn fill(inst: &mut Value) {
    for (f, v) in [
        (".minio.sys/format.json", "{}"),
        (".hidden", "h"),
        ("bucket/object", "o"),
    ] {
        inst["files"][format!("{MINIO}/{f}")] = json!(v);
    }
    inst["dirs"][MINIO] = owner();
    inst["dirs"][format!("{MINIO}/.minio.sys")] = owner();
    inst["dirs"][format!("{MINIO}/empty-bucket")] = owner();
}

/// The directory is there with its owner and mode, and nothing is inside it.
fn assert_emptied_and_kept(inst: &Value, when: &str) {
    assert_eq!(inst["dirs"][MINIO], owner(), "{when}: {inst:#}");
    let inside = |m: &Value| -> Vec<String> {
        m.as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| k.starts_with(&format!("{MINIO}/")))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(inside(&inst["files"]), Vec::<String>::new(), "{when}");
    assert_eq!(inside(&inst["dirs"]), Vec::<String>::new(), "{when}");
    // A sibling whose name starts the same is not inside it; data elsewhere stays.
    assert_eq!(inst["files"]["/opt/gbo/data/minio-old/x"], "old", "{when}");
    assert_eq!(
        inst["files"]["/opt/gbo/data/keep.db"], "data of drive",
        "{when}"
    );
}

#[test]
fn wipes_empty_the_directory_hidden_files_too_and_keep_it_with_owner_and_mode() {
    let lab = Lab::ssh();
    lab.seed(&DRIVE);
    let mut sim = lab.sim();
    let prod = &mut sim["projects"]["default"]["instances"]["drive"];
    fill(prod);
    prod["files"]["/opt/gbo/data/minio-old/x"] = json!("old");
    lab.set_sim(&sim);
    let production = lab.sim()["projects"]["default"]["instances"]["drive"].clone();
    lab.configure(&json!(stage_object(&DRIVE)));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone"]);
    assert_emptied_and_kept(&lab.staged("drive"), "after the clone");
    assert_eq!(lab.staged("drive")["status"], "Running");
    assert_eq!(
        lab.sim()["projects"]["default"]["instances"]["drive"],
        production,
        "production untouched"
    );

    // Staging writes again; a reset empties it again and keeps it.
    let mut sim = lab.sim();
    fill(&mut sim["projects"]["STAGE-GBO"]["instances"]["drive"]);
    lab.set_sim(&sim);
    lab.clear_calls();
    let doc = lab.ok(&["stage", "reset", "drive"]);
    assert_eq!(doc["wiped"], json!([MINIO, "/opt/gbo/logs"]));
    assert_emptied_and_kept(&lab.staged("drive"), "after the reset");
    let deleted: Vec<String> = lab
        .calls()
        .into_iter()
        .filter(|c| c[..2] == ["file", "delete"])
        .map(|c| c[3].clone())
        .collect();
    assert_eq!(
        deleted,
        [
            "drive/opt/gbo/data/minio/.hidden",
            "drive/opt/gbo/data/minio/.minio.sys",
            "drive/opt/gbo/data/minio/bucket",
            "drive/opt/gbo/data/minio/empty-bucket",
        ]
    );
    assert_every_call_names_a_project(&lab.calls());

    // An empty directory (or one that is not there) is nothing to delete.
    lab.clear_calls();
    let (code, doc, text) = lab.run(&["stage", "reset", "drive"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert!(
        !lab.calls().iter().any(|c| c[..2] == ["file", "delete"]),
        "{:?}",
        lab.calls()
    );
    assert!(
        text.contains("/opt/gbo/data/minio is already empty"),
        "{text}"
    );
    assert_emptied_and_kept(&lab.staged("drive"), "after a reset of an empty directory");
}

#[test]
fn configure_refuses_globs_dotdot_root_and_system_directories_naming_the_path() {
    let lab = Lab::local();
    lab.configure(&stage_object(&DRIVE));
    let settings = lab.env.ctx_dir("stg").join("paasdeck.json");
    let before = std::fs::read(&settings).unwrap();
    for (bad, why) in [
        ("/opt/gbo/data/minio/*", "glob character"),
        ("/opt/gbo/data/minio/../../../etc", "'..'"),
        ("/", "whole file system"),
        ("/etc", "system directory"),
        ("/usr/lib", "system directory"),
        ("/var/lib", "system directory"),
    ] {
        for (field, mut stage) in [
            ("stage.components[0].wipe[0]", stage_object(&DRIVE)),
            ("stage.always_wipe[0]", stage_object(&DRIVE)),
        ] {
            if field.starts_with("stage.always") {
                stage["always_wipe"] = json!([bad]);
            } else {
                stage["components"][0]["wipe"] = json!([bad]);
            }
            let f = lab.env.work.join("bad.json");
            std::fs::write(&f, json!({ "stage": stage }).to_string()).unwrap();
            let (code, doc, _) =
                lab.run(&["stage", "configure", "--from-file", f.to_str().unwrap()]);
            assert_eq!(code, 2, "{bad}: {doc:#}");
            assert_eq!(doc["error"]["code"], "PAAS_INVALID_ARGUMENT");
            let msg = doc["error"]["message"].as_str().unwrap();
            assert!(
                msg.contains(field) && msg.contains(&format!("{bad:?}")) && msg.contains(why),
                "{bad}: {msg}"
            );
        }
    }
    assert_eq!(std::fs::read(&settings).unwrap(), before, "nothing written");
    assert!(lab.calls().is_empty(), "{:?}", lab.calls());
}
