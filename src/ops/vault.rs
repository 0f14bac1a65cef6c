//! A context's vault as `vault status`, `vault recipient add` and `secret encrypt` see and
//! change it (SPEC §13): one set of functions for the headless commands and the console. What
//! they return names keys, files and recipients, never a value or a secret key.

use std::path::PathBuf;
use std::str::FromStr;

use age::x25519::Recipient;
use serde_json::{Value, json};

use crate::error::{PaasError, Result};
use crate::state::context;
use crate::state::paths::{ContextDir, StateRoot};
use crate::state::vault::format::{SI_PUBLIC_KEY_NAME, ValueKind};
use crate::state::vault::identity::{self, Lazy};
use crate::state::vault::keyring;
use crate::state::vault::{Entry, Vault};
use crate::text::sanitize_inline;

/// Values by kind (`encrypted`, `plaintext`, `unsupported`, `corrupt`, `empty`), and the
/// encrypted ones by scheme (`ecies`, `age_v2`, `age_v1`); si's public key is not a value.
pub fn counts(entries: &[Entry]) -> Value {
    let mut c = json!({"encrypted": 0, "plaintext": 0, "unsupported": 0, "corrupt": 0, "empty": 0,
        "ecies": 0, "age_v2": 0, "age_v1": 0});
    let mut bump = |kind: &str| {
        if let Some(n) = c.get_mut(kind) {
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
    };
    for e in entries.iter().filter(|e| e.key != SI_PUBLIC_KEY_NAME) {
        bump(e.kind.label());
        if let ValueKind::Encrypted(s) = e.kind {
            bump(s.count_as());
        }
    }
    c
}

fn count(values: &Value, kind: &str) -> u64 {
    values[kind].as_u64().unwrap_or(0)
}

/// The operator's identity as found: where it comes from and its public recipient.
#[derive(Debug, Clone)]
pub struct IdentityInfo {
    pub kind: &'static str,
    pub file: Option<PathBuf>,
    pub describe: String,
    pub recipient: String,
}

/// What `vault keygen` did: the identity (where it lives and its public recipient, never the
/// secret key) and whether it was created now.
#[derive(Debug, Clone)]
pub struct Keygen {
    pub created: bool,
    pub identity: IdentityInfo,
}

impl Keygen {
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!(
                "{} {}",
                if self.created {
                    "created your identity at"
                } else {
                    "you already have an identity:"
                },
                sanitize_inline(&self.identity.describe)
            ),
            format!("recipient: {}", self.identity.recipient),
        ]
    }
}

/// `vault keygen`: the operator's identity created where the lookup finds it, unless one
/// exists (an existing identity is never replaced).
pub fn keygen(root: &StateRoot) -> Result<Keygen> {
    let (id, created) = identity::keygen(root.path())?;
    Ok(Keygen {
        created,
        identity: info(&id),
    })
}

fn info(id: &identity::OperatorIdentity) -> IdentityInfo {
    IdentityInfo {
        kind: id.source.kind(),
        file: id.source.path().map(PathBuf::from),
        describe: id.source.describe(),
        recipient: id.recipient().to_string(),
    }
}

/// What `vault status` shows.
#[derive(Debug, Clone)]
pub struct Status {
    /// `Ok(None)`: no identity yet; `Err`: one was found but cannot be used (the reason).
    pub identity: std::result::Result<Option<IdentityInfo>, String>,
    pub file: PathBuf,
    pub exists: bool,
    pub recipients: Vec<String>,
    pub values: Value,
    /// Whether the operator's identity is one of the recipients (unknown without one).
    pub you_are_recipient: Option<bool>,
    /// si's ECIES public key (hex) when the vault holds one: new values are ECIES then.
    pub si_public_key: Option<String>,
    /// si's keyring, looked at when the vault has the ECIES key or values: its file, or why
    /// it cannot be used.
    pub keyring: Option<std::result::Result<PathBuf, String>>,
}

/// The operator's identity, as `vault status` reports it.
pub fn identity_info(root: &StateRoot) -> std::result::Result<Option<IdentityInfo>, String> {
    match identity::find(root.path()) {
        Ok(Some(id)) => Ok(Some(info(&id))),
        Ok(None) => Ok(None),
        Err(e) => Err(e.message),
    }
}

