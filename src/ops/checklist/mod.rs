//! The runbook's weekly checklist (SPEC §16): per context, one item each for the doctor's block
//! checks, distinct targets and vaults, the newest backups (their sha256 recomputed now), the
//! alert channel, and a recent rollback drill. `checklist` shows them; `check` exports them
//! and raises the runbook's escalations from them (`escalate`).

pub mod backups;
pub mod escalate;

use std::path::Path;

use serde::Serialize;

use crate::policy::doctor::{self, Check, DoctorReport, Level, fix::Fixer};
use crate::policy::guard::{ContextClass, ContextPolicy};
use crate::state::StateRoot;
use crate::state::events::{self, EventFilter};
use crate::state::paths::ContextDir;
use crate::state::{clock, deployments};

pub const DOCTOR_OK: &str = "doctor_ok";
pub const DISTINCT: &str = "distinct_targets_and_vaults";
pub const BACKUP: &str = "latest_backup_verified";
pub const ALERT: &str = "alert_channel_configured";
pub const DRILL: &str = "rollback_drill_recent";

/// Every item, in the runbook's order.
pub const ITEMS: [&str; 5] = [DOCTOR_OK, DISTINCT, BACKUP, ALERT, DRILL];

/// How recent a rollback drill must be.
pub const DRILL_WINDOW: time::Duration = time::Duration::days(7);

/// One item of the checklist (`{"name", "ok", "detail", "fix"}`); an item that is not
/// `required` is informational: shown, never failing the context.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Item {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// For a failing item, the command that fixes it, runnable as shown; empty otherwise.
    pub fix: String,
    pub required: bool,
}

fn item(name: &'static str, ok: bool, detail: impl Into<String>, fix: impl Into<String>) -> Item {
    Item {
        name,
        ok,
        detail: crate::text::sanitize_inline(&detail.into()).into_owned(),
        fix: if ok { String::new() } else { fix.into() },
        required: true,
    }
}

/// One context's checklist.
#[derive(Debug, Clone, Serialize)]
pub struct ContextChecklist {
    pub context: String,
    /// Every required item passes.
    pub ok: bool,
    pub items: Vec<Item>,
    /// The doctor run the items were read from (for the escalations).
    #[serde(skip)]
    pub doctor: DoctorReport,
    /// The newest required backups whose artifact is missing or fails its checksum.
    #[serde(skip)]
    pub backup_checksum_failures: Vec<String>,
}

impl ContextChecklist {
    pub fn failing(&self) -> Vec<&'static str> {
        self.items
            .iter()
            .filter(|i| i.required && !i.ok)
            .map(|i| i.name)
            .collect()
    }
}

/// The checklist of one context.
pub fn run(root: &StateRoot, ctx: &str, cwd: Option<&Path>) -> ContextChecklist {
    let fixer = Fixer::new(root, ctx);
    let report = doctor::run(root, ctx, cwd);
    let cd = match root.context(ctx) {
        Ok(cd) if cd.exists() => cd,
        Ok(_) => return unusable(ctx, report, &format!("context {ctx:?} does not exist")),
        Err(e) => return unusable(ctx, report, &e.message),
    };
    let backup = backups::latest_backup_verified(&cd, &fixer);
    let items = vec![
        doctor_ok(&report, &fixer),
        distinct(&report),
        backup.item,
        from_doctor(ALERT, &report),
        rollback_drill(&cd, &fixer),
    ];
    ContextChecklist {
        context: ctx.to_string(),
        ok: items.iter().all(|i| i.ok || !i.required),
        items,
        doctor: report,
        backup_checksum_failures: backup.checksum_failures,
    }
}

fn unusable(ctx: &str, report: DoctorReport, why: &str) -> ContextChecklist {
    let items = ITEMS
        .iter()
        .map(|n| item(n, false, format!("not checked: {why}"), ""))
        .collect();
    ContextChecklist {
        context: ctx.to_string(),
        ok: false,
        items,
        doctor: report,
        backup_checksum_failures: Vec::new(),
    }
}

/// The fixes of failing checks, joined so they run as one line.
fn fixes(checks: &[&Check]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in checks {
        if !c.fix.is_empty() && !out.contains(&c.fix.as_str()) {
            out.push(&c.fix);
        }
    }
    out.join(" && ")
}

