//! known_hosts read in-process, the way OpenSSH looks a host up in it: host patterns with `*`,
//! `?` and `!` negation compared case-insensitively, hashed `|1|salt|hash` entries by their
//! HMAC-SHA1, `@revoked` and `@cert-authority` lines set apart, and a line whose key does not
//! parse never counted as a key. The file is parsed once and kept while it stays the same file
//! with the same length and modification time, so a fan-out over many targets reads it once
//! instead of running `ssh-keygen -F` per connection.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

use super::{HostScan, line, sha1};

/// How an entry names its hosts.
#[derive(Debug, Clone, PartialEq)]
enum Hosts {
    /// Comma-separated patterns, as written.
    Patterns(String),
    /// `|1|salt|hash`, decoded.
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// 1-based.
    line: usize,
    hosts: Hosts,
    /// `@revoked` or `@cert-authority`: named for the host, but not a key to trust.
    special: bool,
    /// `SHA256:` fingerprint of the key, when the whole line parses.
    fingerprint: Option<String>,
}

/// Every entry of one known_hosts file, and the lines that do not parse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    entries: Vec<Entry>,
    unparsable: Vec<usize>,
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one character.
fn glob(s: &[u8], p: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(&s[i..], rest)),
        Some((b'?', rest)) => !s.is_empty() && glob(&s[1..], rest),
        Some((c, rest)) => s.first() == Some(c) && glob(&s[1..], rest),
    }
}

/// OpenSSH's `match_hostname`: a negated pattern that matches rules the line out, otherwise
/// any positive match names the host.
fn patterns_match(name: &str, patterns: &str) -> bool {
    let mut positive = false;
    for p in patterns.split(',') {
        let p = p.to_ascii_lowercase();
        match p.strip_prefix('!') {
            Some(neg) if glob(name.as_bytes(), neg.as_bytes()) => return false,
            Some(_) => {}
            None => positive |= glob(name.as_bytes(), p.as_bytes()),
        }
    }
    positive
}

impl Entry {
    fn names(&self, name: &str) -> bool {
        match &self.hosts {
            Hosts::Patterns(p) => patterns_match(name, p),
            Hosts::Hashed { salt, hash } => sha1::hmac_sha1(salt, name.as_bytes()) == hash[..],
        }
    }

    /// The host field holds `pattern` literally (whatever the rest of the line holds).
    fn literally(&self, pattern: &str) -> bool {
        matches!(&self.hosts, Hosts::Patterns(p) if p.split(',').any(|h| h == pattern))
    }
}

/// The `SHA256:` fingerprint `ssh-keygen -l` prints for a key blob.
fn fingerprint(blob: &str) -> Option<String> {
    let bytes = STANDARD.decode(blob).ok()?;
    Some(format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(Sha256::digest(&bytes))
    ))
}

/// One line's entry: its host field, marker and, when the line parses whole, its key's
/// fingerprint. Blank lines and comments are none.
fn entry(n: usize, raw: &[u8]) -> Option<Entry> {
    let text = String::from_utf8_lossy(raw);
    let mut fields = text.split([' ', '\t', '\r']).filter(|f| !f.is_empty());
    let mut hosts = fields.next()?;
    if hosts.starts_with('#') {
        return None;
    }
    let special = hosts.starts_with('@');
    if special {
        hosts = fields.next()?;
    }
    let _kind = fields.next();
    let blob = fields.next();
    let hosts = match hosts.strip_prefix("|1|").and_then(|h| h.split_once('|')) {
        Some((salt, hash)) => Hosts::Hashed {
            salt: STANDARD.decode(salt).ok()?,
            hash: STANDARD.decode(hash).ok()?,
        },
        None => Hosts::Patterns(hosts.to_string()),
    };
    let fingerprint = if line::parses(raw) {
        blob.and_then(fingerprint)
    } else {
        None
    };
    Some(Entry {
        line: n,
        hosts,
        special,
        fingerprint,
    })
}

