//! Keeping the vault header (`# si-vault:v2`, one `# si-vault:recipient` line per recipient,
//! a blank line) complete with the smallest change, as `si vault` does.

use age::x25519::Recipient;

use super::dotenv::Dotenv;
use super::format::{self, HeaderLine, RECIPIENT_LINE_PREFIX, VERSION_LINE};

fn is_version(text: &str) -> bool {
    matches!(format::header_line(text), Some(Ok(HeaderLine::Version)))
}

fn recipient(text: &str) -> Option<Recipient> {
    match format::header_line(text) {
        Some(Ok(HeaderLine::Recipient(r))) => Some(r),
        _ => None,
    }
}

fn is_header(text: &str) -> bool {
    is_version(text) || recipient(text).is_some()
}

/// Adds the missing `recipients` to the header (see [`super::Vault::ensure_recipients`]).
pub(super) fn ensure(doc: &mut Dotenv, recipients: &[Recipient]) -> bool {
    let mut wanted: Vec<&Recipient> = Vec::new();
    for r in recipients {
        if !wanted.contains(&r) {
            wanted.push(r);
        }
    }
    if wanted.is_empty() {
        return false;
    }
    // The header block at the very top: version and recipient lines, then one blank line.
    let mut has_version = false;
    let mut existing: Vec<Recipient> = Vec::new();
    let mut end = 0;
    while let Some(l) = doc.lines.get(end) {
        if l.text.trim().is_empty() {
            if has_version || !existing.is_empty() {
                end += 1;
            }
            break;
        }
        if is_version(&l.text) {
            has_version = true;
        } else if let Some(r) = recipient(&l.text) {
            existing.push(r);
        } else {
            break;
        }
        end += 1;
    }
    if !has_version && existing.is_empty() {
        let mut top = vec![VERSION_LINE.to_string()];
        top.extend(wanted.iter().map(|r| format!("{RECIPIENT_LINE_PREFIX}{r}")));
        top.push(String::new());
        for (i, text) in top.into_iter().enumerate() {
            let nl = doc.default_nl;
            doc.lines.insert(i, super::dotenv::RawLine { text, nl });
        }
        return true;
    }
    let mut changed = false;
    // After the last recipient line, else right under the version line.
    let mut at = (0..end)
        .rev()
        .find(|&i| recipient(&doc.lines[i].text).is_some())
        .or_else(|| (0..end).rev().find(|&i| is_version(&doc.lines[i].text)))
        .map_or(end, |i| i + 1);
    for r in wanted {
        if existing.contains(r) {
            continue;
        }
        doc.insert(at, format!("{RECIPIENT_LINE_PREFIX}{r}"));
        at += 1;
        changed = true;
    }
    if !has_version {
        let nl = doc.default_nl;
        doc.lines.insert(
            0,
            super::dotenv::RawLine {
                text: VERSION_LINE.to_string(),
                nl,
            },
        );
        changed = true;
    }
    let header_end = doc
        .lines
        .iter()
        .position(|l| !is_header(&l.text))
        .unwrap_or(doc.lines.len());
    match doc.lines.get(header_end) {
        None => {
            doc.push(String::new());
            changed = true;
        }
        Some(l) if !l.text.trim().is_empty() => {
            doc.insert(header_end, String::new());
            changed = true;
        }
        Some(_) => {}
    }
    changed
}
