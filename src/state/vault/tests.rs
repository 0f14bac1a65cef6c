use super::format::{Scheme, V1_PREFIX, V2_PREFIX};
use super::identity::{Lazy, OperatorIdentity, Source};
use super::*;
use age::x25519::Identity;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

fn operator(id: &Identity) -> Lazy {
    Lazy::with(OperatorIdentity {
        identity: id.clone(),
        source: Source::Env,
    })
}

/// Ciphertext made the way `si` makes it, from the `age` crate directly.
fn si_v2(id: &Identity, plain: &str, padded: bool) -> String {
    let raw = age::encrypt(&id.to_public(), plain.as_bytes()).unwrap();
    let prefix = b"age-encryption.org/v1\n-> X25519 ";
    assert!(raw.starts_with(prefix));
    let body = &raw[prefix.len()..];
    let enc = if padded {
        URL_SAFE.encode(body)
    } else {
        URL_SAFE_NO_PAD.encode(body)
    };
    format!("{V2_PREFIX}{enc}")
}

fn si_v1(id: &Identity, plain: &str) -> String {
    let raw = age::encrypt(&id.to_public(), plain.as_bytes()).unwrap();
    format!("{V1_PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
}

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let p = dir.path().join("secrets.env");
    std::fs::write(&p, text).unwrap();
    p
}

const DB: &str = "PAAS__CTX_PROD__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_DB_URL";
const TOKEN: &str = "PAAS__CTX_PROD__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_TOKEN";
const OLD: &str = "PAAS__CTX_PROD__NS_DEFAULT__APP_API__TARGET_EDGE__VAR_OLD";

#[test]
fn a_hand_written_si_vault_decrypts_and_rewrites_only_what_changed() {
    let id = Identity::generate();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# si-vault:v2\r\n# si-vault:recipient {r}\r\n\r\n# --- api ---\r\n{DB}={db}\r\n  export {TOKEN} = {tok}   # rotated monthly\r\nUNMANAGED=plain value kept\r\n\r\n{OLD}={old}\r\n# trailing comment without newline",
        r = id.to_public(),
        db = si_v2(&id, "postgres://u:p@db/x", false),
        tok = si_v2(&id, "tok-123", true),
        old = si_v1(&id, "old v1 value"),
    );
    let path = write(&dir, &text);
    let v = Vault::load(&path).unwrap();
    assert_eq!(v.recipients(), vec![id.to_public()]);
    let mut ids = operator(&id);
    assert_eq!(
        v.reveal(DB, &mut ids).unwrap().unwrap(),
        "postgres://u:p@db/x"
    );
    assert_eq!(v.reveal(TOKEN, &mut ids).unwrap().unwrap(), "tok-123");
    assert_eq!(v.reveal(OLD, &mut ids).unwrap().unwrap(), "old v1 value");
    assert_eq!(
        v.reveal("UNMANAGED", &mut ids).unwrap().unwrap(),
        "plain value kept"
    );
    assert_eq!(v.reveal("MISSING", &mut ids).unwrap(), None);
    let kinds: Vec<(String, &str)> = v
        .entries()
        .into_iter()
        .map(|e| (e.key, e.kind.label()))
        .collect();
    assert_eq!(kinds[0], (DB.to_string(), "encrypted"));
    assert_eq!(kinds[2], ("UNMANAGED".to_string(), "plaintext"));
    assert_eq!(v.entry(OLD).unwrap().kind, ValueKind::Encrypted(Scheme::V1));

    // Unchanged, it renders to the same bytes.
    assert_eq!(v.render(), text);

    // Rewrite one value and add one: every other line is byte-identical.
    let mut v = v;
    v.seal(TOKEN, "tok-456", &v.recipients()).unwrap();
    v.seal("PAAS__NEW", "new", &v.recipients()).unwrap();
    v.save().unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    let before_lines: Vec<&str> = text.split_inclusive('\n').collect();
    let after_lines: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(after_lines.len(), before_lines.len() + 1);
    for (i, (b, a)) in before_lines.iter().zip(&after_lines).enumerate() {
        if i == 5 {
            assert!(
                a.starts_with(&format!("  export {TOKEN} = {V2_PREFIX}")),
                "{a}"
            );
            assert!(a.ends_with("   # rotated monthly\r\n"), "{a:?}");
        } else if i == 9 {
            assert_eq!(*a, "# trailing comment without newline\r\n");
        } else {
            assert_eq!(a, b, "line {}", i + 1);
        }
    }
    assert!(after_lines[10].starts_with(&format!("PAAS__NEW={V2_PREFIX}")));
    assert!(after_lines[10].ends_with("\r\n"));
    let again = Vault::load(&path).unwrap();
    assert_eq!(again.reveal(TOKEN, &mut ids).unwrap().unwrap(), "tok-456");
    assert_eq!(again.reveal("PAAS__NEW", &mut ids).unwrap().unwrap(), "new");
    assert!(!after.contains("tok-456") && !after.contains("\nnew"));
}

