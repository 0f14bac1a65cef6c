//! The doctor's two levels and its fixes (SPEC §7): warnings never block, blocking checks do;
//! every failing check's fix runs as shown through a shell (with no state root in the
//! environment, so the fix must name it) and turns its check green; hosts and vaults are
//! compared as what they are; temp files of writers that are gone never block.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{Env, stderr, stdout};

mod history;
mod runbook_gaps;
mod separation;

const DEAD_PID: u32 = 999_999_999;
const REL: &str = "rel-20260101T000000-000000001";
const OTHER_REL: &str = "rel-20260102T000000-000000002";

fn doctor(env: &Env, ctx: &str) -> (i32, Value) {
    env.json_in(ctx, &["doctor"])
}

fn check(doc: &Value, name: &str) -> Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no check {name}: {doc:#}"))
}

fn warnings(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings list: {doc:#}"))
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

fn private(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Runs `fix` through `sh -c` as an operator would paste it: the test's home and identity, the
/// binary on PATH, and no `SI_PAAS_STATE_ROOT` (the fix must name the root itself).
fn run_fix(env: &Env, fix: &str, stdin: &str) {
    use std::io::Write;
    let base = env.cmd();
    let mut c = Command::new("sh");
    c.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    let bin_dir = Env::bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.env("PATH", path)
        .env_remove("SI_PAAS_STATE_ROOT")
        .current_dir(&env.work)
        .args(["-c", fix])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "fix `{fix}` failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// The failing check's fix, run; then the check passes.
fn fix_and_recheck(env: &Env, ctx: &str, name: &str, stdin: &str) {
    let (_, doc) = doctor(env, ctx);
    let c = check(&doc, name);
    assert_eq!(c["ok"], false, "{c:#}");
    let fix = c["fix"].as_str().unwrap().to_string();
    assert!(!fix.is_empty(), "{c:#}");
    run_fix(env, &fix, stdin);
    let (_, doc) = doctor(env, ctx);
    let after = check(&doc, name);
    assert_eq!(after["ok"], true, "after `{fix}`: {after:#}");
}

fn secret_set(env: &Env, ctx: &str) -> (i32, Value) {
    let o = env.run_stdin(
        &[
            "--json",
            "--context",
            ctx,
            "secret",
            "set",
            "--app",
            "web",
            "--name",
            "X",
        ],
        "v\n",
    );
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| json!({}));
    (o.status.code().unwrap(), doc)
}

/// The state backup of `ctx` tampered and its verification recorded as failed.
fn failed_backup(env: &Env, ctx: &str) {
    let (code, doc) = env.json_in(ctx, &["backup", "state"]);
    assert_eq!(code, 0, "{doc:#}");
    let path = doc["backup"]["path"].as_str().unwrap().to_string();
    let mut b = std::fs::read(&path).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0xff;
    std::fs::write(&path, b).unwrap();
    let (code, doc) = env.json_in(ctx, &["backup", "verify", "--latest", "--kind", "state"]);
    assert_eq!(code, 1, "{doc:#}");
}

#[test]
fn warnings_never_block_and_blocking_checks_do() {
    let env = Env::new();
    env.init("shop", "production");
    env.ok(&["vault", "keygen"]);
    failed_backup(&env, "shop");
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["ok"], true);
    assert_eq!(
        warnings(&doc),
        ["latest_backup_verified", "alert_channel_configured"]
    );
    for c in doc["checks"].as_array().unwrap() {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "ok", "level", "detail", "fix"], "{c:#}");
    }
    assert_eq!(check(&doc, "latest_backup_verified")["level"], "warn");
    assert_eq!(check(&doc, "state_permissions")["level"], "block");
    let text = stdout(&env.run(&["--context", "shop", "doctor"]));
    assert!(
        text.contains("warnings (they never block a deploy, a rollback or a secret change): latest_backup_verified, alert_channel_configured"),
        "{text}"
    );
    assert!(text.contains("WARN  latest_backup_verified"), "{text}");
    // A warning never blocks a secret change...
    let (code, doc) = secret_set(&env, "shop");
    assert_eq!(code, 0, "{doc:#}");
    // ...a failing block check does, naming it and only it.
    mode(&env.ctx_dir("shop").join("config.json"), 0o644);
    let (code, doc) = doctor(&env, "shop");
    assert_eq!((code, &doc["ok"]), (1, &Value::Bool(false)), "{doc:#}");
    let (code, doc) = secret_set(&env, "shop");
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("(state_permissions)"), "{msg}");
}

