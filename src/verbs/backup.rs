//! `backup state|run|list|verify|restore|prune` (SPEC §12): one set of audit fields per verb,
//! whichever front end runs it. A dump's or a restore's progress goes to the progress sink,
//! named by its target (`state` for the context's own files).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{Outcome, Scope, table};
use crate::cli::{BackupPruneArgs, BackupRestoreArgs, BackupRunArgs, BackupVerifyArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::backup::prune::Policy;
use crate::ops::backup::{self, app, prune, restore, state, stream, verify};
use crate::remote::LineSink;
use crate::state::backups::{self, BackupId, BackupKind, BackupRow, VerifyState};
use crate::state::{clock, names};

/// Runs blocking work (archiving, hashing, decrypting) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PaasError::new(ErrorCode::UnknownFailure, "backup", e.to_string()))?
}

/// The progress sink of one target's run.
fn sink(scope: &Scope, label: &str) -> LineSink {
    let (lines, label) = (scope.progress.lines.clone(), label.to_string());
    Arc::new(move |stream, line: String| lines(&label, stream, &line))
}

fn row_outcome(row: &BackupRow) -> Outcome {
    let mut out = Outcome::ok();
    for (k, v) in backup::row_fields(row) {
        out = out.audit_only(&k, v);
    }
    out.set("backup", row)
}

fn describe(row: &BackupRow) -> String {
    format!(
        "backup {} ({} {}) ok: {} encrypted, sha256 {}\n  artifact  {}\n  plaintext {} bytes, sha256 {}\n",
        row.id,
        row.kind.as_str(),
        row.subject(),
        crate::text::human_bytes(row.bytes),
        row.sha256,
        row.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        row.plaintext_bytes,
        row.plaintext_sha256
    )
}

/// `backup state`: the context's own files, archived and encrypted.
pub async fn state(scope: &Scope) -> Result<Outcome> {
    let (cd, operator) = (scope.cd()?, scope.operator.clone());
    scope.progress.note("archiving the context's state…");
    let row = blocking(move || state::backup(&cd, &operator, stream::Counter::default())).await?;
    let line = format!(
        "backup {} ok: {} encrypted, sha256 {}",
        row.id,
        crate::text::human_bytes(row.bytes),
        row.sha256
    );
    scope.progress.note(&line);
    Ok(row_outcome(&row).text(describe(&row)).summary(line))
}

/// What `backup run` backs up: every flag of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInput {
    pub app: String,
    /// `None`: the app's first target.
    pub target: Option<String>,
    /// `None`: the default (6 h).
    pub timeout: Option<Duration>,
}

impl RunInput {
    pub fn from_args(a: &BackupRunArgs) -> RunInput {
        RunInput {
            app: a.app.clone(),
            target: a.target.clone(),
            timeout: Some(a.timeout),
        }
    }
}

/// `backup run`: an app's dump streamed from its target into the store.
pub async fn run(scope: &Scope, input: &RunInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    let plan = app::plan(&cd, &input.app, input.target.as_deref(), input.timeout)?;
    let sink = sink(scope, plan.site.target.name.as_str());
    let chosen = format!(
        "target {}: {}",
        plan.site.target.name, plan.site.target_reason
    );
    scope.progress.note(&chosen);
    let row = app::run(
        &scope.pool,
        &cd,
        &plan,
        &scope.operator,
        sink,
        &scope.progress.cancel,
    )
    .await?;
    let line = format!(
        "backup {} ok: {} of dump, {} encrypted, sha256 {}",
        row.id,
        crate::text::human_bytes(row.plaintext_bytes),
        crate::text::human_bytes(row.bytes),
        row.sha256
    );
    scope.progress.note(&line);
    Ok(row_outcome(&row)
        .set("target", plan.site.target.name.as_str())
        .set("target_reason", plan.site.target_reason.as_str())
        .text(format!("{chosen}\n{}", describe(&row)))
        .summary(line))
}

fn age_of(row: &BackupRow) -> String {
    row.started()
        .map(|t| clock::age(t, clock::now()))
        .unwrap_or_else(|| "-".into())
}

/// The verified column, in words (never colour alone).
pub fn verified_label(row: &BackupRow) -> String {
    if !row.is_ok() {
        return "FAILED".into();
    }
    match row.verify {
        VerifyState::Ok => "ok".into(),
        VerifyState::Failed => "VERIFY FAILED".into(),
        VerifyState::Never => "never".into(),
    }
}

