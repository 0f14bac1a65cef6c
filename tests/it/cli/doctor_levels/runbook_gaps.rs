//! What walking the context runbook found the doctor letting through, each caught and named by
//! a blocking check: a `.env` with a token at a repository's root, a plaintext file in the
//! backup store, a bearer token in an app's `health_cmd`, and backups written inside the
//! repository of a repo-local state root.

use std::process::Command;

use super::{check, doctor, fix_and_recheck, private};
use crate::common::{Env, stderr, stdout};

const TOKEN: &str = "tok-Runbook-Secret-9431";

fn git_init(dir: &std::path::Path) {
    let o = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_dotenv_holding_a_token_at_the_repository_root_blocks_and_its_fix_moves_it_out() {
    let env = Env::new();
    env.init("shop", "production");
    git_init(&env.work);
    std::fs::write(
        env.work.join(".env"),
        format!("APP_URL=https://shop.example\nAPI_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "repo_dotenv_secrets");
    assert_eq!(
        (c["ok"].as_bool(), c["level"].as_str()),
        (Some(false), Some("block"))
    );
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains(".env:2 (API_TOKEN=<redacted>)"), "{detail}");
    assert!(!doc.to_string().contains(TOKEN), "the token leaked: {doc}");
    fix_and_recheck(&env, "shop", "repo_dotenv_secrets", "");
    assert!(!env.work.join(".env").exists());
    // A `.env` that only references values is fine.
    std::fs::write(env.work.join(".env"), "API_TOKEN=${API_TOKEN}\n").unwrap();
    let (_, doc) = doctor(&env, "shop");
    assert_eq!(check(&doc, "repo_dotenv_secrets")["ok"], true);
}

#[test]
fn a_plaintext_file_dropped_into_the_backup_store_blocks_and_is_named() {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    let b = env.ok_in("shop", &["backup", "state"]);
    let artifact = std::path::PathBuf::from(b["backup"]["path"].as_str().unwrap());
    let (_, doc) = doctor(&env, "shop");
    assert_eq!(check(&doc, "backup_store_plaintext")["ok"], true, "{doc:#}");
    let dump = artifact.parent().unwrap().join("shop-2026.sql");
    private(&dump, "COPY users (email, password) FROM stdin;\n");
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "backup_store_plaintext");
    assert_eq!(c["ok"], false, "{c:#}");
    assert!(
        c["detail"].as_str().unwrap().contains("shop-2026.sql"),
        "{c}"
    );
    assert!(
        !c["detail"]
            .as_str()
            .unwrap()
            .contains(artifact.file_name().unwrap().to_str().unwrap())
    );
    fix_and_recheck(&env, "shop", "backup_store_plaintext", "");
    assert!(artifact.exists(), "the real artifact stays");
}

#[test]
fn a_bearer_token_inside_an_imported_health_cmd_blocks_and_is_named() {
    let env = Env::new();
    env.init("shop", "production");
    let apps = env.ctx_dir("shop").join("apps.json");
    let write = |health: &str| {
        let doc = serde_json::json!({"apps": [{
            "name": "api",
            "compose_file": "compose.yaml",
            "health_cmd": health,
        }]});
        private(&apps, &serde_json::to_string_pretty(&doc).unwrap());
    };
    write(&format!(
        "curl -fsS -H 'Authorization: Bearer {TOKEN}' http://127.0.0.1:8080/health"
    ));
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "app_command_secrets");
    assert_eq!(
        (c["ok"].as_bool(), c["level"].as_str()),
        (Some(false), Some("block"))
    );
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("app api health_cmd: a bearer token"),
        "{c}"
    );
    assert!(c["fix"].as_str().unwrap().contains("apps.json"), "{c}");
    assert!(!doc.to_string().contains(TOKEN), "the token leaked: {doc}");
    // Named from the vault instead, it passes.
    write("curl -fsS -H \"Authorization: Bearer $HEALTH_TOKEN\" http://127.0.0.1:8080/health");
    let (_, doc) = doctor(&env, "shop");
    assert_eq!(check(&doc, "app_command_secrets")["ok"], true, "{doc:#}");
}

#[test]
fn backups_never_go_inside_the_repository_of_a_repo_local_state_root() {
    let env = Env::new();
    git_init(&env.work);
    let root = env.work.join("paas-state");
    let run = |args: &[&str]| {
        let o = env
            .cmd()
            .env("SI_PAAS_ALLOW_REPO_STATE", "true")
            .args(["--state-root", root.to_str().unwrap(), "--json"])
            .args(args)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}{}", stdout(&o), stderr(&o)));
        (o.status.code().unwrap(), doc)
    };
    let (code, doc) = run(&["context", "init", "shop", "--type", "production"]);
    assert_eq!(code, 0, "{doc:#}");
    env.ok(&["vault", "keygen"]);
    let (code, doc) = run(&["--context", "shop", "backup", "state"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD", "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inside the git work tree")
    );
    let store = root.join("backups/shop");
    let written = std::fs::read_dir(&store).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "nothing was written inside the repository");
    let (_, doc) = run(&["--context", "shop", "doctor"]);
    assert_eq!(
        check(&doc, "backup_store_outside_repo")["ok"],
        true,
        "{doc:#}"
    );
    // One written there before (by an older tool): named, with where to move it.
    private(
        &store.join("bk-20260101T000000-state-abcdef.age"),
        "age-encryption.org/v1\n-> X25519 x\n",
    );
    let (code, doc) = run(&["--context", "shop", "doctor"]);
    assert_eq!(code, 1);
    let c = check(&doc, "backup_store_outside_repo");
    assert_eq!(
        (c["ok"].as_bool(), c["level"].as_str()),
        (Some(false), Some("block"))
    );
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(store.to_str().unwrap())
            && detail.contains("SI_PAAS_ALLOW_REPO_STATE=true"),
        "{detail}"
    );
    assert!(
        c["fix"].as_str().unwrap().contains("backup_dir") || detail.contains("backup_dir"),
        "{c}"
    );
}
