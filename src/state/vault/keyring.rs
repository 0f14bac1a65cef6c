//! si's vault keyring (SPEC §13): the JSON file holding the private key of si's ECIES values,
//! `SI_VAULT_KEYRING_FILE`, else `~/.si/vault/si-vault-keyring.json`. Like the age identity file
//! it must be a regular file with no group/other permission bits, outside the state root. si
//! keeps one canonical keypair in every entry; the entry whose key matches the vault's
//! `SI_VAULT_PUBLIC_KEY` is the one used. Nothing read from it is ever quoted in an error.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::si_ecies::{PublicKey, SecretKey};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::{absolute, canonical_lenient};

pub const KEYRING_FILE_ENV: &str = "SI_VAULT_KEYRING_FILE";

/// The keyring's key for a vault and the file it came from.
#[derive(Debug, Clone)]
pub struct SiKey {
    pub key: SecretKey,
    pub file: PathBuf,
}

/// Where the keyring is looked for, and how that was decided (for messages).
pub fn path() -> Option<(PathBuf, String)> {
    if let Some(p) = std::env::var_os(KEYRING_FILE_ENV).filter(|v| !v.is_empty()) {
        let p = absolute(Path::new(&p));
        let how = format!("{} (${KEYRING_FILE_ENV})", p.display());
        return Some((p, how));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    let p = Path::new(&home).join(".si/vault/si-vault-keyring.json");
    Some((p.clone(), p.display().to_string()))
}

fn keyring_error(message: impl Into<String>) -> PaasError {
    PaasError::new(ErrorCode::VaultIdentity, "vault_keyring", message)
}

fn point_at_it() -> String {
    format!(
        "put si's keyring at ~/.si/vault/si-vault-keyring.json (mode 0600), or set {KEYRING_FILE_ENV} to its path"
    )
}

/// The keyring's private key for the vault's public key `want` (any valid entry when the vault
/// names none). Fails naming the file, never a key.
pub fn load(want: Option<&PublicKey>, state_root: &Path) -> Result<SiKey> {
    let Some((file, how)) = path() else {
        return Err(keyring_error(format!(
            "no si vault keyring: ${KEYRING_FILE_ENV} is not set and there is no home directory"
        ))
        .with_remediation(point_at_it()));
    };
    load_from(&file, &how, want, state_root)
}

fn load_from(file: &Path, how: &str, want: Option<&PublicKey>, state_root: &Path) -> Result<SiKey> {
    let text = read_strict(file, how, state_root)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        keyring_error(format!(
            "the si vault keyring {how} is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
        .with_remediation("restore si's keyring file from your backup")
    })?;
    let entries = doc
        .get("entries")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            keyring_error(format!(
                "the si vault keyring {how} has no \"entries\" object"
            ))
            .with_remediation("restore si's keyring file from your backup")
        })?;
    let mut usable = 0;
    for entry in entries.values() {
        let Some(key) = entry_key(entry) else {
            continue;
        };
        usable += 1;
        if want.is_none_or(|w| w == key.public()) {
            return Ok(SiKey {
                key,
                file: file.to_path_buf(),
            });
        }
    }
    let why = match (usable, want) {
        (0, _) => format!("the si vault keyring {how} holds no usable key"),
        (_, Some(w)) => format!(
            "the si vault keyring {how} holds no key for the vault's SI_VAULT_PUBLIC_KEY {}",
            w.hex()
        ),
        (_, None) => format!("the si vault keyring {how} holds no usable key"),
    };
    Err(keyring_error(why).with_remediation(format!(
        "use the keyring si wrote this vault with: {}",
        point_at_it()
    )))
}

/// An entry's private key, when it is one and agrees with the entry's own public key.
fn entry_key(entry: &Value) -> Option<SecretKey> {
    let key = SecretKey::parse_hex(entry.get("private_key")?.as_str()?).ok()?;
    match entry.get("public_key").and_then(Value::as_str) {
        Some(p) if !p.trim().is_empty() => {
            let named = PublicKey::parse_hex(p).ok()?;
            (&named == key.public()).then_some(key)
        }
        _ => Some(key),
    }
}

