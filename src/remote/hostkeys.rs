//! Host-key policy around OpenSSH's own checking: keys are kept in the state root's
//! `known_hosts`, an unknown key is accepted on first use (`StrictHostKeyChecking=accept-new`)
//! and reported so it can be audited, and a changed key is refused with the file and line to
//! remove. Lookups go through `ssh-keygen -F`, which also understands hashed entries.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{ErrorCode, PaasError};

/// The name OpenSSH files a host under: `host` on port 22, `[host]:port` otherwise.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// A host key accepted on first use.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostKeyLearned {
    pub host: String,
    pub port: u16,
    pub fingerprints: Vec<String>,
    pub known_hosts: PathBuf,
}

/// What a plain reading of known_hosts says about a host.
fn plain_lookup(text: &str, pattern: &str) -> Option<bool> {
    let mut hashed = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
            continue;
        }
        let hosts = line.split_whitespace().next().unwrap_or("");
        if hosts.starts_with("|1|") {
            hashed = true;
            continue;
        }
        if hosts.split(',').any(|h| h == pattern) {
            return Some(true);
        }
    }
    // Hashed entries need OpenSSH to compare; plain ones are conclusive.
    if hashed { None } else { Some(false) }
}

/// Whether `known_hosts` already holds a key for the host. Plain entries are read directly;
/// files with hashed entries are asked through `ssh-keygen -F`.
pub async fn is_known(known_hosts: &Path, host: &str, port: u16) -> bool {
    let Ok(text) = tokio::fs::read_to_string(known_hosts).await else {
        return false;
    };
    if let Some(known) = plain_lookup(&text, &host_pattern(host, port)) {
        return known;
    }
    tokio::process::Command::new("ssh-keygen")
        .arg("-F")
        .arg(host_pattern(host, port))
        .arg("-f")
        .arg(known_hosts)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .map(|s| s.success())
        .unwrap_or(false)
}

/// SHA-256 fingerprints (`SHA256:…`) of the host's keys in `known_hosts`.
pub async fn fingerprints(known_hosts: &Path, host: &str, port: u16) -> Vec<String> {
    let out = tokio::process::Command::new("ssh-keygen")
        .arg("-l")
        .arg("-F")
        .arg(host_pattern(host, port))
        .arg("-f")
        .arg(known_hosts)
        .output()
        .await;
    let Ok(out) = out else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with("SHA256:"))
        .map(str::to_string)
        .collect()
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
            known_hosts.display()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lookups() {
        let kh = "# c\n[127.0.0.1]:2222 ssh-ed25519 AAAA\nedge.example,10.0.0.1 ssh-ed25519 BBBB\n";
        assert_eq!(plain_lookup(kh, "[127.0.0.1]:2222"), Some(true));
        assert_eq!(plain_lookup(kh, "10.0.0.1"), Some(true));
        assert_eq!(plain_lookup(kh, "[127.0.0.1]:2223"), Some(false));
        assert_eq!(plain_lookup("|1|abc=|def= ssh-ed25519 AAAA\n", "x"), None);
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
