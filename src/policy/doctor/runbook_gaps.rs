//! Checks for what walking the context runbook found the other checks let through: a `.env`
//! holding secrets at a repository's root, a file in the backup store that is not an age
//! artifact, a credential written into an app's commands, and a backup store inside a
//! repository (a repo-local state root under `SI_PAAS_ALLOW_REPO_STATE=true` puts it there).
//! All four block: each is private data where it must not be.

use std::path::{Path, PathBuf};

use super::fix::{self, Fixer};
use super::{Check, fail, pass, summarise};
use crate::policy::detect;
use crate::state::apps;
use crate::state::paths::ContextDir;
use crate::state::repo;

pub const DOTENV: &str = "repo_dotenv_secrets";
pub const STORE_PLAINTEXT: &str = "backup_store_plaintext";
pub const APP_COMMANDS: &str = "app_command_secrets";
pub const STORE_IN_REPO: &str = "backup_store_outside_repo";

/// `.env` and `.env.*` files at the repository's root (`.env.example` and other templates
/// included: a template holding a real value is still a leak).
fn dotenv_files(repo: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(repo) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_ascii_lowercase();
            n == ".env" || n.starts_with(".env.")
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Where a `.env` moved out of `repo` goes: beside the repository, private.
fn quarantine(repo: &Path) -> PathBuf {
    let name = repo
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into());
    let parent = repo.parent().unwrap_or(Path::new("/var/tmp"));
    parent.join(format!("{name}-env-quarantine"))
}

/// A `.env` at the root of a repository of the working directory or the state root that
/// assigns a literal value to a secret-like key (`API_TOKEN=…`).
pub fn repo_dotenv_secrets(repos: &[PathBuf], fixer: &Fixer) -> Check {
    let mut hits = Vec::new();
    let mut moves = Vec::new();
    for r in repos {
        for f in dotenv_files(r) {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let found = detect::plaintext_assignments(&text);
            if found.is_empty() {
                continue;
            }
            let shown = f.display().to_string();
            hits.extend(found.iter().map(|x| x.describe(&shown)));
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let away = quarantine(r);
            moves.push(format!(
                "git -C {} rm -q --cached --ignore-unmatch -- {} && mkdir -p -m 700 {} && mv -- {} {}",
                fix::path(r),
                crate::text::shell_word(&name),
                fix::path(&away),
                fix::path(&f),
                fix::path(&away.join(&name)),
            ));
        }
    }
    if hits.is_empty() {
        return pass(
            DOTENV,
            "no .env at a repository's root holds a plaintext secret",
        );
    }
    fail(
        DOTENV,
        format!(
            "{}: plaintext secrets at a repository's root, one `git add -A` from being published; store each with `{}` (value on stdin), rotate any that were committed, and move the file out",
            summarise(hits),
            fixer.paasdeck("secret set --app APP --name KEY")
        ),
    )
    .with_fix(moves.join(" && "))
}

/// Whether a file starts as an age artifact does (binary or armored).
fn is_age(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 34];
    let mut f = std::fs::File::open(path)?;
    let n = f.read(&mut head)?;
    let head = &head[..n];
    Ok(head.starts_with(b"age-encryption.org/v1\n")
        || head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"))
}

/// Every file in the context's backup store is an age artifact: a dump copied in by hand, or
/// left by a tool other than paasdeck, is plaintext data where only ciphertext should be.
pub fn backup_store_plaintext(cd: &ContextDir) -> Check {
    let Ok(store) = crate::state::backups::store_path(cd) else {
        return pass(STORE_PLAINTEXT, "no usable backup store to scan");
    };
    let Ok(rd) = std::fs::read_dir(&store) else {
        return pass(STORE_PLAINTEXT, "no backup store yet");
    };
    let mut bad: Vec<PathBuf> = Vec::new();
    for e in rd.flatten() {
        let p = e.path();
        if !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        // An artifact being written has no bytes yet; anything else must open as age.
        if e.metadata().is_ok_and(|m| m.len() == 0) {
            continue;
        }
        if !is_age(&p).unwrap_or(false) {
            bad.push(p);
        }
    }
    bad.sort();
    if bad.is_empty() {
        return pass(
            STORE_PLAINTEXT,
            format!("every file in {} is an age artifact", store.display()),
        );
    }
    fail(
        STORE_PLAINTEXT,
        format!(
            "{}: not age-encrypted, in the backup store {}; a backup is only ever stored encrypted",
            summarise(bad.iter().map(|p| p.display().to_string())),
            store.display()
        ),
    )
    .with_fix(format!(
        "rm -- {}",
        fix::paths(bad.iter().map(PathBuf::as_path))
    ))
}

