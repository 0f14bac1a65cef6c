//! The last verified position of each event file, so a check over the event history reads only
//! the rows appended since. A position holds only for the same file (device and inode), no
//! shorter than it was, whose bytes just before the position are still those that were verified
//! (an inode number reused by a new file does not pass), checked by the same rules for the same
//! context. Anything else (a file replaced by `sed -i`, truncated, restored, a checkpoint that
//! cannot be read) starts the scan at the beginning: a checkpoint can only save work, never
//! hide a row.
//!
//! Kept in the context's private `paasdeck/` directory, replaced atomically; it is a cache, so
//! failing to write it only costs the next run a longer scan.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::state::fsio;
use crate::state::paths::{ContextDir, EventFile};

/// The file under the context's private directory.
pub const FILE_NAME: &str = "events-checkpoint.json";

/// How many bytes before a position must still match for it to hold.
const TAIL: u64 = 4096;

/// A checkpoint larger than this is not one paasdeck wrote; it is ignored.
const MAX_BYTES: u64 = 64 * 1024;

/// Where one file was verified up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Mark {
    dev: u64,
    ino: u64,
    /// Every complete row before this offset passed.
    offset: u64,
    /// How many lines lie before `offset`, so line numbers stay those of the whole file.
    lines: u64,
    tail_sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    rules: String,
    context: String,
    files: BTreeMap<String, Mark>,
}

/// Where to start reading a file: the offset and the number of lines before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resume {
    pub offset: u64,
    pub lines: u64,
}

/// The checkpoint of one context for one set of rules.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
    doc: Doc,
    changed: bool,
}

