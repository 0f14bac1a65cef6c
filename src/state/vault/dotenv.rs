//! The dotenv layer of the vault: raw lines with their own line endings, and assignments read
//! without losing their layout (indent, `export`, spacing, inline comment), so a rewrite changes
//! only the value it means to change and every other byte stays where it was.

/// One line as it is in the file, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub text: String,
    /// `"\n"`, `"\r\n"`, or `""` for a last line without one.
    pub nl: &'static str,
}

/// A dotenv file as a list of raw lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dotenv {
    pub lines: Vec<RawLine>,
    /// The ending new lines get: the file's first one, else `\n`.
    pub default_nl: &'static str,
}

/// A `KEY=value` line, split so that it can be written back with another value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment<'a> {
    pub key: &'a str,
    /// Everything before the `=`: indentation, `export `, the key and any spaces.
    pub left: &'a str,
    /// Whitespace between `=` and the value.
    pub value_ws: &'a str,
    /// The value as written (quotes included), trimmed.
    pub value: &'a str,
    /// An inline comment with the whitespace before it, or empty.
    pub comment: &'a str,
}

impl Default for Dotenv {
    fn default() -> Dotenv {
        Dotenv::parse("")
    }
}

impl Dotenv {
    pub fn parse(text: &str) -> Dotenv {
        let mut lines = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find('\n') {
                Some(i) => {
                    let line = &rest[..i];
                    let (line, nl) = match line.strip_suffix('\r') {
                        Some(l) => (l, "\r\n"),
                        None => (line, "\n"),
                    };
                    lines.push(RawLine {
                        text: line.to_string(),
                        nl,
                    });
                    rest = &rest[i + 1..];
                }
                None => {
                    lines.push(RawLine {
                        text: rest.to_string(),
                        nl: "",
                    });
                    rest = "";
                }
            }
        }
        let default_nl = lines
            .iter()
            .map(|l| l.nl)
            .find(|nl| !nl.is_empty())
            .unwrap_or("\n");
        Dotenv { lines, default_nl }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&l.text);
            out.push_str(l.nl);
        }
        out
    }

    /// Gives the line before `i` an ending, so that a line inserted or appended after it starts
    /// on a line of its own.
    pub fn end_line(&mut self, i: usize) {
        let nl = self.default_nl;
        if let Some(l) = self.lines.get_mut(i)
            && l.nl.is_empty()
        {
            l.nl = nl;
        }
    }

    pub fn insert(&mut self, at: usize, text: String) {
        if at > 0 {
            self.end_line(at - 1);
        }
        let nl = self.default_nl;
        self.lines.insert(at, RawLine { text, nl });
    }

    pub fn push(&mut self, text: String) {
        let at = self.lines.len();
        self.insert(at, text);
    }
}

/// Splits a line into an assignment; comments, blank lines and lines without `=` are not one.
pub fn assignment(line: &str) -> Option<Assignment<'_>> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let eq = line.find('=')?;
    let left = &line[..eq];
    let mut key = left.trim();
    for export in ["export ", "export\t"] {
        if let Some(k) = key.strip_prefix(export) {
            key = k.trim();
        }
    }
    if key.is_empty() {
        return None;
    }
    let right = &line[eq + 1..];
    let body = right.trim_start_matches([' ', '\t']);
    let value_ws = &right[..right.len() - body.len()];
    let split = comment_start(body);
    let value = body[..split].trim_end_matches([' ', '\t']);
    Some(Assignment {
        key,
        left,
        value_ws,
        value,
        // The whitespace before `#` belongs to the comment.
        comment: if split < body.len() {
            &body[value.len()..]
        } else {
            ""
        },
    })
}

/// Where the inline comment of a value (without leading whitespace) starts, or its length.
fn comment_start(body: &str) -> usize {
    let b = body.as_bytes();
    let after_quote = |end: usize| -> usize {
        let rest = &body[end + 1..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[ws..].starts_with('#') {
            end + 1
        } else {
            body.len()
        }
    };
    match b.first() {
        None => 0,
        Some(b'#') => 0,
        Some(b'\'') => match body[1..].find('\'') {
            Some(i) => after_quote(i + 1),
            None => body.len(),
        },
        Some(b'"') => {
            let mut escaped = false;
            for (i, &c) in b.iter().enumerate().skip(1) {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    return after_quote(i);
                }
            }
            body.len()
        }
        Some(_) => {
            for i in 1..b.len() {
                if b[i] == b'#' && (b[i - 1] == b' ' || b[i - 1] == b'\t') {
                    return i;
                }
            }
            body.len()
        }
    }
}

