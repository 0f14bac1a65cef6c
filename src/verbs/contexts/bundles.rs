//! `context scrub-bundles` and `context export`: what leaves a context's files.

use std::path::Path;

use serde_json::{Value, json};

use super::super::{Outcome, Scope};
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::redact;
use crate::state::{apps, clock, deployments, fsio, targets};

/// Removes (with `apply`) the `.env` files si left in release bundles; names files and
/// variable names, never a value.
pub fn scrub_bundles(scope: &Scope, apply: bool) -> Result<Outcome> {
    let cd = scope.cd()?;
    let found = crate::state::releases::scrub_bundle_env(&cd, apply)?;
    let foreign = crate::state::foreign::scrub_foreign_releases(&cd, apply)?;
    let mut rows = Vec::new();
    let mut text = String::new();
    for f in &foreign {
        text.push_str(&format!(
            "{} release {} of app {} from the deploy history (a release of context {})\n",
            if apply { "dropped" } else { "would drop" },
            f.release,
            f.app,
            f.other_context
        ));
    }
    for f in &found {
        text.push_str(&format!(
            "{} {} ({})\n",
            if apply { "removed" } else { "would remove" },
            f.path.display(),
            f.keys.join(", ")
        ));
        rows.push(json!({"path": f.path.display().to_string(), "variables": f.keys}));
    }
    if found.is_empty() {
        text.push_str("no release bundle holds a .env file\n");
        if !apply && !foreign.is_empty() {
            text.push_str("nothing dropped: pass --apply to drop them\n");
        }
    } else if !apply {
        text.push_str("nothing removed: pass --apply to remove them\n");
    } else {
        text.push_str(&format!(
            "the values are gone from the bundles; deploys take them from the vault (`paasdeck --context {} secret list --app APP`)\n",
            cd.name()
        ));
    }
    Ok(Outcome::ok()
        .field("apply", apply)
        .field("files", found.len())
        .field(
            "foreign_releases",
            foreign
                .iter()
                .map(|f| json!({"app": f.app, "release": f.release, "context": f.other_context}))
                .collect::<Vec<_>>(),
        )
        .audit_only(
            "paths",
            found
                .iter()
                .map(|f| f.path.display().to_string())
                .collect::<Vec<_>>(),
        )
        .list(&rows)
        .text(text)
        .summary(format!(
            "{} bundle .env file(s) {}",
            found.len(),
            if apply { "removed" } else { "found" }
        )))
}

/// `context export`: targets, history, apps and webhook mappings to a file; refused when a
/// key looks secret.
pub fn export(scope: &Scope, output: &Path, force: bool) -> Result<Outcome> {
    let cd = scope.cd()?;
    let t = targets::load(&cd)?;
    let d = deployments::load(&cd)?;
    let a = apps::load(&cd)?;
    let m: Value =
        fsio::read_json(&cd.webhook_mappings())?.unwrap_or_else(|| json!({"mappings": []}));
    let payload = json!({
        "schema_version": super::SCHEMA_VERSION,
        "exported_at": clock::now_event(),
        "context": cd.name(),
        "metadata": {
            "targets": t,
            "deploy_history": d,
            "webhook_mappings": m,
            "apps": a,
        }
    });
    if let Some(path) = redact::first_secret_key_path(&payload) {
        return Err(PaasError::new(
            ErrorCode::PrecheckPlaintextSecrets,
            "context_export",
            format!("refusing export because key {path:?} appears secret-like"),
        )
        .with_remediation(
            "remove that key from the context's state; secrets belong in the vault",
        ));
    }
    let output = crate::state::paths::absolute(output);
    if fsio::existing_output(&output, "context_export")? && !force {
        return Err(PaasError::new(
            ErrorCode::AlreadyExists,
            "context_export",
            format!("{} already exists", output.display()),
        )
        .with_remediation("pass --force to overwrite it, or choose another --output"));
    }
    fsio::write_json_atomic(&output, &payload)?;
    let mappings = payload["metadata"]["webhook_mappings"]["mappings"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    Ok(Outcome::ok()
        .field("context", cd.name())
        .field("path", output.display().to_string())
        .field("targets", t.targets.len())
        .field("deploy_apps", d.apps.len())
        .field("webhook_mappings", mappings)
        .field("apps", a.apps.len())
        .field("force", force)
        .text(format!(
            "exported context {} to {} ({} targets, {} apps with history)",
            cd.name(),
            output.display(),
            t.targets.len(),
            d.apps.len()
        )))
}
