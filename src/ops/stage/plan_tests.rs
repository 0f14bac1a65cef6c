//! The step lists of `init` and `clone` against host states.

use super::*;
use crate::ops::stage::host::Instance;

fn cfg() -> StageConfig {
    StageConfig::from_value(&crate::state::stage::tests_sample()).unwrap()
}

fn inst(name: &str, status: &str, mark: Option<&str>) -> Instance {
    let mut i = Instance {
        name: name.into(),
        status: status.into(),
        disk_usage: Some(3 << 30),
        ..Default::default()
    };
    if let Some(m) = mark {
        i.config.insert("user.paasdeck.clone".into(), m.into());
    }
    i
}

fn kinds(steps: &[Step]) -> Vec<(String, StepKind)> {
    steps
        .iter()
        .map(|s| (s.component.clone(), s.kind))
        .collect()
}

fn names(c: &StageConfig) -> Vec<IncusName> {
    c.components.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn a_fresh_host_gets_everything_in_order() {
    let c = cfg();
    let view = HostView {
        source: vec![
            inst("system", "Running", None),
            inst("tables", "Running", None),
        ],
        ..Default::default()
    };
    let init = init_steps(&c, &view);
    assert_eq!(
        init.iter()
            .map(|s| s.call.as_ref().unwrap().display())
            .collect::<Vec<_>>(),
        [
            "incus project create STAGE-GBO -c features.networks=true -c features.profiles=true --project STAGE-GBO",
            "incus network create stagebr0 ipv4.address=10.0.3.1/24 ipv4.nat=true ipv6.address=none --project STAGE-GBO",
            "incus profile device add default eth0 nic network=stagebr0 name=eth0 --project STAGE-GBO",
            "incus profile device add default root disk path=/ pool=default size=10GiB --project STAGE-GBO",
        ]
    );
    let clone = clone_steps(&c, &view, &names(&c)).unwrap();
    use StepKind::*;
    let sys = |k| ("system".to_string(), k);
    let tab = |k| ("tables".to_string(), k);
    assert_eq!(
        kinds(&clone),
        [
            sys(Copy),
            sys(SetAddress),
            sys(Interfaces),
            sys(Wipe),
            sys(Wipe),
            sys(MarkPrepared),
            sys(VerifyAddress),
            sys(Start),
            sys(MarkDone),
            tab(Copy),
            tab(SetAddress),
            tab(Interfaces),
            tab(Wipe),
            tab(MarkPrepared),
            tab(VerifyAddress),
            tab(Start),
            tab(MarkDone),
        ]
    );
    // `system` wipes its own path and always_wipe; `tables` (keep) only always_wipe.
    // A wipe lists the directory's entries; each entry is deleted, the directory stays.
    let wipes: Vec<(String, String)> = clone
        .iter()
        .filter(|s| s.kind == Wipe)
        .map(|s| {
            (
                s.path.as_ref().unwrap().as_str().to_string(),
                s.call.as_ref().unwrap().display(),
            )
        })
        .collect();
    let q = |n: &str, p: &str| {
        (
            p.to_string(),
            format!(
                "incus query --project STAGE-GBO '/1.0/instances/{n}/files?path={p}&project=STAGE-GBO'"
            ),
        )
    };
    assert_eq!(
        wipes,
        [
            q("system", "/opt/gbo/work"),
            q("system", "/opt/gbo/logs"),
            q("tables", "/opt/gbo/logs"),
        ]
    );
    assert!(
        clone
            .iter()
            .filter(|s| s.kind == Wipe)
            .all(|s| !s.mutating())
    );
    // Sized by the larger of the root disk limit (10GiB) and the source's use (3GiB).
    assert_eq!(copy_estimate(&c, &view, &clone), 2 * (10 << 30));
}

#[test]
fn existing_things_are_skipped_and_interrupted_clones_resume() {
    let c = cfg();
    let mut profile = std::collections::BTreeMap::new();
    let dev = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    profile.insert(
        "eth0".into(),
        dev(&[("type", "nic"), ("network", "stagebr0"), ("name", "eth0")]),
    );
    profile.insert(
        "root".into(),
        dev(&[
            ("type", "disk"),
            ("path", "/"),
            ("pool", "default"),
            ("size", "5GiB"),
        ]),
    );
    let mut view = HostView {
        project_exists: true,
        network_exists: true,
        profile,
        instances: vec![
            inst("system", "Running", Some("done")),
            inst("tables", "Stopped", Some("prepared")),
        ],
        source: vec![
            inst("system", "Running", None),
            inst("tables", "Running", None),
        ],
        free: None,
    };
    let init = init_steps(&c, &view);
    assert_eq!(init.iter().filter(|s| s.kind == StepKind::Skip).count(), 3);
    assert_eq!(
        init[3].call.as_ref().unwrap().display(),
        "incus profile device set default root path=/ pool=default size=10GiB --project STAGE-GBO"
    );
    assert!(!initialised(&c, &view));
    let clone = clone_steps(&c, &view, &names(&c)).unwrap();
    use StepKind::*;
    assert_eq!(
        kinds(&clone),
        [
            ("system".into(), Skip),
            ("tables".into(), SetAddress),
            ("tables".into(), VerifyAddress),
            ("tables".into(), Start),
            ("tables".into(), MarkDone)
        ]
    );
    assert_eq!(copy_estimate(&c, &view, &clone), 0);
    // A copy that has its address but was stopped before it was prepared.
    let mut t = inst("tables", "Stopped", None);
    t.expanded_devices.insert(
        "eth0".into(),
        dev(&[("type", "nic"), ("ipv4.address", "10.0.3.11")]),
    );
    view.instances[1] = t;
    let clone = clone_steps(&c, &view, &names(&c)[1..]).unwrap();
    assert_eq!(clone[0].kind, Skip, "{:?}", clone[0]);
    assert_eq!(clone[1].kind, Interfaces);
    // Running but never cloned by paasdeck: left alone.
    view.instances[1] = inst("tables", "Running", None);
    let clone = clone_steps(&c, &view, &names(&c)[1..]).unwrap();
    assert_eq!(kinds(&clone), [("tables".into(), Skip)]);
    assert!(clone[0].note.contains("did not clone it"));
}

#[test]
fn local_nics_are_set_and_profile_nics_overridden() {
    let c = cfg();
    let mut src = inst("system", "Running", None);
    src.local_devices.insert("eth0".into(), Default::default());
    let view = HostView {
        source: vec![src, inst("tables", "Running", None)],
        ..Default::default()
    };
    let clone = clone_steps(&c, &view, &names(&c)).unwrap();
    let addr: Vec<String> = clone
        .iter()
        .filter(|s| s.kind == StepKind::SetAddress)
        .map(|s| s.call.as_ref().unwrap().display())
        .collect();
    assert_eq!(
        addr,
        [
            "incus config device set system eth0 ipv4.address=10.0.3.10 --project STAGE-GBO",
            "incus config device override tables eth0 ipv4.address=10.0.3.11 --project STAGE-GBO",
        ]
    );
}

#[test]
fn a_component_missing_from_production_is_an_error_before_anything() {
    let c = cfg();
    let view = HostView {
        source: vec![inst("system", "Running", None)],
        ..Default::default()
    };
    let e = clone_steps(&c, &view, &names(&c)).unwrap_err();
    assert!(
        e.message
            .contains("no instance tables in the source project default"),
        "{}",
        e.message
    );
}

#[test]
fn the_disk_guard_names_both_figures() {
    let c = cfg();
    plan_ok(&c, 100 << 30, 20 << 30);
    let e = disk_guard(&c, 35 << 30, 20 << 30, 2).unwrap_err();
    assert_eq!(e.code, ErrorCode::ContextGuard);
    assert!(
        e.message.contains("15.0G free after copying 2"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("below min_host_free 20GiB"),
        "{}",
        e.message
    );
    // Exactly at the limit is allowed; nothing to copy is never refused.
    plan_ok(&c, 40 << 30, 20 << 30);
    plan_ok(&c, 1, 0);
}

fn plan_ok(c: &StageConfig, free: u64, estimate: u64) {
    disk_guard(c, free, estimate, 1).unwrap();
}
