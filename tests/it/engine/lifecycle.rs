//! A release's life on the real engine: deploy, logs, a second release, a release whose
//! container exits on start rolled back by the health gate, and `rollback --apply`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{PROJECT, Site, crashing, ticking};

#[test]
fn deploy_logs_second_release_failed_release_and_rollback_on_the_real_engine() {
    let site = Site::new();

    // The first release: its container runs the release's image from its release directory.
    let first = site.deploy_ok();
    assert_eq!(site.current(), first);
    assert_eq!(
        site.engine.running_image(PROJECT, "api").as_deref(),
        Some("paasdeck-test/api:1")
    );
    assert_eq!(site.running_release().as_deref(), Some(first.as_str()));
    let names = site.engine.containers(PROJECT);
    assert_eq!(
        names,
        ["shop-api_api_1 running"],
        "compose v1 names containers"
    );

    // `logs` shows the container's own output.
    let (code, doc, text) = site.run(&["logs", "--app", "api", "--tail", "50"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let lines = doc["data"][0]["lines"].to_string();
    assert!(lines.contains(&format!("api {first} started")), "{doc:#}");

    // `logs --follow` streams: a tick the container prints arrives while logs still run.
    let mut child = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args([
            "--context",
            "shop",
            "logs",
            "--app",
            "api",
            "--follow",
            "--tail",
            "1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ticks = 0;
    while ticks < 2 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(500))
            && l.contains("tick")
        {
            ticks += 1;
        }
    }
    assert_eq!(ticks, 2, "two ticks of the running container arrived");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the ticks arrived while logs --follow still runs"
    );
    let _ = child.kill();
    let _ = child.wait();

    // A second release replaces the container under the same project.
    site.compose(&ticking("2"));
    let second = site.deploy_ok();
    assert_ne!(second, first);
    assert_eq!(
        site.engine.running_image(PROJECT, "api").as_deref(),
        Some("paasdeck-test/api:2")
    );
    assert_eq!(site.running_release().as_deref(), Some(second.as_str()));
    assert_eq!(site.engine.containers(PROJECT).len(), 1);

    // A release whose container exits on start: the gate sees it exited and rolls back to
    // the second release, whose container runs again.
    site.compose(&crashing("1"));
    let (code, doc, text) = site.run(&[
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "6s",
    ]);
    assert_ne!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_HEALTH_CHECK_FAILED", "{doc:#}");
    assert!(text.contains("api: exited"), "{text}");
    assert_eq!(site.current(), second);
    assert_eq!(
        site.engine.running_image(PROJECT, "api").as_deref(),
        Some("paasdeck-test/api:2")
    );
    assert_eq!(site.running_release().as_deref(), Some(second.as_str()));
    assert_eq!(site.engine.containers(PROJECT), ["shop-api_api_1 running"]);

    // rollback --apply returns to the first release's container.
    let (code, doc, text) = site.run(&["rollback", "--app", "api", "--apply"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["release"], first.as_str());
    assert_eq!(site.current(), first);
    assert_eq!(
        site.engine.running_image(PROJECT, "api").as_deref(),
        Some("paasdeck-test/api:1")
    );
    assert_eq!(site.running_release().as_deref(), Some(first.as_str()));
}

#[test]
fn target_check_shows_debians_compose_v1() {
    let site = Site::new();
    let (code, doc, text) = site.run(&["target", "check", "--target", "edge"]);
    assert_eq!(code, 0, "{doc:#}\n{text}");
    let row = &doc["data"][0];
    assert_eq!(row["compose_kind"], "v1", "{row:#}");
    assert_eq!(row["compose_version"], "1.29.2");
    assert_eq!(row["docker_version"], "20.10.24+dfsg1");
    let o = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args(["--context", "shop", "target", "check", "--target", "edge"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&o.stdout);
    assert!(human.contains("compose=v1 1.29.2"), "{human}");
}
