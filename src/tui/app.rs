//! The console's state: every context's view (loaded on first visit), focus, selections,
//! filters, the task log view and the open overlay. Plain data: rendering reads it, the
//! reducer changes it, nothing here does I/O except the loaders at the bottom.

use std::time::Duration;

use ratatui_textarea::TextArea;
use time::OffsetDateTime;

use super::action::{Op, Pane};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::error::PaasError;
use crate::ops::target_check::{self, CheckResult};
use crate::policy::guard::{ConfirmLevel, ContextPolicy};
use crate::state::events::{self, EventRecord};
use crate::state::targets::Target;
use crate::state::{ContextDir, StateRoot, apps, backups, clock, context, deployments, targets};

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

/// What the task list shows about a task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSummary {
    pub id: u64,
    pub title: String,
    pub context: String,
    pub state: &'static str,
    pub elapsed: Duration,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub task: Option<u64>,
    pub follow: bool,
    pub wrap: bool,
    /// First visible line when not following.
    pub scroll: usize,
    pub search: Option<String>,
    pub hit: Option<usize>,
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            task: None,
            follow: true,
            wrap: false,
            scroll: 0,
            search: None,
            hit: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub label: String,
    pub key: String,
    pub op: Op,
    /// Why it cannot run, if it cannot.
    pub disabled: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub op: Op,
    pub context: String,
    pub level: ConfirmLevel,
    pub lines: Vec<String>,
    pub yes_focused: bool,
    pub input: TextArea<'static>,
    pub error: Option<String>,
    /// First line of `lines` shown (long plans scroll).
    pub scroll: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    AddTarget,
    Exec,
    ContextInit,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub input: TextArea<'static>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
}

impl Form {
    pub fn value(&self, label: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.input.lines().join("").trim().to_string())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Palette {
        input: TextArea<'static>,
        message: Option<String>,
    },
    Filter {
        pane: Pane,
        input: TextArea<'static>,
    },
    Menu {
        title: String,
        items: Vec<MenuItem>,
        selected: usize,
    },
    Confirm(Box<Confirm>),
    Form(Box<Form>),
    QuitConfirm {
        running: usize,
    },
}

pub struct App {
    pub root: StateRoot,
    pub contexts: Vec<ContextView>,
    pub active: usize,
    pub focus: Pane,
    /// Selected row per list pane (Targets, Apps, Events, Backups).
    pub selection: [usize; 4],
    pub filters: [String; 4],
    pub log: LogView,
    pub overlay: Overlay,
    pub flash: Option<Flash>,
    pub write: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    pub warnings: Vec<String>,
    pub tasks: Vec<TaskSummary>,
    pub now: OffsetDateTime,
    pub size: (u16, u16),
    pub quit: bool,
}

pub fn new_input(placeholder: &str) -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_placeholder_text(placeholder.to_string());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t
}

fn matches(filter: &str, parts: &[&str]) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    parts.iter().any(|p| p.to_lowercase().contains(&f))
}

impl App {
    pub fn new(root: StateRoot, keymap: Keymap, theme: Theme, warnings: Vec<String>) -> App {
        App {
            root,
            contexts: Vec::new(),
            active: 0,
            focus: Pane::Targets,
            selection: [0; 4],
            filters: Default::default(),
            log: LogView::default(),
            overlay: Overlay::None,
            flash: None,
            write: false,
            keymap,
            theme,
            warnings,
            tasks: Vec::new(),
            now: clock::now(),
            size: (120, 40),
            quit: false,
        }
    }

    pub fn ctx(&self) -> Option<&ContextView> {
        self.contexts.get(self.active)
    }

    pub fn ctx_mut(&mut self) -> Option<&mut ContextView> {
        self.contexts.get_mut(self.active)
    }

    pub fn ctx_by_name_mut(&mut self, name: &str) -> Option<&mut ContextView> {
        self.contexts.iter_mut().find(|c| c.name == name)
    }

    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.ctx().and_then(|c| c.snapshot.as_ref())
    }

    pub fn active_name(&self) -> String {
        self.ctx().map(|c| c.name.clone()).unwrap_or_default()
    }

    pub fn visible_targets(&self) -> Vec<&TargetRow> {
        let f = &self.filters[0];
        self.snapshot()
            .map(|s| {
                s.targets
                    .iter()
                    .filter(|t| {
                        matches(
                            f,
                            &[
                                &t.target.name,
                                &t.target.address(),
                                &t.target.labels.join(","),
                                &t.target.auth_method,
                            ],
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn visible_apps(&self) -> Vec<&AppRow> {
        let f = &self.filters[1];
        self.snapshot()
            .map(|s| {
                s.apps
                    .iter()
                    .filter(|a| matches(f, &[&a.name, &a.current]))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn visible_events(&self) -> Vec<&EventRecord> {
        let f = &self.filters[2];
        self.snapshot()
            .map(|s| {
                s.events
                    .iter()
                    .filter(|e| {
                        matches(
                            f,
                            &[
                                &e.timestamp,
                                &e.source,
                                &e.command,
                                &e.status,
                                &e.severity,
                                &e.target,
                                &e.message,
                            ],
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn visible_backups(&self) -> Vec<&BackupRow> {
        let f = &self.filters[3];
        self.snapshot()
            .map(|s| {
                s.backups
                    .iter()
                    .filter(|b| matches(f, &[&b.id, &b.app]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rows in a list pane after filtering.
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Targets => self.visible_targets().len(),
            Pane::Apps => self.visible_apps().len(),
            Pane::Events => self.visible_events().len(),
            Pane::Backups => self.visible_backups().len(),
            Pane::Log => 0,
        }
    }

    pub fn selected_target(&self) -> Option<&TargetRow> {
        self.visible_targets().get(self.selection[0]).copied()
    }

    pub fn selected_app(&self) -> Option<&AppRow> {
        self.visible_apps().get(self.selection[1]).copied()
    }

    pub fn running_tasks(&self) -> usize {
        self.tasks.iter().filter(|t| t.state == "running").count()
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash = Some(Flash {
            level,
            text: text.into(),
        });
    }
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
                    app: b.subject(),
                    id: b.id.to_string(),
                    created_at: b.started_at,
                    size_bytes: Some(b.bytes),
                    verified: match b.verify {
                        backups::VerifyState::Ok => Some(true),
                        backups::VerifyState::Failed => Some(false),
                        backups::VerifyState::Never => None,
                    },
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
