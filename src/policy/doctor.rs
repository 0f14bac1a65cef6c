//! The doctor: checks that private state stays private and contexts stay apart (SPEC §7).
//! Each check passes or fails with a detail and, failing, the command that fixes it; a failing
//! `block` check makes the report not ok (and refuses deploys), a failing `warn` check is listed
//! in its `warnings`.

use std::path::Path;

use crate::state::paths::StateRoot;
use crate::state::repo;

pub mod alerting;
mod backups;
pub(crate) mod check;
mod event_rows;
pub use check::{Check, DoctorReport, Level, WARN_CHECKS, level_of};
pub(crate) use check::{fail, pass, summarise};
pub mod fix;
mod history;
mod repo_checks;
mod row_filter;
pub mod runbook_gaps;
mod temp_files;
mod vault;

mod files;
use files::{bundle_plaintext_env, state_permissions};
use fix::Fixer;

/// Runs every check for one context.
pub fn run(root: &StateRoot, ctx: &str, cwd: Option<&Path>) -> DoctorReport {
    let fixer = Fixer::new(root, ctx);
    let cd = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => {
            let check = fail(super::doctor_context::NAME, e.message)
                .with_fix(fixer.paasdeck_root("context list"));
            return DoctorReport::new(ctx, vec![check]);
        }
    };
    let repos = repo::relevant_repos(root.path(), cwd);
    let artifacts = repo_checks::scan_repos(&repos);
    // Read once, for every check that looks at them: the bundles under `releases/` and the
    // event rows appended since the last verified position.
    let bundles = crate::state::releases::bundles::scan(&cd);
    let rows = event_rows::scan(&cd);
    let checks = vec![
        repo_checks::state_root_outside_repo(root, cwd),
        vault::context_vault_outside_repo(&cd, &repos),
        repo_checks::repo_private_state_artifacts(&repos, &artifacts),
        repo_checks::repo_plaintext_secret_exposure(&repos, &artifacts),
        runbook_gaps::repo_dotenv_secrets(&repos, &fixer),
        state_permissions(root, &cd),
        super::doctor_context::contexts_distinct_targets(root, ctx, &fixer),
        super::doctor_context::contexts_distinct_vaults(root, ctx),
        history::events_context_consistency(&rows),
        history::deploy_history_consistency(&cd, &bundles, &fixer),
        history::state_plaintext_secrets(&cd, &bundles, &rows, &fixer),
        bundle_plaintext_env(&bundles, &fixer),
        runbook_gaps::app_command_secrets(&cd, &fixer),
        runbook_gaps::backup_store_plaintext(&cd),
        runbook_gaps::backup_store_outside_repo(&cd),
        super::doctor_context::context_name(&cd, &fixer),
        vault::vault_values_encrypted(&cd, &fixer),
        vault::vault_keyring_available(root.path(), &cd, &fixer),
        temp_files::state_temp_files(root, &cd),
        backups::latest_backup_verified(&cd, &fixer),
        alerting::alert_channel_configured(&cd, &fixer),
    ];
    DoctorReport::new(ctx, checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warn_checks_are_the_checks_of_those_names() {
        assert_eq!(
            WARN_CHECKS,
            [
                backups::NAME,
                alerting::NAME,
                temp_files::NAME,
                vault::KEYRING_NAME
            ],
            "a renamed check must stay a warning"
        );
    }

    #[test]
    fn ok_is_the_and_of_the_block_checks_and_warnings_list_the_failing_warn_checks() {
        let report = |checks: Vec<Check>| DoctorReport::new("c", checks);
        let r = report(vec![
            pass("state_permissions", ""),
            fail("latest_backup_verified", "old").with_fix("paasdeck --context c backup state"),
            fail("alert_channel_configured", ""),
            pass("state_temp_files", ""),
        ]);
        assert!(r.ok);
        assert_eq!(
            r.warnings,
            ["latest_backup_verified", "alert_channel_configured"]
        );
        assert!(r.blocking().is_empty());
        assert_eq!(r.checks[1].level, Level::Warn);
        assert_eq!(r.checks[1].fix, "paasdeck --context c backup state");
        let r = report(vec![
            fail("state_permissions", "x"),
            fail("state_temp_files", "y"),
        ]);
        assert!(!r.ok);
        assert_eq!(r.blocking(), ["state_permissions"]);
        assert_eq!(r.warnings, ["state_temp_files"]);
        assert_eq!(r.failures().len(), 2);
        // A passing check carries no fix.
        assert_eq!(pass("state_permissions", "").with_fix("chmod").fix, "");
        let json = serde_json::to_value(&r.checks[0]).unwrap();
        assert_eq!(json["level"], "block");
        assert_eq!(
            json.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["name", "ok", "level", "detail", "fix"]
        );
    }
}
