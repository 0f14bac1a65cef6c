//! The console's state: every context's view (loaded on first visit), focus, selections,
//! filters, the task log view and the open overlay. Plain data: rendering reads it, the
//! reducer changes it, nothing here does I/O.

use ratatui_textarea::TextArea;
use time::OffsetDateTime;

use super::keymap::Keymap;
pub use super::model::{
    AppRow, BackupRow, ContextView, DoctorState, EVENTS_KEPT, Snapshot, TargetRow, load_contexts,
    load_snapshot,
};
use super::pane::Pane;
use super::theme::Theme;
use crate::policy::guard::ConfirmLevel;
use crate::state::events::EventRecord;
use crate::state::{StateRoot, clock};
use crate::tui::core::op::Op;

pub use super::model::TaskSummary;

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
            // Long lines (a compose error, a stack trace) wrap unless `w` turns it off.
            wrap: true,
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

/// How long a message stays in the status line: an old error must not read as a new one.
pub const FLASH_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(8);

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
    /// When it was shown; it leaves at the first tick [`FLASH_SHOWN_FOR`] later.
    pub shown: std::time::Instant,
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
    /// The health timeout being edited (deploy plans only).
    pub health: Option<TextArea<'static>>,
}

impl Confirm {
    /// The guard's dialog for `op` in `context`: default No, nothing typed, at the top.
    pub fn new(op: Op, context: String, level: ConfirmLevel, lines: Vec<String>) -> Confirm {
        Confirm {
            op,
            context,
            level,
            lines,
            yes_focused: false,
            input: new_input("type the context name"),
            error: None,
            scroll: 0,
            health: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    AddTarget,
    /// Edit the target of this name (the name itself is not editable).
    EditTarget(String),
    Exec,
    ContextInit,
    AddApp,
    EditApp(String),
    SetSecret,
    /// Enable an add-on for this app.
    EnableAddon(String),
    /// Install the operator's key on this password target.
    Bootstrap(String),
    /// Acknowledge an alert (and so its incident), or an incident no alert leads to.
    Acknowledge {
        alert: Option<String>,
        incident: Option<String>,
    },
    /// Deny an agent's run (`agent deny`): the note.
    AgentDeny {
        run: String,
        agent: String,
    },
}

/// How a field takes its value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    /// Typed but never shown (a secret value).
    Masked,
    /// One of a list, chosen with ←/→.
    Choice {
        options: Vec<String>,
        index: usize,
    },
    /// Any of a list, ←/→ to move, Space to tick.
    Pick {
        options: Vec<(String, bool)>,
        cursor: usize,
    },
    /// Yes or no, Space toggles.
    Toggle(bool),
}

#[derive(Clone)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    pub input: TextArea<'static>,
}

impl Field {
    /// The value as the op will read it.
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text | FieldKind::Masked => self.input.lines().join("").trim().to_string(),
            FieldKind::Choice { options, index } => {
                options.get(*index).cloned().unwrap_or_default()
            }
            FieldKind::Pick { options, .. } => options
                .iter()
                .filter(|(_, on)| *on)
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(","),
            FieldKind::Toggle(on) => on.to_string(),
        }
    }

    /// A masked field keeps what was typed, untrimmed.
    pub fn raw(&self) -> String {
        self.input.lines().join("\n")
    }
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
            .map(Field::value)
            .unwrap_or_default()
    }

    pub fn field(&self, label: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.label == label)
    }
}

