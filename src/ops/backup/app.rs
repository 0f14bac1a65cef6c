//! `backup run --app A`: the app's `backup_cmd` runs on the target in the current release
//! directory (with the compose project and file of the deploy in its environment), and its
//! stdout streams through the sealer into the store. The artifact is committed only when the
//! command exited 0 and every byte is hashed and synced; otherwise a `failed` row says why.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::stream::{self, CHANNEL_CHUNKS, Counter, Sealer};
use super::{Keys, Start, Ticker, keys, sweep_store, write_store_dir};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::redaction::{self, Redacting};
use crate::ops::remediation::{self, Facts};
use crate::policy::redact::ValueRedactor;
use crate::remote::pool::Pool;
use crate::remote::quote::quote;
use crate::remote::{ByteRequest, LineSink, Stream};
use crate::state::apps::{self, App};
use crate::state::backups::{BackupKind, BackupRow};
use crate::state::ids::{AppName, ReleaseId};
use crate::state::paths::ContextDir;
use crate::state::targets::{self, Target};
use crate::state::{deployments, names};

/// Where an app's backup and restore commands run.
#[derive(Debug, Clone)]
pub struct AppSite {
    pub app: App,
    pub target: Target,
    /// Why this target: given, the backup's own, or where the current release runs.
    pub target_reason: String,
    pub release: ReleaseId,
    /// The release directory on the target.
    pub dir: String,
    pub project: String,
    /// The app's vault values on that target, hidden from the command's stderr.
    pub redactor: ValueRedactor,
}

impl AppSite {
    /// `cmd` in the release directory, with the deploy's compose project and file exported so
    /// a plain `docker compose exec -T db …` reaches the app's containers.
    pub fn script(&self, cmd: &str) -> String {
        format!(
            "cd {} && COMPOSE_PROJECT_NAME={} COMPOSE_FILE=compose.yaml && export COMPOSE_PROJECT_NAME COMPOSE_FILE && {cmd}",
            quote(&self.dir),
            quote(&self.project)
        )
    }
}

/// The target a backup or restore runs on, and why: `target` as given, else `fallback` (the
/// target a backup was taken on) when it still exists, else the app's one target; when the app
/// runs on several (or `all`), the first target its current release was deployed to (by the
/// release's bundle), or the first of them when the bundle is not here.
fn pick_target(
    cd: &ContextDir,
    doc: &targets::TargetsDoc,
    entry: &App,
    release: &ReleaseId,
    target: Option<&str>,
    fallback: Option<&str>,
) -> Result<(Target, String)> {
    let one = |name: &str| -> Result<Target> {
        doc.find(name)
            .cloned()
            .ok_or_else(|| targets::not_found(name))
    };
    if let Some(t) = target {
        names::validate_target(t)?;
        if t.eq_ignore_ascii_case("all") {
            return Err(PaasError::usage(
                "flag_validation",
                "a backup or restore runs on one target; name it with --target",
            ));
        }
        return Ok((one(t)?, "named with --target".into()));
    }
    if let Some(f) = fallback.filter(|f| doc.find(f).is_some()) {
        return Ok((one(f)?, "the target the backup was taken on".into()));
    }
    let all = entry.targets.iter().any(|t| t.eq_ignore_ascii_case("all"));
    if let (false, [only]) = (all, entry.targets.as_slice()) {
        return Ok((one(only.as_str())?, "the app's only target".into()));
    }
    // No targets named: the context's targets as `select` gives them (its current one first).
    let wanted: Vec<String> = entry.targets.iter().map(|t| t.to_string()).collect();
    let candidates = doc.select(&wanted)?;
    let deployed: Vec<String> = crate::state::releases::load_meta(
        cd,
        &entry.name,
        release,
        &crate::ops::deploy::bundle::bundle_dir(cd, &entry.name, release).join("release.json"),
    )
    .ok()
    .flatten()
    .and_then(|m| m.targets)
    .map(|ts| ts.iter().map(|t| t.to_string()).collect())
    .unwrap_or_default();
    let of_release: Vec<&Target> = candidates
        .iter()
        .filter(|c| deployed.iter().any(|d| d.eq_ignore_ascii_case(&c.name)))
        .collect();
    let (chosen, pool) = match of_release.first() {
        Some(t) => ((*t).clone(), of_release.len()),
        None => (
            candidates
                .first()
                .cloned()
                .ok_or_else(|| targets::not_found("all"))?,
            candidates.len(),
        ),
    };
    let reason = if of_release.is_empty() {
        format!("the first of the app's {pool} targets")
    } else if pool > 1 {
        format!("the first of the {pool} targets release {release} runs on")
    } else {
        format!("the target release {release} runs on")
    };
    Ok((chosen, reason))
}

