//! `paasdeck demo`: a self-contained demo state in a fresh directory under the platform cache
//! dir (never inside a repository): an `internal-dogfood`, an `oss-demo` and a read-only
//! `staging` context with local targets, an app with a release history, events, backups and an
//! encrypted vault, and `staging-gbo`, a staging context with an incus project on a simulated
//! host. Local targets run the simulated Docker engine ([`engine`]). The vault is encrypted to the operator's own identity (created as `vault keygen` would
//! when there is none), so the demo's deploys decrypt it like any other context's and no key
//! ever lives in the demo state.

mod backups;
pub mod engine;
pub(crate) mod stage;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use time::Duration as TimeDelta;

use crate::dirs::AppDirs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::target_check::{self, CheckResult};
use crate::ops::targets::{self as target_ops, NewTarget};
use crate::state::apps::{self, App};
use crate::state::context::{self, InitSpec};
use crate::state::ids::{AppName, Host, Port, ReleaseId, RemoteDir, TargetName, User};
use crate::state::paths::EventFile;
use crate::state::vault::identity::{self, OperatorIdentity};
use crate::state::vault::{SecretScope, Vault};
use crate::state::{ContextDir, StateRoot, clock, deployments, events, fsio, repo};

/// A fresh directory for a demo: under the cache dir, or the temp dir when the cache dir lies
/// inside a repository.
pub fn fresh_dir() -> Result<PathBuf> {
    let stamp = format!(
        "demo-{}-{}",
        clock::now().unix_timestamp(),
        std::process::id()
    );
    let mut candidates = Vec::new();
    if let Some(d) = AppDirs::discover() {
        candidates.push(d.cache_dir.join(&stamp));
    }
    candidates.push(std::env::temp_dir().join(format!("paasdeck-{stamp}")));
    let cwd = std::env::current_dir().ok();
    for c in candidates {
        if repo::containing_repo(&c, cwd.as_deref()).is_none() {
            return Ok(c);
        }
    }
    Err(PaasError::new(
        ErrorCode::ContextGuard,
        "demo",
        "every place for a demo state (cache and temp directories) lies inside a git work tree",
    )
    .with_remediation("pass --state-root with a directory outside any repository"))
}

fn ts(minutes_ago: i64) -> String {
    clock::rfc3339_nanos(clock::now() - TimeDelta::minutes(minutes_ago))
}

fn event(cd: &ContextDir, file: EventFile, minutes_ago: i64, fields: Value) -> Result<()> {
    let mut row = Map::new();
    row.insert("timestamp".into(), ts(minutes_ago).into());
    row.insert("context".into(), cd.name().into());
    if let Value::Object(m) = fields {
        row.extend(m);
    }
    events::append(cd, file, row)
}

fn release(minutes_ago: i64, n: u32) -> ReleaseId {
    crate::ops::deploy::bundle::release_id_at(clock::now() - TimeDelta::minutes(minutes_ago), n)
}

const COMPOSE: &str = "services:\n  api:\n    image: ghcr.io/example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL:-postgres://demo-db/api}\n    ports:\n      - \"8080:8080\"\n";

struct Seed<'a> {
    name: &'a str,
    kind: &'a str,
    read_only: bool,
    targets: Vec<NewTarget>,
    releases: usize,
    backups: usize,
}

fn local_target(name: &str, user: &str, labels: &[&str]) -> NewTarget {
    NewTarget {
        name: name.into(),
        host: "localhost".into(),
        user: user.into(),
        port: 22,
        auth_method: "local".into(),
        identity_file: None,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        make_default: false,
    }
}

fn remote_target(name: &str, host: &str, labels: &[&str]) -> NewTarget {
    NewTarget {
        name: name.into(),
        host: host.into(),
        user: "deploy".into(),
        port: 22,
        auth_method: "key".into(),
        identity_file: None,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        make_default: false,
    }
}

