//! The checks that every row of the context's state is its own: events naming another
//! context, deploy history and bundles of another context, and plaintext secret values in the
//! state documents and event files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::fix::{self, Fixer};
use super::{Check, fail, pass, summarise};
use crate::policy::redact;
use crate::state::alerts;
use crate::state::foreign;
use crate::state::paths::{ContextDir, EventFile};

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

pub(super) fn events_context_consistency(cd: &ContextDir) -> Check {
    const NAME: &str = "events_context_consistency";
    let mut foreign = Vec::new();
    let mut lines: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for f in EventFile::ALL {
        let path = cd.event_file(f);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if !line.contains("\"context\"") {
                continue;
            }
            if let Ok(Value::Object(row)) = serde_json::from_str::<Value>(line)
                && let Some(Value::String(c)) = row.get("context")
                && !c.is_empty()
                && c != cd.name()
            {
                foreign.push(format!("{}:{} names context {c}", path.display(), i + 1));
                lines.entry(path.clone()).or_default().push(i + 1);
            }
        }
    }
    if foreign.is_empty() {
        pass(NAME, "every event row belongs to this context")
    } else {
        fail(
            NAME,
            format!(
                "{}; the fix deletes those rows (they belong to the other context's history, which keeps its own)",
                summarise(foreign)
            ),
        )
        .with_fix(delete_lines(&lines))
    }
}

pub(super) fn state_plaintext_secrets(cd: &ContextDir, fixer: &Fixer) -> Check {
    const NAME: &str = "state_plaintext_secrets";
    let mut hits = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut lines: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
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
    if let Ok(apps) = std::fs::read_dir(cd.releases_dir()) {
        for app in apps.flatten() {
            if let Ok(rels) = std::fs::read_dir(app.path()) {
                docs.extend(rels.flatten().map(|r| r.path().join("release.json")));
            }
        }
    }
    for doc in docs {
        let Ok(text) = std::fs::read_to_string(&doc) else {
            continue;
        };
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let found = redact::plaintext_secret_paths(&v);
            for p in &found {
                hits.push(format!("{} ({p})", doc.display()));
            }
            if !found.is_empty() {
                fixes.push(doc_fix(&doc, &telegram, &v, fixer));
            }
        }
    }
    for f in EventFile::ALL {
        let path = cd.event_file(f);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Ok(v) = serde_json::from_str::<Value>(line) {
                let found = redact::plaintext_secret_paths(&v);
                for p in &found {
                    hits.push(format!("{}:{} ({p})", path.display(), i + 1));
                }
                if !found.is_empty() {
                    lines.entry(path.clone()).or_default().push(i + 1);
                }
            }
        }
    }
    if hits.is_empty() {
        pass(
            NAME,
            "no secret-like key holds a plaintext value in the context's state",
        )
    } else {
        let mut detail = summarise(hits);
        if fixes.iter().any(|f| f.contains("alert setup-telegram")) {
            detail.push_str(&format!(
                "; the Telegram bot token in {} moves into the vault with `alert setup-telegram`, the token on its stdin (`printf %s \"$TOKEN\" | …`)",
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
pub(super) fn deploy_history_consistency(cd: &ContextDir, fixer: &Fixer) -> Check {
    const NAME: &str = "deploy_history_consistency";
    // A history that cannot be read is the commands' to report (`PAAS_STATE_CORRUPT`, naming
    // the file and field); none of its ids reaches a path.
    let releases = foreign::foreign_releases(cd).unwrap_or_default();
    let bundles = foreign::foreign_bundles(cd);
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
