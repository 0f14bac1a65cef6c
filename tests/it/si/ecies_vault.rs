//! si's canonical vault values (ECIES, `encrypted:si-vault:`), written independently of
//! paasdeck by Python's eciespy (tests/fixtures/si-vault/gen.py): revealed with the key of si's
//! keyring, refused clearly with the wrong or no key, counted by `vault status` and the doctor,
//! and written by paasdeck in si's scheme so that eciespy (and si) decrypt them.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use super::ecies_fixture::{
    SCOPE, default_keyring, eciespy_decrypt, expected, keyring_at, private_key, si_vault, stored,
    vault_file,
};
use crate::common::Env;
use crate::common::vault::{check, json_env, run_env};

fn get(env: &Env, vars: &[(&str, &str)], name: &str) -> (i32, Value) {
    json_env(
        env,
        vars,
        &[
            "--context",
            "shop",
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

fn set(env: &Env, name: &str, value: &str) -> Value {
    let (code, doc) = json_env(
        env,
        &[],
        &[
            "--context",
            "shop",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            name,
        ],
        Some(value),
    );
    assert_eq!(code, 0, "{doc:#}");
    doc
}

#[test]
fn si_ecies_values_are_revealed_with_the_key_of_sis_keyring() {
    let env = Env::new();
    let keyring = si_vault(&env);
    for name in [
        "DATABASE_URL",
        "API_TOKEN",
        "EMPTY_VALUE",
        "OLD_EMPTY",
        "LEGACY_SPELLING",
    ] {
        let (code, doc) = get(&env, &[], name);
        assert_eq!(code, 0, "{name}: {doc:#}");
        assert_eq!(doc["value"], expected(name), "{name}");
        assert_eq!(doc["state"], "encrypted", "{name}");
    }
    // SI_VAULT_KEYRING_FILE names the keyring when it is elsewhere.
    let moved = env.dir.path().join("keys/si-keyring.json");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&keyring, &moved).unwrap();
    let (code, doc) = get(
        &env,
        &[("SI_VAULT_KEYRING_FILE", moved.to_str().unwrap())],
        "DATABASE_URL",
    );
    assert_eq!(
        (code, &doc["value"]),
        (0, &Value::from(expected("DATABASE_URL")))
    );
    // No keyring: a clear error naming the key, the file looked for and the variable.
    let (code, doc) = get(&env, &[], "DATABASE_URL");
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_IDENTITY", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{SCOPE}DATABASE_URL")), "{msg}");
    assert!(msg.contains(&keyring.display().to_string()), "{msg}");
    let fix = doc["error"]["remediation"].as_str().unwrap();
    assert!(fix.contains("SI_VAULT_KEYRING_FILE"), "{fix}");
    // The empty value needs no key at all.
    assert_eq!(get(&env, &[], "EMPTY_VALUE").1["value"], "");
    assert!(!doc.to_string().contains(&expected("DATABASE_URL")));
}

#[test]
fn the_wrong_key_or_an_open_keyring_fails_naming_the_key_never_the_value() {
    let env = Env::new();
    let keyring = si_vault(&env);
    // A value si encrypted to another key than the keyring's.
    let (code, doc) = get(&env, &[], "OTHER_KEY");
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_VAULT_DECRYPT_FAILED", "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{SCOPE}OTHER_KEY")), "{msg}");
    assert!(msg.contains("does not decrypt with the key"), "{msg}");
    assert!(msg.contains(&keyring.display().to_string()), "{msg}");
    assert!(!doc.to_string().contains("not-for-this-key"));
    // A keyring without the vault's key.
    let other = env.dir.path().join("other.json");
    keyring_at("other-keyring.json", &other, 0o600);
    let (code, doc) = get(
        &env,
        &[("SI_VAULT_KEYRING_FILE", other.to_str().unwrap())],
        "DATABASE_URL",
    );
    assert_eq!(code, 1, "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{SCOPE}DATABASE_URL")), "{msg}");
    assert!(
        msg.contains("holds no key for the vault's SI_VAULT_PUBLIC_KEY"),
        "{msg}"
    );
    // A keyring others can read is refused, as an identity file is.
    std::fs::set_permissions(&keyring, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, doc) = get(&env, &[], "DATABASE_URL");
    assert_eq!(code, 1, "{doc:#}");
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("0644") && msg.contains("want 0600"), "{msg}");
    assert_eq!(
        doc["error"]["remediation"],
        format!("chmod 600 {}", keyring.display())
    );
    let text = doc.to_string();
    assert!(!text.contains(&private_key()) && !text.contains(&expected("DATABASE_URL")));
}

