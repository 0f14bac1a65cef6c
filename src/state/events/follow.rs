//! Following a context's event files as they grow: complete new rows only, read in bounded
//! chunks, with a partial line held up to the row cap and a longer one passed over.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use serde_json::Value;

use super::lines::MAX_ROW_BYTES;
use super::{EventRecord, normalise};
use crate::state::clock;
use crate::state::paths::{ContextDir, EventFile};

const CHUNK: usize = 64 * 1024;

/// At most this much of one file is read per poll; the rest waits for the next one, so a burst
/// of appends never makes one poll hold it all.
const MAX_POLL_BYTES: u64 = 16 * 1024 * 1024;

/// Follows the event files of a context from a starting offset, returning complete new rows.
pub struct EventFollower {
    files: Vec<FollowedFile>,
    cap: usize,
}

struct FollowedFile {
    kind: EventFile,
    path: PathBuf,
    offset: u64,
    /// The start of a row whose end has not been written yet (at most the cap).
    partial: Vec<u8>,
    /// Inside a row longer than the cap: everything up to its newline is dropped.
    discarding: bool,
}

/// What one poll of one file found.
struct Found<'a> {
    rows: &'a mut Vec<(i128, usize, EventRecord)>,
    skipped: usize,
    seq: usize,
    last_key: i128,
}

impl FollowedFile {
    /// One complete line (its newline removed).
    fn line(&mut self, bytes: &[u8], found: &mut Found) {
        let line: &[u8] = if self.partial.is_empty() {
            bytes
        } else {
            self.partial.extend_from_slice(bytes);
            &self.partial
        };
        if !line.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice(line) {
                Ok(Value::Object(m)) => {
                    let rec = normalise(self.kind, m);
                    let key = clock::sort_key(&rec.timestamp).unwrap_or(found.last_key);
                    found.last_key = key;
                    found.rows.push((key, found.seq, rec));
                    found.seq += 1;
                }
                _ => found.skipped += 1,
            }
        }
        self.partial.clear();
    }

    fn feed(&mut self, mut chunk: &[u8], cap: usize, found: &mut Found) {
        while let Some(i) = memchr::memchr(b'\n', chunk) {
            let (head, rest) = (&chunk[..i], &chunk[i + 1..]);
            if self.discarding {
                self.discarding = false;
                found.skipped += 1;
            } else if self.partial.len() + head.len() > cap {
                self.partial = Vec::new();
                found.skipped += 1;
            } else {
                self.line(head, found);
            }
            chunk = rest;
        }
        if self.discarding {
            return;
        }
        if self.partial.len() + chunk.len() > cap {
            self.partial = Vec::new();
            self.discarding = true;
        } else {
            self.partial.extend_from_slice(chunk);
        }
    }
}

impl EventFollower {
    /// Starts at the current end of every file.
    pub fn at_end(cd: &ContextDir) -> EventFollower {
        Self::at_end_with_cap(cd, MAX_ROW_BYTES)
    }

    fn at_end_with_cap(cd: &ContextDir, cap: usize) -> EventFollower {
        EventFollower {
            files: EventFile::ALL
                .iter()
                .map(|&kind| {
                    let path = cd.event_file(kind);
                    let offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    FollowedFile {
                        kind,
                        path,
                        offset,
                        partial: Vec::new(),
                        discarding: false,
                    }
                })
                .collect(),
            cap,
        }
    }

    /// New rows since the last call, oldest first, and the number of lines skipped (torn,
    /// malformed, longer than the cap). A file that shrank is read again from its start (it was
    /// rotated or pruned).
    pub fn poll(&mut self) -> (Vec<EventRecord>, usize) {
        let mut rows: Vec<(i128, usize, EventRecord)> = Vec::new();
        let mut found = Found {
            rows: &mut rows,
            skipped: 0,
            seq: 0,
            last_key: i128::MIN,
        };
        let mut buf = vec![0u8; CHUNK];
        for f in &mut self.files {
            let Ok(meta) = std::fs::metadata(&f.path) else {
                continue;
            };
            let len = meta.len();
            if len < f.offset {
                f.offset = 0;
                f.partial.clear();
                f.discarding = false;
            }
            let Ok(file) = File::open(&f.path) else {
                continue;
            };
            found.last_key = i128::MIN;
            let until = len.min(f.offset + MAX_POLL_BYTES);
            while f.offset < until {
                let want = CHUNK.min((until - f.offset) as usize);
                let n = match file.read_at(&mut buf[..want], f.offset) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                f.offset += n as u64;
                f.feed(&buf[..n], self.cap, &mut found);
            }
        }
        let skipped = found.skipped;
        rows.sort_by_key(|(k, s, _)| (*k, *s));
        (rows.into_iter().map(|(_, _, r)| r).collect(), skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use std::io::Write;

    fn ctx() -> (tempfile::TempDir, ContextDir) {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("alpha").unwrap();
        std::fs::create_dir_all(cd.events_dir()).unwrap();
        (t, cd)
    }

    fn write_raw(cd: &ContextDir, f: EventFile, bytes: &[u8]) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(cd.event_file(f))
            .unwrap();
        file.write_all(bytes).unwrap();
    }

    #[test]
    fn returns_only_complete_new_rows() {
        let (_t, cd) = ctx();
        write_raw(&cd, EventFile::Audit, b"{\"command\":\"old\"}\n");
        let mut f = EventFollower::at_end(&cd);
        assert!(f.poll().0.is_empty());
        write_raw(
            &cd,
            EventFile::Audit,
            b"{\"command\":\"new\"}\n{\"command\":\"ha",
        );
        let (rows, _) = f.poll();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].command, "new");
        write_raw(&cd, EventFile::Audit, b"lf\"}\n");
        let (rows, _) = f.poll();
        assert_eq!(rows[0].command, "half");
    }

    #[test]
    fn a_huge_partial_row_is_bounded_and_skipped() {
        let (_t, cd) = ctx();
        let cap = 4096;
        let mut f = EventFollower::at_end_with_cap(&cd, cap);
        let huge = vec![b'x'; 10 * CHUNK + 5];
        write_raw(&cd, EventFile::Audit, b"{\"command\":\"a\"}\n{\"pad\":\"");
        write_raw(&cd, EventFile::Audit, &huge);
        let (rows, skipped) = f.poll();
        assert_eq!(rows.len(), 1);
        assert_eq!(skipped, 0, "the long row has not ended yet");
        assert!(f.files.iter().all(|x| x.partial.len() <= cap));
        write_raw(&cd, EventFile::Audit, &huge);
        write_raw(&cd, EventFile::Audit, b"\"}\n{\"command\":\"b\"}\n");
        let (rows, skipped) = f.poll();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].command, "b");
        assert_eq!(skipped, 1);
        // a row just over the cap that arrives whole is skipped too
        let mut over = b"{\"pad\":\"".to_vec();
        over.extend(vec![b'y'; cap]);
        over.extend_from_slice(b"\"}\n{\"command\":\"c\"}\n");
        write_raw(&cd, EventFile::Audit, &over);
        let (rows, skipped) = f.poll();
        assert_eq!((rows.len(), skipped), (1, 1));
        assert!(f.files.iter().all(|x| x.partial.capacity() <= 2 * cap));
    }
}
