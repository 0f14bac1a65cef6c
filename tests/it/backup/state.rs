//! State backups: what the archive holds (never the vault, never a secret value), restore,
//! the guard, recipients.

use std::io::Read;
use std::path::PathBuf;

use super::site::{catalogue, decrypt, identity, run, store_files};
use crate::common::Env;

const SECRET: &str = "s3cret-Value-that-must-never-leak";

fn ctx() -> Env {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    env.add_target("shop", "edge-a", "10.0.0.1");
    env.add_target("shop", "edge-b", "10.0.0.2");
    let o = env.run_stdin(
        &[
            "--context",
            "shop",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "DB_PASSWORD",
        ],
        SECRET,
    );
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    env
}

fn backup_state(env: &Env) -> serde_json::Value {
    let (code, doc, text) = run(env, "shop", &["backup", "state"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    doc["backup"].clone()
}

fn members(plain: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(plain);
    ar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            (name, b)
        })
        .collect()
}

#[test]
fn a_state_backup_holds_no_vault_and_no_secret_value() {
    let env = ctx();
    let row = backup_state(&env);
    assert_eq!(row["kind"], "state");
    assert_eq!(row["app"], "");
    let path = PathBuf::from(row["path"].as_str().unwrap());
    assert_eq!(path.parent().unwrap(), env.root.join("backups/shop"));
    let plain = decrypt(&path, &identity(&env));
    assert_eq!(
        super::site::sha_hex(&plain),
        row["plaintext_sha256"].as_str().unwrap()
    );
    let names: Vec<String> = members(&plain).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"config.json".to_string()), "{names:?}");
    assert!(names.contains(&"targets.json".to_string()), "{names:?}");
    assert!(
        names.contains(&"events/audit.jsonl".to_string()),
        "{names:?}"
    );
    assert_eq!(names.last().unwrap(), "paasdeck-backup.json");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("vault") || n.contains("secrets.env")),
        "{names:?}"
    );
    // Neither the value nor its vault line nor the vault's ciphertext is anywhere inside.
    let text = String::from_utf8_lossy(&plain);
    assert!(!text.contains(SECRET));
    let vault = std::fs::read_to_string(env.ctx_dir("shop").join("vault/secrets.env")).unwrap();
    let cipher = vault
        .lines()
        .find(|l| l.contains("encrypted:si:v2:"))
        .unwrap();
    assert!(!text.contains(cipher.split_once('=').unwrap().1));
    assert!(!text.contains("si-vault:recipient"));
}

#[test]
fn state_restore_brings_back_a_removed_target_and_leaves_the_vault() {
    let env = ctx();
    let row = backup_state(&env);
    let id = row["id"].as_str().unwrap();
    env.ok_in("shop", &["target", "remove", "edge-b", "--force"]);
    let vault = env.ctx_dir("shop").join("vault/secrets.env");
    // A secret changed after the backup stays as it is now.
    let o = env.run_stdin(
        &[
            "--context",
            "shop",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "LATER",
        ],
        "set-after-the-backup",
    );
    assert!(o.status.success());
    let vault_before = std::fs::read(&vault).unwrap();
    let (code, doc, text) = run(
        &env,
        "shop",
        &["backup", "restore", "--from", id, "--force"],
    );
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["doctor_ok"], true, "{doc:#}");
    let (_, list, _) = run(&env, "shop", &["target", "list"]);
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["edge-a", "edge-b"]);
    assert_eq!(
        std::fs::read(&vault).unwrap(),
        vault_before,
        "the vault is untouched"
    );
    // The audit rows written after the backup are still there, followed by the restore's own.
    let audit = super::site::audit(&env, "shop");
    assert!(audit.iter().any(|r| r["command"] == "target remove"));
    let last = audit.last().unwrap();
    assert_eq!(last["command"], "backup restore");
    assert_eq!(last["fields"]["backup_id"], id);
    assert_eq!(last["fields"]["doctor_ok"], true);
    // No staging directory is left in the context.
    let leftovers: Vec<_> = std::fs::read_dir(env.ctx_dir("shop"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".paasdeck"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_backup_in_a_read_only_context_is_refused() {
    let env = Env::new();
    env.ok(&[
        "context",
        "init",
        "frozen",
        "--type",
        "staging",
        "--read-only",
    ]);
    env.ok(&["vault", "keygen"]);
    let (code, doc, _) = run(&env, "frozen", &["backup", "state"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert!(catalogue(&env, "frozen").is_empty());
    assert!(store_files(&env, "frozen").is_empty());
    // The verb is refused before the app is even looked at.
    let (code, doc, _) = run(&env, "frozen", &["backup", "run", "--app", "api"]);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    // Listing stays allowed.
    let (code, _, _) = run(&env, "frozen", &["backup", "list"]);
    assert_eq!(code, 0);
}

#[test]
fn no_recipient_no_backup_and_configured_recipients_are_used() {
    let env = Env::new();
    env.init("shop", "production");
    let (code, doc, _) = run(&env, "shop", &["backup", "state"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_IDENTITY");
    let hint = doc["error"]["remediation"].as_str().unwrap();
    assert!(
        hint.contains("`paasdeck ") && hint.contains(" vault keygen`"),
        "{hint}"
    );
    assert!(catalogue(&env, "shop").is_empty());
    // A teammate's recipient in backup_recipients is enough, and can decrypt.
    let mate = age::x25519::Identity::generate();
    let cfg = env.ctx_dir("shop").join("config.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    v["backup_recipients"] = serde_json::json!([mate.to_public().to_string()]);
    std::fs::write(&cfg, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let (code, doc, text) = run(&env, "shop", &["backup", "state"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["backup"]["recipients"].as_array().unwrap().len(), 1);
    let plain = decrypt(
        &PathBuf::from(doc["backup"]["path"].as_str().unwrap()),
        &mate,
    );
    assert!(!plain.is_empty());
    // A malformed recipient is corrupt state naming the field.
    v["backup_recipients"] = serde_json::json!(["age1nope"]);
    std::fs::write(&cfg, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let (code, doc, _) = run(&env, "shop", &["backup", "state"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("backup_recipients[0]")
    );
}

#[test]
fn a_state_backup_keeps_the_guard_settings_and_the_addon_fragments() {
    let env = ctx();
    env.ok(&["context", "init", "shop", "--confirm", "type-name"]);
    env.ok_in(
        "shop",
        &[
            "app", "addon", "enable", "--app", "api", "--pack", "postgres", "--name", "db",
        ],
    );
    let row = backup_state(&env);
    let plain = decrypt(
        &PathBuf::from(row["path"].as_str().unwrap()),
        &identity(&env),
    );
    let names: Vec<String> = members(&plain).into_iter().map(|(n, _)| n).collect();
    for want in ["paasdeck.json", "addons.json", "addons/api/db.compose.yaml"] {
        assert!(names.contains(&want.to_string()), "{want}: {names:?}");
    }
    let dir = env.ctx_dir("shop");
    std::fs::remove_file(dir.join("addons/api/db.compose.yaml")).unwrap();
    std::fs::remove_file(dir.join("paasdeck.json")).unwrap();
    let id = row["id"].as_str().unwrap();
    let (code, doc, text) = run(
        &env,
        "shop",
        &["backup", "restore", "--from", id, "--force"],
    );
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert!(
        dir.join("addons/api/db.compose.yaml").exists(),
        "the fragment is back"
    );
    let settings = std::fs::read_to_string(dir.join("paasdeck.json")).unwrap();
    assert!(
        settings.contains("\"confirm\": \"type-name\""),
        "{settings}"
    );
}
