//! The steps `init` and `clone` take, worked out from what the host holds now. Pure: `stage
//! plan` prints these steps, and `init`/`clone` run exactly these steps, so the plan is the
//! list of commands that will run. What exists already is a skip, saying why.

use std::collections::BTreeMap;

use serde::Serialize;

use super::host::{HostView, Instance};
use super::incus::{HostCall, Incus};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::{AbsPath, Component, IncusName, StageConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    CreateProject,
    CreateNetwork,
    ProfileDevice,
    Copy,
    SetAddress,
    /// Read `/etc/network/interfaces`; rewritten (`file push`) only when it holds a static
    /// address for the NIC that differs from the staging one.
    Interfaces,
    /// List a wipe directory's entries (`incus query` on the files API) and delete each one
    /// (`incus file delete --force`); the directory itself stays.
    Wipe,
    MarkPrepared,
    /// Read the instance again: it must carry its staging address before it first starts.
    VerifyAddress,
    Start,
    MarkDone,
    Skip,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::CreateProject => "create_project",
            StepKind::CreateNetwork => "create_network",
            StepKind::ProfileDevice => "profile_device",
            StepKind::Copy => "copy",
            StepKind::SetAddress => "set_address",
            StepKind::Interfaces => "interfaces",
            StepKind::Wipe => "wipe",
            StepKind::MarkPrepared => "mark_prepared",
            StepKind::VerifyAddress => "verify_address",
            StepKind::Start => "start",
            StepKind::MarkDone => "mark_done",
            StepKind::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Empty for project-level steps.
    pub component: String,
    pub kind: StepKind,
    /// The command, when the step runs one.
    pub call: Option<HostCall>,
    /// Why a step is skipped, or what a conditional step does.
    pub note: String,
    /// The directory a wipe empties.
    #[serde(skip)]
    pub path: Option<AbsPath>,
}

impl Step {
    fn run(component: &str, kind: StepKind, call: HostCall) -> Step {
        Step {
            component: component.into(),
            kind,
            call: Some(call),
            note: String::new(),
            path: None,
        }
    }
    fn skip(component: &str, what: &str, why: String) -> Step {
        Step {
            component: component.into(),
            kind: StepKind::Skip,
            call: None,
            note: format!("{what}: {why}"),
            path: None,
        }
    }
    /// Whether this step certainly runs a changing command.
    pub fn mutating(&self) -> bool {
        !matches!(
            self.kind,
            StepKind::Skip | StepKind::Interfaces | StepKind::VerifyAddress | StepKind::Wipe
        )
    }
}

/// Whether a device already holds every wanted setting (and is of the wanted type).
fn device_matches(
    have: Option<&BTreeMap<String, String>>,
    kind: &str,
    want: &[(String, String)],
) -> bool {
    have.is_some_and(|d| {
        d.get("type").map(String::as_str) == Some(kind)
            && want.iter().all(|(k, v)| d.get(k) == Some(v))
    })
}

/// `init`: the project (networks and profiles of its own), its network, and its default
/// profile's NIC and size-limited root disk.
pub fn init_steps(cfg: &StageConfig, view: &HostView) -> Vec<Step> {
    let i = Incus::new(cfg);
    let mut v = Vec::new();
    if view.project_exists {
        v.push(Step::skip("", "project", format!("{} exists", cfg.project)));
    } else {
        v.push(Step::run("", StepKind::CreateProject, i.project_create()));
    }
    if view.network_exists {
        v.push(Step::skip(
            "",
            "network",
            format!("{} exists", cfg.network.name),
        ));
    } else {
        v.push(Step::run("", StepKind::CreateNetwork, i.network_create()));
    }
    let nic = cfg.nic.as_str();
    for (dev, kind, want) in [
        (nic, "nic", i.profile_nic()),
        ("root", "disk", i.profile_root()),
    ] {
        let have = view.profile.get(dev);
        if device_matches(have, kind, &want) {
            v.push(Step::skip(
                "",
                "profile device",
                format!("default profile's {dev} is set up"),
            ));
        } else if have.is_some_and(|d| d.get("type").map(String::as_str) == Some(kind)) {
            v.push(Step::run(
                "",
                StepKind::ProfileDevice,
                i.profile_device_set(dev, &want),
            ));
        } else {
            v.push(Step::run(
                "",
                StepKind::ProfileDevice,
                i.profile_device_add(dev, kind, &want),
            ));
        }
    }
    v
}

/// Whether the project, network and default profile are ready for clones.
pub fn initialised(cfg: &StageConfig, view: &HostView) -> bool {
    init_steps(cfg, view)
        .iter()
        .all(|s| s.kind == StepKind::Skip)
}

pub const INTERFACES: &str = "/etc/network/interfaces";

/// The steps that prepare and start a copy that is still stopped.
fn prepare(
    cfg: &StageConfig,
    c: &Component,
    current: Option<&Instance>,
    local_nic: bool,
) -> Vec<Step> {
    let i = Incus::new(cfg);
    let n = c.name.as_str();
    let ip = c.ip.to_string();
    let mut v = vec![address(cfg, c, current, local_nic)];
    v.push(Step {
        note: format!(
            "rewritten with `incus file push` when it holds a static address other than {ip}"
        ),
        ..Step::run(n, StepKind::Interfaces, i.file_pull(&c.name, INTERFACES))
    });
    for p in cfg.wipe_paths(c) {
        v.push(Step {
            note: format!(
                "then `incus file delete --force` on each entry of {p}, hidden ones too; {p} itself stays",
                p = p.as_str()
            ),
            path: Some(p.clone()),
            ..Step::run(n, StepKind::Wipe, i.list_dir(&c.name, &p))
        });
    }
    v.push(Step::run(
        n,
        StepKind::MarkPrepared,
        i.mark(&c.name, "prepared"),
    ));
    v.extend(start(cfg, c));
    v
}

