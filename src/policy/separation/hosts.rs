//! Hosts compared as the hosts they are: `localhost`, every loopback address and a name that
//! resolves to an address of the other are one host. A lookup that fails or takes more than a
//! moment leaves the name as it is written (the rule never waits on DNS for long).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

/// How long one name's lookup may take before the name is compared as written.
const LOOKUP_BUDGET: Duration = Duration::from_millis(1500);

/// Top-level names that never resolve (RFC 2606, RFC 6761): compared as written.
const UNRESOLVED: &[&str] = &[".example", ".invalid", ".test", ".local"];

/// Every loopback address is this one host.
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn canonical(ip: IpAddr) -> IpAddr {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    if ip.is_loopback() { LOOPBACK } else { ip }
}

/// Compares hosts, resolving each name at most once.
#[derive(Debug, Default)]
pub struct Hosts {
    resolved: HashMap<String, Vec<IpAddr>>,
}

impl Hosts {
    /// The addresses `host` stands for (empty when it does not resolve).
    fn addresses(&mut self, host: &str) -> Vec<IpAddr> {
        let name = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if let Some(a) = self.resolved.get(&name) {
            return a.clone();
        }
        let found = if let Ok(ip) = name.parse::<IpAddr>() {
            vec![canonical(ip)]
        } else if name == "localhost" || name.ends_with(".localhost") {
            vec![LOOPBACK]
        } else if UNRESOLVED.iter().any(|t| name.ends_with(t)) {
            Vec::new()
        } else {
            lookup(&name)
        };
        self.resolved.insert(name, found.clone());
        found
    }

    /// What `host` is known by: its name (lowercased) and each of its addresses. Two hosts
    /// are the same exactly when they share a key.
    pub fn keys(&mut self, host: &str) -> Vec<String> {
        let mut keys = vec![format!("name:{}", host.to_ascii_lowercase())];
        keys.extend(self.addresses(host).iter().map(|ip| format!("addr:{ip}")));
        keys
    }

    /// Whether `a` and `b` are the same host: the same name, or an address in common.
    pub fn same(&mut self, a: &str, b: &str) -> bool {
        if a.eq_ignore_ascii_case(b) {
            return true;
        }
        let (x, y) = (self.addresses(a), self.addresses(b));
        x.iter().any(|ip| y.contains(ip))
    }
}

/// The addresses of a name, within [`LOOKUP_BUDGET`]; none when it fails or is slow.
fn lookup(name: &str) -> Vec<IpAddr> {
    let (tx, rx) = mpsc::channel();
    let owned = name.to_string();
    let spawned = std::thread::Builder::new()
        .name("host-lookup".into())
        .spawn(move || {
            let found: Vec<IpAddr> = (owned.as_str(), 0)
                .to_socket_addrs()
                .map(|it| it.map(|s| canonical(s.ip())).collect())
                .unwrap_or_default();
            let _ = tx.send(found);
        });
    if spawned.is_err() {
        return Vec::new();
    }
    rx.recv_timeout(LOOKUP_BUDGET).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_spellings_are_one_host_and_others_are_not() {
        let mut h = Hosts::default();
        for (a, b) in [
            ("localhost", "127.0.0.1"),
            ("127.0.0.1", "::1"),
            ("LOCALHOST", "[::1]"),
            ("127.0.0.2", "localhost"),
            ("::ffff:127.0.0.1", "localhost."),
            ("Box.Example", "box.example"),
        ] {
            assert!(h.same(a, b), "{a} vs {b}");
        }
        for (a, b) in [
            ("localhost", "10.0.0.1"),
            ("10.0.0.1", "10.0.0.2"),
            ("box.example", "10.0.0.1"),
            ("a.example", "b.example"),
        ] {
            assert!(!h.same(a, b), "{a} vs {b}");
        }
    }
}