/// The demo's secrets: a database URL for a database that does not exist and, where the app
/// has the postgres add-on, the add-on's password.
fn seed_vault(cd: &ContextDir, id: &OperatorIdentity, with_addon: bool) -> Result<()> {
    let _lock = cd.lock()?;
    let mut vault = Vault::load(&context::vault_path(cd))?;
    let recipients = [id.recipient()];
    vault.ensure_recipients(&recipients);
    let scope = SecretScope {
        context: cd.name().into(),
        namespace: String::new(),
        app: "api".into(),
        target: String::new(),
    };
    let value = format!("postgres://api:demo-only@db.{}.invalid:5432/api", cd.name());
    vault.seal(&scope.key("DATABASE_URL"), &value, &recipients)?;
    if with_addon {
        let password = format!("demo-only-{}-db", cd.name());
        vault.seal(&scope.key("POSTGRES_PASSWORD"), &password, &recipients)?;
    }
    vault.save()
}

/// What seeding the demo made.
pub struct Seeded {
    pub root: StateRoot,
    pub identity: OperatorIdentity,
    /// Whether the operator's identity was created for the demo.
    pub identity_created: bool,
}

/// Writes the demo state under `dir` (the state root is `dir/paas`), every local target on
/// the simulated engine.
pub fn seed(dir: &Path) -> Result<Seeded> {
    seed_with(dir, engine::DemoEngine::Simulated)
}

/// [`seed`], with `oss-demo`'s local target on the machine's Docker engine when `engine` says
/// so (the demo image is built first: nothing is written when that fails).
/// What every demo context is seeded with.
struct SeedCtx<'a> {
    root: &'a StateRoot,
    dir: &'a Path,
    user: &'a str,
    identity: &'a OperatorIdentity,
    compose: &'a Path,
    compose_text: &'a str,
    engine_bin: &'a Path,
    real_engine: bool,
}

pub fn seed_with(dir: &Path, demo_engine: engine::DemoEngine) -> Result<Seeded> {
    let root = StateRoot::at(dir.join("paas"));
    if root.path().join("contexts").exists() {
        return Err(PaasError::new(
            ErrorCode::AlreadyExists,
            "demo",
            format!("{} already holds a state root", root.path().display()),
        )
        .with_remediation("choose an empty directory for the demo"));
    }
    let real_engine = demo_engine == engine::DemoEngine::Docker;
    if real_engine {
        engine::build_image()?;
    }
    let compose_text = if real_engine {
        engine::DOCKER_COMPOSE
    } else {
        COMPOSE
    };
    let (identity, identity_created) = identity::keygen(root.path())?;
    let user = whoami::username().unwrap_or_else(|_| "demo".into());
    let compose = dir.join("apps").join("api").join("compose.yaml");
    fsio::write_bytes_atomic(&compose, compose_text.as_bytes())?;
    let engine_bin = engine::install(dir)?;
    let c = SeedCtx {
        root: &root,
        dir,
        user: &user,
        identity: &identity,
        compose: &compose,
        compose_text,
        engine_bin: &engine_bin,
        real_engine,
    };
    for s in &demo_contexts(&user) {
        seed_context(&c, s)?;
    }
    stage::seed(&root, dir, &user)?;
    root.store_context("oss-demo")?;
    Ok(Seeded {
        root,
        identity,
        identity_created,
    })
}

/// The demo's three contexts: what each is, its targets, how many releases and backups.
fn demo_contexts(user: &str) -> [Seed<'static>; 3] {
    [
        Seed {
            name: "internal-dogfood",
            kind: "internal-dogfood",
            read_only: false,
            targets: vec![
                local_target("dogfood-local", user, &["dev", "local"]),
                // TEST-NET addresses: documentation ranges that never answer.
                remote_target("dogfood-vps", "192.0.2.10", &["eu", "vps"]),
            ],
            releases: 4,
            backups: 3,
        },
        Seed {
            name: "oss-demo",
            kind: "oss-demo",
            read_only: false,
            targets: vec![
                local_target("demo-local", user, &["demo"]),
                remote_target("demo-vps", "198.51.100.7", &["public"]),
            ],
            releases: 3,
            backups: 2,
        },
        Seed {
            name: "staging",
            kind: "staging",
            read_only: true,
            targets: vec![local_target("staging-local", user, &["staging"])],
            releases: 2,
            backups: 0,
        },
    ]
}

