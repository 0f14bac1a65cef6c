//! `si paas` add-ons (`addons.json` and the fragments under `addons/<app-key>/`): each record
//! names a pack (postgres, redis, ...) whose compose fragment is merged into every release of
//! the app as `compose.addon.<name>.yaml`. Fields and order are si's; every value is read like
//! input. A fragment is always read from this context's own `addons/` directory: the absolute
//! `fragment_path` si records is informational, as `vault_file` is.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::ids::{AddonName, AppName, ImageTag, ServiceName, empty_as_none};
use crate::state::names::sanitize_path_segment;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub const FILE_NAME: &str = "addons.json";
pub const MERGE_ADDITIVE: &str = "additive_no_override";

/// `{"apps": {"<app-key>": [record, ...]}}`, records sorted by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AddonsDoc {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub apps: BTreeMap<AppName, Vec<AddonRecord>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One enabled add-on, in si's field order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddonRecord {
    #[serde(default, with = "empty_as_none")]
    pub app: Option<AppName>,
    pub name: AddonName,
    pub pack: String,
    #[serde(default)]
    pub class: String,
    pub service: ServiceName,
    pub version: ImageTag,
    #[serde(default)]
    pub merge_strategy: String,
    #[serde(default)]
    pub fragment_path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AddonRecord {
    /// `additive_no_override` unless the record names another strategy.
    pub fn merge_strategy(&self) -> &str {
        let s = self.merge_strategy.trim();
        if s.is_empty() { MERGE_ADDITIVE } else { s }
    }

    /// The bundle file this add-on becomes: `compose.addon.<name>.yaml`.
    pub fn bundle_file(&self) -> String {
        format!("compose.addon.{}.yaml", sanitize_path_segment(&self.name))
    }
}

pub fn path(cd: &ContextDir) -> PathBuf {
    cd.dir().join(FILE_NAME)
}

/// Where an add-on's fragment lives in this context: `addons/<app-key>/<name-key>.compose.yaml`.
pub fn fragment_path(cd: &ContextDir, app: &AppName, name: &AddonName) -> PathBuf {
    cd.dir()
        .join("addons")
        .join(app.key().as_str())
        .join(format!("{}.compose.yaml", sanitize_path_segment(name)))
}

pub fn load(cd: &ContextDir) -> Result<AddonsDoc> {
    let doc: AddonsDoc = fsio::read_json(&path(cd))?.unwrap_or_default();
    for (key, rows) in &doc.apps {
        for (i, r) in rows.iter().enumerate() {
            if !r.vars.keys().all(|k| valid_var_name(k))
                || r.vars.values().any(|v| v.chars().any(char::is_control))
            {
                return Err(fsio::corrupt(
                    &path(cd),
                    1,
                    1,
                    &format!(
                        "field apps.{key}[{i}].vars: a key that is not a variable name or a value with a control character"
                    ),
                ));
            }
        }
    }
    Ok(doc)
}

fn valid_var_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl AddonsDoc {
    /// An app's add-ons, sorted by name (case-insensitively), as si merges them.
    pub fn for_app(&self, app: &AppName) -> Vec<AddonRecord> {
        let mut rows = self.apps.get(&app.key()).cloned().unwrap_or_default();
        rows.sort_by_key(|r| r.name.to_ascii_lowercase());
        rows
    }

    /// Every record with its app key, by app then name.
    pub fn all(&self) -> Vec<(AppName, AddonRecord)> {
        let mut out = Vec::new();
        for (key, rows) in &self.apps {
            let mut rows = rows.clone();
            rows.sort_by_key(|r| r.name.to_ascii_lowercase());
            out.extend(rows.into_iter().map(|r| (key.clone(), r)));
        }
        out
    }
}

