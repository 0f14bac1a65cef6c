//! The apps registry with its validation, shared by `app add|remove` and the console's forms
//! (add, edit, remove).

use std::path::Path;

use crate::error::{PaasError, Result};
use crate::state::apps::{self, App};
use crate::state::paths::{self, ContextDir};
use crate::state::{names, targets};

/// What `app add` (and the console's app form) asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSpec {
    pub name: String,
    pub compose_file: String,
    /// Target names or `all`; empty: the context's current target.
    pub targets: Vec<String>,
    pub health_cmd: String,
    pub remote_dir: String,
}

/// The stored form of an app, every field validated.
fn build(cd: &ContextDir, spec: &AppSpec) -> Result<App> {
    names::validate_app(&spec.name)?;
    if crate::text::has_control(&spec.health_cmd) {
        return Err(PaasError::usage(
            "flag_validation",
            "the health command contains control characters",
        ));
    }
    let compose = paths::absolute(Path::new(&spec.compose_file));
    if spec.compose_file.trim().is_empty() || !compose.is_file() {
        return Err(PaasError::usage(
            "flag_validation",
            format!("compose file {} does not exist", compose.display()),
        )
        .with_remediation("give the path of the app's compose file"));
    }
    if !spec.remote_dir.is_empty() {
        names::validate_remote_dir(&spec.remote_dir)?;
    }
    if !spec.targets.is_empty() && !spec.targets.iter().any(|w| w.eq_ignore_ascii_case("all")) {
        let inventory = targets::load(cd)?;
        for w in &spec.targets {
            names::validate_target(w)?;
            if inventory.find(w).is_none() {
                return Err(targets::not_found(w));
            }
        }
    }
    Ok(App {
        name: spec.name.clone(),
        compose_file: compose.display().to_string(),
        targets: spec.targets.clone(),
        health_cmd: spec.health_cmd.clone(),
        remote_dir: spec.remote_dir.clone(),
        ..Default::default()
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
pub fn remove(cd: &ContextDir, name: &str) -> Result<(String, usize)> {
    names::validate_app(name)?;
    apps::remove(cd, name)
}
