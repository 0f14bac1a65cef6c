//! A Compose healthcheck on the real engine, honoured by the health gate: a release is live
//! only once its container is `healthy`, and an `unhealthy` one is rolled back.

use super::{PROJECT, Site};

/// Ready (healthy) after `delay` seconds, or never when `delay` is `None`.
fn checked(delay: Option<u32>) -> String {
    let start = match delay {
        Some(d) => format!("sleep {d}; touch /tmp/ready; exec sleep 3600"),
        None => "exec sleep 3600".into(),
    };
    format!(
        "services:\n  api:\n    image: paasdeck-test/api:1\n    network_mode: none\n    stop_signal: SIGKILL\n    command: [\"sh\", \"-c\", \"{start}\"]\n    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]\n      interval: 1s\n      timeout: 1s\n      retries: 2\n"
    )
}

fn health(site: &Site) -> String {
    site.engine
        .ok(&[
            "inspect",
            "--format",
            "{{.State.Health.Status}}",
            "shop-api_api_1",
        ])
        .trim()
        .to_string()
}

#[test]
fn the_gate_waits_for_healthy_and_rolls_back_unhealthy() {
    let site = Site::new();
    site.compose(&checked(Some(3)));
    let good = site.deploy_ok();
    // The deploy ended only once the engine called the container healthy.
    assert_eq!(health(&site), "healthy");
    assert_eq!(site.running_release().as_deref(), Some(good.as_str()));

    site.compose(&checked(None));
    let (code, doc, text) = site.run(&[
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "10s",
    ]);
    assert_ne!(code, 0, "{doc:#}\n{text}");
    assert_eq!(doc["error"]["code"], "PAAS_HEALTH_CHECK_FAILED", "{doc:#}");
    assert!(text.contains("api: unhealthy"), "{text}");
    assert_eq!(site.current(), good);
    assert_eq!(site.running_release().as_deref(), Some(good.as_str()));
    assert_eq!(site.engine.containers(PROJECT), ["shop-api_api_1 running"]);
}