#[test]
fn every_failing_check_names_a_fix_that_runs_as_shown() {
    let env = Env::new();
    env.init("shop", "production");
    env.init("demo", "oss-demo");
    env.ok(&["vault", "keygen"]);
    let shop = env.ctx_dir("shop");
    let demo = env.ctx_dir("demo");

    // state_permissions
    mode(&shop.join("config.json"), 0o644);
    mode(&shop.join("events"), 0o755);
    fix_and_recheck(&env, "shop", "state_permissions", "");

    // vault_values_encrypted
    let (code, doc) = secret_set(&env, "shop");
    assert_eq!(code, 0, "{doc:#}");
    let vault = shop.join("vault/secrets.env");
    let mut text = std::fs::read_to_string(&vault).unwrap();
    text.push_str("PAAS__CTX_SHOP__APP_WEB__VAR_PLAIN=hunter2\n");
    private(&vault, &text);
    fix_and_recheck(&env, "shop", "vault_values_encrypted", "");

    // bundle_plaintext_env
    private(
        &shop.join(format!("releases/web/{REL}/.env")),
        "DB_PASSWORD=hunter2\n",
    );
    mode(&shop.join("releases/web"), 0o700);
    mode(&shop.join(format!("releases/web/{REL}")), 0o700);
    fix_and_recheck(&env, "shop", "bundle_plaintext_env", "");

    // events_context_consistency
    let events = shop.join("events/deployments.jsonl");
    let mut rows = std::fs::read_to_string(&events).unwrap_or_default();
    rows.push_str(&format!(
        "{}\n",
        json!({"timestamp": "2026-01-01T00:00:00Z", "context": "demo", "command": "deploy", "status": "succeeded"})
    ));
    private(&events, &rows);
    fix_and_recheck(&env, "shop", "events_context_consistency", "");

    // state_plaintext_secrets: si's Telegram token moves into the vault (token on stdin)
    private(
        &shop.join("alerts/telegram.json"),
        &json!({"bot_token": "123456:AbCdEf_gh-ij", "chat_id": "-100123"}).to_string(),
    );
    mode(&shop.join("alerts"), 0o700);
    let (_, doc) = doctor(&env, "shop");
    let c = check(&doc, "state_plaintext_secrets");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("alert setup-telegram"),
        "{c:#}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .ends_with("alert setup-telegram --chat-id -100123"),
        "{c:#}"
    );
    assert!(!doc.to_string().contains("AbCdEf_gh"), "never the token");
    fix_and_recheck(
        &env,
        "shop",
        "state_plaintext_secrets",
        "123456:AbCdEf_gh-ij",
    );

    // alert_channel_configured (demo has none; the URL on stdin)
    fix_and_recheck(
        &env,
        "demo",
        "alert_channel_configured",
        "http://127.0.0.1:9/hook",
    );

    // contexts_distinct_targets: written by another tool, loopback under two spellings
    for (ctx, host) in [("shop", "127.0.0.1"), ("demo", "localhost")] {
        private(
            &env.ctx_dir(ctx).join("targets.json"),
            &json!({"current_target": "", "targets": [{"name": "edge", "host": host, "port": 22, "user": "deploy"}]}).to_string(),
        );
    }
    fix_and_recheck(&env, "demo", "contexts_distinct_targets", "");
    assert_eq!(
        check(&doctor(&env, "shop").1, "contexts_distinct_targets")["ok"],
        true
    );

    // contexts_distinct_vaults: a copy of another context's vault
    std::fs::copy(&vault, demo.join("vault/secrets.env")).unwrap();
    fix_and_recheck(&env, "demo", "contexts_distinct_vaults", "");

    // deploy_history_consistency: a release of another context in the history
    std::fs::create_dir_all(demo.join(format!("releases/web/{OTHER_REL}"))).unwrap();
    for d in ["releases/web", &format!("releases/web/{OTHER_REL}")] {
        mode(&demo.join(d), 0o700);
    }
    private(
        &shop.join("deployments.json"),
        &json!({"apps": {"web": {"current_release": OTHER_REL, "history": [OTHER_REL]}}})
            .to_string(),
    );
    fix_and_recheck(&env, "shop", "deploy_history_consistency", "");

    // latest_backup_verified (a warning, with a fix all the same)
    failed_backup(&env, "shop");
    fix_and_recheck(&env, "shop", "latest_backup_verified", "");

    // context_name
    let cfg = shop.join("config.json");
    let text = std::fs::read_to_string(&cfg).unwrap();
    private(
        &cfg,
        &text.replace("\"name\": \"shop\"", "\"name\": \"other\""),
    );
    fix_and_recheck(&env, "shop", "context_name", "");

    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn a_temp_file_left_at_the_root_is_a_warning_removed_by_the_next_writer() {
    let env = Env::new();
    env.init("shop", "production");
    // What a killed `context use` leaves, and a killed `context init` that created nothing else.
    let root_tmp = env.root.join(format!(".paasdeck-{DEAD_PID}-AbC123.tmp"));
    private(&root_tmp, "shop\n");
    let half = env
        .root
        .join(format!("contexts/new/.paasdeck-{DEAD_PID}-XyZ789.tmp"));
    private(&half, "{\"name\": \"new\"");
    mode(half.parent().unwrap(), 0o700);
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 0, "a warning never fails the doctor: {doc:#}");
    assert!(warnings(&doc).contains(&"state_temp_files".to_string()));
    // A writer that is still running (this test process) keeps its temp file.
    let live = env
        .root
        .join(format!(".paasdeck-{}-Lv3Ab9.tmp", std::process::id()));
    private(&live, "shop\n");
    env.ok(&["context", "use", "shop"]);
    assert!(!root_tmp.exists() && !half.exists());
    assert!(live.exists(), "a live writer's temp file is kept");
    std::fs::remove_file(&live).unwrap();
    let (_, doc) = doctor(&env, "shop");
    assert_eq!(check(&doc, "state_temp_files")["ok"], true, "{doc:#}");
}

