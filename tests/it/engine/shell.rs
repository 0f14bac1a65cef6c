//! `app shell` on the real engine: `docker-compose exec` with a terminal in the running
//! container of the current release (busybox: the login shell falls back to sh).

use super::Site;

#[test]
fn app_shell_types_into_the_running_container() {
    let site = Site::new();
    site.deploy_ok();
    let tmux = crate::shell::headless(&site.env, "--context shop app shell --app api", &[]);
    tmux.wait_for("the announcement", |s| {
        s.contains("app shell on") && s.contains("service api")
    });
    // The container's own view: the data volume the compose file mounts at /data.
    tmux.send("echo in-container-$((6*7)) $(ls -d /data)");
    tmux.send_key("Enter");
    tmux.wait_for("the container's answer", |s| {
        s.contains("in-container-42 /data")
    });
    tmux.send("exit 3");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("paasdeck to exit", |s| s.contains("PAASDECK-EXITED"));
    assert!(screen.contains("PAASDECK-EXITED 3"), "{screen}");
}
