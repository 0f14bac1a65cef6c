//! Host-key policy around OpenSSH's own checking: keys are kept in the state root's
//! `known_hosts`, an unknown key is accepted on first use (`StrictHostKeyChecking=accept-new`)
//! and reported so it can be audited, and a changed key is refused with the file and line to
//! remove. Lookups go through `ssh-keygen -F`, which also understands hashed entries. A line
//! that does not parse — the host's or any other, since damage can hide which host a line was
//! for — is refused too: OpenSSH would skip it and learn whatever key the server offers now.

mod line;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{ErrorCode, PaasError, Result};

/// The name OpenSSH files a host under: `host` on port 22, `[host]:port` otherwise.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// A host key added to known_hosts by a connection (first use, or a key of another type for
/// a host already known).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostKeyLearned {
    pub host: String,
    pub port: u16,
    pub fingerprints: Vec<String>,
    /// The host's keys that were already known (empty on first use).
    pub previously_known: Vec<String>,
    pub known_hosts: PathBuf,
}

/// What known_hosts holds for one host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostScan {
    /// `SHA256:` fingerprints of the host's keys that OpenSSH can use (revoked and CA lines
    /// left out).
    pub fingerprints: Vec<String>,
    /// Lines (1-based) that do not parse as an entry (whichever host they were for), or that
    /// name the host but hold no key OpenSSH can use.
    pub damaged: Vec<usize>,
}

/// Lines (1-based) whose host field names `pattern` literally, whatever follows: OpenSSH's
/// own lookup skips a line with no key at all, but such a line is damage too.
fn plain_lines(text: &str, pattern: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let mut hosts = fields.next().unwrap_or("");
        if hosts.starts_with('@') {
            hosts = fields.next().unwrap_or("");
        }
        if hosts.starts_with('#') {
            continue;
        }
        if hosts.split(',').any(|h| h == pattern) {
            out.push(i + 1);
        }
    }
    out
}

/// One `# Host X found: line N [REVOKED|CA]` header of `ssh-keygen -F` output.
fn found_header(line: &str) -> Option<(usize, bool)> {
    let rest = line.strip_prefix("# Host ")?;
    let rest = &rest[rest.find(" found: line ")? + " found: line ".len()..];
    let mut words = rest.split_whitespace();
    let n = words.next()?.parse().ok()?;
    let special = words.next().is_some();
    Some((n, special))
}

/// Reads `ssh-keygen -F` output: (line, revoked-or-CA, the line after the header).
fn parse_found(out: &str) -> Vec<(usize, bool, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut v = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some((n, special)) = found_header(l) {
            v.push((n, special, lines.get(i + 1).unwrap_or(&"").to_string()));
        }
    }
    v
}

async fn keygen_find(known_hosts: &Path, pattern: &str, fingerprints: bool) -> Result<String> {
    let mut cmd = tokio::process::Command::new("ssh-keygen");
    if fingerprints {
        cmd.arg("-l");
    }
    let out = cmd
        .arg("-F")
        .arg(pattern)
        .arg("-f")
        .arg(known_hosts)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| {
            PaasError::new(
                ErrorCode::SshConnectFailed,
                "ssh_connect",
                format!(
                    "cannot run ssh-keygen to read {}: {e}",
                    known_hosts.display()
                ),
            )
            .with_remediation("install the OpenSSH client (ssh and ssh-keygen)")
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // Exit 1 with nothing printed means "no entry"; anything else unexpected is an error.
    if !out.status.success() && !out.stderr.is_empty() {
        return Err(PaasError::new(
            ErrorCode::SshConnectFailed,
            "ssh_connect",
            format!(
                "cannot read {}: {}",
                known_hosts.display(),
                crate::text::sanitize_inline(String::from_utf8_lossy(&out.stderr).trim())
            ),
        )
        .with_remediation("check that the known_hosts file is readable by you"));
    }
    Ok(stdout)
}

/// Reads what known_hosts holds for a host, through OpenSSH's own parser (`ssh-keygen -F`
/// lists every line for the host, hashed ones included; `-l` only those whose key parses).
pub async fn scan(known_hosts: &Path, host: &str, port: u16) -> Result<HostScan> {
    let bytes = match tokio::fs::read(known_hosts).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HostScan::default()),
        Err(e) => return Err(PaasError::io("known_hosts", known_hosts, &e)),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let pattern = host_pattern(host, port);
    let mut named = plain_lines(&text, &pattern);
    named.extend(unparsable(&bytes));
    if text.trim().is_empty() {
        return Ok(HostScan::default());
    }
    let all = parse_found(&keygen_find(known_hosts, &pattern, false).await?);
    let valid = parse_found(&keygen_find(known_hosts, &pattern, true).await?);
    named.extend(all.iter().map(|(n, _, _)| *n));
    named.sort_unstable();
    named.dedup();
    let damaged = named
        .into_iter()
        .filter(|n| !valid.iter().any(|(v, _, _)| v == n))
        .collect();
    let mut fingerprints: Vec<String> = valid
        .iter()
        .filter(|(_, special, _)| !special)
        .filter_map(|(_, _, l)| {
            l.split_whitespace()
                .find(|w| w.starts_with("SHA256:"))
                .map(str::to_string)
        })
        .collect();
    fingerprints.dedup();
    Ok(HostScan {
        fingerprints,
        damaged,
    })
}

