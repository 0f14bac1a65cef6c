//! The doctor: checks that private state stays private and contexts stay apart (SPEC §7).
//! Each check is pass/fail with a detail; the report is ok only when every check passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::policy::{detect, redact};
use crate::state::paths::{ContextDir, EventFile, StateRoot};
use crate::state::repo;

mod backups;
mod temp_files;
mod vault;

mod files;
use files::{bundle_plaintext_env, state_permissions};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// A passing check whose detail asks for attention (e.g. a name to rename).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub context: String,
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn failures(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.to_string())
            .collect()
    }
}

/// What to do about a failing check, for the console's report and hints.
pub fn remediation(check: &str) -> &'static str {
    match check {
        "state_root_outside_repo" => {
            "move the state root out of the repository (pass --state-root or set SI_PAAS_STATE_ROOT)"
        }
        "context_vault_outside_repo" => {
            "keep the vault inside the context directory, outside any repository"
        }
        "repo_private_state_artifacts" => {
            "remove the state files from the repository and add them to .gitignore"
        }
        "repo_plaintext_secret_exposure" => {
            "remove the plaintext secrets from the repository and rotate them; store them with `paasdeck secret set`"
        }
        "state_permissions" => "chmod 700 the state directories and 600 the files named",
        "contexts_distinct_targets" => {
            "give each context its own hosts: remove the shared target from one of them"
        }
        "contexts_distinct_vaults" => "give each context its own vault file",
        "events_context_consistency" => {
            "move the rows naming another context out of this context's event files"
        }
        "state_plaintext_secrets" => {
            "remove the plaintext value from the state file named; store it with `paasdeck secret set`"
        }
        _ => "read the detail above and fix what it names, then run the doctor again",
    }
}

pub(crate) fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
        warning: false,
    }
}

pub(crate) fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
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

/// Runs every check for one context.
pub fn run(root: &StateRoot, ctx: &str, cwd: Option<&Path>) -> DoctorReport {
    let cd = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => {
            return DoctorReport {
                context: ctx.to_string(),
                ok: false,
                checks: vec![fail(super::doctor_context::NAME, e.message)],
            };
        }
    };
    let repos = repo::relevant_repos(root.path(), cwd);
    let artifacts = scan_repos(&repos);
    let checks = vec![
        state_root_outside_repo(root, cwd),
        vault::context_vault_outside_repo(&cd, &repos),
        repo_private_state_artifacts(&repos, &artifacts),
        repo_plaintext_secret_exposure(&repos, &artifacts),
        state_permissions(root, &cd),
        super::doctor_context::contexts_distinct_targets(root, ctx),
        super::doctor_context::contexts_distinct_vaults(root, ctx),
        events_context_consistency(&cd),
        state_plaintext_secrets(&cd),
        bundle_plaintext_env(&cd),
        super::doctor_context::context_name(&cd),
        vault::vault_values_encrypted(&cd),
        temp_files::state_temp_files(root, &cd),
        backups::latest_backup_verified(&cd),
    ];
    DoctorReport {
        context: ctx.to_string(),
        ok: checks.iter().all(|c| c.ok),
        checks,
    }
}

fn state_root_outside_repo(root: &StateRoot, cwd: Option<&Path>) -> Check {
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
            fail(NAME, d)
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

/// Files of the repositories that look like private PaaS state, relative paths (lowercase).
struct Artifact {
    abs: PathBuf,
    rel: String,
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

fn scan_repos(repos: &[PathBuf]) -> Result<Vec<Artifact>, String> {
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
                });
            }
        }
    }
    Ok(out)
}

fn repo_private_state_artifacts(
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
        ),
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

fn repo_plaintext_secret_exposure(
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
            let hits: Vec<String> = a
                .iter()
                .filter(|x| artifact_exposes_secret(x))
                .map(|x| x.abs.display().to_string())
                .collect();
            if hits.is_empty() {
                pass(
                    NAME,
                    "no plaintext secrets in repository PaaS state artifacts",
                )
            } else {
                fail(NAME, summarise(hits))
            }
        }
    }
}

fn events_context_consistency(cd: &ContextDir) -> Check {
    const NAME: &str = "events_context_consistency";
    let mut foreign = Vec::new();
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
            }
        }
    }
    if foreign.is_empty() {
        pass(NAME, "every event row belongs to this context")
    } else {
        fail(NAME, summarise(foreign))
    }
}

fn state_plaintext_secrets(cd: &ContextDir) -> Check {
    const NAME: &str = "state_plaintext_secrets";
    let mut hits = Vec::new();
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
            for p in redact::plaintext_secret_paths(&v) {
                hits.push(format!("{} ({p})", doc.display()));
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
                for p in redact::plaintext_secret_paths(&v) {
                    hits.push(format!("{}:{} ({p})", path.display(), i + 1));
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
        fail(NAME, summarise(hits))
    }
}
