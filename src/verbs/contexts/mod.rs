//! `context init|list|show|use|remove|scrub-bundles|export|import`: a context's own settings
//! and files. A verb acts on the scope's context (the one `context init NAME` names).

mod bundles;
mod import;

use std::path::PathBuf;

use serde_json::{Value, json};

pub use bundles::{export, scrub_bundles};
pub use import::{ImportInput, SCHEMA_VERSION, import};

use super::{Outcome, Scope};
use crate::cli::ContextCmd;
use crate::error::{PaasError, Result};
use crate::policy::guard::{ConfirmLevel, ContextPolicy, Tone};
use crate::policy::redact;
use crate::state::apps;
use crate::state::context::{self, ContextConfig, InitSpec};
use crate::state::targets;
use crate::state::{names, settings};

impl InitInput {
    /// The flags of `context init`; `None` for another command.
    pub fn from_cmd(cmd: &ContextCmd) -> Option<InitInput> {
        let ContextCmd::Init {
            kind,
            vault_file,
            color,
            read_only,
            confirm,
            incus_project,
            force,
            ..
        } = cmd
        else {
            return None;
        };
        Some(InitInput {
            kind: kind.clone(),
            vault_file: vault_file.clone(),
            color: color.clone(),
            read_only: *read_only,
            confirm: confirm.clone(),
            incus_project: incus_project.clone(),
            force: *force,
        })
    }
}

/// What a new staging context needs next, with the commands.
pub fn next_steps(context: &str) -> String {
    format!(
        "to give it an isolated incus project (STAGE-GBO): add the incus host as a target \
         (`paasdeck --context {context} target add --name HOST --host H --user U`), write the stage \
         object with `paasdeck --context {context} stage configure --from-file stage.json`, then \
         `stage plan`, `stage init`, `stage clone` (docs/stage.md)"
    )
}

/// What `context init` sets: every flag, `None` where it was not given (the type's default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InitInput {
    pub kind: Option<String>,
    pub vault_file: Option<PathBuf>,
    pub color: Option<String>,
    pub read_only: Option<bool>,
    pub confirm: Option<String>,
    pub incus_project: Option<String>,
    pub force: bool,
}

/// Refuses a bad type, colour or confirmation level naming it, before anything is written.
fn validate_init(input: &InitInput) -> Result<()> {
    if let Some(v) = &input.vault_file {
        crate::text::refuse_control("--vault-file", &v.display().to_string())?;
    }
    if let Some(p) = &input.incus_project {
        crate::text::refuse_control("--incus-project", p)?;
    }
    if let Some(k) = &input.kind {
        names::validate_context(&k.to_ascii_lowercase()).map_err(|_| {
            PaasError::usage("flag_validation", format!("invalid context type {k:?}"))
                .with_remediation(
                    "use production, customer, internal-dogfood, staging, oss-demo or a similar lowercase word",
                )
        })?;
    }
    if let Some(c) = &input.color
        && Tone::parse(c).is_none()
    {
        return Err(
            PaasError::usage("flag_validation", format!("invalid colour {c:?}")).with_remediation(
                "use red, magenta, yellow, green, blue, cyan, gray, white or #rrggbb",
            ),
        );
    }
    if let Some(c) = &input.confirm
        && ConfirmLevel::parse(c).is_none()
    {
        return Err(PaasError::usage(
            "flag_validation",
            format!("invalid confirmation level {c:?}"),
        )
        .with_remediation("use none, yes or type-name"));
    }
    Ok(())
}

