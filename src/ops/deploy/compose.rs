//! A release's compose files: the manifest (`compose.files`, one `-f` per entry), the top-level
//! keys of each file's `services`, `volumes`, `networks`, `configs` and `secrets`, and `si
//! paas`'s additive merge rule: an add-on may add keys to those sections, never redefine one
//! that the base compose file or an earlier add-on already has.

use std::collections::{BTreeMap, BTreeSet};

use yaml_rust2::{Yaml, YamlLoader};

use std::path::Path;

use super::bundle::{self, AddonFile, COMPOSE_NAME, Magic};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::addons;
use crate::state::ids::AppName;
use crate::state::paths::ContextDir;

pub const SECTIONS: [&str; 5] = ["services", "volumes", "networks", "configs", "secrets"];

/// Keys per section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sections(BTreeMap<&'static str, BTreeSet<String>>);

impl Sections {
    pub fn keys(&self, section: &str) -> impl Iterator<Item = &String> {
        self.0.get(section).into_iter().flatten()
    }

    pub fn merge(&mut self, other: &Sections) {
        for (s, keys) in &other.0 {
            self.0.entry(s).or_default().extend(keys.iter().cloned());
        }
    }

    /// Refuses `fragment` when it names a key this set already has, as si does.
    pub fn check_additive(&self, fragment: &Sections, addon: &str, strategy: &str) -> Result<()> {
        for s in SECTIONS {
            if let Some(k) = fragment.keys(s).find(|k| self.keys(s).any(|m| m == *k)) {
                return Err(PaasError::usage(
                    "compose_resolve",
                    format!(
                        "addon {addon:?} merge conflict in section {s:?} for key {k:?} (merge strategy {strategy} forbids overriding existing keys)"
                    ),
                )
                .with_remediation(format!(
                    "rename the {s} entry in the compose file, or enable the add-on with another --name or --service"
                )));
            }
        }
        Ok(())
    }
}

/// Reads the section keys of a compose text (`file` names it in errors). A section that is
/// present must be a map.
pub fn sections(text: &str, file: &str) -> Result<Sections> {
    let invalid = |why: String| {
        PaasError::usage(
            "compose_resolve",
            format!("invalid compose YAML in {file}: {why}"),
        )
        .with_remediation("fix the file so that `docker compose config` accepts it")
    };
    let docs = YamlLoader::load_from_str(text).map_err(|e| invalid(e.to_string()))?;
    let mut out = Sections::default();
    let root = match docs.into_iter().next() {
        None | Some(Yaml::Null) => return Ok(out),
        Some(Yaml::Hash(h)) => h,
        Some(_) => return Err(invalid("the document is not a map".into())),
    };
    for s in SECTIONS {
        match root.get(&Yaml::String(s.to_string())) {
            None | Some(Yaml::Null) => {}
            Some(Yaml::Hash(h)) => {
                let keys = h
                    .keys()
                    .filter_map(|k| match k {
                        Yaml::String(s) => Some(s.trim().to_string()),
                        Yaml::Integer(i) => Some(i.to_string()),
                        Yaml::Real(r) => Some(r.clone()),
                        Yaml::Boolean(b) => Some(b.to_string()),
                        _ => None,
                    })
                    .filter(|k| !k.is_empty());
                out.0.entry(s).or_default().extend(keys);
            }
            Some(_) => return Err(invalid(format!("section {s:?} must be a map"))),
        }
    }
    Ok(out)
}

/// The app's add-ons as bundle files, as si prepares them: sorted by name, magic variables
/// resolved, each checked against the base compose file and the add-ons before it.
pub fn prepare_addons(
    cd: &ContextDir,
    app: &AppName,
    base: &str,
    base_file: &str,
    magic: &Magic,
) -> Result<Vec<AddonFile>> {
    let records = addons::load(cd)?.for_app(app);
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut seen = sections(base, base_file)?;
    let mut out = Vec::new();
    for r in records {
        let name = r.bundle_file();
        let raw = addons::read_fragment(cd, app, &r)?;
        let resolved = bundle::resolve_magic(&raw, magic, &name)?;
        bundle::secret_guardrail(&resolved, &name)?;
        let s = sections(&resolved, &name)?;
        seen.check_additive(&s, &r.name, r.merge_strategy())?;
        seen.merge(&s);
        out.push(AddonFile {
            name,
            content: resolved,
        });
    }
    Ok(out)
}

pub const MANIFEST_NAME: &str = "compose.files";

/// Reads a bundle's `compose.files` as si does: blank lines skipped, duplicates dropped,
/// `compose.yaml` first; a missing manifest means `compose.yaml` alone. An entry that is not a
/// plain file name of the bundle (a path, `..`, a control character) or a listed file that is
/// missing is refused.
pub fn read_manifest(dir: &Path) -> Result<Vec<String>> {
    let path = dir.join(MANIFEST_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![COMPOSE_NAME.into()]),
        Err(e) => return Err(PaasError::io("bundle_manifest", &path, &e)),
    };
    let bad = |line: usize, why: &str| {
        PaasError::new(
            ErrorCode::BundleCreateFailed,
            "bundle_manifest",
            format!("{}:{line}: {why}", path.display()),
        )
        .with_remediation(format!(
            "repair {} (one compose file name of the bundle per line)",
            path.display()
        ))
    };
    let mut files: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let item = line.trim();
        if item.is_empty() || item == "." {
            continue;
        }
        if item.contains('/')
            || item.contains('\\')
            || item == ".."
            || item.starts_with('-')
            || item.chars().any(char::is_control)
        {
            return Err(bad(
                i + 1,
                "an entry is not a plain file name of the bundle",
            ));
        }
        if !dir.join(item).is_file() {
            return Err(bad(
                i + 1,
                &format!(
                    "it lists {}, which the bundle does not hold",
                    crate::text::sanitize_inline(item)
                ),
            ));
        }
        if !files.iter().any(|f| f == item) {
            files.push(item.to_string());
        }
    }
    if let Some(i) = files.iter().position(|f| f == COMPOSE_NAME) {
        let base = files.remove(i);
        files.insert(0, base);
    } else {
        files.insert(0, COMPOSE_NAME.into());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_merge_as_si() {
        let base = sections(
            "services:\n  web:\n    image: x\n  postgres-db:\n    image: y\nvolumes:\n  data: {}\n",
            "compose.yaml",
        )
        .unwrap();
        let frag = sections(
            "# c\nservices:\n  postgres-db:\n    image: postgres:16\nvolumes:\n  postgres-db-data: {}\n",
            "f",
        )
        .unwrap();
        let e = base
            .check_additive(&frag, "db", "additive_no_override")
            .unwrap_err();
        assert!(
            e.message.contains(
                "addon \"db\" merge conflict in section \"services\" for key \"postgres-db\""
            ),
            "{}",
            e.message
        );
        let other = sections("services:\n  cache:\n    image: r\n", "f").unwrap();
        base.check_additive(&other, "c", "additive_no_override")
            .unwrap();
        assert!(sections("services: [a, b]\n", "c.yaml").is_err());
        assert!(sections("services:\n  a: [\n", "c.yaml").is_err());
        assert_eq!(sections("", "c").unwrap(), Sections::default());
    }
}