/// The context's vault: file, recipients and value counts, with the operator's identity.
pub fn status(root: &StateRoot, cd: &ContextDir) -> Result<Status> {
    let identity = identity_info(root);
    let file = context::vault_path(cd);
    let vault = Vault::load(&file)?;
    let recipients: Vec<String> = vault.recipients().iter().map(|r| r.to_string()).collect();
    let you_are_recipient = match &identity {
        Ok(Some(id)) => Some(recipients.contains(&id.recipient)),
        _ => None,
    };
    let si_key = vault.si_public_key()?;
    let values = counts(&vault.entries());
    let keyring = (si_key.is_some() || count(&values, "ecies") > 0).then(|| {
        keyring::load(si_key.as_ref(), root.path())
            .map(|k| k.file)
            .map_err(|e| e.message)
    });
    Ok(Status {
        identity,
        exists: file.exists(),
        file,
        recipients,
        values,
        you_are_recipient,
        si_public_key: si_key.map(|k| k.hex()),
        keyring,
    })
}

impl Status {
    /// The identity's lines (also shown when the context has no vault).
    pub fn identity_lines(
        identity: &std::result::Result<Option<IdentityInfo>, String>,
    ) -> Vec<String> {
        match identity {
            Ok(Some(id)) => vec![
                format!("identity   {}", sanitize_inline(&id.describe)),
                format!("recipient  {}", id.recipient),
            ],
            Ok(None) => vec!["identity   none (create one with `paasdeck vault keygen`)".into()],
            Err(e) => vec![format!("identity   unusable: {}", sanitize_inline(e))],
        }
    }

    /// `ecies` for a vault with `SI_VAULT_PUBLIC_KEY`, else `age`: the scheme new values get.
    pub fn scheme(&self) -> &'static str {
        if self.si_public_key.is_some() {
            "ecies"
        } else {
            "age"
        }
    }

    pub fn lines(&self) -> Vec<String> {
        let mut v = Self::identity_lines(&self.identity);
        if self.si_public_key.is_some() && matches!(self.identity, Ok(None)) {
            // An age identity is not needed to read or write this vault's ECIES values.
            v = vec![
                "identity   none (age only; this vault's values are read with si's keyring)".into(),
            ];
        }
        v.push(format!("vault      {}", self.file.display()));
        match &self.si_public_key {
            Some(k) => v.extend([
                "scheme     ecies (si's: new values are encrypted to SI_VAULT_PUBLIC_KEY)".into(),
                format!("public key {k}"),
            ]),
            None => v.push("scheme     age (new values are encrypted to the recipients)".into()),
        }
        match &self.keyring {
            Some(Ok(file)) => v.push(format!(
                "si keyring {} (holds the vault's key)",
                sanitize_inline(&file.display().to_string())
            )),
            Some(Err(e)) => v.push(format!("si keyring unusable: {}", sanitize_inline(e))),
            None => {}
        }
        v.push(format!("recipients {}", self.recipients.len()));
        v.extend(self.recipients.iter().map(|r| format!("  {r}")));
        v.push(format!(
            "values     {} encrypted, {} plaintext, {} unsupported, {} corrupt",
            count(&self.values, "encrypted"),
            count(&self.values, "plaintext"),
            count(&self.values, "unsupported"),
            count(&self.values, "corrupt")
        ));
        v.push(format!(
            "by scheme  {} ecies, {} age v2, {} age v1, {} plaintext",
            count(&self.values, "ecies"),
            count(&self.values, "age_v2"),
            count(&self.values, "age_v1"),
            count(&self.values, "plaintext")
        ));
        if self.you_are_recipient == Some(false) && !self.recipients.is_empty() {
            v.push("note: your identity is not a recipient of this vault".into());
        }
        v
    }
}

/// What `secret encrypt` did.
#[derive(Debug, Clone)]
pub struct Encrypted {
    pub file: PathBuf,
    /// The keys whose plaintext values were encrypted now.
    pub converted: Vec<String>,
    pub values: Value,
    pub note: Option<String>,
}

