//! si's ECIES vault fixture (tests/fixtures/si-vault, written by its gen.py with Python's
//! eciespy): placing its vault and keyring, the values it was made from, and decrypting a
//! value paasdeck wrote with eciespy and the keyring's private key.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::Env;

pub const SCOPE: &str = "PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_";

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/si-vault")
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// What each key of the fixture vault decrypts to.
pub fn expected(name: &str) -> String {
    let doc: Value = serde_json::from_str(&fixture("expected.json")).unwrap();
    doc[format!("{SCOPE}{name}")]
        .as_str()
        .unwrap_or_else(|| panic!("no expected value for {name}"))
        .to_string()
}

/// The private key hex of si's keyring fixture (to check it never shows).
pub fn private_key() -> String {
    let doc: Value = serde_json::from_str(&fixture("si-vault-keyring.json")).unwrap();
    doc["entries"].as_object().unwrap().values().next().unwrap()["private_key"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn vault_file(env: &Env) -> PathBuf {
    env.ctx_dir("shop").join("vault/secrets.env")
}

fn put(from: &str, to: &Path, mode: u32) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(to, fixture(from)).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Context `shop` with si's vault (0600), and si's keyring where si keeps it by default.
pub fn si_vault(env: &Env) -> PathBuf {
    env.init("shop", "production");
    put("secrets.env", &vault_file(env), 0o600);
    let keyring = default_keyring(env);
    put("si-vault-keyring.json", &keyring, 0o600);
    keyring
}

pub fn default_keyring(env: &Env) -> PathBuf {
    env.home.join(".si/vault/si-vault-keyring.json")
}

/// Another keyring fixture written at `to` (`other-keyring.json`: the wrong keypair).
pub fn keyring_at(name: &str, to: &Path, mode: u32) {
    put(name, to, mode);
}

/// Decrypts `value` with eciespy and the keyring fixture's private key. Fails loudly when
/// python3 or eciespy is missing: scripts/test.sh installs them.
pub fn eciespy_decrypt(value: &str) -> String {
    let probe = Command::new("python3")
        .args(["-c", "import ecies"])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for this test (scripts/test.sh): {e}"));
    assert!(
        probe.status.success(),
        "Python's eciespy is needed for this test: `pip install eciespy` (scripts/test.sh does)\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let mut child = Command::new("python3")
        .arg(dir().join("decrypt.py"))
        .arg(dir().join("si-vault-keyring.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "eciespy could not decrypt {value:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The stored value of `key` in the vault file.
pub fn stored(env: &Env, key: &str) -> String {
    let text = std::fs::read_to_string(vault_file(env)).unwrap();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} is not in the vault:\n{text}"))
        .to_string()
}
