//! Where private state lives: its permissions (si's ingress artifacts excepted, as
//! information), and the plaintext `.env` files si left in release bundles.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{Check, fail, pass, summarise};
use crate::state::paths::{ContextDir, StateRoot};

/// Files `si paas target ingress-baseline` renders with modes 0755/0644 on purpose: Traefik
/// configuration, no secrets (its `acme.json` is not among them: it holds certificate keys).
const INGRESS_FILES: &[&str] = &[
    "docker-compose.traefik.yaml",
    "traefik.yaml",
    "dynamic.yaml",
    "README.md",
];

/// Whether `rel` (relative to the context dir) is si's ingress artifact tree: `targets`,
/// `targets/<t>`, `targets/<t>/ingress`, `targets/<t>/ingress/traefik` and the rendered files
/// in it.
fn is_ingress_artifact(rel: &Path, is_dir: bool) -> bool {
    let parts: Vec<&str> = rel
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    match parts.as_slice() {
        ["targets"] | ["targets", _] => is_dir,
        ["targets", _, "ingress"] | ["targets", _, "ingress", "traefik"] => is_dir,
        ["targets", _, "ingress", "traefik", f] => !is_dir && INGRESS_FILES.contains(f),
        _ => false,
    }
}

/// Private state is 0700/0600: the root's own files, and everything in the context (vault,
/// config, targets, deployments, events, bundles, locks) except si's ingress artifacts, which
/// are reported as information. A failure names each path and the `chmod` that fixes it.
pub(super) fn state_permissions(root: &StateRoot, cd: &ContextDir) -> Check {
    const NAME: &str = "state_permissions";
    let mut bad = Vec::new();
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    let mut ingress = BTreeSet::new();
    let mut inspect = |path: &Path, meta: &std::fs::Metadata| {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let want = if meta.is_dir() { "700" } else { "600" };
            bad.push(format!(
                "{} is {mode:04o} (want 0{want}): chmod {want} {}",
                path.display(),
                shell_word(path)
            ));
            if meta.is_dir() {
                dirs.push(shell_word(path));
            } else {
                files.push(shell_word(path));
            }
        }
    };
    if let Ok(meta) = std::fs::symlink_metadata(root.path()) {
        inspect(root.path(), &meta);
    }
    for p in [
        root.current_context_file(),
        root.known_hosts(),
        root.contexts_dir(),
    ] {
        if let Ok(meta) = std::fs::symlink_metadata(&p) {
            inspect(&p, &meta);
        }
    }
    for entry in walkdir::WalkDir::new(cd.dir()).follow_links(false) {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_symlink() {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(cd.dir())
            && is_ingress_artifact(rel, entry.file_type().is_dir())
        {
            if rel.components().count() >= 4 {
                let dir = if entry.file_type().is_dir() {
                    rel.to_path_buf()
                } else {
                    rel.parent().map(Path::to_path_buf).unwrap_or_default()
                };
                ingress.insert(dir.display().to_string());
            }
            continue;
        }
        if let Ok(meta) = entry.metadata() {
            inspect(entry.path(), &meta);
        }
    }
    let info = if ingress.is_empty() {
        String::new()
    } else {
        format!(
            "; information: si ingress artifacts in {} are 0755/0644 by design (Traefik configuration, no secrets)",
            ingress.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    if bad.is_empty() {
        pass(
            NAME,
            format!("state directories are 0700 and files 0600{info}"),
        )
    } else {
        let mut fixes = Vec::new();
        if !dirs.is_empty() {
            fixes.push(format!("chmod 700 -- {}", dirs.join(" ")));
        }
        if !files.is_empty() {
            fixes.push(format!("chmod 600 -- {}", files.join(" ")));
        }
        fail(NAME, format!("{}{info}", summarise(bad))).with_fix(fixes.join(" && "))
    }
}

/// A path as one POSIX shell word, for a command the operator can paste.
fn shell_word(p: &Path) -> String {
    crate::text::shell_word(&p.display().to_string())
}

/// `si paas` kept each release's resolved variables in a plaintext `.env` inside the local
/// bundle (`DATABASE_URL=postgres://app:s3cr3t@…`); paasdeck never writes one, and none may
/// stay. Names the files and their variable names, never a value.
pub(super) fn bundle_plaintext_env(
    bundles: &[crate::state::releases::bundles::Bundle],
    fixer: &super::fix::Fixer,
) -> Check {
    const NAME: &str = "bundle_plaintext_env";
    let found = crate::state::releases::bundles::env_files(bundles);
    if found.is_empty() {
        return pass(NAME, "no release bundle holds a .env file");
    }
    let files = summarise(found.iter().map(|f| {
        format!(
            "{} ({} variable(s): {})",
            f.path.display(),
            f.keys.len(),
            f.keys.join(", ")
        )
    }));
    fail(
        NAME,
        format!(
            "{} release bundle(s) keep plaintext values in a .env file: {files}; `{scrub}` removes them (the values belong in the vault: `{list}` shows what it holds)",
            found.len(),
            scrub = fixer.paasdeck("context scrub-bundles --apply"),
            list = fixer.paasdeck("secret list --app APP"),
        ),
    )
    .with_fix(fixer.paasdeck("context scrub-bundles --apply"))
}
