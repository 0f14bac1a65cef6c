//! The operator's age identity (SPEC §13), looked up in order: `SI_VAULT_IDENTITY`,
//! `SI_VAULT_IDENTITY_FILE`, the `si-vault`/`age-identity` keyring entry through `secret-tool`,
//! `identity.txt` in paasdeck's config dir. A key file must be a regular 0600 file outside the
//! state root; a found but unusable identity is an error, never a reason to make a new one.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use age::x25519::{Identity, Recipient};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::{absolute, canonical_lenient};
use crate::state::{clock, fsio};

pub const IDENTITY_ENV: &str = "SI_VAULT_IDENTITY";
pub const IDENTITY_FILE_ENV: &str = "SI_VAULT_IDENTITY_FILE";
pub const KEYRING_SERVICE: &str = "si-vault";
pub const KEYRING_ACCOUNT: &str = "age-identity";
/// A keyring that waits for an unlock prompt nobody answers must not hang a deploy.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the identity came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Env,
    EnvFile(PathBuf),
    Keyring,
    ConfigFile(PathBuf),
}

impl Source {
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Env => "env",
            Source::EnvFile(_) => "env_file",
            Source::Keyring => "keyring",
            Source::ConfigFile(_) => "config_file",
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::EnvFile(p) | Source::ConfigFile(p) => Some(p),
            Source::Env | Source::Keyring => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Source::Env => format!("${IDENTITY_ENV}"),
            Source::EnvFile(p) => format!("{} (${IDENTITY_FILE_ENV})", p.display()),
            Source::Keyring => format!("keyring entry {KEYRING_SERVICE}/{KEYRING_ACCOUNT}"),
            Source::ConfigFile(p) => p.display().to_string(),
        }
    }
}

/// The operator's identity and where it was found. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct OperatorIdentity {
    pub identity: Identity,
    pub source: Source,
}

impl std::fmt::Debug for OperatorIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorIdentity")
            .field("recipient", &self.recipient())
            .field("source", &self.source)
            .finish()
    }
}

impl OperatorIdentity {
    pub fn recipient(&self) -> Recipient {
        self.identity.to_public()
    }
}

/// The outcome of the lookup.
enum Lookup {
    Found(OperatorIdentity),
    /// Nothing found; `create_at` is where `vault keygen` would put one.
    Missing {
        why: String,
        create_at: Option<(PathBuf, Source)>,
    },
}

fn identity_error(message: impl Into<String>) -> PaasError {
    PaasError::new(ErrorCode::VaultIdentity, "vault_identity", message)
}

