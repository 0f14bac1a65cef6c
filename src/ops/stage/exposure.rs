//! The security directives `stage status` watches (SPEC §14): no staging instance is
//! reachable from outside the staging network. Two incus features open an instance to the
//! world: a `proxy` device listening on the host (`listen=tcp:0.0.0.0:80`) and a network
//! forward on the staging bridge (`incus network forward create stagebr0 203.0.113.5`). An
//! address counts as outside unless it is a loopback address (`127.0.0.0/8`, `::1`) or lies in
//! the staging network itself; `0.0.0.0` and `[::]` (every address of the host) are outside.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;

use super::host::Instance;
use crate::state::stage::StageNetwork;

/// One way in from outside the staging network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    /// The instance reached (for a forward: the one holding the target address, else the
    /// target address itself).
    pub instance: String,
    /// Where it listens, as incus has it: `0.0.0.0:8080`, `[::]:443`, `203.0.113.5:80`.
    pub address: String,
    /// `proxy device NAME` or `network forward on NET`.
    pub via: String,
}

impl Exposure {
    pub fn describe(&self) -> String {
        format!(
            "{} listens on {} ({})",
            self.instance, self.address, self.via
        )
    }
}

/// Whether a listening address is reachable from outside the staging network.
pub fn outside(addr: &str, net: &StageNetwork) -> bool {
    let bare = addr.trim().trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => !(v4.is_loopback() || net.contains(v4)),
        Ok(IpAddr::V6(v6)) => !v6.is_loopback(),
        // A name (`localhost`) or something unreadable: only `localhost` is known to be local.
        Err(_) => !bare.eq_ignore_ascii_case("localhost"),
    }
}

/// The address part of a proxy's `listen` (`tcp:0.0.0.0:80` → `0.0.0.0`, `tcp:[::]:443` →
/// `[::]`); `None` for a unix socket (not reachable over the network).
fn listen_host(listen: &str) -> Option<(&str, &str)> {
    let (proto, rest) = listen.split_once(':')?;
    if !matches!(proto, "tcp" | "udp") {
        return None;
    }
    if rest.starts_with('[') {
        let end = rest.find(']')?;
        return Some((&rest[..=end], rest[end + 1..].trim_start_matches(':')));
    }
    let (host, port) = rest.rsplit_once(':')?;
    Some((host, port))
}

/// Proxy devices listening on the host at an outside address (`bind=instance` listens inside
/// the instance, so it opens nothing on the host).
pub fn proxies(instances: &[Instance], net: &StageNetwork) -> Vec<Exposure> {
    let mut out = Vec::new();
    for i in instances {
        for (dev, d) in &i.expanded_devices {
            if d.get("type").map(String::as_str) != Some("proxy")
                || d.get("bind").map(String::as_str) == Some("instance")
            {
                continue;
            }
            let Some(listen) = d.get("listen") else {
                continue;
            };
            if let Some((host, port)) = listen_host(listen)
                && outside(host, net)
            {
                out.push(Exposure {
                    instance: i.name.clone(),
                    address: format!("{host}:{port}"),
                    via: format!("proxy device {dev}"),
                });
            }
        }
    }
    out
}