/// Gives the copy its staging address, unless it has it already.
fn address(cfg: &StageConfig, c: &Component, current: Option<&Instance>, local_nic: bool) -> Step {
    let n = c.name.as_str();
    let ip = c.ip.to_string();
    if current.and_then(|x| x.configured_address(cfg.nic.as_str())) == Some(ip.clone()) {
        Step::skip(n, "address", format!("{} already has {ip}", cfg.nic))
    } else {
        Step::run(
            n,
            StepKind::SetAddress,
            Incus::new(cfg).set_address(&c.name, &ip, local_nic),
        )
    }
}

fn start(cfg: &StageConfig, c: &Component) -> Vec<Step> {
    let i = Incus::new(cfg);
    let n = c.name.as_str();
    vec![
        Step {
            note: format!("{} must carry {} before the first start", cfg.nic, c.ip),
            ..Step::run(n, StepKind::VerifyAddress, i.list())
        },
        Step::run(n, StepKind::Start, i.start(&c.name)),
        Step::run(n, StepKind::MarkDone, i.mark(&c.name, "done")),
    ]
}

/// `clone` of the given components: copy from production what is missing, give each copy its
/// staging address, wipe its paths while it is still stopped, then start it. A copy that was
/// interrupted resumes where it stopped (the progress is kept on the instance).
pub fn clone_steps(cfg: &StageConfig, view: &HostView, which: &[IncusName]) -> Result<Vec<Step>> {
    let i = Incus::new(cfg);
    let mut missing = Vec::new();
    let mut v = Vec::new();
    for name in which {
        let Some(c) = cfg.component(name.as_str()) else {
            continue;
        };
        let n = c.name.as_str();
        let nic = cfg.nic.as_str();
        match view.instance(n) {
            None => match view.source_instance(n) {
                None => missing.push(n.to_string()),
                Some(src) => {
                    v.push(Step::run(n, StepKind::Copy, i.copy(&c.name)));
                    v.extend(prepare(cfg, c, None, src.has_local_device(nic)));
                }
            },
            Some(inst) => match (inst.clone_mark(), inst.running()) {
                (Some("done"), _) => v.push(Step::skip(
                    n,
                    "clone",
                    format!("already cloned into {} ({})", cfg.project, inst.status),
                )),
                (Some("prepared"), true) => {
                    v.push(Step::run(n, StepKind::MarkDone, i.mark(&c.name, "done")));
                }
                (Some("prepared"), false) => {
                    v.push(address(cfg, c, Some(inst), inst.has_local_device(nic)));
                    v.extend(start(cfg, c));
                }
                (_, true) => v.push(Step::skip(
                    n,
                    "clone",
                    format!(
                        "{n} exists in {} and runs, but paasdeck did not clone it; left alone (`stage reset {n}` wipes it)",
                        cfg.project
                    ),
                )),
                (_, false) => v.extend(prepare(cfg, c, Some(inst), inst.has_local_device(nic))),
            },
        }
    }
    if !missing.is_empty() {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_clone",
            format!(
                "no instance {} in the source project {} to clone",
                missing.join(", "),
                cfg.source_project
            ),
        )
        .with_remediation(format!(
            "check the component names against `incus list --project {}` on the host, then fix the stage object (`stage configure`)",
            cfg.source_project
        )));
    }
    Ok(v)
}

/// Bytes the copies in `steps` may take: for each copy, the larger of the root disk limit
/// (what a copy-on-write clone may grow to) and the source's current disk use (what a
/// full copy takes at once).
pub fn copy_estimate(cfg: &StageConfig, view: &HostView, steps: &[Step]) -> u64 {
    steps
        .iter()
        .filter(|s| s.kind == StepKind::Copy)
        .map(|s| {
            let used = view
                .source_instance(&s.component)
                .and_then(|i| i.disk_usage)
                .unwrap_or(0);
            used.max(cfg.root_disk.bytes)
        })
        .sum()
}

/// The disk guard: refuses when the host's free space after the copies would fall below
/// `min_host_free`, naming both figures.
pub fn disk_guard(cfg: &StageConfig, free: u64, estimate: u64, copies: usize) -> Result<()> {
    let after = free.saturating_sub(estimate);
    if estimate == 0 || after >= cfg.min_host_free.bytes {
        return Ok(());
    }
    use crate::text::human_bytes;
    Err(PaasError::new(
        ErrorCode::ContextGuard,
        "stage_disk_guard",
        format!(
            "refusing the clone: the host would have {} free after copying {copies} instance(s) (about {}), below min_host_free {} ({} free now on {})",
            human_bytes(after),
            human_bytes(estimate),
            cfg.min_host_free.as_str(),
            human_bytes(free),
            cfg.storage_path.as_str()
        ),
    )
    .with_remediation("free disk on the host, clone fewer components (`stage clone --components a,b`), or lower root_disk; staging must never starve production"))
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
