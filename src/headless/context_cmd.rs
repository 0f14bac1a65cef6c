//! `context init|list|show|use|remove|export` (`import` is in `context_import`).

use std::path::Path;

use serde_json::{Value, json};

use super::Invocation;
use super::output::{Report, table};
use crate::cli::ContextCmd;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::guard::{ConfirmLevel, ContextPolicy, Tone};
use crate::policy::redact;
use crate::state::apps;
use crate::state::context::{self, ContextConfig, InitSpec};
use crate::state::deployments;
use crate::state::targets;
use crate::state::{clock, fsio, names, settings};

pub fn run(inv: &Invocation, cmd: &ContextCmd) -> Result<Report> {
    match cmd {
        ContextCmd::Init {
            kind,
            vault_file,
            color,
            read_only,
            confirm,
            incus_project,
            force,
            ..
        } => {
            if let Some(v) = vault_file {
                crate::text::refuse_control("--vault-file", &v.display().to_string())?;
            }
            if let Some(p) = incus_project {
                crate::text::refuse_control("--incus-project", p)?;
            }
            if let Some(k) = kind {
                names::validate_context(&k.to_ascii_lowercase()).map_err(|_| {
                    PaasError::usage("flag_validation", format!("invalid context type {k:?}"))
                        .with_remediation(
                            "use production, customer, internal-dogfood, staging, oss-demo or a similar lowercase word",
                        )
                })?;
            }
            if let Some(c) = color
                && Tone::parse(c).is_none()
            {
                return Err(
                    PaasError::usage("flag_validation", format!("invalid colour {c:?}"))
                        .with_remediation(
                            "use red, magenta, yellow, green, blue, cyan, gray, white or #rrggbb",
                        ),
                );
            }
            if let Some(c) = confirm
                && ConfirmLevel::parse(c).is_none()
            {
                return Err(PaasError::usage(
                    "flag_validation",
                    format!("invalid confirmation level {c:?}"),
                )
                .with_remediation("use none, yes or type-name"));
            }
            let spec = InitSpec {
                kind: kind.clone(),
                force: *force,
                vault_file: vault_file
                    .as_ref()
                    .map(|v| crate::state::paths::absolute(v).display().to_string()),
                color: color.clone(),
                read_only: *read_only,
                confirm: confirm.clone(),
                incus_project: incus_project.clone(),
            };
            let cd = inv.cd();
            let done = context::init(&inv.root, &cd, &spec)?;
            let (cfg, created) = (&done.config, done.created);
            let p = ContextPolicy::with_settings(&cfg.name, Some(cfg), &done.guard);
            let verb = if created { "created" } else { "updated" };
            let mut rep = describe(cfg, &p, &cd).field("created", created);
            let mut retyped = String::new();
            if let Some(old) = &done.previous_kind {
                rep = rep
                    .field("previous_type", old)
                    .field("new_type", &p.kind)
                    .field("force", true);
                retyped = format!("; type changed from {old} to {}", p.kind);
            }
            let mut text = format!(
                "context {} {verb} (type {}, {}) at {}{retyped}",
                cfg.name,
                p.kind,
                p.tone.name(),
                cd.dir().display()
            );
            if p.class == crate::policy::guard::ContextClass::Staging {
                let next = super::stage_cmd::next_steps(&cfg.name);
                text.push_str(&format!("\n{next}"));
                rep = rep.set("next", next);
            }
            Ok(rep.text(text))
        }
        ContextCmd::List => list(inv),
        ContextCmd::Show { .. } => {
            let cd = inv.cd();
            let cfg = context::require(&cd)?;
            let p = ContextPolicy::load(&cd)?;
            let t = targets::load(&cd)?;
            let a = apps::load_known(&cd)?;
            let stored = inv.root.stored_context_hint();
            let rep = describe(&cfg, &p, &cd)
                .set(
                    "current",
                    stored.as_ref().is_some_and(|s| s.as_str() == cd.name()),
                )
                .set("targets", t.targets.len())
                .set("apps", a.len())
                .set(
                    "config",
                    redact::redacted(&serde_json::to_value(&cfg).unwrap_or_default()),
                );
            let text = format!(
                "context {}\n  type         {} ({:?})\n  banner       {}\n  read-only    {}\n  confirm      mutating={} destructive={}\n  vault        {}\n  targets      {}\n  apps         {}\n",
                cfg.name,
                p.kind,
                p.class,
                p.tone.name(),
                p.read_only,
                p.confirm_mutating.as_str(),
                p.confirm_destructive.as_str(),
                context::vault_path(&cd).display(),
                t.targets.len(),
                a.len(),
            );
            Ok(rep.text(text))
        }
        ContextCmd::Use { .. } => {
            let cd = inv.existing_cd()?;
            // A damaged file is what `context use` repairs: it never stops the overwrite.
            let damaged = inv.root.stored_context().is_err();
            let previous = inv
                .root
                .stored_context_hint()
                .map(String::from)
                .unwrap_or_default();
            inv.root.store_context(cd.name())?;
            let mut rep = Report::ok()
                .field("name", cd.name())
                .field("previous", previous);
            let mut text = format!("current context is now {}", cd.name());
            if damaged {
                rep = rep.field("repaired", true);
                text.push_str(&format!(
                    " ({} was damaged and has been rewritten)",
                    inv.root.current_context_file().display()
                ));
            }
            Ok(rep.text(text))
        }
        ContextCmd::Remove { force, .. } => {
            if !force {
                return Err(PaasError::usage(
                    "context_remove",
                    format!(
                        "removing context {:?} deletes its targets, history, events and vault; pass --force",
                        inv.context
                    ),
                ));
            }
            let cd = inv.existing_cd()?;
            std::fs::remove_dir_all(cd.dir())
                .map_err(|e| PaasError::io("context_remove", cd.dir(), &e))?;
            let mut reset = false;
            if inv
                .root
                .stored_context_hint()
                .is_some_and(|s| s.as_str() == cd.name())
            {
                inv.root
                    .store_context(crate::state::paths::DEFAULT_CONTEXT)?;
                reset = true;
            }
            tracing::warn!(context = cd.name(), "context removed");
            Ok(Report::ok()
                .field("name", cd.name())
                .field("force", true)
                .field("current_reset", reset)
                .text(format!("context {} removed", cd.name())))
        }
        ContextCmd::Export { output, force, .. } => export(inv, output, *force),
        ContextCmd::ScrubBundles { apply } => scrub_bundles(inv, *apply),
        ContextCmd::Import {
            input,
            replace,
            kind,
            ..
        } => super::context_import::import(inv, input, *replace, kind.as_deref()),
    }
}

