//! A state restore: the archive is staged in full beside the context and checked (members,
//! manifest, checksums, limits, the documents themselves) before anything is replaced; the
//! replacement then goes through the restore journal, so a crash leaves the context wholly old
//! or wholly restored.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use age::x25519::Identity;
use serde::Serialize;
use sha2::Digest;

use super::state::{
    DOCS, MANIFEST, MAX_MEMBERS, MAX_PLAINTEXT_BYTES, Manifest, ManifestFile, allowed, entries,
    hashing, regular,
};
use super::stream;
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::backups::{BackupRow, hex};
use crate::state::paths::ContextDir;
use crate::state::restore_journal::{self, Journal, STAGING_PREFIX};
use crate::state::{apps, context, deployments, fsio, targets};

/// What a state restore changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StateRestored {
    /// Replaced by the archive's version.
    pub replaced: Vec<String>,
    /// Not in the archive (they did not exist then), so removed.
    pub removed: Vec<String>,
    /// Event files that already held every archived row, left as they are.
    pub kept: Vec<String>,
    /// Event files that did not: the archived rows, then the current ones.
    pub merged: Vec<String>,
}

fn corrupt(path: &Path, why: impl std::fmt::Display) -> PaasError {
    PaasError::new(
        ErrorCode::BackupVerifyFailed,
        "backup_restore",
        format!("the state archive {} is not usable: {why}", path.display()),
    )
    .with_remediation(
        "nothing was changed; restore from another state backup (`backup list --kind state`)",
    )
}

fn write_private(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        fsio::ensure_dir(dir)?;
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(fsio::FILE_MODE)
        .open(path)
        .map_err(|e| PaasError::io("backup_restore", path, &e))
}

/// Unpacks the archive into `staging`, checking every member and the plaintext checksum.
fn stage(
    row: &BackupRow,
    path: &Path,
    identity: &Identity,
    staging: &Path,
    ctx: &str,
) -> Result<BTreeMap<String, ManifestFile>> {
    if row.plaintext_bytes > MAX_PLAINTEXT_BYTES {
        return Err(corrupt(
            path,
            format!(
                "it holds {} bytes, more than a state archive may hold ({MAX_PLAINTEXT_BYTES})",
                row.plaintext_bytes
            ),
        ));
    }
    let mut plain = hashing(stream::open(path, identity)?);
    let mut staged: BTreeMap<String, ManifestFile> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    {
        let mut ar = tar::Archive::new(&mut plain);
        for entry in ar.entries().map_err(|e| corrupt(path, e))? {
            let mut entry = entry.map_err(|e| corrupt(path, e))?;
            let rel = entry
                .path()
                .map_err(|e| corrupt(path, e))?
                .to_str()
                .map(str::to_string)
                .ok_or_else(|| corrupt(path, "a member name is not UTF-8"))?;
            if entry.header().entry_type() != tar::EntryType::Regular {
                return Err(corrupt(
                    path,
                    format!("member {rel:?} is not a regular file"),
                ));
            }
            if rel == MANIFEST {
                let mut text = Vec::new();
                entry
                    .by_ref()
                    .take(16 << 20)
                    .read_to_end(&mut text)
                    .map_err(|e| corrupt(path, e))?;
                manifest = Some(serde_json::from_slice(&text).map_err(|e| corrupt(path, e))?);
                continue;
            }
            if staged.len() >= MAX_MEMBERS {
                return Err(corrupt(
                    path,
                    format!(
                        "it holds more than {MAX_MEMBERS} files, more than a state archive may hold"
                    ),
                ));
            }
            if !allowed(&rel) || staged.contains_key(&rel) {
                return Err(corrupt(
                    path,
                    format!("member {rel:?} is not a state file paasdeck restores"),
                ));
            }
            let dest = staging.join(&rel);
            let mut out = write_private(&dest)?;
            let mut r = hashing(&mut entry);
            // Synced only once the whole archive checked out (`sync_staged`): an archive that
            // is refused costs no fsync per member.
            io::copy(&mut r, &mut out).map_err(|e| corrupt(path, e))?;
            let (bytes, sha256) = (r.bytes, hex(&r.hash.finalize()));
            staged.insert(
                rel.clone(),
                ManifestFile {
                    path: rel,
                    bytes,
                    sha256,
                },
            );
        }
    }
    io::copy(&mut plain, &mut io::sink()).map_err(|e| corrupt(path, e))?;
    let sha = hex(&plain.hash.finalize());
    if plain.bytes != row.plaintext_bytes || sha != row.plaintext_sha256 {
        return Err(corrupt(
            path,
            "its plaintext does not match the catalogued sha256",
        ));
    }
    let manifest = manifest.ok_or_else(|| corrupt(path, "it has no manifest"))?;
    if manifest.context != ctx {
        return Err(corrupt(
            path,
            format!(
                "it is an archive of context {:?}",
                crate::text::sanitize_inline(&manifest.context)
            ),
        ));
    }
    let listed: BTreeMap<String, ManifestFile> = manifest
        .files
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    if listed != staged {
        return Err(corrupt(path, "its members do not match its manifest"));
    }
    Ok(staged)
}

