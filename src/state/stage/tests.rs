//! Validation of the `stage` object.

use super::*;

fn sample() -> Value {
    tests_sample()
}

fn with(path: &[&str], value: Value) -> Value {
    let mut v = sample();
    let mut slot = &mut v;
    for p in path {
        slot = match p.parse::<usize>() {
            Ok(i) => &mut slot[i],
            Err(_) => &mut slot[*p],
        };
    }
    *slot = value;
    v
}

fn err(v: Value) -> Invalid {
    StageConfig::from_value(&v).unwrap_err()
}

#[test]
fn the_spec_example_parses_and_round_trips() {
    let c = StageConfig::from_value(&sample()).unwrap();
    assert_eq!(c.project.as_str(), "STAGE-GBO");
    assert_eq!(c.network.subnet(), "10.0.3.0/24");
    assert_eq!(c.root_disk.bytes, 10 << 30);
    assert_eq!(c.incus.as_str(), "incus");
    assert_eq!(
        c.wipe_paths(&c.components[0])
            .iter()
            .map(AbsPath::as_str)
            .collect::<Vec<_>>(),
        ["/opt/gbo/work", "/opt/gbo/logs"]
    );
    assert_eq!(
        c.wipe_paths(&c.components[1])
            .iter()
            .map(AbsPath::as_str)
            .collect::<Vec<_>>(),
        ["/opt/gbo/logs"]
    );
    let again = StageConfig::from_value(&c.to_value()).unwrap();
    assert_eq!(again, c);
    let mut expected = sample();
    expected["components"][1]
        .as_object_mut()
        .unwrap()
        .remove("wipe");
    assert_eq!(c.to_value(), expected);
}

#[test]
fn production_projects_are_guard_refusals() {
    for (project, source) in [("default", "prod"), ("Default", "prod"), ("prod", "prod")] {
        let mut v = with(&["project"], json!(project));
        v["source_project"] = json!(source);
        let e = err(v);
        assert!(e.guard, "{project}: {e:?}");
        assert_eq!(e.field, "stage.project");
    }
}

#[test]
fn clear_errors_name_the_field() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(&["components", "1", "ip"], json!("10.0.4.11")),
            "stage.components[1].ip",
            "outside the staging network 10.0.3.0/24",
        ),
        (
            with(&["components", "1", "ip"], json!("10.0.3.10")),
            "stage.components[1].ip",
            "already the address of component system",
        ),
        (
            with(&["components", "1", "ip"], json!("10.0.3.1")),
            "stage.components[1].ip",
            "gateway",
        ),
        (
            with(&["components", "1", "ip"], json!("10.0.3.255")),
            "stage.components[1].ip",
            "broadcast",
        ),
        (
            with(&["components", "1", "name"], json!("web;touch /tmp/x")),
            "stage.components[1].name",
            "letters, digits and '-'",
        ),
        (
            with(&["components", "1", "name"], json!("9lives")),
            "stage.components[1].name",
            "start with a letter",
        ),
        (
            with(&["components", "1", "name"], json!("a".repeat(64))),
            "stage.components[1].name",
            "longer than 63",
        ),
        (
            with(&["components", "1", "name"], json!("SYSTEM")),
            "stage.components[1].name",
            "listed twice",
        ),
        (
            with(&["root_disk"], json!("10")),
            "stage.root_disk",
            "no known unit",
        ),
        (
            with(&["root_disk"], json!("ten GiB")),
            "stage.root_disk",
            "not a size",
        ),
        (
            with(&["min_host_free"], json!("0GiB")),
            "stage.min_host_free",
            "zero",
        ),
        (
            with(&["always_wipe", "0"], json!("opt/logs")),
            "stage.always_wipe[0]",
            "not an absolute path",
        ),
        (
            with(&["always_wipe", "0"], json!("/opt/../etc")),
            "stage.always_wipe[0]",
            "'..'",
        ),
        (
            with(&["always_wipe", "0"], json!("/")),
            "stage.always_wipe[0]",
            "whole file system",
        ),
        (
            with(&["components", "0", "wipe", "0"], json!("/opt/x\u{1b}[2J")),
            "stage.components[0].wipe[0]",
            "control character",
        ),
        (
            with(&["components", "0", "wipe"], json!([])),
            "stage.components[0].wipe",
            "lists no path",
        ),
        (
            with(&["components", "1", "wipe"], json!(["/srv/data"])),
            "stage.components[1].wipe",
            "\"keep\"",
        ),
        (
            with(&["network", "ipv4"], json!("10.0.3.0/24")),
            "stage.network.ipv4",
            "network or broadcast",
        ),
        (
            with(&["network", "ipv4"], json!("10.0.3.1/31")),
            "stage.network.ipv4",
            "8 to 30",
        ),
        (
            with(&["network", "name"], json!("stage-bridge-number-0")),
            "stage.network.name",
            "longer than 15",
        ),
        (
            with(&["host_target"], json!("a b")),
            "stage.host_target",
            "invalid target name",
        ),
        (
            with(&["incus"], json!("incus;id")),
            "stage.incus",
            "neither an absolute path",
        ),
        (
            with(&["incus"], json!("./bin/incus")),
            "stage.incus",
            "not an absolute path",
        ),
        (
            with(&["components"], json!([])),
            "stage.components",
            "no component",
        ),
        (
            with(&["components", "0", "data"], json!("shred")),
            "stage.components[0].data",
            "unknown variant",
        ),
        (
            with(&["min_host_fre"], json!("1GiB")),
            "stage.min_host_fre",
            "unknown field `min_host_fre`",
        ),
    ];
    for (v, field, needle) in cases {
        let e = err(v);
        assert_eq!(e.field, field, "{e:?}");
        assert!(e.message.contains(needle), "{field}: {e:?}");
        assert!(!e.guard);
    }
}