/// `vault_file` is the vault in use (the context's own); the recorded value stays in `config`.
fn describe(cfg: &ContextConfig, p: &ContextPolicy, cd: &crate::state::ContextDir) -> Report {
    Report::ok()
        .field("name", &cfg.name)
        .field("type", &p.kind)
        .set("class", format!("{:?}", p.class).to_ascii_lowercase())
        .set("color", p.tone.name())
        .field("read_only", p.read_only)
        .set("confirm_mutating", p.confirm_mutating.as_str())
        .set("confirm_destructive", p.confirm_destructive.as_str())
        .set("state_root", &cfg.state_root)
        .set("vault_file", context::vault_path(cd).display().to_string())
        .set("created_at", &cfg.created_at)
        .set("updated_at", &cfg.updated_at)
}

fn list(inv: &Invocation) -> Result<Report> {
    let damaged = inv.root.stored_context().err();
    let stored = inv
        .root
        .stored_context_hint()
        .map(String::from)
        .unwrap_or_default();
    let mut rows: Vec<Value> = Vec::new();
    let mut lines = Vec::new();
    for name in inv.root.list_contexts()? {
        let cd = inv.root.context(&name)?;
        let mut row = match context::load(&cd) {
            Ok(Some(cfg)) => {
                let guard = settings::load(&cd).and_then(|s| s.guard()).unwrap_or(
                    // Unreadable guard settings: the strictest reading.
                    settings::GuardSettings {
                        read_only: Some(true),
                        ..Default::default()
                    },
                );
                let p = ContextPolicy::with_settings(&name, Some(&cfg), &guard);
                lines.push(vec![
                    if name == stored { "*" } else { " " }.to_string(),
                    name.clone(),
                    p.kind.clone(),
                    p.tone.name(),
                    if p.read_only { "read-only" } else { "" }.to_string(),
                ]);
                let mut v = serde_json::to_value(&cfg).unwrap_or_default();
                redact::redact(&mut v);
                if let Value::Object(m) = &mut v {
                    // The effective guard, from config.json and paasdeck.json together.
                    m.insert("read_only".into(), p.read_only.into());
                    m.insert("color".into(), p.tone.name().into());
                }
                v
            }
            Ok(None) => {
                lines.push(vec![" ".into(), name.clone(), "(no config)".into()]);
                json!({ "name": name })
            }
            Err(e) => {
                lines.push(vec![" ".into(), name.clone(), format!("error[{}]", e.code)]);
                json!({ "name": name, "error": super::output::error_object(&e) })
            }
        };
        if let Value::Object(m) = &mut row {
            m.insert("current".into(), (name == stored).into());
        }
        rows.push(row);
    }
    let mut text = if lines.is_empty() {
        "no contexts yet; create one with `paasdeck context init NAME --type TYPE`\n".to_string()
    } else {
        table(&lines)
    };
    let mut rep = Report::ok().set("current", stored);
    if let Some(e) = damaged {
        text.push_str(&format!(
            "warning: {}\nhint: {}\n",
            e.message, e.remediation
        ));
        rep = rep.set("current_context_error", super::output::error_object(&e));
    }
    Ok(rep.list(&rows).text(text))
}

/// Removes (with `apply`) the `.env` files si left in release bundles; names files and
/// variable names, never a value.
fn scrub_bundles(inv: &Invocation, apply: bool) -> Result<Report> {
    let cd = inv.existing_cd()?;
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
    Ok(Report::ok()
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
        .text(text))
}

fn export(inv: &Invocation, output: &Path, force: bool) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let t = targets::load(&cd)?;
    let d = deployments::load(&cd)?;
    let a = apps::load(&cd)?;
    let m: Value =
        fsio::read_json(&cd.webhook_mappings())?.unwrap_or_else(|| json!({"mappings": []}));
    let payload = json!({
        "schema_version": super::context_import::SCHEMA_VERSION,
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
    Ok(Report::ok()
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
