//! Where things live under the state root, and how the root itself is found.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::ids::ContextName;
use crate::state::{fsio, names};

pub const STATE_ROOT_ENV: &str = "SI_PAAS_STATE_ROOT";
pub use crate::state::names::DEFAULT_CONTEXT;

/// How the state root was chosen, for `info` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootSource {
    Flag,
    Env,
    Home,
}

impl RootSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RootSource::Flag => "--state-root",
            RootSource::Env => STATE_ROOT_ENV,
            RootSource::Home => "$HOME/.si/paas",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StateRoot {
    path: PathBuf,
    source: RootSource,
}

impl StateRoot {
    /// `--state-root` > `SI_PAAS_STATE_ROOT` > `$HOME/.si/paas`, made absolute.
    pub fn resolve(flag: Option<&Path>) -> Result<StateRoot> {
        let (raw, source) = if let Some(p) = flag.filter(|p| !p.as_os_str().is_empty()) {
            (p.to_path_buf(), RootSource::Flag)
        } else if let Some(p) = std::env::var_os(STATE_ROOT_ENV).filter(|v| !v.is_empty()) {
            (PathBuf::from(p), RootSource::Env)
        } else {
            let home = directories::BaseDirs::new()
                .map(|b| b.home_dir().to_path_buf())
                .ok_or_else(|| {
                    PaasError::new(
                        ErrorCode::InvalidArgument,
                        "state_root_resolve",
                        "cannot find the home directory to place the state root in",
                    )
                    .with_remediation("pass --state-root PATH or set SI_PAAS_STATE_ROOT")
                })?;
            (home.join(".si").join("paas"), RootSource::Home)
        };
        Ok(StateRoot {
            path: absolute(&raw),
            source,
        })
    }

    pub fn at(path: impl Into<PathBuf>) -> StateRoot {
        StateRoot {
            path: absolute(&path.into()),
            source: RootSource::Flag,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn source(&self) -> RootSource {
        self.source
    }

    pub fn contexts_dir(&self) -> PathBuf {
        self.path.join("contexts")
    }

    pub fn current_context_file(&self) -> PathBuf {
        self.path.join("current_context")
    }

    pub fn known_hosts(&self) -> PathBuf {
        match std::env::var_os("SI_PAAS_KNOWN_HOSTS_FILE").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => self.path.join("known_hosts"),
        }
    }

    /// The directory of a context. Refuses, whoever asks, a name that is not one safe path
    /// component, and a name outside the rule for new contexts unless that context already
    /// exists, so nothing can be written to `contexts/targets.json`, `contexts//...` or a new
    /// directory with a name only an old root may have.
    pub fn context(&self, name: &str) -> Result<ContextDir> {
        let parsed = ContextName::parse(name)?;
        if !parsed.is_strict() && !self.is_context_dir(name) {
            // Reports the rule for new names.
            names::validate_context(name)?;
        }
        Ok(ContextDir {
            dir: self.contexts_dir().join(parsed.as_str()),
            name: parsed,
        })
    }

    /// Only directories that hold a context are contexts: its `config.json`, or the `events/`
    /// a `si paas` root may have created from the audit log alone.
    fn is_context_dir(&self, name: &str) -> bool {
        let dir = self.contexts_dir().join(name);
        dir.is_dir() && (dir.join("config.json").is_file() || dir.join("events").is_dir())
    }

    pub fn ensure(&self) -> Result<()> {
        fsio::ensure_dir(&self.path)
    }

    /// The name stored by `context use`: `None` when nothing is stored, `PAAS_STATE_CORRUPT`
    /// naming the file and the repair when it holds something that is not a context name.
    pub fn stored_context(&self) -> Result<Option<ContextName>> {
        let path = self.current_context_file();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PaasError::io("state_read", &path, &e)),
        };
        let repair = |e: PaasError| {
            e.with_remediation(format!(
                "pass --context NAME, or repair {} with `paasdeck context use NAME` (`paasdeck context list` shows the names)",
                path.display()
            ))
        };
        let text = fsio::utf8(&path, &bytes).map_err(repair)?;
        let name = text.trim();
        if name.is_empty() {
            return Ok(None);
        }
        match ContextName::parse(name) {
            Ok(n) => Ok(Some(n)),
            Err(e) => Err(repair(fsio::corrupt(
                &path,
                1,
                1,
                &scrub_quoted(&e.message),
            ))),
        }
    }

    /// The stored name for display (`*` in `context list`, `previous` of `context use`): a
    /// damaged file reads as nothing stored, so it never stops a command that names its context.
    pub fn stored_context_hint(&self) -> Option<ContextName> {
        self.stored_context().ok().flatten()
    }

    /// The advisory lock of the root's own files (`current_context`). Taking it also removes
    /// the temp files that crashed writers left at the root.
    pub fn lock(&self) -> Result<fsio::StateLock> {
        self.ensure()?;
        let lock = fsio::StateLock::acquire(&self.path.join(".paasdeck.lock"))?;
        self.sweep_temp_files();
        Ok(lock)
    }

    /// Removes the temp files whose writer is gone at the root, and in a context directory that
    /// never became a context (a `context init` killed before it wrote anything else); returns
    /// them.
    pub fn sweep_temp_files(&self) -> Vec<PathBuf> {
        let mut removed = fsio::temp::sweep(&self.path, 1);
        if let Ok(rd) = fs::read_dir(self.contexts_dir()) {
            for e in rd.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                if e.file_type().is_ok_and(|t| t.is_dir()) && !self.is_context_dir(name) {
                    removed.extend(fsio::temp::sweep(&e.path(), 1));
                }
            }
        }
        removed
    }

    pub fn store_context(&self, name: &str) -> Result<()> {
        let cd = self.context(name)?;
        let _lock = self.lock()?;
        fsio::write_bytes_atomic(
            &self.current_context_file(),
            format!("{}\n", cd.name()).as_bytes(),
        )
    }

    /// Context names, sorted: directories whose name is one safe path component and that hold
    /// a context (see [`StateRoot::context`]). Anything else under `contexts/` is ignored.
    pub fn list_contexts(&self) -> Result<Vec<String>> {
        let dir = self.contexts_dir();
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(PaasError::io("state_read", &dir, &e)),
        };
        let mut out: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| names::validate_context_component(n).is_ok() && self.is_context_dir(n))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The stored file may hold anything, including a secret pasted by mistake: the message keeps
