//! The repository guardrail: private state must not live inside a git work tree, where one
//! `git add -A` publishes it.

use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::canonical_lenient;

pub const ALLOW_REPO_STATE_ENV: &str = "SI_PAAS_ALLOW_REPO_STATE";

/// The nearest ancestor of `start` (inclusive) holding a `.git` directory or file.
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    let start = canonical_lenient(start);
    start
        .ancestors()
        .find(|dir| {
            let dot_git = dir.join(".git");
            dot_git.is_dir() || dot_git.is_file()
        })
        .map(Path::to_path_buf)
}

pub fn allow_repo_state() -> bool {
    std::env::var(ALLOW_REPO_STATE_ENV)
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false)
}

/// The repositories that matter for a state root: the one containing the state root and the
/// one containing the working directory (deduplicated, in that order).
pub fn relevant_repos(state_root: &Path, cwd: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(r) = find_repo_root(state_root) {
        out.push(r);
    }
    if let Some(r) = cwd.and_then(find_repo_root)
        && !out.contains(&r)
    {
        out.push(r);
    }
    out
}

/// The repository (if any) that contains `path`, among the state root's own and the working
/// directory's.
pub fn containing_repo(path: &Path, cwd: Option<&Path>) -> Option<PathBuf> {
    let p = canonical_lenient(path);
    relevant_repos(path, cwd)
        .into_iter()
        .find(|repo| p.starts_with(repo))
}

/// Refuses a state root inside a git work tree unless `SI_PAAS_ALLOW_REPO_STATE` is truthy.
pub fn guard_state_root(state_root: &Path, cwd: Option<&Path>) -> Result<()> {
    if allow_repo_state() {
        return Ok(());
    }
    if let Some(repo) = containing_repo(state_root, cwd) {
        return Err(PaasError::new(
            ErrorCode::ContextGuard,
            "state_root_guard",
            format!(
                "unsafe state root {} is inside the git work tree {}",
                state_root.display(),
                repo.display()
            ),
        )
        .with_remediation(format!(
            "move the state root outside the repository (--state-root or {}), or set {ALLOW_REPO_STATE_ENV}=true to override (unsafe; doctor keeps failing)",
            crate::state::paths::STATE_ROOT_ENV
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_dir_and_file_markers() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        let deep = repo.join("a/b/not-yet");
        assert_eq!(find_repo_root(&deep).unwrap(), repo.canonicalize().unwrap());
        let wt = t.path().join("worktree");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(
            find_repo_root(&wt.join("x")).unwrap(),
            wt.canonicalize().unwrap()
        );
        assert!(
            find_repo_root(&t.path().join("plain")).is_none() || {
                // the temp dir itself might sit in a repository on some machines
                !find_repo_root(&t.path().join("plain"))
                    .unwrap()
                    .starts_with(t.path())
            }
        );
    }
}
