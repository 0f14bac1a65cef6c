//! The local release bundle: the compose file with the `si paas` magic variables resolved,
//! `compose.files`, and `release.json` with `compose_sha256`. Never a `.env`: secrets are read
//! from the vault at apply time and streamed to the target.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::detect;
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::releases;
use crate::state::vault::identity::Lazy;
use crate::state::vault::{SecretScope, Vault};

pub use super::vars::{VarRef, missing_vars, referenced_vars, required_vars, var_refs};
use crate::state::{clock, fsio};

pub const COMPOSE_NAME: &str = "compose.yaml";

/// `rel-YYYYMMDDTHHMMSS-NNNNNNNNN` in UTC, now.
pub fn new_release_id() -> ReleaseId {
    let t = clock::now();
    ReleaseId::at(t, t.nanosecond())
}

/// The release id of a moment, with `n` as the nine-digit suffix.
pub fn release_id_at(t: time::OffsetDateTime, n: u32) -> ReleaseId {
    ReleaseId::at(t, n)
}

/// The values of the magic variables for one deploy.
#[derive(Debug, Clone)]
pub struct Magic {
    pub app: String,
    pub context: String,
    pub release: String,
    pub targets: Vec<String>,
    pub strategy: String,
    pub timestamp: String,
}

impl Magic {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut targets = self.targets.clone();
        targets.sort();
        vec![
            ("APP", self.app.clone()),
            ("CONTEXT", self.context.clone()),
            ("RELEASE", self.release.clone()),
            ("TARGETS", targets.join(",")),
            ("STRATEGY", self.strategy.clone()),
            ("TIMESTAMP", self.timestamp.clone()),
        ]
    }
}

/// Substitutes `${SI_PAAS_X}` and `{{paas.x}}` (spaces inside the braces allowed); any other
/// `{{ paas.* }}` placeholder is an error.
pub fn resolve_magic(text: &str, m: &Magic, file: &str) -> Result<String> {
    let mut out = text.to_string();
    for (name, value) in m.pairs() {
        out = out.replace(&format!("${{SI_PAAS_{name}}}"), &value);
    }
    // {{ paas.name }} with optional spaces.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let inner = rest[start + 2..start + end].trim();
        result.push_str(&rest[..start]);
        match inner.strip_prefix("paas.") {
            Some(key) => {
                let value = m
                    .pairs()
                    .into_iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v);
                match value {
                    Some(v) => result.push_str(&v),
                    None => {
                        let line = out[..out.len() - rest.len() + start].lines().count().max(1);
                        return Err(PaasError::usage(
                            "compose_resolve",
                            format!("unresolved magic variable placeholder {{{{{inner}}}}} in {file}:{line}"),
                        )
                        .with_remediation(
                            "use one of paas.app, paas.context, paas.release, paas.targets, paas.strategy, paas.timestamp",
                        ));
                    }
                }
            }
            None => result.push_str(&rest[start..start + end + 2]),
        }
        rest = &rest[start + end + 2..];
    }
    result.push_str(rest);
    Ok(result)
}

/// Refuses a compose file that assigns literal values to secret-like keys. The error lists
/// `file:line (KEY=<redacted>)`, never a value.
pub fn secret_guardrail(text: &str, file: &str) -> Result<()> {
    let findings = detect::plaintext_assignments(text);
    if findings.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = findings.iter().map(|f| f.describe(file)).collect();
    Err(PaasError::new(
        ErrorCode::PrecheckPlaintextSecrets,
        "precheck",
        format!(
            "the compose file holds plaintext secret values: {}",
            list.join(", ")
        ),
    )
    .with_remediation(
        "reference the value as ${NAME} and store it with `paasdeck --context CTX secret set --app APP --name NAME`",
    ))
}

/// The values for the referenced names from the vault, decrypted in memory: a target-specific
/// value wins over the `TARGET_GLOBAL` one. Unset names are left out; a value that cannot be
/// decrypted is an error naming its key.
pub fn env_values(
    vault: &Vault,
    ids: &mut Lazy,
    context: &str,
    namespace: &str,
    app: &str,
    target: &str,
    names: &BTreeSet<String>,
) -> Result<Vec<(String, String)>> {
    let scope = |t: &str| SecretScope {
        context: context.to_string(),
        namespace: namespace.to_string(),
        app: app.to_string(),
        target: t.to_string(),
    };
    let mut out = Vec::new();
    for n in names {
        let own = scope(target).key(n);
        let key = if vault.contains(&own) {
            own
        } else {
            scope("").key(n)
        };
        if let Some(v) = vault.reveal(&key, ids)? {
            out.push((n.clone(), v));
        }
    }
    Ok(out)
}