#[test]
fn a_wrong_identity_fails_naming_the_key_and_line_never_the_value() {
    let id = Identity::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, &format!("{DB}={}\n", si_v2(&id, "the-value", false)));
    let v = Vault::load(&path).unwrap();
    let e = v
        .reveal(DB, &mut operator(&Identity::generate()))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::VaultDecryptFailed);
    assert!(e.message.contains(DB), "{}", e.message);
    assert!(e.message.contains("secrets.env:1"), "{}", e.message);
    assert!(!e.message.contains("the-value"));
    assert!(e.remediation.contains("vault recipient add"));
}

#[test]
fn malformed_header_unknown_prefix_and_cut_ciphertext_are_clear_errors() {
    let id = Identity::generate();
    let dir = tempfile::tempdir().unwrap();
    for (text, line, want) in [
        (
            "# si-vault:v2\n# si-vault:recipient age1broken\n\nK=v\n",
            2,
            "malformed vault header",
        ),
        ("# si-vault:v7\n\nK=v\n", 1, "si-vault:v7"),
        ("K=v\n# si-vault:recipient\n", 2, "names no recipient"),
    ] {
        let path = write(&dir, text);
        let e = Vault::load(&path).unwrap_err();
        assert_eq!(e.code, ErrorCode::StateCorrupt);
        assert!(
            e.message.contains(&format!("secrets.env:{line}:")),
            "{}",
            e.message
        );
        assert!(e.message.contains(want), "{}", e.message);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
    let good = si_v2(&id, "hidden-value", false);
    let cut = &good[..good.len() / 2];
    let path = write(
        &dir,
        &format!("A=encrypted:si:v9:Zm9vYmFy\nB={cut}\nC=\"open\nD=encrypted:si-vault:Zm9vYmFy\n"),
    );
    let v = Vault::load(&path).unwrap();
    let mut ids = operator(&id);
    let a = v.reveal("A", &mut ids).unwrap_err();
    assert!(
        a.message.contains("A (") && a.message.contains("encrypted:si:v9:"),
        "{}",
        a.message
    );
    assert!(!a.message.contains("Zm9vYmFy"));
    let b = v.reveal("B", &mut ids).unwrap_err();
    assert_eq!(b.code, ErrorCode::StateCorrupt);
    assert!(
        b.message.contains("secrets.env:2") && b.message.contains("cut off"),
        "{}",
        b.message
    );
    assert!(
        v.reveal("C", &mut ids)
            .unwrap_err()
            .message
            .contains("secrets.env:3")
    );
    // A cut ECIES value is damaged, not foreign, and says so without quoting it.
    let d = v.reveal("D", &mut ids).unwrap_err();
    assert!(
        d.message.contains("secrets.env:4") && d.message.contains("cut off"),
        "{}",
        d.message
    );
    assert!(!d.message.contains("Zm9vYmFy"));
    let kinds: Vec<&str> = v.entries().iter().map(|e| e.kind.label()).collect();
    assert_eq!(kinds, ["unsupported", "corrupt", "corrupt", "corrupt"]);
}

#[test]
fn plaintext_values_need_no_identity() {
    let id = Identity::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, &format!("PLAIN=x\nENC={}\n", si_v2(&id, "v", false)));
    let v = Vault::load(&path).unwrap();
    let root = dir.path().join("no-root");
    let mut lazy = Lazy::new(&root);
    // A plaintext value needs no identity at all.
    assert_eq!(v.reveal("PLAIN", &mut lazy).unwrap().unwrap(), "x");
}

