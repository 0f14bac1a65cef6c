//! The console's vault, bundle and lock housekeeping: secrets set and unset, plaintext values
//! encrypted, recipients added, bundle `.env` files scrubbed, a deploy lock released — each
//! through the same `ops` and state functions as the headless commands.

use serde_json::{Map, Value};

use super::Env;
use crate::error::Result;
use crate::ops;
use crate::ops::deploy::lock;
use crate::tasks::TaskCtx;
use crate::tui::core::action::{Action, Op};

/// Runs one housekeeping op; returns the task's result line.
pub(super) fn run(
    env: &Env,
    active: &str,
    op: &Op,
    ctx: &TaskCtx,
    fields: &mut Map<String, Value>,
) -> Result<String> {
    let cd = env.root.context(active);
    match op {
        Op::ScrubBundles => {
            let cd = cd?;
            let found = crate::state::releases::scrub_bundle_env(&cd, true)?;
            for f in crate::state::foreign::scrub_foreign_releases(&cd, true)? {
                ctx.note(format!(
                    "dropped release {} of app {} from the deploy history (a release of context {})",
                    f.release, f.app, f.other_context
                ));
            }
            for f in &found {
                ctx.note(format!(
                    "removed {} ({})",
                    f.path.display(),
                    f.keys.join(", ")
                ));
            }
            fields.insert("files".into(), found.len().into());
            let msg = format!("{} bundle .env file(s) removed", found.len());
            ctx.note(&msg);
            Ok(msg)
        }
        Op::SetSecret {
            app,
            name,
            target,
            value,
        } => {
            let cd = cd?;
            let scope = ops::secrets::scope(&cd, app, target.as_deref(), None)?;
            let w = ops::secrets::set(&env.root, &cd, &scope, name, value)?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("name".into(), name.clone().into());
            fields.insert("vault_key".into(), w.key.clone().into());
            let msg = format!(
                "secret {} {} (encrypted to {} recipient(s))",
                w.key,
                if w.replaced { "replaced" } else { "set" },
                w.recipients
            );
            ctx.note(&msg);
            if let Some(n) = &w.note {
                ctx.note(format!("note: {n}"));
            }
            Ok(msg)
        }
        Op::SecretEncrypt => {
            let e = ops::vault::encrypt(&env.root, &cd?)?;
            for l in e.lines() {
                ctx.note(l);
            }
            fields.insert("encrypted_now".into(), e.converted.len().into());
            Ok(format!(
                "{} plaintext value(s) encrypted",
                e.converted.len()
            ))
        }
        Op::VaultKeygen => {
            let made = ops::vault::keygen(&env.root);
            let _ = env.tx.send(Action::Keygen(
                made.as_ref()
                    .map(ops::vault::Keygen::lines)
                    .map_err(|e| format!("vault keygen: error[{}]: {}", e.code, e.message)),
            ));
            let k = made?;
            for l in k.lines() {
                ctx.note(l);
            }
            fields.insert("created".into(), k.created.into());
            fields.insert("recipient".into(), k.identity.recipient.clone().into());
            Ok(if k.created {
                "vault identity created".to_string()
            } else {
                "vault identity already there".to_string()
            })
        }
        Op::VaultRecipientAdd { recipient } => {
            let r = ops::vault::add_recipient(&env.root, &cd?, recipient)?;
            let msg = r.line(active);
            ctx.note(&msg);
            fields.insert("recipient".into(), r.recipient.clone().into());
            fields.insert("added".into(), r.added.into());
            fields.insert("reencrypted".into(), r.reencrypted.into());
            Ok(msg)
        }
        Op::UnsetSecret { app, name, target } => {
            let cd = cd?;
            let scope = ops::secrets::scope(&cd, app, target.as_deref(), None)?;
            let (key, removed) = ops::secrets::unset(&cd, &scope, name)?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("name".into(), name.clone().into());
            fields.insert("vault_key".into(), key.clone().into());
            fields.insert("removed".into(), removed.into());
            let msg = if removed {
                format!("secret {key} removed")
            } else {
                format!("secret {key} was not set")
            };
            ctx.note(&msg);
            Ok(msg)
        }
        Op::LockRelease { app, force } => {
            crate::state::names::validate_app(app)?;
            let found = lock::release(&cd?, app, *force)?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("released".into(), found.is_some().into());
            let msg = match found {
                Some(f) => format!("deploy lock of {app} released (it was {})", f.describe()),
                None => format!("no deploy lock held for {app}"),
            };
            ctx.note(&msg);
            Ok(msg)
        }
        _ => Ok(String::new()),
    }
}