/// the reason and drops the quoted value.
fn scrub_quoted(msg: &str) -> String {
    match (msg.find('"'), msg.rfind('"')) {
        (Some(a), Some(b)) if b > a => format!("{}<value>{}", &msg[..=a], &msg[b..]),
        _ => msg.to_string(),
    }
}

/// The event files of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFile {
    Deployments,
    Alerts,
    Audit,
}

impl EventFile {
    pub const ALL: [EventFile; 3] = [EventFile::Deployments, EventFile::Alerts, EventFile::Audit];

    pub fn file_name(self) -> &'static str {
        match self {
            EventFile::Deployments => "deployments.jsonl",
            EventFile::Alerts => "alerts.jsonl",
            EventFile::Audit => "audit.jsonl",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContextDir {
    name: ContextName,
    dir: PathBuf,
}

impl ContextDir {
    pub fn name(&self) -> &str {
        self.name.as_str()
    }
    pub fn context_name(&self) -> &ContextName {
        &self.name
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The state root this context lives in (`<root>/contexts/<name>`).
    pub fn root_path(&self) -> &Path {
        self.dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"))
    }
    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    pub fn targets(&self) -> PathBuf {
        self.dir.join("targets.json")
    }
    pub fn apps(&self) -> PathBuf {
        self.dir.join("apps.json")
    }
    pub fn deployments(&self) -> PathBuf {
        self.dir.join("deployments.json")
    }
    pub fn backups(&self) -> PathBuf {
        self.dir.join("backups.json")
    }
    pub fn checks(&self) -> PathBuf {
        self.dir.join("checks.json")
    }
    pub fn events_dir(&self) -> PathBuf {
        self.dir.join("events")
    }
    pub fn event_file(&self, f: EventFile) -> PathBuf {
        self.events_dir().join(f.file_name())
    }
    /// The incident queue (`si paas`'s `events/incidents.jsonl`).
    pub fn incidents_file(&self) -> PathBuf {
        self.events_dir().join("incidents.jsonl")
    }
    /// Alert routing and channel settings (`alerts/policy.json`, `telegram.json`, `webhook.json`).
    pub fn alerts_dir(&self) -> PathBuf {
        self.dir.join("alerts")
    }
    /// si's webhook mappings (`webhooks/mappings.json`).
    pub fn webhook_mappings(&self) -> PathBuf {
        self.dir.join("webhooks").join("mappings.json")
    }
    pub fn releases_dir(&self) -> PathBuf {
        self.dir.join("releases")
    }
    pub fn default_vault(&self) -> PathBuf {
        self.dir.join("vault").join("secrets.env")
    }
    /// paasdeck's private working files for the context (caches such as the events
    /// checkpoint), which si never reads.
    pub fn private_dir(&self) -> PathBuf {
        self.dir.join("paasdeck")
    }
    pub fn locks_dir(&self) -> PathBuf {
        self.dir.join("locks")
    }
    /// The advisory lock every read-modify-write of this context's documents holds. Taking it
    /// also finishes a state restore that was interrupted after its commit point, and removes
    /// the temp files that crashed writers left in the context's directories.
    pub fn lock(&self) -> Result<fsio::StateLock> {
        let lock = fsio::StateLock::acquire(&self.locks_dir().join("state.lock"))?;
        super::restore_journal::finish_pending(&self.dir, self.name())?;
        self.sweep_temp_files();
        Ok(lock)
    }

    /// Finishes an interrupted state restore, if there is one (taking the lock only then).
    pub fn finish_interrupted_restore(&self) -> Result<()> {
        if self.dir.join(super::restore_journal::FILE).exists() {
            drop(self.lock()?);
        }
        Ok(())
    }

    /// How deep the context's state files lie (`releases/<app>/<release>/compose.yaml`).
    pub const STATE_DEPTH: usize = 4;

    /// Removes temp files under the context whose writer is gone; returns them.
    pub fn sweep_temp_files(&self) -> Vec<PathBuf> {
        fsio::temp::sweep(&self.dir, Self::STATE_DEPTH)
    }
}

/// Expands a leading `~/` with the home directory and makes the path absolute.
pub fn expand_home(p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    absolute(p)
}

/// Makes a path absolute and lexically normal without touching the file system.
pub fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves symlinks on the longest existing prefix of `p`, keeping the rest as written, so that
/// paths that do not exist yet compare correctly with canonical ones.
pub fn canonical_lenient(p: &Path) -> PathBuf {
    let p = absolute(p);
    let mut existing = p.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return p,
        }
    }
}