impl Table {
    pub fn parse(bytes: &[u8]) -> Table {
        let mut t = Table::default();
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            if !line::parses(raw) {
                t.unparsable.push(i + 1);
            }
            t.entries.extend(entry(i + 1, raw));
        }
        t
    }

    /// What the file holds for the host filed under `pattern` (`host` or `[host]:port`): the
    /// usable keys' fingerprints, and the damaged lines (any line of the file that does not
    /// parse, and a line naming the host that holds no usable key).
    pub fn scan(&self, pattern: &str) -> HostScan {
        let name = pattern.to_ascii_lowercase();
        let mut damaged = self.unparsable.clone();
        let mut fingerprints: Vec<String> = Vec::new();
        for e in &self.entries {
            let named = e.literally(pattern) || e.names(&name);
            match (&e.fingerprint, named) {
                (Some(f), true) if !e.special => fingerprints.push(f.clone()),
                (None, true) => damaged.push(e.line),
                _ => {}
            }
        }
        damaged.sort_unstable();
        damaged.dedup();
        fingerprints.dedup();
        HostScan {
            fingerprints,
            damaged,
        }
    }
}

/// The file as last read: identity, length and modification time, and its table.
type Cached = ((u64, u64, u64, i64, i64), Arc<Table>);

/// The table of `known_hosts`, read again only when the file changed since the last read in
/// this process (a key learned by a connection appends to it; `ssh-keygen -R` replaces it).
pub fn load(known_hosts: &Path) -> std::io::Result<Arc<Table>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Cached>>> = OnceLock::new();
    let meta = match std::fs::metadata(known_hosts) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Arc::default()),
        Err(e) => return Err(e),
    };
    let stamp = (
        meta.dev(),
        meta.ino(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
    );
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(c) = cache.lock()
        && let Some((s, t)) = c.get(known_hosts)
        && *s == stamp
    {
        return Ok(t.clone());
    }
    let bytes = std::fs::read(known_hosts)?;
    let table = Arc::new(Table::parse(&bytes));
    // Keyed by what was stat'ed before the read: a file changed in between is read again next
    // time, never kept as the newer one.
    if let Ok(mut c) = cache.lock() {
        c.insert(known_hosts.to_path_buf(), (stamp, table.clone()));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// What `ssh-keygen -F` (every entry naming the host) and `ssh-keygen -l -F` (those whose
    /// key parses, with fingerprints) say, read as paasdeck read them before: the oracle.
    fn keygen_scan(kh: &Path, pattern: &str) -> HostScan {
        let find = |l: bool| {
            let mut c = Command::new("ssh-keygen");
            if l {
                c.arg("-l");
            }
            let o = c.arg("-F").arg(pattern).arg("-f").arg(kh).output().unwrap();
            let out = String::from_utf8_lossy(&o.stdout).into_owned();
            let lines: Vec<&str> = out.lines().collect();
            let mut v = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if let Some(rest) = l.strip_prefix("# Host ") {
                    let at = rest.find(" found: line ").unwrap() + " found: line ".len();
                    let mut words = rest[at..].split_whitespace();
                    let n: usize = words.next().unwrap().parse().unwrap();
                    let special = words.next().is_some();
                    v.push((n, special, lines.get(i + 1).unwrap_or(&"").to_string()));
                }
            }
            v
        };
        let bytes = std::fs::read(kh).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut named: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let mut f = l.split_whitespace();
                let mut h = f.next().unwrap_or("");
                if h.starts_with('@') {
                    h = f.next().unwrap_or("");
                }
                !h.starts_with('#') && h.split(',').any(|x| x == pattern)
            })
            .map(|(i, _)| i + 1)
            .collect();
        for (i, l) in bytes.split(|b| *b == b'\n').enumerate() {
            if !line::parses(l) {
                named.push(i + 1);
            }
        }
        let (all, valid) = (find(false), find(true));
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
        HostScan {
            fingerprints,
            damaged,
        }
    }

    fn key(dir: &Path, name: &str) -> String {
        let p = dir.join(name);
        let o = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success());
        let pubkey = std::fs::read_to_string(p.with_extension("pub")).unwrap();
        let mut f = pubkey.split_whitespace();
        format!("{} {}", f.next().unwrap(), f.next().unwrap())
    }

    #[test]
    fn lookups_agree_with_ssh_keygen_hashed_entries_wildcards_and_markers_included() {
        let t = tempfile::tempdir().unwrap();
        let k: Vec<String> = (0..7).map(|i| key(t.path(), &format!("k{i}"))).collect();
        // Hashed entries, made by OpenSSH itself.
        let hashed = t.path().join("hashed");
        std::fs::write(
            &hashed,
            format!("[10.0.0.5]:2200 {}\nhost.test {}\n", k[5], k[6]),
        )
        .unwrap();
        let o = Command::new("ssh-keygen")
            .arg("-H")
            .arg("-f")
            .arg(&hashed)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let hashed_lines = std::fs::read_to_string(&hashed).unwrap();
        assert!(hashed_lines.starts_with("|1|"), "{hashed_lines}");
        let kh = t.path().join("known_hosts");
        let text = format!(
            "# comment\n[127.0.0.1]:2222 {k0}\nedge.example,10.0.0.1 {k1}\n*.example.org,!bad.example.org {k2}\n{hashed_lines}@revoked 10.0.0.1 {k3}\n@cert-authority *.example.org {k4}\nEDGE.Example {k3}\n[127.0.0.1]:2222 {k0}\n[127.0.0.1]:2222\n",
            k0 = k[0],
            k1 = k[1],
            k2 = k[2],
            k3 = k[3],
            k4 = k[4],
        );
        std::fs::write(&kh, &text).unwrap();
        let table = Table::parse(&std::fs::read(&kh).unwrap());
        for pattern in [
            "[127.0.0.1]:2222",
            "[127.0.0.1]:2223",
            "edge.example",
            "10.0.0.1",
            "a.example.org",
            "bad.example.org",
            "[10.0.0.5]:2200",
            "host.test",
            "other.test",
        ] {
            let ours = table.scan(pattern);
            assert_eq!(ours, keygen_scan(&kh, pattern), "{pattern}");
            // The damaged line (a host with no key) is reported for every host.
            assert_eq!(ours.damaged, [11], "{pattern}");
        }
        let fp = |p: &str| table.scan(p).fingerprints.len();
        assert_eq!(fp("[127.0.0.1]:2222"), 1, "a repeated key counts once");
        assert_eq!(fp("[10.0.0.5]:2200"), 1, "hashed");
        assert_eq!(fp("host.test"), 1, "hashed");
        assert_eq!(fp("a.example.org"), 1, "wildcard, CA line apart");
        assert_eq!(fp("bad.example.org"), 0, "negated");
        assert_eq!(fp("10.0.0.1"), 1, "revoked line apart");
        assert_eq!(fp("edge.example"), 2, "names compare case-insensitively");
        assert_eq!(fp("other.test"), 0);
    }

    #[test]
    fn the_file_is_read_again_only_when_it_changed() {
        let t = tempfile::tempdir().unwrap();
        let kh = t.path().join("known_hosts");
        assert!(load(&kh).unwrap().scan("h").fingerprints.is_empty());
        let k = key(t.path(), "k");
        std::fs::write(&kh, format!("h {k}\n")).unwrap();
        let first = load(&kh).unwrap();
        assert_eq!(first.scan("h").fingerprints.len(), 1);
        assert!(
            Arc::ptr_eq(&first, &load(&kh).unwrap()),
            "kept while unchanged"
        );
        let mut f = std::fs::OpenOptions::new().append(true).open(&kh).unwrap();
        std::io::Write::write_all(&mut f, format!("g {k}\n").as_bytes()).unwrap();
        let grown = load(&kh).unwrap();
        assert_eq!(
            grown.scan("g").fingerprints.len(),
            1,
            "an appended key is seen"
        );
    }
}
