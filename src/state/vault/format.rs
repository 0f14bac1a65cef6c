//! The `si vault` formats: the age header lines (`# si-vault:v2`, `# si-vault:recipient age1…`)
//! and the value schemes (`encrypted:si:v2:` compact age ciphertext, `encrypted:si:v1:` whole
//! ciphertext, the older `es2:` spelling), encrypted and decrypted with the `age` crate; and
//! which scheme a value or a new value is in, si's ECIES one ([`super::si_ecies`]) included.

use std::str::FromStr;

use age::x25519::{Identity, Recipient};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::si_ecies::{self, PublicKey};

pub const VERSION_LINE: &str = "# si-vault:v2";
pub const RECIPIENT_LINE_PREFIX: &str = "# si-vault:recipient ";
pub const V2_PREFIX: &str = "encrypted:si:v2:";
pub const V1_PREFIX: &str = "encrypted:si:v1:";
/// An older spelling of the v2 compact form, read but never written.
pub const ES2_PREFIX: &str = "es2:";
/// The public key of si's ECIES scheme: a vault holding it gets ECIES values.
pub const SI_PUBLIC_KEY_NAME: &str = "SI_VAULT_PUBLIC_KEY";

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const X25519_STANZA: &[u8] = b"-> X25519 ";
const MAC_MARKER: &[u8] = b"\n--- ";

/// A header line of the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderLine {
    Version,
    Recipient(Recipient),
}

/// Reads a line as a header line: `None` for any other line, `Some(Err(why))` for a line that
/// claims to be one but cannot be used (an unknown version, a bad recipient).
pub fn header_line(text: &str) -> Option<Result<HeaderLine, String>> {
    let body = text.trim().strip_prefix('#')?.trim();
    let rest = body.strip_prefix("si-vault:")?;
    if rest == "v1" || rest == "v2" {
        return Some(Ok(HeaderLine::Version));
    }
    if let Some(v) = rest.strip_prefix('v')
        && !v.is_empty()
        && v.chars().all(|c| c.is_ascii_digit())
    {
        return Some(Err(format!(
            "unsupported vault format version si-vault:v{v} (paasdeck reads v1 and v2)"
        )));
    }
    let r = rest.strip_prefix("recipient")?;
    if !(r.starts_with([' ', '\t']) || r.is_empty()) {
        return None;
    }
    let r = r.trim();
    if r.is_empty() {
        return Some(Err("a recipient line names no recipient".into()));
    }
    Some(
        Recipient::from_str(r)
            .map(HeaderLine::Recipient)
            .map_err(|e| format!("recipient {r:?} is not an age X25519 recipient ({e})")),
    )
}

/// How a value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    V2,
    V1,
    Es2,
    /// si's canonical `encrypted:si-vault:` (and older bare `encrypted:`) values.
    Ecies,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::V2 => "encrypted:si:v2",
            Scheme::V1 => "encrypted:si:v1",
            Scheme::Es2 => "es2",
            Scheme::Ecies => "encrypted:si-vault",
        }
    }

    /// The kind `vault status` counts it as: `ecies`, `age_v2` (es2 is its older spelling)
    /// or `age_v1`.
    pub fn count_as(self) -> &'static str {
        match self {
            Scheme::V2 | Scheme::Es2 => "age_v2",
            Scheme::V1 => "age_v1",
            Scheme::Ecies => "ecies",
        }
    }
}

/// Where a new value is encrypted to: the vault's age recipients, or the ECIES public key of a
/// vault that holds `SI_VAULT_PUBLIC_KEY` (so si reads what paasdeck writes).
#[derive(Debug, Clone)]
pub enum SealTo {
    Age(Vec<Recipient>),
    Ecies(PublicKey),
}

impl SealTo {
    pub fn seal(&self, plain: &[u8]) -> Result<String, String> {
        match self {
            SealTo::Age(recipients) => seal(plain, recipients),
            SealTo::Ecies(key) => si_ecies::seal(plain, key),
        }
    }

    /// `ecies` or `age`.
    pub fn scheme(&self) -> &'static str {
        match self {
            SealTo::Age(_) => "age",
            SealTo::Ecies(_) => "ecies",
        }
    }

    /// How many recipients a value is encrypted to (one public key for ECIES).
    pub fn recipients(&self) -> usize {
        match self {
            SealTo::Age(r) => r.len(),
            SealTo::Ecies(_) => 1,
        }
    }
}

/// What a stored value is, decided from its text alone (nothing is decrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// An empty value: nothing to protect.
    Empty,
    /// A plaintext value (written by an older tool).
    Plain,
    /// Well-formed age or ECIES ciphertext (or ECIES's empty value).
    Encrypted(Scheme),
    /// An `encrypted:` value of a scheme paasdeck does not read (e.g. `encrypted:si:v9:`).
    Unsupported(String),
    /// A value with a known prefix whose ciphertext is damaged (bad base64, cut off).
    Corrupt(String),
}

