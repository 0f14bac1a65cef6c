//! The target inventory (`targets.json`): `name` is the id, matched case-insensitively; the first
//! target added becomes current. Unknown fields of the document and of each target survive.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::ids::{Host, Port, TargetName, User, empty_as_none};
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio, settings};

/// Keys are written in `si paas`'s order, and left out when empty as si leaves them out, so a
/// rewrite by either tool keeps the other's file as it was.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TargetsDoc {
    #[serde(
        default,
        with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_target: Option<TargetName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One target. Name, host, user and port pass the same rules as `target add`'s flags on every
/// read; a `port` key that is missing means 22. The fields follow `si paas`'s struct order
/// (`ingress_*` where si writes them), so a file si wrote keeps its key order when rewritten;
/// paasdeck's own `identity_file` comes after them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Target {
    pub name: TargetName,
    pub host: Host,
    #[serde(default)]
    pub port: Port,
    pub user: User,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub auth_method: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ingress_provider: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ingress_domain: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ingress_lb_mode: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ingress_acme_email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_file: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How paasdeck reaches a target. Only `auth_method` decides (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Key,
    Local,
    /// `si paas` password targets: refused at connect time until `target bootstrap` installs
    /// a key.
    Password,
    /// Anything unknown: kept on disk, refused at connect time.
    Unsupported,
}

impl AuthMethod {
    pub fn parse(s: &str) -> AuthMethod {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "key" => AuthMethod::Key,
            "local" => AuthMethod::Local,
            "password" => AuthMethod::Password,
            _ => AuthMethod::Unsupported,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Key => "key",
            AuthMethod::Local => "local",
            AuthMethod::Password => "password",
            AuthMethod::Unsupported => "unsupported",
        }
    }
}

impl Target {
    /// A key-auth target with nothing else set.
    pub fn new(name: TargetName, host: Host, port: Port, user: User) -> Target {
        Target {
            name,
            host,
            port,
            user,
            auth_method: String::new(),
            labels: Vec::new(),
            ingress_provider: String::new(),
            ingress_domain: String::new(),
            ingress_lb_mode: String::new(),
            ingress_acme_email: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            identity_file: String::new(),
            extra: Map::new(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port.get()
    }
    pub fn auth(&self) -> AuthMethod {
        AuthMethod::parse(&self.auth_method)
    }
    /// `user@host:port`.
    pub fn address(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port())
    }
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl TargetsDoc {
    pub fn find(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.is(name))
    }

    /// Clears a `current_target` that names no target (as `si paas` does on load).
    pub fn normalise(&mut self) {
        if let Some(c) = &self.current_target
            && self.find(c).is_none()
        {
            self.current_target = None;
        }
    }

    /// Whether `t` is the current target.
    pub fn is_current(&self, t: &Target) -> bool {
        self.current_target.as_ref().is_some_and(|c| t.is(c))
    }

    /// Resolves a selection: names (in the given order, `all` meaning every target in store
    /// order), or the current target when the list is empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<Target>> {
        if self.targets.is_empty() {
            return Err(
                resolution("no targets configured in this context").with_remediation(
                    "add one with `paasdeck --context <ctx> target add --name N --host H --user U`",
                ),
            );
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case("all")) {
            return Ok(self.targets.clone());
        }
        if names.is_empty() {
            let Some(current) = &self.current_target else {
                return Err(resolution("no target selected").with_remediation(
                    "pass --target/--targets, or set one with `paasdeck --context <ctx> target use NAME`",
                ));
            };
            return match self.find(current) {
                Some(t) => Ok(vec![t.clone()]),
                None => Err(not_found(current)),
            };
        }
        names
            .iter()
            .map(|n| self.find(n).cloned().ok_or_else(|| not_found(n)))
            .collect()
    }
}

fn resolution(msg: &str) -> PaasError {
    PaasError::new(ErrorCode::TargetResolutionFailed, "target_resolve", msg)
}

pub fn not_found(name: &str) -> PaasError {
    resolution(&format!("target {name:?} not found in this context"))
        .with_target(name)
        .with_remediation("list the context's targets with `paasdeck target list`")
}