/// `identity.txt` in paasdeck's platform config dir.
pub fn default_file() -> Option<PathBuf> {
    crate::dirs::AppDirs::discover().map(|d| d.config_dir.join("identity.txt"))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn lookup(state_root: &Path) -> Result<Lookup> {
    if let Some(v) = env(IDENTITY_ENV) {
        let identity = Identity::from_str(v.trim()).map_err(|_| {
            identity_error(format!(
                "${IDENTITY_ENV} does not hold an age X25519 identity (AGE-SECRET-KEY-1…)"
            ))
            .with_remediation(format!("set {IDENTITY_ENV} to your identity, or unset it"))
        })?;
        return Ok(Lookup::Found(OperatorIdentity {
            identity,
            source: Source::Env,
        }));
    }
    if let Some(p) = env(IDENTITY_FILE_ENV) {
        let path = absolute(Path::new(p.trim()));
        let source = Source::EnvFile(path.clone());
        return from_file(&path, source, state_root);
    }
    if let Some(identity) = keyring_lookup()? {
        return Ok(Lookup::Found(OperatorIdentity {
            identity,
            source: Source::Keyring,
        }));
    }
    match default_file() {
        Some(path) => from_file(&path, Source::ConfigFile(path.clone()), state_root),
        None => Ok(Lookup::Missing {
            why: "no vault identity: none in the environment or the keyring, and no config directory to look in".into(),
            create_at: None,
        }),
    }
}

/// Refuses a key file inside the state root: it would travel with every copy of the state.
fn outside_root(path: &Path, state_root: &Path) -> Result<()> {
    if canonical_lenient(path).starts_with(canonical_lenient(state_root)) {
        return Err(identity_error(format!(
            "the identity file {} lies inside the state root {}",
            path.display(),
            state_root.display()
        ))
        .with_remediation(format!(
            "move it out of the state root and point ${IDENTITY_FILE_ENV} at it"
        )));
    }
    Ok(())
}

fn from_file(path: &Path, source: Source, state_root: &Path) -> Result<Lookup> {
    outside_root(path, state_root)?;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Lookup::Missing {
                why: format!("no vault identity: {} does not exist", source.describe()),
                create_at: Some((path.to_path_buf(), source)),
            });
        }
        Err(e) => return Err(PaasError::io("vault_identity", path, &e)),
    };
    if meta.file_type().is_symlink() {
        return Err(identity_error(format!(
            "the identity file {} is a symlink; it must be a regular file",
            path.display()
        ))
        .with_remediation("replace the link with the file it points to (mode 0600)"));
    }
    if !meta.is_file() {
        return Err(identity_error(format!(
            "the identity file {} is not a regular file",
            path.display()
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(identity_error(format!(
            "the identity file {} is {mode:04o}: group or others can read it (want 0600)",
            path.display()
        ))
        .with_remediation(format!("chmod 600 {}", path.display())));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| PaasError::io("vault_identity", path, &e))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"));
    let identity = line
        .and_then(|l| Identity::from_str(l).ok())
        .ok_or_else(|| {
            identity_error(format!(
                "the identity file {} holds no valid age X25519 identity (AGE-SECRET-KEY-1…)",
                path.display()
            ))
            .with_remediation(
                "restore the file from your backup; paasdeck never replaces an identity",
            )
        })?;
    Ok(Lookup::Found(OperatorIdentity { identity, source }))
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The keyring entry si uses, through `secret-tool` when it is installed. Exit status 1 or no
/// output means "not there"; a keyring that cannot be reached is logged and skipped.
fn keyring_lookup() -> Result<Option<Identity>> {
    let Some(tool) = find_on_path("secret-tool") else {
        return Ok(None);
    };
    let spawned = Command::new(&tool)
        .args([
            "lookup",
            "service",
            KEYRING_SERVICE,
            "account",
            KEYRING_ACCOUNT,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("secret-tool could not start: {e}");
            return Ok(None);
        }
    };
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() < KEYRING_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                tracing::warn!("secret-tool lookup timed out; skipping the keyring");
                return Ok(None);
            }
        }
    };
    let mut out = String::new();
    if let Some(mut so) = child.stdout.take() {
        let _ = so.read_to_string(&mut out);
    }
    if !status.success() {
        if status.code() != Some(1) {
            tracing::warn!("secret-tool lookup failed ({status}); skipping the keyring");
        }
        return Ok(None);
    }
    let secret = out.trim();
    if secret.is_empty() {
        return Ok(None);
    }
    Identity::from_str(secret).map(Some).map_err(|_| {
        identity_error(format!(
            "the keyring entry {KEYRING_SERVICE}/{KEYRING_ACCOUNT} does not hold an age X25519 identity"
        ))
        .with_remediation("fix the keyring entry with `secret-tool`; paasdeck never replaces an identity")
    })
}

/// The operator's identity, or `None` when there is none anywhere.
pub fn find(state_root: &Path) -> Result<Option<OperatorIdentity>> {
    Ok(match lookup(state_root)? {
        Lookup::Found(id) => Some(id),
        Lookup::Missing { .. } => None,
    })
}

/// The operator's identity, or an error saying how to make one.
pub fn require(state_root: &Path) -> Result<OperatorIdentity> {
    match lookup(state_root)? {
        Lookup::Found(id) => Ok(id),
        Lookup::Missing { why, .. } => Err(identity_error(why).with_remediation(
            "create one with `paasdeck vault keygen`, or set SI_VAULT_IDENTITY_FILE to your key file",
        )),
    }
}

/// Where `keygen` would create the identity when there is none yet; `None` when one exists or
/// none can be created where the lookup looks.
pub fn missing_at(state_root: &Path) -> Result<Option<PathBuf>> {
    Ok(match lookup(state_root)? {
        Lookup::Missing {
            create_at: Some((path, _)),
            ..
        } => Some(path),
        _ => None,
    })
}

