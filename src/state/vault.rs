//! The context vault (`vault/secrets.env`, 0600): `KEY=value` lines keyed by the `si paas`
//! convention `PAAS__CTX_<CTX>__NS_<NS>__APP_<APP>__TARGET_<T>__VAR_<NAME>`. Lines paasdeck does
//! not manage (comments, `si vault` headers, other keys) are kept verbatim on rewrite. Values
//! never leave this module except through [`Vault::get`].

use std::path::Path;

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::fsio;

/// Upper-cases a key segment and turns every run of other characters into one `_`.
pub fn key_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_us = false;
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
            last_us = false;
        } else if !last_us {
            out.push('_');
            last_us = true;
        }
    }
    out.trim_matches('_').to_string()
}

/// Where a secret applies.
#[derive(Debug, Clone)]
pub struct SecretScope {
    pub context: String,
    pub namespace: String,
    pub app: String,
    pub target: String,
}

impl SecretScope {
    pub fn prefix(&self) -> String {
        format!(
            "PAAS__CTX_{}__NS_{}__APP_{}__TARGET_{}__",
            key_segment(&self.context),
            key_segment(if self.namespace.is_empty() {
                "default"
            } else {
                &self.namespace
            }),
            key_segment(&self.app),
            key_segment(if self.target.is_empty() {
                "global"
            } else {
                &self.target
            }),
        )
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}VAR_{}", self.prefix(), key_segment(name))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Line {
    Entry { key: String, raw: String },
    Other(String),
}

/// The parsed vault file.
#[derive(Debug, Default)]
pub struct Vault {
    lines: Vec<Line>,
}

impl Vault {
    pub fn load(path: &Path) -> Result<Vault> {
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8(b).map_err(|_| {
                PaasError::new(
                    ErrorCode::StateCorrupt,
                    "vault_read",
                    format!("vault file {} is not valid UTF-8", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(PaasError::io("vault_read", path, &e)),
        };
        Ok(Vault::parse(&text))
    }

    pub fn parse(text: &str) -> Vault {
        let lines = text
            .lines()
            .map(|l| {
                let t = l.trim_start();
                let t = t.strip_prefix("export ").unwrap_or(t);
                match t.split_once('=') {
                    Some((k, v)) if !t.starts_with('#') && is_key(k.trim()) => Line::Entry {
                        key: k.trim().to_string(),
                        raw: v.to_string(),
                    },
                    _ => Line::Other(l.to_string()),
                }
            })
            .collect();
        Vault { lines }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            match l {
                Line::Entry { key, raw } => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(raw);
                }
                Line::Other(s) => out.push_str(s),
            }
            out.push('\n');
        }
        out
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        fsio::write_bytes_atomic(path, self.render().as_bytes())
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter_map(|l| match l {
            Line::Entry { key, .. } => Some(key.as_str()),
            Line::Other(_) => None,
        })
    }

    pub fn contains(&self, key: &str) -> bool {
        self.keys().any(|k| k == key)
    }

    /// The decoded value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.lines.iter().rev().find_map(|l| match l {
            Line::Entry { key: k, raw } if k == key => Some(decode(raw)),
            _ => None,
        })
    }

    /// Sets `key`, replacing every earlier entry of it. Values with NUL are refused.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if value.contains('\0') {
            return Err(PaasError::usage(
                "secret_set",
                "the secret value contains a NUL byte",
            ));
        }
        let raw = encode(value);
        let mut placed = false;
        self.lines.retain_mut(|l| match l {
            Line::Entry { key: k, raw: r } if k == key => {
                if placed {
                    false
                } else {
                    *r = raw.clone();
                    placed = true;
                    true
                }
            }
            _ => true,
        });
        if !placed {
            self.lines.push(Line::Entry {
                key: key.to_string(),
                raw,
            });
        }
        Ok(())
    }

    /// Removes `key`; returns whether it was present.
    pub fn unset(&mut self, key: &str) -> bool {
        let before = self.lines.len();
        self.lines
            .retain(|l| !matches!(l, Line::Entry { key: k, .. } if k == key));
        before != self.lines.len()
    }
}

fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Plain values are written bare; anything else double-quoted with `\\ \" \n \r \t \$` escapes.
fn encode(value: &str) -> String {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+,%".contains(c));
    if bare {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn decode(raw: &str) -> String {
    let t = raw.trim();
    if let Some(inner) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return inner.to_string();
    }
    if let Some(inner) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    // Unquoted: an inline comment starts at " #".
    match t.find(" #") {
        Some(i) => t[..i].trim_end().to_string(),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_convention_matches_si() {
        let s = SecretScope {
            context: "default".into(),
            namespace: String::new(),
            app: "billing-api".into(),
            target: "edge-a".into(),
        };
        assert_eq!(
            s.key("stripe_api_key"),
            "PAAS__CTX_DEFAULT__NS_DEFAULT__APP_BILLING_API__TARGET_EDGE_A__VAR_STRIPE_API_KEY"
        );
        let g = SecretScope {
            target: String::new(),
            namespace: "production".into(),
            ..s
        };
        assert!(g.prefix().contains("__NS_PRODUCTION__"));
        assert!(g.prefix().ends_with("__TARGET_GLOBAL__"));
    }

    #[test]
    fn round_trips_awkward_values_and_keeps_other_lines() {
        let mut v = Vault::parse("# si-vault:recipient age1xyz\nOTHER=keep # c\n");
        for value in [
            "plain",
            "with space",
            "q\"uote'",
            "multi\nline",
            "$HOME\\x",
            "",
            "#hash",
        ] {
            v.set("K", value).unwrap();
            let again = Vault::parse(&v.render());
            assert_eq!(again.get("K").unwrap(), value);
        }
        assert!(
            v.render()
                .starts_with("# si-vault:recipient age1xyz\nOTHER=keep # c\n")
        );
        assert_eq!(v.get("OTHER").unwrap(), "keep");
        assert!(v.unset("K"));
        assert!(!v.unset("K"));
        assert!(v.set("K", "a\0b").is_err());
    }
}