#[test]
fn the_header_grows_with_the_smallest_change() {
    let a = Identity::generate().to_public();
    let b = Identity::generate().to_public();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.env");
    // no file: a header alone
    let mut v = Vault::empty(&path);
    assert!(v.ensure_recipients(&[a.clone(), a.clone()]));
    assert_eq!(
        v.render(),
        format!("# si-vault:v2\n# si-vault:recipient {a}\n\n")
    );
    assert!(!v.ensure_recipients(std::slice::from_ref(&a)));
    // a new recipient goes after the last one
    assert!(v.ensure_recipients(&[b.clone(), a.clone()]));
    assert_eq!(
        v.render(),
        format!("# si-vault:v2\n# si-vault:recipient {a}\n# si-vault:recipient {b}\n\n")
    );
    // a file without a header gets one on top; nothing else moves
    let mut v = Vault {
        path: path.clone(),
        doc: Dotenv::parse("# mine\r\nK=v"),
    };
    v.ensure_recipients(std::slice::from_ref(&a));
    assert_eq!(
        v.render(),
        format!("# si-vault:v2\r\n# si-vault:recipient {a}\r\n\r\n# mine\r\nK=v")
    );
    // recipients without a version line, glued to the body: version on top, one blank line
    let mut v = Vault {
        path: path.clone(),
        doc: Dotenv::parse(&format!("# si-vault:recipient {a}\nK=v\n")),
    };
    v.ensure_recipients(std::slice::from_ref(&b));
    assert_eq!(
        v.render(),
        format!("# si-vault:v2\n# si-vault:recipient {a}\n# si-vault:recipient {b}\n\nK=v\n")
    );
    // a version line alone: the recipient goes right under it
    let mut v = Vault {
        path,
        doc: Dotenv::parse("# si-vault:v2\n\nK=v\n"),
    };
    v.ensure_recipients(std::slice::from_ref(&a));
    assert_eq!(
        v.render(),
        format!("# si-vault:v2\n# si-vault:recipient {a}\n\nK=v\n")
    );
}

#[test]
fn seal_replaces_the_entry_that_counts_and_drops_earlier_duplicates() {
    let id = Identity::generate();
    let r = [id.to_public()];
    let dir = tempfile::tempdir().unwrap();
    let mut v = Vault {
        path: dir.path().join("v.env"),
        doc: Dotenv::parse("K=one\n# keep\nK=two # note\nL=x\n"),
    };
    v.seal("K", "three", &r).unwrap();
    let text = v.render();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# keep");
    assert!(lines[1].starts_with("K=encrypted:si:v2:") && lines[1].ends_with(" # note"));
    assert_eq!(lines[2], "L=x");
    assert_eq!(v.reveal("K", &mut operator(&id)).unwrap().unwrap(), "three");
    assert!(v.unset("K"));
    assert!(!v.unset("K"));
    assert!(v.seal("K", "a\0b", &r).is_err());
    assert!(v.seal("K=", "x", &r).is_err());
    let e = v.seal("K", "x", &[]).unwrap_err();
    assert!(e.message.contains("no recipients"), "{}", e.message);
}

#[test]
fn not_utf8_and_nul_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.env");
    std::fs::write(&p, b"A=1\nB=\xff\n").unwrap();
    let e = Vault::load(&p).unwrap_err();
    assert!(
        e.message.ends_with("v.env:2: not valid UTF-8"),
        "{}",
        e.message
    );
    std::fs::write(&p, b"A=1\n\nB=\0\n").unwrap();
    assert!(Vault::load(&p).unwrap_err().message.contains("v.env:3:"));
}

#[test]
fn re_encrypting_to_age_recipients_leaves_ecies_values_as_si_wrote_them() {
    let id = Identity::generate();
    let (_, pk) = ecies::utils::generate_keypair();
    let pk = si_ecies::PublicKey::parse_hex(
        &pk.serialize_compressed()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
    .unwrap();
    let ecies_value = si_ecies::seal(b"si-only-value", &pk).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        &format!(
            "# si-vault:v2\n# si-vault:recipient {}\n\n{DB}={ecies_value}\n{TOKEN}={}\n",
            id.to_public(),
            si_v2(&id, "age-value", false)
        ),
    );
    let mut v = Vault::load(&path).unwrap();
    let teammate = Identity::generate();
    let mut ids = operator(&id);
    let changed = v
        .reencrypt(&mut ids, &[id.to_public(), teammate.to_public()])
        .unwrap();
    assert_eq!(changed, [TOKEN]);
    assert!(v.render().contains(&format!("{DB}={ecies_value}\n")));
    assert_eq!(
        v.reveal(TOKEN, &mut operator(&teammate)).unwrap().unwrap(),
        "age-value"
    );
}
