//! Secrets at rest through the real binary: `secret set|get|encrypt` on the `si vault` v2
//! format, the doctor check, bad vault files, an si-written vault, a copied root and the demo.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use age::x25519::Identity;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use common::Env;
use common::vault::*;
use serde_json::Value;

#[test]
fn secret_set_stores_no_plaintext_and_a_wrong_identity_fails_naming_the_key() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    // no identity yet: a clear error naming the fix, nothing written
    let (code, doc) = set(&env, &[], "DB_PASSWORD", "x");
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_IDENTITY");
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("vault keygen")
    );
    assert!(!vault_file(&env).exists());

    let mine = Identity::generate();
    let me_key = secret_string(&mine);
    let me = [("SI_VAULT_IDENTITY", me_key.as_str())];
    let value = "pa55-w0rd-not-in-the-file";
    let (code, doc) = set(&env, &me, "DB_PASSWORD", value);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["encrypted"], true);
    let stored = std::fs::read_to_string(vault_file(&env)).unwrap();
    assert!(!stored.contains(value), "{stored}");
    assert!(stored.starts_with(&format!(
        "# si-vault:v2\n# si-vault:recipient {}\n\n{KEY}=encrypted:si:v2:",
        mine.to_public()
    )));
    let (code, doc) = reveal(&env, &me, "DB_PASSWORD");
    assert_eq!((code, doc["value"].as_str().unwrap()), (0, value));
    let (_, got) = json_env(
        &env,
        &[],
        &[
            "--context",
            "c",
            "secret",
            "get",
            "--app",
            "api",
            "--name",
            "DB_PASSWORD",
        ],
        None,
    );
    assert_eq!(got["state"], "encrypted");
    assert_eq!(got["value"], "<redacted>");

    let (_, status) = json_env(&env, &me, &["--context", "c", "vault", "status"], None);
    assert_eq!(status["identity_source"], "env");
    assert_eq!(
        status["vault"]["recipients"],
        serde_json::json!([mine.to_public().to_string()])
    );
    assert_eq!(status["vault"]["you_are_recipient"], true);
    assert_eq!(status["vault"]["value_counts"]["encrypted"], 1);
    assert_eq!(status["vault"]["value_counts"]["plaintext"], 0);
    assert!(!status.to_string().contains(&me_key));
    let other_key = secret_string(&Identity::generate());
    let (code, doc) = reveal(&env, &[("SI_VAULT_IDENTITY", &other_key)], "DB_PASSWORD");
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_DECRYPT_FAILED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(KEY) && msg.contains("secrets.env:4"), "{msg}");
    assert!(!doc.to_string().contains(value));
    // the doctor is green with an encrypted vault
    let d = env.ok_in("c", &["doctor"]);
    assert_eq!(
        check(&d, "vault_values_encrypted")["detail"],
        format!("1 value(s) encrypted in {}", vault_file(&env).display())
    );
}