/// One demo context: its config, vault, targets, app, release history, events and backups.
fn seed_context(c: &SeedCtx, s: &Seed) -> Result<()> {
    let cd = c.root.context(s.name)?;
    context::init(
        c.root,
        &cd,
        &InitSpec {
            kind: Some(s.kind.into()),
            read_only: Some(s.read_only),
            ..Default::default()
        },
    )?;
    // internal-dogfood's api runs its database as si's postgres add-on (service `db`, the
    // one its backup command dumps).
    let with_addon = s.name == "internal-dogfood";
    seed_vault(&cd, c.identity, with_addon)?;
    event(
        &cd,
        EventFile::Audit,
        60 * 30,
        json!({"source": "audit", "command": "context init", "status": "succeeded", "severity": "info", "operator": format!("{}@demo", c.user)}),
    )?;
    for (i, t) in s.targets.iter().enumerate() {
        target_ops::add(&cd, t)?;
        event(
            &cd,
            EventFile::Audit,
            60 * 29 - i as i64,
            json!({"source": "audit", "command": "target add", "status": "succeeded", "severity": "info", "operator": format!("{}@demo", c.user), "fields": {"name": t.name, "host": t.host}}),
        )?;
    }
    if !(c.real_engine && s.name == "oss-demo") {
        engine::use_simulator(&cd, c.engine_bin)?;
    }
    if with_addon {
        // A target as si paas leaves one that still logs in with a password: `B` (or
        // `target bootstrap`) installs a key on it.
        target_ops::add(
            &cd,
            &remote_target("dogfood-legacy", "192.0.2.11", &["si", "legacy"]),
        )?;
        let lock = cd.lock()?;
        fsio::update_doc(
            &lock,
            &cd.targets(),
            |doc: &mut crate::state::targets::TargetsDoc| {
                if let Some(t) = doc.targets.iter_mut().find(|t| t.is("dogfood-legacy")) {
                    t.auth_method = "password".into();
                }
                Ok::<(), PaasError>(())
            },
        )?;
    }
    let api = AppName::parse("api")?;
    register_app(c, s, &cd, &api, with_addon)?;
    seed_history(c, s, &cd, &api)?;
    seed_events(c, s, &cd)?;
    if with_addon {
        // An automation agent, so `agent run-once --name ops` proposes a remediation for an
        // open incident, which the console's Incidents view shows for approval.
        crate::state::agents::enable(&cd, "ops", None, None)?;
    }
    if s.backups > 0 {
        let current = deployments::load(&cd)?
            .app(&api)
            .and_then(|h| h.current_release.clone());
        let target = TargetName::parse(s.targets[0].name.as_str())?;
        let tamper = s.name == "internal-dogfood";
        backups::seed(
            &cd,
            &format!("{}@demo", c.user),
            &target,
            current,
            s.backups,
            tamper,
        )?;
    }
    Ok(())
}