/// A compose `.env` file: single-quoted (literal) values, or double-quoted with escapes when
/// the value holds a single quote (`$` doubled so compose does not interpolate it).
pub fn render_env(values: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in values {
        out.push_str(k);
        out.push('=');
        if !v.contains('\'') {
            out.push('\'');
            out.push_str(v);
            out.push('\'');
        } else {
            out.push('"');
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    '$' => out.push_str("$$"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('\n');
    }
    out
}

/// A bundle on disk.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub release: String,
    pub dir: PathBuf,
    /// The base compose file (`compose.yaml`), resolved.
    pub compose: String,
    pub sha256: String,
    /// The files uploaded to a target: every compose file of the manifest, `compose.files`
    /// and `release.json` (never a `.env`).
    pub files: Vec<String>,
    /// The manifest (`compose.files`): one `-f` per entry, `compose.yaml` first, then each
    /// add-on's `compose.addon.<name>.yaml`.
    pub compose_files: Vec<String>,
    /// The add-on files' texts, for the variables they reference.
    pub addon_texts: Vec<String>,
}

/// An add-on fragment on its way into a bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonFile {
    pub name: String,
    pub content: String,
}

pub use super::compose::{MANIFEST_NAME, read_manifest};

impl Bundle {
    /// Every variable the manifest's compose files need a value for (no default).
    pub fn required_vars(&self) -> BTreeSet<String> {
        let mut out = required_vars(&self.compose);
        for t in &self.addon_texts {
            out.extend(required_vars(t));
        }
        out
    }

    /// Every variable the manifest's compose files reference.
    pub fn referenced_vars(&self) -> BTreeSet<String> {
        let mut out = referenced_vars(&self.compose);
        for t in &self.addon_texts {
            out.extend(referenced_vars(t));
        }
        out
    }

    /// The files uploaded to the target, with their content.
    pub fn contents(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for f in &self.files {
            let p = self.dir.join(f);
            let bytes = std::fs::read(&p).map_err(|e| {
                PaasError::new(
                    ErrorCode::BundleCreateFailed,
                    "bundle_discover",
                    format!("cannot read {}: {e}", p.display()),
                )
            })?;
            out.push((f.clone(), bytes));
        }
        Ok(out)
    }
}

/// Where a release's bundle lies; both parts are validated ids, so it stays under the context.
pub fn bundle_dir(cd: &ContextDir, app: &AppName, release: &ReleaseId) -> PathBuf {
    cd.releases_dir()
        .join(app.key().as_str())
        .join(release.as_str())
}

/// Writes `compose.yaml`, each add-on's `compose.addon.<name>.yaml`, `compose.files` and
/// `release.json` for a release.
pub fn create(
    cd: &ContextDir,
    source: &Path,
    resolved: &str,
    addons: &[AddonFile],
    magic: &Magic,
    strategy: &str,
) -> Result<Bundle> {
    let fail = |e: PaasError| PaasError {
        code: ErrorCode::BundleCreateFailed,
        stage: "bundle_create".into(),
        ..e
    };
    let app = AppName::parse(magic.app.as_str()).map_err(fail)?;
    let release = ReleaseId::parse(magic.release.as_str()).map_err(fail)?;
    let dir = bundle_dir(cd, &app, &release);
    let sha256 = hex(&Sha256::digest(resolved.as_bytes()));
    fsio::write_bytes_atomic(&dir.join(COMPOSE_NAME), resolved.as_bytes()).map_err(fail)?;
    let mut compose_files = vec![COMPOSE_NAME.to_string()];
    for a in addons {
        fsio::write_bytes_atomic(&dir.join(&a.name), a.content.as_bytes()).map_err(fail)?;
        compose_files.push(a.name.clone());
    }
    fsio::write_bytes_atomic(
        &dir.join(MANIFEST_NAME),
        format!("{}\n", compose_files.join("\n")).as_bytes(),
    )
    .map_err(fail)?;
    let meta = json!({
        "schema_version": 1,
        "release_id": magic.release,
        "created_at": clock::now_doc(),
        "context": magic.context,
        "app": magic.app,
        "compose_file": source.display().to_string(),
        "compose_sha256": sha256,
        "strategy": strategy,
        "targets": magic.targets,
        "guardrails": {
            "compose_secret_guardrail": "ok",
            "compose_secret_findings": "0",
            "magic_variable_resolution": "validated",
            "addon_merge_validation": "validated",
            "addon_fragments": addons.len().to_string(),
        }
    });
    fsio::write_json_atomic(&dir.join("release.json"), &meta).map_err(fail)?;
    let mut files = compose_files.clone();
    files.push(MANIFEST_NAME.into());
    files.push("release.json".into());
    Ok(Bundle {
        release: magic.release.clone(),
        dir,
        compose: resolved.to_string(),
        sha256,
        files,
        compose_files,
        addon_texts: addons.iter().map(|a| a.content.clone()).collect(),
    })
}

/// The compose files a release runs with: its bundle's manifest when the bundle is here, else
/// `compose.yaml` alone.
pub fn compose_files(cd: &ContextDir, app: &AppName, release: &ReleaseId) -> Vec<String> {
    load(cd, app, release)
        .map(|b| b.compose_files)
        .unwrap_or_else(|_| vec![COMPOSE_NAME.to_string()])
}

