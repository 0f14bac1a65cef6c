//! The operator's identity through the real binary: `vault keygen`, the lookup order
//! (environment, key file, keyring through `secret-tool`, config dir), refused key files, and
//! `vault recipient add` for a teammate.

use crate::common;

use std::os::unix::fs::PermissionsExt;

use age::x25519::Identity;
use common::vault::*;
use common::{Env, stderr, stdout};
use serde_json::Value;

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
    let status = env.ok_in("c", &["vault", "status"]);
    assert_eq!(status["identity_source"], "config_file");
    assert_eq!(status["recipient"], recipient);
    assert_eq!(status["vault"]["exists"], false);
    assert_eq!(status["vault"]["value_counts"]["encrypted"], 0);
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
    // a damaged stored context does not stand in the way of the operator's own identity
    std::fs::write(env.root.join("current_context"), "../../etc\n").unwrap();
    assert_eq!(env.ok(&["vault", "keygen"])["created"], false);
    std::fs::remove_file(env.root.join("current_context")).unwrap();
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
