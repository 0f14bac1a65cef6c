//! One known_hosts line checked the way paasdeck needs it: OpenSSH skips a line it cannot
//! parse, so a damaged entry silently turns a known host into an unknown one that
//! `accept-new` then learns. Every line of the file must therefore parse here — marker, host
//! patterns, key type and a key blob whose structure matches its type — or the file is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The key types OpenSSH writes into known_hosts.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// Whether `line` (without its newline) is blank, a comment, or an entry that parses.
pub fn parses(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let line = line.trim_matches([' ', '\t', '\r']);
    if line.is_empty() || line.starts_with('#') {
        return true;
    }
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    let mut hosts = fields.next().unwrap_or("");
    if let Some(marker) = hosts.strip_prefix('@') {
        if !matches!(marker, "cert-authority" | "revoked") {
            return false;
        }
        hosts = fields.next().unwrap_or("");
    }
    let (Some(kind), Some(blob)) = (fields.next(), fields.next()) else {
        return false;
    };
    hosts_ok(hosts) && key_ok(kind, blob)
}

/// Comma-separated host patterns, or one hashed `|1|salt|hash` entry.
fn hosts_ok(hosts: &str) -> bool {
    if let Some(hashed) = hosts.strip_prefix("|1|") {
        let Some((salt, hash)) = hashed.split_once('|') else {
            return false;
        };
        let len = |s: &str| STANDARD.decode(s).map(|b| b.len()).unwrap_or(0);
        return len(salt) == 20 && len(hash) == 20;
    }
    !hosts.is_empty() && hosts.split(',').all(pattern_ok)
}

/// `name`, `[name]:port`, with the wildcards and negation OpenSSH allows.
fn pattern_ok(p: &str) -> bool {
    let p = p.strip_prefix('!').unwrap_or(p);
    let name = match p.strip_prefix('[') {
        Some(rest) => {
            let Some((name, port)) = rest.split_once("]:") else {
                return false;
            };
            if port.is_empty() || !port.bytes().all(|c| c.is_ascii_digit()) {
                return false;
            }
            name
        }
        None => p,
    };
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".-_:*?%".contains(&c))
}

/// A wire-format blob: length-prefixed strings.
struct Blob<'a>(&'a [u8]);

impl<'a> Blob<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let s = self.0.get(4..4 + len)?;
        self.0 = &self.0[4 + len..];
        Some(s)
    }

    /// `n` strings and nothing after them.
    fn exactly(&mut self, n: usize) -> Option<Vec<&'a [u8]>> {
        let v: Option<Vec<&[u8]>> = (0..n).map(|_| self.string()).collect();
        v.filter(|_| self.0.is_empty())
    }
}

/// `ssh-ed25519` → `ssh-ed25519-cert-v01@openssh.com`, and so on.
fn cert_type(t: &str) -> String {
    format!(
        "{}-cert-v01@openssh.com",
        t.trim_end_matches("@openssh.com")
    )
}

/// The key type is one OpenSSH knows, and the blob decodes to exactly that type's fields.
fn key_ok(kind: &str, blob: &str) -> bool {
    let cert = KEY_TYPES.iter().any(|t| cert_type(t) == kind);
    if !cert && !KEY_TYPES.contains(&kind) {
        return false;
    }
    let Ok(bytes) = STANDARD.decode(blob) else {
        return false;
    };
    let mut b = Blob(&bytes);
    if b.string() != Some(kind.as_bytes()) {
        return false;
    }
    if cert {
        // A certificate's structure is long; its type and a non-empty body are what OpenSSH
        // would need to consider it at all.
        return !b.0.is_empty();
    }
    match kind {
        "ssh-ed25519" => b.exactly(1).is_some_and(|v| v[0].len() == 32),
        "ssh-rsa" => b
            .exactly(2)
            .is_some_and(|v| !v[0].is_empty() && v[1].len() >= 64),
        "ssh-dss" => b.exactly(4).is_some(),
        "sk-ssh-ed25519@openssh.com" => b.exactly(2).is_some_and(|v| v[0].len() == 32),
        "sk-ecdsa-sha2-nistp256@openssh.com" => b.exactly(3).is_some_and(|v| curve_ok(kind, v)),
        _ => b.exactly(2).is_some_and(|v| curve_ok(kind, v)),
    }
}