/// An existing bundle (for rollback): it must hold `compose.yaml` and a `release.json` made for
/// this release, app and context (anything else in it is `PAAS_STATE_CORRUPT`).
pub fn load(cd: &ContextDir, app: &AppName, release: &ReleaseId) -> Result<Bundle> {
    let dir = bundle_dir(cd, app, release);
    let meta = releases::load_meta(cd, app, release, &dir.join("release.json"))?;
    let compose = std::fs::read_to_string(dir.join(COMPOSE_NAME));
    match (compose, meta) {
        (Ok(compose), Some(meta)) => {
            let compose_files = read_manifest(&dir)?;
            let mut addon_texts = Vec::new();
            for f in compose_files.iter().skip(1) {
                let p = dir.join(f);
                addon_texts.push(std::fs::read_to_string(&p).map_err(|e| {
                    PaasError::io("bundle_manifest", &p, &e)
                })?);
            }
            let mut files = compose_files.clone();
            if dir.join(MANIFEST_NAME).exists() {
                files.push(MANIFEST_NAME.into());
            }
            files.push("release.json".into());
            Ok(Bundle {
                release: release.to_string(),
                sha256: meta.compose_sha256,
                dir,
                compose,
                files,
                compose_files,
                addon_texts,
            })
        }
        _ => Err(PaasError::new(
            ErrorCode::RollbackBundleNotFound,
            "rollback_bundle_resolve",
            format!(
                "release {release} of app {app} has no local bundle ({} with compose.yaml and release.json)",
                dir.display()
            ),
        )
        .with_remediation("roll back to a release deployed from this machine (`app status APP` lists them)")),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn magic() -> Magic {
        Magic {
            app: "api".into(),
            context: "prod".into(),
            release: "rel-1".into(),
            targets: vec!["b".into(), "a".into()],
            strategy: "serial".into(),
            timestamp: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn magic_variables_in_both_spellings() {
        let t = "image: x:{{paas.release}}\nlabels: [{{ paas.app }}, ${SI_PAAS_CONTEXT}, ${SI_PAAS_TARGETS}]\nenv: ${DB_URL}\n";
        let r = resolve_magic(t, &magic(), "compose.yaml").unwrap();
        assert_eq!(
            r,
            "image: x:rel-1\nlabels: [api, prod, a,b]\nenv: ${DB_URL}\n"
        );
        let e = resolve_magic("a\nb: {{ paas.unknown }}\n", &magic(), "compose.yaml").unwrap_err();
        assert!(e.message.contains("compose.yaml:2"), "{}", e.message);
        assert!(resolve_magic("go: {{ .Tmpl }}", &magic(), "c").is_ok());
    }

    #[test]
    fn references_and_env_rendering() {
        let t = "a: ${DB_URL}\nb: ${TOKEN:-x}\nc: $${LITERAL}\nd: ${SI_PAAS_APP}\ne: ${1BAD}\n";
        let names: Vec<String> = referenced_vars(t).into_iter().collect();
        assert_eq!(names, vec!["DB_URL", "TOKEN"]);

        let env = render_env(&[
            ("A".into(), "plain $x".into()),
            ("B".into(), "it's \"q\" $y".into()),
        ]);
        assert_eq!(env, "A='plain $x'\nB=\"it's \\\"q\\\" $$y\"\n");
    }

    #[test]
    fn target_values_win_over_global() {
        use crate::state::vault::identity::{OperatorIdentity, Source};
        let id = age::x25519::Identity::generate();
        let r = [id.to_public()];
        let dir = tempfile::tempdir().unwrap();
        let mut v = Vault::empty(&dir.path().join("secrets.env"));
        let s = |t: &str| SecretScope {
            context: "prod".into(),
            namespace: String::new(),
            app: "api".into(),
            target: t.into(),
        };
        v.seal(&s("").key("DB_URL"), "global", &r).unwrap();
        v.seal(&s("edge-a").key("DB_URL"), "edge-a-only", &r)
            .unwrap();
        v.seal(&s("").key("UNUSED"), "x", &r).unwrap();
        let names: BTreeSet<String> = ["DB_URL".to_string(), "MISSING".to_string()].into();
        let mut ids = Lazy::with(OperatorIdentity {
            identity: id,
            source: Source::Env,
        });
        assert_eq!(
            env_values(&v, &mut ids, "prod", "", "api", "edge-a", &names).unwrap(),
            vec![("DB_URL".into(), "edge-a-only".into())]
        );
        assert_eq!(
            env_values(&v, &mut ids, "prod", "", "api", "edge-b", &names).unwrap(),
            vec![("DB_URL".into(), "global".into())]
        );
        let mut stranger = Lazy::with(OperatorIdentity {
            identity: age::x25519::Identity::generate(),
            source: Source::Env,
        });
        let e = env_values(&v, &mut stranger, "prod", "", "api", "edge-b", &names).unwrap_err();
        assert!(e.message.contains(&s("").key("DB_URL")), "{}", e.message);
    }

    #[test]
    fn guardrail_names_lines_never_values() {
        let e = secret_guardrail("x: 1\n  - DB_PASSWORD=hunter2\n", "compose.yaml").unwrap_err();
        assert_eq!(e.code, ErrorCode::PrecheckPlaintextSecrets);
        assert!(
            e.message
                .contains("compose.yaml:2 (DB_PASSWORD=<redacted>)")
        );
        assert!(!e.message.contains("hunter2"));
    }
}
