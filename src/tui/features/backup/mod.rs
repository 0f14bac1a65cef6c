//! The console's side of backups (SPEC §12): `b` backs up the selected app (or the state),
//! `v` verifies and `r` restores the selected backup, each an operation through the one
//! guard, with the lines its confirmation shows built from the catalogue row (the restore
//! dialog names the backup, its checksum, its age and the target). This file is the pure part;
//! the work runs in [`effects`](crate::tui::features::backup::effects) through the same `ops::backup`
//! functions as the CLI.

pub mod effects;
#[cfg(test)]
mod effects_tests;
pub mod model;
pub mod view;

pub use model::{BackupAction, BackupOp};

use crate::ops::backup::prune::Policy;
use crate::state::clock;
use crate::tui::core::action::{Effect, Op, Pane};
use crate::tui::core::app::{App, FlashLevel, MenuItem};
use crate::tui::core::keymap::Cmd;
use crate::tui::core::model::BackupRow;

fn age(app: &App, at: &str) -> String {
    clock::parse(at)
        .map(|t| format!("{} ago", clock::age(t, app.now)))
        .unwrap_or_else(|| "at an unknown time".into())
}

fn size(b: &BackupRow) -> String {
    b.size_bytes
        .map(crate::text::human_bytes)
        .unwrap_or_else(|| "-".into())
}

/// `b`: the selected app in the Apps pane, the selected backup's app (or state) in the
/// Backups pane, the context's state anywhere else.
pub fn backup_op(app: &App) -> BackupOp {
    let subject = match app.focus {
        Pane::Apps => app.selected_app().map(|a| a.name.clone()),
        Pane::Backups => app
            .selected_backup()
            .filter(|b| b.kind == "app")
            .map(|b| b.app.clone()),
        _ => None,
    };
    match subject {
        Some(name) => run_op(app, name),
        None => state_op(),
    }
}

/// A backup of the context's state.
pub fn state_op() -> BackupOp {
    BackupOp {
        action: BackupAction::State,
        lines: vec![
            "archive this context's state: config, targets, apps, deployments, events, release metadata".into(),
            "never the vault; encrypted with age into the store and catalogued".into(),
        ],
    }
}