/// Reads an add-on's fragment from this context's `addons/` directory.
pub fn read_fragment(cd: &ContextDir, app: &AppName, rec: &AddonRecord) -> Result<String> {
    let p = fragment_path(cd, app, &rec.name);
    std::fs::read_to_string(&p).map_err(|e| {
        PaasError::new(
            ErrorCode::BundleCreateFailed,
            "addon_fragment",
            format!("add-on {} of app {app}: cannot read its fragment {}: {e}", rec.name, p.display()),
        )
        .with_remediation(format!(
            "write it again with `paasdeck --context {} app addon enable --app {app} --pack {} --name {}`, or disable the add-on",
            cd.name(),
            rec.pack,
            rec.name
        ))
    })
}

/// Enables (or replaces, by name) an add-on: its fragment first, then the record, both under
/// the context lock.
pub fn enable(
    cd: &ContextDir,
    app: &AppName,
    mut rec: AddonRecord,
    fragment: &str,
) -> Result<AddonRecord> {
    let lock = cd.lock()?;
    let frag = fragment_path(cd, app, &rec.name);
    rec.app = Some(app.clone());
    rec.fragment_path = frag.display().to_string();
    rec.updated_at = clock::now_doc();
    fsio::write_bytes_atomic(&frag, fragment.as_bytes())?;
    fsio::update_doc(&lock, &path(cd), |doc: &mut AddonsDoc| {
        let rows = doc.apps.entry(app.key()).or_default();
        rows.retain(|r| !r.name.eq_ignore_ascii_case(&rec.name));
        rows.push(rec.clone());
        rows.sort_by_key(|r| r.name.to_ascii_lowercase());
        Ok(())
    })?;
    Ok(rec)
}

/// Disables an add-on: removes its record and its fragment. Returns the removed record.
pub fn disable(cd: &ContextDir, app: &AppName, name: &str) -> Result<Option<AddonRecord>> {
    let lock = cd.lock()?;
    let removed = fsio::update_doc(&lock, &path(cd), |doc: &mut AddonsDoc| {
        let key = app.key();
        let Some(rows) = doc.apps.get_mut(&key) else {
            return Ok(None);
        };
        let found = rows.iter().position(|r| r.name.eq_ignore_ascii_case(name));
        let removed = found.map(|i| rows.remove(i));
        if rows.is_empty() {
            doc.apps.remove(&key);
        }
        Ok(removed)
    })?;
    if let Some(r) = &removed {
        let frag = fragment_path(cd, app, &r.name);
        match std::fs::remove_file(&frag) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(PaasError::io("addon_disable", &frag, &e)),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_records_read_like_input() {
        let p = std::path::Path::new("/x/addons.json");
        let ok = r#"{"apps":{"shop":[{"app":"shop","name":"db","pack":"postgres","class":"db","service":"postgres-db","version":"16","merge_strategy":"additive_no_override","fragment_path":"/old/root/contexts/prod/addons/shop/db.compose.yaml","vars":{"POSTGRES_DB":"shop"},"updated_at":"2026-02-17T02:00:00Z"}]}}"#;
        let doc: AddonsDoc = fsio::parse_json(p, ok).unwrap();
        let app = AppName::parse("shop").unwrap();
        let rows = doc.for_app(&app);
        assert_eq!(rows[0].bundle_file(), "compose.addon.db.yaml");
        assert_eq!(rows[0].merge_strategy(), MERGE_ADDITIVE);
        // Written back in si's key order.
        let back = serde_json::to_string(&doc).unwrap();
        assert_eq!(back, ok);
        for bad in [
            r#"{"apps":{"../x":[]}}"#,
            r#"{"apps":{"shop":[{"name":"../db","pack":"postgres","service":"s","version":"16"}]}}"#,
            r#"{"apps":{"shop":[{"name":"db","pack":"postgres","service":"$(id)","version":"16"}]}}"#,
            r#"{"apps":{"shop":[{"name":"db","pack":"postgres","service":"s","version":"16 ; rm"}]}}"#,
        ] {
            let e = fsio::parse_json::<AddonsDoc>(p, bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::StateCorrupt, "{bad}");
        }
    }
}