/// Resolves the app, the target (see `pick_target`) and the current release.
pub fn site(
    cd: &ContextDir,
    app: &str,
    target: Option<&str>,
    fallback: Option<&str>,
) -> Result<AppSite> {
    let name = AppName::parse(app)?;
    let entry = apps::load(cd)?
        .find(&name)
        .cloned()
        .ok_or_else(|| apps::not_found(&name))?;
    let h = deployments::load(cd)?
        .app(&entry.name)
        .cloned()
        .unwrap_or_default();
    let release = h
        .current_release
        .clone()
        .ok_or_else(|| crate::ops::deploy::location::no_release(&entry.name))?;
    let doc = targets::load(cd)?;
    let (target, target_reason) = pick_target(cd, &doc, &entry, &release, target, fallback)?;
    // Where the current release runs: paasdeck's layout, or si's for an app si deployed.
    // si's blue/green apps: the active slot's release and project on this target.
    let loc = crate::ops::deploy::location::on_target(cd, &entry.name, &h, &target.name)?
        .ok_or_else(|| crate::ops::deploy::location::no_release_on(&entry.name, &target.name))?;
    let release = crate::state::ids::ReleaseId::parse(loc.release()).unwrap_or(release);
    let vault = redaction::load_vault(cd)?;
    Ok(AppSite {
        dir: loc.release_dir().to_string(),
        project: loc.project().to_string(),
        redactor: redaction::app_values(cd, &vault, &entry.name, &target.name),
        target,
        target_reason,
        release,
        app: entry,
    })
}

/// Everything `backup run` needs before it touches the target.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub site: AppSite,
    pub script: String,
    pub store: PathBuf,
    pub keys: Keys,
    pub timeout: Option<Duration>,
}

pub fn plan(
    cd: &ContextDir,
    app: &str,
    target: Option<&str>,
    timeout: Option<Duration>,
) -> Result<RunPlan> {
    let site = site(cd, app, target, None)?;
    if site.app.backup_cmd.trim().is_empty() {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "backup_plan",
            format!("app {} has no backup command", site.app.name),
        )
        .with_remediation(format!(
            "register it with one: `paasdeck --context {} app add --name {} --compose-file F --backup-cmd CMD --restore-cmd CMD` (after `app remove`), or set backup_cmd in apps.json",
            cd.name(),
            site.app.name
        )));
    }
    let store = write_store_dir(cd)?;
    let keys = keys(cd)?;
    Ok(RunPlan {
        script: site.script(&site.app.backup_cmd),
        site,
        store,
        keys,
        timeout,
    })
}

/// Keeps the last few stderr lines for the failure message while passing every line on.
pub(crate) fn tail_sink(sink: LineSink, keep: usize) -> (LineSink, Arc<Mutex<VecDeque<String>>>) {
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    let t2 = tail.clone();
    let out: LineSink = Arc::new(move |stream, line: String| {
        if let Ok(mut t) = t2.lock() {
            if t.len() == keep {
                t.pop_front();
            }
            t.push_back(line.clone());
        }
        sink(stream, line);
    });
    (out, tail)
}

pub(crate) fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    tail.lock()
        .map(|t| t.iter().cloned().collect::<Vec<_>>().join(" | "))
        .unwrap_or_default()
}

/// Runs the backup; returns the catalogued row, or the error after cataloguing a failed row.
pub async fn run(
    pool: &Pool,
    cd: &ContextDir,
    plan: &RunPlan,
    operator: &str,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<BackupRow> {
    let site = &plan.site;
    let mut start = Start::new(
        &plan.store,
        BackupKind::App,
        Some(site.app.name.clone()),
        operator,
        plan.keys.clone(),
    )?;
    start.target = Some(site.target.name.clone());
    start.release = Some(site.release.clone());
    sweep_store(cd, &plan.store)?;
    let counter = Counter::default();
    let sealer = Sealer::new(&start.path, &plan.keys.recipients, counter.clone())
        .map_err(|e| start.failed(cd, e))?;
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let sealing = stream::seal_channel(sealer, rx);
    sink(
        Stream::Stdout,
        format!(
            "backup {} of {} on {} (release {}) → {}",
            start.id,
            site.app.name,
            site.target.name,
            site.release,
            start.path.display()
        ),
    );
    let ticker = Ticker::start(
        counter.clone(),
        sink.clone(),
        "received",
        Duration::from_secs(2),
    );
    let (stderr, tail) = tail_sink(sink.clone(), 5);
    let exec = async {
        let t = Redacting::wrap(
            pool.get(cd.name(), &site.target).await?,
            site.redactor.clone(),
        );
        let req = ByteRequest {
            script: plan.script.clone(),
            timeout: plan.timeout,
            stdin: None,
            stdout: Some(tx),
        };
        t.exec_bytes(req, stderr, cancel.clone()).await
    };
    let code = exec.await;
    drop(ticker);
    let sealed = match sealing.await {
        Ok(r) => r,
        Err(e) => Err(PaasError::new(
            ErrorCode::UnknownFailure,
            "backup_write",
            format!("the encryption thread stopped: {e}"),
        )),
    };
    let result = match (code, sealed) {
        (Ok(0), Ok(sealed)) => return start.finish(cd, sealed),
        (_, Err(local)) => local,
        (Ok(n), Ok(_)) => PaasError::new(
            ErrorCode::RemoteCommandFailed,
            "backup_run",
            format!(
                "the backup command exited {n} on {}: {}",
                site.target.name,
                site.redactor.redact(&tail_text(&tail))
            ),
        )
        .with_target(&site.target.name)
        .with_remediation("run the app's backup_cmd by hand on the target to see why, then retry"),
        (Err(e), Ok(_)) => e,
    };
    let result = remediation::refine(result, "", &Facts::for_target(cd.name(), &site.target));
    Err(start.failed(cd, result))
}
