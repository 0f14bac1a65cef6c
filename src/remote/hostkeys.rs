//! Host-key policy around OpenSSH's own checking: keys are kept in the state root's
//! `known_hosts`, an unknown key is accepted on first use (`StrictHostKeyChecking=accept-new`)
//! and reported so it can be audited, and a changed key is refused with the file and line to
//! remove. Lookups read the file in-process, as OpenSSH does (hashed entries, wildcards and
//! negation, `@revoked` and `@cert-authority` lines), parsed once per process. A line
//! that does not parse — the host's or any other, since damage can hide which host a line was
//! for — is refused too: OpenSSH would skip it and learn whatever key the server offers now.

mod line;
mod sha1;
mod table;

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

/// Reads what known_hosts holds for a host, in-process (hashed entries included); the file is
/// parsed once per process while it does not change.
pub async fn scan(known_hosts: &Path, host: &str, port: u16) -> Result<HostScan> {
    let path = known_hosts.to_path_buf();
    let table = tokio::task::spawn_blocking(move || table::load(&path))
        .await
        .map_err(|e| {
            PaasError::new(
                ErrorCode::UnknownFailure,
                "known_hosts",
                format!("reading {} stopped: {e}", known_hosts.display()),
            )
        })?
        .map_err(|e| PaasError::io("known_hosts", known_hosts, &e))?;
    Ok(table.scan(&host_pattern(host, port)))
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
