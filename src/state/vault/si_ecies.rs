//! si's canonical value scheme (SPEC §13): `encrypted:si-vault:` + standard base64 of an ECIES
//! ciphertext (secp256k1, HKDF-SHA256, AES-256-GCM with a 16-byte nonce: the ephemeral public
//! key uncompressed ‖ nonce ‖ tag ‖ ciphertext), encrypted to the `SI_VAULT_PUBLIC_KEY` of the
//! file and decrypted with the private key of si's keyring, through the `ecies` crate (the same
//! family as si's Go library). `encrypted:si-vault:` alone is the empty value; a bare
//! `encrypted:` prefix is si's older spelling of the same scheme.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

pub const PREFIX: &str = "encrypted:si-vault:";
/// si's older spelling: `encrypted:` + the same payload (never written).
pub const LEGACY_PREFIX: &str = "encrypted:";
/// Uncompressed ephemeral public key, nonce and tag: the ciphertext of the empty value.
const OVERHEAD: usize = 65 + 16 + 16;

/// A compressed secp256k1 public key, as `SI_VAULT_PUBLIC_KEY` holds it (hex).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey([u8; 33]);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.hex())
    }
}

impl PublicKey {
    /// Reads the hex of a compressed (or uncompressed) secp256k1 public key; never quotes it.
    pub fn parse_hex(text: &str) -> Result<PublicKey, String> {
        let bytes = hex(text.trim())
            .ok_or("it is not hex (want a compressed secp256k1 public key, 66 hex digits)")?;
        let pk = ecies::PublicKey::parse_slice(&bytes, None)
            .map_err(|_| "it is not a secp256k1 public key".to_string())?;
        Ok(PublicKey(pk.serialize_compressed()))
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A secp256k1 private key from si's keyring. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey {
    secret: [u8; 32],
    public: PublicKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(public {})", self.public.hex())
    }
}

impl SecretKey {
    /// Reads a private key in hex; the error never quotes it.
    pub fn parse_hex(text: &str) -> Result<SecretKey, String> {
        let bytes = hex(text.trim()).ok_or("the private key is not hex")?;
        let sk = ecies::SecretKey::parse_slice(&bytes)
            .map_err(|_| "the private key is not a secp256k1 private key".to_string())?;
        let public = ecies::PublicKey::from_secret_key(&sk).serialize_compressed();
        Ok(SecretKey {
            secret: sk.serialize(),
            public: PublicKey(public),
        })
    }

    /// The public key that goes with it.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn decode(payload: &str) -> Option<Vec<u8>> {
    [STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|e| e.decode(payload).ok())
}

/// The ECIES ciphertext of a value: `None` when the value is not of this scheme, an empty
/// vector for the empty value, an error (never quoting the value) when an
/// `encrypted:si-vault:` payload is damaged. A bare `encrypted:` value counts only when its
/// payload is shaped as ECIES ciphertext, so other schemes' values stay foreign.
pub fn ciphertext(value: &str) -> Option<Result<Vec<u8>, String>> {
    let v = value.trim();
    if let Some(payload) = v.strip_prefix(PREFIX) {
        let payload = payload.trim();
        if payload.is_empty() {
            return Some(Ok(Vec::new()));
        }
        let Some(raw) = decode(payload) else {
            return Some(Err(
                "the ciphertext is not valid base64 (cut off or damaged)".into(),
            ));
        };
        return Some(shaped(raw));
    }
    let payload = v.strip_prefix(LEGACY_PREFIX)?.trim();
    if payload.is_empty() {
        return Some(Ok(Vec::new()));
    }
    decode(payload).and_then(|raw| shaped(raw).ok()).map(Ok)
}

fn shaped(raw: Vec<u8>) -> Result<Vec<u8>, String> {
    if raw.len() < OVERHEAD {
        return Err("the ciphertext is cut off (shorter than an ECIES header)".into());
    }
    if raw[0] != 0x04 {
        return Err("the ciphertext does not start with an ECIES ephemeral public key".into());
    }
    Ok(raw)
}

/// Encrypts `plain` to `to` as si writes it (the empty value as the bare prefix).
pub fn seal(plain: &[u8], to: &PublicKey) -> Result<String, String> {
    if plain.is_empty() {
        return Ok(PREFIX.to_string());
    }
    let raw = ecies::encrypt(&to.0, plain).map_err(|e| format!("cannot encrypt: {e}"))?;
    Ok(format!("{PREFIX}{}", STANDARD.encode(raw)))
}

/// Why an ECIES value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// It does not decrypt with this key (another key's, or damaged: the two look alike).
    NotThisKey,
    Corrupt(String),
}

