//! `backup restore --from ID`: verify first (a missing or mismatching artifact is refused,
//! naming the newest backup of the same app that verifies), then either stream the decrypted
//! dump into the app's `restore_cmd` on the target (plaintext never on local disk; the target
//! spools it and runs the command only on a whole dump, see `spool`), or put the
//! context's state files back. The doctor runs afterwards; its result goes into the record.

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Ticker;
use super::app::{AppSite, site, tail_sink, tail_text};
use super::state::{self, StateRestored};
use super::stream::{self, CHANNEL_CHUNKS, Counter, Expect};
use super::verify;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::redaction::Redacting;
use crate::ops::remediation::{self, Facts};
use crate::policy::doctor;
use crate::remote::pool::Pool;
use crate::remote::{ByteRequest, LineSink, Stream};
use crate::state::backups::{BackupGroup, BackupId, BackupKind, BackupRow};
use crate::state::paths::ContextDir;
use crate::state::vault::identity;
use crate::state::{StateRoot, clock};

/// Where a restore goes.
#[derive(Debug, Clone)]
pub enum Destination {
    App { site: Box<AppSite>, script: String },
    State,
}

#[derive(Debug, Clone)]
pub struct RestorePlan {
    pub row: BackupRow,
    pub destination: Destination,
    pub timeout: Option<Duration>,
}

impl RestorePlan {
    /// What the confirmation and the plan output say: the backup, where it goes, and how.
    pub fn describe(&self) -> Vec<String> {
        let r = &self.row;
        let mut v = vec![
            format!("backup   {} ({}, {})", r.id, r.kind.as_str(), r.subject()),
            format!("taken    {}", r.started_at),
            format!("sha256   {}", r.sha256),
            format!("size     {}", crate::text::human_bytes(r.bytes)),
        ];
        match &self.destination {
            Destination::App { site, .. } => {
                v.push(format!(
                    "target   {} (release {}, {})",
                    site.target.name,
                    site.release,
                    site.target.address()
                ));
                v.push(format!("command  cd {} && {}", site.dir, site.app.restore_cmd));
            }
            Destination::State => v.push(
                "target   this context's state files (config, targets, apps, deployments, events, release metadata); the vault is not touched".into(),
            ),
        }
        v
    }
}

/// The verification a restore starts with: a backup that fails it is refused, naming the
/// newest backup of the same app (or of state) that verifies.
pub fn verified(cd: &ContextDir, id: &BackupId) -> Result<BackupRow> {
    let v = verify::verify(cd, id, false)?;
    if v.ok {
        return Ok(v.row);
    }
    let detail = v.row.verify_detail.clone();
    let row = v.row;
    let group = BackupGroup::of(&row);
    let good = verify::newest_good(cd, &group, id);
    let (suggest, remediation) = match &good {
        Some(g) => (
            format!(
                "; the newest backup of {} that verifies is {}",
                group.label(),
                g.id
            ),
            format!(
                "restore from it: `paasdeck --context {} backup restore --from {} --force`",
                cd.name(),
                g.id
            ),
        ),
        None => (
            format!("; no backup of {} verifies", group.label()),
            "take a new backup and escalate the damaged store".to_string(),
        ),
    };
    Err(PaasError::new(
        ErrorCode::BackupVerifyFailed,
        "backup_verify",
        format!("refusing to restore backup {id}: {detail}{suggest}"),
    )
    .with_remediation(remediation))
}

pub fn plan(
    cd: &ContextDir,
    id: &BackupId,
    target: Option<&str>,
    timeout: Option<Duration>,
) -> Result<RestorePlan> {
    let row = verified(cd, id)?;
    let destination = match (row.kind, &row.app) {
        (BackupKind::App, Some(app)) => {
            let site = site(cd, app, target, row.target.as_deref())?;
            if site.app.restore_cmd.trim().is_empty() {
                return Err(PaasError::new(
                    ErrorCode::InvalidArgument,
                    "backup_plan",
                    format!("app {} has no restore command", site.app.name),
                )
                .with_remediation(
                    "set restore_cmd for the app (`app add … --restore-cmd CMD`, or in apps.json)",
                ));
            }
            Destination::App {
                script: super::spool::script(
                    &site.dir,
                    &site.project,
                    &site.app.restore_cmd,
                    row.plaintext_bytes,
                    &row.plaintext_sha256,
                ),
                site: Box::new(site),
            }
        }
        _ => {
            if target.is_some() {
                return Err(PaasError::usage(
                    "flag_validation",
                    "--target applies to app backups; a state backup restores this context's files",
                ));
            }
            Destination::State
        }
    };
    Ok(RestorePlan {
        row,
        destination,
        timeout,
    })
}

/// A finished restore: what the record of it holds.
#[derive(Debug, Clone)]
pub struct Restored {
    pub row: BackupRow,
    pub target: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    pub doctor_ok: bool,
    pub doctor_failures: Vec<String>,
    pub state: Option<StateRestored>,
}