#[test]
fn secret_encrypt_converts_a_plaintext_vault_and_the_doctor_turns_green() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    env.ok(&["vault", "keygen"]);
    let legacy = format!(
        "# written by an older tool\r\n{KEY}=\"hunter2 with space\"\r\n\r\nOTHER_TOKEN=tok-plain-77 # inline\r\nEMPTY=\r\nLAST=\r\n"
    );
    write_vault(&env, &legacy);
    let (code, d) = env.json_in("c", &["doctor"]);
    assert_eq!(code, 1);
    let c = check(&d, "vault_values_encrypted");
    assert_eq!(c["ok"], false);
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.starts_with("2 plaintext value(s)"), "{detail}");
    assert!(
        detail.contains(&format!("{KEY} (line 2)")) && detail.contains("secret encrypt"),
        "{detail}"
    );
    assert!(!d.to_string().contains("hunter2") && !d.to_string().contains("tok-plain"));
    // plaintext values still read, but changes and deploys wait for the conversion
    assert_eq!(
        reveal(&env, &[], "DB_PASSWORD").1["value"],
        "hunter2 with space"
    );
    let (code, doc) = set(&env, &[], "OTHER", "x");
    assert_eq!(
        (code, &doc["error"]["code"]),
        (1, &Value::from("PAAS_DOCTOR_BLOCKED"))
    );

    let doc = env.ok_in("c", &["secret", "encrypt"]);
    assert_eq!(doc["encrypted_now"], 2);
    assert_eq!(doc["value_counts"]["plaintext"], 0);
    let after = std::fs::read_to_string(vault_file(&env)).unwrap();
    assert!(
        !after.contains("hunter2") && !after.contains("tok-plain-77"),
        "{after}"
    );
    let lines: Vec<&str> = after.split_inclusive('\n').collect();
    assert!(lines[0] == "# si-vault:v2\r\n" && lines[1].starts_with("# si-vault:recipient age1"));
    assert_eq!(lines[2], "\r\n");
    assert_eq!(lines[3], "# written by an older tool\r\n");
    assert!(lines[4].starts_with(&format!("{KEY}=encrypted:si:v2:")));
    assert_eq!(lines[5], "\r\n");
    assert!(
        lines[6].starts_with("OTHER_TOKEN=encrypted:si:v2:") && lines[6].ends_with(" # inline\r\n")
    );
    assert_eq!(&lines[7..], ["EMPTY=\r\n", "LAST=\r\n"]);
    let d = env.ok_in("c", &["doctor"]);
    assert_eq!(check(&d, "vault_values_encrypted")["ok"], true);
    assert_eq!(
        reveal(&env, &[], "DB_PASSWORD").1["value"],
        "hunter2 with space"
    );
    // a second run has nothing to do and leaves the file alone
    let doc = env.ok_in("c", &["secret", "encrypt"]);
    assert_eq!(doc["encrypted_now"], 0);
    assert_eq!(std::fs::read_to_string(vault_file(&env)).unwrap(), after);
}

