//! What the real engine answers when a target cannot run a deploy, recognised and named with
//! its fix: a docker CLI without Compose, a daemon that is down, a user outside the docker
//! group.

use super::Site;
use crate::common::dockerd::CLIENT;

fn deploy_error(site: &Site) -> (serde_json::Value, String) {
    let (code, doc, text) = site.run(&[
        "deploy",
        "--app",
        "api",
        "--apply",
        "--health-timeout",
        "4s",
    ]);
    assert_ne!(code, 0, "{doc:#}\n{text}");
    (doc["error"].clone(), text)
}

#[test]
fn a_docker_cli_without_compose_is_named_with_its_fix() {
    let mut site = Site::new();
    // Debian's docker CLI without the plugin, and no docker-compose: the sessions search a
    // copy of /usr/bin without it.
    let usr_bin = site.env.dir.path().join("usr-bin-without-compose");
    std::fs::create_dir_all(&usr_bin).unwrap();
    for e in std::fs::read_dir("/usr/bin").unwrap() {
        let e = e.unwrap();
        if e.file_name() != "docker-compose" {
            std::os::unix::fs::symlink(e.path(), usr_bin.join(e.file_name())).unwrap();
        }
    }
    site.sshd.set_path_after_bin(usr_bin.to_str().unwrap());
    let out = std::process::Command::new(CLIENT)
        .args(["compose", "-p", "x", "up"])
        .output()
        .unwrap();
    let real = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        real.contains("unknown shorthand flag: 'p' in -p"),
        "what Debian's docker says: {real}"
    );
    let (err, text) = deploy_error(&site);
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("unknown shorthand flag: 'p' in -p"),
        "the telling line is kept though usage text follows it: {err:#}\n{text}"
    );
    let fix = err["remediation"].as_str().unwrap();
    assert!(fix.contains("docker-compose-plugin"), "{fix}");
    assert!(fix.contains("apt-get install -y docker-compose"), "{fix}");
}

#[test]
fn a_daemon_that_is_down_is_named_with_its_fix() {
    let mut site = Site::new();
    let gone = site.engine.root.join("gone.sock");
    site.sshd
        .set_env("DOCKER_HOST", &format!("unix://{}", gone.display()));
    let (err, text) = deploy_error(&site);
    // What Debian's docker-compose 1.29.2 says, in Python.
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("Error while fetching server API version")
            && message.contains("FileNotFoundError"),
        "{err:#}\n{text}"
    );
    let fix = err["remediation"].as_str().unwrap();
    assert!(fix.contains("systemctl enable --now docker"), "{fix}");
}

#[test]
fn a_user_outside_the_docker_group_is_named_with_its_fix() {
    let site = Site::new();
    // The session's docker runs as nobody, whom the daemon's socket (root:docker 0660) refuses.
    let bin = &site.sshd.fakebin;
    let docker = bin.join("docker");
    std::fs::remove_file(&docker).unwrap();
    std::fs::write(
        &docker,
        format!(
            "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp {CLIENT} \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, doc, text) = site.run(&["target", "check", "--target", "edge"]);
    assert_ne!(code, 0, "{doc:#}\n{text}");
    let row = &doc["data"][0];
    let error = row["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("permission denied while trying to connect to the Docker daemon socket"),
        "{row:#}\n{text}"
    );
    let fix = row["remediation"].as_str().unwrap_or_default();
    assert!(fix.contains("usermod -aG docker"), "{row:#}");
}
