//! Name rules, checked before a name is joined into a path or gets near a shell.

use crate::error::{PaasError, Result};

/// The context used when none is given or stored.
pub const DEFAULT_CONTEXT: &str = "default";

/// Keeps ASCII letters, digits, `-`, `_`, `.`; every other run becomes one `-`; trims `-._`;
/// empty becomes `unknown`.
pub fn sanitize_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
            last_dash = false;
        } else if !last_dash {
            out.push('-');
            last_dash = true;
        }
    }
    let trimmed = out.trim_matches(|c| matches!(c, '-' | '_' | '.'));
    if trimmed.is_empty() {
        "unknown".to_string()
    } else {
        trimmed.to_string()
    }
}

fn check(kind: &str, value: &str, max: usize, allow_upper: bool) -> Result<()> {
    let bad = |why: &str| {
        PaasError::usage(
            "flag_validation",
            format!("invalid {kind} name {value:?}: {why}"),
        )
        .with_remediation(format!(
            "a {kind} name is 1-{max} characters of {}letters, digits, '-', '_' and '.', starting with a letter or digit",
            if allow_upper { "" } else { "lowercase " }
        ))
    };
    if value.is_empty() {
        return Err(bad("it is empty"));
    }
    if value.len() > max {
        return Err(bad(&format!("it is longer than {max} characters")));
    }
    if value.contains("..") {
        return Err(bad("it contains '..'"));
    }
    let first = value.chars().next().unwrap_or('-');
    if !first.is_ascii_alphanumeric() {
        return Err(bad("it must start with a letter or digit"));
    }
    if let Some(c) = value.chars().find(|c| {
        !(c.is_ascii_digit()
            || c.is_ascii_lowercase()
            || (allow_upper && c.is_ascii_uppercase())
            || matches!(c, '-' | '_' | '.'))
    }) {
        return Err(bad(&format!("character {c:?} is not allowed")));
    }
    Ok(())
}

/// New context names: lowercase letters, digits, `-`, `_`, `.`; 1-63 chars; no `..`; never a
/// path.
pub fn validate_context(name: &str) -> Result<()> {
    check("context", name, 63, false)
}

/// The longest name a file system keeps as one path component.
const MAX_COMPONENT: usize = 255;

/// Names of existing context directories: whatever `si paas` accepts (it does not check) as long
/// as it is one safe path component: not empty, no `/`, NUL or control character, not `.` or
/// `..`, at most 255 bytes. Only an existing context may have such a name; new ones follow
/// [`validate_context`].
pub fn validate_context_component(name: &str) -> Result<()> {
    let why = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name == "." || name == ".." {
        Some("it is a relative path".to_string())
    } else if name.len() > MAX_COMPONENT {
        Some(format!("it is longer than {MAX_COMPONENT} bytes"))
    } else if name.contains('/') {
        Some("it contains '/'".to_string())
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character".to_string())
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(PaasError::usage(
            "flag_validation",
            format!(
                "invalid context name {:?}: {why}",
                crate::text::sanitize_inline(name)
            ),
        )
        .with_remediation(
            "a context name is 1-63 characters of lowercase letters, digits, '-', '_' and '.', starting with a letter or digit",
        )),
    }
}

/// Release ids: `rel-YYYYMMDDTHHMMSS-NNNNNNNNN` (SPEC §10), so an id can never be a path.
pub fn validate_release(id: &str) -> Result<()> {
    let b = id.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == RELEASE_ID_LEN
        && b.starts_with(b"rel-")
        && digits(4..12)
        && b[12] == b'T'
        && digits(13..19)
        && b[19] == b'-'
        && digits(20..29);
    if ok {
        Ok(())
    } else {
        Err(PaasError::usage(
            "flag_validation",
            format!("invalid release id {:?}", crate::text::sanitize_inline(id)),
        )
        .with_remediation(
            "a release id looks like rel-20260217T020304-123456789; `app status APP` lists them",
        ))
    }
}

const RELEASE_ID_LEN: usize = "rel-20260101T000000-000000000".len();

/// Target names (the target's id, matched case-insensitively).
pub fn validate_target(name: &str) -> Result<()> {
    check("target", name, 63, true)
}

pub fn validate_app(name: &str) -> Result<()> {
    check("app", name, 63, true)
}

/// Automation agents' names (they name the agent's lock file).
pub fn validate_agent(name: &str) -> Result<()> {
    check("agent", name, 63, true)
}

/// Compose service names.
pub fn validate_service(name: &str) -> Result<()> {
    check("service", name, 63, true)
}

/// Add-on names (`app addon enable --name`); also the add-on's file names.
pub fn validate_addon(name: &str) -> Result<()> {
    check("add-on", name, 63, true)
}

