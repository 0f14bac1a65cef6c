//! A check's result and the report they make: each check passes or fails with a detail and,
//! failing, the command that fixes it; its level says whether a failure blocks.

use std::collections::BTreeSet;

use serde::Serialize;

/// How much a failing check matters: `block` refuses deploys, rollbacks and secret changes;
/// `warn` asks for attention and never blocks (SPEC §7).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Block,
    Warn,
}

/// The checks whose failure is a warning; every other check blocks.
pub const WARN_CHECKS: &[&str] = &[
    "latest_backup_verified",
    "alert_channel_configured",
    "state_temp_files",
    "vault_keyring_available",
];

pub fn level_of(name: &str) -> Level {
    if WARN_CHECKS.contains(&name) {
        Level::Warn
    } else {
        Level::Block
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub level: Level,
    pub detail: String,
    /// For a failing check, the command that fixes it, runnable as shown; empty when it passes.
    pub fix: String,
    /// A passing check whose detail asks for attention (e.g. a name to rename).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

impl Check {
    pub fn with_fix(mut self, fix: impl Into<String>) -> Check {
        if !self.ok {
            self.fix = fix.into();
        }
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub context: String,
    /// Every `block` check passes.
    pub ok: bool,
    pub checks: Vec<Check>,
    /// The failing `warn` checks.
    pub warnings: Vec<String>,
}

impl DoctorReport {
    pub fn new(context: &str, checks: Vec<Check>) -> DoctorReport {
        let failing = |level: Level| -> Vec<String> {
            checks
                .iter()
                .filter(|c| !c.ok && c.level == level)
                .map(|c| c.name.to_string())
                .collect()
        };
        let blocking = failing(Level::Block);
        DoctorReport {
            context: context.to_string(),
            ok: blocking.is_empty(),
            warnings: failing(Level::Warn),
            checks,
        }
    }

    /// Every failing check, blocking or not.
    pub fn failures(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.to_string())
            .collect()
    }

    /// The failing `block` checks: what refuses deploys, rollbacks and secret changes.
    pub fn blocking(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.ok && c.level == Level::Block)
            .map(|c| c.name.to_string())
            .collect()
    }
}

pub(crate) fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        level: level_of(name),
        detail: detail.into(),
        fix: String::new(),
        warning: false,
    }
}

pub(crate) fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        level: level_of(name),
        detail: detail.into(),
        fix: String::new(),
        warning: false,
    }
}

/// Deduplicated, sorted, at most five items then `(+N more)`.
pub(crate) fn summarise(items: impl IntoIterator<Item = String>) -> String {
    let set: BTreeSet<String> = items.into_iter().collect();
    let n = set.len();
    let mut out: Vec<String> = set.into_iter().take(5).collect();
    if n > 5 {
        out.push(format!("(+{} more)", n - 5));
    }
    out.join("; ")
}
