//! The simulated engine shipped for the demo: a local target whose `targets.json` entry holds
//! `"engine": {"simulated": "/abs/dir"}` runs its commands with that directory first on PATH,
//! where the demo wrote the simulator as `docker`. It never pulls an image and never talks to
//! the machine's own Docker.

use std::path::PathBuf;

use crate::state::targets::{AuthMethod, Target};

pub const KEY: &str = "engine";
pub const SIMULATED: &str = "simulated";

/// The directory of a local target's simulated `docker`, when the entry names a usable one
/// (an absolute path that can sit in PATH: no `:` and no control characters).
pub fn bin_dir(t: &Target) -> Option<PathBuf> {
    if t.auth() != AuthMethod::Local {
        return None;
    }
    let dir = t.extra.get(KEY)?.get(SIMULATED)?.as_str()?;
    let usable = dir.starts_with('/') && !dir.contains(':') && !dir.chars().any(char::is_control);
    usable.then(|| PathBuf::from(dir))
}

/// Whether a target runs the simulated engine (the Targets pane says so).
pub fn is_simulated(t: &Target) -> bool {
    bin_dir(t).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(auth: &str, engine: serde_json::Value) -> Target {
        let mut t: Target = serde_json::from_value(json!({
            "name": "a", "host": "localhost", "user": "u", "auth_method": auth,
        }))
        .unwrap();
        t.extra.insert(KEY.into(), engine);
        t
    }

    #[test]
    fn only_a_local_target_with_a_plain_absolute_dir_is_simulated() {
        let ok = target("local", json!({"simulated": "/tmp/demo/engine/bin"}));
        assert_eq!(bin_dir(&ok), Some(PathBuf::from("/tmp/demo/engine/bin")));
        assert!(!is_simulated(&target(
            "key",
            json!({"simulated": "/tmp/demo/engine/bin"})
        )));
        assert!(!is_simulated(&target(
            "local",
            json!({"simulated": "rel/bin"})
        )));
        assert!(!is_simulated(&target(
            "local",
            json!({"simulated": "/a:/b"})
        )));
        assert!(!is_simulated(&target(
            "local",
            json!({"simulated": "/a\n"})
        )));
        assert!(!is_simulated(&target("local", json!("docker"))));
    }
}
