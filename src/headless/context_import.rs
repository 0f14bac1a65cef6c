//! `context import`: a payload written by `context export` merged into (or replacing) a
//! context's targets, history, apps and webhook mappings. Every section is read with the rules of
//! the state file it becomes, so an import can never bring in what a hand edit could not.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::Invocation;
use super::context_cmd::{SCHEMA_VERSION, mappings_path};
use super::output::Report;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::{redact, separation};
use crate::state::apps::{self, AppsDoc};
use crate::state::deployments::{self, DeploymentsDoc};
use crate::state::fsio;
use crate::state::targets::{self, TargetsDoc};

fn import_error(msg: String) -> PaasError {
    PaasError::new(ErrorCode::InvalidArgument, "context_import", msg)
        .with_remediation("import a file written by `context export` (schema_version 1)")
}

/// One section of the payload, read with the same rules as the state file it becomes: a bad
/// name, id, host, port or path is refused naming its key path, never its value.
fn section<T: serde::de::DeserializeOwned + Default>(
    input: &Path,
    meta: &Map<String, Value>,
    key: &str,
) -> Result<Option<T>> {
    match meta.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_path_to_error::deserialize(v.clone())
            .map(Some)
            .map_err(|e| {
                let at = e.path().to_string();
                let at = if at == "." {
                    format!("metadata.{key}")
                } else {
                    format!("metadata.{key}.{at}")
                };
                import_error(format!(
                    "{}: {} is refused: {}",
                    input.display(),
                    crate::text::sanitize_inline(&at),
                    fsio::scrub_values(&e.into_inner().to_string())
                ))
            }),
    }
}

/// Imports into the named context, creating it first when it does not exist (as `si paas`
/// does, but with a `config.json`, so its type and guard are chosen: `--type`, else si's default
/// `internal-dogfood`). Nothing is created when the payload is refused.
pub(super) fn import(
    inv: &Invocation,
    input: &Path,
    replace: bool,
    kind: Option<&str>,
) -> Result<Report> {
    if let Some(k) = kind {
        crate::state::names::validate_context(&k.to_ascii_lowercase()).map_err(|_| {
            PaasError::usage("flag_validation", format!("invalid context type {k:?}"))
        })?;
    }
    let cd = inv.cd();
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
    if let Some(inc) = &in_targets {
        separation::refuse_shared_hosts(&cd, &inc.targets, "context_import")?;
    }

    let created = match crate::state::context::load(&cd)? {
        Some(cfg) => {
            if let Some(k) = kind
                && !k.eq_ignore_ascii_case(&cfg.kind())
            {
                return Err(PaasError::usage(
                    "context_import",
                    format!(
                        "context {} exists with type {}; --type {k} only applies to a context the import creates",
                        cd.name(),
                        cfg.kind()
                    ),
                )
                .with_remediation(format!(
                    "drop --type, or re-type the context with `paasdeck context init {} --type {k} --force`",
                    cd.name()
                )));
            }
            false
        }
        None => {
            let spec = crate::state::context::InitSpec {
                kind: kind.map(str::to_string),
                ..Default::default()
            };
            crate::state::context::init(&inv.root, &cd, &spec)?.created
        }
    };
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
            if let Some(c) = inc.current_target
                && cur_targets.find(&c).is_some()
            {
                cur_targets.current_target = Some(c);
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
                if h.current_release.is_some() {
                    slot.current_release = h.current_release;
                }
                if h.current_remote_dir.is_some() {
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
                if slot.current_release.is_none() {
                    slot.current_release = slot.history.last().cloned();
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
        .field("created", created)
        .text(format!(
            "imported {} into {}context {} ({} targets, {} apps with history){}",
            input.display(),
            if created { "the new " } else { "" },
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
