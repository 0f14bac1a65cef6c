//! The doctor on an si root: si's ingress artifacts are information, not a failure; plaintext
//! `.env` files si left in bundles are found and scrubbed.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use super::fixtures;
use crate::common::Env;

fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {doc:#}"))
}

fn mode(p: &std::path::Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// What `si paas target ingress-baseline` leaves: dirs 0755 (MkdirAll), files 0644, acme.json 0600.
fn ingress_baseline(env: &Env, ctx: &str) -> std::path::PathBuf {
    let t = env.ctx_dir(ctx).join("targets");
    let dir = t.join("edge-a").join("ingress").join("traefik");
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "docker-compose.traefik.yaml",
        "traefik.yaml",
        "dynamic.yaml",
        "README.md",
        "acme.json",
    ] {
        std::fs::copy(fixtures::dir().join("ingress/traefik").join(f), dir.join(f)).unwrap();
        mode(&dir.join(f), if f == "acme.json" { 0o600 } else { 0o644 });
    }
    for d in [
        t.clone(),
        t.join("edge-a"),
        t.join("edge-a/ingress"),
        dir.clone(),
    ] {
        mode(&d, 0o755);
    }
    dir
}

#[test]
fn si_ingress_artifacts_are_information_and_never_block() {
    let env = Env::new();
    env.init("prod", "production");
    let dir = ingress_baseline(&env, "prod");
    let doc = env.ok_in("prod", &["doctor"]);
    let c = check(&doc, "state_permissions");
    assert_eq!(c["ok"], true, "{c:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("targets/edge-a/ingress/traefik"),
        "{detail}"
    );
    assert!(detail.contains("no secrets"), "{detail}");
    // A doctor-gated command is not held back by them.
    let out = env.run_stdin(
        &[
            "--context",
            "prod",
            "secret",
            "set",
            "--app",
            "web",
            "--name",
            "X",
        ],
        "v\n",
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("PAAS_DOCTOR_BLOCKED"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // acme.json holds certificate keys once Traefik runs: it stays private state.
    mode(&dir.join("acme.json"), 0o644);
    let (code, doc) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1);
    let detail = check(&doc, "state_permissions")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains(&format!("chmod 600 {}", dir.join("acme.json").display())),
        "{detail}"
    );
    mode(&dir.join("acme.json"), 0o600);
    // Private state elsewhere still fails, naming the path and the one command that fixes it.
    let events = env.ctx_dir("prod").join("events");
    mode(&events, 0o755);
    let cfg = env.ctx_dir("prod").join("config.json");
    mode(&cfg, 0o644);
    let (code, doc) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1);
    let detail = check(&doc, "state_permissions")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains(&format!(
            "{} is 0755 (want 0700): chmod 700 {}",
            events.display(),
            events.display()
        )),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("chmod 600 {}", cfg.display())),
        "{detail}"
    );
    // An unknown file among the artifacts is checked like any other.
    mode(&events, 0o700);
    mode(&cfg, 0o600);
    std::fs::write(dir.join("notes.txt"), "x").unwrap();
    mode(&dir.join("notes.txt"), 0o644);
    let (code, _) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1);
}

#[test]
fn plaintext_env_in_si_bundles_is_found_and_scrubbed() {
    let env = Env::new();
    env.init("prod", "production");
    let bundle = env
        .ctx_dir("prod")
        .join("releases/shop/rel-20260217T020304-123456789");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(
        bundle.join(".env"),
        "DATABASE_URL=postgres://app:s3cr3t@db:5432/app\nPOSTGRES_PASSWORD=s3cr3t\n",
    )
    .unwrap();
    fixtures::si_modes(&env.root);
    let (code, doc) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1);
    let c = check(&doc, "bundle_plaintext_env");
    assert_eq!(c["ok"], false);
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("DATABASE_URL, POSTGRES_PASSWORD"),
        "{detail}"
    );
    assert!(detail.contains("context scrub-bundles --apply"), "{detail}");
    assert!(!doc.to_string().contains("s3cr3t"));
    // Plan first: nothing removed.
    let plan = env.ok_in("prod", &["context", "scrub-bundles"]);
    assert_eq!(plan["files"], 1);
    assert!(bundle.join(".env").exists());
    // Mutating: needs an explicit context.
    let (code, _) = env.json(&["context", "scrub-bundles", "--apply"]);
    assert_eq!(code, 2);
    let done = env.ok_in("prod", &["context", "scrub-bundles", "--apply"]);
    assert_eq!(done["files"], 1);
    assert!(!bundle.join(".env").exists());
    assert!(!done.to_string().contains("s3cr3t"));
    let doc = env.ok_in("prod", &["doctor"]);
    assert_eq!(check(&doc, "bundle_plaintext_env")["ok"], true);
    let audit = std::fs::read_to_string(env.ctx_dir("prod").join("events/audit.jsonl")).unwrap();
    assert!(audit.contains("context scrub-bundles"), "{audit}");
    assert!(!audit.contains("s3cr3t"));
}