/// Network forwards (`incus network forward list NET --format json`) whose listen address is
/// outside, each named by the instance holding its target address.
pub fn forwards(list: &[Value], instances: &[Instance], net: &StageNetwork) -> Vec<Exposure> {
    let owner = |target: &str| -> String {
        instances
            .iter()
            .find(|i| {
                i.ipv4.iter().any(|a| a.to_string() == target)
                    || i.expanded_devices
                        .values()
                        .any(|d| d.get("ipv4.address").map(String::as_str) == Some(target))
            })
            .map(|i| i.name.clone())
            .unwrap_or_else(|| format!("target {target}"))
    };
    let mut out = Vec::new();
    for f in list {
        let Some(listen) = f.get("listen_address").and_then(Value::as_str) else {
            continue;
        };
        if !outside(listen, net) {
            continue;
        }
        let via = format!("network forward on {}", net.name);
        let mut targets: Vec<(String, String)> = Vec::new();
        if let Some(t) = f.pointer("/config/target_address").and_then(Value::as_str) {
            targets.push((t.to_string(), "*".into()));
        }
        for p in f
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = p.get("target_address").and_then(Value::as_str) {
                let port = p
                    .get("listen_port")
                    .map(|v| v.as_str().map(String::from).unwrap_or(v.to_string()))
                    .unwrap_or_default();
                targets.push((t.to_string(), port));
            }
        }
        if targets.is_empty() {
            targets.push((String::new(), "*".into()));
        }
        for (t, port) in targets {
            out.push(Exposure {
                instance: if t.is_empty() {
                    "(no target)".into()
                } else {
                    owner(&t)
                },
                address: format!("{listen}:{port}"),
                via: via.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::stage::IncusName;
    use std::collections::BTreeMap;
    use std::net::Ipv4Addr;

    fn net() -> StageNetwork {
        StageNetwork {
            name: IncusName::parse("stagebr0", 15).unwrap(),
            gateway: Ipv4Addr::new(10, 0, 3, 1),
            prefix: 24,
        }
    }

    fn with_proxy(name: &str, listen: &str, bind: Option<&str>) -> Instance {
        let mut d = BTreeMap::new();
        d.insert("type".to_string(), "proxy".to_string());
        d.insert("listen".to_string(), listen.to_string());
        d.insert("connect".to_string(), "tcp:127.0.0.1:80".to_string());
        if let Some(b) = bind {
            d.insert("bind".to_string(), b.to_string());
        }
        let mut i = Instance {
            name: name.into(),
            ..Default::default()
        };
        i.expanded_devices.insert("http".into(), d);
        i
    }

    #[test]
    fn only_addresses_outside_the_staging_network_count() {
        for a in [
            "0.0.0.0",
            "[::]",
            "::",
            "203.0.113.5",
            "192.168.1.10",
            "10.0.4.1",
            "host",
        ] {
            assert!(outside(a, &net()), "{a}");
        }
        for a in [
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "10.0.3.1",
            "10.0.3.200",
            "localhost",
        ] {
            assert!(!outside(a, &net()), "{a}");
        }
    }

    #[test]
    fn proxy_devices_on_the_host_are_found_with_their_address() {
        let found = proxies(
            &[
                with_proxy("web", "tcp:0.0.0.0:8080", None),
                with_proxy("api", "tcp:[::]:443", Some("host")),
                with_proxy("db", "tcp:127.0.0.1:5432", None),
                with_proxy("mail", "tcp:0.0.0.0:25", Some("instance")),
                with_proxy("sock", "unix:/run/x.sock", None),
            ],
            &net(),
        );
        let got: Vec<String> = found.iter().map(Exposure::describe).collect();
        assert_eq!(
            got,
            [
                "web listens on 0.0.0.0:8080 (proxy device http)",
                "api listens on [::]:443 (proxy device http)",
            ]
        );
    }

    #[test]
    fn forwards_name_the_instance_they_reach() {
        let mut web = Instance {
            name: "web".into(),
            ..Default::default()
        };
        web.ipv4.push(Ipv4Addr::new(10, 0, 3, 12));
        let list: Vec<Value> = serde_json::from_str(
            r#"[{"listen_address":"203.0.113.5","config":{},"ports":[{"protocol":"tcp","listen_port":"443","target_address":"10.0.3.12"}]},
                {"listen_address":"10.0.3.1","config":{"target_address":"10.0.3.12"},"ports":[]},
                {"listen_address":"198.51.100.7","config":{"target_address":"10.0.3.99"},"ports":[]}]"#,
        )
        .unwrap();
        let got: Vec<String> = forwards(&list, &[web], &net())
            .iter()
            .map(Exposure::describe)
            .collect();
        assert_eq!(
            got,
            [
                "web listens on 203.0.113.5:443 (network forward on stagebr0)",
                "target 10.0.3.99 listens on 198.51.100.7:* (network forward on stagebr0)",
            ]
        );
    }
}