#[test]
fn vault_status_names_the_scheme_the_counts_of_each_kind_and_the_keyring() {
    let env = Env::new();
    let keyring = si_vault(&env);
    // One plaintext value and one age v2 value beside si's six ECIES ones.
    let id = age::x25519::Identity::generate();
    let raw = age::encrypt(&id.to_public(), b"age-value").unwrap();
    let compact = &raw[b"age-encryption.org/v1\n-> X25519 ".len()..];
    use base64::Engine;
    let v2 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compact);
    let mut text = std::fs::read_to_string(vault_file(&env)).unwrap();
    text.push_str(&format!(
        "{SCOPE}PLAIN=plain-status-value\n{SCOPE}AGED=encrypted:si:v2:{v2}\n"
    ));
    std::fs::write(vault_file(&env), text).unwrap();
    let (code, doc) = json_env(&env, &[], &["--context", "shop", "vault", "status"], None);
    assert_eq!(code, 0, "{doc:#}");
    let v = &doc["vault"];
    assert_eq!(v["scheme"], "ecies", "{doc:#}");
    assert_eq!(v["keyring_file"], keyring.display().to_string());
    let counts = &v["value_counts"];
    assert_eq!(
        (&counts["ecies"], &counts["age_v2"], &counts["age_v1"]),
        (&Value::from(6), &Value::from(1), &Value::from(0)),
        "{counts}"
    );
    assert_eq!(
        (&counts["encrypted"], &counts["plaintext"]),
        (&Value::from(7), &Value::from(1))
    );
    let public = stored(&env, "SI_VAULT_PUBLIC_KEY");
    assert_eq!(v["si_public_key"], public);
    let o = run_env(&env, &[], &["--context", "shop", "vault", "status"], None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains(&format!(
            "scheme     ecies (si's: new values are encrypted to SI_VAULT_PUBLIC_KEY)\npublic key {public}\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "si keyring {} (holds the vault's key)",
            keyring.display()
        )),
        "{out}"
    );
    assert!(
        out.contains("by scheme  6 ecies, 1 age v2, 0 age v1, 1 plaintext"),
        "{out}"
    );
    // No age identity here, and none is needed for si's values.
    assert!(
        out.contains("identity   none (age only; this vault's values are read with si's keyring)"),
        "{out}"
    );
    // Without the keyring: why, never a key.
    std::fs::remove_file(&keyring).unwrap();
    let (_, doc) = json_env(&env, &[], &["--context", "shop", "vault", "status"], None);
    let why = doc["vault"]["keyring_error"].as_str().unwrap();
    assert!(why.contains("does not exist"), "{why}");
    for text in [out, doc.to_string()] {
        assert!(!text.contains(&private_key()));
        assert!(!text.contains("plain-status-value") && !text.contains(&expected("API_TOKEN")));
    }
}

