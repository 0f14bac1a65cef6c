//! The `stage` object of a staging context's `paasdeck.json` (SPEC §14): an isolated incus
//! project cloned from production. Parsed into validated types on every load, so a name, an
//! address or a path from the file never reaches an argv unchecked.

mod diff;
mod types;

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use diff::describe_changes;
pub use types::{AbsPath, Command, IncusName, Size, StageNetwork};

use crate::state::ids::TargetName;

/// Why a `stage` object is not acceptable: the field (`stage.components[1].ip`) and what is
/// wrong. `guard` marks the production-project refusals, reported as `PAAS_CONTEXT_GUARD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
    pub guard: bool,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
        guard: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataPolicy {
    /// The component's `wipe` paths are deleted on clone and reset.
    Wipe,
    /// Production data is kept; only `always_wipe` is deleted.
    Keep,
}

impl DataPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            DataPolicy::Wipe => "wipe",
            DataPolicy::Keep => "keep",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: IncusName,
    pub ip: Ipv4Addr,
    pub data: DataPolicy,
    pub wipe: Vec<AbsPath>,
}

pub const DEFAULT_INCUS: &str = "incus";
pub const DEFAULT_POOL: &str = "default";
pub const DEFAULT_NIC: &str = "eth0";
pub const DEFAULT_STORAGE_PATH: &str = "/var/lib/incus";

/// A validated `stage` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConfig {
    /// A target of the same context: the incus host, reached over SSH or `local`.
    pub host_target: TargetName,
    pub project: IncusName,
    pub source_project: IncusName,
    pub network: StageNetwork,
    pub root_disk: Size,
    pub min_host_free: Size,
    pub always_wipe: Vec<AbsPath>,
    pub components: Vec<Component>,
    pub incus: Command,
    pub storage_pool: IncusName,
    pub nic: IncusName,
    /// What `df` measures on the host: the file system of incus's storage.
    pub storage_path: AbsPath,
}

/// The file form, before validation. Unknown keys are refused: a misspelt guard setting
/// (`min_host_fre`) must not silently switch the guard off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    host_target: String,
    project: String,
    source_project: String,
    network: RawNetwork,
    root_disk: String,
    min_host_free: String,
    #[serde(default)]
    always_wipe: Vec<String>,
    components: Vec<RawComponent>,
    #[serde(default)]
    incus: Option<String>,
    #[serde(default)]
    storage_pool: Option<String>,
    #[serde(default)]
    nic: Option<String>,
    #[serde(default)]
    storage_path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    name: String,
    ipv4: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    name: String,
    ip: String,
    data: DataPolicy,
    #[serde(default)]
    wipe: Vec<String>,
}

fn parse_net(field: &str, s: &str) -> Result<(Ipv4Addr, u8), Invalid> {
    let bad = |why: String| invalid(field, why);
    let (addr, prefix) = s.split_once('/').ok_or_else(|| {
        bad(format!(
            "{s:?} is not an address with a prefix, e.g. 10.0.3.1/24"
        ))
    })?;
    let gateway: Ipv4Addr = addr
        .parse()
        .map_err(|_| bad(format!("{addr:?} is not an IPv4 address")))?;
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|p| (8..=30).contains(p))
        .ok_or_else(|| bad(format!("prefix {prefix:?} must be a number from 8 to 30")))?;
    Ok((gateway, prefix))
}

