//! Compose variables: which a compose file interpolates, which it needs a value for (no
//! default), and which of those have no value in the vault for a target. Reads vault keys only,
//! never a value.

use std::collections::BTreeSet;

use crate::state::vault::{SecretScope, Vault};

/// A variable a compose file interpolates, and whether compose needs a value for it (no
/// default: `${NAME}`, `$NAME`, `${NAME:?err}`, `${NAME?err}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VarRef {
    pub name: String,
    pub required: bool,
}

/// Every interpolation of a compose text, in order (`$$` is a literal `$`). A reference inside
/// another's default (`${A:-${B}}`) is never required.
pub fn var_refs(text: &str) -> Vec<VarRef> {
    let mut out = Vec::new();
    scan_refs(text.as_bytes(), false, &mut out);
    out.retain(|r| !r.name.starts_with("SI_PAAS_"));
    out
}

fn scan_refs(b: &[u8], optional: bool, out: &mut Vec<VarRef>) {
    let name_end = |start: usize| {
        let mut j = start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'$' => i += 2,
            b'{' => {
                let start = i + 2;
                let end = name_end(start);
                // The matching `}`, counting nested braces of defaults.
                let mut depth = 1;
                let mut close = end;
                while close < b.len() {
                    match b[close] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    close += 1;
                }
                if end > start && !b[start].is_ascii_digit() {
                    let rest = &b[end..close.min(b.len())];
                    let has_default = rest.starts_with(b":-")
                        || rest.starts_with(b"-")
                        || rest.starts_with(b":+")
                        || rest.starts_with(b"+");
                    out.push(VarRef {
                        name: String::from_utf8_lossy(&b[start..end]).into_owned(),
                        required: !optional && !has_default,
                    });
                    scan_refs(rest, true, out);
                }
                i = close + 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = name_end(i + 1);
                out.push(VarRef {
                    name: String::from_utf8_lossy(&b[i + 1..end]).into_owned(),
                    required: !optional,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// Variable names a compose file references (with or without a default): the names whose
/// vault values are streamed into the release's `.env`.
pub fn referenced_vars(text: &str) -> BTreeSet<String> {
    var_refs(text).into_iter().map(|r| r.name).collect()
}

/// Names compose needs a value for (no default anywhere they appear without one).
pub fn required_vars(text: &str) -> BTreeSet<String> {
    var_refs(text)
        .into_iter()
        .filter(|r| r.required)
        .map(|r| r.name)
        .collect()
}

/// Required names that have no value in the vault for at least one of `targets` (neither the
/// target's own key nor the `TARGET_GLOBAL` one). Reads keys only, never a value.
pub fn missing_vars(
    vault: &Vault,
    context: &str,
    namespace: &str,
    app: &str,
    targets: &[String],
    required: &BTreeSet<String>,
) -> Vec<String> {
    let scope = |t: &str| SecretScope {
        context: context.to_string(),
        namespace: namespace.to_string(),
        app: app.to_string(),
        target: t.to_string(),
    };
    required
        .iter()
        .filter(|n| {
            !vault.contains(&scope("").key(n))
                && (targets.is_empty() || targets.iter().any(|t| !vault.contains(&scope(t).key(n))))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_and_optional_references() {
        let t = "a: ${GREETING}\nb: $BARE and ${OPT:-x} ${OPT2-y} ${PLUS:+z}\nc: ${NEED:?set it}\n\
                 d: ${OUTER:-${INNER}} $$ESCAPED ${SI_PAAS_APP}\n";
        let req: Vec<String> = required_vars(t).into_iter().collect();
        assert_eq!(req, vec!["BARE", "GREETING", "NEED"]);
        let all: Vec<String> = referenced_vars(t).into_iter().collect();
        assert_eq!(
            all,
            vec![
                "BARE", "GREETING", "INNER", "NEED", "OPT", "OPT2", "OUTER", "PLUS"
            ]
        );
        // A name required once stays required when it also appears with a default.
        assert!(required_vars("${A:-x} ${A}").contains("A"));
    }

    #[test]
    fn missing_is_per_target_and_never_reads_values() {
        let s = |t: &str| SecretScope {
            context: "c".into(),
            namespace: String::new(),
            app: "api".into(),
            target: t.into(),
        };
        // Keys only: the values are never read, so ciphertext is not needed here.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.env");
        std::fs::write(
            &path,
            format!(
                "{}=x\n{}=y\n",
                s("edge-a").key("ONLY_A"),
                s("").key("GLOBAL")
            ),
        )
        .unwrap();
        let v = Vault::load(&path).unwrap();
        let req: BTreeSet<String> = ["ONLY_A", "GLOBAL", "NONE"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let targets = vec!["edge-a".to_string(), "edge-b".to_string()];
        assert_eq!(
            missing_vars(&v, "c", "", "api", &targets, &req),
            vec!["NONE", "ONLY_A"]
        );
        assert_eq!(
            missing_vars(&v, "c", "", "api", &targets[..1], &req),
            vec!["NONE"]
        );
    }
}
