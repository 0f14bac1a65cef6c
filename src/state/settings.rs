//! `paasdeck.json`: paasdeck's own settings for a context (SPEC §3), in a file `si` never
//! rewrites. A typed view over one JSON object: known keys are parsed and validated when read,
//! every other key is kept as it is, in its order, when the file is rewritten.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::fsio;
use crate::state::paths::ContextDir;
use crate::state::stage::{Invalid, StageConfig};

pub const FILE_NAME: &str = "paasdeck.json";
const IDENTITY_FILES: &str = "identity_files";

pub fn path(cd: &ContextDir) -> PathBuf {
    cd.dir().join(FILE_NAME)
}

/// The settings document of one context.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    path: PathBuf,
    doc: Map<String, Value>,
    context: String,
}

impl Settings {
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.doc.get(key)
    }

    /// Sets a key; an existing key keeps its place.
    pub fn set(&mut self, key: &str, value: Value) {
        self.doc.insert(key.to_string(), value);
    }

    /// Removes a key, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.doc.shift_remove(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.doc.keys()
    }

    /// The `stage` object, validated; `None` when the context has none. A bad value fails with
    /// `PAAS_STATE_CORRUPT` (or `PAAS_CONTEXT_GUARD` for a production project) naming the file
    /// and the field.
    pub fn stage(&self) -> Result<Option<StageConfig>> {
        match self.doc.get("stage") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => StageConfig::from_value(v)
                .map(Some)
                .map_err(|e| self.stage_error(&e)),
        }
    }

    fn stage_error(&self, e: &Invalid) -> PaasError {
        let code = if e.guard {
            ErrorCode::ContextGuard
        } else {
            ErrorCode::StateCorrupt
        };
        PaasError::new(
            code,
            "stage_config",
            format!("{}: {}: {}", self.path.display(), e.field, e.message),
        )
        .with_remediation(format!(
            "write a corrected stage object with `paasdeck --context {} stage configure --from-file FILE` (the current one: `stage configure --show`)",
            self.context
        ))
    }

    /// The guard settings (`read_only`, `color`, `confirm`), validated: a value of the wrong
    /// type or an unknown level fails with `PAAS_STATE_CORRUPT` naming the file and the key.
    pub fn guard(&self) -> Result<GuardSettings> {
        let text = |key: &str| -> Result<Option<String>> {
            match self.doc.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(_) => Err(self.field_error(key, "must be a string")),
            }
        };
        let read_only = match self.doc.get("read_only") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(self.field_error("read_only", "must be true or false")),
        };
        let confirm = text("confirm")?;
        if let Some(c) = &confirm
            && !CONFIRM_LEVELS.contains(&c.to_ascii_lowercase().as_str())
        {
            return Err(self.field_error("confirm", "must be none, yes or type-name"));
        }
        Ok(GuardSettings {
            read_only,
            color: text("color")?,
            confirm: confirm.map(|c| c.to_ascii_lowercase()),
        })
    }

    /// Writes the guard settings that are set; `None` leaves a key as it is.
    pub fn set_guard(&mut self, g: &GuardSettings) {
        if let Some(r) = g.read_only {
            self.set("read_only", Value::Bool(r));
        }
        if let Some(c) = &g.color {
            self.set("color", Value::String(c.clone()));
        }
        if let Some(c) = &g.confirm {
            self.set("confirm", Value::String(c.clone()));
        }
    }

    fn field_error(&self, key: &str, what: &str) -> PaasError {
        PaasError::new(
            ErrorCode::StateCorrupt,
            "state_read",
            format!("{}: field {key}: {what}", self.path.display()),
        )
        .with_remediation(format!(
            "set it again with `paasdeck context init {} --{}`, or repair {} by hand",
            self.context,
            key.replace('_', "-"),
            self.path.display()
        ))
    }

    /// The identity file of each target (by lowercased name), kept here because si drops
    /// `identity_file` when it rewrites `targets.json`. Entries that are not strings are left
    /// out.
    pub fn identity_files(&self) -> BTreeMap<String, String> {
        match self.doc.get(IDENTITY_FILES) {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| {
                    let v = v.as_str()?.trim();
                    (!v.is_empty() && !v.chars().any(char::is_control))
                        .then(|| (k.to_ascii_lowercase(), v.to_string()))
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// Records (or with `None` forgets) a target's identity file.
    pub fn set_identity_file(&mut self, target: &str, path: Option<&str>) {
        let mut m = match self.doc.get(IDENTITY_FILES) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let key = target.to_ascii_lowercase();
        match path {
            Some(p) => {
                m.insert(key, Value::String(p.to_string()));
            }
            None => {
                m.shift_remove(&key);
            }
        }
        if m.is_empty() {
            self.remove(IDENTITY_FILES);
        } else {
            self.set(IDENTITY_FILES, Value::Object(m));
        }
    }

    pub fn set_stage(&mut self, cfg: &StageConfig) {
        self.set("stage", cfg.to_value());
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.doc.clone())
    }
}

/// The confirmation levels a `confirm` setting may name.
pub const CONFIRM_LEVELS: [&str; 3] = ["none", "yes", "type-name"];

/// The guard settings of a context as `paasdeck.json` (or `config.json`) holds them; `None`
/// where the file does not set one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardSettings {
    pub read_only: Option<bool>,
    pub color: Option<String>,
    pub confirm: Option<String>,
}