impl StageConfig {
    /// Parses and validates a `stage` value; field names in errors start with `stage.`.
    pub fn from_value(value: &Value) -> Result<StageConfig, Invalid> {
        let raw: RawStage = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "stage".to_string()
            } else {
                format!("stage.{path}")
            };
            invalid(field, e.into_inner().to_string())
        })?;
        validate(raw)
    }

    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name.as_str() == name)
    }

    /// The paths a clone or reset deletes in a component: its own (for `wipe`) and
    /// `always_wipe`, without repeats.
    pub fn wipe_paths(&self, c: &Component) -> Vec<AbsPath> {
        let own = match c.data {
            DataPolicy::Wipe => c.wipe.as_slice(),
            DataPolicy::Keep => &[],
        };
        let mut out: Vec<AbsPath> = Vec::new();
        for p in own.iter().chain(self.always_wipe.iter()) {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }

    /// The canonical file form (what `stage configure` writes and `--show` prints).
    pub fn to_value(&self) -> Value {
        let mut v = json!({
            "host_target": self.host_target.as_str(),
            "project": self.project.as_str(),
            "source_project": self.source_project.as_str(),
            "network": {"name": self.network.name.as_str(), "ipv4": self.network.cidr()},
            "root_disk": self.root_disk.as_str(),
            "min_host_free": self.min_host_free.as_str(),
            "always_wipe": self.always_wipe.iter().map(AbsPath::as_str).collect::<Vec<_>>(),
            "components": self.components.iter().map(|c| {
                let mut o = json!({"name": c.name.as_str(), "ip": c.ip.to_string(), "data": c.data.as_str()});
                if !c.wipe.is_empty() {
                    o["wipe"] = json!(c.wipe.iter().map(AbsPath::as_str).collect::<Vec<_>>());
                }
                o
            }).collect::<Vec<_>>(),
        });
        let optional = [
            ("incus", self.incus.as_str(), DEFAULT_INCUS),
            ("storage_pool", self.storage_pool.as_str(), DEFAULT_POOL),
            ("nic", self.nic.as_str(), DEFAULT_NIC),
            (
                "storage_path",
                self.storage_path.as_str(),
                DEFAULT_STORAGE_PATH,
            ),
        ];
        for (key, value, default) in optional {
            if value != default {
                v[key] = json!(value);
            }
        }
        v
    }
}

fn incus_name(field: &str, s: &str, max: usize) -> Result<IncusName, Invalid> {
    IncusName::parse(s, max).map_err(|why| invalid(field, format!("invalid incus name: {why}")))
}

fn abs_path(field: String, s: &str) -> Result<AbsPath, Invalid> {
    AbsPath::parse(s).map_err(|why| invalid(field, why))
}

fn wipe_path(field: String, s: &str) -> Result<AbsPath, Invalid> {
    AbsPath::parse_wipe(s).map_err(|why| invalid(field, why))
}

