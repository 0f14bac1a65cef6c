//! `stage status`: `incus list --project P --format json` joined with the configuration
//! (state, IPv4, data policy, disk use) and the host's free disk. An instance whose IPv4 lies
//! outside the staging network is flagged: it could be talking to production.

use serde::Serialize;
use serde_json::{Map, Value};

use super::host::HostView;
use super::{Observe, Session};
use crate::error::Result;
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
    /// `outside_network`, `address_mismatch`, `not_in_config`, `missing`.
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
}

pub async fn status(s: &Session) -> Result<StageStatus> {
    let view = s
        .observe(Observe {
            df: true,
            ..Default::default()
        })
        .await?;
    Ok(StageStatus {
        project: s.cfg.project.to_string(),
        project_exists: view.project_exists,
        network: s.cfg.network.subnet(),
        free_bytes: view.free,
        min_host_free: s.cfg.min_host_free.as_str().into(),
        low_disk: view.free.is_some_and(|f| f < s.cfg.min_host_free.bytes),
        rows: rows(&s.cfg, &view),
    })
}

/// The status as the JSON body of a report.
pub fn to_map(st: &StageStatus) -> Map<String, Value> {
    match serde_json::to_value(st) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}