#[test]
fn values_paasdeck_writes_into_an_si_vault_are_ecies_that_eciespy_decrypts() {
    let env = Env::new();
    si_vault(&env);
    let before = std::fs::read_to_string(vault_file(&env)).unwrap();
    // No age identity exists: writing needs only the vault's public key.
    let doc = set(&env, "NEW_SECRET", "written-by-paasdeck-ü-42");
    assert_eq!(doc["scheme"], "ecies", "{doc:#}");
    let value = stored(&env, &format!("{SCOPE}NEW_SECRET"));
    assert!(value.starts_with("encrypted:si-vault:"), "{value}");
    assert!(!value.contains("written-by"), "{value}");
    assert_eq!(eciespy_decrypt(&value), "written-by-paasdeck-ü-42");
    // Replacing si's own value keeps its line in place.
    set(&env, "DATABASE_URL", "postgres://replaced@db/shop");
    assert_eq!(
        eciespy_decrypt(&stored(&env, &format!("{SCOPE}DATABASE_URL"))),
        "postgres://replaced@db/shop"
    );
    let after = std::fs::read_to_string(vault_file(&env)).unwrap();
    assert!(
        !after.contains("si-vault:v2") && !after.contains("si-vault:recipient"),
        "{after}"
    );
    let shape = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.split('=').next().unwrap().to_string())
            .collect()
    };
    let mut want = shape(&before);
    want.push(format!("{SCOPE}NEW_SECRET"));
    assert_eq!(shape(&after), want, "only the new key is added:\n{after}");
    assert_eq!(
        after.lines().next(),
        before.lines().next(),
        "SI_VAULT_PUBLIC_KEY stays"
    );
    // `secret encrypt` converts a plaintext value into si's scheme too.
    let mut text = after.clone();
    text.push_str(&format!("{SCOPE}LEFT_PLAIN=plain-to-ecies\n"));
    std::fs::write(vault_file(&env), text).unwrap();
    let doc = env.ok_in("shop", &["secret", "encrypt"]);
    assert_eq!(doc["encrypted_now"], 1, "{doc:#}");
    let converted = stored(&env, &format!("{SCOPE}LEFT_PLAIN"));
    assert!(converted.starts_with("encrypted:si-vault:"), "{converted}");
    assert_eq!(eciespy_decrypt(&converted), "plain-to-ecies");
    // paasdeck reads back what it wrote, with si's keyring.
    assert_eq!(
        get(&env, &[], "NEW_SECRET").1["value"],
        "written-by-paasdeck-ü-42"
    );
    // Age recipients do not apply to an ECIES vault: refused, nothing changed.
    let text = std::fs::read_to_string(vault_file(&env)).unwrap();
    let teammate = age::x25519::Identity::generate().to_public().to_string();
    let (code, doc) = json_env(
        &env,
        &[],
        &["--context", "shop", "vault", "recipient", "add", &teammate],
        None,
    );
    assert_eq!(code, 2, "{doc:#}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("ECIES"),
        "{doc:#}"
    );
    assert_eq!(std::fs::read_to_string(vault_file(&env)).unwrap(), text);
}

