//! `backup state|run|list|verify|restore|prune` (SPEC §12).

use std::sync::Arc;

use serde_json::Value;

use super::Invocation;
use super::output::{Report, table};
use super::remote_cmd::{block_on, print_prefixed};
use crate::cli::{BackupCmd, BackupPruneArgs, BackupRestoreArgs, BackupRunArgs, BackupVerifyArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::backup::{self, app, prune, restore, state, stream, verify};
use crate::ops::{self};
use crate::remote::{LineSink, Stream};
use crate::state::backups::{self, BackupId, BackupRow, VerifyState};
use crate::state::{clock, names};

pub fn run(inv: &Invocation, cmd: &BackupCmd) -> Result<Report> {
    match cmd {
        BackupCmd::State => backup_state(inv),
        BackupCmd::Run(a) => backup_run(inv, a),
        BackupCmd::List { app, kind } => list(inv, app.as_deref(), kind.map(|k| k.kind())),
        BackupCmd::Verify(a) => verify_cmd(inv, a),
        BackupCmd::Restore(a) => restore_cmd(inv, a),
        BackupCmd::Prune(a) => prune_cmd(inv, a),
    }
}

/// Progress and the remote command's stderr, on stderr in text mode only.
fn progress(json: bool, label: String) -> LineSink {
    Arc::new(move |stream, line| {
        let stream = match stream {
            Stream::Stdout => Stream::Stderr,
            s => s,
        };
        print_prefixed(json, label.len(), &label, stream, &line);
    })
}

fn row_report(row: &BackupRow) -> Report {
    let mut rep = Report::ok();
    for (k, v) in backup::row_fields(row) {
        rep = rep.audit_only(&k, v);
    }
    rep.set("backup", row)
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

fn backup_state(inv: &Invocation) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let row = state::backup(&cd, &inv.operator, stream::Counter::default())?;
    Ok(row_report(&row).text(describe(&row)))
}

fn backup_run(inv: &Invocation, a: &BackupRunArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let plan = app::plan(&cd, &a.app, a.target.as_deref(), Some(a.timeout))?;
    let sink = progress(inv.json, plan.site.target.name.to_string());
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let (cd_ref, plan_ref, op) = (&cd, &plan, inv.operator.as_str());
    let row = block_on(|cancel| async move {
        let r = app::run(&pool, cd_ref, plan_ref, op, sink, &cancel).await;
        pool.close_all().await;
        r
    })??;
    Ok(row_report(&row).text(describe(&row)))
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

fn list(inv: &Invocation, app: Option<&str>, kind: Option<backups::BackupKind>) -> Result<Report> {
    if let Some(a) = app {
        names::validate_app(a)?;
    }
    let cd = inv.existing_cd()?;
    let doc = backups::load(&cd)?;
    let rows: Vec<&BackupRow> = doc
        .newest_first()
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| app.is_none_or(|a| r.app.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(a))))
        .collect();
    let mut table_rows = vec![vec![
        "ID".to_string(),
        "KIND".into(),
        "APP".into(),
        "TARGET".into(),
        "AGE".into(),
        "SIZE".into(),
        "STATUS".into(),
        "VERIFIED".into(),
    ]];
    for r in &rows {
        table_rows.push(vec![
            r.id.to_string(),
            r.kind.as_str().into(),
            r.app.as_deref().unwrap_or("-").into(),
            r.target.as_deref().unwrap_or("-").into(),
            age_of(r),
            crate::text::human_bytes(r.bytes),
            if r.is_ok() {
                "ok".into()
            } else {
                "failed".into()
            },
            verified_label(r),
        ]);
    }
    let text = if rows.is_empty() {
        format!(
            "no backups; take one with `paasdeck --context {} backup state` or `backup run --app APP`\n",
            inv.context
        )
    } else {
        table(&table_rows)
    };
    Ok(Report::ok().list(&rows).text(text))
}