impl Restored {
    /// The audit fields of the restore (SPEC §12): backup id and checksum, start and end, the
    /// post-restore doctor result.
    pub fn fields(&self) -> Map<String, Value> {
        let mut m = super::row_fields(&self.row);
        if let Some(t) = &self.target {
            m.insert("target".into(), t.clone().into());
        }
        m.insert("started_at".into(), self.started_at.clone().into());
        m.insert("finished_at".into(), self.finished_at.clone().into());
        m.insert("doctor_ok".into(), self.doctor_ok.into());
        m.insert(
            "doctor_failures".into(),
            self.doctor_failures.join(",").into(),
        );
        if let Some(s) = &self.state {
            m.insert("replaced".into(), s.replaced.len().into());
            m.insert("removed".into(), s.removed.join(",").into());
        }
        m
    }
}

/// Runs the restore, then the doctor.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    pool: &Pool,
    root: &StateRoot,
    cd: &ContextDir,
    plan: &RestorePlan,
    cwd: Option<&Path>,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<Restored> {
    let started_at = clock::now_event();
    let me = identity::require(root.path())?;
    let (target, state) = match &plan.destination {
        Destination::App { site, script } => {
            stream_into(
                pool,
                cd,
                plan,
                site,
                script,
                me.identity,
                sink.clone(),
                cancel,
            )
            .await?;
            (Some(site.target.name.to_string()), None)
        }
        Destination::State => {
            let (cd2, row) = (cd.clone(), plan.row.clone());
            let done =
                tokio::task::spawn_blocking(move || state::restore(&cd2, &row, &me.identity))
                    .await
                    .map_err(|e| {
                        PaasError::new(ErrorCode::UnknownFailure, "backup_restore", e.to_string())
                    })??;
            (None, Some(done))
        }
    };
    let report = doctor::run(root, cd.name(), cwd);
    sink(
        Stream::Stdout,
        format!(
            "restored {}; doctor after the restore: {}",
            plan.row.id,
            if report.ok {
                "ok".to_string()
            } else {
                format!("failing ({})", report.failures().join(", "))
            }
        ),
    );
    Ok(Restored {
        row: plan.row.clone(),
        target,
        started_at,
        finished_at: clock::now_event(),
        doctor_ok: report.ok,
        doctor_failures: report.failures(),
        state,
    })
}

#[allow(clippy::too_many_arguments)]
async fn stream_into(
    pool: &Pool,
    cd: &ContextDir,
    plan: &RestorePlan,
    site: &AppSite,
    script: &str,
    identity: age::x25519::Identity,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<()> {
    let row = &plan.row;
    let path = row.path.clone().ok_or_else(|| {
        PaasError::new(
            ErrorCode::BackupVerifyFailed,
            "backup_restore",
            "no artifact recorded",
        )
    })?;
    let t = Redacting::wrap(
        pool.get(cd.name(), &site.target).await?,
        site.redactor.clone(),
    );
    sink(
        Stream::Stdout,
        format!(
            "restoring {} into {} on {}",
            row.id, site.app.name, site.target.name
        ),
    );
    let counter = Counter::default();
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let expect = Expect {
        bytes: row.plaintext_bytes,
        sha256: row.plaintext_sha256.clone(),
    };
    let stop = cancel.child_token();
    let feeding = stream::unseal_into(path, identity, expect, tx, counter.clone());
    let ticker = Ticker::start(counter, sink.clone(), "sent", Duration::from_secs(2));
    let (stderr, tail) = tail_sink(sink, 5);
    let req = ByteRequest {
        script: script.to_string(),
        timeout: plan.timeout,
        stdin: Some(rx),
        stdout: None,
    };
    let source = async {
        let r = match feeding.await {
            Ok(r) => r,
            Err(e) => Err(PaasError::new(
                ErrorCode::UnknownFailure,
                "backup_restore",
                e.to_string(),
            )),
        };
        // A source that failed never sent its end: stop the command rather than let it finish.
        if r.is_err() {
            stop.cancel();
        }
        r
    };
    let (code, fed) = tokio::join!(t.exec_bytes(req, stderr, stop.clone()), source);
    drop(ticker);
    let facts = Facts::for_target(cd.name(), &site.target);
    let result = match (code, fed) {
        (Ok(0), Ok(())) => Ok(()),
        (Ok(n @ (i32::MIN..=-1 | 1..=i32::MAX)), _) => Err(PaasError::new(
            ErrorCode::RemoteCommandFailed,
            "backup_restore",
            format!(
                "the restore command exited {n} on {}: {}",
                site.target.name,
                site.redactor.redact(&tail_text(&tail))
            ),
        )
        .with_target(&site.target.name)
        .with_remediation("look at the command's output above and the app's state on the target")),
        (_, Err(e)) | (Err(e), _) => Err(e),
    };
    result.map_err(|e| remediation::refine(e, "", &facts))
}