/// The staged documents must be what paasdeck itself would accept.
fn check_docs(staging: &Path, staged: &BTreeMap<String, ManifestFile>, ctx: &str) -> Result<()> {
    for rel in staged.keys().filter(|r| DOCS.contains(&r.as_str())) {
        let p = staging.join(rel);
        match rel.as_str() {
            "config.json" => {
                let cfg: context::ContextConfig =
                    fsio::read_json(&p)?.ok_or_else(|| corrupt(&p, "config.json is missing"))?;
                if cfg.name.as_str() != ctx {
                    return Err(corrupt(
                        &p,
                        format!("its config.json names context {:?}", cfg.name.as_str()),
                    ));
                }
            }
            "targets.json" => drop(fsio::read_json::<targets::TargetsDoc>(&p)?),
            "apps.json" => drop(fsio::read_json::<apps::AppsDoc>(&p)?),
            "deployments.json" => drop(fsio::read_json::<deployments::DeploymentsDoc>(&p)?),
            "addons.json" => drop(fsio::read_json::<crate::state::addons::AddonsDoc>(&p)?),
            _ => drop(fsio::read_json::<serde_json::Value>(&p)?),
        }
    }
    Ok(())
}

/// Whether `current` begins with exactly the bytes of `archived`.
fn holds_prefix(current: &Path, archived: &ManifestFile) -> bool {
    let Ok(f) = File::open(current) else {
        return false;
    };
    if f.metadata().map(|m| m.len()).unwrap_or(0) < archived.bytes {
        return false;
    }
    let mut r = hashing(f.take(archived.bytes));
    io::copy(&mut r, &mut io::sink()).is_ok() && hex(&r.hash.finalize()) == archived.sha256
}

/// Puts the final content of every file the restore replaces into `staging` and lists what
/// moves and what goes. The caller holds the context lock, so the event files read here stay
/// as they are until the journal is applied.
fn prepare(
    cd: &ContextDir,
    staging: &Path,
    staged: &BTreeMap<String, ManifestFile>,
) -> Result<(Journal, StateRestored)> {
    let mut journal = Journal {
        staging: staging
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..Journal::default()
    };
    let mut done = StateRestored::default();
    for doc in DOCS {
        if staged.contains_key(*doc) {
            journal.moves.push(doc.to_string());
            done.replaced.push(doc.to_string());
        } else if regular(&cd.dir().join(doc)) {
            journal.removals.push(doc.to_string());
            done.removed.push(doc.to_string());
        }
    }
    for (rel, f) in staged.iter().filter(|(r, _)| r.starts_with("events/")) {
        let (from, to) = (staging.join(rel), cd.dir().join(rel));
        let empty = fs::metadata(&to).map(|m| m.len() == 0).unwrap_or(true);
        if empty {
            done.replaced.push(rel.clone());
        } else if holds_prefix(&to, f) {
            done.kept.push(rel.clone());
            continue;
        } else {
            // Rows written since the backup are never dropped: they follow the archived ones.
            let mut out = fs::OpenOptions::new()
                .append(true)
                .open(&from)
                .map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            let mut cur = File::open(&to).map_err(|e| PaasError::io("backup_restore", &to, &e))?;
            io::copy(&mut cur, &mut out).map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            out.flush()
                .and_then(|()| out.sync_all())
                .map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            done.merged.push(rel.clone());
        }
        journal.moves.push(rel.clone());
    }
    for rel in staged
        .keys()
        .filter(|r| r.starts_with("releases/") || r.starts_with("addons/"))
    {
        journal.moves.push(rel.clone());
        done.replaced.push(rel.clone());
    }
    Ok((journal, done))
}

/// Makes every staged file durable before the journal makes them the context's.
fn sync_staged(staging: &Path, staged: &BTreeMap<String, ManifestFile>) -> Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for rel in staged.keys() {
        let p = staging.join(rel);
        File::open(&p)
            .and_then(|f| f.sync_all())
            .map_err(|e| PaasError::io("backup_restore", &p, &e))?;
        if let Some(d) = p.parent() {
            dirs.insert(d.to_path_buf());
        }
    }
    for d in &dirs {
        fsio::sync_dir(d);
    }
    Ok(())
}

/// Removes staging directories that restores which were killed before their commit point left
/// behind (the lock, taken first, has finished any restore killed after it).
fn sweep_staging(cd: &ContextDir) {
    for name in entries(cd.dir()) {
        let Some(rest) = name.strip_prefix(STAGING_PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !fsio::temp::process_alive(p)) {
            let _ = fs::remove_dir_all(cd.dir().join(&name));
        }
    }
}

/// Restores the context's state files from a verified state backup. The vault is never
/// touched; nothing is replaced unless the whole archive checked out.
pub fn restore(cd: &ContextDir, row: &BackupRow, identity: &Identity) -> Result<StateRestored> {
    let path: PathBuf = row
        .path
        .clone()
        .ok_or_else(|| corrupt(Path::new("-"), "the catalogue records no artifact"))?;
    drop(cd.lock()?);
    sweep_staging(cd);
    let staging = tempfile::Builder::new()
        .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
        .tempdir_in(cd.dir())
        .map_err(|e| PaasError::io("backup_restore", cd.dir(), &e))?;
    let staged = stage(row, &path, identity, staging.path(), cd.name())?;
    check_docs(staging.path(), &staged, cd.name())?;
    sync_staged(staging.path(), &staged)?;
    let _lock = cd.lock()?;
    let (journal, done) = prepare(cd, staging.path(), &staged)?;
    crate::state::fault::point("restore_staged");
    restore_journal::commit(cd.dir(), &journal)?;
    Ok(done)
}
