//! The doctor's checks about contexts themselves: each is what its name says (`config.json`
//! names the directory it lies in; a name only an older root may have, like `ACME-Prod`, passes
//! with a warning that suggests a rename), and contexts stay apart (no shared host of another
//! type, no shared vault).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::doctor::check::{Check, fail, pass, summarise};
use super::doctor::fix::{self, Fixer};
use super::separation;
use crate::state::context;
use crate::state::ids::ContextName;
use crate::state::paths::{ContextDir, StateRoot, canonical_lenient};
use crate::state::targets;

pub const NAME: &str = "context_name";

pub fn context_name(cd: &ContextDir, fixer: &Fixer) -> Check {
    let dir_name = cd.name();
    match context::load(cd) {
        Err(e) => return fail(NAME, e.message),
        Ok(Some(cfg)) if cfg.name.as_str() != dir_name => {
            return fail(
                NAME,
                format!(
                    "{} names context {:?} but lies in directory {:?}; rewrite the name with `paasdeck context init {dir_name}` (type and settings are kept), or move the directory back to {:?}",
                    cd.config().display(),
                    crate::text::sanitize_inline(&cfg.name),
                    crate::text::sanitize_inline(dir_name),
                    crate::text::sanitize_inline(&cfg.name),
                ),
            )
            .with_fix(fixer.paasdeck_root(&format!(
                "context init {}",
                crate::text::shell_word(dir_name)
            )));
        }
        Ok(_) => {}
    }
    if cd.context_name().is_strict() {
        return pass(
            NAME,
            format!("context {dir_name} is named as its directory and follows the naming rule"),
        );
    }
    let suggested = suggest(cd.context_name());
    Check {
        warning: true,
        ..pass(
            NAME,
            format!(
                "warning: the name {:?} is accepted because the context already exists, but new names are lowercase letters, digits, '-', '_' and '.'; consider renaming it to {suggested:?}: `paasdeck --context {} context export --output F`, `paasdeck context init {suggested} --type TYPE`, `paasdeck --context {suggested} context import --input F`",
                crate::text::sanitize_inline(dir_name),
                crate::text::shell_word(dir_name),
            ),
        )
    }
}

pub fn contexts_distinct_targets(root: &StateRoot, ctx: &str, fixer: &Fixer) -> Check {
    const NAME: &str = "contexts_distinct_targets";
    let me = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => return fail(NAME, e.message),
    };
    let (my_kind, mine) = match (separation::kind_of(&me), targets::load(&me)) {
        (Ok(k), Ok(t)) => (k, t),
        (Err(e), _) | (_, Err(e)) => return fail(NAME, e.message),
    };
    let neighbours = match separation::neighbours(root, ctx) {
        Ok(n) => n,
        Err(e) => return fail(NAME, e.message),
    };
    let mut problems = Vec::new();
    let mut read = Vec::new();
    for (other, n) in &neighbours {
        match n {
            Ok(n) => read.push(n),
            Err(e) => problems.push(format!(
                "cannot compare with context {other}: {}",
                e.message
            )),
        }
    }
    let mut remove = std::collections::BTreeSet::new();
    for c in separation::clashes(&my_kind, &mine.targets, &read) {
        problems.push(format!(
            "{} is {ctx}/{} ({my_kind}) and {}/{} ({})",
            c.endpoint, c.target, c.other_context, c.other_target, c.other_kind
        ));
        remove.insert(c.target);
    }
    if problems.is_empty() {
        pass(
            NAME,
            "no host:port is shared with a context of another type",
        )
    } else {
        let fixes: Vec<String> = remove
            .iter()
            .map(|t| {
                fixer.paasdeck(&format!(
                    "target remove {} --force",
                    crate::text::shell_word(t)
                ))
            })
            .collect();
        fail(
            NAME,
            format!(
                "{}; the fix removes the shared target(s) from this context (or give them a host of their own)",
                summarise(problems)
            ),
        )
        .with_fix(fixes.join(" && "))
    }
}

/// Whether a vault's text holds a value (beyond si's public-key line): two empty vaults are
/// alike without being shared.
fn holds_values(text: &[u8]) -> bool {
    String::from_utf8_lossy(text).lines().any(|l| {
        let l = l.trim_start();
        !l.starts_with('#')
            && l.split_once('=').is_some_and(|(k, _)| {
                let k = k.trim().trim_start_matches("export ").trim();
                !k.is_empty() && k != crate::state::vault::format::SI_PUBLIC_KEY_NAME
            })
    })
}