/// An image tag (`app addon enable --version`): what follows `image:name:` in a compose file.
pub fn validate_image_tag(tag: &str) -> Result<()> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric())
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(PaasError::usage(
            "flag_validation",
            format!(
                "invalid image version {:?}",
                crate::text::sanitize_inline(tag)
            ),
        )
        .with_remediation(
            "an image tag is letters, digits, '_', '.' and '-' (e.g. 16, 7.2, latest)",
        ))
    }
}

/// Secret variable names become environment variable names on the target.
pub fn validate_env_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(
            PaasError::usage("flag_validation", format!("invalid variable name {name:?}"))
                .with_remediation("use letters, digits and '_', starting with a letter or '_'"),
        )
    }
}

/// Host names and IP addresses. Never starts with `-`, so it cannot be read as an ssh option.
pub fn validate_host(host: &str) -> Result<()> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '%'));
    if ok {
        Ok(())
    } else {
        Err(
            PaasError::usage("flag_validation", format!("invalid host {host:?}"))
                .with_remediation("give a DNS name, an IPv4 address or a bare IPv6 address"),
        )
    }
}

/// Remote login names.
pub fn validate_user(user: &str) -> Result<()> {
    let ok = !user.is_empty()
        && user.len() <= 64
        && !user.starts_with('-')
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(
            PaasError::usage("flag_validation", format!("invalid user {user:?}"))
                .with_remediation("a login name is letters, digits, '.', '-' and '_'"),
        )
    }
}

/// Remote directories: absolute, no `..`, only safe characters (they are quoted anyway).
pub fn validate_remote_dir(d: &str) -> Result<()> {
    let ok = d.starts_with('/')
        && !d.split('/').any(|s| s == "..")
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(
            PaasError::usage("flag_validation", format!("invalid remote dir {d:?}"))
                .with_remediation(
                    "give an absolute path of letters, digits, '/', '.', '_' and '-'",
                ),
        )
    }
}

/// Splits a CSV flag value: trimmed, empties dropped, duplicates removed (first wins).
pub fn split_csv(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in value.split(',') {
        let p = part.trim();
        if !p.is_empty() && !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_names() {
        for ok in ["default", "oss-demo", "customer-42", "a.b_c", "x"] {
            validate_context(ok).unwrap();
        }
        for bad in [
            "",
            "..",
            "a/b",
            "../etc",
            "Prod",
            "-x",
            ".hidden",
            "a..b",
            "a b",
            "a;rm",
            &"x".repeat(64),
        ] {
            let e = validate_context(bad).unwrap_err();
            assert!(e.usage, "{bad}");
        }
    }

    #[test]
    fn hostile_names_refused() {
        for bad in ["a'b", "$(id)", "a`b`", "a\nb", "a|b", "-oProxyCommand=x"] {
            assert!(validate_target(bad).is_err(), "{bad}");
            assert!(validate_host(bad).is_err(), "{bad}");
            assert!(validate_user(bad).is_err(), "{bad}");
        }
        validate_target("Edge-A").unwrap();
        validate_host("10.0.0.1").unwrap();
        validate_host("::1").unwrap();
        validate_user("deploy").unwrap();
    }

    #[test]
    fn existing_context_names() {
        for ok in [
            "ACME-Prod",
            "default",
            "Acme Prod",
            "ü-ctx",
            "a..b",
            "-x",
            ".hidden",
        ] {
            validate_context_component(ok).unwrap();
        }
        let long = "x".repeat(256);
        for bad in [
            "", ".", "..", "a/b", "/", "a\0b", "a\nb", "a\u{1b}b", "a\u{9b}", &long,
        ] {
            let e = validate_context_component(bad).unwrap_err();
            assert!(e.usage, "{bad:?}");
            assert!(!e.message.contains('\u{1b}'), "{}", e.message);
        }
        validate_context_component(&"x".repeat(255)).unwrap();
    }

    #[test]
    fn release_ids() {
        validate_release("rel-20260217T020304-123456789").unwrap();
        for bad in [
            "",
            "rel-1",
            "../../../other/releases/web/rel-20260217T020304-123456789",
            "rel-20260217T020304-123456789/..",
            "rel-20260217t020304-123456789",
            "REL-20260217T020304-123456789",
            "rel-2026021xT020304-123456789",
            "rel-20260217T020304_123456789",
            "rel-20260217T020304-12345678",
            "rel-20260217T020304-1234567890",
        ] {
            assert!(validate_release(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn csv() {
        assert_eq!(split_csv(" a, b,,a ,c"), vec!["a", "b", "c"]);
    }
}