/// Creates the identity where the lookup would find it, unless one exists. Returns it and
/// whether it was created; an existing identity is never replaced.
pub fn keygen(state_root: &Path) -> Result<(OperatorIdentity, bool)> {
    let (path, source) = match lookup(state_root)? {
        Lookup::Found(id) => return Ok((id, false)),
        Lookup::Missing {
            create_at: Some(at),
            ..
        } => at,
        Lookup::Missing { why, .. } => {
            return Err(identity_error(why).with_remediation(format!(
                "set {IDENTITY_FILE_ENV} to where the new identity should be written"
            )));
        }
    };
    let identity = Identity::generate();
    let text = format!(
        "# created: {}\n# public key: {}\n{}\n",
        clock::now_doc(),
        identity.to_public(),
        identity.to_string().expose_secret()
    );
    if !write_new(&path, text.as_bytes())? {
        // Someone else created it in the meantime: theirs stands.
        return require(state_root).map(|id| (id, false));
    }
    Ok((OperatorIdentity { identity, source }, true))
}

/// Writes a new 0600 file atomically, never replacing one that exists. `false` when it exists.
fn write_new(path: &Path, bytes: &[u8]) -> Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fsio::ensure_dir(dir)?;
    let io_err = |e: std::io::Error| PaasError::io("vault_keygen", path, &e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".paasdeck-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(fsio::FILE_MODE))
        .tempfile_in(dir)
        .map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_err(e.error)),
    }
}

pub use super::unlock::Lazy;

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file(dir: &Path, name: &str, mode: u32) -> (PathBuf, Identity) {
        let id = Identity::generate();
        let p = dir.join(name);
        let text = format!(
            "# created: x\n# public key: {}\n{}\n",
            id.to_public(),
            id.to_string().expose_secret()
        );
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        (p, id)
    }

    fn found(l: Lookup) -> OperatorIdentity {
        match l {
            Lookup::Found(id) => id,
            Lookup::Missing { why, .. } => panic!("missing: {why}"),
        }
    }

    #[test]
    fn a_private_key_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        let (p, id) = key_file(dir.path(), "id.txt", 0o600);
        let got = found(from_file(&p, Source::ConfigFile(p.clone()), &root).unwrap());
        assert_eq!(got.recipient(), id.to_public());
        assert!(!format!("{got:?}").contains("AGE-SECRET-KEY"));
    }

    #[test]
    fn group_or_world_readable_symlinked_or_in_root_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        for mode in [0o644, 0o640, 0o604] {
            let (p, _) = key_file(dir.path(), "open.txt", mode);
            let e = from_file(&p, Source::EnvFile(p.clone()), &root)
                .err()
                .unwrap();
            assert_eq!(e.code, ErrorCode::VaultIdentity);
            assert!(e.message.contains(&format!("{mode:04o}")), "{}", e.message);
            assert!(e.remediation.contains("chmod 600"), "{}", e.remediation);
            assert!(!e.message.contains("AGE-SECRET-KEY"));
        }
        let (target, _) = key_file(dir.path(), "real.txt", 0o600);
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = from_file(&link, Source::EnvFile(link.clone()), &root)
            .err()
            .unwrap();
        assert!(e.message.contains("symlink"), "{}", e.message);
        std::fs::create_dir_all(&root).unwrap();
        let (inside, _) = key_file(&root, "id.txt", 0o600);
        let e = from_file(&inside, Source::EnvFile(inside.clone()), &root)
            .err()
            .unwrap();
        assert!(e.message.contains("inside the state root"), "{}", e.message);
    }

    #[test]
    fn a_broken_key_file_is_an_error_never_a_missing_identity() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id.txt");
        std::fs::write(&p, "# nothing here\nAGE-SECRET-KEY-1NOTAKEY\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = from_file(
            &p,
            Source::ConfigFile(p.clone()),
            dir.path().join("s").as_path(),
        )
        .err()
        .unwrap();
        assert!(
            e.message.contains("no valid age X25519 identity"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("NOTAKEY"));
        let missing = dir.path().join("none.txt");
        assert!(matches!(
            from_file(
                &missing,
                Source::ConfigFile(missing.clone()),
                &dir.path().join("s")
            )
            .unwrap(),
            Lookup::Missing {
                create_at: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("id.txt");
        assert!(write_new(&p, b"first").unwrap());
        assert!(!write_new(&p, b"second").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file left behind");
    }
}