/// The inventory; a target si rewrote without its `identity_file` gets the one
/// `paasdeck.json` keeps for it.
pub fn load(cd: &ContextDir) -> Result<TargetsDoc> {
    let mut doc: TargetsDoc = fsio::read_json(&cd.targets())?.unwrap_or_default();
    doc.normalise();
    if doc.targets.iter().any(|t| t.identity_file.is_empty()) {
        let kept = settings::load(cd)?.identity_files();
        for t in doc
            .targets
            .iter_mut()
            .filter(|t| t.identity_file.is_empty())
        {
            if let Some(p) = kept.get(&t.name.to_ascii_lowercase()) {
                t.identity_file = p.clone();
            }
        }
    }
    Ok(doc)
}

/// Keeps (or forgets) a target's identity file in `paasdeck.json` too, under the same lock as
/// the `targets.json` write: si's rewrite of `targets.json` drops `identity_file`.
pub fn keep_identity_file(
    lock: &fsio::StateLock,
    cd: &ContextDir,
    target: &str,
    path: Option<&str>,
) -> Result<()> {
    settings::update_locked(lock, cd, |s| {
        s.set_identity_file(target, path);
        Ok(())
    })
}

fn identity_of(t: &Target) -> Option<&str> {
    Some(t.identity_file.as_str()).filter(|p| !p.is_empty())
}

/// Adds a target under the context lock. Returns whether it became current and the new total.
pub fn add(cd: &ContextDir, mut target: Target, make_default: bool) -> Result<(bool, usize)> {
    let lock = cd.lock()?;
    let (name, identity) = (
        target.name.to_string(),
        identity_of(&target).map(String::from),
    );
    let added = fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        doc.normalise();
        if let Some(existing) = doc.find(&target.name) {
            return Err(PaasError::new(
                ErrorCode::AlreadyExists,
                "target_add",
                format!(
                    "target {:?} already exists in context {:?}",
                    existing.name,
                    cd.name()
                ),
            )
            .with_target(&target.name)
            .with_remediation("choose another name, or remove the old target first"));
        }
        let now = clock::now_doc();
        target.created_at = now.clone();
        target.updated_at = now;
        let is_default = make_default || doc.current_target.is_none();
        if is_default {
            doc.current_target = Some(target.name.clone());
        }
        doc.targets.push(target);
        Ok((is_default, doc.targets.len()))
    })?;
    keep_identity_file(&lock, cd, &name, identity.as_deref())?;
    Ok(added)
}

/// Replaces an existing target's settings (matched by name), keeping its `created_at` and the
/// fields paasdeck does not know.
pub fn replace(cd: &ContextDir, mut target: Target) -> Result<()> {
    let lock = cd.lock()?;
    let (name, identity) = (
        target.name.to_string(),
        identity_of(&target).map(String::from),
    );
    fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        doc.normalise();
        let slot = doc
            .targets
            .iter_mut()
            .find(|t| t.is(&target.name))
            .ok_or_else(|| not_found(&target.name))?;
        target.name = slot.name.clone();
        target.created_at = slot.created_at.clone();
        target.updated_at = clock::now_doc();
        target.extra = std::mem::take(&mut slot.extra);
        *slot = target;
        Ok(())
    })?;
    keep_identity_file(&lock, cd, &name, identity.as_deref())
}

/// Makes a target current; returns its stored (canonical) name.
pub fn use_target(cd: &ContextDir, name: &str) -> Result<TargetName> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        let canonical = doc.find(name).ok_or_else(|| not_found(name))?.name.clone();
        doc.current_target = Some(canonical.clone());
        Ok(canonical)
    })
}

/// Removes a target. The current target needs `force`; afterwards the first remaining target
/// (or none) becomes current. Returns the removed target's name, the new current and the total.
pub fn remove(
    cd: &ContextDir,
    name: &str,
    force: bool,
) -> Result<(TargetName, Option<TargetName>, usize)> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        doc.normalise();
        let canonical = doc.find(name).ok_or_else(|| not_found(name))?.name.clone();
        let is_current = doc
            .current_target
            .as_ref()
            .is_some_and(|c| c.eq_ignore_ascii_case(&canonical));
        if is_current && !force {
            return Err(PaasError::usage(
                "target_remove",
                format!("{canonical:?} is the current target; removing it needs --force"),
            )
            .with_target(&canonical)
            .with_remediation(
                "pass --force, or make another target current first with `target use`",
            ));
        }
        doc.targets.retain(|t| !t.is(&canonical));
        if is_current {
            doc.current_target = doc.targets.first().map(|t| t.name.clone());
        }
        Ok((canonical, doc.current_target.clone(), doc.targets.len()))
    })
    .and_then(|removed| {
        keep_identity_file(&lock, cd, &removed.0, None)?;
        Ok(removed)
    })
}
