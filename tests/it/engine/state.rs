//! Reading the real engine: `deploy reconcile` after a container was stopped by hand, and an
//! app backup and restore of a file in a real volume.

use super::{PROJECT, Site};

#[test]
fn reconcile_sees_a_container_stopped_by_hand() {
    let site = Site::new();
    let release = site.deploy_ok();
    let (code, doc, text) = site.run(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let row = &doc["data"][0];
    assert_eq!(row["status"], "in_sync", "{row:#}");
    assert_eq!(row["services"][0]["service"], "api");
    assert_eq!(row["services"][0]["state"], "running");
    assert_eq!(row["services"][0]["release"], release.as_str());

    site.engine.ok(&["stop", "shop-api_api_1"]);
    let (code, doc, text) = site.run(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(code, 1, "{doc:#}\n{text}");
    let row = &doc["data"][0];
    assert_eq!(row["status"], "drifted", "{row:#}");
    assert_eq!(row["services"][0]["state"], "exited");
    assert!(
        row["detail"].as_str().unwrap().contains("api: exited"),
        "{row:#}"
    );
    assert_eq!(site.engine.containers(PROJECT), ["shop-api_api_1 exited"]);
}

#[test]
fn an_app_backup_and_restore_bring_back_a_file_of_a_real_volume() {
    let site = Site::new();
    site.deploy_ok();
    let put = |text: &str| {
        let o = site.engine.docker(&[
            "exec",
            "shop-api_api_1",
            "sh",
            "-c",
            &format!("printf '{text}' > /data/orders.txt"),
        ]);
        assert!(o.status.success(), "{o:?}");
    };
    let read = || {
        site.engine
            .ok(&["exec", "shop-api_api_1", "cat", "/data/orders.txt"])
    };
    put("order 1\\norder 2\\n");
    let (code, doc, text) = site.run(&["backup", "run", "--app", "api"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let id = doc["backup"]["id"].as_str().unwrap().to_string();
    assert!(doc["backup"]["plaintext_bytes"].as_u64().unwrap() > 0);

    put("overwritten\\n");
    assert_eq!(read(), "overwritten\n");
    let (code, doc, text) = site.run(&["backup", "restore", "--from", &id, "--force"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(read(), "order 1\norder 2\n");
}
