//! One connection per target, opened on first use and shared by every command to that target
//! until the pool is closed. Targets are keyed by context and name, so two contexts never share
//! a connection even when their targets are called the same.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Mutex, OnceCell};

use super::Transport;
use super::engine::{self, EngineTransport};
use super::hostkeys::HostKeyLearned;
use super::local::LocalTransport;
use super::ssh::{Endpoint, SshOptions, SshTransport};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::targets::{AuthMethod, Target};

/// Called when a host key is accepted on first use: (context, target, what was learned).
pub type LearnedHook = Arc<dyn Fn(&str, &str, &HostKeyLearned) + Send + Sync>;

type Slot = Arc<OnceCell<Arc<dyn Transport>>>;

pub struct Pool {
    opts: SshOptions,
    slots: Mutex<HashMap<String, Slot>>,
    learned: Option<LearnedHook>,
    first_use: Mutex<()>,
    /// Local targets' transports, kept so their Compose is detected once.
    locals: Mutex<HashMap<String, Arc<dyn Transport>>>,
}

/// Stages of a refusal that comes before any connection attempt (the auth method, a missing
/// identity file): nothing about the host was measured.
pub const BEFORE_CONNECT_STAGES: [&str; 2] = ["auth_method", "ssh_identity"];

impl Pool {
    pub fn new(opts: SshOptions, learned: Option<LearnedHook>) -> Pool {
        Pool {
            opts,
            slots: Mutex::new(HashMap::new()),
            learned,
            first_use: Mutex::new(()),
            locals: Mutex::new(HashMap::new()),
        }
    }

    pub fn options(&self) -> &SshOptions {
        &self.opts
    }

    fn key(context: &str, target: &Target) -> String {
        format!("{context}/{}", target.name.to_ascii_lowercase())
    }

    /// The transport for a target, connecting on first use (and again if the master died).
    pub async fn get(&self, context: &str, target: &Target) -> Result<Arc<dyn Transport>> {
        match target.auth() {
            AuthMethod::Local => {
                let mut locals = self.locals.lock().await;
                let t = locals.entry(Self::key(context, target)).or_insert_with(|| {
                    let local = match engine::simulated::bin_dir(target) {
                        Some(dir) => LocalTransport::with_path_first(dir),
                        None => LocalTransport::default(),
                    };
                    EngineTransport::wrap(Arc::new(local))
                });
                return Ok(t.clone());
            }
            AuthMethod::Password => {
                return Err(PaasError::new(
                    ErrorCode::SshAuthFailed,
                    "auth_method",
                    format!(
                        "target {} uses password authentication; paasdeck connects with keys only",
                        target.name
                    ),
                )
                .with_target(&target.name)
                .with_remediation(format!(
                    "install your public key over one password login: `PASS=… paasdeck --context {context} target bootstrap --target {} --password-env PASS` (in the console: B on the target)",
                    target.name
                )));
            }
            AuthMethod::Unsupported => {
                return Err(PaasError::new(
                    ErrorCode::SshConnectFailed,
                    "auth_method",
                    format!(
                        "target {} uses auth_method {:?}, which paasdeck does not support",
                        target.name, target.auth_method
                    ),
                )
                .with_target(&target.name)
                .with_remediation("install an SSH key on the target and set auth_method to key"));
            }
            AuthMethod::Key => {}
        }
        let key = Self::key(context, target);
        for _ in 0..2 {
            let slot = {
                let mut slots = self.slots.lock().await;
                slots.entry(key.clone()).or_default().clone()
            };
            let t = slot
                .get_or_try_init(|| self.connect(context, target))
                .await?
                .clone();
            if t.alive().await {
                return Ok(t);
            }
            // The master went away (network drop, server restart): forget it and reconnect.
            t.close().await;
            self.slots.lock().await.remove(&key);
        }
        Err(PaasError::new(
            ErrorCode::SshConnectFailed,
            "ssh_connect",
            format!("the connection to {} keeps dropping", target.name),
        )
        .with_target(&target.name))
    }

    /// A new connection to a target, replacing the shared one once it is up. A check uses it:
    /// an open master says nothing about whether the host still accepts connections. When the
    /// new connection fails, the old master stays for whoever is using it (a log follow).
    pub async fn renew(&self, context: &str, target: &Target) -> Result<Arc<dyn Transport>> {
        if target.auth() != AuthMethod::Key {
            return self.get(context, target).await;
        }
        let fresh = self.connect(context, target).await?;
        let slot: Slot = Arc::new(OnceCell::new_with(Some(fresh.clone())));
        let old = self
            .slots
            .lock()
            .await
            .insert(Self::key(context, target), slot);
        if let Some(t) = old.as_ref().and_then(|s| s.get()) {
            // Commands still running on the old master keep it until they end.
            t.close().await;
        }
        Ok(fresh)
    }

    /// A new master connection to a key-auth target, its identity file checked first.
    async fn connect(&self, context: &str, target: &Target) -> Result<Arc<dyn Transport>> {
        let identity = (!target.identity_file.is_empty())
            .then(|| crate::state::paths::expand_home(std::path::Path::new(&target.identity_file)));
        if let Some(k) = &identity {
            missing_identity(context, target, k)?;
        }
        let ep = Endpoint {
            host: target.host.to_string(),
            port: target.port(),
            user: target.user.to_string(),
            identity,
        };
        let (t, learned) = SshTransport::connect(&ep, &self.opts, &self.first_use)
            .await
            .map_err(|e| e.with_target(&target.name))?;
        if let (Some(hook), Some(l)) = (&self.learned, learned) {
            hook(context, &target.name, &l);
        }
        Ok(EngineTransport::wrap(Arc::new(t)))
    }

    /// How many SSH masters are open.
    pub async fn open_connections(&self) -> usize {
        let slots = self.slots.lock().await;
        slots.values().filter(|s| s.initialized()).count()
    }

    /// Closes every master connection, all at once: each close waits for its master to exit,
    /// and one after another they added up to a tail as long as the fan-out itself.
    pub async fn close_all(&self) {
        let slots: Vec<Slot> = self.slots.lock().await.drain().map(|(_, s)| s).collect();
        futures::future::join_all(slots.iter().filter_map(|s| s.get()).map(|t| t.close())).await;
    }
}

/// A target's key that is gone would make OpenSSH fall back to other keys and fail as
/// "Permission denied": name the missing file instead, before connecting.
fn missing_identity(context: &str, target: &Target, key: &std::path::Path) -> Result<()> {
    if key.is_file() {
        return Ok(());
    }
    Err(PaasError::new(
        ErrorCode::SshAuthFailed,
        "ssh_identity",
        format!(
            "the identity file {} of target {} does not exist (or is not a file)",
            key.display(),
            target.name
        ),
    )
    .with_target(&target.name)
    .with_remediation(format!(
        "restore the key at {key}, or register the target with another one: `paasdeck --context {context} target remove {name} --force`, then `paasdeck --context {context} target add --name {name} --host {host} --user {user} --port {port} --identity-file KEY` (or edit identity_file in targets.json)",
        key = key.display(),
        name = target.name,
        host = target.host,
        user = target.user,
        port = target.port(),
    )))
}