fn validate(raw: RawStage) -> Result<StageConfig, Invalid> {
    let host_target = TargetName::parse(raw.host_target.as_str())
        .map_err(|e| invalid("stage.host_target", e.message))?;
    let (project, source_project) = validate_projects(&raw)?;
    let network = validate_network(&raw)?;
    let size = |field: &str, s: &str| Size::parse(s).map_err(|why| invalid(field, why));
    let root_disk = size("stage.root_disk", &raw.root_disk)?;
    let min_host_free = size("stage.min_host_free", &raw.min_host_free)?;
    let always_wipe = raw
        .always_wipe
        .iter()
        .enumerate()
        .map(|(i, p)| wipe_path(format!("stage.always_wipe[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.components.is_empty() {
        return Err(invalid(
            "stage.components",
            "lists no component; name at least one instance to clone",
        ));
    }
    let mut components: Vec<Component> = Vec::new();
    for (i, c) in raw.components.iter().enumerate() {
        let component = validate_component(i, c, &network, &components)?;
        components.push(component);
    }
    let incus = Command::parse(raw.incus.as_deref().unwrap_or(DEFAULT_INCUS))
        .map_err(|why| invalid("stage.incus", why))?;
    let storage_pool = incus_name(
        "stage.storage_pool",
        raw.storage_pool.as_deref().unwrap_or(DEFAULT_POOL),
        63,
    )?;
    let nic = incus_name("stage.nic", raw.nic.as_deref().unwrap_or(DEFAULT_NIC), 15)?;
    let storage_path = abs_path(
        "stage.storage_path".into(),
        raw.storage_path.as_deref().unwrap_or(DEFAULT_STORAGE_PATH),
    )?;
    Ok(StageConfig {
        host_target,
        project,
        source_project,
        network,
        root_disk,
        min_host_free,
        always_wipe,
        components,
        incus,
        storage_pool,
        nic,
        storage_path,
    })
}

/// The staging and source projects: the staging one is never `default` nor the source.
fn validate_projects(raw: &RawStage) -> Result<(IncusName, IncusName), Invalid> {
    let project = incus_name("stage.project", &raw.project, 63)?;
    let source_project = incus_name("stage.source_project", &raw.source_project, 63)?;
    if project.as_str().eq_ignore_ascii_case("default") {
        return Err(Invalid {
            guard: true,
            ..invalid(
                "stage.project",
                "the staging project must not be `default`, incus's production project",
            )
        });
    }
    if project
        .as_str()
        .eq_ignore_ascii_case(source_project.as_str())
    {
        return Err(Invalid {
            guard: true,
            ..invalid(
                "stage.project",
                format!("the staging project {project} is the source (production) project"),
            )
        });
    }
    Ok((project, source_project))
}

/// The staging bridge and the host's address on it.
fn validate_network(raw: &RawStage) -> Result<StageNetwork, Invalid> {
    // Linux limits interface names, and so incus bridge names, to 15 characters.
    let net_name = incus_name("stage.network.name", &raw.network.name, 15)?;
    let (gateway, prefix) = parse_net("stage.network.ipv4", &raw.network.ipv4)?;
    let network = StageNetwork {
        name: net_name,
        gateway,
        prefix,
    };
    if gateway == network.network() || gateway == network.broadcast() {
        return Err(invalid(
            "stage.network.ipv4",
            format!(
                "{gateway} is the network or broadcast address of {}; give the host's address, e.g. {}",
                network.subnet(),
                Ipv4Addr::from(u32::from(network.network()) + 1)
            ),
        ));
    }
    Ok(network)
}

/// Component `i`: a name listed once, a free host address on the staging network, and wipe
/// paths exactly when its data is wiped.
fn validate_component(
    i: usize,
    c: &RawComponent,
    network: &StageNetwork,
    earlier: &[Component],
) -> Result<Component, Invalid> {
    let at = |key: &str| format!("stage.components[{i}].{key}");
    let cname = incus_name(&at("name"), &c.name, 63)?;
    if let Some(j) = earlier
        .iter()
        .position(|o| o.name.as_str().eq_ignore_ascii_case(cname.as_str()))
    {
        return Err(invalid(
            at("name"),
            format!("component {cname} is listed twice (also components[{j}])"),
        ));
    }
    let ip: Ipv4Addr =
        c.ip.parse()
            .map_err(|_| invalid(at("ip"), format!("{:?} is not an IPv4 address", c.ip)))?;
    if !network.contains(ip) {
        return Err(invalid(
            at("ip"),
            format!(
                "{ip} lies outside the staging network {} ({})",
                network.subnet(),
                network.name
            ),
        ));
    }
    if ip == network.network() || ip == network.broadcast() {
        return Err(invalid(
            at("ip"),
            format!(
                "{ip} is the network or broadcast address of {}",
                network.subnet()
            ),
        ));
    }
    if ip == network.gateway {
        return Err(invalid(
            at("ip"),
            format!("{ip} is the host's (gateway) address on {}", network.name),
        ));
    }
    if let Some(o) = earlier.iter().find(|o| o.ip == ip) {
        return Err(invalid(
            at("ip"),
            format!("{ip} is already the address of component {}", o.name),
        ));
    }
    let wipe = c
        .wipe
        .iter()
        .enumerate()
        .map(|(k, p)| wipe_path(format!("stage.components[{i}].wipe[{k}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    match c.data {
        DataPolicy::Wipe if wipe.is_empty() => {
            return Err(invalid(
                at("wipe"),
                format!("component {cname} has data \"wipe\" but lists no path to wipe"),
            ));
        }
        DataPolicy::Keep if !wipe.is_empty() => {
            return Err(invalid(
                at("wipe"),
                format!(
                    "component {cname} has data \"keep\" but lists paths to wipe; use \"wipe\" or drop the list"
                ),
            ));
        }
        _ => {}
    }
    Ok(Component {
        name: cname,
        ip,
        data: c.data,
        wipe,
    })
}

/// The SPEC §14 example, for tests.
#[cfg(test)]
pub(crate) fn tests_sample() -> Value {
    json!({
        "host_target": "gbo-host", "project": "STAGE-GBO", "source_project": "default",
        "network": {"name": "stagebr0", "ipv4": "10.0.3.1/24"}, "root_disk": "10GiB",
        "min_host_free": "20GiB", "always_wipe": ["/opt/gbo/logs"],
        "components": [
            {"name": "system", "ip": "10.0.3.10", "data": "wipe", "wipe": ["/opt/gbo/work"]},
            {"name": "tables", "ip": "10.0.3.11", "data": "keep"}
        ]
    })
}

#[cfg(test)]
mod tests;
