//! Turns a byte stream into lines as they arrive. A line longer than [`MAX_LINE`] is cut at
//! ingest and marked, so a runaway line never costs more than the cap in memory.

pub const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    overflow: usize,
}

impl LineSplitter {
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// Feeds a chunk; calls `emit` for every complete line.
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut dyn FnMut(String)) {
        while !chunk.is_empty() {
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.take(&chunk[..i]);
                    emit(self.render());
                    chunk = &chunk[i + 1..];
                }
                None => {
                    self.take(chunk);
                    chunk = &[];
                }
            }
        }
    }

    /// Emits what is left after the stream ended without a final newline.
    pub fn finish(&mut self, emit: &mut dyn FnMut(String)) {
        if !self.buf.is_empty() || self.overflow > 0 {
            emit(self.render());
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.buf.len());
        let n = room.min(bytes.len());
        self.buf.extend_from_slice(&bytes[..n]);
        self.overflow += bytes.len() - n;
    }

    fn render(&mut self) -> String {
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let mut line = String::from_utf8_lossy(&self.buf).into_owned();
        if self.overflow > 0 {
            line.push_str(&format!(" …[line truncated: {} more bytes]", self.overflow));
        }
        self.buf.clear();
        self.overflow = 0;
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut s = LineSplitter::new();
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut |l| out.push(l));
        }
        s.finish(&mut |l| out.push(l));
        out
    }

    #[test]
    fn splits_across_chunks() {
        assert_eq!(
            split(&[b"a\nb", b"c\r\n", b"\nd"]),
            vec!["a", "bc", "", "d"]
        );
    }

    #[test]
    fn truncates_long_lines_at_ingest() {
        let big = vec![b'x'; 1 << 20];
        let out = split(&[&big, b"\nnext\n"]);
        assert_eq!(out.len(), 2);
        assert!(out[0].starts_with(&"x".repeat(MAX_LINE)));
        assert!(out[0].ends_with(&format!(
            "[line truncated: {} more bytes]",
            (1 << 20) - MAX_LINE
        )));
        assert_eq!(out[1], "next");
    }
}
