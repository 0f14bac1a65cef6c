//! What the console knows about each context: its policy, its doctor status and a snapshot
//! of its state as last read from disk, with the loaders that read them (the only I/O here).

use crate::error::PaasError;
use crate::ops::target_check::{self, CheckResult};
use crate::policy::guard::ContextPolicy;
use crate::state::events::{self, EventRecord};
use crate::state::targets::Target;
use crate::state::{ContextDir, StateRoot, apps, backups, context, deployments, targets};

/// How many recent events a context view keeps.
pub const EVENTS_KEPT: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum DoctorState {
    Pending,
    Ok,
    Failed(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub target: Target,
    pub current: bool,
    pub check: Option<CheckResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    pub name: String,
    pub registered: bool,
    pub current: String,
    /// Newest first.
    pub history: Vec<String>,
    /// Status and time of the newest deploy/rollback event for the app.
    pub last_deploy: Option<(String, String)>,
    /// The registry entry (compose file, targets, health command), when registered.
    pub entry: Option<apps::App>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackupRow {
    pub id: String,
    pub app: String,
    pub created_at: String,
    pub size_bytes: Option<u64>,
    pub verified: Option<bool>,
}

/// One context's state as last read from disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub targets: Vec<TargetRow>,
    pub apps: Vec<AppRow>,
    /// Newest first.
    pub events: Vec<EventRecord>,
    pub backups: Vec<BackupRow>,
    pub backups_catalogue: bool,
    /// Files that could not be read (e.g. `PAAS_STATE_CORRUPT`), shown in the banner.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ContextView {
    pub name: String,
    pub policy: ContextPolicy,
    pub config_error: Option<PaasError>,
    pub snapshot: Option<Snapshot>,
    pub doctor: DoctorState,
}

/// Lists the contexts of the root and reads their configs (not their state).
pub fn load_contexts(root: &StateRoot) -> Result<Vec<ContextView>, PaasError> {
    Ok(root
        .list_contexts()?
        .into_iter()
        .map(|name| {
            let (cfg, err) = match root.context(&name).and_then(|cd| context::load(&cd)) {
                Ok(c) => (c, None),
                Err(e) => (None, Some(e)),
            };
            ContextView {
                policy: ContextPolicy::new(&name, cfg.as_ref()),
                name,
                config_error: err,
                snapshot: None,
                doctor: DoctorState::Pending,
            }
        })
        .collect())
}

/// Reads everything a context view shows. Never fails: unreadable files become `errors`.
pub fn load_snapshot(cd: &ContextDir) -> Snapshot {
    let mut s = Snapshot::default();
    let mut errors = Vec::new();
    let tdoc = targets::load(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    let checks = target_check::load_checks(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    s.targets = tdoc
        .targets
        .iter()
        .map(|t| TargetRow {
            target: t.clone(),
            current: tdoc.is_current(t),
            check: checks
                .targets
                .get(t.name.to_ascii_lowercase().as_str())
                .cloned(),
        })
        .collect();
    s.events = events::newest(cd, EVENTS_KEPT).rows;
    let reg = apps::load(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    let hist = deployments::load(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    let mut names: Vec<String> = reg.apps.iter().map(|a| a.name.to_string()).collect();
    for key in hist.apps.keys() {
        if !names
            .iter()
            .any(|n| deployments::app_key(n) == key.as_str())
        {
            names.push(key.to_string());
        }
    }
    s.apps = names
        .into_iter()
        .map(|name| {
            let h = hist.app(&name).cloned().unwrap_or_default();
            let last_deploy = s
                .events
                .iter()
                .find(|e| {
                    (e.command == "deploy" || e.command == "rollback")
                        && e.fields.get("app").and_then(|v| v.as_str()) == Some(name.as_str())
                })
                .map(|e| (e.status.clone(), e.timestamp.clone()));
            AppRow {
                registered: reg.find(&name).is_some(),
                entry: reg.find(&name).cloned(),
                current: h
                    .current_release
                    .as_ref()
                    .map(String::from)
                    .unwrap_or_default(),
                history: h.history.iter().rev().map(String::from).collect(),
                last_deploy,
                name,
            }
        })
        .collect();
    match backups::load(cd) {
        Ok(doc) => {
            s.backups_catalogue = cd.backups().exists();
            let mut rows: Vec<BackupRow> = doc
                .backups
                .into_iter()
                .map(|b| BackupRow {
                    id: b.id,
                    app: b.app,
                    created_at: b.created_at,
                    size_bytes: b.size_bytes,
                    verified: b.verified,
                })
                .collect();
            rows.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            s.backups = rows;
        }
        Err(e) => s_errors_push(&mut errors, e),
    }
    s.errors = errors;
    s
}

fn s_errors_push(errors: &mut Vec<String>, e: PaasError) {
    errors.push(format!("error[{}]: {}", e.code, e.message));
}
