//! Secrets at rest through the real binary: the operator's identity, `vault keygen|status|
//! recipient add`, `secret set|get|encrypt` on the `si vault` v2 format, the doctor check, and
//! bad vault files.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use age::secrecy::ExposeSecret;
use age::x25519::Identity;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use common::{Env, stderr, stdout};
use serde_json::Value;

const KEY: &str = "PAAS__CTX_C__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_DB_PASSWORD";

/// Runs with extra environment; returns the output.
fn run_env(env: &Env, vars: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = env.cmd();
    for (k, v) in vars {
        c.env(k, v);
    }
    let mut child = c
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_env(env: &Env, vars: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = run_env(env, vars, &all, stdin);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}\n{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap_or(-1), doc)
}

fn set(env: &Env, vars: &[(&str, &str)], name: &str, value: &str) -> (i32, Value) {
    json_env(
        env,
        vars,
        &[
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            name,
        ],
        Some(value),
    )
}

fn reveal(env: &Env, vars: &[(&str, &str)], name: &str) -> (i32, Value) {
    json_env(
        env,
        vars,
        &[
            "--context",
            "c",
            "secret",
            "get",
            "--app",
            "api",
            "--name",
            name,
            "--reveal",
            "--allow-plaintext",
        ],
        None,
    )
}

fn vault_file(env: &Env) -> PathBuf {
    env.ctx_dir("c").join("vault/secrets.env")
}

