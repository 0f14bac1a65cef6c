//! Which event rows the doctor must parse whole. Most rows of a long history hold no key that
//! could name a secret and name this context: telling so from their bytes, and reading only
//! their top-level `context` when that is all that matters, keeps the first scan of a long
//! history short. Every test is conservative: a row with an escape (`\`), which could spell a
//! key in a way the bytes do not show, is always parsed whole, and so is any row the quick read
//! cannot take (not an object, a key given twice, not JSON).

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use serde_json::Value;

use crate::policy::redact::SECRET_KEY_MARKERS;

/// How much of a row must be read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Need {
    /// The row cannot fail either check.
    Nothing,
    /// Only its top-level `context` can fail: here it is (`None` when absent or not a string).
    Context(Option<String>),
    /// Parse it whole.
    Whole,
}

fn markers() -> Option<&'static AhoCorasick> {
    static M: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    M.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(SECRET_KEY_MARKERS)
            .ok()
    })
    .as_ref()
}

#[derive(Deserialize)]
struct Top {
    context: Option<Value>,
}

pub(super) fn need(row: &[u8]) -> Need {
    let escaped = memchr::memchr(b'\\', row).is_some();
    let secret_like = match markers() {
        Some(m) => m.is_match(row),
        None => true,
    };
    if escaped || secret_like {
        return Need::Whole;
    }
    if memchr::memmem::find(row, b"\"context\"").is_none() {
        return Need::Nothing;
    }
    let object = row
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    match serde_json::from_slice::<Top>(row) {
        Ok(top) if object => Need::Context(match top.context {
            Some(Value::String(c)) => Some(c),
            _ => None,
        }),
        _ => Need::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_that_cannot_fail_are_passed_over() {
        let ctx = |c: &str| Need::Context(Some(c.to_string()));
        for (row, want) in [
            (r#"{"command":"x","fields":{"target":"a"}}"#, Need::Nothing),
            (r#"{"context":"base","n":1}"#, ctx("base")),
            (r#"{"context":"other"}"#, ctx("other")),
            (
                r#"{"fields":{"context":"x"},"context":7}"#,
                Need::Context(None),
            ),
            (r#"{"fields":{"context":"other"}}"#, Need::Context(None)),
            (r#"{"fields":{"API_Token":"v"}}"#, Need::Whole),
            (r#"{"fields":{"db_PASSWORD":"v"}}"#, Need::Whole),
            (r#"{"fields":{"\u0074oken":"v"}}"#, Need::Whole),
            (r#"{"context":"a","context":"b"}"#, Need::Whole),
            (r#"["context","other"]"#, Need::Whole),
            (r#"{"context":"other""#, Need::Whole),
            ("not json \"context\"", Need::Whole),
        ] {
            assert_eq!(need(row.as_bytes()), want, "{row}");
        }
    }
}