/// Runs a command the doctor printed through `sh -c`, as an operator pastes it: the test's
/// home, the binary on PATH, `TOKEN` set, and no `SI_PAAS_STATE_ROOT` (the command names the
/// root itself).
fn paste(env: &Env, command: &str) {
    let base = env.cmd();
    let mut c = std::process::Command::new("sh");
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
    let o = c
        .env("PATH", path)
        .env_remove("SI_PAAS_STATE_ROOT")
        .env("TOKEN", "123456:AbCdEf_gh-ij")
        .current_dir(env.dir.path())
        .args(["-c", command])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "`{command}` failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The command a detail spells between backticks, starting with `starts`.
fn quoted_command(detail: &str, starts: &str) -> String {
    let at = detail
        .find(&format!("`{starts}"))
        .unwrap_or_else(|| panic!("no `{starts}… in {detail}"));
    let rest = &detail[at + 1..];
    rest[..rest.find('`').unwrap()].to_string()
}

#[test]
fn si_telegram_token_and_bundle_env_fixes_run_as_the_doctor_prints_them() {
    let env = Env::new();
    env.init("prod", "production");
    fixtures::place(&env, "prod", "telegram.json", "alerts/telegram.json");
    let rel = "releases/shop/rel-20260217T020304-123456789";
    let bundle = fixtures::dir().join("root/ctx/prod").join(rel);
    std::fs::create_dir_all(env.ctx_dir("prod").join(rel)).unwrap();
    for f in [".env", "compose.yaml", "release.json"] {
        std::fs::copy(bundle.join(f), env.ctx_dir("prod").join(rel).join(f)).unwrap();
    }
    fixtures::si_modes(&env.root);
    let root_flag = format!("--state-root {}", env.root.display());

    let (code, doc) = env.json_in("prod", &["doctor"]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(!doc.to_string().contains("AbCdEf_gh"), "never the token");
    let c = check(&doc, "state_plaintext_secrets");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("alerts/telegram.json (bot_token)"),
        "{detail}"
    );
    let setup = quoted_command(detail, "printf %s \"$TOKEN\" | paasdeck");
    assert!(
        setup.ends_with(&format!(
            "paasdeck {root_flag} --context prod alert setup-telegram --chat-id -100123"
        )),
        "{setup}"
    );
    let b = check(&doc, "bundle_plaintext_env");
    let scrub = quoted_command(b["detail"].as_str().unwrap(), "paasdeck");
    assert_eq!(
        scrub,
        format!("paasdeck {root_flag} --context prod context scrub-bundles --apply")
    );
    assert_eq!(b["fix"], scrub.as_str());

    // Pasted as printed (by an operator with a vault identity), each one fixes what it names.
    env.ok(&["vault", "keygen"]);
    paste(&env, &setup);
    paste(&env, &scrub);
    let doc = env.ok_in("prod", &["doctor"]);
    assert_eq!(
        check(&doc, "state_plaintext_secrets")["ok"],
        true,
        "{doc:#}"
    );
    assert_eq!(check(&doc, "bundle_plaintext_env")["ok"], true, "{doc:#}");
    let telegram =
        std::fs::read_to_string(env.ctx_dir("prod").join("alerts/telegram.json")).unwrap();
    assert!(!telegram.contains("AbCdEf_gh"), "{telegram}");
    assert!(telegram.contains("-100123"), "{telegram}");
}
