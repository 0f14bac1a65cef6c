//! Lines of an event file from the last to the first, read in fixed blocks from the end with a
//! bounded buffer: reading the newest rows costs the same whatever the file's length, and a row
//! longer than [`MAX_ROW_BYTES`] is passed over (reported, never held in memory whole).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The longest event row read: paasdeck's own rows are a few KiB; anything over 1 MiB is damage
/// or abuse and is skipped (counted with the torn and malformed rows).
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

const BLOCK: usize = 64 * 1024;

/// One line, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevLine {
    Row(Vec<u8>),
    /// A line longer than the cap, of this many bytes, skipped.
    Oversized(u64),
}

pub struct ReverseLines {
    file: File,
    /// File offset where `block` starts; everything before it is unread.
    pos: u64,
    block: Vec<u8>,
    /// `block[..cursor]` is not consumed yet.
    cursor: usize,
    /// Parts of the current line found in later blocks, the last part first.
    parts: Vec<Vec<u8>>,
    line_len: u64,
    oversized: bool,
    cap: usize,
    done: bool,
}

impl ReverseLines {
    pub fn open(path: &Path) -> io::Result<ReverseLines> {
        Self::with_cap(path, MAX_ROW_BYTES)
    }

    pub fn with_cap(path: &Path, cap: usize) -> io::Result<ReverseLines> {
        let file = File::open(path)?;
        let mut pos = file.metadata()?.len();
        // The newline that ends the last row does not start an empty one after it.
        if pos > 0 {
            let mut last = [0u8; 1];
            file.read_exact_at(&mut last, pos - 1)?;
            if last[0] == b'\n' {
                pos -= 1;
            }
        }
        Ok(ReverseLines {
            file,
            pos,
            block: Vec::with_capacity(BLOCK),
            cursor: 0,
            parts: Vec::new(),
            line_len: 0,
            oversized: false,
            cap,
            done: false,
        })
    }

    fn add_part(&mut self, from: usize, to: usize) {
        let len = (to - from) as u64;
        self.line_len += len;
        if self.oversized {
            return;
        }
        if self.line_len > self.cap as u64 {
            self.oversized = true;
            self.parts = Vec::new();
        } else if len > 0 {
            self.parts.push(self.block[from..to].to_vec());
        }
    }

    /// The current line, its first part being `block[from..to]`; resets for the next one.
    fn finish(&mut self, from: usize, to: usize) -> RevLine {
        self.add_part(from, to);
        let out = if self.oversized {
            RevLine::Oversized(self.line_len)
        } else {
            let mut line = Vec::with_capacity(self.line_len as usize);
            for p in self.parts.iter().rev() {
                line.extend_from_slice(p);
            }
            RevLine::Row(line)
        };
        self.parts.clear();
        self.line_len = 0;
        self.oversized = false;
        out
    }
}

impl Iterator for ReverseLines {
    type Item = io::Result<RevLine>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(i) = memchr::memrchr(b'\n', &self.block[..self.cursor]) {
                let end = self.cursor;
                self.cursor = i;
                return Some(Ok(self.finish(i + 1, end)));
            }
            if self.pos == 0 {
                self.done = true;
                let end = self.cursor;
                self.cursor = 0;
                if end == 0 && self.line_len == 0 {
                    return None;
                }
                return Some(Ok(self.finish(0, end)));
            }
            // No line start in what is left of this block: all of it belongs to the current
            // line. Then read the block before it, reusing the buffer.
            let end = self.cursor;
            self.add_part(0, end);
            let n = BLOCK.min(self.pos as usize);
            self.pos -= n as u64;
            self.block.resize(n, 0);
            if let Err(e) = self.file.read_exact_at(&mut self.block, self.pos) {
                self.done = true;
                return Some(Err(e));
            }
            self.cursor = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(p: &Path, cap: usize) -> Vec<RevLine> {
        ReverseLines::with_cap(p, cap)
            .unwrap()
            .map(|l| l.unwrap())
            .collect()
    }

    fn row(s: &str) -> RevLine {
        RevLine::Row(s.as_bytes().to_vec())
    }

    #[test]
    fn reads_across_blocks_and_without_a_trailing_newline() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        let long = "x".repeat(200_000);
        std::fs::write(&p, format!("a\n{long}\n\nb\nc")).unwrap();
        assert_eq!(
            rows(&p, MAX_ROW_BYTES),
            vec![row("c"), row("b"), row(""), row(&long), row("a")]
        );
        std::fs::write(&p, "a\n\n").unwrap();
        assert_eq!(rows(&p, MAX_ROW_BYTES), vec![row(""), row("a")]);
        std::fs::write(&p, "").unwrap();
        assert!(rows(&p, MAX_ROW_BYTES).is_empty());
        std::fs::write(&p, "\n").unwrap();
        assert!(rows(&p, MAX_ROW_BYTES).is_empty());
    }

    #[test]
    fn lines_over_the_cap_are_passed_over_whole() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        let cap = 100_000;
        let at_cap = "y".repeat(cap);
        let over = "z".repeat(3 * BLOCK + 17);
        std::fs::write(&p, format!("{over}\nb\n{at_cap}\n{over}\nc\n")).unwrap();
        assert_eq!(
            rows(&p, cap),
            vec![
                row("c"),
                RevLine::Oversized(over.len() as u64),
                row(&at_cap),
                row("b"),
                RevLine::Oversized(over.len() as u64),
            ]
        );
    }
}
