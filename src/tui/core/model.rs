//! What the console knows about each context: its policy, its doctor status and a snapshot
//! of its state as last read from disk, with the loaders that read them (the only I/O here).

use crate::error::PaasError;
use crate::ops::target_check::{self, CheckResult};
use crate::policy::guard::ContextPolicy;
use crate::state::events::{self, EventRecord};
use crate::state::settings::{self, GuardSettings};
use crate::state::targets::Target;
use crate::state::{ContextDir, StateRoot, apps, backups, context, deployments, targets};

/// How many recent events a context view keeps.
pub const EVENTS_KEPT: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum DoctorState {
    Pending,
    Ok,
    /// Every `block` check passes; these `warn` checks fail (they never block).
    Warn(Vec<String>),
    /// These `block` checks fail.
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
    /// Its si add-ons, by name.
    pub addons: Vec<AddonRow>,
    /// The registry entry (compose file, targets, health command), when registered.
    pub entry: Option<apps::App>,
    /// For an app si deploys blue/green: each target's active slot and its release.
    pub slots: Vec<SlotRow>,
}

/// One target's active blue/green slot, as si's `bluegreen.json` records it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotRow {
    pub target: String,
    pub slot: String,
    pub release: String,
}

/// An enabled add-on as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonRow {
    pub name: String,
    pub pack: String,
    pub version: String,
    pub service: String,
    pub bundle_file: String,
}

/// One catalogue row as the Backups pane shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackupRow {
    pub id: String,
    /// `app` or `state`.
    pub kind: String,
    /// The app's name, or `state`.
    pub app: String,
    pub target: String,
    pub created_at: String,
    pub size_bytes: Option<u64>,
    /// `Some(true)` verified, `Some(false)` failed its last verification, `None` never.
    pub verified: Option<bool>,
    /// The backup itself did not finish (no artifact).
    pub failed: bool,
    pub sha256: String,
    /// Why it failed, or what its last verification found.
    pub detail: String,
}

impl BackupRow {
    pub fn from_catalogue(b: &backups::BackupRow) -> BackupRow {
        BackupRow {
            id: b.id.to_string(),
            kind: b.kind.as_str().to_string(),
            app: b.subject(),
            target: b.target.as_deref().unwrap_or_default().to_string(),
            created_at: b.started_at.clone(),
            size_bytes: b.is_ok().then_some(b.bytes),
            verified: match b.verify {
                backups::VerifyState::Ok => Some(true),
                backups::VerifyState::Failed => Some(false),
                backups::VerifyState::Never => None,
            },
            failed: !b.is_ok(),
            sha256: b.sha256.clone(),
            detail: if b.is_ok() {
                b.verify_detail.clone()
            } else {
                b.error_message.clone()
            },
        }
    }

    /// The id's random part, which tells backups apart in the pane (the full id is in the
    /// detail view and every dialog).
    pub fn short_id(&self) -> &str {
        self.id.rsplit('-').next().unwrap_or(&self.id)
    }

    /// The verified column in words, so colour is never the only cue.
    pub fn verified_label(&self) -> &'static str {
        match (self.failed, self.verified) {
            (true, _) => "FAILED",
            (false, Some(true)) => "ok",
            (false, Some(false)) => "VERIFY FAILED",
            (false, None) => "never",
        }
    }
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
            let cd = root.context(&name);
            let (cfg, mut err) = match cd.as_ref().map_err(Clone::clone).and_then(context::load) {
                Ok(c) => (c, None),
                Err(e) => (None, Some(e)),
            };
            // paasdeck.json's guard settings count even when config.json cannot be read: a
            // read-only flag there must never be lost to a damaged or rewritten config.json.
            let guard = match cd
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|cd| settings::load(cd)?.guard())
            {
                Ok(g) => g,
                Err(e) => {
                    err.get_or_insert(e);
                    // Unreadable guard settings: the strictest reading.
                    GuardSettings {
                        read_only: Some(true),
                        ..Default::default()
                    }
                }
            };
            ContextView {
                policy: ContextPolicy::with_settings(&name, cfg.as_ref(), &guard),
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
    // A state restore interrupted after its commit point is finished before anything is read.
    if let Err(e) = cd.finish_interrupted_restore() {
        s_errors_push(&mut errors, e);
    }
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
    let addons = crate::state::addons::load(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    let bluegreen = crate::state::bluegreen::load(cd).unwrap_or_else(|e| {
        s_errors_push(&mut errors, e);
        Default::default()
    });
    s.apps = apps::known(&reg, &hist)
        .into_iter()
        .map(|k| {
            let name = k.name;
            let h = k.history.unwrap_or_default();
            let last_deploy = s
                .events
                .iter()
                .find(|e| {
                    matches!(
                        e.command.as_str(),
                        "deploy" | "rollback" | "deploy bluegreen"
                    ) && e.fields.get("app").and_then(|v| v.as_str()) == Some(name.as_str())
                })
                .map(|e| (e.status.clone(), e.timestamp.clone()));
            let slots = slots_of(&bluegreen, &tdoc, &name, &h);
            AppRow {
                slots,
                registered: k.entry.is_some(),
                entry: k.entry,
                current: h
                    .current_release
                    .as_ref()
                    .map(String::from)
                    .unwrap_or_default(),
                history: h.history.iter().rev().map(String::from).collect(),
                last_deploy,
                addons: crate::state::ids::AppName::parse(name.as_str())
                    .map(|a| {
                        addons
                            .for_app(&a)
                            .into_iter()
                            .map(|r| AddonRow {
                                bundle_file: r.bundle_file(),
                                name: r.name.to_string(),
                                pack: r.pack,
                                version: r.version.to_string(),
                                service: r.service.to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                name,
            }
        })
        .collect();
    match backups::load(cd) {
        Ok(doc) => {
            s.backups_catalogue = cd.backups().exists();
            s.backups = doc
                .newest_first()
                .into_iter()
                .map(BackupRow::from_catalogue)
                .collect();
        }
        Err(e) => s_errors_push(&mut errors, e),
    }
    s.errors = errors;
    s
}

/// The active slots of an app si runs blue/green (its current release is an active slot's).
fn slots_of(
    doc: &crate::state::bluegreen::BlueGreenDoc,
    tdoc: &targets::TargetsDoc,
    app: &str,
    h: &deployments::AppHistory,
) -> Vec<SlotRow> {
    let Some(current) = &h.current_release else {
        return Vec::new();
    };
    if !doc.is_active_release(app, current) {
        return Vec::new();
    }
    tdoc.targets
        .iter()
        .filter_map(|t| {
            let a = doc.active(app, &t.name)?;
            Some(SlotRow {
                target: t.name.to_string(),
                slot: a.slot.as_str().to_string(),
                release: a.release.to_string(),
            })
        })
        .collect()
}

fn s_errors_push(errors: &mut Vec<String>, e: PaasError) {
    errors.push(format!("error[{}]: {}", e.code, e.message));
}

/// What the task list shows about a task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSummary {
    pub id: u64,
    pub title: String,
    pub context: String,
    pub state: &'static str,
    pub elapsed: std::time::Duration,
    pub summary: String,
}
