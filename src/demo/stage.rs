//! The demo's `staging-gbo` context: a staging context with a stage object whose host target
//! is this machine (`local`) and whose `incus` is the simulator shipped in `assets/`, written
//! into the demo directory with a production project of three instances and a staging project
//! where two of them are already cloned, so the Instances pane has something to show and `c`
//! has something to clone.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::{PaasError, Result};
use crate::ops::targets::{self as target_ops, NewTarget};
use crate::state::context::{self, InitSpec};
use crate::state::paths::EventFile;
use crate::state::stage::StageConfig;
use crate::state::{StateRoot, events, fsio, settings};

pub const CONTEXT: &str = "staging-gbo";
const SIMULATOR: &str = include_str!("../../assets/incus-sim");

/// (name, staging address, data policy, wipe paths, files in production)
const COMPONENTS: [(&str, &str, &str, &[&str]); 3] = [
    ("system", "10.0.3.10", "wipe", &["/opt/gbo/work"]),
    ("tables", "10.0.3.11", "keep", &[]),
    ("web", "10.0.3.12", "wipe", &["/srv/uploads"]),
];

fn production_files(name: &str, wipe: &[&str]) -> Value {
    let mut files = json!({
        "/opt/gbo/logs/app.log": "production log lines\n",
        "/opt/gbo/data/state.db": format!("production data of {name}\n"),
    });
    for w in wipe {
        files[format!("{w}/job-1")] = json!("production work in progress\n");
    }
    files
}

fn simulator_state() -> Value {
    let mut prod = Map::new();
    let mut staged = Map::new();
    for (i, (name, ip, _, wipe)) in COMPONENTS.iter().enumerate() {
        let files = production_files(name, wipe);
        prod.insert(
            name.to_string(),
            json!({"status": "Running", "profiles": ["default"], "config": {}, "devices": {},
                   "files": files, "disk_usage": (40 + 8 * i as u64) << 20,
                   "addr": format!("10.10.0.{}", 10 + i)}),
        );
        if *name == "web" {
            continue;
        }
        // What `stage clone` left, plus what staging has written since (a reset wipes it).
        let mut kept = files.clone();
        if let Some(m) = kept.as_object_mut() {
            m.retain(|path, _| {
                !path.starts_with("/opt/gbo/logs") && !wipe.iter().any(|w| path.starts_with(w))
            });
            m.insert(
                "/opt/gbo/logs/staging.log".into(),
                json!("staging log lines\n"),
            );
            for w in *wipe {
                m.insert(format!("{w}/staging-run"), json!("staging work\n"));
            }
        }
        staged.insert(
            name.to_string(),
            json!({"status": "Running", "profiles": ["default"],
                   "config": {"user.paasdeck.clone": "done"},
                   "devices": {"eth0": {"type": "nic", "network": "stagebr0", "name": "eth0", "ipv4.address": ip}},
                   "files": kept, "disk_usage": 12u64 << 20}),
        );
    }
    json!({"projects": {
        "default": {
            "config": {},
            "networks": {"incusbr0": {"type": "bridge", "config": {"ipv4.address": "10.10.0.1/24"}}},
            "profiles": {"default": {"config": {}, "devices": {
                "eth0": {"type": "nic", "network": "incusbr0", "name": "eth0"},
                "root": {"type": "disk", "path": "/", "pool": "default"}}}},
            "instances": prod,
        },
        "STAGE-GBO": {
            "config": {"features.networks": "true", "features.profiles": "true"},
            "networks": {"stagebr0": {"type": "bridge", "config": {
                "ipv4.address": "10.0.3.1/24", "ipv4.nat": "true", "ipv6.address": "none"}}},
            "profiles": {"default": {"config": {}, "devices": {
                "eth0": {"type": "nic", "network": "stagebr0", "name": "eth0"},
                "root": {"type": "disk", "path": "/", "pool": "default", "size": "64MiB"}}}},
            "instances": staged,
        }
    }})
}

