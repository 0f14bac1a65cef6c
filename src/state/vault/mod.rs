//! The context vault (`vault/secrets.env`, 0600) in the `si vault` formats: a dotenv file
//! with either si's `SI_VAULT_PUBLIC_KEY` and ECIES values encrypted to it, or a header naming
//! its age recipients and values encrypted to them. Comments, blank lines,
//! other keys, their order and line endings survive every rewrite byte for byte. Values are
//! decrypted in memory only and never leave this module except through [`Vault::reveal`].

pub mod dotenv;
pub mod format;
pub mod identity;
pub mod keyring;
pub mod keys;
pub mod si_ecies;
mod unlock;

use std::path::{Path, PathBuf};

use age::x25519::Recipient;

use self::dotenv::Dotenv;
use self::format::{HeaderLine, OpenError, Scheme, SealTo, ValueKind};
use self::identity::Lazy;
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::fsio;

pub use keys::{KeyParts, SecretScope, key_segment, parse_key};

/// A `KEY=value` line of the vault, described without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// 1-based line number in the file.
    pub line: usize,
    pub kind: ValueKind,
}

/// The parsed vault file.
#[derive(Debug, Clone)]
pub struct Vault {
    path: PathBuf,
    doc: Dotenv,
}

fn corrupt(path: &Path, line: usize, why: impl std::fmt::Display) -> PaasError {
    PaasError::new(
        ErrorCode::StateCorrupt,
        "vault_read",
        format!("{}:{line}: {why}", path.display()),
    )
    .with_remediation(format!(
        "fix or remove that line of {} (paasdeck left the file as it is)",
        path.display()
    ))
}

