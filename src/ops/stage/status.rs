//! `stage status`: `incus list --project P --format json` joined with the configuration
//! (state, IPv4, data policy, disk use) and the host's free disk. An instance whose IPv4 lies
//! outside the staging network is flagged: it could be talking to production. The security
//! directives are watched too: an instance reachable from outside the staging network (a proxy
//! device or network forward, see [`super::exposure`]) and host free disk below
//! `min_host_free` are findings, which fail `stage status` and `check`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::exposure::{self, Exposure};
use super::host::HostView;
use super::{Observe, Session};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::StageConfig;

/// One instance of the staging project (or a configured component that is not there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusRow {
    pub name: String,
    /// `Running`, `Stopped`, … or `missing`.
    pub state: String,
    /// The addresses it has now.
    pub ipv4: Vec<String>,
    /// The staging address the configuration gives it.
    pub expected_ip: Option<String>,
    /// `wipe`, `keep`, or `-` for an instance the configuration does not name.
    pub data: String,
    pub disk_usage: Option<u64>,
    /// `done`/`prepared` when paasdeck cloned it.
    pub cloned: Option<String>,
    /// `outside_network`, `exposed`, `address_mismatch`, `not_in_config`, `missing`.
    pub flags: Vec<String>,
}

impl StatusRow {
    pub fn outside_network(&self) -> bool {
        self.flags.iter().any(|f| f == "outside_network")
    }
}

/// The rows, components first in their configured order, then any other instance.
pub fn rows(cfg: &StageConfig, view: &HostView) -> Vec<StatusRow> {
    let mut out = Vec::new();
    for c in &cfg.components {
        let expected = c.ip.to_string();
        let row = match view.instance(c.name.as_str()) {
            None => StatusRow {
                name: c.name.to_string(),
                state: "missing".into(),
                ipv4: Vec::new(),
                expected_ip: Some(expected),
                data: c.data.as_str().into(),
                disk_usage: None,
                cloned: None,
                flags: vec!["missing".into()],
            },
            Some(i) => {
                let mut flags = Vec::new();
                if i.ipv4.iter().any(|ip| !cfg.network.contains(*ip)) {
                    flags.push("outside_network".into());
                }
                if i.running() && !i.ipv4.contains(&c.ip) {
                    flags.push("address_mismatch".into());
                }
                StatusRow {
                    name: i.name.clone(),
                    state: i.status.clone(),
                    ipv4: i.ipv4.iter().map(ToString::to_string).collect(),
                    expected_ip: Some(expected),
                    data: c.data.as_str().into(),
                    disk_usage: i.disk_usage,
                    cloned: i.clone_mark().map(String::from),
                    flags,
                }
            }
        };
        out.push(row);
    }
    for i in &view.instances {
        if cfg.component(&i.name).is_some() {
            continue;
        }
        let mut flags = vec!["not_in_config".to_string()];
        if i.ipv4.iter().any(|ip| !cfg.network.contains(*ip)) {
            flags.insert(0, "outside_network".into());
        }
        out.push(StatusRow {
            name: i.name.clone(),
            state: i.status.clone(),
            ipv4: i.ipv4.iter().map(ToString::to_string).collect(),
            expected_ip: None,
            data: "-".into(),
            disk_usage: i.disk_usage,
            cloned: i.clone_mark().map(String::from),
            flags,
        });
    }
    out
}

/// What `stage status` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageStatus {
    pub project: String,
    pub project_exists: bool,
    pub network: String,
    pub free_bytes: Option<u64>,
    pub min_host_free: String,
    pub low_disk: bool,
    pub rows: Vec<StatusRow>,
    /// Ways in from outside the staging network (proxy devices, network forwards).
    pub exposures: Vec<Exposure>,
}

impl StageStatus {
    /// Instances talking on an address outside the staging network.
    pub fn outside(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.outside_network())
            .map(|r| r.name.as_str())
            .collect()
    }

    /// The kinds of broken directive (`outside_network`, `exposed`, `low_disk`): an incident
    /// per combination, so a new kind pages again while the same ones page once.
    pub fn finding_kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        if !self.outside().is_empty() {
            k.push("outside_network");
        }
        if !self.exposures.is_empty() {
            k.push("exposed");
        }
        if self.low_disk {
            k.push("low_disk");
        }
        k
    }

    /// The broken security directives, each naming the instance and address (or the
    /// figures): empty when staging is as isolated as it should be.
    pub fn findings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in self.rows.iter().filter(|r| r.outside_network()) {
            out.push(format!(
                "{} has the IPv4 address {} outside the staging network {}: it may reach production",
                r.name,
                r.ipv4.join(","),
                self.network
            ));
        }
        out.extend(self.exposures.iter().map(|e| {
            format!(
                "{}: reachable from outside the staging network",
                e.describe()
            )
        }));
        if self.low_disk {
            out.push(format!(
                "the host's free disk, {}, is below min_host_free {}",
                self.free_bytes
                    .map(crate::text::human_bytes)
                    .unwrap_or_default(),
                self.min_host_free
            ));
        }
        out
    }
}

/// The staging network's forwards; none when the network is not there.
async fn read_forwards(s: &Session) -> Result<Vec<serde_json::Value>> {
    let text = match s.query(&s.incus().network_forward_list()).await {
        Ok(t) => t,
        Err(e) if e.message.to_ascii_lowercase().contains("not found") => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    serde_json::from_str::<Vec<serde_json::Value>>(text.trim()).map_err(|e| {
        PaasError::new(
            ErrorCode::RemoteCommandFailed,
            "stage_query",
            format!("the incus host answered `incus network forward list` with something paasdeck cannot read: {e}"),
        )
        .with_remediation("check the incus version on the host (`incus version`)")
    })
}

pub async fn status(s: &Session) -> Result<StageStatus> {
    let view = s
        .observe(Observe {
            df: true,
            ..Default::default()
        })
        .await?;
    let mut exposures = exposure::proxies(&view.instances, &s.cfg.network);
    if view.project_exists {
        let list = read_forwards(s).await?;
        exposures.extend(exposure::forwards(&list, &view.instances, &s.cfg.network));
    }
    let mut rows = rows(&s.cfg, &view);
    for r in &mut rows {
        if exposures.iter().any(|e| e.instance == r.name) {
            r.flags.insert(0, "exposed".into());
        }
    }
    Ok(StageStatus {
        project: s.cfg.project.to_string(),
        project_exists: view.project_exists,
        network: s.cfg.network.subnet(),
        free_bytes: view.free,
        min_host_free: s.cfg.min_host_free.as_str().into(),
        low_disk: view.free.is_some_and(|f| f < s.cfg.min_host_free.bytes),
        rows,
        exposures,
    })
}

/// The status as the JSON body of a report.
pub fn to_map(st: &StageStatus) -> Map<String, Value> {
    match serde_json::to_value(st) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}
