//! The demo's local targets run the simulated engine shipped in `assets/docker-sim`: written
//! into the demo directory as `engine/bin/docker` (its projects under `engine/engine-state`)
//! and named in each local target's entry, so deploy, logs, rollback and app backup work on a
//! machine without Docker, never pull an image and never touch the machine's containers.

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