fn doctor_ok(r: &DoctorReport, fixer: &Fixer) -> Item {
    let failing: Vec<&Check> = r
        .checks
        .iter()
        .filter(|c| !c.ok && c.level == Level::Block)
        .collect();
    if failing.is_empty() {
        let n = r.checks.iter().filter(|c| c.level == Level::Block).count();
        return item(DOCTOR_OK, true, format!("{n} block checks pass"), "");
    }
    let detail: Vec<String> = failing
        .iter()
        .map(|c| format!("{} ({})", c.name, c.detail))
        .collect();
    let fix = match fixes(&failing) {
        f if f.is_empty() => fixer.paasdeck("doctor"),
        f => f,
    };
    item(
        DOCTOR_OK,
        false,
        format!("failing: {}", detail.join("; ")),
        fix,
    )
}

fn distinct(r: &DoctorReport) -> Item {
    let names = ["contexts_distinct_targets", "contexts_distinct_vaults"];
    let checks: Vec<&Check> = r
        .checks
        .iter()
        .filter(|c| names.contains(&c.name))
        .collect();
    if checks.len() < names.len() {
        return item(DISTINCT, false, "not checked: the doctor could not run", "");
    }
    let failing: Vec<&Check> = checks.iter().copied().filter(|c| !c.ok).collect();
    let detail: Vec<String> = checks
        .iter()
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    item(
        DISTINCT,
        failing.is_empty(),
        detail.join("; "),
        fixes(&failing),
    )
}

/// An item the doctor answers with one check of the same name.
fn from_doctor(name: &'static str, r: &DoctorReport) -> Item {
    match r.checks.iter().find(|c| c.name == name) {
        Some(c) => item(name, c.ok, c.detail.clone(), c.fix.clone()),
        None => item(name, false, "not checked: the doctor could not run", ""),
    }
}

/// Statuses of a successful apply, paasdeck's and `si paas`'s.
fn succeeded(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_lowercase().as_str(),
        "succeeded" | "success" | "ok"
    )
}

/// A successful `rollback --apply` within [`DRILL_WINDOW`]; required for internal-dogfood
/// contexts, informational elsewhere.
fn rollback_drill(cd: &ContextDir, fixer: &Fixer) -> Item {
    let required = ContextPolicy::load(cd)
        .map(|p| p.class == ContextClass::InternalDogfood)
        .unwrap_or(false);
    let now = clock::now();
    let since = now - DRILL_WINDOW;
    let found = events::query(
        cd,
        &EventFilter {
            source: Some("deploy".into()),
            since_nanos: Some(since.unix_timestamp_nanos()),
            limit: usize::MAX,
            ..Default::default()
        },
    );
    let drill = found
        .rows
        .iter()
        .find(|r| r.command == "rollback" && succeeded(&r.status));
    let role = if required {
        "required for internal-dogfood contexts"
    } else {
        "informational: required only for internal-dogfood contexts"
    };
    let mut it = match drill {
        Some(r) => {
            let app = r.fields.get("app").and_then(|v| v.as_str()).unwrap_or("");
            item(
                DRILL,
                true,
                format!("rollback of {app} succeeded at {}", r.timestamp),
                "",
            )
        }
        None => item(
            DRILL,
            false,
            format!("no successful `rollback --apply` in the last 7 days ({role})"),
            drill_fix(cd, fixer),
        ),
    };
    it.required = required;
    it
}

/// A rollback drill of the first app with a release before its current one.
fn drill_fix(cd: &ContextDir, fixer: &Fixer) -> String {
    let Ok(doc) = deployments::load(cd) else {
        return fixer.paasdeck("deploy --help");
    };
    let app = doc
        .apps
        .iter()
        .find(|(_, h)| h.current_release.is_some() && h.history.len() > 1)
        .map(|(a, _)| a.to_string());
    match app {
        Some(a) => fixer.paasdeck(&format!(
            "rollback --app {} --apply",
            crate::text::shell_word(&a)
        )),
        None => fixer.paasdeck("app list"),
    }
}

/// The checklist items of checked contexts in the Prometheus text format, beside `check`'s own
/// series: `paasdeck_checklist_ok{context,item}` (informational items included).
pub fn prometheus(results: &[crate::ops::check::ContextCheck]) -> String {
    let label = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut s = String::from(
        "# HELP paasdeck_checklist_ok Whether an item of the weekly checklist passed (1) or failed (0).\n# TYPE paasdeck_checklist_ok gauge\n",
    );
    for c in results {
        for i in &c.checklist {
            s.push_str(&format!(
                "paasdeck_checklist_ok{{context=\"{}\",item=\"{}\"}} {}\n",
                label(&c.context),
                i.name,
                u8::from(i.ok)
            ));
        }
    }
    s
}
