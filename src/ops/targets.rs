//! Target inventory changes with their validation, shared by `target add|use|remove` and the
//! console's forms (add, edit).

use std::path::PathBuf;

use crate::error::{PaasError, Result};
use crate::policy::separation;
use crate::state::ids::{Host, Port, TargetName, User};
use crate::state::names;
use crate::state::paths::{self, ContextDir};
use crate::state::targets::{self, Target};
use crate::text;

/// What `target add` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewTarget {
    pub name: String,
    pub host: String,
    pub user: String,
    pub port: u16,
    /// `key` or `local`.
    pub auth_method: String,
    pub identity_file: Option<PathBuf>,
    pub labels: Vec<String>,
    pub make_default: bool,
}

/// The stored target and whether it became current, with the new total.
#[derive(Debug, Clone)]
pub struct Added {
    pub target: Target,
    pub is_default: bool,
    pub total: usize,
}

/// Validates every field, refuses a host:port a context of another type already uses, then
/// adds the target under the context lock.
pub fn add(cd: &ContextDir, spec: &NewTarget) -> Result<Added> {
    let target = build(spec)?;
    separation::refuse_shared_hosts(cd, std::slice::from_ref(&target), "target_add")?;
    let (is_default, total) = targets::add(cd, target.clone(), spec.make_default)?;
    Ok(Added {
        target,
        is_default,
        total,
    })
}

/// Validates every field, then replaces the settings of the existing target of that name. A
/// new host:port (or a local target turned into a remote one) is refused when a context of
/// another type already uses it; an unchanged one is left to the doctor, which already reports it.
pub fn edit(cd: &ContextDir, spec: &NewTarget) -> Result<Target> {
    let target = build(spec)?;
    let before = targets::load(cd)?
        .find(&target.name)
        .and_then(separation::endpoint);
    if separation::endpoint(&target) != before {
        separation::refuse_shared_hosts(cd, std::slice::from_ref(&target), "target_edit")?;
    }
    targets::replace(cd, target.clone())?;
    Ok(target)
}

/// The stored form of a target, every field validated as the command line validates it.
fn build(spec: &NewTarget) -> Result<Target> {
    let name = TargetName::parse(spec.name.as_str())?;
    let host = Host::parse(spec.host.as_str())?;
    let user = User::parse(spec.user.as_str())?;
    let port = Port::new(i64::from(spec.port))?;
    for label in &spec.labels {
        text::refuse_control("--labels", label)?;
    }
    if let Some(p) = &spec.identity_file {
        text::refuse_control("--identity-file", &p.display().to_string())?;
    }
    let auth = spec.auth_method.trim().to_ascii_lowercase();
    if !matches!(auth.as_str(), "key" | "local") {
        return Err(PaasError::usage(
            "flag_validation",
            format!("invalid auth method {:?}", spec.auth_method),
        )
        .with_remediation("use key or local"));
    }
    let identity_file = match &spec.identity_file {
        Some(p) => {
            let p = paths::expand_home(p);
            if !p.is_file() {
                return Err(PaasError::usage(
                    "flag_validation",
                    format!("identity file {} does not exist", p.display()),
                )
                .with_remediation("give the path of an existing private key"));
            }
            p.display().to_string()
        }
        None => String::new(),
    };
    // si stores its normalised load-balancer mode (`dns` unless ingress-baseline chose `l4`)
    // on every target it adds, so its next rewrite of targets.json changes nothing.
    let target = Target {
        auth_method: auth,
        identity_file,
        labels: spec.labels.clone(),
        ingress_lb_mode: "dns".into(),
        ..Target::new(name, host, port, user)
    };
    Ok(target)
}

/// Removes a target (the current one needs `force`): (removed, new current, total).
pub fn remove(
    cd: &ContextDir,
    name: &str,
    force: bool,
) -> Result<(TargetName, Option<TargetName>, usize)> {
    names::validate_target(name)?;
    targets::remove(cd, name, force)
}

/// Makes a target current; returns its stored name.
pub fn use_target(cd: &ContextDir, name: &str) -> Result<TargetName> {
    names::validate_target(name)?;
    targets::use_target(cd, name)
}
