//! `latest_backup_verified` (SPEC §12): the newest finished backup of every app and of state
//! must not have failed its last verification, nor be older than 7 days without ever being
//! verified. Its artifact must also still be there at its catalogued size (a cheap stat; the
//! checksum is `backup verify`'s job).

use time::Duration;

use super::fix::Fixer;
use super::{Check, fail, pass, summarise};
use crate::state::backups::{self, BackupGroup, VerifyState};
use crate::state::clock;
use crate::state::paths::ContextDir;

pub const NAME: &str = "latest_backup_verified";

/// How long a backup may stay unverified.
pub const UNVERIFIED_GRACE: Duration = Duration::days(7);

/// A fresh backup of the group: what replaces a failed or missing one.
fn take_one(group: &BackupGroup, fixer: &Fixer) -> String {
    match group {
        BackupGroup::State => fixer.paasdeck("backup state"),
        BackupGroup::App(a) => fixer.paasdeck(&format!(
            "backup run --app {}",
            crate::text::shell_word(a.as_str())
        )),
    }
}

pub fn latest_backup_verified(cd: &ContextDir, fixer: &Fixer) -> Check {
    let doc = match backups::load(cd) {
        Ok(d) => d,
        Err(e) => return fail(NAME, e.message).with_fix(fixer.paasdeck("backup list")),
    };
    let now = clock::now();
    let (mut bad, mut good, mut fixes) = (Vec::new(), Vec::new(), Vec::new());
    for group in doc.groups() {
        let Some(row) = doc.newest_ok(&group) else {
            continue;
        };
        let what = format!("{} {}", group.label(), row.id);
        let artifact = row
            .path
            .as_ref()
            .map(|p| (p, std::fs::metadata(p).map(|m| m.len())));
        match artifact {
            Some((p, Err(_))) => {
                bad.push(format!("{what}: artifact {} is missing", p.display()));
                fixes.push(take_one(&group, fixer));
                continue;
            }
            Some((p, Ok(len))) if len != row.bytes => {
                bad.push(format!(
                    "{what}: artifact {} is {len} bytes, the catalogue says {}",
                    p.display(),
                    row.bytes
                ));
                fixes.push(take_one(&group, fixer));
                continue;
            }
            _ => {}
        }
        let age = row.started().map(|t| now - t).unwrap_or(Duration::ZERO);
        match row.verify {
            VerifyState::Failed => {
                bad.push(format!(
                    "{what} failed its last verification ({}): take a new one (then `backup verify --latest`)",
                    row.verify_detail
                ));
                fixes.push(take_one(&group, fixer));
            }
            VerifyState::Never if age > UNVERIFIED_GRACE => {
                bad.push(format!(
                    "{what} has never been verified and is {} days old",
                    age.whole_days(),
                ));
                fixes.push(fixer.paasdeck(&format!("backup verify {}", row.id)));
            }
            VerifyState::Never => good.push(format!(
                "{what} not verified yet ({} old)",
                clock::age(now - age, now)
            )),
            VerifyState::Ok => good.push(format!("{what} verified")),
        }
    }
    if !bad.is_empty() {
        return fail(NAME, summarise(bad)).with_fix(fixes.join(" && "));
    }
    if good.is_empty() {
        return pass(NAME, "no finished backups catalogued");
    }
    pass(NAME, summarise(good))
}
