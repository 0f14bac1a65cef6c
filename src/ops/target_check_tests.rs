//! `target check`'s probe parsing and its human lines.

use super::*;

#[test]
fn arch_normalisation() {
    assert_eq!(normalise_arch("x86_64"), "amd64");
    assert_eq!(normalise_arch("aarch64"), "arm64");
    assert_eq!(normalise_arch("ARMv7l"), "armv7l");
}

#[test]
fn probe_parsing_stops_at_the_first_failure() {
    let t = Target::new(
        "a".parse().unwrap(),
        "h".parse().unwrap(),
        Port::SSH,
        "u".parse().unwrap(),
    );
    let mut r = CheckResult::new(&t);
    let ok = apply_probe(
        &mut r,
        &[
            "ssh=ok".into(),
            "arch=aarch64".into(),
            "fail=docker Cannot connect to the Docker daemon".into(),
            "compose=2.0".into(),
        ],
    );
    assert!(!ok);
    assert_eq!(r.cpu_arch.as_deref(), Some("arm64"));
    assert!(!r.docker_ok && !r.compose_ok);
    assert_eq!(r.stage.as_deref(), Some("docker"));
    assert_eq!(
        r.error.as_deref(),
        Some("docker check failed: Cannot connect to the Docker daemon")
    );
    let mut r = CheckResult::new(&t);
    assert!(apply_probe(
        &mut r,
        &[
            "ssh=ok".into(),
            "arch=x86_64".into(),
            "docker=27.1.1".into(),
            "compose=v2 v2.29.0".into(),
            "df=begin".into(),
            "Filesystem 1024-blocks Used Available Capacity Mounted on".into(),
            "/dev/vda 100 50 1000 50% /".into(),
            "/dev/vdb 100 50 2000 50% /var/lib/docker".into(),
            "df=end".into(),
            "loadavg=0.15 0.10 0.05 1/100 42".into(),
            "uptime=12345.67 1.0".into()
        ]
    ));
    assert_eq!(r.compose_version.as_deref(), Some("2.29.0"));
    assert_eq!(r.compose_kind.as_deref(), Some("v2"));
    r.status = "ok".into();
    assert_eq!(
        describe(&r)[1].split(" · ").nth(3),
        Some("compose=v2 2.29.0")
    );
    let mut v1 = CheckResult::new(&t);
    apply_probe(&mut v1, &["compose=v1 1.29.2".into()]);
    assert_eq!(v1.compose_kind.as_deref(), Some("v1"));
    assert_eq!(v1.compose_version.as_deref(), Some("1.29.2"));
    assert_eq!(r.disk_free_root, Some(1024 * 1000));
    assert_eq!(r.disk_free_docker, Some(1024 * 2000));
    assert_eq!(r.load1, Some(0.15));
    assert_eq!(r.uptime_seconds, Some(12345));
}