impl ValueKind {
    pub fn label(&self) -> &'static str {
        match self {
            ValueKind::Empty => "empty",
            ValueKind::Plain => "plaintext",
            ValueKind::Encrypted(_) => "encrypted",
            ValueKind::Unsupported(_) => "unsupported",
            ValueKind::Corrupt(_) => "corrupt",
        }
    }
}

/// Classifies a value (already unquoted).
pub fn classify(value: &str) -> ValueKind {
    let v = value.trim();
    if v.is_empty() {
        return ValueKind::Empty;
    }
    match si_ecies::ciphertext(v) {
        Some(Ok(_)) => return ValueKind::Encrypted(Scheme::Ecies),
        Some(Err(why)) => return ValueKind::Corrupt(why),
        None => {}
    }
    match ciphertext(v) {
        Some(Ok(_)) => ValueKind::Encrypted(scheme_of(v).unwrap_or(Scheme::V2)),
        Some(Err(why)) => ValueKind::Corrupt(why),
        None if v.starts_with("encrypted:") => ValueKind::Unsupported(foreign_prefix(v)),
        None => ValueKind::Plain,
    }
}

/// The scheme prefix of a foreign `encrypted:` value, never any of its payload.
fn foreign_prefix(v: &str) -> String {
    let parts: Vec<&str> = v.splitn(4, ':').collect();
    let n = if parts.get(1) == Some(&"si") { 3 } else { 2 };
    if parts.len() > n {
        format!("{}:", parts[..n].join(":"))
    } else {
        "encrypted:".into()
    }
}

fn scheme_of(v: &str) -> Option<Scheme> {
    if v.starts_with(V2_PREFIX) {
        Some(Scheme::V2)
    } else if v.starts_with(V1_PREFIX) {
        Some(Scheme::V1)
    } else if v.starts_with(ES2_PREFIX) {
        Some(Scheme::Es2)
    } else {
        None
    }
}

fn decode_any(payload: &str) -> Option<Vec<u8>> {
    [URL_SAFE_NO_PAD, URL_SAFE, STANDARD_NO_PAD, STANDARD]
        .iter()
        .find_map(|e| e.decode(payload).ok())
}

/// The whole age ciphertext of a value: `None` when the value has no known prefix, an error
/// (never quoting the value) when its payload is not valid age ciphertext.
pub fn ciphertext(value: &str) -> Option<Result<Vec<u8>, String>> {
    let v = value.trim();
    let scheme = scheme_of(v)?;
    let payload = match scheme {
        Scheme::V2 => &v[V2_PREFIX.len()..],
        Scheme::V1 => &v[V1_PREFIX.len()..],
        Scheme::Es2 => &v[ES2_PREFIX.len()..],
        Scheme::Ecies => return None,
    };
    if payload.is_empty() {
        return Some(Err("the ciphertext is empty".into()));
    }
    let Some(raw) = decode_any(payload) else {
        return Some(Err(
            "the ciphertext is not valid base64 (cut off or damaged)".into(),
        ));
    };
    let raw = match scheme {
        Scheme::V1 => raw,
        Scheme::V2 | Scheme::Es2 | Scheme::Ecies => [AGE_MAGIC, X25519_STANZA, &raw].concat(),
    };
    if !raw.starts_with(AGE_MAGIC) {
        return Some(Err("the ciphertext is not in the age format".into()));
    }
    if !raw.windows(MAC_MARKER.len()).any(|w| w == MAC_MARKER) {
        return Some(Err(
            "the ciphertext is cut off (no age header MAC line)".into()
        ));
    }
    Some(Ok(raw))
}

/// Encrypts `plain` to every recipient and writes it in the v2 compact form (v1 when the
/// ciphertext does not start with the X25519 stanza).
pub fn seal(plain: &[u8], recipients: &[Recipient]) -> Result<String, String> {
    if recipients.is_empty() {
        return Err("no recipients configured".into());
    }
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| format!("cannot encrypt: {e}"))?;
    let mut out = Vec::with_capacity(plain.len() + 200 * recipients.len());
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| format!("cannot encrypt: {e}"))?;
    std::io::Write::write_all(&mut w, plain).map_err(|e| format!("cannot encrypt: {e}"))?;
    w.finish().map_err(|e| format!("cannot encrypt: {e}"))?;
    let compact = [AGE_MAGIC, X25519_STANZA].concat();
    Ok(match out.strip_prefix(compact.as_slice()) {
        Some(rest) => format!("{V2_PREFIX}{}", URL_SAFE_NO_PAD.encode(rest)),
        None => format!("{V1_PREFIX}{}", URL_SAFE_NO_PAD.encode(&out)),
    })
}

/// Why a value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// The value is not encrypted to this identity.
    NotForThisIdentity,
    /// The ciphertext is damaged.
    Corrupt(String),
}