/// Decrypts a value of this scheme in memory. A ciphertext of exactly the header's length that
/// does not decrypt is the empty value, as si reads what an old bug of its own wrote.
pub fn open(value: &str, key: &SecretKey) -> Result<String, OpenError> {
    let raw = match ciphertext(value) {
        Some(Ok(raw)) => raw,
        Some(Err(why)) => return Err(OpenError::Corrupt(why)),
        None => {
            return Err(OpenError::Corrupt(
                "the value is not ECIES ciphertext".into(),
            ));
        }
    };
    if raw.is_empty() {
        return Ok(String::new());
    }
    match ecies::decrypt(&key.secret, &raw) {
        Ok(plain) => String::from_utf8(plain)
            .map_err(|_| OpenError::Corrupt("the decrypted value is not valid UTF-8".into())),
        Err(_) if raw.len() == OVERHEAD => Ok(String::new()),
        Err(_) => Err(OpenError::NotThisKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keypair() -> SecretKey {
        let (sk, _) = ecies::utils::generate_keypair();
        let hex: String = sk.serialize().iter().map(|b| format!("{b:02x}")).collect();
        SecretKey::parse_hex(&hex).unwrap()
    }

    #[test]
    fn seal_writes_standard_base64_that_open_reverses() {
        let k = keypair();
        let v = seal("s3cret value with ünïcode".as_bytes(), k.public()).unwrap();
        let payload = v.strip_prefix(PREFIX).unwrap();
        let raw = STANDARD.decode(payload).unwrap();
        assert_eq!(raw.len(), OVERHEAD + "s3cret value with ünïcode".len());
        assert_eq!(raw[0], 0x04, "uncompressed ephemeral key first");
        assert_eq!(open(&v, &k).unwrap(), "s3cret value with ünïcode");
        assert_eq!(open(&v, &keypair()), Err(OpenError::NotThisKey));
        // si's older spelling of the same value
        let legacy = format!("{LEGACY_PREFIX}{payload}");
        assert_eq!(open(&legacy, &k).unwrap(), "s3cret value with ünïcode");
    }

    #[test]
    fn the_empty_value_is_the_bare_prefix_and_needs_no_key_to_read() {
        let k = keypair();
        assert_eq!(seal(b"", k.public()).unwrap(), PREFIX);
        assert_eq!(ciphertext(PREFIX), Some(Ok(Vec::new())));
        assert_eq!(ciphertext("encrypted:"), Some(Ok(Vec::new())));
        assert_eq!(open(PREFIX, &keypair()).unwrap(), "");
        // The ciphertext of the empty value reads as empty with any key, as si reads it.
        let raw = ecies::encrypt(&k.public().0, b"").unwrap();
        assert_eq!(raw.len(), OVERHEAD);
        let v = format!("{PREFIX}{}", STANDARD.encode(raw));
        assert_eq!(open(&v, &k).unwrap(), "");
        assert_eq!(open(&v, &keypair()).unwrap(), "");
    }

    #[test]
    fn damaged_values_are_corrupt_and_other_encrypted_values_are_not_this_scheme() {
        let k = keypair();
        let v = seal(b"value", k.public()).unwrap();
        let cut = &v[..PREFIX.len() + 40];
        assert!(matches!(ciphertext(cut), Some(Err(_))));
        assert!(matches!(
            ciphertext("encrypted:si-vault:!!!"),
            Some(Err(e)) if e.contains("base64")
        ));
        assert!(matches!(open(cut, &k), Err(OpenError::Corrupt(_))));
        for other in [
            "encrypted:hunter2",
            "encrypted:si:v9:abc",
            "encrypted:si:v2:YWJj",
            "plain",
        ] {
            assert_eq!(ciphertext(other), None, "{other}");
        }
    }

    /// Values eciespy wrote (tests/fixtures/si-vault/gen.py) open with the keyring's key.
    #[test]
    fn values_written_by_eciespy_open() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/si-vault");
        let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
        let keyring: serde_json::Value =
            serde_json::from_str(&read("si-vault-keyring.json")).unwrap();
        let entry = keyring["entries"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        let key = SecretKey::parse_hex(entry["private_key"].as_str().unwrap()).unwrap();
        assert_eq!(key.public().hex(), entry["public_key"].as_str().unwrap());
        let expected: serde_json::Value = serde_json::from_str(&read("expected.json")).unwrap();
        let vault = read("secrets.env");
        let stored = |k: &str| {
            vault
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap()
                .to_string()
        };
        for (k, want) in expected.as_object().unwrap() {
            assert_eq!(
                open(&stored(k), &key).unwrap(),
                want.as_str().unwrap(),
                "{k}"
            );
        }
        let other = stored("PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_OTHER_KEY");
        assert_eq!(open(&other, &key), Err(OpenError::NotThisKey));
    }

    #[test]
    fn keys_parse_from_hex_and_errors_never_quote_them() {
        let k = keypair();
        let p = PublicKey::parse_hex(&k.public().hex()).unwrap();
        assert_eq!(&p, k.public());
        assert_eq!(p.hex().len(), 66);
        let e = SecretKey::parse_hex("zz-not-a-key").unwrap_err();
        assert!(!e.contains("zz-not"), "{e}");
        assert!(PublicKey::parse_hex("02abcd").is_err());
        let shown = format!("{k:?}");
        let secret_hex: String = k.secret.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&secret_hex), "{shown}");
    }
}
