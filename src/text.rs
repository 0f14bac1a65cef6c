//! Small formatting helpers shared by the front ends, and the one sanitiser every text that
//! reaches a terminal passes through.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as it is: C0 controls (ESC, BEL, CR, ...), DEL,
/// C1 controls (a lone U+009B is a CSI on some terminals) and the bidirectional overrides that
/// can make text read differently from what it is.
fn is_hostile(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => true,
        _ => false,
    }
}

fn escape_into(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn sanitize_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hostile(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hostile(c, keep_newlines) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal: control bytes other than newline and tab are shown escaped (`\e`,
/// `\x07`, `\r`, `\u{202e}`), so state files, remote output and operator input can never move
/// the cursor, retitle the window, clear the screen or reorder what is shown.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    sanitize_with(s, true)
}

/// As [`sanitize`], for one-line fields (a table cell, an event message): newlines and tabs
/// are escaped too.
pub fn sanitize_inline(s: &str) -> Cow<'_, str> {
    sanitize_with(s, false)
}

/// `s` without the characters [`sanitize_inline`] would escape, for a place that has no room
/// for the escape (one terminal cell).
pub fn strip_hostile(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hostile(c, false)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().filter(|&c| !is_hostile(c, false)).collect())
}

/// Serialised JSON made inert for a terminal: serde escapes C0 controls, but leaves DEL, C1
/// controls and bidirectional overrides raw inside strings. They can only occur inside strings,
/// so writing them as `\u` escapes keeps the document equal for every JSON reader.
pub fn inert_json(json: String) -> String {
    if !json.chars().any(|c| is_hostile(c, true)) {
        return json;
    }
    use std::fmt::Write;
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_hostile(c, true) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether operator input holds a control character; labels, lock messages and names refuse it.
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| is_hostile(c, false))
}

/// Refuses free-text operator input that holds a control character (a usage error naming the
/// flag, the value shown escaped): what is stored is later printed, and must not be able to
/// drive the terminal of whoever reads it.
pub fn refuse_control(flag: &str, value: &str) -> Result<(), crate::error::PaasError> {
    if !has_control(value) {
        return Ok(());
    }
    Err(crate::error::PaasError::usage(
        "flag_validation",
        format!(
            "{flag} holds a control character (escape, newline, tab, ...): \"{}\"",
            sanitize_inline(value)
        ),
    )
    .with_remediation(format!("give {flag} as plain printable text")))
}

/// As [`refuse_control`], for a remote command where newlines and tabs are part of a script.
pub fn refuse_control_in_script(flag: &str, value: &str) -> Result<(), crate::error::PaasError> {
    match sanitize(value) {
        Cow::Borrowed(_) => Ok(()),
        Cow::Owned(shown) => Err(crate::error::PaasError::usage(
            "flag_validation",
            format!(
                "{flag} holds a control character other than newline and tab: \"{}\"",
                sanitize_inline(&shown)
            ),
        )
        .with_remediation(format!("remove the escape or control bytes from {flag}"))),
    }
}

/// `1.5G`-style sizes (powers of 1024).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b}B")
    } else {
        format!("{v:.1}{}", UNITS[i])
    }
}

/// `1.2s`, `3m05s`, `2h01m` durations.
pub fn human_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1}s", d.as_secs_f32())
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// `s` as one POSIX shell word (quoted only when it needs to be), for a command line the
/// operator can paste; a string shlex cannot quote (a NUL byte) is returned as it is.
pub fn shell_word(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| s.to_string())
}

/// Aligns rows of cells into columns separated by two spaces. Cells are one-line fields: a
/// newline or tab in one is shown escaped rather than breaking the table.
pub fn table(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize_inline(c).into_owned()).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitiser_escapes_controls_and_keeps_text() {
        let hostile = "a\u{1b}]0;X\u{7}\u{1b}[2Jb\rc\u{9b}d\u{202e}e";
        let clean = sanitize(hostile);
        assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
        assert_eq!(clean, "a\\e]0;X\\x07\\e[2Jb\\rc\\x9bd\\u{202e}e");
        assert!(matches!(
            sanitize("plain ✓ text\nline 2\tx"),
            Cow::Borrowed(_)
        ));
        assert_eq!(sanitize_inline("a\nb\tc"), "a\\nb\\tc");
        assert!(has_control("x\u{1b}"));
        assert!(has_control("x\ny"));
        assert!(!has_control("ok label-1"));
    }

    #[test]
    fn json_is_made_inert_and_stays_equal() {
        let v = serde_json::json!({"m": "a\u{1b}]0;X\u{7}\u{7f}\u{9b}\u{202e}\n", "n": 1});
        let raw = serde_json::to_string_pretty(&v).unwrap();
        assert!(raw.contains('\u{9b}'), "serde leaves C1 raw");
        let inert = inert_json(raw);
        assert!(
            !inert.chars().any(|c| c.is_control() && c != '\n'),
            "{inert}"
        );
        assert!(
            inert.contains("\\u009b") && inert.contains("\\u202e"),
            "{inert}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&inert).unwrap(),
            v
        );
    }

    #[test]
    fn control_input_is_refused_naming_the_flag() {
        let e = refuse_control("--labels", "a\u{1b}]0;X\u{7}").unwrap_err();
        assert!(e.usage);
        assert_eq!(e.exit_code(), 2);
        assert!(e.message.starts_with("--labels holds a control character"));
        assert!(e.message.contains("a\\e]0;X\\x07"), "{}", e.message);
        assert!(!e.message.chars().any(char::is_control));
        assert!(refuse_control("-m", "maintenance window, back at 14:00").is_ok());
        assert!(refuse_control("-m", "two\nlines").is_err());
        assert!(refuse_control_in_script("CMD", "set -e\n\tuptime").is_ok());
        let e = refuse_control_in_script("CMD", "printf '\u{1b}[2J'").unwrap_err();
        assert!(e.message.contains("\\e[2J"), "{}", e.message);
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(1536), "1.5K");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0G");
        assert_eq!(
            human_duration(std::time::Duration::from_millis(1500)),
            "1.5s"
        );
        assert_eq!(human_duration(std::time::Duration::from_secs(185)), "3m05s");
    }
}
