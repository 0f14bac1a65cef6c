//! The palette's deploys, rollbacks, logs, backups, stage and on-call commands: every flag
//! carried into the verb's input, or refused by name.

use super::words::{PaletteCmd, flag_value, headless_only};
use crate::cli::{AlertCmd, Command, DeploySub, IncidentCmd, LockCmd, StageCmd};
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;
use crate::tui::core::op::Op;
use crate::tui::features::stage::StageAction;

/// The operations of deploys, backups, stage and on-call typed in the palette, and the
/// refusal, with the exact headless command, of a command without a console action.
pub(super) fn operation_cmd(
    app: &App,
    words: &[String],
    cmd: Command,
) -> Result<PaletteCmd, String> {
    let done = match cmd {
        Command::Backup(b) => {
            return Ok(match backup_op(app, b, words)? {
                Some(op) => PaletteCmd::Op(Op::Backup(op)),
                None => PaletteCmd::BackupsFilter(backup_filter(words)),
            });
        }
        Command::Deploy(_) | Command::Rollback(_) | Command::Logs(_) => {
            deploy_op(&cmd)?.map(PaletteCmd::Op)
        }
        Command::Check(_) | Command::Alert(_) | Command::Incident(_) => oncall_cmd(words, &cmd)?,
        Command::Stage(ref c) if crate::tui::features::stage::shows_instances(app) => {
            stage_cmd(app, c)?
        }
        _ => None,
    };
    done.ok_or_else(|| headless_only(app, words, &cmd))
}

/// How many alerts the console's view shows without `--limit` (the CLI's default is 20).
const ALERT_HISTORY_VIEW: usize = 50;

/// `check`, `alert …` and `incident …` typed in the palette; `None`: no console action.
fn oncall_cmd(words: &[String], cmd: &Command) -> Result<Option<PaletteCmd>, String> {
    Ok(Some(PaletteCmd::Op(match cmd {
        Command::Check(c) => Op::Check(crate::verbs::oncall::HealthInput::from_args(c)),
        Command::Alert(AlertCmd::Test { severity, message }) => Op::AlertTest {
            severity: severity.clone(),
            message: message.clone(),
        },
        Command::Alert(AlertCmd::Acknowledge { id, note }) => Op::AlertAcknowledge {
            id: id.clone(),
            note: note.clone(),
        },
        Command::Alert(AlertCmd::History { limit, severity }) => {
            if severity.is_some() {
                return Err(
                    "alert history --severity: the console's view shows the last alerts of every severity; run it headless to narrow it"
                        .into(),
                );
            }
            let given = words
                .iter()
                .any(|w| w == "--limit" || w.starts_with("--limit="));
            Op::AlertHistory(crate::verbs::oncall::HistoryInput {
                limit: if given {
                    *limit as usize
                } else {
                    ALERT_HISTORY_VIEW
                },
                severity: None,
            })
        }
        Command::Incident(IncidentCmd::List {
            status,
            all_contexts,
        }) => {
            if status.is_some() || *all_contexts {
                return Err(
                    "incident list --status/--all-contexts: the console's Incidents view lists every incident of every context; run it headless to narrow it"
                        .into(),
                );
            }
            return Ok(Some(PaletteCmd::Cmd(Cmd::Incidents)));
        }
        Command::Incident(IncidentCmd::Show { id }) => {
            return Ok(Some(PaletteCmd::Incident(id.clone())));
        }
        Command::Incident(IncidentCmd::Resolve { id, note }) => Op::IncidentResolve {
            id: id.clone(),
            note: note.clone().unwrap_or_default(),
        },
        Command::Incident(IncidentCmd::Acknowledge { id, note }) => Op::IncidentAcknowledge {
            id: id.clone(),
            note: note.clone().unwrap_or_default(),
        },
        _ => return Ok(None),
    })))
}

