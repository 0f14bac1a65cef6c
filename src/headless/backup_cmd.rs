//! `backup state|run|list|verify|restore|prune` (SPEC §12): args → the verb's input; a dump's
//! or restore's progress on stderr in text mode, named by its target.

use std::sync::Arc;

use super::Invocation;
use super::output::Report;
use super::remote_cmd::{print_prefixed, run_verb};
use crate::cli::BackupCmd;
use crate::error::Result;
use crate::ops::target_exec::TargetLineSink;
use crate::remote::Stream;
use crate::verbs::backup as vb;

pub fn run(inv: &Invocation, cmd: &BackupCmd) -> Result<Report> {
    let lines = Some(progress(inv.json));
    match cmd {
        BackupCmd::State => run_verb(inv, None, |scope| async move { vb::state(&scope).await }),
        BackupCmd::Run(a) => {
            let input = vb::RunInput::from_args(a);
            run_verb(
                inv,
                lines,
                |scope| async move { vb::run(&scope, &input).await },
            )
        }
        BackupCmd::List { app, kind } => run_verb(inv, None, |scope| async move {
            vb::list(&scope, app.as_deref(), kind.map(|k| k.kind()))
        }),
        BackupCmd::Verify(a) => {
            let input = vb::VerifyInput::from_args(a);
            run_verb(inv, None, |scope| async move {
                vb::verify(&scope, &input).await
            })
        }
        BackupCmd::Restore(a) => {
            let input = vb::RestoreInput::from_args(a);
            run_verb(inv, lines, |scope| async move {
                vb::restore(&scope, &input).await
            })
        }
        BackupCmd::Prune(a) => {
            let input = vb::PruneInput::from_args(a)?;
            run_verb(inv, None, |scope| async move { vb::prune(&scope, &input) })
        }
    }
}

/// Progress and the remote command's stderr, on stderr in text mode only.
pub(super) fn progress(json: bool) -> TargetLineSink {
    Arc::new(move |label, stream, line| {
        let stream = match stream {
            Stream::Stdout => Stream::Stderr,
            s => s,
        };
        print_prefixed(json, label.len(), label, stream, line);
    })
}