/// The demo's app `api`, registered on the context's first target (with si's postgres add-on
/// where `with_addon`).
fn register_app(
    c: &SeedCtx,
    s: &Seed,
    cd: &ContextDir,
    api: &AppName,
    with_addon: bool,
) -> Result<()> {
    apps::add(
        cd,
        App {
            targets: vec![TargetName::parse(s.targets[0].name.as_str())?],
            // Releases of the demo's local targets stay inside the demo directory.
            remote_dir: Some(RemoteDir::parse(
                c.dir.join("remote").display().to_string(),
            )?),
            backup_cmd: "docker compose exec -T db pg_dump -U api api".into(),
            restore_cmd:
                "docker compose exec -T db psql -U api -v ON_ERROR_STOP=1 --single-transaction api"
                    .into(),
            ..App::new(api.clone(), c.compose.display().to_string())
        },
    )?;
    if with_addon {
        crate::ops::addon::enable(
            cd,
            &crate::ops::addon::EnableSpec {
                app: "api".into(),
                pack: "postgres".into(),
                name: Some("db".into()),
                service: Some("db".into()),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// The app's release history, each release with its bundle as its deploy wrote it.
fn seed_history(c: &SeedCtx, s: &Seed, cd: &ContextDir, api: &AppName) -> Result<()> {
    // Recorded as a deploy records it: the directory holding the release directories.
    let default_root = RemoteDir::parse(crate::ops::deploy::location::releases_dir(
        &c.dir.join("remote").display().to_string(),
        cd.name(),
        "api",
    ))?;
    let lock = cd.lock()?;
    fsio::update_doc(
        &lock,
        &cd.deployments(),
        |doc: &mut deployments::DeploymentsDoc| {
            let h = doc.apps.entry(api.clone()).or_default();
            for r in 0..s.releases {
                h.record(
                    &release(60 * 24 * (s.releases - r) as i64, r as u32 + 1),
                    &default_root,
                );
            }
            Ok::<(), PaasError>(())
        },
    )?;
    drop(lock);
    let history: Vec<ReleaseId> = deployments::load(cd)?
        .app(api)
        .map(|h| h.history.clone())
        .unwrap_or_default();
    for (r, rel) in history.iter().enumerate() {
        let minutes = 60 * 24 * (s.releases - r) as i64;
        // Each release's bundle, as its deploy wrote it: a rollback works from the start.
        let magic = crate::ops::deploy::bundle::Magic {
            app: "api".into(),
            context: cd.name().into(),
            release: rel.to_string(),
            targets: vec![s.targets[0].name.clone()],
            strategy: "serial".into(),
            timestamp: ts(minutes),
        };
        let resolved =
            crate::ops::deploy::bundle::resolve_magic(c.compose_text, &magic, "compose.yaml")?;
        let addon_files = crate::ops::deploy::compose::prepare_addons(
            cd,
            api,
            &resolved,
            "compose.yaml",
            &magic,
        )?;
        crate::ops::deploy::bundle::create(
            cd,
            c.compose,
            &resolved,
            &addon_files,
            &magic,
            "serial",
        )?;
        event(
            cd,
            EventFile::Deployments,
            minutes,
            json!({"source": "deploy", "command": "deploy", "status": "succeeded", "app": "api", "release": rel, "strategy": "serial", "fanout_plan": format!("serial({})", s.targets[0].name), "target_statuses": format!("{}:ok", s.targets[0].name), "operator": format!("{}@demo", c.user)}),
        )?;
    }
    Ok(())
}

/// A failed deploy, an alert, a failed check and its saved result: what the panes show first.
fn seed_events(c: &SeedCtx, s: &Seed, cd: &ContextDir) -> Result<()> {
    if s.releases > 2 {
        event(
            cd,
            EventFile::Deployments,
            60 * 20,
            json!({"source": "deploy", "command": "deploy", "status": "failed", "app": "api", "release": release(60 * 20, 9), "fanout_plan": format!("serial({})", s.targets[0].name), "target_statuses": format!("{}:rolled_back", s.targets[0].name), "error_code": "PAAS_HEALTH_CHECK_FAILED", "error_target": s.targets[0].name, "error_message": "service api unhealthy after 45s; rolled back to the previous release"}),
        )?;
    }
    event(
        cd,
        EventFile::Alerts,
        90,
        json!({"command": "alert ingress-tls", "severity": "warning", "status": "retrying", "target": s.targets.last().map(|t| t.name.clone()), "message": "acme challenge retrying in 60s"}),
    )?;
    event(
        cd,
        EventFile::Audit,
        5,
        json!({"source": "audit", "command": "target check", "status": "failed", "severity": "critical", "operator": format!("{}@demo", c.user), "error_code": "PAAS_SSH_CONNECT_FAILED", "error_target": s.targets.last().map(|t| t.name.clone()), "error_message": "network check failed: connection timed out"}),
    )?;
    if let Some(remote) = s.targets.iter().find(|t| t.auth_method == "key") {
        let t = crate::state::targets::Target::new(
            TargetName::parse(remote.name.as_str())?,
            Host::parse(remote.host.as_str())?,
            Port::new(i64::from(remote.port))?,
            User::parse(remote.user.as_str())?,
        );
        let r = CheckResult {
            error: Some("network check failed: connection timed out".into()),
            error_code: Some("PAAS_SSH_CONNECT_FAILED".into()),
            stage: Some("tcp".into()),
            remediation: None,
            duration_ms: 5003,
            checked_at: ts(5),
            ..CheckResult::new(&t)
        };
        target_check::save_checks(cd, &[r])?;
    }
    Ok(())
}