/// `stage …` typed in the palette where the Instances pane shows; `None`: no console action.
fn stage_cmd(app: &App, cmd: &StageCmd) -> Result<Option<PaletteCmd>, String> {
    use crate::tui::features::stage::op_for;
    if let StageCmd::Shell { component } = cmd {
        let input = crate::verbs::shell::ShellInput::Stage {
            component: component.clone(),
        };
        return Ok(Some(PaletteCmd::Op(crate::tui::features::shell::op(
            app, input,
        )?)));
    }
    Ok(Some(PaletteCmd::Op(Op::Stage(match cmd {
        StageCmd::Status => return Ok(Some(PaletteCmd::Cmd(Cmd::StageRefresh))),
        StageCmd::Clone(c) => op_for(app, StageAction::Clone, &c.names())?,
        StageCmd::Start(c) => op_for(app, StageAction::Start, &c.names())?,
        StageCmd::Stop(c) => op_for(app, StageAction::Stop, &c.names())?,
        StageCmd::Reset { component } => {
            op_for(app, StageAction::Reset, std::slice::from_ref(component))?
        }
        StageCmd::Init => op_for(app, StageAction::Init, &[])?,
        StageCmd::Plan => op_for(app, StageAction::Plan, &[])?,
        // As headless: a destroy names --force (and the guard's dialog still asks).
        StageCmd::Destroy { force: false } => {
            return Err(
                "`stage destroy` deletes every instance of the staging project, its network and the project; pass --force"
                    .into(),
            );
        }
        StageCmd::Destroy { force: true } => op_for(app, StageAction::Destroy, &[])?,
        StageCmd::Configure(a) if a.show && a.from_file.is_none() => {
            op_for(app, StageAction::Show, &[])?
        }
        _ => return Ok(None),
    }))))
}

/// `deploy …`, `rollback …` and `logs …` typed in the palette: every flag carried into the
/// verb's input, or refused by name; `None`: no console action (`deploy lock acquire`).
fn deploy_op(cmd: &Command) -> Result<Option<Op>, String> {
    use crate::verbs::deploy as vd;
    Ok(Some(match cmd {
        Command::Deploy(d) => match &d.sub {
            None => Op::Deploy(vd::DeployInput::from_args(d).map_err(|e| e.message)?),
            Some(DeploySub::Lock(LockCmd::Status { app: Some(_) })) => {
                return Err(
                    "deploy lock status --app: the console lists the lock of every app; leave --app out"
                        .into(),
                );
            }
            Some(DeploySub::Lock(LockCmd::Status { app: None })) => Op::LockStatus,
            Some(DeploySub::Lock(LockCmd::Release { app, force })) => Op::LockRelease {
                app: app.clone(),
                force: *force,
            },
            Some(DeploySub::Lock(LockCmd::Acquire { .. })) => return Ok(None),
            Some(DeploySub::Reconcile(r)) => Op::Reconcile(vd::ReconcileInput::from_args(r)),
        },
        Command::Rollback(r) => {
            Op::Rollback(vd::RollbackInput::from_args(r).map_err(|e| e.message)?)
        }
        Command::Logs(l) => Op::Logs(crate::verbs::logs::LogsInput::from_args(l)),
        _ => return Ok(None),
    }))
}

/// The filter `backup list --app A` / `--kind K` means.
fn backup_filter(words: &[String]) -> String {
    flag_value(words, "--app")
        .or_else(|| flag_value(words, "--kind"))
        .unwrap_or_default()
        .to_string()
}

/// `backup …` typed in the palette; `None` for `backup list` (the pane itself).
fn backup_op(
    app: &App,
    b: crate::cli::BackupCmd,
    words: &[String],
) -> Result<Option<crate::tui::features::backup::BackupOp>, String> {
    use crate::cli::BackupCmd;
    use crate::tui::features::backup as bk;
    if matches!(b, BackupCmd::Run(_) | BackupCmd::Restore(_))
        && flag_value(words, "--timeout").is_some()
    {
        return Err(
            "--timeout: the console runs backups and restores with the default time limit (6h); run it headless for another"
                .into(),
        );
    }
    Ok(Some(match b {
        BackupCmd::State => bk::state_op(),
        BackupCmd::Run(r) => {
            if r.target.is_some() {
                return Err(
                    "the console backs up on the app's first target; run --target headless".into(),
                );
            }
            bk::run_op(app, r.app)
        }
        BackupCmd::List { .. } => return Ok(None),
        BackupCmd::Verify(v) => {
            let id = match v.id {
                Some(id) => id,
                None => app
                    .visible_backups()
                    .into_iter()
                    .filter(|r| !r.failed)
                    .filter(|r| v.kind.is_none_or(|k| r.kind == k.kind().as_str()))
                    .find(|r| {
                        v.app
                            .as_ref()
                            .is_none_or(|a| r.kind == "app" && r.app == *a)
                    })
                    .map(|r| r.id.clone())
                    .ok_or("no finished backup matches --latest")?,
            };
            bk::verify_op(bk::find(app, &id)?, v.deep)
        }
        BackupCmd::Restore(r) => bk::restore_op(app, bk::find(app, &r.from)?, r.target)?,
        BackupCmd::Prune(p) => bk::prune_op(
            crate::ops::backup::prune::policy(p.keep_daily, p.keep_weekly, p.keep_monthly)
                .map_err(|e| e.message)?,
            p.apply,
        ),
    }))
}
