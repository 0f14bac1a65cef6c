//! Reading the si fixtures into a test's state root.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::Env;

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/si")
}

/// A fixture's text with `@ROOT@` replaced by the test's state root.
pub fn text(env: &Env, name: &str) -> String {
    std::fs::read_to_string(dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        .replace("@ROOT@", &env.root.display().to_string())
}

/// Writes a fixture into a context's directory, as si does (dirs 0700, file 0600).
pub fn place(env: &Env, ctx: &str, name: &str, as_file: &str) -> PathBuf {
    let path = env.ctx_dir(ctx).join(as_file);
    let parent = path.parent().unwrap();
    std::fs::create_dir_all(parent).unwrap();
    std::fs::write(&path, text(env, name)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Makes every directory of the state root 0700 and every file 0600, as si creates them.
pub fn si_modes(root: &Path) {
    for e in walkdir(root) {
        let mode = if e.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(&e, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walkdir(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
