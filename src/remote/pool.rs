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
    /// When each open master was opened (a check may reuse a recent one, see [`Pool::recent`]).
    opened: std::sync::Mutex<HashMap<String, std::time::Instant>>,
    /// Each target's resolved route (`ssh -G`): `None` when it goes through a proxy.
    routes: Mutex<HashMap<String, Option<(String, u16)>>>,
}

/// A master a repeat check may reuse: how old it is, and where its host's SSH listener is.
pub struct Recent {
    pub transport: Arc<dyn Transport>,
    pub age: std::time::Duration,
    pub listener: (String, u16),
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
            opened: std::sync::Mutex::new(HashMap::new()),
            routes: Mutex::new(HashMap::new()),
        }
    }

    /// The target's open master when it was opened within `within` and still answers, with
    /// the address of the host's SSH listener — for a repeat check that proves the listener
    /// itself rather than paying for a new handshake. `None` for a target reached through a
    /// proxy (`ProxyJump`/`ProxyCommand` in the SSH config): its listener is not paasdeck's to
    /// dial, so its check always opens a new connection.
    pub async fn recent(
        &self,
        context: &str,
        target: &Target,
        within: std::time::Duration,
    ) -> Option<Recent> {
        if target.auth() != AuthMethod::Key {
            return None;
        }
        let key = Self::key(context, target);
        let age = self.opened.lock().ok()?.get(&key)?.elapsed();
        if age > within {
            return None;
        }
        let transport = {
            let slots = self.slots.lock().await;
            slots.get(&key)?.get()?.clone()
        };
        if !transport.alive().await {
            return None;
        }
        let listener = {
            let mut routes = self.routes.lock().await;
            match routes.get(&key) {
                Some(r) => r.clone(),
                None => {
                    let r = super::ssh::master::direct_route(&endpoint(target), &self.opts).await;
                    routes.insert(key, r.clone());
                    r
                }
            }
        }?;
        Some(Recent {
            transport,
            age,
            listener,
        })
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

    /// A recent open master for a repeat check, its host's listener proven first (see
    /// [`Pool::recent`]); `Ok(None)` when there is none to reuse, `Err` when the listener does
    /// not answer (worded as OpenSSH words a failed connect, so it reads as a network failure).
    pub async fn reuse_proven(
        &self,
        context: &str,
        target: &Target,
        within: Option<std::time::Duration>,
        limit: std::time::Duration,
    ) -> Result<Option<(Arc<dyn Transport>, std::time::Duration)>> {
        let Some(recent) = (match within {
            Some(w) => self.recent(context, target, w).await,
            None => None,
        }) else {
            return Ok(None);
        };
        let (host, port) = &recent.listener;
        super::ssh::master::prove_listener(host, *port, limit)
            .await
            .map_err(|e| {
                PaasError::new(
                    ErrorCode::SshConnectFailed,
                    "ssh_connect",
                    format!(
                        "ssh to {}@{}:{} failed: {e}",
                        target.user,
                        target.host,
                        target.port()
                    ),
                )
                .with_target(&target.name)
            })?;
        Ok(Some((recent.transport, recent.age)))
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
            identity,
            ..endpoint(target)
        };
        let (t, learned) = SshTransport::connect(&ep, &self.opts, &self.first_use)
            .await
            .map_err(|e| e.with_target(&target.name))?;
        if let Ok(mut opened) = self.opened.lock() {
            opened.insert(Self::key(context, target), std::time::Instant::now());
        }
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
/// Where a target's connection goes (its identity file is added by the caller).
fn endpoint(target: &Target) -> Endpoint {
    Endpoint {
        host: target.host.to_string(),
        port: target.port(),
        user: target.user.to_string(),
        identity: None,
    }
}

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
