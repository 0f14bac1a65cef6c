//! The plaintext-secret assignment detector (`KEY=value`, `KEY: value`, `- KEY=value`), used by
//! the compose guardrail and the doctor's repository scan. Findings carry the line and key,
//! never the value.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub line: usize,
    pub key: String,
}

impl Finding {
    /// `file:line (KEY=<redacted>)`.
    pub fn describe(&self, file: &str) -> String {
        format!("{file}:{} ({}=<redacted>)", self.line, self.key)
    }
}

/// Whether an environment-style key names a secret. `PASS` counts only as a whole `_`-separated
/// word, so `COMPASS_URL` is not a secret while `DB_PASS` is.
pub fn is_secret_env_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    const MARKERS: &[&str] = &[
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ];
    MARKERS.iter().any(|m| k.contains(m)) || k.split('_').any(|w| w == "PASS" || w == "PWD")
}

/// Whether a value (already cut at an inline comment and unquoted) holds a literal secret.
fn is_plaintext_value(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    !(v.is_empty()
        || matches!(lower.as_str(), "null" | "~" | "{}" | "[]" | "<redacted>")
        || v.starts_with('$')
        || lower.starts_with("enc["))
}

fn normalise_value(raw: &str) -> String {
    let cut = match raw.find(" #") {
        Some(i) => &raw[..i],
        None => raw,
    };
    let t = cut.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(t);
    t.trim().to_string()
}

/// Parses `KEY=value` / `KEY: value` / `- KEY=value` into (key, raw value).
fn assignment(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").map(str::trim_start).unwrap_or(t);
    let t = t.strip_prefix("export ").unwrap_or(t);
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphanumeric() || c == '_') || (i == 0 && c.is_ascii_digit()))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    if end == 0 {
        return None;
    }
    let (key, rest) = t.split_at(end);
    let rest = rest.trim_start();
    let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
    Some((key, value))
}

/// Every line of `text` that assigns a literal value to a secret-like key.
pub fn plaintext_assignments(text: &str) -> Vec<Finding> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.contains("<redacted>") {
                return None;
            }
            let (key, raw) = assignment(line)?;
            if is_secret_env_key(key) && is_plaintext_value(&normalise_value(raw)) {
                Some(Finding {
                    line: i + 1,
                    key: key.to_string(),
                })
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_only_literal_secrets() {
        let compose = "services:\n  db:\n    environment:\n      - DB_PASSWORD=super-secret\n      - DB_PASSWORD_REF=${DB_PASSWORD}\n      API_TOKEN: \"abc\" # note\n      EMPTY_TOKEN:\n      COMPASS_URL: http://x\n      DB_PASS: hunter2\n      # OLD_SECRET=x\n      SECRET_FILE: ENC[abc]\n";
        let f = plaintext_assignments(compose);
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, vec!["DB_PASSWORD", "API_TOKEN", "DB_PASS"]);
        assert_eq!(f[0].line, 4);
        assert_eq!(
            f[0].describe("compose.yaml"),
            "compose.yaml:4 (DB_PASSWORD=<redacted>)"
        );
    }

    #[test]
    fn env_file_shape() {
        let f = plaintext_assignments("API_TOKEN=super-secret\nexport GITHUB_TOKEN='x'\nNAME=ok\n");
        assert_eq!(f.len(), 2);
    }
}