/// Writes the simulator under `dir/stage-host/` and the `staging-gbo` context.
pub fn seed(root: &StateRoot, dir: &Path, user: &str) -> Result<()> {
    let host = dir.join("stage-host");
    let incus = host.join("bin").join("incus");
    fsio::write_bytes_atomic(&incus, SIMULATOR.as_bytes())?;
    std::fs::set_permissions(&incus, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| PaasError::io("demo", &incus, &e))?;
    fsio::write_json_atomic(
        &host.join("incus-state").join("state.json"),
        &simulator_state(),
    )?;

    let cd = root.context(CONTEXT)?;
    context::init(
        root,
        &cd,
        &InitSpec {
            kind: Some("staging".into()),
            read_only: Some(false),
            ..Default::default()
        },
    )?;
    target_ops::add(
        &cd,
        &NewTarget {
            name: "gbo-host".into(),
            host: "localhost".into(),
            user: user.into(),
            port: 22,
            auth_method: "local".into(),
            identity_file: None,
            labels: vec!["incus".into(), "simulated".into()],
            make_default: true,
        },
    )?;
    let stage = json!({
        "host_target": "gbo-host", "project": "STAGE-GBO", "source_project": "default",
        "network": {"name": "stagebr0", "ipv4": "10.0.3.1/24"}, "root_disk": "64MiB",
        "min_host_free": "256MiB", "always_wipe": ["/opt/gbo/logs"],
        "components": COMPONENTS.iter().map(|(name, ip, data, wipe)| {
            let mut c = json!({"name": name, "ip": ip, "data": data});
            if !wipe.is_empty() {
                c["wipe"] = json!(wipe);
            }
            c
        }).collect::<Vec<_>>(),
        "incus": incus.display().to_string(),
        "storage_path": dir.display().to_string(),
    });
    let cfg = StageConfig::from_value(&stage).map_err(|e| {
        PaasError::new(
            crate::error::ErrorCode::UnknownFailure,
            "demo",
            format!(
                "the demo's stage object is invalid: {}: {}",
                e.field, e.message
            ),
        )
        .with_remediation("pass --state-root with a plain directory (no control characters)")
    })?;
    settings::update(&cd, |s| {
        s.set_stage(&cfg);
        Ok(())
    })?;
    let mut row = Map::new();
    row.insert("timestamp".into(), crate::state::clock::now_event().into());
    row.insert("context".into(), CONTEXT.into());
    row.insert("source".into(), "audit".into());
    row.insert("command".into(), "stage clone".into());
    row.insert("status".into(), "succeeded".into());
    row.insert("severity".into(), "info".into());
    row.insert("operator".into(), format!("{user}@demo").into());
    row.insert(
        "fields".into(),
        json!({"project": "STAGE-GBO", "components": "system,tables"}),
    );
    events::append(&cd, EventFile::Audit, row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_stage_is_valid_and_runs_on_the_simulator() {
        let dir = tempfile::tempdir().unwrap();
        let root = StateRoot::at(dir.path().join("paas"));
        seed(&root, dir.path(), "demo").unwrap();
        let cd = root.context(CONTEXT).unwrap();
        let cfg = settings::load(&cd).unwrap().stage().unwrap().unwrap();
        assert_eq!(cfg.components.len(), 3);
        let incus = dir.path().join("stage-host/bin/incus");
        assert_eq!(cfg.incus.as_str(), incus.display().to_string());
        // The simulator answers as `stage status` needs it to.
        let out = std::process::Command::new(&incus)
            .args(["list", "--project", "STAGE-GBO", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list = crate::ops::stage::host::parse_instances(&String::from_utf8_lossy(&out.stdout))
            .unwrap();
        let names: Vec<&str> = list.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["system", "tables"]);
        assert!(
            list.iter()
                .all(|i| i.clone_mark() == Some("done") && i.running())
        );
        assert_eq!(list[0].ipv4, vec![std::net::Ipv4Addr::new(10, 0, 3, 10)]);
    }
}