/// Every plaintext value encrypted in place, atomically, under the context's lock.
pub fn encrypt(root: &StateRoot, cd: &ContextDir) -> Result<Encrypted> {
    let file = context::vault_path(cd);
    let _lock = cd.lock()?;
    let mut vault = Vault::load(&file)?;
    let plain = vault
        .entries()
        .iter()
        .filter(|e| e.kind == ValueKind::Plain && e.key != SI_PUBLIC_KEY_NAME)
        .count();
    let mut converted = Vec::new();
    let mut note = None;
    if plain > 0 {
        vault.check_readable()?;
        let (to, n) = crate::ops::secrets::seal_to(root, cd.name(), &mut vault)?;
        converted = vault.encrypt_plaintext(&to)?;
        vault.save()?;
        note = n;
    }
    Ok(Encrypted {
        values: counts(&vault.entries()),
        file,
        converted,
        note,
    })
}

impl Encrypted {
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![format!(
            "{} plaintext value(s) encrypted in {}",
            self.converted.len(),
            self.file.display()
        )];
        v.extend(
            self.converted
                .iter()
                .map(|k| format!("  {}", sanitize_inline(k))),
        );
        let unreadable = count(&self.values, "unsupported") + count(&self.values, "corrupt");
        if unreadable > 0 {
            v.push(format!(
                "warning: {unreadable} value(s) cannot be read (`paasdeck doctor` names them)"
            ));
        }
        if let Some(n) = &self.note {
            v.push(format!("note: {n}"));
        }
        v
    }
}

/// What `vault recipient add` did.
#[derive(Debug, Clone)]
pub struct RecipientAdded {
    pub file: PathBuf,
    pub recipient: String,
    /// False when it already was one (nothing changed).
    pub added: bool,
    pub recipients: usize,
    pub reencrypted: usize,
    pub values: Value,
}

/// A teammate's `age1…` recipient, or a usage error naming what was passed.
pub fn parse_recipient(raw: &str) -> Result<Recipient> {
    Recipient::from_str(raw.trim()).map_err(|_| {
        PaasError::usage(
            "flag_validation",
            format!("{:?} is not an age X25519 recipient", sanitize_inline(raw)),
        )
        .with_remediation(
            "pass the teammate's `age1…` recipient, as `paasdeck vault status` prints it",
        )
    })
}

/// Adds a recipient to the vault's header and re-encrypts every value to the new set, under
/// the context's lock; a vault without recipients gets the operator's own first.
pub fn add_recipient(root: &StateRoot, cd: &ContextDir, raw: &str) -> Result<RecipientAdded> {
    let new = parse_recipient(raw)?;
    let file = context::vault_path(cd);
    let _lock = cd.lock()?;
    let mut vault = Vault::load(&file)?;
    if let Some(key) = vault.si_public_key()? {
        return Err(PaasError::usage(
            "vault_recipient",
            format!(
                "{} uses si's ECIES scheme (SI_VAULT_PUBLIC_KEY {}): its values are read with the key of si's keyring, not by age recipients",
                file.display(),
                key.hex()
            ),
        )
        .with_remediation(
            "give the teammate si's keyring (SI_VAULT_KEYRING_FILE) instead; nothing was changed",
        ));
    }
    let mut recipients = vault.recipients();
    if recipients.contains(&new) {
        return Ok(RecipientAdded {
            recipient: new.to_string(),
            added: false,
            recipients: recipients.len(),
            reencrypted: 0,
            values: counts(&vault.entries()),
            file,
        });
    }
    vault.check_readable()?;
    let mut ids = Lazy::new(root.path());
    if recipients.is_empty() {
        // Without the operator's own recipient nobody here could read the vault again.
        recipients.push(ids.get()?.recipient());
    }
    recipients.push(new.clone());
    vault.ensure_recipients(&recipients);
    let reencrypted = vault.reencrypt(&mut ids, &recipients)?;
    vault.save()?;
    Ok(RecipientAdded {
        recipient: new.to_string(),
        added: true,
        recipients: recipients.len(),
        reencrypted: reencrypted.len(),
        values: counts(&vault.entries()),
        file,
    })
}

impl RecipientAdded {
    pub fn line(&self, context: &str) -> String {
        if !self.added {
            return format!(
                "{} is already a recipient of {}",
                self.recipient,
                self.file.display()
            );
        }
        format!(
            "{} added to {}; {} value(s) re-encrypted to {} recipient(s){}",
            self.recipient,
            self.file.display(),
            self.reencrypted,
            self.recipients,
            match count(&self.values, "plaintext") {
                0 => String::new(),
                n => format!(
                    "; {n} plaintext value(s) left (run `paasdeck --context {context} secret encrypt`)"
                ),
            }
        )
    }
}