/// Writes the vault by hand, 0600 as paasdeck would keep it.
fn write_vault(env: &Env, text: &str) {
    std::fs::write(vault_file(env), text).unwrap();
    std::fs::set_permissions(vault_file(env), std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn identity_file(dir: &Path, name: &str, id: &Identity, mode: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "# public key: {}\n{}\n",
            id.to_public(),
            id.to_string().expose_secret()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn secret_string(id: &Identity) -> String {
    id.to_string().expose_secret().to_string()
}

fn check<'a>(doctor: &'a Value, name: &str) -> &'a Value {
    doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

#[test]
fn keygen_creates_a_private_identity_once_and_nothing_prints_the_key() {
    let env = Env::new();
    // The operator's own: no --context needed.
    let first = env.ok(&["vault", "keygen"]);
    assert_eq!(first["created"], true);
    assert_eq!(first["identity_source"], "config_file");
    let path = env.home.join(".config/paasdeck/identity.txt");
    assert_eq!(first["identity_file"], path.display().to_string());
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let stored = std::fs::read_to_string(&path).unwrap();
    let recipient = first["recipient"].as_str().unwrap();
    assert!(recipient.starts_with("age1"));
    assert!(stored.contains(&format!("# public key: {recipient}")));
    // Never overwritten.
    let again = env.ok(&["vault", "keygen"]);
    assert_eq!(again["created"], false);
    assert_eq!(again["recipient"], recipient);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stored);
    // status shows where it comes from, never the key
    env.init("c", "internal-dogfood");
    let status = env.ok(&["--context", "c", "vault", "status"]);
    assert_eq!(status["identity_source"], "config_file");
    assert_eq!(status["recipient"], recipient);
    assert_eq!(status["vault"]["exists"], false);
    let mut printed = String::new();
    for args in [
        vec!["vault", "keygen"],
        vec!["--context", "c", "vault", "status"],
    ] {
        let o = env.run(&args);
        printed += &(stdout(&o) + &stderr(&o));
        let mut j = vec!["--json"];
        j.extend(args);
        let o = env.run(&j);
        printed += &(stdout(&o) + &stderr(&o));
    }
    printed += &Env::all_text_under(&env.log_dir());
    printed += &Env::all_text_under(&env.ctx_dir("c"));
    assert!(printed.contains(recipient));
    assert!(!printed.contains("AGE-SECRET-KEY"), "{printed}");
    // the identity is never placed inside the state root
    let inside = env.root.join("id.txt");
    let (code, doc) = json_env(
        &env,
        &[("SI_VAULT_IDENTITY_FILE", inside.to_str().unwrap())],
        &["vault", "keygen"],
        None,
    );
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_IDENTITY");
    assert!(!inside.exists());
}

#[test]
fn identity_sources_are_taken_in_order_and_an_open_key_file_is_refused() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    let from_env = Identity::generate();
    let from_file = Identity::generate();
    let from_keyring = Identity::generate();
    let keys = env.dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let file = identity_file(&keys, "id.txt", &from_file, 0o600);
    env.ok(&["vault", "keygen"]); // the config-dir identity, last in the order

    // a fake secret-tool that records its arguments
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = env.dir.path().join("secret-tool.log");
    let tool = bin.join("secret-tool");
    std::fs::write(
        &tool,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n[ \"$*\" = 'lookup service si-vault account age-identity' ] && {{ echo '{}'; exit 0; }}\nexit 1\n",
            log.display(),
            secret_string(&from_keyring)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let status = |vars: &[(&str, &str)]| {
        json_env(&env, vars, &["--context", "c", "vault", "status"], None).1
    };
    let env_key = secret_string(&from_env);
    let s = status(&[
        ("SI_VAULT_IDENTITY", &env_key),
        ("SI_VAULT_IDENTITY_FILE", file.to_str().unwrap()),
        ("PATH", &path),
    ]);
    assert_eq!(s["identity_source"], "env");
    assert_eq!(s["recipient"], from_env.to_public().to_string());
    let s = status(&[
        ("SI_VAULT_IDENTITY_FILE", file.to_str().unwrap()),
        ("PATH", &path),
    ]);
    assert_eq!(s["identity_source"], "env_file");
    assert_eq!(s["recipient"], from_file.to_public().to_string());
    let s = status(&[("PATH", &path)]);
    assert_eq!(s["identity_source"], "keyring");
    assert_eq!(s["recipient"], from_keyring.to_public().to_string());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().trim(),
        "lookup service si-vault account age-identity"
    );
    let s = status(&[]);
    assert_eq!(s["identity_source"], "config_file");

    // group/world-readable identity files and symlinks are refused, never replaced
    for mode in [0o644, 0o640] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let vars = [("SI_VAULT_IDENTITY_FILE", file.to_str().unwrap())];
        let (code, doc) = set(&env, &vars, "DB_PASSWORD", "v");
        assert_eq!(code, 1, "{doc}");
        let e = &doc["error"];
        assert_eq!(e["code"], "PAAS_VAULT_IDENTITY", "{doc}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{mode:04o}")),
            "{doc}"
        );
        assert!(
            e["remediation"].as_str().unwrap().contains("chmod 600"),
            "{doc}"
        );
        let (code, doc) = json_env(&env, &vars, &["vault", "keygen"], None);
        assert_eq!(
            (code, &doc["error"]["code"]),
            (1, &Value::from("PAAS_VAULT_IDENTITY"))
        );
        assert!(!vault_file(&env).exists());
    }
    let link = keys.join("link.txt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let s = status(&[("SI_VAULT_IDENTITY_FILE", link.to_str().unwrap())]);
    assert!(
        s["identity_error"].as_str().unwrap().contains("symlink"),
        "{s}"
    );
    let bad = [("SI_VAULT_IDENTITY", "AGE-SECRET-KEY-1NOPE")];
    let s = status(&bad);
    assert!(
        s["identity_error"]
            .as_str()
            .unwrap()
            .contains("SI_VAULT_IDENTITY")
    );
    assert!(!s.to_string().contains("NOPE"));
}

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

    let other_key = secret_string(&Identity::generate());
    let (code, doc) = reveal(&env, &[("SI_VAULT_IDENTITY", &other_key)], "DB_PASSWORD");
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_DECRYPT_FAILED");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(KEY) && msg.contains("secrets.env:4"), "{msg}");
    assert!(!doc.to_string().contains(value));
    // the doctor is green with an encrypted vault
    let d = env.ok(&["--context", "c", "doctor"]);
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
        "# written by an older tool\r\n{KEY}=\"hunter2 with space\"\r\n\r\nOTHER_TOKEN=tok-plain-77 # inline\r\nEMPTY=\r\nSI_VAULT_PUBLIC_KEY=pub-stays\r\n"
    );
    write_vault(&env, &legacy);
    let (code, d) = env.json(&["--context", "c", "doctor"]);
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

    let doc = env.ok(&["--context", "c", "secret", "encrypt"]);
    assert_eq!(doc["encrypted_now"], 2);
    assert_eq!(doc["values"]["plaintext"], 0);
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
    assert_eq!(
        &lines[7..],
        ["EMPTY=\r\n", "SI_VAULT_PUBLIC_KEY=pub-stays\r\n"]
    );
    let d = env.ok(&["--context", "c", "doctor"]);
    assert_eq!(check(&d, "vault_values_encrypted")["ok"], true);
    assert_eq!(
        reveal(&env, &[], "DB_PASSWORD").1["value"],
        "hunter2 with space"
    );
    // a second run has nothing to do and leaves the file alone
    let doc = env.ok(&["--context", "c", "secret", "encrypt"]);
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
            &*format!("# si-vault:v2\n\n{KEY}=encrypted:si-vault:c2VjcmV0\nPLAIN=p\n"),
            3,
            "unsupported scheme encrypted:si-vault:",
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
            env.json(&["--context", "c", "secret", "encrypt"]),
        ];
        if want.contains("header") {
            attempts.push(env.json(&["--context", "c", "secret", "list", "--app", "api"]));
            // a change is refused too (the doctor names the line), and writes nothing
            let (code, doc) = set(&env, &[], "DB_PASSWORD", "x");
            assert_eq!(
                (code, &doc["error"]["code"]),
                (1, &Value::from("PAAS_DOCTOR_BLOCKED"))
            );
            let (_, d) = env.json(&["--context", "c", "doctor"]);
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
    let cut_payload = format!("# si-vault:v2\n\n{KEY}={}\n", &good[..good.len() - 12]);
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
fn a_teammate_is_added_and_every_value_reencrypted_for_them() {
    let env = Env::new();
    env.init("c", "internal-dogfood");
    let me = Identity::generate();
    let mate = Identity::generate();
    let me_key = secret_string(&me);
    let mate_key = secret_string(&mate);
    let as_me = [("SI_VAULT_IDENTITY", me_key.as_str())];
    let as_mate = [("SI_VAULT_IDENTITY", mate_key.as_str())];
    assert_eq!(set(&env, &as_me, "DB_PASSWORD", "one").0, 0);
    assert_eq!(set(&env, &as_me, "API_TOKEN", "two").0, 0);
    let (code, doc) = reveal(&env, &as_mate, "DB_PASSWORD");
    assert_eq!(
        (code, &doc["error"]["code"]),
        (1, &Value::from("PAAS_VAULT_DECRYPT_FAILED"))
    );
    let before = std::fs::read_to_string(vault_file(&env)).unwrap();

    let mate_recipient = mate.to_public().to_string();
    let (code, doc) = json_env(
        &env,
        &as_me,
        &[
            "--context",
            "c",
            "vault",
            "recipient",
            "add",
            &mate_recipient,
        ],
        None,
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        (
            doc["added"].clone(),
            doc["recipients"].clone(),
            doc["reencrypted"].clone()
        ),
        (true.into(), 2.into(), 2.into())
    );
    let after = std::fs::read_to_string(vault_file(&env)).unwrap();
    assert!(after.starts_with(&format!(
        "# si-vault:v2\n# si-vault:recipient {}\n# si-vault:recipient {mate_recipient}\n\n",
        me.to_public()
    )));
    assert_ne!(before, after);
    for who in [&as_me, &as_mate] {
        assert_eq!(reveal(&env, who, "DB_PASSWORD").1["value"], "one");
        assert_eq!(reveal(&env, who, "API_TOKEN").1["value"], "two");
    }
    // adding again changes nothing; a bad recipient is a usage error
    let (_, doc) = json_env(
        &env,
        &as_me,
        &[
            "--context",
            "c",
            "vault",
            "recipient",
            "add",
            &mate_recipient,
        ],
        None,
    );
    assert_eq!(doc["added"], false);
    assert_eq!(std::fs::read_to_string(vault_file(&env)).unwrap(), after);
    let (code, _) = json_env(
        &env,
        &as_me,
        &["--context", "c", "vault", "recipient", "add", "age1nope"],
        None,
    );
    assert_eq!(code, 2);
    // someone who cannot decrypt cannot re-encrypt either: nothing changes
    let stranger = secret_string(&Identity::generate());
    let third = Identity::generate().to_public().to_string();
    let (code, doc) = json_env(
        &env,
        &[("SI_VAULT_IDENTITY", &stranger)],
        &["--context", "c", "vault", "recipient", "add", &third],
        None,
    );
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_DECRYPT_FAILED");
    assert_eq!(std::fs::read_to_string(vault_file(&env)).unwrap(), after);
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
    let list = env.ok(&["--context", "c", "secret", "list", "--app", "api"]);
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
        "10s",
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
        "DATABASE_URL='postgres://api:demo-only@db.oss-demo.invalid:5432/api'\n"
    );
}
