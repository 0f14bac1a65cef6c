//! Fault replays of a restore's integrity: paasdeck killed in the middle of an app restore, and
//! a catalogue row copied from another context's `backups.json`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::site::{Site, catalogue, store};
use crate::common::sshd::eventually;
use crate::common::walk;

const MIB: usize = 1024 * 1024;

/// The bytes the target has received of a restore so far: its spool in the release directory,
/// or what the restore command itself has read.
fn received(site: &Site) -> Option<(PathBuf, u64)> {
    let mut files = walk(&site.env.dir.path().join("remote"));
    files.push(site.sshd.docker_state.join("restore.in"));
    files.into_iter().find_map(|p| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        let spool = name.starts_with(".paasdeck-restore.") || name == "restore.in";
        let len = std::fs::metadata(&p).ok()?.len();
        (spool && len > 0).then_some((p, len))
    })
}

#[test]
fn paasdeck_killed_mid_restore_never_lets_the_restore_command_finish_on_a_cut_dump() {
    let site = Site::new();
    let size = 48 * MIB;
    site.docker("dump-size", &size.to_string());
    let id = site.backup()["id"].as_str().unwrap().to_string();
    let mut child = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--json", "--context", "shop", "backup", "restore"])
        .args(["--from", &id, "--force"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the target holds part of the dump (and not all of it).
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        if let Some((p, n)) = received(&site)
            && (n as usize) < size
        {
            child.kill().unwrap();
            break (p, n);
        }
        assert!(
            Instant::now() < deadline,
            "the target never received part of the dump"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the restore ended first"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    child.wait().unwrap();
    // The target sees its input end: the spool (or the command's input) goes away.
    assert!(
        eventually(Duration::from_secs(30), || received(&site).is_none()
            && !seen.0.exists()),
        "the target still holds {}",
        seen.0.display()
    );
    assert_eq!(
        site.docker_file("restored.bytes"),
        None,
        "the restore command finished on {} bytes of {size} received at the kill",
        seen.1
    );
    let exec = site.docker_file("exec.log").unwrap_or_default();
    assert!(!exec.contains("psql"), "the restore command ran: {exec}");
}

/// A row of `from`'s catalogue, as it would be copied into another context's `backups.json`.
fn forged_into(site: &Site, row: &Value, to: &str) {
    let path = site.env.ctx_dir(to).join("backups.json");
    let mut doc: Value = std::fs::read_to_string(&path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| serde_json::json!({"backups": []}));
    doc["backups"].as_array_mut().unwrap().push(row.clone());
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

fn assert_refused(site: &Site, args: &[&str], id: &str, artifact: &Path) {
    let (code, doc, text) = site.run(args);
    assert_eq!(code, 1, "{args:?}: {doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(id), "names the row: {msg}");
    assert!(
        msg.contains(&artifact.display().to_string()) || msg.contains("context \"other\""),
        "names the artifact or its context: {msg}"
    );
}

#[test]
fn a_row_copied_from_another_contexts_catalogue_is_refused() {
    let site = Site::new();
    site.env.init("other", "production");
    // `other`'s backup of its own `api`: the artifact in its store, the row in its catalogue.
    let mut row = site.backup();
    let id = row["id"].as_str().unwrap().to_string();
    let mine = PathBuf::from(row["path"].as_str().unwrap());
    let theirs = store(&site.env, "other").join(mine.file_name().unwrap());
    std::fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    std::fs::rename(&mine, &theirs).unwrap();
    std::fs::remove_file(site.env.ctx_dir("shop").join("backups.json")).unwrap();
    row["path"] = theirs.display().to_string().into();
    row["context"] = "other".into();
    forged_into(&site, &row, "other");

    // Copied as it is (naming its context), and with the context taken out of it.
    for copy in [row.clone(), {
        let mut r = row.clone();
        r.as_object_mut().unwrap().remove("context");
        r
    }] {
        std::fs::remove_file(site.env.ctx_dir("shop").join("backups.json")).ok();
        forged_into(&site, &copy, "shop");
        let restore = ["backup", "restore", "--from", id.as_str(), "--force"];
        assert_refused(&site, &restore, &id, &theirs);
        assert_refused(&site, &["backup", "verify", &id], &id, &theirs);
        assert_eq!(site.docker_file("restored.bytes"), None);
        // A newer backup of shop's own puts the copied row outside the policy: prune refuses
        // rather than remove another context's artifact.
        site.backup();
        let prune = [
            "backup",
            "prune",
            "--apply",
            "--keep-daily",
            "1",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
        ];
        assert_refused(&site, &prune, &id, &theirs);
        assert!(theirs.exists(), "prune removed another context's artifact");
    }
    assert_eq!(catalogue(&site.env, "other").len(), 1);
}