#[test]
fn bad_vault_input_is_a_clear_error_and_the_file_stays_untouched() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    let mine: age::x25519::Recipient = env.ok(&["vault", "keygen"])["recipient"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let good = {
        let raw = age::encrypt(&mine, b"value-that-must-not-show").unwrap();
        format!("encrypted:si:v2:{}", URL_SAFE_NO_PAD.encode(&raw[32..]))
    };
    // Cut inside the age header: seen without decrypting, so even `secret encrypt` refuses.
    let cut_header = &good[..good.len() / 2];
    let cases = [
        (
            "# si-vault:v2\n# si-vault:recipient age1garbage\n\nK=v\n",
            2,
            "malformed vault header",
        ),
        (
            &*format!("# si-vault:v2\n\n{KEY}=encrypted:si:v9:c2VjcmV0\nPLAIN=p\n"),
            3,
            "unsupported scheme encrypted:si:v9:",
        ),
        // si's ECIES scheme, cut short: damaged, not foreign.
        (
            &*format!("# si-vault:v2\n\n{KEY}=encrypted:si-vault:c2VjcmV0\nPLAIN=p\n"),
            3,
            "cut off",
        ),
        (
            &*format!("# si-vault:v2\n\nPLAIN=p\n{KEY}={cut_header}\n"),
            4,
            "cannot be",
        ),
    ];
    for (text, line, want) in cases {
        write_vault(&env, text);
        let at = format!("secrets.env:{line}");
        let mut attempts: Vec<(i32, Value)> = vec![
            reveal(&env, &[], "DB_PASSWORD"),
            env.json_in("c", &["secret", "encrypt"]),
        ];
        if want.contains("header") {
            attempts.push(env.json_in("c", &["secret", "list", "--app", "api"]));
            // a change is refused too (the doctor names the line), and writes nothing
            let (code, doc) = set(&env, &[], "DB_PASSWORD", "x");
            assert_eq!(
                (code, &doc["error"]["code"]),
                (1, &Value::from("PAAS_DOCTOR_BLOCKED"))
            );
            let (_, d) = env.json_in("c", &["doctor"]);
            let detail = check(&d, "vault_values_encrypted")["detail"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(detail.contains(&at) && detail.contains(want), "{detail}");
        }
        for (code, doc) in attempts {
            assert_eq!(code, 1, "{text}: {doc}");
            let msg = doc["error"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains(&at) && msg.contains(want), "{text}: {msg}");
            assert!(!msg.contains("c2VjcmV0") && !msg.contains("value-that-must-not-show"));
            assert_eq!(
                std::fs::read_to_string(vault_file(&env)).unwrap(),
                text,
                "file touched"
            );
        }
    }
    // Cut inside the payload: found when it is decrypted, and the reader names it.
    // Whole base64 groups only, so that it still decodes (age's grease stanza varies the length).
    let prefix = "encrypted:si:v2:".len();
    let keep = prefix + (good.len() - prefix - 12) / 4 * 4;
    let cut_payload = format!("# si-vault:v2\n\n{KEY}={}\n", &good[..keep]);
    write_vault(&env, &cut_payload);
    let (code, doc) = reveal(&env, &[], "DB_PASSWORD");
    assert_eq!(
        (code, &doc["error"]["code"]),
        (1, &Value::from("PAAS_STATE_CORRUPT"))
    );
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("secrets.env:3") && msg.contains("does not decrypt"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(vault_file(&env)).unwrap(),
        cut_payload
    );
}

#[test]
fn a_vault_written_by_si_opens_and_a_rewrite_keeps_its_other_lines() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    let id = Identity::generate();
    let keys = env.dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let file = identity_file(&keys, "si.key", &id, 0o600);
    let vars = [("SI_VAULT_IDENTITY_FILE", file.to_str().unwrap())];
    let prefix = b"age-encryption.org/v1\n-> X25519 ";
    let v2_padded = {
        let raw = age::encrypt(&id.to_public(), b"padded-value").unwrap();
        format!("encrypted:si:v2:{}", URL_SAFE.encode(&raw[prefix.len()..]))
    };
    let v1 = {
        let raw = age::encrypt(&id.to_public(), b"v1-value").unwrap();
        format!("encrypted:si:v1:{}", URL_SAFE_NO_PAD.encode(raw))
    };
    let other = "PAAS__CTX_C__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_OLD";
    let text = format!(
        "# si-vault:v2\n# si-vault:recipient {}\n\n# managed by si\n{KEY}={v2_padded}\nexport {other}={v1} # legacy\n",
        id.to_public()
    );
    write_vault(&env, &text);
    assert_eq!(
        reveal(&env, &vars, "DB_PASSWORD").1["value"],
        "padded-value"
    );
    assert_eq!(reveal(&env, &vars, "OLD").1["value"], "v1-value");
    let list = env.ok_in("c", &["secret", "list", "--app", "api"]);
    assert_eq!(list["count"], 2);
    assert_eq!(set(&env, &vars, "NEW", "new-value").0, 0);
    let after = std::fs::read_to_string(vault_file(&env)).unwrap();
    assert!(
        after.starts_with(&text),
        "untouched lines are byte-identical"
    );
    assert_eq!(reveal(&env, &vars, "NEW").1["value"], "new-value");
}

#[test]
fn a_copied_root_uses_its_own_vault_and_never_recreates_the_old_one() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    env.ok(&["vault", "keygen"]);
    assert_eq!(set(&env, &[], "DB_PASSWORD", "moved").0, 0);
    let copy = env.dir.path().join("restored");
    let status = std::process::Command::new("cp")
        .args(["-a", env.root.to_str().unwrap(), copy.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(&env.root).unwrap();
    let root = copy.to_str().unwrap();
    let on_copy = |args: &[&str], stdin: Option<&str>| {
        let mut all = vec!["--state-root", root];
        all.extend_from_slice(args);
        json_env(&env, &[], &all, stdin)
    };
    let (code, list) = on_copy(&["--context", "c", "secret", "list", "--app", "api"], None);
    assert_eq!((code, list["count"].clone()), (0, 1.into()), "{list}");
    let (code, doc) = on_copy(
        &[
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            "SECOND",
        ],
        Some("2"),
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["vault_file"],
        copy.join("contexts/c/vault/secrets.env")
            .display()
            .to_string()
    );
    assert!(!env.root.exists(), "the old tree is not recreated");
    let (_, d) = on_copy(&["--context", "c", "doctor"], None);
    let c = check(&d, "context_vault_outside_repo");
    assert_eq!(c["ok"], true);
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("points elsewhere") && detail.contains(&env.root.display().to_string()),
        "{detail}"
    );
}

