//! The console's stage model: what a context's stage looks like as last read, the operations
//! on it and the messages and work the reducer exchanges. It depends on no other console module,
//! so the action, app and op types can hold it without importing the stage reducer.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::cli::{ComponentsArg, StageCmd};
use crate::ops::stage::status::{StageStatus, StatusRow};
use crate::policy::guard::Verb;
use crate::state::stage::StageConfig;

/// One context's stage, as last read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageView {
    /// The validated stage object, or why it cannot be used; `None` when there is none.
    pub config: Option<Result<StageConfig, String>>,
    pub status: Option<StageStatus>,
    /// Why the last refresh failed.
    pub error: Option<String>,
    pub refreshing: bool,
    pub refreshed_at: Option<OffsetDateTime>,
}

impl StageView {
    pub fn config(&self) -> Option<&StageConfig> {
        self.config.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// The rows whose name, state, data policy, addresses or flags contain `filter`
    /// (case-insensitively; an empty filter keeps every row).
    pub fn visible_rows(&self, filter: &str) -> Vec<&StatusRow> {
        let f = filter.to_lowercase();
        self.status
            .as_ref()
            .map(|s| {
                s.rows
                    .iter()
                    .filter(|r| {
                        f.is_empty()
                            || [
                                &r.name,
                                &r.state,
                                &r.data,
                                &r.ipv4.join(","),
                                &r.flags.join(","),
                            ]
                            .iter()
                            .any(|p| p.to_lowercase().contains(&f))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Stage views by context name.
pub type Stages = HashMap<String, StageView>;

/// What a stage action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageAction {
    Clone,
    Start,
    Stop,
    Reset,
    /// The project, its network and default profile (`stage init`).
    Init,
    /// Every command `init` and `clone` would run now, read from the host (`stage plan`).
    Plan,
    /// Every instance of the project, its network and the project (`stage destroy --force`).
    Destroy,
    /// The stage object as written (`stage configure --show`).
    Show,
}

impl StageAction {
    /// Whether the action concerns the whole project rather than components.
    pub fn whole_project(self) -> bool {
        matches!(
            self,
            StageAction::Init | StageAction::Plan | StageAction::Destroy | StageAction::Show
        )
    }
}

/// A stage operation on the active context, with the lines its confirmation shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StageOp {
    pub action: StageAction,
    pub components: Vec<String>,
    pub lines: Vec<String>,
}

impl StageOp {
    pub fn verb(&self) -> Verb {
        match self.action {
            StageAction::Clone => Verb::StageClone,
            StageAction::Start => Verb::StageStart,
            StageAction::Stop => Verb::StageStop,
            StageAction::Reset => Verb::StageReset,
            StageAction::Init => Verb::StageInit,
            StageAction::Plan => Verb::StagePlan,
            StageAction::Destroy => Verb::StageDestroy,
            StageAction::Show => Verb::StageShow,
        }
    }

    /// The `stage` command this op runs: the one input of the stage verb, as headless builds it.
    pub fn input(&self) -> StageCmd {
        let components = ComponentsArg {
            components: (!self.components.is_empty()).then(|| self.components.join(",")),
        };
        match self.action {
            StageAction::Clone => StageCmd::Clone(components),
            StageAction::Start => StageCmd::Start(components),
            StageAction::Stop => StageCmd::Stop(components),
            StageAction::Reset => StageCmd::Reset {
                component: self.components.first().cloned().unwrap_or_default(),
            },
            StageAction::Init => StageCmd::Init,
            StageAction::Plan => StageCmd::Plan,
            // The guard's dialog is the console's confirmation.
            StageAction::Destroy => StageCmd::Destroy { force: true },
            StageAction::Show => StageCmd::Configure(crate::cli::ConfigureArgs {
                from_file: None,
                show: true,
                dry_run: false,
            }),
        }
    }

    pub fn title(&self) -> String {
        let verb = self.verb().command();
        match self.action {
            StageAction::Clone if self.components.is_empty() => verb.to_string(),
            a if a.whole_project() => verb.to_string(),
            _ => format!("{verb} {}", self.components.join(",")),
        }
    }
}

/// Messages for the reducer.
#[derive(Debug, Clone)]
pub enum StageMsg {
    /// The stage object was (re)read from `paasdeck.json`.
    Loaded {
        context: String,
        config: Option<Result<StageConfig, String>>,
    },
    /// `stage status` finished.
    Status {
        context: String,
        result: Result<StageStatus, String>,
    },
}

/// Work for the stage effects (`stage::effects::apply`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageFx {
    /// Run `stage status` for a context (an audited read of the host).
    Refresh(String),
    /// Read a context's stage object (the console opening on it; tab switches read it with the
    /// rest of the context).
    Load(String),
}
