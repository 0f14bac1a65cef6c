//! The state archive: exactly the context's protected files (SPEC §12) in a tar stream, never
//! `vault/`, with a manifest of every member's size and sha256 last; and its restore, staged
//! in full and checked before any file of the context is replaced.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use age::x25519::Identity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::stream::{self, Counter, Sealer};
use super::{Start, keys, store_dir, sweep_store};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::backups::{BackupKind, BackupRow, hex};
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::{apps, clock, context, deployments, fsio, targets};

/// The JSON documents of a context that a state backup holds.
pub const DOCS: &[&str] = &[
    "config.json",
    "targets.json",
    "apps.json",
    "deployments.json",
    "addons.json",
    "bluegreen.json",
    "webhooks/mappings.json",
    "alerts/policy.json",
    // paasdeck's own settings (the guard, identity file paths, the stage object): a restored
    // production context must not come back writable.
    "paasdeck.json",
];

/// An add-on fragment `addons/<app>/<name>.compose.yaml`, which `addons.json` needs.
fn addon_fragment_ok(app: &str, file: &str) -> bool {
    AppName::parse(app).is_ok()
        && file
            .strip_suffix(".compose.yaml")
            .is_some_and(|n| crate::state::names::validate_addon(n).is_ok())
}

/// The archive's last member: what it holds.
pub const MANIFEST: &str = "paasdeck-backup.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub context: String,
    pub created_at: String,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

fn event_name_ok(name: &str) -> bool {
    name.strip_suffix(".jsonl").is_some_and(|n| {
        !n.is_empty()
            && n.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    })
}

/// Whether `rel` is a path a state archive may hold.
pub fn allowed(rel: &str) -> bool {
    if DOCS.contains(&rel) {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["events", name] => event_name_ok(name),
        ["releases", app, release, "release.json"] => {
            AppName::parse(*app).is_ok() && ReleaseId::parse(*release).is_ok()
        }
        ["addons", app, file] => addon_fragment_ok(app, file),
        _ => false,
    }
}

fn regular(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The context's protected files that exist, relative to its directory.
pub fn members(cd: &ContextDir) -> Vec<String> {
    let mut out: Vec<String> = DOCS
        .iter()
        .filter(|d| regular(&cd.dir().join(d)))
        .map(|d| d.to_string())
        .collect();
    for name in entries(&cd.events_dir()) {
        let rel = format!("events/{name}");
        if allowed(&rel) && regular(&cd.dir().join(&rel)) {
            out.push(rel);
        }
    }
    let addons = cd.dir().join("addons");
    for app in entries(&addons) {
        for file in entries(&addons.join(&app)) {
            let rel = format!("addons/{app}/{file}");
            if allowed(&rel) && regular(&cd.dir().join(&rel)) {
                out.push(rel);
            }
        }
    }
    for app in entries(&cd.releases_dir()) {
        for rel in entries(&cd.releases_dir().join(&app)) {
            let rel = format!("releases/{app}/{rel}/release.json");
            if allowed(&rel) && regular(&cd.dir().join(&rel)) {
                out.push(rel);
            }
        }
    }
    out
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn hashing<R>(inner: R) -> Hashing<R> {
    Hashing {
        inner,
        hash: Sha256::new(),
        bytes: 0,
    }
}

fn archive_error(what: &str, e: impl std::fmt::Display) -> PaasError {
    PaasError::new(ErrorCode::StateIo, "backup_state", format!("{what}: {e}"))
}

/// Writes the archive of the opened members into `sealer`.
fn archive(cd: &ContextDir, opened: Vec<(String, File, u64)>, sealer: Sealer) -> Result<Sealer> {
    let mut b = tar::Builder::new(sealer);
    b.mode(tar::HeaderMode::Deterministic);
    let mut listed = Vec::new();
    let add = |b: &mut tar::Builder<Sealer>, rel: &str, len: u64, r: &mut dyn Read| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(len);
        h.set_mode(0o600);
        h.set_mtime(0);
        b.append_data(&mut h, rel, r)
            .map_err(|e| archive_error(&format!("archiving {rel}"), e))
    };
    for (rel, file, len) in opened {
        // A JSONL file may grow while it is read: exactly the length seen under the lock.
        let mut r = hashing(file.take(len));
        add(&mut b, &rel, len, &mut r)?;
        if r.bytes != len {
            return Err(archive_error(
                &format!("archiving {rel}"),
                "the file shrank while it was read",
            ));
        }
        listed.push(ManifestFile {
            path: rel,
            bytes: len,
            sha256: hex(&r.hash.finalize()),
        });
    }
    let manifest = Manifest {
        format: 1,
        context: cd.name().to_string(),
        created_at: clock::now_event(),
        files: listed,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| archive_error("writing the manifest", e))?;
    add(&mut b, MANIFEST, json.len() as u64, &mut json.as_slice())?;
    b.into_inner()
        .map_err(|e| archive_error("ending the archive", e))
}

/// `backup state`: archives the protected files (opened together under the context lock, so
/// they are one consistent moment) into a new artifact and catalogues it.
pub fn backup(cd: &ContextDir, operator: &str, counter: Counter) -> Result<BackupRow> {
    context::require(cd)?;
    let store = store_dir(cd)?;
    let keys = keys(cd)?;
    let start = Start::new(&store, BackupKind::State, None, operator, keys)?;
    sweep_store(&store);
    let run = || -> Result<stream::Sealed> {
        let sealer = Sealer::new(&start.path, &start.keys.recipients, counter)?;
        let opened = {
            let _lock = cd.lock()?;
            let mut v = Vec::new();
            for rel in members(cd) {
                let p = cd.dir().join(&rel);
                let f = File::open(&p).map_err(|e| PaasError::io("backup_state", &p, &e))?;
                let len = f
                    .metadata()
                    .map_err(|e| PaasError::io("backup_state", &p, &e))?
                    .len();
                v.push((rel, f, len));
            }
            v
        };
        archive(cd, opened, sealer)?.finish()
    };
    match run() {
        Ok(sealed) => start.finish(cd, sealed),
        Err(e) => Err(start.failed(cd, e)),
    }
}

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
            if !allowed(&rel) || staged.contains_key(&rel) {
                return Err(corrupt(
                    path,
                    format!("member {rel:?} is not a state file paasdeck restores"),
                ));
            }
            let dest = staging.join(&rel);
            let mut out = write_private(&dest)?;
            let mut r = hashing(&mut entry);
            io::copy(&mut r, &mut out).map_err(|e| corrupt(path, e))?;
            out.sync_all()
                .map_err(|e| PaasError::io("backup_restore", &dest, &e))?;
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

fn rename_into(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fsio::ensure_dir(dir)?;
    }
    fs::rename(from, to).map_err(|e| PaasError::io("backup_restore", to, &e))?;
    if let Some(dir) = to.parent() {
        fsio::sync_dir(dir);
    }
    Ok(())
}

