//! The apps registry with its validation, shared by `app add|remove` and the console's forms
//! (add, edit, remove).

use std::path::Path;

use crate::error::{PaasError, Result};
use crate::state::apps::{self, App};
use crate::state::ids::{AppName, RemoteDir, TargetName};
use crate::state::paths::{self, ContextDir};
use crate::state::{names, targets};
use crate::text::refuse_control;

/// What `app add` (and the console's app form) asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSpec {
    pub name: String,
    pub compose_file: String,
    /// Target names or `all`; empty: the context's current target.
    pub targets: Vec<String>,
    pub health_cmd: String,
    pub remote_dir: String,
    /// Writes the app's dump to stdout, run in the current release directory (SPEC §12).
    pub backup_cmd: String,
    /// Reads a dump on stdin and restores it.
    pub restore_cmd: String,
}

/// The stored form of an app, every field validated as the command line validates it.
fn build(cd: &ContextDir, spec: &AppSpec) -> Result<App> {
    let name = AppName::parse(spec.name.as_str())?;
    refuse_control("--compose-file", &spec.compose_file)?;
    refuse_control("--health-cmd", &spec.health_cmd)?;
    refuse_control("--backup-cmd", &spec.backup_cmd)?;
    refuse_control("--restore-cmd", &spec.restore_cmd)?;
    if spec.backup_cmd.trim().is_empty() != spec.restore_cmd.trim().is_empty() {
        return Err(PaasError::usage(
            "flag_validation",
            "an app with a backup command needs a restore command, and the other way round",
        )
        .with_remediation("give both --backup-cmd and --restore-cmd, or neither"));
    }
    let compose = paths::absolute(Path::new(&spec.compose_file));
    if spec.compose_file.trim().is_empty() || !compose.is_file() {
        return Err(PaasError::usage(
            "flag_validation",
            format!("compose file {} does not exist", compose.display()),
        )
        .with_remediation("give the path of the app's compose file"));
    }
    let remote_dir = Some(spec.remote_dir.as_str())
        .filter(|d| !d.is_empty())
        .map(RemoteDir::parse)
        .transpose()?;
    let wanted = spec
        .targets
        .iter()
        .map(|t| TargetName::parse(t.as_str()))
        .collect::<Result<Vec<_>>>()?;
    if !wanted.is_empty() && !wanted.iter().any(|w| w.eq_ignore_ascii_case("all")) {
        let inventory = targets::load(cd)?;
        for w in &wanted {
            if inventory.find(w).is_none() {
                return Err(targets::not_found(w));
            }
        }
    }
    Ok(App {
        targets: wanted,
        health_cmd: spec.health_cmd.clone(),
        backup_cmd: spec.backup_cmd.trim().to_string(),
        restore_cmd: spec.restore_cmd.trim().to_string(),
        remote_dir,
        ..App::new(name, compose.display().to_string())
    })
}

/// Registers an app; returns what was stored and the new total.
pub fn add(cd: &ContextDir, spec: &AppSpec) -> Result<(App, usize)> {
    let app = build(cd, spec)?;
    let total = apps::add(cd, app.clone())?;
    Ok((app, total))
}

/// Replaces a registered app's settings.
pub fn edit(cd: &ContextDir, spec: &AppSpec) -> Result<App> {
    let app = build(cd, spec)?;
    apps::replace(cd, app.clone())?;
    Ok(app)
}

/// Removes an app from the registry (its history and bundles stay): (name, total).
pub fn remove(cd: &ContextDir, name: &str) -> Result<(crate::state::ids::AppName, usize)> {
    names::validate_app(name)?;
    apps::remove(cd, name)
}