/// SHA-256 of the `TAIL` bytes before `offset` (fewer at the start of the file).
fn tail_digest(file: &File, offset: u64) -> Option<String> {
    let from = offset.saturating_sub(TAIL);
    let mut buf = vec![0u8; (offset - from) as usize];
    file.read_exact_at(&mut buf, from).ok()?;
    let digest = Sha256::digest(&buf);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

impl Checkpoint {
    /// The context's checkpoint for `rules` (a name that changes whenever what counts as a
    /// verified row changes); empty when there is none, it cannot be read, or it was written
    /// for other rules or another context.
    pub fn load(cd: &ContextDir, rules: &str) -> Checkpoint {
        let path = cd.private_dir().join(FILE_NAME);
        let fresh = || Doc {
            rules: rules.to_string(),
            context: cd.name().to_string(),
            files: BTreeMap::new(),
        };
        let doc = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.is_file() && m.len() <= MAX_BYTES)
            .and_then(|_| std::fs::read(&path).ok())
            .and_then(|b| serde_json::from_slice::<Doc>(&b).ok())
            .filter(|d| d.rules == rules && d.context == cd.name())
            .unwrap_or_else(fresh);
        Checkpoint {
            path,
            doc,
            changed: false,
        }
    }

    /// Where to resume reading `kind`, open as `file`: its mark when that still holds for this
    /// very file, else its beginning.
    pub fn resume(&self, kind: EventFile, file: &File) -> Resume {
        let Some(mark) = self.doc.files.get(kind.file_name()) else {
            return Resume::default();
        };
        let Ok(meta) = file.metadata() else {
            return Resume::default();
        };
        let holds = meta.dev() == mark.dev
            && meta.ino() == mark.ino
            && meta.len() >= mark.offset
            && tail_digest(file, mark.offset).as_deref() == Some(mark.tail_sha256.as_str());
        if holds {
            Resume {
                offset: mark.offset,
                lines: mark.lines,
            }
        } else {
            Resume::default()
        }
    }

    /// Records that every complete row of `file` before `at.offset` passed.
    pub fn record(&mut self, kind: EventFile, file: &File, at: Resume) {
        let (Ok(meta), Some(tail_sha256)) = (file.metadata(), tail_digest(file, at.offset)) else {
            return;
        };
        let mark = Mark {
            dev: meta.dev(),
            ino: meta.ino(),
            offset: at.offset,
            lines: at.lines,
            tail_sha256,
        };
        if self.doc.files.get(kind.file_name()) != Some(&mark) {
            self.doc.files.insert(kind.file_name().to_string(), mark);
            self.changed = true;
        }
    }

    /// Forgets the mark of a file that is gone.
    pub fn forget(&mut self, kind: EventFile) {
        if self.doc.files.remove(kind.file_name()).is_some() {
            self.changed = true;
        }
    }

    /// Writes the checkpoint when it moved (atomically, 0600 in a 0700 directory). A failure
    /// is logged: the next run scans more, nothing else.
    pub fn save(&self) {
        if !self.changed {
            return;
        }
        if let Err(e) = self.write() {
            tracing::warn!("could not write the events checkpoint: {e}");
        }
    }

    /// A cache never brings a context back: only paasdeck's own folder is made, inside a
    /// context directory that must still be there, and the temp file is made in it (a context
    /// removed meanwhile stays removed; the write fails and the next run scans again).
    fn write(&self) -> std::io::Result<()> {
        use std::io::Write;
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        // Private like every state directory (the doctor's `state_permissions`).
        let made = {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().mode(0o700).create(dir)
        };
        match made {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        let mut bytes = serde_json::to_vec_pretty(&self.doc).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        let mut tmp = fsio::temp::create_in(dir)?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        fsio::sync_dir(dir);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use std::io::Write;

    fn setup() -> (tempfile::TempDir, ContextDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let p = cd.event_file(EventFile::Audit);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "row one\nrow two\n").unwrap();
        (t, cd, p)
    }

    fn record_at(cd: &ContextDir, p: &std::path::Path, offset: u64, lines: u64) {
        let mut c = Checkpoint::load(cd, "r1");
        c.record(
            EventFile::Audit,
            &File::open(p).unwrap(),
            Resume { offset, lines },
        );
        c.save();
    }

    fn resume(cd: &ContextDir, p: &std::path::Path, rules: &str) -> Resume {
        Checkpoint::load(cd, rules).resume(EventFile::Audit, &File::open(p).unwrap())
    }

    #[test]
    fn a_checkpoint_never_brings_a_removed_context_back() {
        let (t, cd, p) = setup();
        let mut c = Checkpoint::load(&cd, "r1");
        let f = File::open(&p).unwrap();
        c.record(
            EventFile::Audit,
            &f,
            Resume {
                offset: 8,
                lines: 1,
            },
        );
        drop(f);
        assert!(
            c.changed,
            "the mark is new: the checkpoint would be written"
        );
        std::fs::remove_dir_all(t.path().join("contexts")).unwrap();
        c.save();
        assert!(!t.path().join("contexts").exists());
        drop(p);
    }

    #[test]
    fn the_checkpoint_folder_is_private_like_every_state_directory() {
        use std::os::unix::fs::PermissionsExt;
        let (_t, cd, p) = setup();
        record_at(&cd, &p, 8, 1);
        let dir = Checkpoint::load(&cd, "r1")
            .path
            .parent()
            .unwrap()
            .to_path_buf();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }

    #[test]
    fn a_mark_holds_for_the_same_file_grown_by_appends() {
        let (_t, cd, p) = setup();
        record_at(&cd, &p, 16, 2);
        let at = Resume {
            offset: 16,
            lines: 2,
        };
        assert_eq!(resume(&cd, &p, "r1"), at);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"row three\n").unwrap();
        assert_eq!(resume(&cd, &p, "r1"), at);
        let mode = std::fs::metadata(cd.private_dir().join(FILE_NAME))
            .unwrap()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_replaced_shrunk_or_rewritten_file_or_other_rules_start_from_the_beginning() {
        let (_t, cd, p) = setup();
        record_at(&cd, &p, 16, 2);
        assert_eq!(resume(&cd, &p, "r2"), Resume::default(), "other rules");
        // Replaced by a new file (new inode), even with the same bytes.
        let tmp = p.with_extension("new");
        std::fs::write(&tmp, "row one\nrow two\n").unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        assert_eq!(resume(&cd, &p, "r1"), Resume::default(), "replaced");
        record_at(&cd, &p, 16, 2);
        // Shrunk in place.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(8)
            .unwrap();
        assert_eq!(resume(&cd, &p, "r1"), Resume::default(), "shrunk");
        // Rewritten in place (same inode, same length, other bytes before the mark).
        std::fs::write(&p, "row one\nrow 2wo\n").unwrap();
        record_at(&cd, &p, 16, 2);
        std::fs::write(&p, "row one\nrow two\n").unwrap();
        assert_eq!(resume(&cd, &p, "r1"), Resume::default(), "rewritten");
        // A checkpoint that is not JSON is no checkpoint.
        std::fs::write(cd.private_dir().join(FILE_NAME), "{").unwrap();
        assert_eq!(resume(&cd, &p, "r1"), Resume::default(), "unreadable");
    }
}
