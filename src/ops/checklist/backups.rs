//! `latest_backup_verified` as the weekly checklist asks it: the newest finished backup of
//! state and of every app with a `backup_cmd` must exist, and its artifact's sha256 is
//! recomputed now (a recorded "verified" is not trusted: a tampered artifact of the same size
//! fails here before anyone runs `backup verify`). No backup fails.

use super::{BACKUP, Item, item};
use crate::ops::backup::verify::{self, Finding};
use crate::policy::doctor::fix::Fixer;
use crate::state::apps;
use crate::state::backups::{self, BackupGroup};
use crate::state::paths::ContextDir;

/// The item, and the required backups whose artifact is missing or fails its checksum (what
/// `check` escalates).
pub struct BackupItem {
    pub item: Item,
    pub checksum_failures: Vec<String>,
}

fn take_one(group: &BackupGroup, fixer: &Fixer) -> String {
    match group {
        BackupGroup::State => fixer.paasdeck("backup state"),
        BackupGroup::App(a) => {
            fixer.paasdeck(&format!("backup run --app {}", crate::text::shell_word(a)))
        }
    }
}

/// State, and every registered app that has a `backup_cmd` (an app without one has no data
/// paasdeck can back up).
fn required_groups(cd: &ContextDir) -> crate::error::Result<Vec<BackupGroup>> {
    let mut groups = vec![BackupGroup::State];
    for a in apps::load(cd)?.apps {
        if !a.backup_cmd.trim().is_empty() {
            groups.push(BackupGroup::App(a.name.to_string()));
        }
    }
    Ok(groups)
}

pub fn latest_backup_verified(cd: &ContextDir, fixer: &Fixer) -> BackupItem {
    let read = (|| Ok::<_, crate::error::PaasError>((backups::load(cd)?, required_groups(cd)?)))();
    let (doc, groups) = match read {
        Ok(r) => r,
        Err(e) => {
            return BackupItem {
                item: item(BACKUP, false, e.message, fixer.paasdeck("backup list")),
                checksum_failures: Vec::new(),
            };
        }
    };
    let (mut bad, mut good, mut fixes, mut checksum) = (vec![], vec![], vec![], vec![]);
    for group in &groups {
        let label = group.label();
        let Some(row) = doc.newest_ok(group) else {
            bad.push(format!("{label}: no backup"));
            fixes.push(take_one(group, fixer));
            continue;
        };
        match verify::check(row, None) {
            Ok(Finding::Pass(_)) => good.push(format!("{label} {}: sha256 matches", row.id)),
            Ok(Finding::Fail(why)) | Err(crate::error::PaasError { message: why, .. }) => {
                let line = format!("{label} {}: {why}", row.id);
                checksum.push(line.clone());
                bad.push(line);
                fixes.push(take_one(group, fixer));
            }
        }
    }
    let item = if bad.is_empty() {
        item(BACKUP, true, good.join("; "), "")
    } else {
        item(BACKUP, false, bad.join("; "), fixes.join(" && "))
    };
    BackupItem {
        item,
        checksum_failures: checksum,
    }
}
