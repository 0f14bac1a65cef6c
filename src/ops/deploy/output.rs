//! The tail of each target's output during an apply, kept so a failed deploy's event row says
//! why it failed (`output_tail`). The lines are the ones the task log shows: the transport has
//! already cleaned them of the `.env` values by value. Bounded: the last [`MAX_LINES`] lines of a
//! target, each at most [`MAX_LINE`] bytes, and at most [`MAX_BYTES`] for the whole field.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::remote::LineSink;

pub const MAX_LINES: usize = 20;
pub const MAX_LINE: usize = 512;
pub const MAX_BYTES: usize = 4096;

/// Every target's last lines.
#[derive(Clone, Default)]
pub struct OutputTails {
    by_target: Arc<Mutex<HashMap<String, VecDeque<String>>>>,
}

fn cut(line: &str, max: usize) -> String {
    if line.len() <= max {
        return line.to_string();
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

impl OutputTails {
    /// A sink that keeps `target`'s last lines and passes every line on to `sink`.
    pub fn tee(&self, target: &str, sink: LineSink) -> LineSink {
        let (tails, target) = (self.by_target.clone(), target.to_string());
        Arc::new(move |stream, line: String| {
            if let Ok(mut all) = tails.lock() {
                let ring = all.entry(target.clone()).or_default();
                if ring.len() == MAX_LINES {
                    ring.pop_front();
                }
                ring.push_back(cut(line.trim_end(), MAX_LINE));
            }
            sink(stream, line);
        })
    }

    /// The field for the event row: the last lines of each of `targets` (prefixed with the
    /// target's name when there are several), oldest first, at most [`MAX_BYTES`] (older lines
    /// go first). Empty when none of them printed anything.
    pub fn field(&self, targets: &[String]) -> String {
        let Ok(all) = self.by_target.lock() else {
            return String::new();
        };
        let several = targets.len() > 1;
        let mut lines: Vec<String> = Vec::new();
        for t in targets {
            for l in all.get(t).into_iter().flatten() {
                lines.push(if several {
                    format!("{t}: {l}")
                } else {
                    l.clone()
                });
            }
        }
        let mut total = 0;
        let mut keep = lines.len();
        for (i, l) in lines.iter().enumerate().rev() {
            if total + l.len() + 1 > MAX_BYTES {
                break;
            }
            total += l.len() + 1;
            keep = i;
        }
        lines[keep..].join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{Stream, null_sink};

    #[test]
    fn keeps_the_last_lines_of_each_target_within_the_bounds() {
        let tails = OutputTails::default();
        let a = tails.tee("a", null_sink());
        let b = tails.tee("b", null_sink());
        for i in 0..50 {
            a(Stream::Stdout, format!("a line {i}"));
        }
        b(Stream::Stderr, "x".repeat(5000));
        let one = tails.field(&["a".into()]);
        assert_eq!(one.lines().count(), MAX_LINES);
        assert!(
            one.starts_with("a line 30\n") && one.ends_with("a line 49"),
            "{one}"
        );
        let both = tails.field(&["a".into(), "b".into()]);
        assert!(both.len() <= MAX_BYTES, "{}", both.len());
        assert!(both.ends_with('…') && both.contains("b: xxx"), "{both}");
        assert!(both.starts_with("a: a line"), "{both}");
        assert_eq!(tails.field(&["c".into()]), "");
    }
}
