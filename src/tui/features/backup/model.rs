//! The console's backup operations as data: what each does and the lines its confirmation
//! shows. It depends on no other console module, so the op type can hold it without importing
//! the backup reducer.

use crate::ops::backup::prune::Policy;
use crate::policy::guard::Verb;

/// What a backup operation does.
#[derive(Debug, Clone, PartialEq)]
pub enum BackupAction {
    State,
    Run { app: String },
    Verify { id: String, deep: bool },
    Restore { id: String, target: Option<String> },
    Prune { policy: Policy, apply: bool },
}

/// A backup operation on the active context, with the lines its confirmation shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupOp {
    pub action: BackupAction,
    pub lines: Vec<String>,
}

impl BackupOp {
    pub fn verb(&self) -> Verb {
        match &self.action {
            BackupAction::State => Verb::BackupState,
            BackupAction::Run { .. } => Verb::BackupRun,
            BackupAction::Verify { .. } => Verb::BackupVerify,
            BackupAction::Restore { .. } => Verb::BackupRestore,
            // Only removing anything is destructive; the plan is a read of the catalogue.
            BackupAction::Prune { apply: false, .. } => Verb::BackupList,
            BackupAction::Prune { apply: true, .. } => Verb::BackupPrune,
        }
    }

    pub fn title(&self) -> String {
        match &self.action {
            BackupAction::State => "backup state".into(),
            BackupAction::Run { app } => format!("backup run {app}"),
            BackupAction::Verify { id, deep } => {
                format!("backup verify {id}{}", if *deep { " --deep" } else { "" })
            }
            BackupAction::Restore { id, .. } => format!("backup restore {id}"),
            BackupAction::Prune { apply: false, .. } => "backup prune (plan)".into(),
            BackupAction::Prune { apply: true, .. } => "backup prune --apply".into(),
        }
    }
}