/// Lines (1-based) that are neither blank, a comment nor an entry that parses.
fn unparsable(bytes: &[u8]) -> Vec<usize> {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !line::parses(l))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The host's usable key fingerprints. A damaged line for the host refuses the connection:
/// OpenSSH would skip it, find the host unknown and accept whatever key the server offers.
pub async fn known_keys(known_hosts: &Path, host: &str, port: u16) -> Result<Vec<String>> {
    let s = scan(known_hosts, host, port).await?;
    if s.damaged.is_empty() {
        Ok(s.fingerprints)
    } else {
        Err(damaged_error(known_hosts, host, port, &s.damaged))
    }
}

/// A path as a shell word, for the commands a remediation names.
fn quoted_path(p: &Path) -> String {
    crate::text::shell_word(&p.display().to_string())
}

/// The refusal for damaged known_hosts lines, naming the file and lines.
pub fn damaged_error(known_hosts: &Path, host: &str, port: u16, lines: &[usize]) -> PaasError {
    let file = known_hosts.display();
    let pattern = host_pattern(host, port);
    let at = lines
        .iter()
        .map(|n| format!("{file}:{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let numbers = lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    PaasError::new(
        ErrorCode::HostKeyMismatch,
        "ssh_connect",
        format!(
            "{file} is damaged ({at} does not hold a host key entry that parses, and OpenSSH would skip it); refusing to connect to {pattern}, since the server's key cannot be compared with the recorded one"
        ),
    )
    .with_target(host)
    .with_remediation(format!(
        "restore {file} from a backup, or verify the server's key out of band and delete line(s) {numbers} (`ssh-keygen -R '{pattern}' -f {}` removes the host's own entries; other lines by hand); the next connection learns the key and audits it",
        quoted_path(known_hosts)
    ))
}

/// Recognises OpenSSH's changed-host-key refusal in its error output.
pub fn mismatch_error(
    ssh_output: &str,
    host: &str,
    port: u16,
    known_hosts: &Path,
) -> Option<PaasError> {
    if !(ssh_output.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || ssh_output.contains("Host key verification failed"))
    {
        return None;
    }
    // "Offending ED25519 key in /path/known_hosts:3"
    let offending = ssh_output.lines().find_map(|l| {
        let l = &l[l.find("Offending ")?..];
        let i = l.find(" key in ")?;
        Some(l[i + " key in ".len()..].trim().to_string())
    });
    let pattern = host_pattern(host, port);
    let location = offending.unwrap_or_else(|| known_hosts.display().to_string());
    Some(
        PaasError::new(
            ErrorCode::HostKeyMismatch,
            "ssh_connect",
            format!(
                "the host key of {pattern} does not match the one recorded in {location}; refusing to connect"
            ),
        )
        .with_target(host)
        .with_remediation(format!(
            "if the change is expected (a rebuilt server), verify the new key out of band, then remove the old entry ({location}; `ssh-keygen -R '{pattern}' -f {}`) and connect again",
            quoted_path(known_hosts)
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_name_the_host_whatever_follows() {
        let kh = "# [127.0.0.1]:2222 c\n[127.0.0.1]:2222 ssh-ed25519 AAAA\nedge.example,10.0.0.1 ssh-ed25519 BBBB\n[127.0.0.1]:2222\n@revoked 10.0.0.1 ssh-ed25519 CCCC\n";
        assert_eq!(plain_lines(kh, "[127.0.0.1]:2222"), vec![2, 4]);
        assert_eq!(plain_lines(kh, "10.0.0.1"), vec![3, 5]);
        assert!(plain_lines(kh, "[127.0.0.1]:2223").is_empty());
        assert!(plain_lines("|1|abc=|def= ssh-ed25519 AAAA\n", "x").is_empty());
    }

    #[test]
    fn reads_keygen_find_output() {
        let out = "# Host [h]:2 found: line 1 REVOKED\n[h]:2 ED25519 SHA256:aaa\n# Host [h]:2 found: line 3 \n[h]:2 ED25519 SHA256:bbb\n";
        let v = parse_found(out);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].0, v[0].1), (1, true));
        assert_eq!((v[1].0, v[1].1), (3, false));
        assert!(v[1].2.ends_with("SHA256:bbb"));
    }

    #[test]
    fn damage_is_refused_naming_file_and_lines() {
        let e = damaged_error(Path::new("/s/known_hosts"), "127.0.0.1", 2222, &[2, 5]);
        assert_eq!(e.code, ErrorCode::HostKeyMismatch);
        assert!(
            e.message.contains("/s/known_hosts:2, /s/known_hosts:5"),
            "{}",
            e.message
        );
        assert!(e.remediation.contains("line(s) 2, 5"), "{}", e.remediation);
        assert!(
            e.remediation
                .contains("ssh-keygen -R '[127.0.0.1]:2222' -f /s/known_hosts")
        );
    }

    #[test]
    fn patterns() {
        assert_eq!(host_pattern("a.example", 22), "a.example");
        assert_eq!(host_pattern("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }

    #[test]
    fn recognises_mismatch_and_names_the_line() {
        let out = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nAdd correct host key in /s/known_hosts to get rid of this message.\nOffending ED25519 key in /s/known_hosts:3\nHost key for [127.0.0.1]:2222 has changed and you have requested strict checking.\nHost key verification failed.";
        let e = mismatch_error(out, "127.0.0.1", 2222, Path::new("/s/known_hosts")).unwrap();
        assert_eq!(e.code, ErrorCode::HostKeyMismatch);
        assert!(e.message.contains("/s/known_hosts:3"), "{}", e.message);
        assert!(e.remediation.contains("ssh-keygen -R '[127.0.0.1]:2222'"));
        assert!(mismatch_error("Connection refused", "h", 22, Path::new("/k")).is_none());
    }
}
