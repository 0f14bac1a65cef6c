//! Secret-like keys and their redaction. One keyword list serves output, state writes, events,
//! exports and the doctor, so what is hidden in one place is hidden everywhere.

use serde_json::{Map, Value};

pub const REDACTED: &str = "<redacted>";

/// Substrings of a lowercased key that make it secret-like (SPEC §8).
const SECRET_KEY_MARKERS: &[&str] = &[
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
