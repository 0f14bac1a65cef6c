//! The doctor's vault checks: where the vault lies, and that its values are encrypted at rest
//! (SPEC §13). That no two contexts share a vault is checked with the other cross-context rules.

use std::path::Path;

use super::fix::{self, Fixer};
use super::{Check, fail, pass, summarise};
use crate::state::paths::{ContextDir, canonical_lenient};
use crate::state::vault::format::{SI_PUBLIC_KEY_NAME, Scheme, ValueKind};
use crate::state::vault::{Vault, keyring};
use crate::state::{context, repo};

/// `repos`: the repositories of the state root and the working directory, as the doctor found
/// them once for every repository check.
pub(super) fn context_vault_outside_repo(cd: &ContextDir, repos: &[std::path::PathBuf]) -> Check {
    const NAME: &str = "context_vault_outside_repo";
    let vault = context::vault_path(cd);
    let vault_c = canonical_lenient(&vault);
    let mut repos = repos.to_vec();
    if let Some(r) = repo::find_repo_root(&vault) {
        repos.push(r);
    }
    if let Some(r) = repos.iter().find(|r| vault_c.starts_with(r)) {
        let check = fail(
            NAME,
            format!(
                "{}:{} is inside repository {}",
                cd.name(),
                vault.display(),
                r.display()
            ),
        );
        // A vault linked into a repository becomes a file of the context's own; a context
        // directory inside one moves with its state root (`state_root_outside_repo`).
        let linked = std::fs::symlink_metadata(&vault).is_ok_and(|m| m.file_type().is_symlink());
        return if linked {
            check.with_fix(format!(
                "cp --remove-destination -- {} {}",
                fix::path(&vault_c),
                fix::path(&vault)
            ))
        } else {
            let moved = super::repo_checks::outside(r);
            check.with_fix(format!(
                "mv -- {} {}",
                fix::path(cd.root_path()),
                fix::path(&moved)
            ))
        };
    }
    let mut detail = format!("vault {} resolves outside any repository", vault.display());
    // si records an absolute `vault_file` but always uses the context's own vault; one that
    // points elsewhere (a copied or restored root) is worth knowing, not a failure.
    if let Ok(Some(cfg)) = context::load(cd) {
        let recorded = cfg.vault_file.trim();
        if !recorded.is_empty() && canonical_lenient(Path::new(recorded)) != vault_c {
            detail.push_str(&format!(
                "; warning: config.json vault_file {recorded} points elsewhere and is not used (the vault is the context's own, as si resolves it)"
            ));
        }
    }
    pass(NAME, detail)
}

/// Fails while any value of the vault is plaintext; the detail counts them and names their keys
/// and lines (never a value).
pub(super) fn vault_values_encrypted(cd: &ContextDir, fixer: &Fixer) -> Check {
    const NAME: &str = "vault_values_encrypted";
    let path = context::vault_path(cd);
    if !path.exists() {
        return pass(NAME, "no vault file yet");
    }
    let vault = match Vault::load(&path) {
        Ok(v) => v,
        Err(e) => {
            return fail(NAME, e.message).with_fix(format!("${{EDITOR:-vi}} {}", fix::path(&path)));
        }
    };
    let (mut encrypted, mut ecies, mut plain, mut foreign, mut corrupt) =
        (0, 0, Vec::new(), Vec::new(), Vec::new());
    for e in vault.entries() {
        if e.key == SI_PUBLIC_KEY_NAME {
            continue;
        }
        let at = format!("{} (line {})", e.key, e.line);
        match e.kind {
            ValueKind::Encrypted(s) => {
                encrypted += 1;
                ecies += usize::from(s == Scheme::Ecies);
            }
            ValueKind::Plain => plain.push(at),
            ValueKind::Unsupported(_) => foreign.push(at),
            ValueKind::Corrupt(_) => corrupt.push(at),
            ValueKind::Empty => {}
        }
    }
    let mut notes = String::new();
    if ecies > 0 {
        notes.push_str(&format!(
            " ({ecies} in si's ECIES scheme, {} in age)",
            encrypted - ecies
        ));
    }
    if !foreign.is_empty() {
        notes.push_str(&format!(
            "; {} value(s) of an unsupported scheme: {}",
            foreign.len(),
            summarise(foreign)
        ));
    }
    if !corrupt.is_empty() {
        notes.push_str(&format!(
            "; {} value(s) that cannot be decrypted: {}",
            corrupt.len(),
            summarise(corrupt)
        ));
    }
    if plain.is_empty() {
        pass(
            NAME,
            format!(
                "{encrypted} value(s) encrypted in {}{notes}",
                path.display()
            ),
        )
    } else {
        fail(
            NAME,
            format!(
                "{} plaintext value(s) in {}: {}; {encrypted} encrypted{notes}; `vault keygen` creates your age identity if you have none, `secret encrypt` encrypts them to the vault's recipients",
                plain.len(),
                path.display(),
                summarise(plain),
            ),
        )
        .with_fix(format!(
            "{} && {}",
            fixer.paasdeck_root("vault keygen"),
            fixer.paasdeck("secret encrypt")
        ))
    }
}

pub const KEYRING_NAME: &str = "vault_keyring_available";

/// A warning when the vault has si's ECIES values (or its `SI_VAULT_PUBLIC_KEY`) and si's
/// keyring cannot give their key on this machine: deploys could not decrypt them. The fix names
/// the file or `SI_VAULT_KEYRING_FILE`; nothing of the keyring is shown.
pub(super) fn vault_keyring_available(root: &Path, cd: &ContextDir, fixer: &Fixer) -> Check {
    let path = context::vault_path(cd);
    let Ok(vault) = Vault::load(&path) else {
        return pass(
            KEYRING_NAME,
            "the vault cannot be read (vault_values_encrypted says why)",
        );
    };
    let want = match vault.si_public_key() {
        Ok(k) => k,
        Err(e) => {
            return fail(KEYRING_NAME, e.message)
                .with_fix(format!("${{EDITOR:-vi}} {}", fix::path(&path)));
        }
    };
    let ecies = vault.ecies_values_needing_key();
    if ecies == 0 {
        return pass(
            KEYRING_NAME,
            "the vault has no si ECIES value that needs a key",
        );
    }
    match keyring::load(want.as_ref(), root) {
        Ok(k) => pass(
            KEYRING_NAME,
            format!(
                "si's keyring {} holds the key of the vault's {ecies} ECIES value(s)",
                k.file.display()
            ),
        ),
        Err(e) => {
            let file = keyring::path().map(|(p, _)| p);
            let fix = match &file {
                Some(f) if e.remediation.starts_with("chmod 600") => {
                    format!("chmod 600 {}", fix::path(f))
                }
                Some(f) if e.message.contains("is a symlink") => format!(
                    "cp --remove-destination -- \"$(readlink -f {0})\" {0}",
                    fix::path(f)
                ),
                _ => format!(
                    "{}=/path/to/si-vault-keyring.json {}",
                    keyring::KEYRING_FILE_ENV,
                    fixer.paasdeck("vault status")
                ),
            };
            fail(
                KEYRING_NAME,
                format!(
                    "{ecies} ECIES value(s) in {} cannot be decrypted here: {}; deploys need si's keyring ({} or ~/.si/vault/si-vault-keyring.json, mode 0600)",
                    path.display(),
                    e.message,
                    keyring::KEYRING_FILE_ENV
                ),
            )
            .with_fix(fix)
        }
    }
}
