//! `backup prune`: per app and for state, keep the newest backup of each of the last N days,
//! weeks and months that have backups (7 / 4 / 3 by default), as restic and borg count them,
//! so a pause in backups never makes the policy keep less. Plan-only unless applied; applying
//! removes the rows under the context lock, then their artifacts.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{PaasError, Result};
use crate::state::backups::{self, BackupGroup, BackupId, BackupRow, BackupsDoc};
use crate::state::paths::ContextDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            daily: 7,
            weekly: 4,
            monthly: 3,
        }
    }
}

/// One row the plan keeps, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    pub id: BackupId,
    pub reasons: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PrunePlan {
    pub keep: Vec<Kept>,
    /// Finished backups outside the policy, and failed rows older than everything kept.
    pub remove: Vec<BackupRow>,
}

type Bucket = fn(OffsetDateTime) -> (i32, u32);

fn day(t: OffsetDateTime) -> (i32, u32) {
    (t.year(), u32::from(t.ordinal()))
}

fn week(t: OffsetDateTime) -> (i32, u32) {
    let (y, w, _) = t.to_iso_week_date();
    (y, u32::from(w))
}

fn month(t: OffsetDateTime) -> (i32, u32) {
    (t.year(), u32::from(t.month() as u8))
}

/// The plan for a catalogue: independent of the clock, so the same catalogue always gives the
/// same plan.
pub fn plan(doc: &BackupsDoc, policy: Policy) -> PrunePlan {
    let mut groups: BTreeMap<BackupGroup, Vec<&BackupRow>> = BTreeMap::new();
    for row in doc.newest_first() {
        groups.entry(BackupGroup::of(row)).or_default().push(row);
    }
    let rules: [(&'static str, u32, Bucket); 3] = [
        ("daily", policy.daily, day),
        ("weekly", policy.weekly, week),
        ("monthly", policy.monthly, month),
    ];
    let mut out = PrunePlan::default();
    for rows in groups.values() {
        let ok: Vec<&BackupRow> = rows.iter().copied().filter(|r| r.is_ok()).collect();
        let mut reasons: BTreeMap<&BackupId, Vec<&'static str>> = BTreeMap::new();
        for (name, n, bucket) in rules {
            let mut last = None;
            let mut taken = 0;
            for r in &ok {
                let Some(t) = r.started() else { continue };
                let b = bucket(t.to_offset(time::UtcOffset::UTC));
                if last == Some(b) {
                    continue;
                }
                last = Some(b);
                if taken < n {
                    reasons.entry(&r.id).or_default().push(name);
                    taken += 1;
                }
            }
        }
        let oldest_kept = ok
            .iter()
            .filter(|r| reasons.contains_key(&r.id))
            .filter_map(|r| r.started())
            .min();
        for r in rows {
            match reasons.get(&r.id) {
                Some(why) => out.keep.push(Kept {
                    id: r.id.clone(),
                    reasons: why.clone(),
                }),
                None if r.is_ok() => out.remove.push((*r).clone()),
                None => match (r.started(), oldest_kept) {
                    (Some(t), Some(oldest)) if t < oldest => out.remove.push((*r).clone()),
                    _ => out.keep.push(Kept {
                        id: r.id.clone(),
                        reasons: vec!["failed, newer than the oldest kept backup"],
                    }),
                },
            }
        }
    }
    out
}

/// What applying a plan removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pruned {
    pub rows: Vec<BackupId>,
    pub files: Vec<String>,
    /// Artifacts that could not be removed (their rows are gone already).
    pub left: Vec<String>,
}

/// Removes the plan's rows (under the lock), then their artifacts.
pub fn apply(cd: &ContextDir, plan: &PrunePlan) -> Result<Pruned> {
    // A row that is not this context's never removes a file (another context's artifact).
    for row in &plan.remove {
        super::owned(cd, row)?;
    }
    let ids: Vec<BackupId> = plan.remove.iter().map(|r| r.id.clone()).collect();
    let gone = backups::remove(cd, &ids)?;
    let mut out = Pruned::default();
    for row in gone {
        out.rows.push(row.id.clone());
        let Some(p) = row.path else { continue };
        match std::fs::remove_file(&p) {
            Ok(()) => out.files.push(p.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %p.display(), "could not remove a pruned artifact: {e}");
                out.left.push(p.display().to_string());
            }
        }
    }
    Ok(out)
}

/// A flag value for the policy (`--keep-daily 0` keeps none by that rule).
pub fn policy(daily: u32, weekly: u32, monthly: u32) -> Result<Policy> {
    if daily + weekly + monthly == 0 {
        return Err(PaasError::usage(
            "flag_validation",
            "--keep-daily, --keep-weekly and --keep-monthly are all 0: that would remove every backup",
        )
        .with_remediation("keep at least one backup by some rule"));
    }
    Ok(Policy {
        daily,
        weekly,
        monthly,
    })
}

#[cfg(test)]
#[path = "prune_tests.rs"]
mod tests;
