//! Secret-like keys and their redaction. One keyword list serves output, state writes, events,
//! exports and the doctor, so what is hidden in one place is hidden everywhere.

use serde_json::{Map, Value};

pub const REDACTED: &str = "<redacted>";

/// Substrings of a lowercased key that make it secret-like (SPEC §8).
pub(crate) const SECRET_KEY_MARKERS: &[&str] = &[
    "secret",
    "token",
    "password",
    "passwd",
    "credential",
    "private_key",
    "api_key",
    "ssh_key",
];

/// Keys that describe secrets without holding one (`compose_secret_findings`, `secret_count`).
const EXEMPT_KEY_MARKERS: &[&str] = &["count", "findings", "guardrail"];

/// Whether a JSON key names a secret value.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    if EXEMPT_KEY_MARKERS.iter().any(|m| k.contains(m)) {
        return false;
    }
    SECRET_KEY_MARKERS.iter().any(|m| k.contains(m))
}

/// Replaces, recursively, the value of every secret-like key with `<redacted>`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

pub fn redact_map(map: &mut Map<String, Value>) {
    for (k, v) in map.iter_mut() {
        if is_secret_key(k) {
            if !v.is_null() {
                *v = Value::String(REDACTED.to_string());
            }
        } else {
            redact(v);
        }
    }
}

/// Hides known secret values in text that paasdeck did not write itself: remote output, remote
/// error tails. Built from the values a task streams to a target; each value is matched as it
/// is and in the forms a tool is likely to print it in (standard and URL-safe base64 with and
/// without padding, also of the value followed by a newline as `echo | base64` encodes it, and
/// the part of its encoding that does not depend on its neighbours when it sits at any offset
/// inside a longer encoded text such as `base64 .env`; percent-encoded, JSON-escaped, escaped
/// as in a double-quoted `.env` value, each line of a multi-line value).
///
/// Values shorter than [`ValueRedactor::MIN_LEN`] characters are not matched: replacing every
/// `1` or `on` in a log would make it unreadable while hiding nothing worth hiding.
#[derive(Debug, Clone, Default)]
pub struct ValueRedactor {
    matcher: Option<aho_corasick::AhoCorasick>,
}

impl ValueRedactor {
    pub const MIN_LEN: usize = 4;

    /// A redactor for these values (empty and too-short values are ignored).
    pub fn new<I, S>(values: I) -> ValueRedactor
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        use base64::Engine as _;
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        let mut patterns: Vec<String> = Vec::new();
        let mut add = |p: String| {
            if p.chars().count() >= Self::MIN_LEN && !patterns.contains(&p) {
                patterns.push(p);
            }
        };
        for v in values {
            let v = v.as_ref();
            if v.chars().count() < Self::MIN_LEN {
                continue;
            }
            // The value as it is, as a double-quoted `.env` line holds it, as JSON holds it;
            // each also encoded, since a tool may encode the file that holds it.
            let mut forms = vec![v.to_string(), dotenv_escaped(v)];
            if let Ok(json) = serde_json::to_string(v) {
                forms.push(json[1..json.len() - 1].to_string());
            }
            for form in &forms {
                add(form.clone());
                for line in form.lines() {
                    add(line.trim().to_string());
                }
                let newline = format!("{form}\n");
                for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                    add(engine.encode(form.as_bytes()));
                    add(engine.encode(newline.as_bytes()));
                }
                for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                    for offset in 0..3 {
                        add(embedded_base64(engine, form.as_bytes(), offset));
                    }
                }
            }
            add(
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
            add(percent_encoding::utf8_percent_encode(v, URL_COMPONENT).to_string());
            add(percent_encoding::utf8_percent_encode(v, URL_COMPONENT)
                .to_string()
                .replace("%20", "+"));
        }
        if patterns.is_empty() {
            return ValueRedactor::default();
        }
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok();
        ValueRedactor { matcher }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// `text` with every known value replaced by `<redacted>`.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => {
                std::borrow::Cow::Owned(m.replace_all(text, &vec![REDACTED; m.patterns_len()]))
            }
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    /// Wraps a line sink so every line passes through [`ValueRedactor::redact`] first.
    pub fn wrap(&self, sink: crate::remote::LineSink) -> crate::remote::LineSink {
        if self.is_empty() {
            return sink;
        }
        let me = self.clone();
        std::sync::Arc::new(move |stream, line: String| {
            let clean = me.redact(&line).into_owned();
            sink(stream, clean)
        })
    }
}