/// How two vault files are one: the same path (or symlink), the same file (hard link), or the
/// same values (a copy).
fn shared_as(mine: &Path, theirs: &Path) -> Option<&'static str> {
    if canonical_lenient(mine) == canonical_lenient(theirs) {
        return Some("path");
    }
    let (a, b) = (
        std::fs::metadata(mine).ok()?,
        std::fs::metadata(theirs).ok()?,
    );
    if a.dev() == b.dev() && a.ino() == b.ino() {
        return Some("hard link");
    }
    if a.len() != b.len() {
        return None;
    }
    let text = std::fs::read(mine).ok()?;
    (holds_values(&text) && std::fs::read(theirs).ok()? == text).then_some("identical content")
}

pub fn contexts_distinct_vaults(root: &StateRoot, ctx: &str) -> Check {
    const NAME: &str = "contexts_distinct_vaults";
    let me = match root.context(ctx) {
        Ok(cd) => cd,
        Err(e) => return fail(NAME, e.message),
    };
    let my_path = context::vault_path(&me);
    let my_vault = canonical_lenient(&my_path);
    let mut shared = Vec::new();
    let mut with = Vec::new();
    for other in root.list_contexts().unwrap_or_default() {
        if other == ctx {
            continue;
        }
        let Ok(ocd) = root.context(&other) else {
            continue;
        };
        let theirs = context::vault_path(&ocd);
        if let Some(how) = shared_as(&my_path, &theirs) {
            shared.push(format!(
                "{} is also the vault of context {other} ({how}: {})",
                my_path.display(),
                theirs.display()
            ));
            with.push(other);
        }
    }
    if shared.is_empty() {
        return pass(
            NAME,
            format!("vault {} belongs to this context only", my_vault.display()),
        );
    }
    // A linked vault becomes no vault (the other context keeps the file); a copy is moved aside,
    // and this context's secrets are set again with `secret set`.
    let linked = std::fs::symlink_metadata(&my_path).is_ok_and(|m| m.file_type().is_symlink());
    let fix = if linked {
        format!("rm -- {}", fix::path(&my_path))
    } else {
        let aside = my_path.with_file_name(format!("secrets.env.shared-with-{}", with.join("-")));
        format!("mv -- {} {}", fix::path(&my_path), fix::path(&aside))
    };
    fail(
        NAME,
        format!(
            "{}; the fix takes the shared vault away from this context (moved aside, not deleted): set this context's own secrets again with `secret set`",
            summarise(shared)
        ),
    )
    .with_fix(fix)
}

/// A name for new contexts close to `name`: lowercased, other characters as `-`.
fn suggest(name: &ContextName) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out
        .trim_matches(|c| matches!(c, '-' | '_' | '.'))
        .replace("..", ".");
    out.truncate(63);
    if out.is_empty() {
        "renamed".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;

    #[test]
    fn suggestions_follow_the_rule() {
        for (from, want) in [
            ("ACME-Prod", "acme-prod"),
            ("Acme Prod 2", "acme-prod-2"),
            ("-x..y-", "x.y"),
            ("ÄÖ", "renamed"),
        ] {
            let got = suggest(&ContextName::parse(from).unwrap());
            assert_eq!(got, want);
            crate::state::names::validate_context(&got).unwrap();
        }
    }

    #[test]
    fn name_mismatch_fails_and_legacy_names_warn() {
        let t = tempfile::tempdir().unwrap();
        let root = StateRoot::at(t.path());
        let cd = root.context("alpha").unwrap();
        context::init(&root, &cd, &Default::default()).unwrap();
        let fixer = Fixer::new(&root, "alpha");
        let c = context_name(&cd, &fixer);
        assert!(c.ok && !c.warning, "{c:?}");
        let cfg = std::fs::read_to_string(cd.config()).unwrap();
        std::fs::write(
            cd.config(),
            cfg.replace("\"name\": \"alpha\"", "\"name\": \"beta\""),
        )
        .unwrap();
        let c = context_name(&cd, &fixer);
        assert!(!c.ok, "{c:?}");
        assert!(c.detail.contains("\"beta\"") && c.detail.contains("context init alpha"));
        // an existing directory with a name si accepts
        std::fs::create_dir_all(t.path().join("contexts/ACME-Prod/events")).unwrap();
        let legacy = root.context("ACME-Prod").unwrap();
        let c = context_name(&legacy, &fixer);
        assert!(c.ok && c.warning, "{c:?}");
        assert!(c.detail.contains("acme-prod"), "{}", c.detail);
    }
}
