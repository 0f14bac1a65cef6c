//! Host keys are looked up in-process: a fan-out over several targets runs no `ssh-keygen`,
//! while first use is still learned and audited once and a known host stays known.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::common::Env;
use crate::common::sshd::Sshd;

fn learned(env: &Env) -> usize {
    std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"command\":\"host_key_learned\""))
        .count()
}

#[test]
fn target_check_over_several_targets_runs_no_ssh_keygen() {
    let sshd = Sshd::start();
    let env = Env::new();
    env.init("c", "oss-demo");
    for name in ["edge-a", "edge-b", "edge-c"] {
        env.add_sshd_target("c", name, &sshd);
    }
    // An `ssh-keygen` first on PATH that records every call and then does the real work.
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = env.dir.path().join("ssh-keygen.calls");
    let real = [
        "/usr/bin/ssh-keygen",
        "/bin/ssh-keygen",
        "/usr/local/bin/ssh-keygen",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .unwrap();
    let script = bin.join("ssh-keygen");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec {real} \"$@\"\n",
            calls.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let check = || {
        let o = env
            .cmd()
            .env("PATH", &path)
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(["--json", "--context", "c", "target", "check", "--all"])
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(o.status.code(), Some(0), "{doc:#}");
        let ok = doc["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "ok")
            .count();
        assert_eq!(ok, 3, "{doc:#}");
    };
    // First use: the key is learned (and audited) once for the three aliases of the host.
    check();
    assert_eq!(learned(&env), 1);
    // Known now: nothing learned again.
    check();
    assert_eq!(learned(&env), 1);
    let recorded = std::fs::read_to_string(&calls).unwrap_or_default();
    assert_eq!(recorded, "", "ssh-keygen was run: {recorded}");
    // The recorder works: the same PATH does reach it.
    let o = std::process::Command::new("sh")
        .env("PATH", &path)
        .args(["-c", "ssh-keygen -l -f /dev/null >/dev/null 2>&1; true"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        std::fs::read_to_string(&calls)
            .unwrap()
            .contains("-l -f /dev/null")
    );
}