#[test]
fn the_demo_ships_an_encrypted_vault_that_deploys_out_of_the_box() {
    let env = Env::new();
    let demo = env.dir.path().join("demo");
    let seeded = env.ok(&[
        "--state-root",
        demo.to_str().unwrap(),
        "demo",
        "--seed-only",
    ]);
    // The operator had no identity: the demo made theirs, outside the demo state.
    assert_eq!(seeded["identity_created"], true);
    let id_file = env.home.join(".config/paasdeck/identity.txt");
    assert_eq!(seeded["identity_file"], id_file.display().to_string());
    let root = PathBuf::from(seeded["state_root"].as_str().unwrap());
    let all = Env::all_text_under(&root);
    assert!(
        !all.contains("AGE-SECRET-KEY"),
        "no key inside the demo state"
    );
    assert!(
        !all.contains("demo-only@"),
        "no plaintext value inside the demo state"
    );
    for ctx in ["internal-dogfood", "oss-demo", "staging"] {
        let v = std::fs::read_to_string(root.join("contexts").join(ctx).join("vault/secrets.env"))
            .unwrap();
        assert!(v.starts_with(&format!(
            "# si-vault:v2\n# si-vault:recipient {}\n\n",
            seeded["recipient"].as_str().unwrap()
        )));
    }
    let on_demo = |args: &[&str]| {
        let mut all = vec!["--state-root", root.to_str().unwrap()];
        all.extend_from_slice(args);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let args = on_demo(&["doctor", "--all-contexts"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, d) = env.json(&args);
    assert_eq!(code, 0, "{d}");

    // A deploy of the demo app on its local target decrypts the value into the .env.
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-docker"),
        bin.join("docker"),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let state = env.dir.path().join("docker-state");
    let args = on_demo(&[
        "--context",
        "oss-demo",
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "30s",
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, doc) = json_env(
        &env,
        &[
            ("PATH", &path),
            ("FAKE_DOCKER_STATE", state.to_str().unwrap()),
        ],
        &args,
        None,
    );
    assert_eq!(code, 0, "{doc}");
    let release = doc["release"].as_str().unwrap();
    let dotenv = demo
        .join("remote/oss-demo/api/releases")
        .join(release)
        .join(".env");
    assert_eq!(
        std::fs::read_to_string(dotenv).unwrap(),
        "COMPOSE_PROJECT_NAME='oss-demo-api'\nDATABASE_URL='postgres://api:demo-only@db.oss-demo.invalid:5432/api'\n"
    );
}

#[test]
fn the_console_shows_the_vault_and_encrypts_a_plaintext_one_through_the_guard() {
    use common::tmux::console;
    let env = Env::new();
    env.init("c", "internal-dogfood");
    env.ok(&["vault", "keygen"]);
    write_vault(&env, "# kept\nDB_PASSWORD=hunter2-in-console\n");
    let tmux = console(&env, &env.root.display().to_string(), 140, 40);
    tmux.wait_for("the console", |s| s.contains("INTERNAL-DOGFOOD"));
    let status = |want: &str, also: &str| {
        tmux.send(":");
        tmux.send("vault status");
        tmux.send_key("Enter");
        let s = tmux.wait_for(want, |s| {
            s.contains("vault of c") && s.contains(want) && s.contains(also)
        });
        tmux.escape_from("vault of c");
        s
    };
    let before = status("0 encrypted, 1 plaintext", "identity");
    assert!(before.contains("identity"), "{before}");
    tmux.send(":");
    tmux.send("secret encrypt");
    tmux.send_key("Enter");
    tmux.wait_for("the guard's dialog", |s| {
        s.contains("encrypt every plaintext value of c's vault")
    });
    assert!(
        std::fs::read_to_string(vault_file(&env))
            .unwrap()
            .contains("hunter2-in-console"),
        "nothing before y"
    );
    tmux.send("y");
    tmux.wait_for("the conversion", |s| {
        s.contains("1 plaintext value(s) encrypted")
    });
    let vault_text = || std::fs::read_to_string(vault_file(&env)).unwrap_or_default();
    common::sshd::eventually(Duration::from_secs(30), || {
        vault_text().contains("DB_PASSWORD=encrypted:si:v2:")
    });
    let after = vault_text();
    assert!(!after.contains("hunter2"), "{after}");
    assert!(after.starts_with("# si-vault:v2\n"), "{after}");
    assert!(
        after.contains("# kept\nDB_PASSWORD=encrypted:si:v2:"),
        "{after}"
    );
    status("1 encrypted, 0 plaintext", "vault of c");
    // A recipient that is not one is refused in the palette, before any dialog.
    tmux.send(":");
    tmux.send("vault recipient add not-a-recipient");
    tmux.send_key("Enter");
    tmux.wait_for("the refusal", |s| {
        s.contains("is not an age X25519 recipient")
    });
    tmux.escape_from("is not an age X25519 recipient");
    let teammate = Identity::generate().to_public().to_string();
    tmux.send(":");
    tmux.send(&format!("vault recipient add {teammate}"));
    tmux.send_key("Enter");
    tmux.wait_for("the guard's dialog", |s| {
        s.contains("re-encrypt every value")
    });
    tmux.send("y");
    tmux.wait_for("the re-encryption", |s| {
        s.contains("vault recipient add — ok") && s.contains(&format!("{teammate} added to"))
    });
    let recipient = format!("# si-vault:recipient {teammate}");
    common::sshd::eventually(Duration::from_secs(30), || {
        vault_text().contains(&recipient)
    });
    let header = vault_text();
    assert!(
        header.contains(&format!("# si-vault:recipient {teammate}")),
        "{header}"
    );
    tmux.send("q");
    tmux.wait_for("the console to exit", |s| s.contains("PAASDECK-EXITED 0"));
    assert!(!Env::all_text_under(&env.root).contains("hunter2"));
    assert!(!Env::all_text_under(&env.log_dir()).contains("hunter2"));
}

#[test]
fn the_console_unsets_a_secret_and_releases_a_wedged_deploy_lock() {
    use common::tmux::console;
    let env = Env::new();
    env.init("c", "internal-dogfood");
    env.ok(&["vault", "keygen"]);
    assert_eq!(set(&env, &[], "TOKEN", "tok-unset-me").0, 0);
    assert!(
        std::fs::read_to_string(vault_file(&env))
            .unwrap()
            .contains("VAR_TOKEN=")
    );
    // A lock left empty by a writer killed between create and write.
    let lock = env.ctx_dir("c").join("locks/deploy-api.json");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "").unwrap();
    let tmux = console(&env, &env.root.display().to_string(), 140, 40);
    tmux.wait_for("the console", |s| s.contains("INTERNAL-DOGFOOD"));
    let palette = |line: &str| {
        tmux.send(":");
        tmux.send(line);
        tmux.send_key("Enter");
    };
    palette("deploy lock status");
    tmux.wait_for("the locks view", |s| {
        s.contains("deploy locks of c") && s.contains("api")
    });
    tmux.escape_from("deploy locks of c");
    palette("deploy lock release --app api --force");
    tmux.wait_for("the guard's dialog", |s| {
        s.contains("remove the deploy lock of api, even one that cannot be read")
    });
    assert!(lock.exists(), "nothing before y");
    tmux.send("y");
    tmux.wait_for("the release", |s| s.contains("deploy lock of api released"));
    common::sshd::eventually(Duration::from_secs(30), || !lock.exists());
    assert!(!lock.exists());
    palette("secret unset --app api --name TOKEN");
    tmux.wait_for("the guard's dialog", |s| {
        s.contains("remove secret TOKEN of app api for every target")
    });
    tmux.send("y");
    tmux.wait_for("the removal", |s| {
        s.contains("removed") && s.contains("VAR_TOKEN")
    });
    let unset = || {
        !std::fs::read_to_string(vault_file(&env))
            .unwrap()
            .contains("VAR_TOKEN=")
    };
    common::sshd::eventually(Duration::from_secs(30), unset);
    assert!(unset());
    tmux.send("q");
    tmux.wait_for("the console to exit", |s| s.contains("PAASDECK-EXITED 0"));
    let audit = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"command\":\"deploy lock release\""),
        "{audit}"
    );
    assert!(audit.contains("\"command\":\"secret unset\""), "{audit}");
    assert!(!audit.contains("tok-unset-me"));
}
