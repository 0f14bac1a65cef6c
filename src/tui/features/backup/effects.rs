//! Backup work for the console: the verbs of `verbs::backup`, as tasks whose log shows
//! progress (bytes and rate every two seconds while a dump streams); the audit row is the
//! verb's, the same as the CLI's.

use super::{BackupAction, BackupOp};
use crate::error::Result;
use crate::verbs::{self, Outcome, Scope, backup as vb};

/// Runs a backup op with the console's scope (the confirmation stands in for `--force`).
pub async fn execute(scope: &Scope, op: &BackupOp) -> Result<Outcome> {
    match &op.action {
        BackupAction::State => vb::state(scope).await,
        BackupAction::Run { app } => {
            let input = vb::RunInput {
                app: app.clone(),
                target: None,
                timeout: None,
            };
            vb::run(scope, &input).await
        }
        BackupAction::Verify { id, deep } => {
            vb::verify(scope, &vb::VerifyInput::of(id, *deep)).await
        }
        BackupAction::Restore { id, target } => {
            let input = vb::RestoreInput {
                from: id.clone(),
                target: target.clone(),
                force: true,
                timeout: None,
            };
            verbs::backup::restore(scope, &input).await
        }
        BackupAction::Prune { policy, apply } => vb::prune(
            scope,
            &vb::PruneInput {
                policy: *policy,
                apply: *apply,
            },
        ),
    }
}