/// An ECDSA key names the curve of its type, and its point is uncompressed.
fn curve_ok(kind: &str, v: Vec<&[u8]>) -> bool {
    let curve = std::str::from_utf8(v[0]).unwrap_or("");
    let want = if kind.starts_with("sk-") {
        "nistp256"
    } else {
        kind.trim_start_matches("ecdsa-sha2-")
    };
    let point = match want {
        "nistp256" => 65,
        "nistp384" => 97,
        "nistp521" => 133,
        _ => return false,
    };
    curve == want && v[1].len() == point && v[1][0] == 4
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDH67ch3Uzio8yDUPXtMTjT3lIHIZJeeQroLfYp08YPp";

    #[test]
    fn good_lines_parse() {
        assert!(parses(GOOD.as_bytes()));
        assert!(parses(b""));
        assert!(parses(b"   "));
        assert!(parses(b"# a comment"));
        let hashed = "|1|Zm9vYmFyYmF6cXV4cXV1eHh4eHg=|YmFyYmF6cXV4cXV1eHh4eHh5eXk= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDH67ch3Uzio8yDUPXtMTjT3lIHIZJeeQroLfYp08YPp";
        assert!(parses(hashed.as_bytes()));
        let revoked = format!("@revoked {GOOD} a comment");
        assert!(parses(revoked.as_bytes()));
        assert!(parses(
            "edge.example,10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDH67ch3Uzio8yDUPXtMTjT3lIHIZJeeQroLfYp08YPp".as_bytes()
        ));
    }

    #[test]
    fn every_cut_of_an_entry_is_damage() {
        for n in 1..GOOD.len() {
            // A cut that ends between the host and the key, or inside the key, never parses.
            assert!(!parses(&GOOD.as_bytes()[..n]), "cut at {n}: {}", &GOOD[..n]);
        }
    }

    #[test]
    fn garbage_is_damage() {
        assert!(!parses(b"\x00\x01\x02garbage\xff"));
        assert!(!parses(b"lorem ipsum dolor"));
        assert!(!parses(b"@bogus [127.0.0.1]:2222 ssh-ed25519 AAAA"));
        assert!(!parses(b"[127.0.0.1]:2222 ssh-ed25519 !!!!"));
        assert!(!parses(b"[127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDH67ch3Uzio8yDUPXtMTjT3lIHIZJeeQroLfYp08YPp"));
    }

    #[test]
    fn a_flipped_bit_either_breaks_the_line_or_leaves_an_entry_that_parses() {
        // Whatever a flip leaves, either the line is refused as damage, or it is still a whole
        // entry: for this host (OpenSSH compares the key and refuses a change), or for another
        // name (this host is then unknown, and learning its key is audited).
        let good_blob = GOOD.rsplit(' ').next().unwrap();
        let mut refused = 0;
        for at in 0..GOOD.len() {
            for bit in 0..8 {
                let mut b = GOOD.as_bytes().to_vec();
                b[at] ^= 1 << bit;
                if !parses(&b) {
                    refused += 1;
                    continue;
                }
                let s = String::from_utf8(b).unwrap();
                let (host, rest) = s.split_once(' ').unwrap();
                let (kind, blob) = rest.split_once(' ').unwrap();
                assert!(
                    host != "[127.0.0.1]:2222" || (kind == "ssh-ed25519" && blob != good_blob),
                    "{s}"
                );
            }
        }
        // Every flip outside the host name and the key bytes is refused outright.
        assert!(refused > GOOD.len() * 8 / 2, "{refused}");
    }
}