/// The history of an app, to pick a release to roll back to.
#[derive(Debug, Clone)]
pub struct History {
    pub app: String,
    /// Newest first.
    pub releases: Vec<String>,
    pub current: String,
    pub selected: usize,
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
    /// Every field of one event, wrapped and scrollable.
    Event {
        record: Box<EventRecord>,
        scroll: u16,
    },
    History(Box<History>),
    /// A target's settings and its last check.
    Target {
        name: String,
        scroll: u16,
    },
    /// Read-only lines (a backup, a task).
    Info {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    /// The variables of an app's compose file and whether each has a value.
    Secrets {
        app: String,
        rows: Vec<crate::ops::secrets::VarStatus>,
        selected: usize,
    },
    /// An app's si add-ons (from the snapshot), with enable and disable.
    Addons {
        app: String,
        selected: usize,
    },
    /// The weekly checklist of every context, side by side.
    Checklist(Box<crate::tui::features::oncall::model::ChecklistView>),
    /// The last doctor report of a context.
    Doctor {
        context: String,
        scroll: u16,
    },
    /// One incident, every field.
    Incident {
        context: String,
        id: String,
        scroll: u16,
    },
}

pub struct App {
    pub root: StateRoot,
    pub contexts: Vec<ContextView>,
    pub active: usize,
    pub focus: Pane,
    /// Selected row and filter per list pane, by [`Pane::index`] (the Tasks pane uses neither).
    pub selection: [usize; 6],
    pub filters: [String; 6],
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
    /// The last doctor report per context, for the report view.
    pub reports: std::collections::HashMap<String, crate::policy::doctor::DoctorReport>,
    /// Contexts with trouble (a failed operation, a doctor turning red) since last viewed.
    pub trouble: std::collections::HashMap<String, String>,
    /// The user keymap file, shown in help.
    pub keymap_path: Option<std::path::PathBuf>,
    /// Staging contexts' stage objects and instances.
    pub stages: crate::tui::features::stage::model::Stages,
    /// The All tab, the Incidents view and every context's incidents.
    pub oncall: crate::tui::features::oncall::model::OnCall,
    /// Where `vault keygen` would create the operator's identity, while there is none.
    pub identity_missing_at: Option<std::path::PathBuf>,
    /// The secret form waiting for `vault keygen`, with what was typed.
    pub after_keygen: Option<Box<Form>>,
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
            selection: [0; 6],
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
            reports: Default::default(),
            trouble: Default::default(),
            keymap_path: None,
            stages: Default::default(),
            oncall: Default::default(),
            identity_missing_at: None,
            after_keygen: None,
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
                                e.fields.get("app").and_then(|v| v.as_str()).unwrap_or(""),
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
                    .filter(|b| matches(f, &[&b.id, &b.app, &b.kind, b.verified_label()]))
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
            Pane::Instances => self
                .stages
                .get(&self.active_name())
                .map_or(0, |v| v.visible_rows(&self.filters[pane.index()]).len()),
            Pane::Log => 0,
        }
    }

    pub fn selected_target(&self) -> Option<&TargetRow> {
        self.visible_targets().get(self.selection[0]).copied()
    }

    pub fn selected_app(&self) -> Option<&AppRow> {
        self.visible_apps().get(self.selection[1]).copied()
    }

    /// Running tasks of the active context.
    pub fn running_tasks(&self) -> usize {
        let active = self.active_name();
        self.tasks
            .iter()
            .filter(|t| t.state == "running" && t.context == active)
            .count()
    }

    /// Running tasks per context (every context), in first-seen order.
    pub fn running_by_context(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for t in self.tasks.iter().filter(|t| t.state == "running") {
            match out.iter_mut().find(|(c, _)| *c == t.context) {
                Some((_, n)) => *n += 1,
                None => out.push((t.context.clone(), 1)),
            }
        }
        out
    }

    /// Running tasks in every context.
    pub fn running_everywhere(&self) -> usize {
        self.tasks.iter().filter(|t| t.state == "running").count()
    }

    pub fn selected_event(&self) -> Option<&EventRecord> {
        self.visible_events().get(self.selection[2]).copied()
    }

    pub fn selected_backup(&self) -> Option<&BackupRow> {
        self.visible_backups().get(self.selection[3]).copied()
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash = Some(Flash {
            level,
            text: text.into(),
            shown: std::time::Instant::now(),
        });
    }
}
