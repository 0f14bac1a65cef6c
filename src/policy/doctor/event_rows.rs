//! One pass over the context's event files for the two checks that read their rows (rows of
//! another context, plaintext secret values): each file is read as a stream from its last
//! verified position (the events checkpoint), so the cost follows the rows appended since the
//! last run, not the history, and memory stays one block plus one row whatever the file's size.
//!
//! The checkpoint only moves over rows that passed both checks: a failing row, and every row
//! after it, is read again by the next run until the fix removes it (the fix rewrites the file,
//! which starts the next scan at the beginning). A row longer than the 1 MiB row cap is passed
//! over, as every reader of the event files does.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::row_filter::{self, Need};
use crate::policy::redact;
use crate::state::events::MAX_ROW_BYTES;
use crate::state::events::checkpoint::{Checkpoint, Resume};
use crate::state::events::forward;
use crate::state::paths::{ContextDir, EventFile};

/// What a verified row means; changes whenever either check changes what it finds, so a
/// checkpoint taken under other rules is not trusted.
const RULES: &str = concat!(
    "foreign-context+plaintext-secrets/",
    env!("CARGO_PKG_VERSION")
);

/// One failing row: its file, its line number in the whole file and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RowFinding {
    pub path: PathBuf,
    pub line: u64,
    /// The other context the row names, or the key path that holds a plaintext value.
    pub what: String,
}

/// The failing rows of both checks.
#[derive(Debug, Default)]
pub(super) struct EventRows {
    pub foreign: Vec<RowFinding>,
    pub secrets: Vec<RowFinding>,
}

impl EventRows {
    fn len(&self) -> usize {
        self.foreign.len() + self.secrets.len()
    }

    /// Checks one row; unparsable rows are skipped, as every reader does.
    fn check(&mut self, bytes: &[u8], path: &Path, line: u64, ctx: &str) {
        let foreign = |c: &str| !c.is_empty() && c != ctx;
        let v = match row_filter::need(bytes) {
            Need::Nothing => return,
            Need::Context(c) => {
                if let Some(c) = c.filter(|c| foreign(c)) {
                    self.foreign.push(RowFinding {
                        path: path.to_path_buf(),
                        line,
                        what: c,
                    });
                }
                return;
            }
            Need::Whole => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => v,
                Err(_) => return,
            },
        };
        if let Some(Value::String(c)) = v.get("context")
            && foreign(c)
        {
            self.foreign.push(RowFinding {
                path: path.to_path_buf(),
                line,
                what: c.clone(),
            });
        }
        for p in redact::plaintext_secret_paths(&v) {
            self.secrets.push(RowFinding {
                path: path.to_path_buf(),
                line,
                what: p,
            });
        }
    }
}

/// Scans every event file of the context from its checkpoint and moves the checkpoint.
pub(super) fn scan(cd: &ContextDir) -> EventRows {
    let mut checkpoint = Checkpoint::load(cd, RULES);
    let mut rows = EventRows::default();
    for kind in EventFile::ALL {
        let path = cd.event_file(kind);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::NotFound {
                    checkpoint.forget(kind);
                }
                continue;
            }
        };
        let from = checkpoint.resume(kind, &file);
        if let Some(verified) = scan_file(&file, &path, from, cd.name(), &mut rows) {
            checkpoint.record(kind, &file, verified);
        }
    }
    checkpoint.save();
    rows
}

/// Checks the rows of one file from `from`; returns the position up to which every complete
/// row passed, or `None` when the file could not be read to its end.
fn scan_file(
    file: &File,
    path: &Path,
    from: Resume,
    ctx: &str,
    rows: &mut EventRows,
) -> Option<Resume> {
    let mut line = from.lines;
    let mut verified = from;
    let mut clean = true;
    let scanned = forward::scan(file, from.offset, MAX_ROW_BYTES, |l| {
        line += 1;
        let before = rows.len();
        if let Some(bytes) = l.bytes {
            rows.check(bytes, path, line, ctx);
        }
        clean &= rows.len() == before;
        if clean && l.terminated {
            verified = Resume {
                offset: l.end,
                lines: line,
            };
        }
    });
    match scanned {
        Ok(_) => Some(verified),
        Err(e) => {
            tracing::warn!("could not read {}: {e}", path.display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use std::io::Write;

    fn append(p: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn lines(found: &[RowFinding]) -> Vec<(u64, &str)> {
        found.iter().map(|f| (f.line, f.what.as_str())).collect()
    }

    #[test]
    fn rows_after_the_checkpoint_are_checked_with_their_line_numbers_in_the_whole_file() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let p = cd.event_file(EventFile::Audit);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let row = "{\"context\":\"base\",\"command\":\"x\"}\n";
        append(&p, &row.repeat(200));
        let r = scan(&cd);
        assert_eq!(r.len(), 0);
        // The checkpoint now covers the 200 rows: a row that would fail, written over the
        // first (same inode and length, far from the bytes the checkpoint compares), is not
        // read again...
        let before = std::fs::read(&p).unwrap();
        let hidden = "{\"context\":\"zz\"  ,\"command\":\"x\"}\n";
        assert_eq!(hidden.len(), row.len());
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        std::os::unix::fs::FileExt::write_all_at(&f, hidden.as_bytes(), 0).unwrap();
        assert_eq!(
            scan(&cd).len(),
            0,
            "rows before the checkpoint are not read"
        );
        std::os::unix::fs::FileExt::write_all_at(&f, &before[..hidden.len()], 0).unwrap();
        // ...but every row appended after it is, numbered as lines of the whole file.
        append(
            &p,
            "{\"context\":\"other\",\"command\":\"y\"}\n{\"fields\":{\"password\":\"hunter2\"}}\n",
        );
        let r = scan(&cd);
        assert_eq!(lines(&r.foreign), [(201, "other")]);
        assert_eq!(lines(&r.secrets), [(202, "fields.password")]);
        // A failing row stays failing: the checkpoint does not move past it.
        let r = scan(&cd);
        assert_eq!(lines(&r.foreign), [(201, "other")]);
        assert_eq!(lines(&r.secrets), [(202, "fields.password")]);
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn a_replaced_or_shrunk_file_is_read_whole() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("base").unwrap();
        let p = cd.event_file(EventFile::Deployments);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let bad = "{\"context\":\"other\"}\n";
        let good = "{\"context\":\"base\",\"n\":1}\n";
        append(&p, &good.repeat(4));
        assert_eq!(scan(&cd).len(), 0);
        // Replaced by a file with a foreign row before the old checkpoint's offset.
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, format!("{bad}{}", good.repeat(4))).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        assert_eq!(lines(&scan(&cd).foreign), [(1, "other")]);
        // Fixed (the row deleted), then shrunk in place and a foreign row written.
        std::fs::write(&tmp, good.repeat(4)).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        assert_eq!(scan(&cd).len(), 0);
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_len(0).unwrap();
        append(&p, &format!("{good}{bad}"));
        assert_eq!(lines(&scan(&cd).foreign), [(2, "other")]);
    }
}
