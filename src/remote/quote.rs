//! POSIX single-quoting: the one function every interpolated value goes through before it
//! reaches a remote shell.

/// Wraps `s` in single quotes, turning each embedded `'` into `'"'"'`. The result is one shell
/// word that expands to exactly `s`, whatever `s` contains.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\"'\"'");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quotes every word and joins them with spaces.
pub fn quote_all<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    words
        .into_iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sh_roundtrip(s: &str) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote(s)))
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn hostile_strings_survive() {
        for s in [
            "",
            "plain",
            "it's",
            "'",
            "''",
            "$(touch /tmp/paasdeck-pwned)",
            "`id`",
            "a; rm -rf / #",
            "new\nline",
            "tab\there",
            "\"double\" and 'single'",
            "back\\slash",
            "*?[glob]",
            "-n",
            "ünïcødé ✓",
            "%s %d",
        ] {
            assert_eq!(sh_roundtrip(s), s);
        }
        assert!(!std::path::Path::new("/tmp/paasdeck-pwned").exists());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn any_string_round_trips_through_sh(s in "[^\u{0}]{0,64}") {
            prop_assert_eq!(sh_roundtrip(&s), s);
        }
    }
}