/// `backup list`: the catalogue, newest first, of one app or kind.
pub fn list(scope: &Scope, app: Option<&str>, kind: Option<BackupKind>) -> Result<Outcome> {
    if let Some(a) = app {
        names::validate_app(a)?;
    }
    let doc = backups::load(&scope.cd()?)?;
    let rows: Vec<&BackupRow> = doc
        .newest_first()
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| app.is_none_or(|a| r.app.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(a))))
        .collect();
    let mut table_rows = vec![
        [
            "ID", "KIND", "APP", "TARGET", "AGE", "SIZE", "STATUS", "VERIFIED",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &rows {
        table_rows.push(vec![
            r.id.to_string(),
            r.kind.as_str().into(),
            r.app.as_deref().unwrap_or("-").into(),
            r.target.as_deref().unwrap_or("-").into(),
            age_of(r),
            crate::text::human_bytes(r.bytes),
            if r.is_ok() { "ok" } else { "failed" }.into(),
            verified_label(r),
        ]);
    }
    let text = if rows.is_empty() {
        format!(
            "no backups; take one with `paasdeck --context {} backup state` or `backup run --app APP`\n",
            scope.context
        )
    } else {
        table(&table_rows)
    };
    Ok(Outcome::ok().list(&rows).text(text))
}

/// Which backup `backup verify` checks, and how deep.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyInput {
    /// `None`: the latest finished backup of `app` / `kind`.
    pub id: Option<String>,
    pub app: Option<String>,
    pub kind: Option<BackupKind>,
    pub deep: bool,
}

impl VerifyInput {
    /// One backup by id.
    pub fn of(id: &str, deep: bool) -> VerifyInput {
        VerifyInput {
            id: Some(id.to_string()),
            app: None,
            kind: None,
            deep,
        }
    }

    pub fn from_args(a: &BackupVerifyArgs) -> VerifyInput {
        VerifyInput {
            id: a.id.clone(),
            app: a.app.clone(),
            kind: a.kind.map(|k| k.kind()),
            deep: a.deep,
        }
    }
}

fn resolve_id(scope: &Scope, input: &VerifyInput) -> Result<BackupId> {
    if let Some(id) = &input.id {
        return BackupId::parse(id.as_str());
    }
    if let Some(app) = &input.app {
        names::validate_app(app)?;
    }
    let doc = backups::load(&scope.cd()?)?;
    verify::latest(&doc, input.app.as_deref(), input.kind).ok_or_else(|| {
        PaasError::new(
            ErrorCode::InvalidArgument,
            "backup_resolve",
            "no finished backup matches --latest".to_string(),
        )
        .with_remediation(format!(
            "take one first: `paasdeck --context {} backup state` or `backup run --app APP`",
            scope.context
        ))
    })
}

/// `backup verify`: the artifact re-hashed (and with `deep`, decrypted and compared).
pub async fn verify(scope: &Scope, input: &VerifyInput) -> Result<Outcome> {
    let (id, cd, deep) = (resolve_id(scope, input)?, scope.cd()?, input.deep);
    let v = blocking(move || verify::verify(&cd, &id, deep)).await?;
    scope.progress.note(&v.row.verify_detail);
    let text = format!(
        "backup {} {}: {}\n",
        v.row.id,
        if v.ok {
            "verified"
        } else {
            "FAILED verification"
        },
        v.row.verify_detail
    );
    let out = row_outcome(&v.row)
        .field("deep", input.deep)
        .audit_only("verify_detail", &v.row.verify_detail)
        .summary(format!("backup {} verified", v.row.id))
        .text(text);
    Ok(match v.error() {
        Some(e) => out.failed_with(e),
        None => out,
    })
}

/// What `backup restore` restores: every flag of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreInput {
    pub from: String,
    /// An app backup's target (`None`: the one it was taken on).
    pub target: Option<String>,
    /// The operator's go-ahead: `--force`, or the console's confirmation.
    pub force: bool,
    /// `None`: the default (6 h).
    pub timeout: Option<Duration>,
}

impl RestoreInput {
    pub fn from_args(a: &BackupRestoreArgs) -> RestoreInput {
        RestoreInput {
            from: a.from.clone(),
            target: a.target.clone(),
            force: a.force,
            timeout: Some(a.timeout),
        }
    }
}

