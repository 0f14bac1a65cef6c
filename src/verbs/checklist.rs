//! `checklist [--all-contexts]`: the runbook's weekly checklist (SPEC §16), one item per line
//! with the command that fixes it; the command fails (exit 1) when a required item fails.

use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::cli::ChecklistArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::checklist::{self, ContextChecklist};

/// What `checklist` answers for: the scope's context, or every context of the state root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChecklistInput {
    pub all_contexts: bool,
}

impl ChecklistInput {
    pub fn from_args(a: &ChecklistArgs) -> ChecklistInput {
        ChecklistInput {
            all_contexts: a.all_contexts,
        }
    }
}

/// One context as text: its status, a line per item, the fix under each failing one.
pub fn render(c: &ContextChecklist) -> String {
    let mut s = format!(
        "paasdeck checklist [{}]: {}\n",
        c.context,
        if c.ok { "ok" } else { "FAILED" }
    );
    let width = c.items.iter().map(|i| i.name.len()).max().unwrap_or(0);
    for i in &c.items {
        let mark = match (i.ok, i.required) {
            (true, _) => "OK",
            (false, true) => "FAIL",
            (false, false) => "INFO",
        };
        s.push_str(&format!("  {mark:<4}  {:<width$}  {}\n", i.name, i.detail));
        if !i.ok && !i.fix.is_empty() {
            s.push_str(&format!("  {:<4}  {:<width$}  fix: {}\n", "", "", i.fix));
        }
    }
    s
}

/// The checklists of the contexts asked for, in the order they are listed.
pub fn collect(scope: &Scope, input: &ChecklistInput) -> Result<Vec<ContextChecklist>> {
    let cwd = std::env::current_dir().ok();
    let names = if input.all_contexts {
        scope.root.list_contexts()?
    } else {
        scope.cd()?;
        vec![scope.context.clone()]
    };
    Ok(names
        .iter()
        .map(|n| checklist::run(&scope.root, n, cwd.as_deref()))
        .collect())
}

/// `checklist`: ok only when every required item of every context passes.
pub fn checklist(scope: &Scope, input: &ChecklistInput) -> Result<Outcome> {
    let lists = collect(scope, input)?;
    Ok(outcome(&lists))
}

pub fn outcome(lists: &[ContextChecklist]) -> Outcome {
    let contexts: Vec<Value> = lists
        .iter()
        .map(|c| json!({"context": c.context, "ok": c.ok, "items": c.items}))
        .collect();
    let failing: Vec<String> = lists
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} ({})", c.context, c.failing().join(", ")))
        .collect();
    let text: String = if lists.is_empty() {
        "no contexts\n".into()
    } else {
        lists.iter().map(render).collect()
    };
    let out = Outcome::ok()
        .set("contexts", contexts)
        .audit_only("contexts", lists.len())
        .audit_only("failing", failing.join("; "))
        .text(text)
        .summary(format!(
            "checklist of {} context(s): {} failing",
            lists.len(),
            failing.len()
        ));
    if failing.is_empty() {
        return out;
    }
    out.failed_with(
        PaasError::new(
            ErrorCode::ChecklistFailed,
            "checklist",
            format!(
                "the weekly checklist fails in {} of {} context(s): {}",
                failing.len(),
                lists.len(),
                failing.join("; ")
            ),
        )
        .with_remediation(
            "run the fix printed under each failing item, then `paasdeck checklist` again",
        ),
    )
}
