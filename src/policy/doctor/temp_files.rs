//! The doctor check `state_temp_files`: temp files of atomic writes whose writer is gone (a
//! crash or `kill -9` mid-write); some are whole copies of the vault.

use super::fix::paths as shell_paths;
use super::{Check, fail, pass, summarise};
use crate::state::fsio::temp;
use crate::state::paths::{ContextDir, StateRoot};

pub const NAME: &str = "state_temp_files";

/// A warning: temp files the next writer could not remove (SPEC §7); the writers of the root
/// and of the context remove the others under their lock.
pub fn state_temp_files(root: &StateRoot, cd: &ContextDir) -> Check {
    let mut found = temp::leftovers(root.path(), 1);
    found.extend(temp::leftovers(cd.dir(), ContextDir::STATE_DEPTH));
    if found.is_empty() {
        return pass(NAME, "no temp files left behind by writers that are gone");
    }
    let n = found.len();
    fail(
        NAME,
        format!(
            "{n} temp file(s) left by crashed writers (they may hold copies of state or the vault): {}; the next state write removes those it can, these remain",
            summarise(found.iter().map(|p| p.display().to_string()))
        ),
    )
    .with_fix(format!(
        "rm -f -- {}",
        shell_paths(found.iter().map(|p| p.as_path()))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_a_crashed_writers_temp_file_until_it_is_swept() {
        let t = tempfile::tempdir().unwrap();
        let root = StateRoot::at(t.path());
        let cd = root.context("alpha").unwrap();
        let vault = cd.dir().join("vault");
        std::fs::create_dir_all(&vault).unwrap();
        let check = state_temp_files(&root, &cd);
        assert!(check.ok, "{check:?}");
        let wreck = vault.join(".paasdeck-999999999-AbC123.tmp");
        std::fs::write(&wreck, "PAAS__CTX_ALPHA__VAR_X=1\n").unwrap();
        let live = temp::create_in(&vault).unwrap();
        let check = state_temp_files(&root, &cd);
        assert!(!check.ok);
        assert!(
            check.detail.contains(&wreck.display().to_string()),
            "{}",
            check.detail
        );
        assert!(check.fix.starts_with("rm -f -- "), "{}", check.fix);
        assert_eq!(check.level, super::super::Level::Warn);
        assert!(!check.detail.contains(&live.path().display().to_string()));
        assert!(!check.detail.contains("PAAS__CTX"), "never the content");
        let _lock = cd.lock().unwrap();
        assert!(!wreck.exists(), "taking the context lock removed it");
        assert!(live.path().exists());
        assert!(state_temp_files(&root, &cd).ok);
    }
}