fn resolve_id(inv: &Invocation, a: &BackupVerifyArgs) -> Result<BackupId> {
    if let Some(id) = &a.id {
        return BackupId::parse(id.as_str());
    }
    if let Some(app) = &a.app {
        names::validate_app(app)?;
    }
    let cd = inv.existing_cd()?;
    let doc = backups::load(&cd)?;
    verify::latest(&doc, a.app.as_deref(), a.kind.map(|k| k.kind())).ok_or_else(|| {
        PaasError::new(
            ErrorCode::InvalidArgument,
            "backup_resolve",
            "no finished backup matches --latest".to_string(),
        )
        .with_remediation(format!(
            "take one first: `paasdeck --context {} backup state` or `backup run --app APP`",
            inv.context
        ))
    })
}

fn verify_cmd(inv: &Invocation, a: &BackupVerifyArgs) -> Result<Report> {
    let id = resolve_id(inv, a)?;
    let cd = inv.existing_cd()?;
    let v = verify::verify(&cd, &id, a.deep)?;
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
    let rep = row_report(&v.row)
        .field("deep", a.deep)
        .audit_only("verify_detail", &v.row.verify_detail)
        .text(text);
    Ok(match v.error() {
        Some(e) => rep.failed_with(e),
        None => rep,
    })
}

fn restore_cmd(inv: &Invocation, a: &BackupRestoreArgs) -> Result<Report> {
    let id = BackupId::parse(a.from.as_str())?;
    if let Some(t) = &a.target {
        names::validate_target(t)?;
    }
    if !a.force {
        return Err(PaasError::usage(
            "backup_restore",
            format!("restoring backup {id} replaces data; it needs --force"),
        )
        .with_remediation(format!(
            "re-run with --force: `paasdeck --context {} backup restore --from {id} --force`",
            inv.context
        )));
    }
    let cd = inv.existing_cd()?;
    let plan = restore::plan(&cd, &id, a.target.as_deref(), Some(a.timeout))?;
    let label = match &plan.destination {
        restore::Destination::App { site, .. } => site.target.name.to_string(),
        restore::Destination::State => "state".to_string(),
    };
    let sink = progress(inv.json, label);
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let (root, cd_ref, plan_ref, cwd) = (&inv.root, &cd, &plan, inv.cwd.as_deref());
    let done = block_on(|cancel| async move {
        let r = restore::run(&pool, root, cd_ref, plan_ref, cwd, sink, &cancel).await;
        pool.close_all().await;
        r
    })??;
    let mut rep = Report::ok();
    for (k, v) in done.fields() {
        rep = rep.field(&k, v);
    }
    if let Some(s) = &done.state {
        rep = rep.set("state", s);
    }
    let text = format!(
        "{}\nrestored; doctor after the restore: {}\n",
        plan.describe().join("\n"),
        if done.doctor_ok {
            "ok".to_string()
        } else {
            format!("FAILING ({})", done.doctor_failures.join(", "))
        }
    );
    Ok(rep.text(text))
}

fn prune_cmd(inv: &Invocation, a: &BackupPruneArgs) -> Result<Report> {
    let policy = prune::policy(a.keep_daily, a.keep_weekly, a.keep_monthly)?;
    let cd = inv.existing_cd()?;
    let doc = backups::load(&cd)?;
    let plan = prune::plan(&doc, policy);
    let remove: Vec<Value> = plan
        .remove
        .iter()
        .map(|r| serde_json::json!({"id": r.id, "kind": r.kind, "app": r.app, "started_at": r.started_at, "status": r.status}))
        .collect();
    let mut text = String::new();
    for r in &plan.remove {
        text.push_str(&format!(
            "{} {} ({} {}, {})\n",
            if a.apply { "removed" } else { "would remove" },
            r.id,
            r.kind.as_str(),
            r.subject(),
            r.started_at
        ));
    }
    text.push_str(&format!(
        "{} kept, {} {}\n",
        plan.keep.len(),
        plan.remove.len(),
        if a.apply {
            "removed"
        } else {
            "to remove; add --apply to do it"
        }
    ));
    let mut rep = Report::ok()
        .field("apply", a.apply)
        .field("policy", policy)
        .set("keep", &plan.keep)
        .set("remove", &remove)
        .audit_only("kept", plan.keep.len())
        .audit_only("to_remove", plan.remove.len());
    if a.apply {
        let done = prune::apply(&cd, &plan)?;
        rep = rep
            .field("removed", done.rows.len())
            .field("files_removed", done.files.len())
            .set("files_left", &done.left);
    }
    Ok(rep.text(text))
}
