//! App backups over a real sshd: round trip, tampering, a failing remote, a killed connection.

use std::path::PathBuf;
use std::time::Duration;

use super::site::{Site, decrypt, dump, identity, sha_hex, store_files};
use crate::common::sshd::eventually;

const MIB: usize = 1024 * 1024;

#[test]
fn a_few_mib_round_trip_through_backup_and_restore() {
    let site = Site::new();
    let size = 3 * MIB + 12345;
    site.docker("dump-size", &size.to_string());
    let row = site.backup();
    let want = sha_hex(&dump(size));
    assert_eq!(row["status"], "ok");
    assert_eq!(row["kind"], "app");
    assert_eq!(row["app"], "api");
    assert_eq!(row["target"], "edge-a");
    assert!(row["release"].as_str().unwrap().starts_with("rel-"));
    assert_eq!(row["plaintext_bytes"], size as u64);
    assert_eq!(row["plaintext_sha256"], want);
    assert_eq!(row["verify"], "never");
    // The backup command ran in the deploy's compose project, not the directory's name.
    let exec = site.docker_file("exec.log").unwrap();
    assert!(
        exec.starts_with("shop-api\tdb pg_dump -U app app"),
        "{exec}"
    );

    // The artifact: 0600, its sha256 is the row's, and it decrypts with the identity to the
    // dump whose sha256 the row holds.
    let path = PathBuf::from(row["path"].as_str().unwrap());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(row["bytes"], bytes.len() as u64);
    assert_eq!(row["sha256"], sha_hex(&bytes));
    let plain = decrypt(&path, &identity(&site.env));
    assert_eq!(plain.len(), size);
    assert_eq!(sha_hex(&plain), want);
    assert_eq!(
        store_files(&site.env, "shop"),
        vec![format!("{}.age", row["id"].as_str().unwrap())]
    );

    let id = row["id"].as_str().unwrap();
    let (code, doc, text) = site.run(&["backup", "verify", id, "--deep"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["backup"]["verify"], "ok");

    let (code, doc, text) = site.run(&["backup", "restore", "--from", id]);
    assert_eq!(code, 2, "restore without --force: {text}");
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("--force")
    );
    let (code, doc, text) = site.run(&["backup", "restore", "--from", id, "--force"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(site.docker_file("restored.sha256").unwrap(), want);
    assert_eq!(
        site.docker_file("restored.bytes").unwrap(),
        size.to_string()
    );
    assert_eq!(doc["doctor_ok"], true, "{doc:#}");

    // The restore's record: backup id and checksum, operator, start and end, doctor result.
    let rows = super::site::audit(&site.env, "shop");
    let r = rows
        .iter()
        .rev()
        .find(|r| r["command"] == "backup restore")
        .unwrap();
    assert_eq!(r["status"], "succeeded");
    assert_eq!(r["fields"]["backup_id"], id);
    assert_eq!(r["fields"]["sha256"], row["sha256"]);
    assert!(r["operator"].as_str().unwrap().contains('@'));
    assert!(
        r["fields"]["started_at"].as_str().unwrap() <= r["fields"]["finished_at"].as_str().unwrap()
    );
    assert_eq!(r["fields"]["doctor_ok"], true);
    assert!(
        rows.iter()
            .any(|r| r["command"] == "backup run" && r["fields"]["backup_id"] == id)
    );
    assert!(
        rows.iter()
            .any(|r| r["command"] == "backup verify" && r["fields"]["verify"] == "ok")
    );
}

#[test]
fn a_flipped_byte_fails_verify_and_restore_names_the_good_backup() {
    let site = Site::new();
    site.docker("dump-size", "200000");
    let good = site.backup();
    let bad = site.backup_later("2s");
    assert!(
        bad["started_at"].as_str() > good["started_at"].as_str(),
        "{good:#}\n{bad:#}"
    );
    let (good_id, bad_id) = (good["id"].as_str().unwrap(), bad["id"].as_str().unwrap());
    super::site::flip_byte(&PathBuf::from(bad["path"].as_str().unwrap()));

    let (code, doc, _) = site.run(&["backup", "verify", "--latest", "--app", "api"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_BACKUP_VERIFY_FAILED");
    assert_eq!(doc["backup"]["id"], bad_id);
    assert_eq!(doc["backup"]["verify"], "failed");

    let (code, doc, _) = site.run(&["backup", "restore", "--from", bad_id, "--force"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_BACKUP_VERIFY_FAILED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(good_id), "names the good backup: {msg}");
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains(good_id)
    );
    assert!(
        site.docker_file("restored.sha256").is_none(),
        "nothing reached the target"
    );

    // The doctor reports the failed verification of the newest backup as a warning (SPEC §7)...
    let (code, doc, _) = site.run(&["doctor"]);
    assert_eq!(code, 0, "{doc:#}");
    let check = crate::common::vault::check(&doc, "latest_backup_verified");
    assert_eq!(check["ok"], false, "{check:#}");
    assert_eq!(check["level"], "warn", "{check:#}");
    assert!(check["detail"].as_str().unwrap().contains(bad_id));
    // ...which never holds back the deploy that fixes an incident.
    let (code, doc, _) = site.run(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{doc:#}");
}

fn assert_failed_row_and_no_artifact(site: &Site, why: &str) {
    let rows = super::site::catalogue(&site.env, "shop");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "failed");
    let msg = rows[0]["error_message"].as_str().unwrap();
    assert!(msg.contains(why), "{msg}");
    assert_eq!(rows[0]["path"], "");
    assert!(
        store_files(&site.env, "shop").is_empty(),
        "no artifact or temp file: {:?}",
        store_files(&site.env, "shop")
    );
}

#[test]
fn a_remote_that_exits_1_halfway_leaves_no_artifact_and_a_failed_row() {
    let site = Site::new();
    site.docker("dump-size", &(2 * MIB).to_string());
    site.docker("dump-fail-after", &MIB.to_string());
    let (code, doc, text) = site.run(&["backup", "run", "--app", "api"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["error"]["code"], "PAAS_REMOTE_COMMAND_FAILED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("exited 1") && msg.contains("server closed the connection"),
        "{msg}"
    );
    assert_failed_row_and_no_artifact(&site, "exited 1");
}

#[test]
fn a_killed_connection_leaves_no_artifact_and_a_failed_row() {
    let mut site = Site::new();
    site.docker("dump-size", &(64 * MIB).to_string());
    site.docker("dump-slow", "0.05");
    let child = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args([
            "--json",
            "--context",
            "shop",
            "backup",
            "run",
            "--app",
            "api",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = site.sshd.docker_state.join("dump-started");
    assert!(eventually(Duration::from_secs(30), || started.exists()));
    // Something is being written: a temp file in the store.
    assert!(eventually(Duration::from_secs(30), || !store_files(
        &site.env, "shop"
    )
    .is_empty()));
    site.sshd.kill_with_sessions();
    let out = child.wait_with_output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(doc["ok"], false);
    assert_failed_row_and_no_artifact(&site, "lost the connection");
}