/// `backup restore`: verified first, then restored; the doctor runs after.
pub async fn restore(scope: &Scope, input: &RestoreInput) -> Result<Outcome> {
    let id = BackupId::parse(input.from.as_str())?;
    if let Some(t) = &input.target {
        names::validate_target(t)?;
    }
    if !input.force {
        return Err(PaasError::usage(
            "backup_restore",
            format!("restoring backup {id} replaces data; it needs --force"),
        )
        .with_remediation(format!(
            "re-run with --force: `paasdeck --context {} backup restore --from {id} --force`",
            scope.context
        )));
    }
    let cd = scope.cd()?;
    scope
        .progress
        .note(format!("verifying {id} before the restore…"));
    let (cd2, id2, t2, timeout) = (cd.clone(), id.clone(), input.target.clone(), input.timeout);
    let plan = blocking(move || restore::plan(&cd2, &id2, t2.as_deref(), timeout)).await?;
    for l in plan.describe() {
        scope.progress.note(l);
    }
    let label = match &plan.destination {
        restore::Destination::App { site, .. } => site.target.name.to_string(),
        restore::Destination::State => "state".to_string(),
    };
    let cwd = std::env::current_dir().ok();
    let done = restore::run(
        &scope.pool,
        &scope.root,
        &cd,
        &plan,
        cwd.as_deref(),
        sink(scope, &label),
        &scope.progress.cancel,
    )
    .await?;
    let mut out = Outcome::ok();
    for (k, v) in done.fields() {
        out = out.field(&k, v);
    }
    if let Some(s) = &done.state {
        out = out.set("state", s);
    }
    let doctor = if done.doctor_ok {
        "ok".to_string()
    } else {
        format!("FAILING ({})", done.doctor_failures.join(", "))
    };
    Ok(out
        .text(format!(
            "{}\nrestored; doctor after the restore: {doctor}\n",
            plan.describe().join("\n")
        ))
        .summary(format!("restored {id}; doctor after the restore: {doctor}")))
}

/// `backup prune`: the retention policy, and whether to remove what it does not keep.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneInput {
    pub policy: Policy,
    pub apply: bool,
}

impl PruneInput {
    pub fn from_args(a: &BackupPruneArgs) -> Result<PruneInput> {
        Ok(PruneInput {
            policy: prune::policy(a.keep_daily, a.keep_weekly, a.keep_monthly)?,
            apply: a.apply,
        })
    }
}

/// `backup prune`: the plan, or with `apply` the removal; the same audit fields for both
/// front ends (`apply`, `policy`, `kept`, `to_remove`, and once applied `removed`,
/// `files_removed`).
pub fn prune(scope: &Scope, input: &PruneInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    let plan = prune::plan(&backups::load(&cd)?, input.policy);
    let remove: Vec<Value> = plan
        .remove
        .iter()
        .map(|r| serde_json::json!({"id": r.id, "kind": r.kind, "app": r.app, "started_at": r.started_at, "status": r.status}))
        .collect();
    let mut text = String::new();
    for r in &plan.remove {
        let line = format!(
            "{} {} ({} {}, {})",
            if input.apply {
                "removed"
            } else {
                "would remove"
            },
            r.id,
            r.kind.as_str(),
            r.subject(),
            r.started_at
        );
        scope.progress.note(&line);
        text.push_str(&line);
        text.push('\n');
    }
    let tail = format!(
        "{} kept, {} {}",
        plan.keep.len(),
        plan.remove.len(),
        if input.apply {
            "removed"
        } else {
            "to remove; add --apply to do it"
        }
    );
    text.push_str(&tail);
    text.push('\n');
    let mut out = Outcome::ok()
        .field("apply", input.apply)
        .field("policy", input.policy)
        .set("keep", &plan.keep)
        .set("remove", &remove)
        .audit_only("kept", plan.keep.len())
        .audit_only("to_remove", plan.remove.len());
    let mut summary = format!(
        "{} kept, {} to remove (plan only)",
        plan.keep.len(),
        plan.remove.len()
    );
    if input.apply {
        let done = prune::apply(&cd, &plan)?;
        summary = format!("{} kept, {} removed", plan.keep.len(), done.rows.len());
        out = out
            .field("removed", done.rows.len())
            .field("files_removed", done.files.len())
            .set("files_left", &done.left);
    }
    Ok(out.text(text).summary(summary))
}
