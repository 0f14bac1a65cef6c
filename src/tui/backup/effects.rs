//! Backup work for the console: the same `ops::backup` functions as `paasdeck backup …`, as
//! tasks whose log shows progress (bytes and rate every two seconds while a dump streams);
//! the audit row gets the same fields as the CLI's.

use serde_json::{Map, Value};

use crate::error::Result;
use crate::ops::backup::{self, app, prune, restore, state, stream, verify};
use crate::state::backups::{self as catalogue, BackupId};
use crate::tasks::TaskCtx;
use crate::tui::effects::Env;
use crate::tui::features::backup::{BackupAction, BackupOp};

/// Runs a blocking `ops` call off the console's async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    crate::tui::effects::off_thread("console", f).await?
}

pub async fn execute(
    env: &Env,
    active: &str,
    op: &BackupOp,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let cd = env.root.context(active)?;
    match &op.action {
        BackupAction::State => {
            let (cd2, operator) = (cd.clone(), env.operator.clone());
            ctx.note("archiving the context's state…");
            let row = blocking(move || state::backup(&cd2, &operator, stream::Counter::default()))
                .await?;
            fields.extend(backup::row_fields(&row));
            let msg = format!(
                "backup {} ok: {} encrypted, sha256 {}",
                row.id,
                crate::text::human_bytes(row.bytes),
                row.sha256
            );
            ctx.note(&msg);
            Ok(msg)
        }
        BackupAction::Run { app: name } => {
            let plan = app::plan(&cd, name, None, None)?;
            let row = app::run(
                &env.pool,
                &cd,
                &plan,
                &env.operator,
                ctx.sink.clone(),
                &ctx.cancel,
            )
            .await?;
            fields.extend(backup::row_fields(&row));
            let msg = format!(
                "backup {} ok: {} of dump, {} encrypted, sha256 {}",
                row.id,
                crate::text::human_bytes(row.plaintext_bytes),
                crate::text::human_bytes(row.bytes),
                row.sha256
            );
            ctx.note(&msg);
            Ok(msg)
        }
        BackupAction::Verify { id, deep } => {
            let (id, deep, cd2) = (BackupId::parse(id.as_str())?, *deep, cd.clone());
            let v = blocking(move || verify::verify(&cd2, &id, deep)).await?;
            fields.extend(backup::row_fields(&v.row));
            fields.insert("verify_detail".into(), v.row.verify_detail.clone().into());
            ctx.note(&v.row.verify_detail);
            match v.error() {
                Some(e) => Err(e),
                None => Ok(format!("backup {} verified", v.row.id)),
            }
        }
        BackupAction::Restore { id, target } => {
            let id = BackupId::parse(id.as_str())?;
            fields.insert("backup_id".into(), id.to_string().into());
            ctx.note(format!("verifying {id} before the restore…"));
            let (cd2, id2, t2) = (cd.clone(), id.clone(), target.clone());
            let plan = blocking(move || restore::plan(&cd2, &id2, t2.as_deref(), None)).await?;
            for l in plan.describe() {
                ctx.note(l);
            }
            let done = restore::run(
                &env.pool,
                &env.root,
                &cd,
                &plan,
                None,
                ctx.sink.clone(),
                &ctx.cancel,
            )
            .await?;
            fields.extend(done.fields());
            Ok(format!(
                "restored {id}; doctor after the restore: {}",
                if done.doctor_ok {
                    "ok".to_string()
                } else {
                    done.doctor_failures.join(", ")
                }
            ))
        }
        BackupAction::Prune { policy, apply } => {
            let plan = prune::plan(&catalogue::load(&cd)?, *policy);
            for r in &plan.remove {
                ctx.note(format!(
                    "{} {} ({} {}, {})",
                    if *apply { "removing" } else { "would remove" },
                    r.id,
                    r.kind.as_str(),
                    r.subject(),
                    r.started_at
                ));
            }
            fields.insert("kept".into(), plan.keep.len().into());
            if !*apply {
                return Ok(format!(
                    "{} kept, {} to remove (plan only)",
                    plan.keep.len(),
                    plan.remove.len()
                ));
            }
            let done = prune::apply(&cd, &plan)?;
            fields.insert("removed".into(), done.rows.len().into());
            Ok(format!(
                "{} kept, {} removed",
                plan.keep.len(),
                done.rows.len()
            ))
        }
    }
}