/// Moves the staged files into place under the context lock, one atomic rename each.
fn swap(
    cd: &ContextDir,
    staging: &Path,
    staged: &BTreeMap<String, ManifestFile>,
) -> Result<StateRestored> {
    let _lock = cd.lock()?;
    let mut done = StateRestored::default();
    for doc in DOCS {
        let (from, to) = (staging.join(doc), cd.dir().join(doc));
        if staged.contains_key(*doc) {
            rename_into(&from, &to)?;
            done.replaced.push(doc.to_string());
        } else if regular(&to) {
            fs::remove_file(&to).map_err(|e| PaasError::io("backup_restore", &to, &e))?;
            done.removed.push(doc.to_string());
        }
    }
    for (rel, f) in staged.iter().filter(|(r, _)| r.starts_with("events/")) {
        let (from, to) = (staging.join(rel), cd.dir().join(rel));
        let empty = fs::metadata(&to).map(|m| m.len() == 0).unwrap_or(true);
        if empty {
            rename_into(&from, &to)?;
            done.replaced.push(rel.clone());
        } else if holds_prefix(&to, f) {
            done.kept.push(rel.clone());
        } else {
            // Rows written since the backup are never dropped: they follow the archived ones.
            let mut out = fs::OpenOptions::new()
                .append(true)
                .open(&from)
                .map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            let mut cur = File::open(&to).map_err(|e| PaasError::io("backup_restore", &to, &e))?;
            io::copy(&mut cur, &mut out).map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            out.flush()
                .map_err(|e| PaasError::io("backup_restore", &from, &e))?;
            rename_into(&from, &to)?;
            done.merged.push(rel.clone());
        }
    }
    for rel in staged
        .keys()
        .filter(|r| r.starts_with("releases/") || r.starts_with("addons/"))
    {
        rename_into(&staging.join(rel), &cd.dir().join(rel))?;
        done.replaced.push(rel.clone());
    }
    Ok(done)
}

/// Removes staging directories that restores which were killed left behind.
fn sweep_staging(cd: &ContextDir) {
    for name in entries(cd.dir()) {
        let Some(rest) = name.strip_prefix(".paasdeck-restore-") else {
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
    sweep_staging(cd);
    let staging = tempfile::Builder::new()
        .prefix(&format!(".paasdeck-restore-{}-", std::process::id()))
        .tempdir_in(cd.dir())
        .map_err(|e| PaasError::io("backup_restore", cd.dir(), &e))?;
    let staged = stage(row, &path, identity, staging.path(), cd.name())?;
    check_docs(staging.path(), &staged, cd.name())?;
    swap(cd, staging.path(), &staged)
}
