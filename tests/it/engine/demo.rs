//! The demo's local targets run the simulated engine: deploy, logs, rollback and an app
//! backup succeed through the headless verbs, and the machine's own docker is never run.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::common::Env;

#[test]
fn the_demo_deploys_logs_rolls_back_and_backs_up_on_its_simulated_engine() {
    let env = Env::new();
    let demo = env.dir.path().join("demo");
    let seeded = env.ok(&[
        "--state-root",
        demo.to_str().unwrap(),
        "demo",
        "--seed-only",
    ]);
    let root = seeded["state_root"].as_str().unwrap().to_string();
    // The user's own docker: any call to it is recorded.
    let bin = env.dir.path().join("user-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let touched = env.dir.path().join("user-docker-was-run");
    std::fs::write(
        bin.join("docker"),
        format!("#!/bin/sh\necho \"$*\" >> {}\nexit 1\n", touched.display()),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("docker"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = |ctx: &str, args: &[&str]| -> (i32, Value, String) {
        let o = env
            .cmd()
            .env("PATH", &path)
            .args(["--json", "--state-root", &root, "--context", ctx])
            .args(args)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        let doc = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        (o.status.code().unwrap(), doc, text)
    };

    let (code, doc, text) = run("oss-demo", &["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let release = doc["release"].as_str().unwrap().to_string();
    let running = demo.join("engine/engine-state/projects/oss-demo-api/release");
    assert_eq!(std::fs::read_to_string(&running).unwrap().trim(), release);

    let (code, doc, text) = run("oss-demo", &["logs", "--app", "api", "--tail", "20"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert!(
        doc["data"][0]["lines"]
            .to_string()
            .contains("listening on :8080"),
        "{doc:#}"
    );

    let (code, doc, text) = run("oss-demo", &["rollback", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let back = doc["release"].as_str().unwrap().to_string();
    assert_ne!(back, release);
    assert_eq!(std::fs::read_to_string(&running).unwrap().trim(), back);

    // internal-dogfood's api dumps its database (the postgres add-on's `db`) once deployed.
    let (code, doc, text) = run("internal-dogfood", &["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let (code, doc, text) = run("internal-dogfood", &["backup", "run", "--app", "api"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["backup"]["status"], "ok", "{doc:#}");
    assert!(doc["backup"]["plaintext_bytes"].as_u64().unwrap() > 0);

    // Its automation agent proposes a remediation for an open incident, to approve.
    let (code, doc, text) = run("internal-dogfood", &["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["status"], "pending-approval", "{doc:#}");
    let run_id = doc["run_id"].as_str().unwrap().to_string();
    let (code, doc, text) = run("internal-dogfood", &["agent", "list"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["data"][0]["name"], "ops", "{doc:#}");
    assert_eq!(doc["data"][0]["pending_approvals"], 1, "{doc:#}");
    // Approved, it checks the demo's VPS again, which lives on a documentation address: the
    // remediation fails as the check does, and says so.
    let (code, doc, text) = run("internal-dogfood", &["agent", "approve", "--run", &run_id]);
    assert_eq!(code, 1, "{doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_SSH_CONNECT_FAILED", "{doc:#}");

    assert!(
        !touched.exists(),
        "the user's docker was run: {}",
        std::fs::read_to_string(&touched).unwrap_or_default()
    );
}

#[test]
fn demo_engine_docker_builds_its_image_and_deploys_on_the_local_engine() {
    use crate::common::dockerd::{CLIENT, Dockerd};
    let engine = Dockerd::start();
    let env = Env::new();
    // This machine's engine as a Debian user has it: Debian's docker CLI, DOCKER_HOST.
    let bin = env.dir.path().join("debian-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(CLIENT, bin.join("docker")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let demo = env.dir.path().join("demo");
    let run = |args: &[&str]| -> (i32, Value, String) {
        let o = env
            .cmd()
            .env("PATH", &path)
            .env("DOCKER_HOST", engine.host())
            .arg("--json")
            .args(args)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        let doc = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        (o.status.code().unwrap(), doc, text)
    };
    let (code, doc, text) = run(&[
        "--state-root",
        demo.to_str().unwrap(),
        "demo",
        "--seed-only",
        "--engine",
        "docker",
    ]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let root = doc["state_root"].as_str().unwrap().to_string();
    assert!(
        engine
            .ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .lines()
            .any(|l| l == "paasdeck-demo/api:1"),
        "the demo image was imported"
    );
    let (code, doc, text) = run(&[
        "--state-root",
        &root,
        "--context",
        "oss-demo",
        "deploy",
        "--app",
        "api",
        "--apply",
    ]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(
        engine.running_image("oss-demo-api", "api").as_deref(),
        Some("paasdeck-demo/api:1")
    );
    let (code, doc, text) = run(&[
        "--state-root",
        &root,
        "--context",
        "oss-demo",
        "logs",
        "--app",
        "api",
    ]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert!(
        doc["data"][0]["lines"]
            .to_string()
            .contains("listening on :8080"),
        "{doc:#}"
    );
}

#[test]
fn demo_engine_docker_without_an_engine_says_so_and_writes_nothing() {
    use crate::common::dockerd::CLIENT;
    let env = Env::new();
    let bin = env.dir.path().join("debian-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(CLIENT, bin.join("docker")).unwrap();
    let demo = env.dir.path().join("demo");
    let gone = env.dir.path().join("no-engine.sock");
    let o = env
        .cmd()
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("DOCKER_HOST", format!("unix://{}", gone.display()))
        .args(["--json", "--state-root", demo.to_str().unwrap()])
        .args(["demo", "--seed-only", "--engine", "docker"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("docker import of the demo image failed")
            && message.contains("Cannot connect to the Docker daemon"),
        "{doc:#}"
    );
    assert!(
        doc["error"]["remediation"]
            .as_str()
            .unwrap()
            .contains("without --engine"),
        "{doc:#}"
    );
    assert!(!demo.join("paas/contexts").exists(), "nothing was written");
}
