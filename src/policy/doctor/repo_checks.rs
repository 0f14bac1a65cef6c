//! The repository checks (as `si paas`): the state root outside any repository, and no private
//! PaaS state or plaintext secret inside the repositories of the working directory and of the
//! state root. Their fixes move the root out, or stop the repository from carrying the files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::fix;
use super::{Check, fail, pass, summarise};
use crate::policy::{detect, redact};
use crate::state::paths::StateRoot;
use crate::state::repo;

pub(super) fn state_root_outside_repo(root: &StateRoot, cwd: Option<&Path>) -> Check {
    const NAME: &str = "state_root_outside_repo";
    match repo::containing_repo(root.path(), cwd) {
        Some(r) => {
            let mut d = format!(
                "state root {} is inside repository {}",
                root.path().display(),
                r.display()
            );
            if repo::allow_repo_state() {
                d.push_str(&format!(
                    " ({}=true is set: unsafe override active)",
                    repo::ALLOW_REPO_STATE_ENV
                ));
            }
            let dest = outside(&r);
            d.push_str(&format!(
                "; move it out, then name it with --state-root {} (or SI_PAAS_STATE_ROOT)",
                fix::path(&dest)
            ));
            fail(NAME, d).with_fix(format!(
                "mv -- {} {}",
                fix::path(root.path()),
                fix::path(&dest)
            ))
        }
        None => pass(
            NAME,
            format!(
                "state root {} is outside any repository",
                root.path().display()
            ),
        ),
    }
}

/// Where a state root found inside `repo` moves to: beside the repository.
pub(super) fn outside(repo: &Path) -> PathBuf {
    let name = repo
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into());
    match repo.parent() {
        Some(p) => p.join(format!("{name}-paas-state")),
        None => PathBuf::from("/var/tmp").join(format!("{name}-paas-state")),
    }
}

/// Files of the repositories that look like private PaaS state.
pub(super) struct Artifact {
    abs: PathBuf,
    /// Relative to its repository, lowercased (for matching).
    rel: String,
    repo: PathBuf,
}

impl Artifact {
    /// The `.gitignore` pattern covering this file's state: its `contexts/` directory, or
    /// `/current_context`.
    fn ignore_pattern(&self) -> String {
        let rel = self
            .abs
            .strip_prefix(&self.repo)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let lower = rel.to_ascii_lowercase();
        let cut = if lower.starts_with("contexts/") {
            Some(0)
        } else {
            lower.find("/contexts/").map(|i| i + 1)
        };
        match cut {
            Some(i) => format!("/{}contexts/", &rel[..i]),
            None => format!("/{rel}"),
        }
    }
}

/// Stops each repository from carrying the artifacts: their state directories go to its
/// `.gitignore` and out of its index (the files stay on disk, outside version control).
fn untrack(artifacts: &[&Artifact]) -> String {
    let mut by_repo: std::collections::BTreeMap<&Path, BTreeSet<String>> = Default::default();
    for a in artifacts {
        by_repo
            .entry(&a.repo)
            .or_default()
            .insert(a.ignore_pattern());
    }
    let mut cmds = Vec::new();
    for (r, patterns) in by_repo {
        let words: Vec<String> = patterns
            .iter()
            .map(|p| crate::text::shell_word(p))
            .collect();
        let specs: Vec<String> = patterns
            .iter()
            .map(|p| crate::text::shell_word(p.trim_start_matches('/').trim_end_matches('/')))
            .collect();
        cmds.push(format!(
            "printf '\\n%s\\n' {} >> {} && git -C {} rm -r -q --cached --ignore-unmatch -- {}",
            words.join(" "),
            fix::path(&r.join(".gitignore")),
            fix::path(r),
            specs.join(" ")
        ));
    }
    cmds.join(" && ")
}