#[test]
fn the_repository_fixes_run_as_shown() {
    let env = Env::new();
    let repo = env.dir.path();
    let o = Command::new("git")
        .args(["init", "-q"])
        .arg(repo)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let allowed = |args: &[&str]| {
        let o = env
            .cmd()
            .env("SI_PAAS_ALLOW_REPO_STATE", "true")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    allowed(&["context", "init", "shop", "--type", "production"]);
    let (code, doc) = doctor(&env, "shop");
    assert_eq!(code, 1, "{doc:#}");
    // The repository stops carrying the state (ignored, out of the index)...
    fix_and_recheck(&env, "shop", "repo_private_state_artifacts", "");
    // ...and the state root moves out of it.
    let (_, doc) = doctor(&env, "shop");
    let c = check(&doc, "state_root_outside_repo");
    let fix = c["fix"].as_str().unwrap().to_string();
    let dest = repo.parent().unwrap().join(format!(
        "{}-paas-state",
        repo.file_name().unwrap().to_string_lossy()
    ));
    assert!(fix.ends_with(&dest.display().to_string()), "{fix}");
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(dest.clone());
    run_fix(&env, &fix, "");
    let o = env
        .cmd()
        .args(["--json", "--state-root"])
        .arg(&dest)
        .args(["--context", "shop", "doctor"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    for name in ["state_root_outside_repo", "repo_private_state_artifacts"] {
        assert_eq!(check(&doc, name)["ok"], true, "{doc:#}");
    }
}
