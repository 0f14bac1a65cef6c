//! `context init|list|show|use|remove|export|import`.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::Invocation;
use super::output::{Report, table};
use crate::cli::ContextCmd;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::guard::{ConfirmLevel, ContextPolicy, Tone};
use crate::policy::redact;
use crate::state::apps::{self, AppsDoc};
use crate::state::context::{self, ContextConfig, InitSpec};
use crate::state::deployments::{self, DeploymentsDoc};
use crate::state::targets::{self, TargetsDoc};
use crate::state::{clock, fsio, names};

pub fn run(inv: &Invocation, cmd: &ContextCmd) -> Result<Report> {
    match cmd {
        ContextCmd::Init {
            kind,
            vault_file,
            color,
            read_only,
            confirm,
            incus_project,
            ..
        } => {
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
                vault_file: vault_file
                    .as_ref()
                    .map(|v| crate::state::paths::absolute(v).display().to_string()),
                color: color.clone(),
                read_only: *read_only,
                confirm: confirm.clone(),
                incus_project: incus_project.clone(),
            };
            let cd = inv.cd();
            let (cfg, created) = context::init(&inv.root, &cd, &spec)?;
            let p = ContextPolicy::new(&cfg.name, Some(&cfg));
            let verb = if created { "created" } else { "updated" };
            let mut text = format!(
                "context {} {verb} (type {}, {}) at {}",
                cfg.name,
                p.kind,
                p.tone.name(),
                cd.dir().display()
            );
            let mut rep = describe(&cfg, &p).field("created", created);
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
            let p = ContextPolicy::new(&cfg.name, Some(&cfg));
            let t = targets::load(&cd)?;
            let a = apps::load(&cd)?;
            let stored = inv.root.stored_context()?;
            let rep = describe(&cfg, &p)
                .set("current", stored.as_deref() == Some(cfg.name.as_str()))
                .set("targets", t.targets.len())
                .set("apps", a.apps.len())
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
                context::vault_path(&cd, Some(&cfg)).display(),
                t.targets.len(),
                a.apps.len(),
            );
            Ok(rep.text(text))
        }
        ContextCmd::Use { .. } => {
            let cd = inv.existing_cd()?;
            let previous = inv.root.stored_context()?.unwrap_or_default();
            inv.root.store_context(cd.name())?;
            Ok(Report::ok()
                .field("name", cd.name())
                .field("previous", previous)
                .text(format!("current context is now {}", cd.name())))
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
            if inv.root.stored_context()?.as_deref() == Some(cd.name()) {
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
        ContextCmd::Import { input, replace, .. } => import(inv, input, *replace),
    }
}

fn describe(cfg: &ContextConfig, p: &ContextPolicy) -> Report {
    Report::ok()
        .field("name", &cfg.name)
        .field("type", &p.kind)
        .set("class", format!("{:?}", p.class).to_ascii_lowercase())
        .set("color", p.tone.name())
        .field("read_only", p.read_only)
        .set("confirm_mutating", p.confirm_mutating.as_str())
        .set("confirm_destructive", p.confirm_destructive.as_str())
        .set("state_root", &cfg.state_root)
        .set("vault_file", &cfg.vault_file)
        .set("created_at", &cfg.created_at)
        .set("updated_at", &cfg.updated_at)
}