/// `context init NAME` (the scope's context): created, or its settings updated; a new type
/// needs `force`.
pub fn init(scope: &Scope, input: &InitInput) -> Result<Outcome> {
    names::validate_context(&scope.context)?;
    validate_init(input)?;
    let spec = InitSpec {
        kind: input.kind.clone(),
        force: input.force,
        vault_file: input
            .vault_file
            .as_ref()
            .map(|v| crate::state::paths::absolute(v).display().to_string()),
        color: input.color.clone(),
        read_only: input.read_only,
        confirm: input.confirm.clone(),
        incus_project: input.incus_project.clone(),
    };
    let cd = scope.root.context(&scope.context)?;
    let done = context::init(&scope.root, &cd, &spec)?;
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
    let summary = format!("context {} {verb} (type {})", cfg.name, p.kind);
    let mut text = format!(
        "context {} {verb} (type {}, {}) at {}{retyped}",
        cfg.name,
        p.kind,
        p.tone.name(),
        cd.dir().display()
    );
    if p.class == crate::policy::guard::ContextClass::Staging {
        let next = next_steps(&cfg.name);
        text.push_str(&format!("\n{next}"));
        rep = rep.set("next", next);
    }
    Ok(rep.text(text).summary(summary))
}

/// `context show`: the context's type, guard, vault, and how many targets and apps it has.
pub fn show(scope: &Scope) -> Result<Outcome> {
    let cd = scope.root.context(&scope.context)?;
    let cfg = context::require(&cd)?;
    let p = ContextPolicy::load(&cd)?;
    let t = targets::load(&cd)?;
    let a = apps::load_known(&cd)?;
    let stored = scope.root.stored_context_hint();
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

/// `context use NAME`: the stored current context; a damaged file is rewritten.
pub fn use_context(scope: &Scope) -> Result<Outcome> {
    let cd = scope.cd()?;
    // A damaged file is what `context use` repairs: it never stops the overwrite.
    let damaged = scope.root.stored_context().is_err();
    let previous = scope
        .root
        .stored_context_hint()
        .map(String::from)
        .unwrap_or_default();
    scope.root.store_context(cd.name())?;
    let mut rep = Outcome::ok()
        .field("name", cd.name())
        .field("previous", previous);
    let mut text = format!("current context is now {}", cd.name());
    if damaged {
        rep = rep.field("repaired", true);
        text.push_str(&format!(
            " ({} was damaged and has been rewritten)",
            scope.root.current_context_file().display()
        ));
    }
    Ok(rep.text(text))
}

/// `context remove`: the context's directory deleted (only with `force`); the stored current
/// context goes back to `default` if it named this one.
pub fn remove(scope: &Scope, force: bool) -> Result<Outcome> {
    if !force {
        return Err(PaasError::usage(
            "context_remove",
            format!(
                "removing context {:?} deletes its targets, history, events and vault; pass --force",
                scope.context
            ),
        ));
    }
    let cd = scope.cd()?;
    std::fs::remove_dir_all(cd.dir()).map_err(|e| PaasError::io("context_remove", cd.dir(), &e))?;
    let mut reset = false;
    if scope
        .root
        .stored_context_hint()
        .is_some_and(|s| s.as_str() == cd.name())
    {
        scope
            .root
            .store_context(crate::state::paths::DEFAULT_CONTEXT)?;
        reset = true;
    }
    tracing::warn!(context = cd.name(), "context removed");
    Ok(Outcome::ok()
        .field("name", cd.name())
        .field("force", true)
        .field("current_reset", reset)
        .text(format!("context {} removed", cd.name())))
}

/// `vault_file` is the vault in use (the context's own); the recorded value stays in `config`.
fn describe(cfg: &ContextConfig, p: &ContextPolicy, cd: &crate::state::ContextDir) -> Outcome {
    Outcome::ok()
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

/// `context list`: every context with its type, colour and guard; the stored one marked.
pub fn list(scope: &Scope) -> Result<Outcome> {
    let damaged = scope.root.stored_context().err();
    let stored = scope
        .root
        .stored_context_hint()
        .map(String::from)
        .unwrap_or_default();
    let mut rows: Vec<Value> = Vec::new();
    let mut lines = Vec::new();
    for name in scope.root.list_contexts()? {
        let cd = scope.root.context(&name)?;
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
                json!({ "name": name, "error": super::error_object(&e) })
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
        crate::text::table(&lines)
    };
    let mut rep = Outcome::ok().set("current", stored);
    if let Some(e) = damaged {
        text.push_str(&format!(
            "warning: {}\nhint: {}\n",
            e.message, e.remediation
        ));
        rep = rep.set("current_context_error", super::error_object(&e));
    }
    Ok(rep.list(&rows).text(text))
}
