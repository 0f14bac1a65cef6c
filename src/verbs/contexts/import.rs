//! `context import`: a payload written by `context export` merged into (or replacing) a
//! context's targets, history, apps and webhook mappings. Every section is read with the rules of
//! the state file it becomes, so an import can never bring in what a hand edit could not.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::super::{Outcome, Scope};
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::{redact, separation};
use crate::state::apps::{self, AppsDoc};
use crate::state::deployments::{self, DeploymentsDoc};
use crate::state::targets::{self, TargetsDoc};
use crate::state::{ContextDir, fsio};

/// The version of the export document `context export` writes and `context import` reads.
pub const SCHEMA_VERSION: u64 = 1;

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

/// What `context import` reads and how: merged into the context, or replacing its sections;
/// the type of a context the import creates.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportInput {
    pub input: PathBuf,
    pub replace: bool,
    pub kind: Option<String>,
}

/// The payload's sections, each read with the rules of its state file.
struct Sections {
    targets: Option<TargetsDoc>,
    history: Option<DeploymentsDoc>,
    apps: Option<AppsDoc>,
    mappings: Option<Value>,
}

/// Imports into the scope's context, creating it first when it does not exist (as `si paas`
/// does, but with a `config.json`, so its type and guard are chosen: `--type`, else si's default
/// `internal-dogfood`). Nothing is created when the payload is refused.
pub fn import(scope: &Scope, inp: &ImportInput) -> Result<Outcome> {
    let (input, replace) = (inp.input.as_path(), inp.replace);
    if let Some(k) = &inp.kind {
        crate::state::names::validate_context(&k.to_ascii_lowercase()).map_err(|_| {
            PaasError::usage("flag_validation", format!("invalid context type {k:?}"))
        })?;
    }
    let cd = scope.root.context(&scope.context)?;
    let incoming = read_payload(input)?;
    if let Some(inc) = &incoming.targets {
        separation::refuse_shared_hosts(&cd, &inc.targets, "context_import")?;
    }
    let created = ensure_context(scope, &cd, inp.kind.as_deref())?;
    let _lock = cd.lock()?;
    // Read everything first: a malformed document stops the import before any write.
    let mut cur_targets = targets::load(&cd)?;
    let mut cur_history = deployments::load(&cd)?;
    let mut cur_apps = apps::load(&cd)?;
    let mut cur_mappings: Value =
        fsio::read_json(&cd.webhook_mappings())?.unwrap_or_else(|| json!({"mappings": []}));
    if let Some(inc) = incoming.targets {
        if replace {
            cur_targets = inc;
        } else {
            merge_targets(&mut cur_targets, inc);
        }
        cur_targets.normalise();
    }
    if let Some(inc) = incoming.history {
        if replace {
            cur_history = inc;
        } else {
            merge_history(&mut cur_history, inc);
        }
    }
    if let Some(inc) = incoming.apps {
        if replace {
            cur_apps = inc;
        } else {
            upsert_by(&mut cur_apps.apps, inc.apps, |a| {
                a.name.to_ascii_lowercase()
            });
        }
    }
    if let Some(inc) = incoming.mappings {
        if replace {
            cur_mappings = inc;
        } else {
            merge_mappings(&mut cur_mappings, inc);
        }
    }
    fsio::write_doc(&cd.targets(), &cur_targets)?;
    fsio::write_doc(&cd.deployments(), &cur_history)?;
    fsio::write_doc(&cd.apps(), &cur_apps)?;
    fsio::write_doc(&cd.webhook_mappings(), &cur_mappings)?;
    let mappings = cur_mappings["mappings"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    Ok(Outcome::ok()
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

/// Reads and checks the payload: JSON, no secret-like key, schema version 1, each section
/// valid as the state file it becomes.
fn read_payload(input: &Path) -> Result<Sections> {
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
    Ok(Sections {
        targets: section(input, meta, "targets")?,
        history: section(input, meta, "deploy_history")?,
        apps: section(input, meta, "apps")?,
        mappings: section(input, meta, "webhook_mappings")?,
    })
}

/// Creates the context when it does not exist (of `kind`, else the default type); an existing
/// one of another type than `kind` is refused. Whether it was created.
fn ensure_context(scope: &Scope, cd: &ContextDir, kind: Option<&str>) -> Result<bool> {
    match crate::state::context::load(cd)? {
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
            Ok(false)
        }
        None => {
            let spec = crate::state::context::InitSpec {
                kind: kind.map(str::to_string),
                ..Default::default()
            };
            Ok(crate::state::context::init(&scope.root, cd, &spec)?.created)
        }
    }
}

/// Replaces each item of `current` that has the key of an incoming one (the first of that key),
/// appends the others, in order. One pass with an index by key, so a payload of many thousand
/// rows costs as much per row as a payload of ten.
fn upsert_by<T, K: Eq + Hash>(current: &mut Vec<T>, incoming: Vec<T>, key: impl Fn(&T) -> K) {
    let mut at: HashMap<K, usize> = HashMap::with_capacity(current.len() + incoming.len());
    for (i, c) in current.iter().enumerate() {
        at.entry(key(c)).or_insert(i);
    }
    for item in incoming {
        match at.entry(key(&item)) {
            Entry::Occupied(slot) => current[*slot.get()] = item,
            Entry::Vacant(slot) => {
                slot.insert(current.len());
                current.push(item);
            }
        }
    }
}

/// Targets by name, case-insensitively; the payload's current target when it is one of them.
fn merge_targets(current: &mut TargetsDoc, incoming: TargetsDoc) {
    upsert_by(&mut current.targets, incoming.targets, |t| {
        t.name.to_ascii_lowercase()
    });
    if let Some(c) = incoming.current_target
        && current.find(&c).is_some()
    {
        current.current_target = Some(c);
    }
}

/// Each app's history: the payload's releases not known yet appended (case-insensitively),
/// capped, the recorded current release and remote dir taken from the payload when it has one.
fn merge_history(current: &mut DeploymentsDoc, incoming: DeploymentsDoc) {
    for (app, h) in incoming.apps {
        let slot = current.apps.entry(app).or_default();
        if h.current_release.is_some() {
            slot.current_release = h.current_release;
        }
        if h.current_remote_dir.is_some() {
            slot.current_remote_dir = h.current_remote_dir;
        }
        if !h.updated_at.is_empty() {
            slot.updated_at = h.updated_at;
        }
        let mut known: HashSet<String> = slot
            .history
            .iter()
            .map(|r| r.to_ascii_lowercase())
            .collect();
        for r in h.history {
            if known.insert(r.to_ascii_lowercase()) {
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
    let incoming = incoming
        .get("mappings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    upsert_by(list, incoming, key);
}
