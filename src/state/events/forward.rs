//! Lines of an event file from an offset to the length it had when the scan began, read in
//! fixed blocks: what is held at once is one block and at most one row up to the cap, whatever
//! the file's length, and a row longer than the cap is passed over without being kept.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

const BLOCK: usize = 64 * 1024;

/// One line and where it lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAt<'a> {
    /// Offset of its first byte.
    pub start: u64,
    /// Offset just after it (after its newline when it has one).
    pub end: u64,
    /// It ends with a newline; the last line of a file being written may not yet.
    pub terminated: bool,
    /// Its bytes without the newline; `None` for a line longer than the cap.
    pub bytes: Option<&'a [u8]>,
}

/// What a scan read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scanned {
    /// Where the scan stopped: the file's length when it began.
    pub end: u64,
    /// The most bytes held for one row at any moment (the buffer's capacity), block excluded.
    pub held_max: usize,
}

/// Calls `each` for every line from `from` to the file's current length, in order.
pub fn scan(
    file: &File,
    from: u64,
    cap: usize,
    mut each: impl FnMut(LineAt<'_>),
) -> io::Result<Scanned> {
    let limit = file.metadata()?.len();
    let mut block = vec![0u8; BLOCK];
    let mut carry: Vec<u8> = Vec::new();
    let mut over = false;
    let mut held_max = 0;
    let mut line_start = from;
    let mut pos = from;
    while pos < limit {
        let want = BLOCK.min((limit - pos) as usize);
        let n = match file.read_at(&mut block[..want], pos) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &block[..n];
        let chunk_at = pos;
        pos += n as u64;
        let mut from_i = 0;
        while let Some(i) = memchr::memchr(b'\n', &chunk[from_i..]) {
            let nl = from_i + i;
            let part = &chunk[from_i..nl];
            let end = chunk_at + nl as u64 + 1;
            let bytes = if over || carry.len() + part.len() > cap {
                None
            } else if carry.is_empty() {
                Some(part)
            } else {
                carry.extend_from_slice(part);
                held_max = held_max.max(carry.capacity());
                Some(carry.as_slice())
            };
            each(LineAt {
                start: line_start,
                end,
                terminated: true,
                bytes,
            });
            carry.clear();
            over = false;
            line_start = end;
            from_i = nl + 1;
        }
        let rest = &chunk[from_i..];
        if !over {
            if carry.len() + rest.len() > cap {
                over = true;
                carry = Vec::new();
            } else {
                carry.extend_from_slice(rest);
                held_max = held_max.max(carry.capacity());
            }
        }
    }
    if pos > line_start {
        each(LineAt {
            start: line_start,
            end: pos,
            terminated: false,
            bytes: (!over).then_some(carry.as_slice()),
        });
    }
    Ok(Scanned { end: pos, held_max })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (start, end, terminated, text or None).
    type Seen = (u64, u64, bool, Option<String>);

    fn lines(text: &[u8], from: u64, cap: usize) -> (Vec<Seen>, Scanned) {
        let t = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(t.path(), text).unwrap();
        let f = File::open(t.path()).unwrap();
        let mut out = Vec::new();
        let s = scan(&f, from, cap, |l| {
            let text = l.bytes.map(|b| String::from_utf8_lossy(b).into_owned());
            out.push((l.start, l.end, l.terminated, text));
        })
        .unwrap();
        (out, s)
    }

    #[test]
    fn lines_carry_their_offsets_across_blocks_and_from_a_middle_offset() {
        let long = "x".repeat(200_000);
        let text = format!("a\n{long}\n\nb\nc");
        let (seen, s) = lines(text.as_bytes(), 0, 1 << 20);
        let l = long.len() as u64;
        assert_eq!(
            seen,
            vec![
                (0, 2, true, Some("a".into())),
                (2, 3 + l, true, Some(long.clone())),
                (3 + l, 4 + l, true, Some(String::new())),
                (4 + l, 6 + l, true, Some("b".into())),
                (6 + l, 7 + l, false, Some("c".into())),
            ]
        );
        assert_eq!(s.end, text.len() as u64);
        let (seen, _) = lines(text.as_bytes(), 4 + l, 1 << 20);
        assert_eq!(
            seen,
            vec![
                (4 + l, 6 + l, true, Some("b".into())),
                (6 + l, 7 + l, false, Some("c".into())),
            ]
        );
        assert!(lines(b"", 0, 10).0.is_empty());
    }

    #[test]
    fn a_row_over_the_cap_is_passed_over_and_never_held() {
        let cap = 4096;
        let over = "z".repeat(40 * BLOCK + 5);
        let text = format!("a\n{over}\nb\n{over}");
        let (seen, s) = lines(text.as_bytes(), 0, cap);
        let o = over.len() as u64;
        assert_eq!(
            seen,
            vec![
                (0, 2, true, Some("a".into())),
                (2, 3 + o, true, None),
                (3 + o, 5 + o, true, Some("b".into())),
                (5 + o, 5 + 2 * o, false, None),
            ]
        );
        // The memory a row takes is bounded by the cap, not by the row (2.6 MB here).
        assert!(s.held_max <= 2 * cap, "held {} bytes", s.held_max);
    }
}
