//! The state archive: exactly the context's protected files (SPEC §12) in a tar stream, never
//! `vault/`, with a manifest of every member's size and sha256 last. Its restore is in
//! `state_restore`.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::stream::{self, Counter, Sealer};
use super::{Start, keys, sweep_store, write_store_dir};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::backups::{BackupKind, BackupRow, hex};
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::{clock, context};

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

/// The most files a state archive holds: far more than a context's documents, event files,
/// add-on fragments and release metadata come to. A backup of more is refused, and so is the
/// restore of an archive with more (it cannot be a state paasdeck wrote).
pub const MAX_MEMBERS: usize = 10_000;

/// The most bytes of plaintext a state archive holds (4 GiB), for the same reason.
pub const MAX_PLAINTEXT_BYTES: u64 = 4 << 30;

pub(super) fn too_many(what: &Path, n: usize) -> PaasError {
    PaasError::new(
        ErrorCode::InvalidArgument,
        "backup_state",
        format!(
            "{} holds {n} state files, more than a state archive may hold ({MAX_MEMBERS})",
            what.display()
        ),
    )
    .with_remediation("remove release metadata or event files the context no longer needs")
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

pub(super) fn regular(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

pub(super) fn entries(dir: &Path) -> Vec<String> {
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
pub(super) struct Hashing<R> {
    inner: R,
    pub(super) hash: Sha256,
    pub(super) bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

pub(super) fn hashing<R>(inner: R) -> Hashing<R> {
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
    let store = write_store_dir(cd)?;
    let keys = keys(cd)?;
    let start = Start::new(&store, BackupKind::State, None, operator, keys)?;
    sweep_store(cd, &store)?;
    let run = || -> Result<stream::Sealed> {
        let sealer = Sealer::new(&start.path, &start.keys.recipients, counter)?;
        let opened = {
            let _lock = cd.lock()?;
            let mut v = Vec::new();
            let members = members(cd);
            if members.len() > MAX_MEMBERS {
                return Err(too_many(cd.dir(), members.len()));
            }
            for rel in members {
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

pub use super::state_restore::{StateRestored, restore};