fn empty(cd: &ContextDir) -> Settings {
    Settings {
        path: path(cd),
        doc: Map::new(),
        context: cd.name().to_string(),
    }
}

/// Reads the settings of a context; a missing file is an empty document, a file that is not a
/// JSON object fails with `PAAS_STATE_CORRUPT`.
pub fn load(cd: &ContextDir) -> Result<Settings> {
    let mut s = empty(cd);
    match fsio::read_json::<Value>(&s.path)? {
        None => {}
        Some(Value::Object(doc)) => s.doc = doc,
        Some(_) => {
            return Err(PaasError::new(
                ErrorCode::StateCorrupt,
                "state_read",
                format!("{} is not a JSON object", s.path.display()),
            )
            .with_remediation(format!(
                "repair or remove {} by hand (paasdeck never overwrites a file it cannot parse)",
                s.path.display()
            )));
        }
    }
    Ok(s)
}

/// Read-modify-write under the context lock; nothing is written when `f` fails.
pub fn update<R>(cd: &ContextDir, f: impl FnOnce(&mut Settings) -> Result<R>) -> Result<R> {
    let lock = cd.lock()?;
    update_locked(&lock, cd, f)
}

/// [`update`] for a caller that already holds the context lock.
pub fn update_locked<R>(
    _lock: &fsio::StateLock,
    cd: &ContextDir,
    f: impl FnOnce(&mut Settings) -> Result<R>,
) -> Result<R> {
    let mut s = load(cd)?;
    let out = f(&mut s)?;
    fsio::write_doc(&s.path, &s.to_value())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use serde_json::json;

    fn ctx() -> (tempfile::TempDir, ContextDir) {
        let dir = tempfile::tempdir().unwrap();
        let root = StateRoot::at(dir.path().join("paas"));
        let cd = root.context("stage").unwrap();
        fsio::ensure_dir(cd.dir()).unwrap();
        (dir, cd)
    }

    #[test]
    fn unknown_keys_survive_in_order() {
        let (_d, cd) = ctx();
        std::fs::write(
            path(&cd),
            r#"{"zeta": 1, "stage": null, "alpha": {"x": [1, 2]}, "read_only": true}"#,
        )
        .unwrap();
        let stage = StageConfig::from_value(&crate::state::stage::tests_sample()).unwrap();
        update(&cd, |s| {
            s.set_stage(&stage);
            s.set("color", json!("cyan"));
            Ok(())
        })
        .unwrap();
        let s = load(&cd).unwrap();
        assert_eq!(
            s.keys().map(String::as_str).collect::<Vec<_>>(),
            ["zeta", "stage", "alpha", "read_only", "color"]
        );
        assert_eq!(s.get("alpha"), Some(&json!({"x": [1, 2]})));
        assert_eq!(s.stage().unwrap(), Some(stage));
        let mut s = s;
        s.remove("zeta");
        assert_eq!(s.keys().next().map(String::as_str), Some("stage"));
    }

    #[test]
    fn bad_files_fail_naming_file_and_field() {
        let (_d, cd) = ctx();
        assert_eq!(load(&cd).unwrap().stage().unwrap(), None);
        std::fs::write(path(&cd), "[1]").unwrap();
        assert_eq!(load(&cd).unwrap_err().code, ErrorCode::StateCorrupt);
        let mut v = crate::state::stage::tests_sample();
        v["components"][0]["ip"] = json!("192.168.1.4");
        std::fs::write(path(&cd), json!({ "stage": v }).to_string()).unwrap();
        let e = load(&cd).unwrap().stage().unwrap_err();
        assert_eq!(e.code, ErrorCode::StateCorrupt);
        assert!(
            e.message
                .contains("paasdeck.json: stage.components[0].ip: 192.168.1.4 lies outside"),
            "{}",
            e.message
        );
        v["project"] = json!("default");
        std::fs::write(path(&cd), json!({ "stage": v }).to_string()).unwrap();
        let e = load(&cd).unwrap().stage().unwrap_err();
        assert_eq!(e.code, ErrorCode::ContextGuard);
        // A failing update writes nothing.
        let before = std::fs::read(path(&cd)).unwrap();
        let r: Result<()> = update(&cd, |s| {
            s.set("x", json!(1));
            Err(PaasError::usage("t", "no"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(path(&cd)).unwrap(), before);
    }
}