fn is_state_artifact(rel: &str) -> bool {
    if rel == "current_context" {
        return true;
    }
    if !(rel.starts_with("contexts/") || rel.contains("/contexts/")) {
        return false;
    }
    const FILES: &[&str] = &[
        "/config.json",
        "/targets.json",
        "/deployments.json",
        "/apps.json",
        "/backups.json",
        "/checks.json",
        "/addons.json",
        "/bluegreen.json",
        "/webhooks/mappings.json",
        "/alerts/telegram.json",
        "/alerts/policy.json",
        "/events/deployments.jsonl",
        "/events/alerts.jsonl",
        "/events/audit.jsonl",
        "/vault/secrets.env",
        "/state.db",
    ];
    const DIRS: &[&str] = &["/releases/", "/cache/", "/vault/", "/events/", "/locks/"];
    FILES.iter().any(|f| rel.ends_with(f)) || DIRS.iter().any(|d| rel.contains(d))
}

pub(super) fn scan_repos(repos: &[PathBuf]) -> Result<Vec<Artifact>, String> {
    let mut out = Vec::new();
    for r in repos {
        let walker = ignore::WalkBuilder::new(r)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .parents(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| format!("walking {}: {e}", r.display()))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(r) else {
                continue;
            };
            let rel = rel
                .to_string_lossy()
                .replace('\\', "/")
                .to_ascii_lowercase();
            if is_state_artifact(&rel) {
                out.push(Artifact {
                    abs: entry.path().to_path_buf(),
                    rel,
                    repo: r.clone(),
                });
            }
        }
    }
    Ok(out)
}

pub(super) fn repo_private_state_artifacts(
    repos: &[PathBuf],
    artifacts: &Result<Vec<Artifact>, String>,
) -> Check {
    const NAME: &str = "repo_private_state_artifacts";
    if repos.is_empty() {
        return pass(NAME, "no repository detected; skipping the scan");
    }
    match artifacts {
        Err(e) => fail(NAME, e.clone()),
        Ok(a) if a.is_empty() => pass(NAME, "no private PaaS state artifacts in the repository"),
        Ok(a) => fail(
            NAME,
            summarise(a.iter().map(|x| x.abs.display().to_string())),
        )
        .with_fix(untrack(&a.iter().collect::<Vec<_>>())),
    }
}

fn artifact_exposes_secret(a: &Artifact) -> bool {
    if a.rel.contains("/vault/") || a.rel.ends_with("secrets.env") || a.rel.ends_with(".env") {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(&a.abs) else {
        return false;
    };
    if !detect::plaintext_assignments(&text).is_empty() {
        return true;
    }
    if a.rel.ends_with(".json") {
        return serde_json::from_str::<Value>(&text)
            .map(|v| !redact::plaintext_secret_paths(&v).is_empty())
            .unwrap_or(false);
    }
    if a.rel.ends_with(".jsonl") {
        return text.lines().any(|l| {
            serde_json::from_str::<Value>(l)
                .map(|v| !redact::plaintext_secret_paths(&v).is_empty())
                .unwrap_or(false)
        });
    }
    false
}

pub(super) fn repo_plaintext_secret_exposure(
    repos: &[PathBuf],
    artifacts: &Result<Vec<Artifact>, String>,
) -> Check {
    const NAME: &str = "repo_plaintext_secret_exposure";
    if repos.is_empty() {
        return pass(NAME, "no repository detected; skipping the scan");
    }
    match artifacts {
        Err(e) => fail(NAME, e.clone()),
        Ok(a) => {
            let exposed: Vec<&Artifact> = a.iter().filter(|x| artifact_exposes_secret(x)).collect();
            let hits: Vec<String> = exposed
                .iter()
                .map(|x| x.abs.display().to_string())
                .collect();
            if hits.is_empty() {
                pass(
                    NAME,
                    "no plaintext secrets in repository PaaS state artifacts",
                )
            } else {
                fail(
                    NAME,
                    format!(
                        "{}; the values they hold are exposed: rotate them and store them with `secret set` (the fix only takes the files out of version control, not out of its history)",
                        summarise(hits)
                    ),
                )
                .with_fix(untrack(&exposed))
            }
        }
    }
}
