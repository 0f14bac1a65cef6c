//! Context configuration (`config.json`): the `si paas` fields plus paasdeck's `incus_project`.
//! `color`, `read_only` and `confirm` found here are still read (an older paasdeck wrote them),
//! but `context init` keeps them in `paasdeck.json`, which si never rewrites. Unknown fields
//! survive a rewrite.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::ids::ContextName;
use crate::state::paths::{ContextDir, StateRoot};
use crate::state::{clock, fsio, settings};

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContextConfig {
    /// The context's name; the doctor fails when it differs from the directory's.
    pub name: ContextName,
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state_root: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vault_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub color: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub confirm: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub incus_project: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub const DEFAULT_TYPE: &str = "internal-dogfood";

impl ContextConfig {
    /// The type, lowercased, with the `si paas` default.
    pub fn kind(&self) -> String {
        let k = self.kind.trim().to_ascii_lowercase();
        if k.is_empty() {
            DEFAULT_TYPE.to_string()
        } else {
            k
        }
    }
}

/// The vault file of a context: always `vault/secrets.env` in the context's own directory, as
/// `si` resolves it, so a copied or restored root uses its own vault. `vault_file` in
/// `config.json` is informational (the doctor notes one that points elsewhere).
pub fn vault_path(cd: &ContextDir) -> PathBuf {
    cd.default_vault()
}

pub fn load(cd: &ContextDir) -> Result<Option<ContextConfig>> {
    fsio::read_json(&cd.config())
}

/// Loads the config of a context that must exist.
pub fn require(cd: &ContextDir) -> Result<ContextConfig> {
    match load(cd)? {
        Some(c) => Ok(c),
        None => Err(not_found(cd.name())),
    }
}

pub fn not_found(name: &str) -> PaasError {
    PaasError::new(
        ErrorCode::ContextNotFound,
        "context_resolve",
        format!("context {name:?} does not exist"),
    )
    .with_remediation(format!(
        "create it with `paasdeck context init {name} --type <type>` or list contexts with `paasdeck context list`"
    ))
}

/// What `context init` may set; `None` keeps the current value on re-init.
#[derive(Debug, Clone, Default)]
pub struct InitSpec {
    pub kind: Option<String>,
    /// Allows changing the type of an existing context (its confirmations change with it).
    pub force: bool,
    pub vault_file: Option<String>,
    pub color: Option<String>,
    pub read_only: Option<bool>,
    pub confirm: Option<String>,
    pub incus_project: Option<String>,
}

/// What `context init` did.
#[derive(Debug, Clone)]
pub struct Initialised {
    pub config: ContextConfig,
    /// The guard settings as `paasdeck.json` now holds them.
    pub guard: settings::GuardSettings,
    pub created: bool,
    /// The type before a `--force` change of type.
    pub previous_kind: Option<String>,
}

/// Creates the context layout and writes `config.json`, or updates an existing one keeping every
/// field the spec does not name. Changing the type of an existing context needs `force`: the
/// type decides the confirmations, and re-typing a production context by a typo would drop them.
pub fn init(root: &StateRoot, cd: &ContextDir, spec: &InitSpec) -> Result<Initialised> {
    let existing = load(cd)?;
    let new_kind = spec.kind.as_ref().map(|k| k.trim().to_ascii_lowercase());
    let retype = |cfg: &ContextConfig| {
        new_kind
            .as_ref()
            .filter(|k| **k != cfg.kind())
            .map(|k| (cfg.kind(), k.clone()))
    };
    if let Some((old, new)) = existing.as_ref().and_then(retype)
        && !spec.force
    {
        return Err(type_change_refused(cd.name(), &old, &new));
    }
    root.ensure()?;
    fsio::ensure_dir(root.contexts_dir().as_path())?;
    for sub in ["events", "vault", "releases", "locks"] {
        fsio::ensure_dir(&cd.dir().join(sub))?;
    }
    let lock = cd.lock()?;
    // Read again under the lock: the check above only spares an unneeded mkdir.
    let existing = load(cd)?;
    let created = existing.is_none();
    let previous_kind = match existing.as_ref().and_then(retype) {
        Some((old, new)) if !spec.force => return Err(type_change_refused(cd.name(), &old, &new)),
        Some((old, _)) => Some(old),
        None => None,
    };
    let now = clock::now_doc();
    let mut cfg = existing.unwrap_or_else(|| ContextConfig {
        name: cd.context_name().clone(),
        created_at: now.clone(),
        ..Default::default()
    });
    cfg.name = cd.context_name().clone();
    if let Some(k) = &new_kind {
        cfg.kind = k.clone();
    } else if cfg.kind.is_empty() {
        cfg.kind = DEFAULT_TYPE.to_string();
    }
    cfg.state_root = root.path().display().to_string();
    if let Some(v) = &spec.vault_file {
        cfg.vault_file = v.clone();
    }
    if cfg.vault_file.is_empty() {
        cfg.vault_file = cd.default_vault().display().to_string();
    }
    // The guard settings move to paasdeck.json, which si never rewrites: what config.json
    // held is carried over (the stricter reading of the two files), a flag replaces it.
    let mut guard = settings::load(cd)?.guard()?;
    let old = std::mem::take(&mut cfg.color);
    if guard.color.is_none() && !old.trim().is_empty() {
        guard.color = Some(old.trim().to_string());
    }
    if std::mem::take(&mut cfg.read_only) {
        guard.read_only = Some(true);
    }
    let old = std::mem::take(&mut cfg.confirm);
    guard.confirm = stricter_confirm(guard.confirm.take(), old.trim());
    if let Some(c) = &spec.color {
        guard.color = Some(c.clone());
    }
    if let Some(r) = spec.read_only {
        guard.read_only = Some(r);
    }
    if let Some(c) = &spec.confirm {
        guard.confirm = Some(c.trim().to_ascii_lowercase());
    }
    if let Some(p) = &spec.incus_project {
        cfg.incus_project = p.clone();
    }
    if cfg.created_at.is_empty() {
        cfg.created_at = now.clone();
    }
    cfg.updated_at = now;
    fsio::write_doc(&cd.config(), &cfg)?;
    settings::update_locked(&lock, cd, |s| {
        s.set_guard(&guard);
        Ok(())
    })?;
    drop(lock);
    Ok(Initialised {
        config: cfg,
        guard,
        created,
        previous_kind,
    })
}

/// Of two confirmation overrides, the stricter (an unknown level counts as `type-name`).
fn stricter_confirm(a: Option<String>, b: &str) -> Option<String> {
    let rank = |c: &str| match c.to_ascii_lowercase().as_str() {
        "none" => 0,
        "yes" => 1,
        _ => 2,
    };
    let b = (!b.is_empty()).then(|| b.to_ascii_lowercase());
    let b = b.map(|c| {
        if settings::CONFIRM_LEVELS.contains(&c.as_str()) {
            c
        } else {
            "type-name".to_string()
        }
    });
    match (a, b) {
        (Some(a), Some(b)) => Some(if rank(&b) > rank(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn type_change_refused(name: &str, old: &str, new: &str) -> PaasError {
    PaasError::usage(
        "context_init",
        format!("context {name} is of type {old}; changing it to {new} needs --force"),
    )
    .with_remediation(format!(
        "keep the type (omit --type or pass --type {old}), or re-type it deliberately with `paasdeck context init {name} --type {new} --force`"
    ))
}
