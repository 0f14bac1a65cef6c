//! A guest that keeps a static address in `/etc/network/interfaces` would come up with its
//! production address whatever incus says: its `iface NIC inet static` stanza is rewritten to
//! the staging address, gateway and DNS before the copy first starts. The staging DNS is the
//! bridge's own resolver on the gateway address (incus runs dnsmasq there), so the copy never
//! asks production's DNS server; a stanza without a `dns-nameservers` line keeps none.

use std::net::Ipv4Addr;

use crate::state::stage::StageNetwork;

fn netmask(prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX << (32 - u32::from(prefix)))
}

/// The file with the NIC's static stanza pointing at `ip` on `net`; `None` when there is no
/// such stanza or it already does.
pub fn rewrite(text: &str, nic: &str, ip: Ipv4Addr, net: &StageNetwork) -> Option<String> {
    let mut out = Vec::new();
    let mut in_stanza = false;
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let words: Vec<&str> = body.split_whitespace().collect();
        let starts_stanza = matches!(
            words.first(),
            Some(&("iface" | "auto" | "allow-hotplug" | "mapping" | "source" | "source-directory"))
        ) || words.first().is_some_and(|w| w.starts_with("allow-"));
        if starts_stanza {
            in_stanza = words.len() >= 4
                && words[0] == "iface"
                && words[1] == nic
                && words[2] == "inet"
                && words[3] == "static";
            out.push(line.to_string());
            continue;
        }
        if in_stanza && words.len() >= 2 {
            let indent = &body[..body.len() - body.trim_start().len()];
            let new = match words[0] {
                "address" if words[1].contains('/') => Some(format!("{ip}/{}", net.prefix)),
                "address" => Some(ip.to_string()),
                "netmask" => Some(netmask(net.prefix).to_string()),
                "gateway" | "dns-nameservers" => Some(net.gateway.to_string()),
                _ => None,
            };
            if let Some(value) = new {
                let replaced = format!("{indent}{} {value}{ending}", words[0]);
                changed |= replaced != line;
                out.push(replaced);
                continue;
            }
        }
        out.push(line.to_string());
    }
    changed.then(|| out.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::stage::IncusName;

    fn net() -> StageNetwork {
        StageNetwork {
            name: IncusName::parse("stagebr0", 15).unwrap(),
            gateway: Ipv4Addr::new(10, 0, 3, 1),
            prefix: 24,
        }
    }

    #[test]
    fn static_stanza_is_rewritten_and_the_rest_kept() {
        let text = "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n    address 192.168.10.5\n    netmask 255.255.0.0\n    gateway 192.168.10.1\n    dns-nameservers 1.1.1.1\n\niface eth1 inet static\n    address 172.16.0.2/16\n";
        let out = rewrite(text, "eth0", Ipv4Addr::new(10, 0, 3, 10), &net()).unwrap();
        assert_eq!(
            out,
            "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n    address 10.0.3.10\n    netmask 255.255.255.0\n    gateway 10.0.3.1\n    dns-nameservers 10.0.3.1\n\niface eth1 inet static\n    address 172.16.0.2/16\n"
        );
        // Already right: nothing to push.
        assert_eq!(
            rewrite(&out, "eth0", Ipv4Addr::new(10, 0, 3, 10), &net()),
            None
        );
        let cidr = "iface eth0 inet static\n  address 192.168.10.5/16\n";
        assert_eq!(
            rewrite(cidr, "eth0", Ipv4Addr::new(10, 0, 3, 10), &net()).unwrap(),
            "iface eth0 inet static\n  address 10.0.3.10/24\n"
        );
    }

    #[test]
    fn dhcp_or_absent_stanzas_are_left_alone() {
        let ip = Ipv4Addr::new(10, 0, 3, 10);
        assert_eq!(
            rewrite("auto eth0\niface eth0 inet dhcp\n", "eth0", ip, &net()),
            None
        );
        assert_eq!(rewrite("", "eth0", ip, &net()), None);
    }
}