/// The base64 characters that encode only `value`'s bytes when it starts `offset` bytes into a
/// 3-byte group of a longer encoded text: the characters shared with the bytes before and after
/// it are left out, so the core matches wherever the value sits.
fn embedded_base64(engine: &base64::engine::GeneralPurpose, value: &[u8], offset: usize) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(value);
    let encoded = engine.encode(&bytes);
    // Characters that also carry bits of the `offset` leading bytes: 0, 2 or 3.
    let skip = [0, 2, 3][offset % 3];
    // A final partial group's last character also carries bits of what follows.
    let drop = usize::from(!bytes.len().is_multiple_of(3));
    encoded
        .get(skip..encoded.len().saturating_sub(drop))
        .unwrap_or_default()
        .to_string()
}

/// A value as a double-quoted `.env` line holds it (compose's escapes, `$` doubled).
fn dotenv_escaped(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

/// RFC 3986 unreserved characters stay as they are; everything else is encoded (what
/// `encodeURIComponent` and most URL builders produce).
const URL_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A redacted copy.
pub fn redacted(value: &Value) -> Value {
    let mut v = value.clone();
    redact(&mut v);
    v
}

/// The path (`metadata.targets.targets[0].api_token`) of the first secret-like key in `value`.
pub fn first_secret_key_path(value: &Value) -> Option<String> {
    fn walk(v: &Value, path: &str) -> Option<String> {
        match v {
            Value::Object(map) => map.iter().find_map(|(k, child)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if is_secret_key(k) {
                    Some(p)
                } else {
                    walk(child, &p)
                }
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, child)| walk(child, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(value, "")
}

/// Every secret-like key whose value is present and not already redacted, as key paths.
pub fn plaintext_secret_paths(value: &Value) -> Vec<String> {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if is_secret_key(k) {
                        let harmless = match child {
                            Value::Null => true,
                            Value::String(s) => s.is_empty() || s == REDACTED,
                            _ => false,
                        };
                        if !harmless {
                            out.push(p);
                        }
                    } else {
                        walk(child, &p, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_keys_keeps_others() {
        let mut v = json!({
            "api_token": "abc", "db_password": "pw", "vault_file": "/x",
            "compose_secret_guardrail": "ok", "compose_secret_findings": "0",
            "nested": {"Stripe_API_KEY": "k", "list": [{"ssh_key": "x"}]},
            "secret_count": 3, "name": "n"
        });
        redact(&mut v);
        assert_eq!(v["api_token"], REDACTED);
        assert_eq!(v["db_password"], REDACTED);
        assert_eq!(v["nested"]["Stripe_API_KEY"], REDACTED);
        assert_eq!(v["nested"]["list"][0]["ssh_key"], REDACTED);
        assert_eq!(v["vault_file"], "/x");
        assert_eq!(v["compose_secret_guardrail"], "ok");
        assert_eq!(v["compose_secret_findings"], "0");
        assert_eq!(v["secret_count"], 3);
        assert_eq!(v["name"], "n");
    }

    #[test]
    fn value_redactor_hides_values_and_their_encodings() {
        use base64::Engine as _;
        let secret = "s3cr3t pa$$/word+x";
        let r = ValueRedactor::new([secret, "ab", ""]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        let pct = percent_encoding::utf8_percent_encode(secret, URL_COMPONENT).to_string();
        for line in [
            format!("DB_PASSWORD={secret}"),
            format!("auth: {b64}"),
            format!("token={b64url}&x=1"),
            format!("GET /login?p={pct} 200"),
            format!(
                "{{\"password\":{}}}",
                serde_json::to_string(secret).unwrap()
            ),
        ] {
            let out = r.redact(&line);
            assert!(out.contains(REDACTED), "{line} -> {out}");
            assert!(
                !out.contains(secret) && !out.contains(&b64) && !out.contains(&b64url),
                "{out}"
            );
            assert!(!out.contains(&pct), "{out}");
        }
        // Short values are not matched; unrelated text is untouched and borrowed.
        assert_eq!(r.redact("ab abc"), "ab abc");
        assert!(matches!(
            r.redact("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        let multi = ValueRedactor::new(["-----BEGIN KEY-----\nMIIEabcdef\n-----END KEY-----"]);
        assert_eq!(multi.redact("  MIIEabcdef"), format!("  {REDACTED}"));
        assert!(ValueRedactor::new(Vec::<String>::new()).is_empty());
    }

    /// Every secret-looking decoding of the base64 runs in `text`, at each alignment.
    fn decoded_runs(text: &str) -> String {
        use base64::Engine as _;
        let mut out = String::new();
        let is_b64 = |c: char| c.is_ascii_alphanumeric() || "+/=-_".contains(c);
        for run in text.split(|c: char| !is_b64(c)).filter(|r| r.len() >= 4) {
            for start in 0..4.min(run.len()) {
                let chunk = &run[start..];
                let chunk = &chunk[..chunk.len() / 4 * 4];
                for engine in [
                    base64::engine::general_purpose::STANDARD,
                    base64::engine::general_purpose::URL_SAFE,
                ] {
                    if let Ok(b) = engine.decode(chunk.trim_end_matches('=')) {
                        out.push_str(&String::from_utf8_lossy(&b));
                    }
                    let padded = chunk.trim_end_matches('=');
                    let padded = &padded[..padded.len() / 4 * 4];
                    if let Ok(b) = engine.decode(padded) {
                        out.push_str(&String::from_utf8_lossy(&b));
                    }
                    out.push('\n');
                }
            }
        }
        out
    }

    #[test]
    fn value_redactor_hides_values_inside_encoded_files_and_dotenv_escapes() {
        use base64::Engine as _;
        let values = ["pg-Secret-9f3a", "tok:x'y$z\\w\"q", "k3y-only"];
        let r = ValueRedactor::new(values);
        let env =
            "DATABASE_URL='pg-Secret-9f3a'\nAPI_TOKEN=\"tok:x'y$$z\\\\w\\\"q\"\nK='k3y-only'\n";
        // As the .env file shows it, including the double-quoted escapes.
        for line in env.lines() {
            let out = r.redact(line);
            assert!(out.contains(REDACTED), "{line} -> {out}");
            for v in values {
                assert!(!out.contains(v), "{out}");
            }
        }
        assert!(!r.redact(env.lines().nth(1).unwrap()).contains("$$z"));
        // `echo "$V" | base64`: the value and its newline.
        let echoed = base64::engine::general_purpose::STANDARD.encode(format!("{}\n", values[0]));
        assert_eq!(r.redact(&echoed), REDACTED);
        // `base64 -w0 .env`: every value at whatever offset it sits.
        for pad in 0..3 {
            let file = format!("{}{env}", "#".repeat(pad));
            for engine in [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                let encoded = engine.encode(&file);
                let out = r.redact(&encoded);
                assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
                let decoded = decoded_runs(&out);
                for v in values {
                    assert!(!decoded.contains(v), "{v} recoverable from {out}");
                }
                assert!(decoded_runs(&encoded).contains(values[0]));
            }
        }
    }

    #[test]
    fn finds_key_paths() {
        let v = json!({"metadata": {"targets": {"targets": [{"name": "a", "db_password": "x"}]}}});
        assert_eq!(
            first_secret_key_path(&v).unwrap(),
            "metadata.targets.targets[0].db_password"
        );
        assert!(first_secret_key_path(&json!({"a": [1, {"b": 2}]})).is_none());
        assert_eq!(
            plaintext_secret_paths(
                &json!({"a_token": "<redacted>", "b_token": "x", "c_secret": ""})
            ),
            vec!["b_token"]
        );
    }
}