/// Reads a key file that must be a regular file, 0600 or stricter, outside the state root.
fn read_strict(file: &Path, how: &str, state_root: &Path) -> Result<String> {
    if !state_root.as_os_str().is_empty()
        && canonical_lenient(file).starts_with(canonical_lenient(state_root))
    {
        return Err(keyring_error(format!(
            "the si vault keyring {how} lies inside the state root {}",
            state_root.display()
        ))
        .with_remediation(format!(
            "move it out of the state root and point ${KEYRING_FILE_ENV} at it"
        )));
    }
    let meta = match std::fs::symlink_metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                keyring_error(format!("no si vault keyring: {how} does not exist"))
                    .with_remediation(point_at_it()),
            );
        }
        Err(e) => return Err(PaasError::io("vault_keyring", file, &e)),
    };
    if meta.file_type().is_symlink() {
        return Err(keyring_error(format!(
            "the si vault keyring {how} is a symlink; it must be a regular file"
        ))
        .with_remediation("replace the link with the file it points to (mode 0600)"));
    }
    if !meta.is_file() {
        return Err(keyring_error(format!(
            "the si vault keyring {how} is not a regular file"
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(keyring_error(format!(
            "the si vault keyring {how} is {mode:04o}: group or others can read it (want 0600)"
        ))
        .with_remediation(format!("chmod 600 {}", file.display())));
    }
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| PaasError::io("vault_keyring", file, &e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn pair() -> (String, String) {
        let (sk, pk) = ecies::utils::generate_keypair();
        (hex(&sk.serialize()), hex(&pk.serialize_compressed()))
    }

    fn write(dir: &Path, doc: &Value, mode: u32) -> PathBuf {
        let p = dir.join("si-vault-keyring.json");
        std::fs::write(&p, doc.to_string()).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn the_entry_of_the_vaults_public_key_is_used_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        let (other_sk, other_pk) = pair();
        let (sk, pk) = pair();
        let doc = serde_json::json!({"entries": {
            "a/dev": {"repo": "a", "env": "dev", "public_key": other_pk, "private_key": other_sk},
            "b/prod": {"repo": "b", "env": "prod", "public_key": pk, "private_key": sk.to_uppercase()},
            "broken/x": {"private_key": "zz"},
        }});
        let p = write(dir.path(), &doc, 0o600);
        let want = PublicKey::parse_hex(&pk).unwrap();
        let got = from(&p, Some(&want), &root).unwrap();
        assert_eq!(got.key.public(), &want);
        assert!(!format!("{got:?}").contains(&sk), "{got:?}");
        let none = PublicKey::parse_hex(&pair().1).unwrap();
        let e = from(&p, Some(&none), &root).unwrap_err();
        assert!(e.message.contains("holds no key for"), "{}", e.message);
        assert!(!e.message.contains(&sk) && !e.message.contains(&other_sk));
        // Without a public key in the vault, any valid entry decrypts (si keeps one keypair).
        assert!(from(&p, None, &root).is_ok());
    }

    #[test]
    fn open_symlinked_broken_or_in_root_keyrings_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        let (sk, pk) = pair();
        let doc = serde_json::json!({"entries": {"r/e": {"public_key": pk, "private_key": sk}}});
        for mode in [0o644, 0o640, 0o604] {
            let p = write(dir.path(), &doc, mode);
            let e = from(&p, None, &root).unwrap_err();
            assert_eq!(e.code, ErrorCode::VaultIdentity);
            assert!(e.message.contains(&format!("{mode:04o}")), "{}", e.message);
            assert!(e.remediation.contains("chmod 600"), "{}", e.remediation);
        }
        let p = write(dir.path(), &doc, 0o600);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        let e = from(&link, None, &root).unwrap_err();
        assert!(e.message.contains("symlink"), "{}", e.message);
        std::fs::write(&p, format!("{{\"entries\": {{\"x\": \"{sk}\"")).unwrap();
        let e = from(&p, None, &root).unwrap_err();
        assert!(e.message.contains("is not JSON"), "{}", e.message);
        assert!(!e.message.contains(&sk));
        std::fs::write(&p, format!("{{\"keys\": [\"{sk}\"]}}")).unwrap();
        let e = from(&p, None, &root).unwrap_err();
        assert!(e.message.contains("no \"entries\""), "{}", e.message);
        std::fs::create_dir_all(&root).unwrap();
        let inside = write(&root, &doc, 0o600);
        let e = from(&inside, None, &root).unwrap_err();
        assert!(e.message.contains("inside the state root"), "{}", e.message);
        let e = from(&dir.path().join("none.json"), None, &root).unwrap_err();
        assert!(e.message.contains("does not exist"), "{}", e.message);
        assert!(
            e.remediation.contains(KEYRING_FILE_ENV),
            "{}",
            e.remediation
        );
    }

    /// `load` with the file given, not looked up in the environment.
    fn from(file: &Path, want: Option<&PublicKey>, root: &Path) -> Result<SiKey> {
        load_from(file, &file.display().to_string(), want, root)
    }
}