/// Decrypts a value with known prefix; the plaintext stays in memory.
pub fn open(value: &str, identity: &Identity) -> Result<String, OpenError> {
    let raw = match ciphertext(value) {
        Some(Ok(raw)) => raw,
        Some(Err(why)) => return Err(OpenError::Corrupt(why)),
        None => return Err(OpenError::Corrupt("the value is not age ciphertext".into())),
    };
    let plain = age::decrypt(identity, &raw).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => OpenError::NotForThisIdentity,
        other => OpenError::Corrupt(format!("the ciphertext does not decrypt ({other})")),
    })?;
    String::from_utf8(plain)
        .map_err(|_| OpenError::Corrupt("the decrypted value is not valid UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_are_recognised_and_checked() {
        let id = Identity::generate();
        let r = id.to_public();
        assert_eq!(header_line("# si-vault:v2"), Some(Ok(HeaderLine::Version)));
        assert_eq!(
            header_line("  #si-vault:v1 "),
            Some(Ok(HeaderLine::Version))
        );
        assert_eq!(
            header_line(&format!("# si-vault:recipient {r}")),
            Some(Ok(HeaderLine::Recipient(r.clone())))
        );
        assert!(matches!(header_line("# si-vault:v3"), Some(Err(e)) if e.contains("v3")));
        assert!(matches!(
            header_line("# si-vault:recipient age1nope"),
            Some(Err(_))
        ));
        assert!(matches!(header_line("# si-vault:recipient"), Some(Err(_))));
        for other in [
            "# a comment",
            "K=v",
            "# si-vault:notes here",
            "# si-vault:recipients x",
        ] {
            assert_eq!(header_line(other), None, "{other}");
        }
    }

    #[test]
    fn seal_writes_the_compact_v2_form_and_open_reverses_it() {
        let a = Identity::generate();
        let b = Identity::generate();
        let v = seal(b"s3cret value", &[a.to_public(), b.to_public()]).unwrap();
        assert!(v.starts_with(V2_PREFIX), "{v}");
        assert!(!v.contains('=') && !v.contains('+') && !v.contains('/'));
        assert_eq!(classify(&v), ValueKind::Encrypted(Scheme::V2));
        assert_eq!(open(&v, &a).unwrap(), "s3cret value");
        assert_eq!(open(&v, &b).unwrap(), "s3cret value");
        let c = Identity::generate();
        assert_eq!(open(&v, &c), Err(OpenError::NotForThisIdentity));
        assert!(seal(b"x", &[]).unwrap_err().contains("no recipients"));
    }

    #[test]
    fn v1_es2_and_padded_or_standard_base64_decrypt() {
        let id = Identity::generate();
        let raw = age::encrypt(&id.to_public(), b"v1 value").unwrap();
        let v1 = format!("{V1_PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw));
        assert_eq!(classify(&v1), ValueKind::Encrypted(Scheme::V1));
        assert_eq!(open(&v1, &id).unwrap(), "v1 value");
        let compact = &raw[AGE_MAGIC.len() + X25519_STANZA.len()..];
        for enc in [URL_SAFE, STANDARD, STANDARD_NO_PAD] {
            let v = format!("{V2_PREFIX}{}", enc.encode(compact));
            assert_eq!(open(&v, &id).unwrap(), "v1 value", "{v}");
            let e = format!("{ES2_PREFIX}{}", enc.encode(compact));
            assert_eq!(open(&e, &id).unwrap(), "v1 value");
        }
    }

    #[test]
    fn damaged_and_foreign_values_are_told_apart_from_plaintext() {
        let id = Identity::generate();
        let v = seal(b"value", &[id.to_public()]).unwrap();
        let cut = &v[..V2_PREFIX.len() + 40];
        assert!(matches!(classify(cut), ValueKind::Corrupt(_)));
        assert!(matches!(open(cut, &id), Err(OpenError::Corrupt(_))));
        let tail_cut = &v[..v.len() - 8];
        assert!(matches!(open(tail_cut, &id), Err(OpenError::Corrupt(_))));
        assert!(matches!(
            classify("encrypted:si:v2:!!!"),
            ValueKind::Corrupt(_)
        ));
        assert!(matches!(
            classify("encrypted:si-vault:abc"),
            ValueKind::Corrupt(_)
        ));
        assert_eq!(
            classify("encrypted:si-vault:"),
            ValueKind::Encrypted(Scheme::Ecies)
        );
        assert_eq!(
            classify("encrypted:si:v9:abc"),
            ValueKind::Unsupported("encrypted:si:v9:".into())
        );
        assert_eq!(
            classify("encrypted:hunter2"),
            ValueKind::Unsupported("encrypted:".into())
        );
        assert_eq!(classify("hunter2"), ValueKind::Plain);
        assert_eq!(classify(""), ValueKind::Empty);
    }
}