/// Writes an assignment back with a new value, keeping its left side, spacing and comment.
pub fn render_assignment(a: &Assignment<'_>, value: &str) -> String {
    format!("{}={}{}{}", a.left, a.value_ws, value, a.comment)
}

/// The value a written value stands for: single quotes are literal, double quotes take
/// backslash escapes (`\n`, `\t`, `\xHH`, `\u{…}` as Go's quoting writes them), a bare value
/// is taken as it is.
pub fn unquote(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if let Some(rest) = t.strip_prefix('\'') {
        return rest
            .strip_suffix('\'')
            .map(str::to_string)
            .ok_or("a single-quoted value has no closing quote");
    }
    let Some(rest) = t.strip_prefix('"') else {
        return Ok(t.to_string());
    };
    let inner = rest
        .strip_suffix('"')
        .ok_or("a double-quoted value has no closing quote")?;
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| -> Result<u32, &'static str> {
            let digits: String = chars.by_ref().take(n).collect();
            if digits.len() != n {
                return Err("a double-quoted value has a cut-off escape");
            }
            u32::from_str_radix(&digits, 16).map_err(|_| "a double-quoted value has a bad escape")
        };
        let push_char = |out: &mut Vec<u8>, v: u32| -> Result<(), &'static str> {
            let c = char::from_u32(v).ok_or("a double-quoted value escapes no character")?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            Ok(())
        };
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('a') => out.push(0x07),
            Some('b') => out.push(0x08),
            Some('f') => out.push(0x0c),
            Some('v') => out.push(0x0b),
            Some('x') => out.push(hex(&mut chars, 2)? as u8),
            Some('u') => push_char(&mut out, hex(&mut chars, 4)?)?,
            Some('U') => push_char(&mut out, hex(&mut chars, 8)?)?,
            Some(other) => push_char(&mut out, other as u32)?,
            None => out.push(b'\\'),
        }
    }
    String::from_utf8(out).map_err(|_| "a double-quoted value escapes to invalid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_endings_and_a_missing_final_newline() {
        for text in ["", "a\n", "a\r\nb\n", "a\nb", "\n\n", "# c\r\n\r\nK=v"] {
            assert_eq!(Dotenv::parse(text).render(), text, "{text:?}");
        }
        assert_eq!(Dotenv::parse("a\r\nb\n").default_nl, "\r\n");
        let mut d = Dotenv::parse("a\r\nb");
        d.push("c".into());
        assert_eq!(d.render(), "a\r\nb\r\nc\r\n");
    }

    #[test]
    fn assignments_split_without_losing_layout() {
        let a = assignment("  export  KEY = \"v # x\"  # note").unwrap();
        assert_eq!(a.key, "KEY");
        assert_eq!(a.value, "\"v # x\"");
        assert_eq!(a.comment, "  # note");
        assert_eq!(render_assignment(&a, "NEW"), "  export  KEY = NEW  # note");
        let b = assignment("K=a#b c #d").unwrap();
        assert_eq!((b.value, b.comment), ("a#b c", " #d"));
        let c = assignment("K='x' y").unwrap();
        assert_eq!((c.value, c.comment), ("'x' y", ""));
        let d = assignment("K= # only a comment").unwrap();
        assert_eq!((d.value, d.comment), ("", "# only a comment"));
        for not in ["# K=v", "   ", "no equals", "=v"] {
            assert!(assignment(not).is_none(), "{not:?}");
        }
    }

    #[test]
    fn unquoting_follows_the_quote_style() {
        assert_eq!(unquote("'a \\n $b'").unwrap(), "a \\n $b");
        assert_eq!(
            unquote("\"a\\n\\\"b\\$c\\x41\\u00e9\"").unwrap(),
            "a\n\"b$cAé"
        );
        assert_eq!(unquote(" bare ").unwrap(), "bare");
        assert!(unquote("'open").is_err());
        assert!(unquote("\"open").is_err());
        assert!(unquote("\"bad \\xZZ\"").is_err());
    }
}