#[test]
fn sizes() {
    assert_eq!(Size::parse("10GiB").unwrap().bytes, 10 << 30);
    assert_eq!(Size::parse("20GB").unwrap().bytes, 20_000_000_000);
    let s = Size::parse(" 512 MiB").unwrap();
    assert_eq!((s.bytes, s.as_str()), (512 << 20, "512MiB"));
    assert!(Size::parse("99999999999999999999GiB").is_err());
    assert!(Size::parse("1.5GiB").is_err());
    assert!(Size::parse("-1GiB").is_err());
}

#[test]
fn wipe_paths_are_directories_not_globs_nor_the_system() {
    for (bad, why) in [
        ("/opt/gbo/data/minio/*", "glob character '*'"),
        ("/opt/gbo/data/minio/.[a-z]*", "glob character '['"),
        ("/opt/gbo/data/?", "glob character '?'"),
        ("/opt/gbo/../../etc", "'..'"),
        ("/", "whole file system"),
        ("/etc", "system directory"),
        ("/etc/nginx", "system directory"),
        ("/usr/local", "system directory"),
        ("/var/lib", "system directory"),
        ("/opt", "system directory"),
        ("/proc/1", "system directory"),
    ] {
        for field in [
            vec!["always_wipe", "0"],
            vec!["components", "0", "wipe", "0"],
        ] {
            let e = err(with(&field, json!(bad)));
            assert_eq!(
                e.field,
                format!("stage.{}", field.join(".")).replace(".0", "[0]")
            );
            assert!(
                e.message.contains(&format!("{bad:?}")),
                "{bad}: {}",
                e.message
            );
            assert!(e.message.contains(why), "{bad}: {}", e.message);
        }
    }
    // Data directories, hidden ones and names like the system's further down are fine.
    for good in [
        "/opt/gbo/data/minio",
        "/var/lib/search",
        "/srv/uploads",
        "/home/gbo/.cache",
    ] {
        let c = StageConfig::from_value(&with(&["always_wipe", "0"], json!(good))).unwrap();
        assert_eq!(c.always_wipe[0].as_str(), good);
    }
}