/// What in a command holds a credential, by kind (the value itself is never returned).
pub fn command_credentials(cmd: &str) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    let lower = cmd.to_ascii_lowercase();
    let bearer = lower.match_indices("bearer").any(|(i, m)| {
        let rest = cmd[i + m.len()..].trim_start_matches([' ', '\t', ':', '=']);
        let word: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .collect();
        word.len() >= 8 && !word.starts_with('$') && !word.contains("<redacted>")
    });
    if bearer {
        kinds.push("a bearer token");
    }
    let words = cmd.split_whitespace().collect::<Vec<_>>().join("\n");
    if !detect::plaintext_assignments(&words).is_empty() {
        kinds.push("a secret assignment");
    }
    let userinfo = cmd.match_indices("://").any(|(i, _)| {
        let rest = &cmd[i + 3..];
        let authority: &str = rest.split(['/', ' ', '"', '\'']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .is_some_and(|(user, _)| user.contains(':') && !user.contains('$'))
    });
    if userinfo {
        kinds.push("a password in a URL");
    }
    kinds
}

/// The apps' `health_cmd`, `backup_cmd` and `restore_cmd` hold no literal credential (an
/// imported `si paas` app may carry `curl -H 'Authorization: Bearer …'`).
pub fn app_command_secrets(cd: &ContextDir, fixer: &Fixer) -> Check {
    // An apps.json that cannot be read is the commands' to report (`PAAS_STATE_CORRUPT`,
    // naming the file and field), as for the deploy history.
    let Ok(doc) = apps::load(cd) else {
        return pass(
            APP_COMMANDS,
            "apps.json is not readable here; the commands report it",
        );
    };
    let mut hits = Vec::new();
    for a in &doc.apps {
        for (field, cmd) in [
            ("health_cmd", &a.health_cmd),
            ("backup_cmd", &a.backup_cmd),
            ("restore_cmd", &a.restore_cmd),
        ] {
            let kinds = command_credentials(cmd);
            if !kinds.is_empty() {
                hits.push(format!("app {} {field}: {}", a.name, kinds.join(", ")));
            }
        }
    }
    if hits.is_empty() {
        return pass(APP_COMMANDS, "no app command holds a literal credential");
    }
    fail(
        APP_COMMANDS,
        format!(
            "{} in {}: store the value with `{}` and name it as $KEY in the command, then rotate it",
            summarise(hits),
            cd.apps().display(),
            fixer.paasdeck("secret set --app APP --name KEY")
        ),
    )
    .with_fix(format!("${{EDITOR:-vi}} {}", fix::path(&cd.apps())))
}

/// The backup store lies outside every git work tree, whatever `SI_PAAS_ALLOW_REPO_STATE`
/// allows the state root.
pub fn backup_store_outside_repo(cd: &ContextDir) -> Check {
    let store = match crate::state::backups::store_path(cd) {
        Ok(s) => s,
        Err(e) => {
            return fail(STORE_IN_REPO, e.message)
                .with_fix(format!("${{EDITOR:-vi}} {}", fix::path(&cd.config())));
        }
    };
    let Some(r) = repo::find_repo_root(&store) else {
        return pass(
            STORE_IN_REPO,
            format!("backup store {} is outside any repository", store.display()),
        );
    };
    let has_files = std::fs::read_dir(&store).is_ok_and(|mut d| d.next().is_some());
    if !has_files {
        // Nothing written there: new backups refuse a store inside a repository.
        return pass(
            STORE_IN_REPO,
            format!(
                "no backup written to {} (inside repository {}: backups refuse to go there)",
                store.display(),
                r.display()
            ),
        );
    }
    let away = super::repo_checks::outside(&r)
        .join("backups")
        .join(cd.name());
    let mut detail = format!(
        "backups written to {}, inside repository {}",
        store.display(),
        r.display()
    );
    if repo::allow_repo_state() {
        detail.push_str(&format!(
            " ({}=true lets commands run on this state root; backups still must not be written there)",
            repo::ALLOW_REPO_STATE_ENV
        ));
    }
    detail.push_str(&format!(
        "; move the artifacts out and set \"backup_dir\": {:?} in {}",
        away.display().to_string(),
        cd.config().display()
    ));
    let mut fix = format!(
        "mkdir -p -m 700 {} && mv -- {}/* {}/",
        fix::path(&away),
        fix::path(&store),
        fix::path(&away)
    );
    fix.push_str(&format!(" && ${{EDITOR:-vi}} {}", fix::path(&cd.config())));
    fail(STORE_IN_REPO, detail).with_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::command_credentials;

    #[test]
    fn a_command_credential_is_found_by_kind_and_a_reference_is_not_one() {
        let cases: &[(&str, &[&str])] = &[
            (
                "curl -H 'Authorization: Bearer abcdef123456' http://x/health",
                &["a bearer token"],
            ),
            (
                "curl -H \"Authorization: Bearer $HEALTH_TOKEN\" http://x",
                &[],
            ),
            ("curl -H 'Authorization: bearer'", &[]),
            ("API_TOKEN=s3cr3t-value ./probe", &["a secret assignment"]),
            ("API_TOKEN=${API_TOKEN} ./probe", &[]),
            (
                "pg_dump postgres://app:hunter2@db/app",
                &["a password in a URL"],
            ),
            ("pg_dump postgres://app:$PGPASSWORD@db/app", &[]),
            ("docker compose exec -T db pg_dump -U app app", &[]),
            ("", &[]),
        ];
        for (cmd, want) in cases {
            assert_eq!(command_credentials(cmd), *want, "{cmd}");
        }
    }
}