fn list(inv: &Invocation) -> Result<Report> {
    let stored = inv.root.stored_context()?.unwrap_or_default();
    let mut rows: Vec<Value> = Vec::new();
    let mut lines = Vec::new();
    for name in inv.root.list_contexts()? {
        let cd = inv.root.context(&name);
        let mut row = match context::load(&cd) {
            Ok(Some(cfg)) => {
                let p = ContextPolicy::new(&name, Some(&cfg));
                lines.push(vec![
                    if name == stored { "*" } else { " " }.to_string(),
                    name.clone(),
                    p.kind.clone(),
                    p.tone.name(),
                    if p.read_only { "read-only" } else { "" }.to_string(),
                ]);
                let mut v = serde_json::to_value(&cfg).unwrap_or_default();
                redact::redact(&mut v);
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
    let text = if lines.is_empty() {
        "no contexts yet; create one with `paasdeck context init NAME --type TYPE`\n".to_string()
    } else {
        table(&lines)
    };
    Ok(Report::ok().set("current", stored).list(&rows).text(text))
}

const SCHEMA_VERSION: u64 = 1;

fn mappings_path(cd: &crate::state::ContextDir) -> std::path::PathBuf {
    cd.dir().join("webhooks").join("mappings.json")
}

fn export(inv: &Invocation, output: &Path, force: bool) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let t = targets::load(&cd)?;
    let d = deployments::load(&cd)?;
    let a = apps::load(&cd)?;
    let m: Value = fsio::read_json(&mappings_path(&cd))?.unwrap_or_else(|| json!({"mappings": []}));
    let payload = json!({
        "schema_version": SCHEMA_VERSION,
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
    if output.exists() && !force {
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

fn import_error(msg: String) -> PaasError {
    PaasError::new(ErrorCode::InvalidArgument, "context_import", msg)
        .with_remediation("import a file written by `context export` (schema_version 1)")
}

fn section<T: serde::de::DeserializeOwned + Default>(
    input: &Path,
    meta: &Map<String, Value>,
    key: &str,
) -> Result<Option<T>> {
    match meta.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
            import_error(format!(
                "{}: metadata.{key} has an unexpected shape ({})",
                input.display(),
                e.to_string().split(" at line").next().unwrap_or_default()
            ))
        }),
    }
}

fn import(inv: &Invocation, input: &Path, replace: bool) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let raw =
        std::fs::read_to_string(input).map_err(|e| PaasError::io("context_import", input, &e))?;
    let payload: Value = fsio::parse_json(input, &raw).map_err(|e| PaasError {
        code: ErrorCode::InvalidArgument,
        stage: "context_import".into(),
        ..e
    })?;
    if let Some(path) = redact::first_secret_key_path(&payload) {
        return Err(PaasError::new(
            ErrorCode::PrecheckPlaintextSecrets,
            "context_import",
            format!("refusing import because key {path:?} appears secret-like"),
        )
        .with_remediation("remove that key from the payload; secrets belong in the vault"));
    }
    if payload.get("schema_version").and_then(Value::as_u64) != Some(SCHEMA_VERSION) {
        return Err(import_error(format!(
            "{}: schema_version must be {SCHEMA_VERSION}",
            input.display()
        )));
    }
    let empty = Map::new();
    let meta = payload
        .get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let in_targets: Option<TargetsDoc> = section(input, meta, "targets")?;
    let in_history: Option<DeploymentsDoc> = section(input, meta, "deploy_history")?;
    let in_apps: Option<AppsDoc> = section(input, meta, "apps")?;
    let in_mappings: Option<Value> = section(input, meta, "webhook_mappings")?;
    for t in in_targets.iter().flat_map(|d| d.targets.iter()) {
        names::validate_target(&t.name)
            .and_then(|_| names::validate_host(&t.host))
            .and_then(|_| names::validate_user(&t.user))
            .map_err(|e| {
                import_error(format!("target {:?} in the payload: {}", t.name, e.message))
            })?;
    }
    for a in in_apps.iter().flat_map(|d| d.apps.iter()) {
        names::validate_app(&a.name)
            .map_err(|e| import_error(format!("app in the payload: {}", e.message)))?;
    }

    let _lock = cd.lock()?;
    // Read everything first: a malformed document stops the import before any write.
    let mut cur_targets = targets::load(&cd)?;
    let mut cur_history = deployments::load(&cd)?;
    let mut cur_apps = apps::load(&cd)?;
    let mut cur_mappings: Value =
        fsio::read_json(&mappings_path(&cd))?.unwrap_or_else(|| json!({"mappings": []}));

    if let Some(inc) = in_targets {
        if replace {
            cur_targets = inc;
        } else {
            for t in inc.targets {
                match cur_targets.targets.iter_mut().find(|c| c.is(&t.name)) {
                    Some(slot) => *slot = t,
                    None => cur_targets.targets.push(t),
                }
            }
            if !inc.current_target.is_empty() && cur_targets.find(&inc.current_target).is_some() {
                cur_targets.current_target = inc.current_target;
            }
        }
        cur_targets.normalise();
    }
    if let Some(inc) = in_history {
        if replace {
            cur_history = inc;
        } else {
            for (app, h) in inc.apps {
                let slot = cur_history.apps.entry(app).or_default();
                if !h.current_release.is_empty() {
                    slot.current_release = h.current_release;
                }
                if !h.current_remote_dir.is_empty() {
                    slot.current_remote_dir = h.current_remote_dir;
                }
                if !h.updated_at.is_empty() {
                    slot.updated_at = h.updated_at;
                }
                for r in h.history {
                    if !slot.history.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
                        slot.history.push(r);
                    }
                }
                let n = slot.history.len();
                if n > deployments::HISTORY_CAP {
                    slot.history.drain(..n - deployments::HISTORY_CAP);
                }
                if slot.current_release.is_empty()
                    && let Some(last) = slot.history.last()
                {
                    slot.current_release = last.clone();
                }
            }
        }
    }
    if let Some(inc) = in_apps {
        if replace {
            cur_apps = inc;
        } else {
            for a in inc.apps {
                match cur_apps
                    .apps
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&a.name))
                {
                    Some(slot) => *slot = a,
                    None => cur_apps.apps.push(a),
                }
            }
        }
    }
    if let Some(inc) = in_mappings {
        if replace {
            cur_mappings = inc;
        } else {
            merge_mappings(&mut cur_mappings, inc);
        }
    }
    fsio::write_doc(&cd.targets(), &cur_targets)?;
    fsio::write_doc(&cd.deployments(), &cur_history)?;
    fsio::write_doc(&cd.apps(), &cur_apps)?;
    fsio::write_doc(&mappings_path(&cd), &cur_mappings)?;
    let mappings = cur_mappings["mappings"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    Ok(Report::ok()
        .field("context", cd.name())
        .field("path", input.display().to_string())
        .field("targets", cur_targets.targets.len())
        .field("deploy_apps", cur_history.apps.len())
        .field("webhook_mappings", mappings)
        .field("apps", cur_apps.apps.len())
        .field("replace", replace)
        .text(format!(
            "imported {} into context {} ({} targets, {} apps with history){}",
            input.display(),
            cd.name(),
            cur_targets.targets.len(),
            cur_history.apps.len(),
            if replace { ", replacing" } else { "" }
        )))
}

/// Upserts webhook mappings by (provider, repo, branch), case-insensitively.
fn merge_mappings(current: &mut Value, incoming: Value) {
    let key = |m: &Value| {
        ["provider", "repo", "branch"]
            .iter()
            .map(|k| {
                m.get(*k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase()
            })
            .collect::<Vec<_>>()
    };
    if !current.get("mappings").is_some_and(Value::is_array) {
        current["mappings"] = json!([]);
    }
    let Some(list) = current["mappings"].as_array_mut() else {
        return;
    };
    for m in incoming
        .get("mappings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let k = key(&m);
        match list.iter_mut().find(|c| key(c) == k) {
            Some(slot) => *slot = m,
            None => list.push(m),
        }
    }
}
