//! The checks that every row of the context's state is its own: events naming another
//! context, deploy history and bundles of another context, and plaintext secret values in the
//! state documents and event files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::event_rows::{EventRows, RowFinding};
use super::fix::{self, Fixer};
use super::{Check, fail, pass, summarise};
use crate::policy::redact;
use crate::state::alerts;
use crate::state::foreign;
use crate::state::paths::ContextDir;
use crate::state::releases::bundles::Bundle;

/// `sed -i` deleting the numbered lines of each file: the rows that must go.
fn delete_lines(lines: &BTreeMap<PathBuf, Vec<usize>>) -> String {
    lines
        .iter()
        .map(|(p, ns)| {
            let exprs: Vec<String> = ns.iter().map(|n| format!("-e {n}d")).collect();
            format!("sed -i {} {}", exprs.join(" "), fix::path(p))
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// The failing rows by file, for the fix that deletes them.
fn by_file(found: &[RowFinding]) -> BTreeMap<PathBuf, Vec<usize>> {
    let mut lines: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for f in found {
        let ns = lines.entry(f.path.clone()).or_default();
        let n = f.line as usize;
        if ns.last() != Some(&n) {
            ns.push(n);
        }
    }
    lines
}

pub(super) fn events_context_consistency(rows: &EventRows) -> Check {
    const NAME: &str = "events_context_consistency";
    if rows.foreign.is_empty() {
        return pass(NAME, "every event row belongs to this context");
    }
    let foreign: Vec<String> = rows
        .foreign
        .iter()
        .map(|f| format!("{}:{} names context {}", f.path.display(), f.line, f.what))
        .collect();
    fail(
        NAME,
        format!(
            "{}; the fix deletes those rows (they belong to the other context's history, which keeps its own)",
            summarise(foreign)
        ),
    )
    .with_fix(delete_lines(&by_file(&rows.foreign)))
}

pub(super) fn state_plaintext_secrets(
    cd: &ContextDir,
    bundles: &[Bundle],
    rows: &EventRows,
    fixer: &Fixer,
) -> Check {
    const NAME: &str = "state_plaintext_secrets";
    let mut hits = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let telegram = alerts::paths(cd)[1].clone();
    let mut docs = vec![
        cd.config(),
        cd.targets(),
        cd.apps(),
        cd.deployments(),
        cd.backups(),
        cd.checks(),
    ];
    docs.extend(crate::state::alerts::paths(cd));
    let read = docs.into_iter().filter_map(|doc| {
        let text = std::fs::read_to_string(&doc).ok()?;
        let v = serde_json::from_str::<Value>(&text).ok()?;
        Some((doc, v))
    });
    let metas = bundles
        .iter()
        .filter_map(|b| Some((b.meta_path(), b.meta.clone()?)));
    for (doc, v) in read.chain(metas) {
        let found = redact::plaintext_secret_paths(&v);
        for p in &found {
            hits.push(format!("{} ({p})", doc.display()));
        }
        if !found.is_empty() {
            fixes.push(doc_fix(&doc, &telegram, &v, fixer));
        }
    }
    hits.extend(
        rows.secrets
            .iter()
            .map(|f| format!("{}:{} ({})", f.path.display(), f.line, f.what)),
    );
    let lines = by_file(&rows.secrets);
    if hits.is_empty() {
        pass(
            NAME,
            "no secret-like key holds a plaintext value in the context's state",
        )
    } else {
        let mut detail = summarise(hits);
        if let Some(setup) = fixes.iter().find(|f| f.contains("alert setup-telegram")) {
            detail.push_str(&format!(
                "; the Telegram bot token in {} moves into the vault with `alert setup-telegram`, the token on its stdin: `printf %s \"$TOKEN\" | {setup}` (run alone, the command asks for it)",
                telegram.display()
            ));
        }
        if !lines.is_empty() {
            detail.push_str(
                "; event rows holding a value are deleted (rotate the value: it was exposed)",
            );
        }
        if !lines.is_empty() {
            fixes.push(delete_lines(&lines));
        }
        fail(NAME, detail).with_fix(fixes.join(" && "))
    }
}

/// The fix for a state document holding a plaintext value: si's Telegram token moves into the
/// vault with `alert setup-telegram` (token on stdin); any other document is edited by hand.
fn doc_fix(doc: &Path, telegram: &Path, v: &Value, fixer: &Fixer) -> String {
    if doc == telegram
        && let Some(chat) = v.get("chat_id").and_then(|c| match c {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        && alerts::validate_chat_id(&chat).is_ok()
    {
        return fixer.paasdeck(&format!(
            "alert setup-telegram --chat-id {}",
            crate::text::shell_word(&chat)
        ));
    }
    format!("${{EDITOR:-vi}} {}", fix::path(doc))
}

/// No release id, bundle or row of another context in the deploy history (SPEC §7).
pub(super) fn deploy_history_consistency(
    cd: &ContextDir,
    bundles: &[Bundle],
    fixer: &Fixer,
) -> Check {
    const NAME: &str = "deploy_history_consistency";
    // A history that cannot be read is the commands' to report (`PAAS_STATE_CORRUPT`, naming
    // the file and field); none of its ids reaches a path.
    let releases = foreign::foreign_releases(cd).unwrap_or_default();
    let bundles = foreign::foreign_bundles(cd, bundles);
    if releases.is_empty() && bundles.is_empty() {
        return pass(
            NAME,
            "every release in the deploy history and every bundle belongs to this context",
        );
    }
    let mut problems: Vec<String> = releases
        .iter()
        .map(|r| {
            format!(
                "{} of app {} in {} is a release of context {}",
                r.release,
                r.app,
                cd.deployments().display(),
                r.other_context
            )
        })
        .collect();
    problems.extend(bundles.iter().map(|b| {
        format!(
            "bundle {} was made for context {}",
            b.dir.display(),
            b.other_context
        )
    }));
    let mut fixes = Vec::new();
    if !releases.is_empty() {
        fixes.push(fixer.paasdeck("context scrub-bundles --apply"));
    }
    if !bundles.is_empty() {
        fixes.push(format!(
            "rm -r -- {}",
            fix::paths(bundles.iter().map(|b| b.dir.as_path()))
        ));
    }
    fail(NAME, summarise(problems)).with_fix(fixes.join(" && "))
}
