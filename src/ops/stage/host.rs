//! What the incus host says: the instances of a project (from `incus list --format json`), the
//! staging project, network and default profile, and the free space `df` reports. Parsed
//! defensively: a name that is not a valid incus name never reaches a later argv.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde_json::Value;

use super::incus::CLONE_KEY;
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::IncusName;

/// One instance as `incus list` shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instance {
    pub name: String,
    /// `Running`, `Stopped`, …
    pub status: String,
    pub config: BTreeMap<String, String>,
    /// Devices of the instance itself (not from profiles).
    pub local_devices: BTreeMap<String, BTreeMap<String, String>>,
    pub expanded_devices: BTreeMap<String, BTreeMap<String, String>>,
    /// Global IPv4 addresses the instance has now.
    pub ipv4: Vec<Ipv4Addr>,
    pub disk_usage: Option<u64>,
}

impl Instance {
    pub fn running(&self) -> bool {
        self.status.eq_ignore_ascii_case("running")
    }

    /// The validated name, or `None` for a name paasdeck will not put on a command line.
    pub fn incus_name(&self) -> Option<IncusName> {
        IncusName::parse(&self.name, 63).ok()
    }

    /// `ipv4.address` of a NIC device after profiles are applied.
    pub fn configured_address(&self, nic: &str) -> Option<String> {
        self.expanded_devices
            .get(nic)
            .and_then(|d| d.get("ipv4.address"))
            .filter(|a| !a.is_empty())
            .cloned()
    }

    pub fn has_local_device(&self, dev: &str) -> bool {
        self.local_devices.contains_key(dev)
    }

    /// Clone progress kept on the instance (`prepared`, `done`), if paasdeck cloned it.
    pub fn clone_mark(&self) -> Option<&str> {
        self.config.get(CLONE_KEY).map(String::as_str)
    }
}

fn strings(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn devices(v: Option<&Value>) -> BTreeMap<String, BTreeMap<String, String>> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, d)| (k.clone(), strings(Some(d))))
                .collect()
        })
        .unwrap_or_default()
}

fn bad_answer(what: &str, why: &str) -> PaasError {
    PaasError::new(
        ErrorCode::RemoteCommandFailed,
        "stage_query",
        format!("the incus host answered `{what}` with something paasdeck cannot read: {why}"),
    )
    .with_remediation(
        "check the incus version on the host (`incus version`) and the stage's `incus` command",
    )
}

fn parse_array(what: &str, text: &str) -> Result<Vec<Value>> {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Array(a)) => Ok(a),
        Ok(_) => Err(bad_answer(what, "not a JSON array")),
        Err(e) => Err(bad_answer(what, &e.to_string())),
    }
}

/// Instances from `incus list --format json`.
pub fn parse_instances(text: &str) -> Result<Vec<Instance>> {
    parse_array("incus list", text)?
        .iter()
        .map(|v| {
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad_answer("incus list", "an instance without a name"))?;
            let state = v.get("state");
            let mut ipv4 = Vec::new();
            if let Some(nets) = state
                .and_then(|s| s.get("network"))
                .and_then(Value::as_object)
            {
                for (iface, n) in nets {
                    if iface == "lo" {
                        continue;
                    }
                    for a in n
                        .get("addresses")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let global = a.get("scope").and_then(Value::as_str) == Some("global");
                        let inet = a.get("family").and_then(Value::as_str) == Some("inet");
                        if let (true, true, Some(ip)) = (
                            global,
                            inet,
                            a.get("address")
                                .and_then(Value::as_str)
                                .and_then(|s| s.parse().ok()),
                        ) {
                            ipv4.push(ip);
                        }
                    }
                }
            }
            Ok(Instance {
                name: name.to_string(),
                status: v
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("Unknown")
                    .to_string(),
                config: strings(v.get("config")),
                local_devices: devices(v.get("devices")),
                expanded_devices: devices(v.get("expanded_devices")),
                ipv4,
                disk_usage: state
                    .and_then(|s| s.pointer("/disk/root/usage"))
                    .and_then(Value::as_u64),
            })
        })
        .collect()
}

/// Names (and configs) from `incus project list` / `network list` / `profile list`.
pub fn parse_named(what: &str, text: &str) -> Result<Vec<(String, Value)>> {
    Ok(parse_array(what, text)?
        .into_iter()
        .filter_map(|v| {
            let name = v.get("name").and_then(Value::as_str)?.to_string();
            Some((name, v))
        })
        .collect())
}

/// The "available" column of `df -Pk` (1024-byte blocks), in bytes.
pub fn parse_df(lines: &[String]) -> Option<u64> {
    lines
        .iter()
        .filter(|l| !l.starts_with("Filesystem"))
        .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        .next_back()
        .map(|kb| kb.saturating_mul(1024))
}

/// The state of the staging project, as far as the action needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostView {
    pub project_exists: bool,
    pub network_exists: bool,
    /// Devices of the staging project's default profile.
    pub profile: BTreeMap<String, BTreeMap<String, String>>,
    pub instances: Vec<Instance>,
    /// Production instances (read for a plan or a clone only).
    pub source: Vec<Instance>,
    /// Bytes available where incus keeps its storage.
    pub free: Option<u64>,
}

impl HostView {
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
    pub fn source_instance(&self, name: &str) -> Option<&Instance> {
        self.source.iter().find(|i| i.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_output_is_read() {
        let text = r#"[{"name":"web","status":"Running","config":{"user.paasdeck.clone":"done","limits.cpu":2},
            "devices":{},"expanded_devices":{"eth0":{"type":"nic","network":"stagebr0","ipv4.address":"10.0.3.10"}},
            "state":{"disk":{"root":{"usage":1048576}},"network":{"lo":{"addresses":[{"family":"inet","address":"127.0.0.1","scope":"local"}]},
            "eth0":{"addresses":[{"family":"inet","address":"10.0.3.10","scope":"global"},{"family":"inet6","address":"fe80::1","scope":"link"}]}}}},
            {"name":"db;rm","status":"Stopped","state":{"network":null}}]"#;
        let v = parse_instances(text).unwrap();
        assert_eq!(v.len(), 2);
        assert!(v[0].running());
        assert_eq!(v[0].ipv4, vec![Ipv4Addr::new(10, 0, 3, 10)]);
        assert_eq!(v[0].disk_usage, Some(1 << 20));
        assert_eq!(v[0].clone_mark(), Some("done"));
        assert_eq!(v[0].config["limits.cpu"], "2");
        assert_eq!(
            v[0].configured_address("eth0").as_deref(),
            Some("10.0.3.10")
        );
        assert!(!v[0].has_local_device("eth0"));
        assert!(v[1].incus_name().is_none());
        assert!(parse_instances("{}").is_err());
        assert!(parse_instances("[{\"status\":\"x\"}]").is_err());
    }

    #[test]
    fn df_available_column() {
        let lines = vec![
            "Filesystem     1024-blocks      Used Available Capacity Mounted on".to_string(),
            "/dev/sda1 1000 400 600 40% /var/lib/incus".to_string(),
        ];
        assert_eq!(parse_df(&lines), Some(600 * 1024));
        assert_eq!(parse_df(&lines[..1]), None);
    }
}
