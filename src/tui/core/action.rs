//! Everything the console can be asked to do, as data. Key presses, mouse events, palette
//! commands and async results become [`Action`]s; the reducer answers with [`Effect`]s, the
//! work to run outside it. Operations themselves are [`Op`]s (see `op.rs`).

use crossterm::event::{KeyEvent, MouseEvent};

use crate::ops::target_check::CheckResult;
use crate::policy::doctor::DoctorReport;
use crate::policy::guard::Verb;
use crate::state::events::EventRecord;

use super::keymap::Cmd;
use super::model::{ContextView, Snapshot};
pub use super::pane::Pane;
pub use crate::tui::core::op::{Op, Planned};

/// Inputs to the reducer.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Text pasted into the terminal (bracketed paste), whole.
    Paste(String),
    /// A named command (from the keymap, the menu or the palette).
    Command(Cmd),
    /// Ask for an operation: the guard decides.
    Request(Op),
    /// The list of contexts was read again (a context was created).
    ContextsLoaded(Vec<ContextView>),
    /// Switch to a context's tab (one just created).
    SwitchTo(String),
    /// A context's state was (re)loaded.
    Loaded {
        context: String,
        snapshot: Box<Snapshot>,
    },
    /// New event rows appended to a context's files, oldest first.
    EventsAppended {
        context: String,
        rows: Vec<EventRecord>,
    },
    /// Every context's weekly checklist, read.
    ChecklistDone(Vec<crate::ops::checklist::ContextChecklist>),
    DoctorDone {
        context: String,
        report: Box<DoctorReport>,
    },
    /// A target check finished (the pane shows the last result).
    Checked {
        context: String,
        results: Vec<CheckResult>,
    },
    /// A deploy or rollback was planned; confirm (at this level) or run it.
    Planned {
        planned: Planned,
        confirm: Option<crate::policy::guard::ConfirmLevel>,
    },
    /// The variables of an app and where each has a value (never a value).
    SecretsListed {
        context: String,
        app: String,
        rows: Vec<crate::ops::secrets::VarStatus>,
    },
    /// Something to tell the operator in the footer.
    Notice {
        error: bool,
        text: String,
    },
    /// The stage object or the staging project's status of a context.
    Stage(crate::tui::features::stage::model::StageMsg),
    /// Every context's newest events, merged, for the All tab.
    AllLoaded(Vec<crate::tui::features::oncall::model::ContextEvent>),
    /// A context's incident queue was read.
    IncidentsLoaded {
        context: String,
        entries: Vec<crate::state::incidents::Entry>,
    },
    /// A context's agent runs waiting for approval were read.
    ProposalsLoaded {
        context: String,
        proposals: Vec<crate::tui::features::oncall::model::Proposal>,
    },
    /// Read-only lines to show (a view op's result).
    ShowInfo {
        context: String,
        title: String,
        lines: Vec<String>,
    },
    /// Where `vault keygen` would create the operator's identity, when there is none yet
    /// (`None`: there is one, or none can be made there).
    IdentityProbed(Option<std::path::PathBuf>),
    /// `vault keygen` ran: what it created and where (never the secret key), or why not.
    Keygen(Result<Vec<String>, String>),
    /// What the task runner holds now (states, elapsed times, results), read before a key is
    /// handled (the quit question counts running tasks) and before a frame is drawn.
    Tasks(Vec<super::model::TaskSummary>),
    /// The wall clock before a frame is drawn (ages are shown from it).
    Clock(time::OffsetDateTime),
    /// Another process changed what a context's doctor reads (or that context's events).
    DoctorInputChanged(String),
    /// These contexts' incident queues were rewritten.
    IncidentsChanged(Vec<String>),
    /// The shown context's files changed, or its tab is shown again: read it again.
    ContextChanged(String),
    /// A signal (hang-up, terminate, interrupt, quit) or the terminal going away: quit now.
    Stop,
    /// An operation started as this task: the log pane follows it.
    TaskStarted(u64),
    /// The search of the focused task's log found this line (`None`: no line matches).
    LogSearched(Option<usize>),
    /// Time passed (ages, running timers, old messages): the instant it is now.
    Tick(std::time::Instant),
    /// A confirmed shell's connection is open: the terminal can be handed to it.
    ShellReady(Box<crate::tui::features::shell::model::ReadyShell>),
}

/// Work the reducer asks for; run outside it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make the plan of a deploy or rollback, then come back with [`Action::Planned`].
    Plan {
        context: String,
        op: Op,
        confirm: Option<crate::policy::guard::ConfirmLevel>,
    },
    Run {
        context: String,
        op: Op,
    },
    /// Record a refused action in the context's audit log.
    AuditRefusal {
        context: String,
        verb: Verb,
        error: crate::error::PaasError,
    },
    Load(String),
    /// Read every named context's newest events for the All tab.
    LoadAll(Vec<String>),
    /// Read these contexts' incident queues.
    LoadIncidents(Vec<String>),
    Doctor(String),
    /// Read every context's weekly checklist (answered by [`Action::ChecklistDone`]).
    Checklist,
    SetTitle(String),
    CancelTask(u64),
    CancelAll,
    /// Stage work (reading the staging project).
    Stage(crate::tui::features::stage::model::StageFx),
    /// Look whether the operator has a vault identity (answered by [`Action::IdentityProbed`]).
    ProbeIdentity,
    /// Move to the next (or previous) line of the focused task matching the search.
    SearchLog {
        forward: bool,
    },
    /// Hand the terminal to a shell until it exits (run by the loop, which owns the terminal).
    Shell(Box<crate::tui::features::shell::model::ReadyShell>),
    Quit,
}
