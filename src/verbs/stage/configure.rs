//! `stage configure`: writes the stage object of `paasdeck.json` from a file, or shows it.

use serde_json::Value;

use super::super::{Outcome, Scope};
use crate::cli::ConfigureArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::stage as ops_stage;
use crate::policy::guard::ContextPolicy;
use crate::state::paths::ContextDir;
use crate::state::stage::{self, StageConfig};
use crate::state::{context, fsio, settings, targets};
use crate::text::sanitize;

fn input_error(path: &std::path::Path, e: &stage::Invalid) -> PaasError {
    let msg = format!("{}: {}: {}", path.display(), e.field, e.message);
    if e.guard {
        PaasError::new(ErrorCode::ContextGuard, "stage_configure", msg)
            .with_remediation("the staging project must be a project of its own, never `default` or the source project")
    } else {
        PaasError::usage("stage_configure", msg)
            .with_remediation("fix that field; docs/stage.md shows a complete stage object")
    }
}

pub(super) fn configure(scope: &Scope, cd: &ContextDir, a: &ConfigureArgs) -> Result<Outcome> {
    let ccfg = context::require(cd)?;
    ops_stage::require_staging(cd.name(), &ContextPolicy::new(cd.name(), Some(&ccfg)))?;
    let current = settings::load(cd)?;
    let Some(file) = &a.from_file else {
        let stage = current.stage()?;
        let value = stage.as_ref().map(StageConfig::to_value);
        let text = match &value {
            Some(v) => {
                serde_json::to_string_pretty(&serde_json::json!({ "stage": v })).unwrap_or_default()
            }
            None => format!(
                "context {} has no stage object; write one with `paasdeck --context {} stage configure --from-file stage.json`",
                cd.name(),
                cd.name()
            ),
        };
        return Ok(Outcome::ok()
            .set("path", current.path().display().to_string())
            .set("stage", value)
            .text(sanitize(&text).into_owned()));
    };
    let raw = std::fs::read_to_string(file).map_err(|e| {
        PaasError::usage(
            "stage_configure",
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let doc: Value = fsio::parse_json(file, &raw).map_err(|e| PaasError {
        code: ErrorCode::InvalidArgument,
        stage: "stage_configure".into(),
        usage: true,
        ..e
    })?;
    let value = match doc.get("stage") {
        Some(v) if doc.as_object().is_some_and(|m| m.len() == 1) => v.clone(),
        _ => doc,
    };
    let cfg = StageConfig::from_value(&value).map_err(|e| input_error(file, &e))?;
    if targets::load(cd)?.find(&cfg.host_target).is_none() {
        return Err(PaasError::usage(
            "stage_configure",
            format!(
                "{}: stage.host_target: {:?} is not a target of context {:?}",
                file.display(),
                cfg.host_target.as_str(),
                cd.name()
            ),
        )
        .with_remediation(format!(
            "add the incus host first: `paasdeck --context {} target add --name {} --host H --user U` (or --auth-method local)",
            cd.name(),
            cfg.host_target
        )));
    }
    let new = cfg.to_value();
    let changes = stage::describe_changes(current.get("stage"), &new);
    let mut notes = Vec::new();
    let incus_project = ccfg.incus_project.trim();
    if !incus_project.is_empty() && incus_project != cfg.project.as_str() {
        notes.push(format!(
            "note: config.json names incus_project {incus_project:?}, the stage object {}",
            cfg.project
        ));
    }
    let write = !a.dry_run && !changes.is_empty();
    if write {
        settings::update(cd, |s| {
            s.set_stage(&cfg);
            Ok(())
        })?;
    }
    let mut text = String::new();
    if changes.is_empty() {
        text.push_str("the stage object is already like that; nothing written\n");
    } else {
        for c in &changes {
            text.push_str(&format!("  {c}\n"));
        }
        text.push_str(&if write {
            format!("written to {}\n", settings::path(cd).display())
        } else {
            "dry run: nothing written\n".into()
        });
    }
    for n in &notes {
        text.push_str(n);
        text.push('\n');
    }
    text.push_str(&format!(
        "next: `paasdeck --context {} stage plan` shows what `stage init` and `stage clone` will run\n",
        scope.context
    ));
    Ok(Outcome::ok()
        .field("project", cfg.project.as_str())
        .field("changes", &changes)
        .field("written", write)
        .set("path", settings::path(cd).display().to_string())
        .set("stage", new)
        .text(sanitize(&text).into_owned()))
}