#[test]
fn the_doctor_counts_ecies_values_as_encrypted_and_warns_without_the_keyring() {
    let env = Env::new();
    let keyring = si_vault(&env);
    let doctor = || env.json_in("shop", &["doctor"]).1;
    let d = doctor();
    let c = check(&d, "vault_values_encrypted");
    assert_eq!(c["ok"], true, "{c:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("6 value(s) encrypted") && detail.contains("6 in si's ECIES scheme"),
        "{detail}"
    );
    assert_eq!(check(&d, "vault_keyring_available")["ok"], true, "{d:#}");
    // Missing: a warning (deploys are not refused for it) whose fix names the variable.
    std::fs::remove_file(&keyring).unwrap();
    let d = doctor();
    let c = check(&d, "vault_keyring_available");
    assert_eq!(
        (&c["ok"], &c["level"]),
        (&Value::from(false), &Value::from("warn")),
        "{c:#}"
    );
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains(&keyring.display().to_string()),
        "{c:#}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .starts_with("SI_VAULT_KEYRING_FILE="),
        "{c:#}"
    );
    assert_eq!(d["ok"], true, "a warning never blocks: {d:#}");
    // Readable by others: the fix is the chmod.
    keyring_at("si-vault-keyring.json", &default_keyring(&env), 0o640);
    let d = doctor();
    let c = check(&d, "vault_keyring_available");
    assert_eq!(
        c["fix"],
        format!("chmod 600 {}", keyring.display()),
        "{c:#}"
    );
    assert!(!d.to_string().contains(&private_key()));
    // A symlink: the fix puts the file it points to in its place.
    let real = env.dir.path().join("real-keyring.json");
    keyring_at("si-vault-keyring.json", &real, 0o600);
    std::fs::remove_file(&keyring).unwrap();
    std::os::unix::fs::symlink(&real, &keyring).unwrap();
    let c = check(&doctor(), "vault_keyring_available").clone();
    assert_eq!(c["ok"], false, "{c:#}");
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .starts_with("cp --remove-destination -- \"$(readlink -f "),
        "{c:#}"
    );
    // ... and runs as shown.
    let st = std::process::Command::new("sh")
        .args(["-c", c["fix"].as_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(check(&doctor(), "vault_keyring_available")["ok"], true);
    // Only si's empty value: no key is needed, so no warning even without a keyring.
    std::fs::remove_file(&keyring).unwrap();
    let text = std::fs::read_to_string(vault_file(&env)).unwrap();
    let only_empty: String = text
        .lines()
        .filter(|l| !l.starts_with(SCOPE) || l.contains("VAR_EMPTY_VALUE="))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        only_empty.contains("VAR_EMPTY_VALUE=encrypted:si-vault:\n"),
        "{only_empty}"
    );
    std::fs::write(vault_file(&env), only_empty).unwrap();
    let d = doctor();
    let c = check(&d, "vault_keyring_available");
    assert_eq!(c["ok"], true, "{c:#}");
}

#[test]
fn an_si_public_key_that_is_not_one_is_a_clear_error_and_nothing_is_written() {
    let env = Env::new();
    si_vault(&env);
    let text = std::fs::read_to_string(vault_file(&env)).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(first.starts_with("SI_VAULT_PUBLIC_KEY="), "{first}");
    let broken = format!("SI_VAULT_PUBLIC_KEY=not-a-key\n{rest}");
    // `secret set`, then `secret encrypt` with a plaintext value to convert.
    let with_plain = format!("{broken}{SCOPE}LEFT_PLAIN=plain-value\n");
    for (file, args) in [
        (
            &broken,
            vec!["secret", "set", "--app", "api", "--name", "NEW_SECRET"],
        ),
        (&with_plain, vec!["secret", "encrypt"]),
    ] {
        std::fs::write(vault_file(&env), file).unwrap();
        let mut all = vec!["--context", "shop"];
        all.extend(args);
        let (code, doc) = json_env(&env, &[], &all, Some("never-written-value"));
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT", "{doc:#}");
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(msg.contains("secrets.env:1:"), "{msg}");
        assert!(msg.contains("SI_VAULT_PUBLIC_KEY cannot be used"), "{msg}");
        assert_eq!(&std::fs::read_to_string(vault_file(&env)).unwrap(), file);
    }
}

#[test]
fn the_console_shows_the_vault_status_of_an_si_ecies_vault_as_the_cli_does() {
    use crate::common::tmux::console;
    let env = Env::new();
    let keyring = si_vault(&env);
    let o = run_env(&env, &[], &["--context", "shop", "vault", "status"], None);
    let cli = String::from_utf8_lossy(&o.stdout).to_string();
    let tmux = console(&env, &env.root.display().to_string(), 180, 40);
    tmux.wait_for("the console", |s| s.contains("SHOP · PRODUCTION"));
    tmux.send(":");
    tmux.send("vault status");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("the vault status", |s| {
        s.contains("vault of shop") && s.contains("by scheme  6 ecies, 0 age v2, 0 age v1")
    });
    for line in cli.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            screen.contains(line.trim_end()),
            "{line:?} not on\n{screen}"
        );
    }
    assert!(screen.contains(&keyring.display().to_string()), "{screen}");
    assert!(!screen.contains(&private_key()));
}