impl Vault {
    /// Reads and checks the vault; a missing file is an empty vault. A file that is not UTF-8
    /// or has a malformed header line fails naming the line, never quoting it.
    pub fn load(path: &Path) -> Result<Vault> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(PaasError::io("vault_read", path, &e)),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            corrupt(path, line, "not valid UTF-8")
        })?;
        let vault = Vault {
            path: path.to_path_buf(),
            doc: Dotenv::parse(&text),
        };
        for (i, l) in vault.doc.lines.iter().enumerate() {
            if l.text.contains('\0') {
                return Err(corrupt(path, i + 1, "the line holds a NUL byte"));
            }
            if let Some(Err(why)) = format::header_line(&l.text) {
                return Err(corrupt(
                    path,
                    i + 1,
                    format!("malformed vault header: {why}"),
                ));
            }
        }
        Ok(vault)
    }

    /// An empty vault at `path` (nothing read).
    pub fn empty(path: &Path) -> Vault {
        Vault {
            path: path.to_path_buf(),
            doc: Dotenv::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn render(&self) -> String {
        self.doc.render()
    }

    pub fn save(&self) -> Result<()> {
        fsio::write_bytes_atomic(&self.path, self.render().as_bytes())
    }

    /// The recipients named in the file, in order, without duplicates.
    pub fn recipients(&self) -> Vec<Recipient> {
        let mut out: Vec<Recipient> = Vec::new();
        for l in &self.doc.lines {
            if let Some(Ok(HeaderLine::Recipient(r))) = format::header_line(&l.text)
                && !out.contains(&r)
            {
                out.push(r);
            }
        }
        out
    }

    /// si's ECIES public key (`SI_VAULT_PUBLIC_KEY`), when the file holds one: such a vault
    /// gets ECIES values. A key that is not a secp256k1 public key fails naming its line.
    pub fn si_public_key(&self) -> Result<Option<si_ecies::PublicKey>> {
        let Some(i) = self.find(format::SI_PUBLIC_KEY_NAME) else {
            return Ok(None);
        };
        let value = dotenv::assignment(&self.doc.lines[i].text)
            .and_then(|a| dotenv::unquote(a.value).ok())
            .unwrap_or_default();
        if value.trim().is_empty() {
            return Ok(None);
        }
        si_ecies::PublicKey::parse_hex(&value)
            .map(Some)
            .map_err(|why| {
                corrupt(
                    &self.path,
                    i + 1,
                    format!("{} cannot be used: {why}", format::SI_PUBLIC_KEY_NAME),
                )
            })
    }

    /// How many ECIES values need si's keyring to be read (the empty value needs none).
    pub fn ecies_values_needing_key(&self) -> usize {
        self.entries()
            .iter()
            .filter(|e| e.kind == ValueKind::Encrypted(Scheme::Ecies))
            .filter(|e| {
                dotenv::assignment(&self.doc.lines[e.line - 1].text)
                    .and_then(|a| dotenv::unquote(a.value).ok())
                    .is_some_and(
                        |v| matches!(si_ecies::ciphertext(&v), Some(Ok(raw)) if !raw.is_empty()),
                    )
            })
            .count()
    }

    /// Every assignment, in file order (a key set twice appears twice; the last one counts).
    pub fn entries(&self) -> Vec<Entry> {
        self.doc
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let a = dotenv::assignment(&l.text)?;
                let kind = match dotenv::unquote(a.value) {
                    Ok(v) => format::classify(&v),
                    Err(why) => ValueKind::Corrupt(why.to_string()),
                };
                Some(Entry {
                    key: a.key.to_string(),
                    line: i + 1,
                    kind,
                })
            })
            .collect()
    }

    /// Keys, in file order, each once.
    pub fn keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.entries() {
            if !out.contains(&e.key) {
                out.push(e.key);
            }
        }
        out
    }

    /// The line index of the assignment that counts for `key` (the last one).
    fn find(&self, key: &str) -> Option<usize> {
        self.doc
            .lines
            .iter()
            .rposition(|l| dotenv::assignment(&l.text).is_some_and(|a| a.key == key))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    pub fn entry(&self, key: &str) -> Option<Entry> {
        self.entries().into_iter().rev().find(|e| e.key == key)
    }

    /// The value of `key`, decrypted in memory with the operator's identity when it is
    /// encrypted. Every failure names the key and line, never the value.
    pub fn reveal(&self, key: &str, ids: &mut Lazy) -> Result<Option<String>> {
        let Some(e) = self.entry(key) else {
            return Ok(None);
        };
        let a = dotenv::assignment(&self.doc.lines[e.line - 1].text)
            .ok_or_else(|| corrupt(&self.path, e.line, "unreadable line"))?;
        let value = dotenv::unquote(a.value).unwrap_or_default();
        self.reveal_line(&e, &value, ids).map(Some)
    }

    fn reveal_line(&self, e: &Entry, value: &str, ids: &mut Lazy) -> Result<String> {
        let at = format!("{} ({}:{})", e.key, self.path.display(), e.line);
        let retry = "set the value again with `paasdeck secret set`";
        match &e.kind {
            ValueKind::Empty | ValueKind::Plain => Ok(value.to_string()),
            ValueKind::Unsupported(prefix) => Err(PaasError::new(
                ErrorCode::VaultDecryptFailed,
                "vault_decrypt",
                format!(
                    "cannot decrypt {at}: it uses the unsupported scheme {prefix} (paasdeck reads encrypted:si-vault, encrypted:si:v2, encrypted:si:v1 and es2 values)"
                ),
            )
            .with_remediation(retry)),
            ValueKind::Corrupt(why) => Err(corrupt(
                &self.path,
                e.line,
                format!("the value of {} cannot be decrypted: {why}", e.key),
            )
            .with_remediation(retry)),
            ValueKind::Encrypted(Scheme::Ecies) => self.reveal_ecies(e, &at, value, ids),
            ValueKind::Encrypted(_) => {
                let id = ids.get().map_err(|err| PaasError {
                    message: format!("cannot decrypt {at}: {}", err.message),
                    ..err
                })?;
                format::open(value, &id.identity).map_err(|err| match err {
                    OpenError::NotForThisIdentity => PaasError::new(
                        ErrorCode::VaultDecryptFailed,
                        "vault_decrypt",
                        format!(
                            "cannot decrypt {at}: it is not encrypted to your identity ({}, recipient {})",
                            id.source.describe(),
                            id.recipient()
                        ),
                    )
                    .with_remediation(
                        "ask a teammate who can decrypt it to run `paasdeck vault recipient add <your recipient>` (`paasdeck vault status` prints it)",
                    ),
                    OpenError::Corrupt(why) => corrupt(
                        &self.path,
                        e.line,
                        format!("the value of {} cannot be decrypted: {why}", e.key),
                    )
                    .with_remediation(retry),
                })
            }
        }
    }

    /// An ECIES value, decrypted with the key of si's keyring for the vault's public key (the
    /// empty value needs none).
    fn reveal_ecies(&self, e: &Entry, at: &str, value: &str, ids: &mut Lazy) -> Result<String> {
        if matches!(si_ecies::ciphertext(value), Some(Ok(raw)) if raw.is_empty()) {
            return Ok(String::new());
        }
        let want = self.si_public_key()?;
        let k = ids.si_key(want.as_ref()).map_err(|err| PaasError {
            message: format!("cannot decrypt {at}: {}", err.message),
            ..err
        })?;
        si_ecies::open(value, &k.key).map_err(|err| match err {
            si_ecies::OpenError::NotThisKey => PaasError::new(
                ErrorCode::VaultDecryptFailed,
                "vault_decrypt",
                format!(
                    "cannot decrypt {at}: it does not decrypt with the key of the si vault keyring {} (public key {}); it was encrypted to another key, or damaged",
                    k.file.display(),
                    k.key.public().hex()
                ),
            )
            .with_remediation(
                "use the keyring si encrypted it with (SI_VAULT_KEYRING_FILE), or set the value again with `paasdeck secret set`",
            ),
            si_ecies::OpenError::Corrupt(why) => corrupt(
                &self.path,
                e.line,
                format!("the value of {} cannot be decrypted: {why}", e.key),
            ),
        })
    }

    /// Encrypts `value` to `recipients` and stores it under `key`, in place of the entry that
    /// counts (keeping its layout and comment; earlier duplicates go), or at the end.
    pub fn seal(&mut self, key: &str, value: &str, recipients: &[Recipient]) -> Result<()> {
        self.seal_to(key, value, &SealTo::Age(recipients.to_vec()))
    }

    /// [`Vault::seal`] in the scheme `to` says (ECIES for a vault with `SI_VAULT_PUBLIC_KEY`).
    pub fn seal_to(&mut self, key: &str, value: &str, to: &SealTo) -> Result<()> {
        if key.is_empty() || key.len() > 512 || key.contains(['=', '\0', '\r', '\n']) {
            return Err(PaasError::usage(
                "vault_write",
                format!("invalid vault key {:?}", crate::text::sanitize_inline(key)),
            ));
        }
        if value.contains('\0') {
            return Err(PaasError::usage(
                "vault_write",
                "the secret value contains a NUL byte",
            ));
        }
        let sealed = to.seal(value.as_bytes()).map_err(|why| {
            PaasError::new(ErrorCode::VaultIdentity, "vault_encrypt", format!("cannot encrypt {key}: {why}"))
                .with_remediation("add a recipient with `paasdeck vault recipient add`, or create your identity with `paasdeck vault keygen`")
        })?;
        self.replace(key, &sealed);
        Ok(())
    }

    /// Writes `raw` as the value of `key` (already in its stored form).
    fn replace(&mut self, key: &str, raw: &str) {
        match self.find(key) {
            Some(last) => {
                if let Some(a) = dotenv::assignment(&self.doc.lines[last].text) {
                    let line = dotenv::render_assignment(&a, raw);
                    self.doc.lines[last].text = line;
                }
                let mut i = 0;
                self.doc.lines.retain(|l| {
                    let keep =
                        i >= last || dotenv::assignment(&l.text).is_none_or(|a| a.key != key);
                    i += 1;
                    keep
                });
            }
            None => self.doc.push(format!("{key}={raw}")),
        }
    }

    /// Removes every entry of `key`; returns whether there was one.
    pub fn unset(&mut self, key: &str) -> bool {
        let before = self.doc.lines.len();
        self.doc
            .lines
            .retain(|l| dotenv::assignment(&l.text).is_none_or(|a| a.key != key));
        before != self.doc.lines.len()
    }

    /// New stored values for lines, computed for every assignment first so that one failure
    /// changes nothing; then written in place, each line keeping its layout.
    fn rewrite_values(
        &mut self,
        mut f: impl FnMut(&Entry, &str) -> Result<Option<String>>,
    ) -> Result<Vec<String>> {
        let mut changes = Vec::new();
        for e in self.entries() {
            let i = e.line - 1;
            let Some(a) = dotenv::assignment(&self.doc.lines[i].text) else {
                continue;
            };
            let value = dotenv::unquote(a.value).unwrap_or_default();
            if let Some(raw) = f(&e, &value)? {
                changes.push((i, dotenv::render_assignment(&a, &raw), e.key));
            }
        }
        Ok(changes
            .into_iter()
            .map(|(i, text, key)| {
                self.doc.lines[i].text = text;
                key
            })
            .collect())
    }

    fn unreadable(&self, e: &Entry) -> Option<PaasError> {
        let why = match &e.kind {
            ValueKind::Unsupported(prefix) => format!("uses the unsupported scheme {prefix}"),
            ValueKind::Corrupt(why) => format!("cannot be read: {why}"),
            _ => return None,
        };
        Some(
            corrupt(&self.path, e.line, format!("the value of {} {why}", e.key)).with_remediation(
                format!(
                    "set it again with `paasdeck secret set`, or remove that line of {}; nothing was changed",
                    self.path.display()
                ),
            ),
        )
    }

    /// Fails, naming key and line, when a value has an unknown scheme or damaged ciphertext.
    /// Whole-file rewrites check this before they change anything (the header included), so
    /// the line they name is the line in the file.
    pub fn check_readable(&self) -> Result<()> {
        match self.entries().iter().find_map(|e| self.unreadable(e)) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Encrypts every plaintext value as `to` says, in place (si's public key and empty values
    /// stay). A value of an unknown scheme or a damaged ciphertext stops it before anything
    /// changes. Returns the keys converted, in file order.
    pub fn encrypt_plaintext(&mut self, to: &SealTo) -> Result<Vec<String>> {
        self.check_readable()?;
        self.rewrite_values(|e, value| {
            if e.kind != ValueKind::Plain || e.key == format::SI_PUBLIC_KEY_NAME {
                return Ok(None);
            }
            to.seal(value.as_bytes()).map(Some).map_err(|why| {
                PaasError::new(
                    ErrorCode::VaultIdentity,
                    "vault_encrypt",
                    format!("cannot encrypt {}: {why}", e.key),
                )
            })
        })
    }

    /// Decrypts every age value with the operator's identity and encrypts it again to
    /// `recipients` (ECIES values are not the recipients' business and stay). Any value that
    /// cannot be decrypted stops it before anything changes. Returns the keys re-encrypted.
    pub fn reencrypt(&mut self, ids: &mut Lazy, recipients: &[Recipient]) -> Result<Vec<String>> {
        self.check_readable()?;
        let this = self.clone();
        self.rewrite_values(|e, value| {
            if !matches!(e.kind, ValueKind::Encrypted(s) if s != Scheme::Ecies) {
                return Ok(None);
            }
            // Decrypt through the same path as every reader, so errors read the same.
            let plain = this.reveal_line(e, value, ids)?;
            format::seal(plain.as_bytes(), recipients)
                .map(Some)
                .map_err(|why| {
                    PaasError::new(
                        ErrorCode::VaultIdentity,
                        "vault_encrypt",
                        format!("cannot encrypt {}: {why}", e.key),
                    )
                })
        })
    }

    /// Makes sure the header names every one of `recipients` (after its last recipient line,
    /// the version line on top, one blank line under it; a header is prepended to a file
    /// without one). Nothing else moves. Returns whether the file changed.
    pub fn ensure_recipients(&mut self, recipients: &[Recipient]) -> bool {
        header::ensure(&mut self.doc, recipients)
    }
}

mod header;

#[cfg(test)]
mod tests;
