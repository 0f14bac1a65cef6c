//! The demo's local targets run the simulated engine shipped in `assets/docker-sim`: written
//! into the demo directory as `engine/bin/docker` (its projects under `engine/engine-state`)
//! and named in each local target's entry, so deploy, logs, rollback and app backup work on a
//! machine without Docker, never pull an image and never touch the machine's containers.
//! With `paasdeck demo --engine docker`, `oss-demo`'s local target uses the machine's Docker
//! engine instead, with a demo image imported from the machine's busybox ([`build_image`]).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::error::{PaasError, Result};
use crate::remote::engine::simulated;
use crate::state::targets::{AuthMethod, TargetsDoc};
use crate::state::{ContextDir, fsio};

const SIMULATOR: &str = include_str!("../../assets/docker-sim");

/// Writes the simulator under `dir/engine/bin/`; returns that directory.
pub fn install(dir: &Path) -> Result<PathBuf> {
    let bin = dir.join("engine").join("bin");
    let docker = bin.join("docker");
    fsio::write_bytes_atomic(&docker, SIMULATOR.as_bytes())?;
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| PaasError::io("demo", &docker, &e))?;
    Ok(bin)
}

/// Points every local target of the context at the simulator in `bin`.
pub fn use_simulator(cd: &ContextDir, bin: &Path) -> Result<()> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        for t in doc
            .targets
            .iter_mut()
            .filter(|t| t.auth() == AuthMethod::Local)
        {
            t.extra.insert(
                simulated::KEY.into(),
                json!({ simulated::SIMULATED: bin.display().to_string() }),
            );
        }
        Ok::<(), PaasError>(())
    })
}

/// Which engine the demo's `oss-demo` local target runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoEngine {
    #[default]
    Simulated,
    /// The machine's own Docker engine and a demo image built locally.
    Docker,
}

/// The demo image `--engine docker` builds: busybox and nothing else.
pub const DEMO_IMAGE: &str = "paasdeck-demo/api:1";

/// The app's compose file on the real engine: the local demo image (never pulled), no
/// network, a container that says which release it is and answers a health line now and then.
pub const DOCKER_COMPOSE: &str = "services:\n  api:\n    image: paasdeck-demo/api:1\n    pull_policy: never\n    network_mode: none\n    stop_signal: SIGKILL\n    environment:\n      DATABASE_URL: ${DATABASE_URL:-postgres://demo-db/api}\n    command: [\"sh\", \"-c\", \"echo api {{paas.release}} listening on :8080; while true; do sleep 5; echo GET /health 200; done\"]\n";

const BUSYBOX: [&str; 3] = ["/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"];
const APPLETS: [&str; 8] = ["sh", "sleep", "echo", "cat", "ls", "tar", "true", "test"];

fn docker_error(message: String) -> PaasError {
    PaasError::new(crate::error::ErrorCode::RemoteCommandFailed, "demo", message).with_remediation(
        "start the Docker engine (`sudo systemctl enable --now docker`) and install a static busybox (`sudo apt-get install -y busybox-static`), or run `paasdeck demo` without --engine: its simulated engine needs neither",
    )
}

/// The image's root filesystem as a tar: busybox and a few applets linked to it.
fn rootfs_tar(busybox: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(busybox).map_err(|e| PaasError::io("demo", busybox, &e))?;
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o755);
    h.set_entry_type(tar::EntryType::Regular);
    let io = |e: std::io::Error| docker_error(format!("building the demo image failed: {e}"));
    tar.append_data(&mut h, "bin/busybox", bytes.as_slice())
        .map_err(io)?;
    for applet in APPLETS {
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        l.set_mode(0o777);
        tar.append_link(&mut l, format!("bin/{applet}"), "busybox")
            .map_err(io)?;
    }
    let mut d = tar::Header::new_gnu();
    d.set_entry_type(tar::EntryType::Directory);
    d.set_size(0);
    d.set_mode(0o1777);
    tar.append_data(&mut d, "tmp/", std::io::empty())
        .map_err(io)?;
    tar.into_inner().map_err(io)
}

/// `docker import`s the demo image into the machine's engine (whatever `docker` and
/// `DOCKER_HOST` name); nothing is pulled.
pub fn build_image() -> Result<String> {
    use std::io::Write;
    let busybox = BUSYBOX
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            docker_error("no busybox on this machine to build the demo image from".into())
        })?;
    let tar = rootfs_tar(busybox)?;
    let mut child = std::process::Command::new("docker")
        .args(["import", "-", DEMO_IMAGE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| docker_error(format!("could not run docker: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A failed write shows as docker's own error below.
        let _ = stdin.write_all(&tar);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| docker_error(format!("docker import did not finish: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let why = crate::text::sanitize_inline(stderr.trim()).into_owned();
        return Err(docker_error(format!(
            "docker import of the demo image failed: {why}"
        )));
    }
    Ok(DEMO_IMAGE.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulator_answers_what_a_deploy_asks() {
        let dir = tempfile::tempdir().unwrap();
        let bin = install(dir.path()).unwrap();
        let work = dir.path().join("rel-1");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(
            work.join("compose.yaml"),
            "services:\n  api:\n    image: x\n",
        )
        .unwrap();
        let run = |args: &[&str]| {
            let o = std::process::Command::new(bin.join("docker"))
                .args(args)
                .current_dir(&work)
                .output()
                .unwrap();
            assert!(o.status.success(), "{args:?}: {o:?}");
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        run(&[
            "compose",
            "-p",
            "demo-api",
            "-f",
            "compose.yaml",
            "up",
            "-d",
        ]);
        let ps = run(&[
            "ps",
            "-a",
            "--filter",
            "label=com.docker.compose.project=demo-api",
            "--format",
            "{{json .}}",
        ]);
        let lines: Vec<String> = ps.lines().map(str::to_string).collect();
        let found = crate::remote::engine::containers::parse(&lines);
        assert_eq!(found.len(), 1, "{ps}");
        assert_eq!(found[0].service, "api");
        assert_eq!(found[0].state, "running");
        assert!(
            dir.path()
                .join("engine/engine-state/projects/demo-api/release")
                .exists()
        );
    }
}