/// A backup of an app's data on its first target.
pub fn run_op(app: &App, name: String) -> BackupOp {
    let entry = app
        .snapshot()
        .and_then(|s| s.apps.iter().find(|a| a.name == name))
        .and_then(|a| a.entry.clone());
    let (cmd, target) = entry
        .map(|e| {
            (
                e.backup_cmd.clone(),
                e.targets.first().map(|t| t.to_string()).unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    BackupOp {
        lines: vec![
            format!(
                "back up app {name} on {}: run its backup command in the current release",
                if target.is_empty() { "its first target" } else { &target }
            ),
            format!(
                "  $ {}",
                if cmd.is_empty() { "(none registered: the backup will be refused)" } else { &cmd }
            ),
            "the dump streams through sha256 and age (your identity and the context's backup_recipients) into the store; nothing plaintext on local disk".into(),
        ],
        action: BackupAction::Run { app: name },
    }
}

/// A verification of a catalogued backup.
pub fn verify_op(b: &BackupRow, deep: bool) -> BackupOp {
    BackupOp {
        lines: vec![format!(
            "verify backup {}: re-hash its artifact against the catalogue ({}){}",
            b.id,
            size(b),
            if deep {
                ", then decrypt it and compare the plaintext checksum"
            } else {
                ""
            }
        )],
        action: BackupAction::Verify {
            id: b.id.clone(),
            deep,
        },
    }
}

/// A prune of the catalogue by `policy`; without `apply`, only the plan.
pub fn prune_op(policy: Policy, apply: bool) -> BackupOp {
    BackupOp {
        lines: vec![
            format!(
                "keep the newest backup of each of the last {} days, {} weeks and {} months, per app and for state",
                policy.daily, policy.weekly, policy.monthly
            ),
            if apply {
                "remove every other backup: its catalogue row, then its artifact".into()
            } else {
                "plan only: nothing is removed".into()
            },
        ],
        action: BackupAction::Prune { policy, apply },
    }
}

/// A backup of the active context by id, as the pane lists it.
pub fn find<'a>(app: &'a App, id: &str) -> Result<&'a BackupRow, String> {
    app.snapshot()
        .and_then(|s| s.backups.iter().find(|b| b.id == id))
        .ok_or_else(|| format!("backup {id} is not in this context's catalogue"))
}

/// `v` and `r` on the selected backup.
pub fn selected_op(app: &App, verify: bool) -> Result<BackupOp, String> {
    let b = app
        .selected_backup()
        .ok_or("no backup selected (the Backups pane lists them)")?;
    if verify {
        return usable(b).map(|b| verify_op(b, false));
    }
    restore_op(app, b, None)
}

fn usable(b: &BackupRow) -> Result<&BackupRow, String> {
    if b.failed {
        return Err(format!(
            "backup {} did not finish, there is no artifact: {}",
            b.id, b.detail
        ));
    }
    Ok(b)
}

/// A restore from a catalogued backup: the dialog names the backup, its checksum, its age
/// and the target.
pub fn restore_op(app: &App, b: &BackupRow, target: Option<String>) -> Result<BackupOp, String> {
    let b = usable(b)?;
    let mut lines = vec![
        format!("restore backup {} ({} {})", b.id, b.kind, b.app),
        format!("sha256 {}", b.sha256),
        format!(
            "taken {} ({}), {}",
            b.created_at,
            age(app, &b.created_at),
            size(b)
        ),
    ];
    if b.kind != "app" && target.is_some() {
        return Err(
            "--target applies to app backups; a state backup restores this context's files".into(),
        );
    }
    let target = target.or_else(|| {
        (b.kind == "app")
            .then(|| b.target.clone())
            .filter(|t| !t.is_empty())
    });
    if b.kind == "app" {
        let cmd = app
            .snapshot()
            .and_then(|s| s.apps.iter().find(|a| a.name == b.app))
            .and_then(|a| a.entry.as_ref())
            .map(|e| e.restore_cmd.clone())
            .unwrap_or_default();
        lines.push(format!(
            "target {}: the decrypted dump streams into the app's restore command",
            target.as_deref().unwrap_or("the app's first target")
        ));
        lines.push(format!(
            "  $ {}",
            if cmd.is_empty() {
                "(none registered: the restore will be refused)"
            } else {
                &cmd
            }
        ));
    } else {
        lines.push(
            "target this context's state files (config, targets, apps, deployments, events, release metadata); the vault is not touched".into(),
        );
    }
    lines.push("the artifact is verified first: a mismatch refuses and names the newest good backup; the doctor runs after".into());
    Ok(BackupOp {
        action: BackupAction::Restore {
            id: b.id.clone(),
            target,
        },
        lines,
    })
}

fn request_op(app: &mut App, op: Result<BackupOp, String>) -> Vec<Effect> {
    match op {
        Ok(op) => crate::tui::overlays::confirm::request::request(app, Op::Backup(op)),
        Err(why) => {
            app.flash(FlashLevel::Warn, why);
            Vec::new()
        }
    }
}

/// The backup keys.
pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    match cmd {
        Cmd::Backup => {
            let op = backup_op(app);
            request_op(app, Ok(op))
        }
        Cmd::BackupVerify => {
            let op = selected_op(app, true);
            request_op(app, op)
        }
        Cmd::BackupRestore => {
            let op = selected_op(app, false);
            request_op(app, op)
        }
        _ => Vec::new(),
    }
}

/// The action menu of the Backups pane; returns its title.
pub fn menu(app: &App, items: &mut Vec<MenuItem>) -> String {
    let key = |c: Cmd| {
        app.keymap
            .keys_for(c)
            .first()
            .map(|k| k.label())
            .unwrap_or_default()
    };
    let sel = app.selected_backup().map(|b| b.id.clone());
    for (verify, c, label) in [
        (true, Cmd::BackupVerify, "verify"),
        (false, Cmd::BackupRestore, "restore from"),
    ] {
        let (op, disabled) = match selected_op(app, verify) {
            Ok(o) => (o, None),
            Err(why) => (
                BackupOp {
                    action: BackupAction::State,
                    lines: Vec::new(),
                },
                Some(why),
            ),
        };
        items.push(MenuItem {
            label: format!("{label} {}", sel.clone().unwrap_or_default()),
            key: key(c),
            op: Op::Backup(op),
            disabled,
        });
    }
    let op = backup_op(app);
    items.push(MenuItem {
        label: op
            .title()
            .replace("backup run", "back up app")
            .replace("backup state", "back up the state"),
        key: key(Cmd::Backup),
        op: Op::Backup(op),
        disabled: None,
    });
    match sel {
        Some(s) => format!("backup {s}"),
        None => "backups".into(),
    }
}
