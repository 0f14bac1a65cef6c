//! Secrets of an app: setting a value, encrypted in the vault's scheme (the one path for
//! `secret set` and the console's masked form) and, per variable the app's compose file interpolates, whether a value is set. Values
//! go in through [`set`] and never come out of this module.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::ops::deploy::bundle;
use age::x25519::Recipient;

use crate::state::StateRoot;
use crate::state::paths::ContextDir;
use crate::state::vault::format::SealTo;
use crate::state::vault::identity;
use crate::state::vault::{SecretScope, Vault};
use crate::state::{apps, names};

/// A secret value: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> SecretValue {
        SecretValue(value.into())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value itself, for the one place that hands it on (a vault seal, an askpass child).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::policy::redact::REDACTED)
    }
}

/// What a `set` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub key: String,
    pub replaced: bool,
    /// How many recipients the value is encrypted to.
    pub recipients: usize,
    /// `ecies` (si's scheme, to the vault's `SI_VAULT_PUBLIC_KEY`) or `age`.
    pub scheme: &'static str,
    /// Said when the operator will not be able to read what was written.
    pub note: Option<String>,
}

/// The vault's recipients, or, for a vault without any, the operator's own (the header is
/// added to the file either way), with a note when the operator is not one of them.
pub fn write_recipients(
    root: &StateRoot,
    context: &str,
    vault: &mut Vault,
) -> Result<(Vec<Recipient>, Option<String>)> {
    let mut recipients = vault.recipients();
    let own = if recipients.is_empty() {
        let id = identity::require(root.path())?;
        recipients.push(id.recipient());
        Some(id)
    } else {
        // Only for the note: encrypting needs no identity when the header names recipients.
        identity::find(root.path()).ok().flatten()
    };
    vault.ensure_recipients(&recipients);
    let note = own.filter(|id| !recipients.contains(&id.recipient())).map(|id| {
        format!(
            "your identity ({}) is not a recipient of this vault, so you cannot decrypt what you wrote; a recipient can add you with `paasdeck --context {context} vault recipient add {}`",
            id.source.describe(),
            id.recipient()
        )
    });
    Ok((recipients, note))
}

/// Where new values of this vault are encrypted to: si's ECIES public key when the file holds
/// `SI_VAULT_PUBLIC_KEY` (no private key needed, and si reads what is written), else the age
/// recipients as [`write_recipients`] finds them.
pub fn seal_to(
    root: &StateRoot,
    context: &str,
    vault: &mut Vault,
) -> Result<(SealTo, Option<String>)> {
    if let Some(key) = vault.si_public_key()? {
        return Ok((SealTo::Ecies(key), None));
    }
    let (recipients, note) = write_recipients(root, context, vault)?;
    Ok((SealTo::Age(recipients), note))
}

/// The vault scope of an app's secret in this context: every target's, or (with `target`) one
/// existing target's own; `namespace` as si names it (empty: `default`).
pub fn scope(
    cd: &ContextDir,
    app: &str,
    target: Option<&str>,
    namespace: Option<&str>,
) -> Result<SecretScope> {
    names::validate_app(app)?;
    if let Some(t) = target {
        names::validate_target(t)?;
        if crate::state::targets::load(cd)?.find(t).is_none() {
            return Err(crate::state::targets::not_found(t));
        }
    }
    if let Some(ns) = namespace {
        names::validate_app(ns).map_err(|_| {
            crate::error::PaasError::usage("flag_validation", format!("invalid namespace {ns:?}"))
        })?;
    }
    Ok(SecretScope {
        context: cd.name().to_string(),
        namespace: namespace.unwrap_or_default().to_string(),
        app: app.to_string(),
        target: target.unwrap_or_default().to_string(),
    })
}

/// Encrypts a value into the vault under the context lock (the one path for `secret set` and
/// the console's masked form).
pub fn set(
    root: &StateRoot,
    cd: &ContextDir,
    scope: &SecretScope,
    name: &str,
    value: &SecretValue,
) -> Result<Written> {
    names::validate_env_name(name)?;
    seal_key(root, cd, &scope.key(name), &value.0)
}

/// Encrypts a value under a vault key of its own (an alert channel's token, say), under the
/// context lock, to the vault's recipients.
pub fn seal_key(root: &StateRoot, cd: &ContextDir, key: &str, value: &str) -> Result<Written> {
    let _lock = cd.lock()?;
    let mut vault = crate::ops::redaction::load_vault(cd)?;
    let replaced = vault.contains(key);
    let (to, note) = seal_to(root, cd.name(), &mut vault)?;
    vault.seal_to(key, value, &to)?;
    vault.save()?;
    Ok(Written {
        key: key.to_string(),
        replaced,
        recipients: to.recipients(),
        scheme: to.scheme(),
        note,
    })
}

/// Removes a value from the vault under the context lock; returns its key and whether it was
/// there (the one path for `secret unset` and the console).
pub fn unset(cd: &ContextDir, scope: &SecretScope, name: &str) -> Result<(String, bool)> {
    names::validate_env_name(name)?;
    let key = scope.key(name);
    let _lock = cd.lock()?;
    let mut vault = crate::ops::redaction::load_vault(cd)?;
    let removed = vault.unset(&key);
    if removed {
        vault.save()?;
    }
    Ok((key, removed))
}

/// One variable of an app's compose file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarStatus {
    pub name: String,
    /// Compose needs a value (no default).
    pub required: bool,
    /// A `TARGET_GLOBAL` value is set.
    pub global: bool,
    /// Targets with a value of their own.
    pub targets: Vec<String>,
}

impl VarStatus {
    /// `set`, `set for a,b`, `missing` or `unset (has a default)`.
    pub fn state(&self) -> String {
        match (self.global, self.targets.is_empty(), self.required) {
            (true, _, _) => "set".into(),
            (false, false, _) => format!("set for {}", self.targets.join(",")),
            (false, true, true) => "MISSING".into(),
            (false, true, false) => "unset (has a default)".into(),
        }
    }
}

/// Every variable the app's registered compose file interpolates, with where it has a value.
pub fn status(cd: &ContextDir, app: &str) -> Result<Vec<VarStatus>> {
    names::validate_app(app)?;
    let entry = apps::load(cd)?
        .find(app)
        .cloned()
        .ok_or_else(|| apps::not_found(app))?;
    let text = std::fs::read_to_string(&entry.compose_file).map_err(|e| {
        crate::error::PaasError::new(
            crate::error::ErrorCode::InvalidArgument,
            "compose_read",
            format!("cannot read the compose file {}: {e}", entry.compose_file),
        )
    })?;
    let vault = crate::ops::redaction::load_vault(cd)?;
    let targets: Vec<String> = crate::state::targets::load(cd)?
        .targets
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let mut vars: BTreeMap<String, bool> = BTreeMap::new();
    for r in bundle::var_refs(&text) {
        *vars.entry(r.name).or_default() |= r.required;
    }
    let scope = |t: &str| SecretScope {
        context: cd.name().to_string(),
        namespace: String::new(),
        app: entry.name.to_string(),
        target: t.to_string(),
    };
    Ok(vars
        .into_iter()
        .map(|(name, required)| VarStatus {
            global: vault.contains(&scope("").key(&name)),
            targets: targets
                .iter()
                .filter(|t| vault.contains(&scope(t).key(&name)))
                .cloned()
                .collect(),
            name,
            required,
        })
        .collect())
}
