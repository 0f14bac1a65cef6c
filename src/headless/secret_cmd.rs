//! `secret set|list|get|unset`. Values come from stdin or a hidden prompt, never from argv, and
//! are printed only by `get --reveal --allow-plaintext`.

use std::io::{IsTerminal, Read};

use serde_json::json;

use super::Invocation;
use super::output::{Report, table};
use crate::cli::{SecretCmd, SecretScopeArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, secrets::SecretValue};
use crate::state::vault::{SecretScope, Vault, key_segment};
use crate::state::{context, names, targets};

fn scope(inv: &Invocation, s: &SecretScopeArgs) -> Result<SecretScope> {
    names::validate_app(&s.app)?;
    if let Some(t) = &s.target {
        names::validate_target(t)?;
        let cd = inv.existing_cd()?;
        if targets::load(&cd)?.find(t).is_none() {
            return Err(targets::not_found(t));
        }
    }
    if let Some(ns) = &s.namespace {
        names::validate_app(ns).map_err(|_| {
            PaasError::usage("flag_validation", format!("invalid namespace {ns:?}"))
        })?;
    }
    Ok(SecretScope {
        context: inv.context.clone(),
        namespace: s.namespace.clone().unwrap_or_default(),
        app: s.app.clone(),
        target: s.target.clone().unwrap_or_default(),
    })
}

fn read_value(key: &str) -> Result<String> {
    let mut value = String::new();
    if std::io::stdin().is_terminal() {
        value = rpassword::prompt_password(format!("value for {key} (hidden): ")).map_err(|e| {
            PaasError::new(
                ErrorCode::InvalidArgument,
                "secret_read",
                format!("could not read the value: {e}"),
            )
        })?;
    } else {
        std::io::stdin().read_to_string(&mut value).map_err(|e| {
            PaasError::new(
                ErrorCode::InvalidArgument,
                "secret_read",
                format!("could not read the value from stdin: {e}"),
            )
        })?;
        if value.ends_with('\n') {
            value.pop();
            if value.ends_with('\r') {
                value.pop();
            }
        }
    }
    if value.is_empty() {
        return Err(PaasError::usage("secret_read", "the secret value is empty")
            .with_remediation("pipe the value on stdin, e.g. `printf %s \"$VALUE\" | paasdeck ... secret set ...`"));
    }
    Ok(value)
}

pub fn run(inv: &Invocation, cmd: &SecretCmd) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let cfg = context::load(&cd)?;
    let vault_path = context::vault_path(&cd, cfg.as_ref());
    match cmd {
        SecretCmd::Set { scope: s, name } => {
            names::validate_env_name(name)?;
            let sc = scope(inv, s)?;
            let key = sc.key(name);
            let value = SecretValue::new(read_value(&key)?);
            let (key, replaced) = ops::secrets::set(&cd, &sc, name, &value)?;
            drop(value);
            Ok(Report::ok()
                .field("app", &s.app)
                .field("name", name)
                .field(
                    "target",
                    if sc.target.is_empty() {
                        "GLOBAL"
                    } else {
                        &sc.target
                    },
                )
                .field(
                    "namespace",
                    key_segment(if sc.namespace.is_empty() {
                        "default"
                    } else {
                        &sc.namespace
                    }),
                )
                .field("vault_key", &key)
                .field("vault_file", vault_path.display().to_string())
                .field("replaced", replaced)
                .text(format!(
                    "secret {key} {}",
                    if replaced { "replaced" } else { "set" }
                )))
        }
        SecretCmd::Unset { scope: s, name } => {
            names::validate_env_name(name)?;
            let sc = scope(inv, s)?;
            let key = sc.key(name);
            let _lock = cd.lock()?;
            let mut vault = Vault::load(&vault_path)?;
            let removed = vault.unset(&key);
            if removed {
                vault.save(&vault_path)?;
            }
            Ok(Report::ok()
                .field("vault_key", &key)
                .field("removed", removed)
                .text(if removed {
                    format!("secret {key} removed")
                } else {
                    format!("secret {key} was not set")
                }))
        }
        SecretCmd::Get {
            scope: s,
            name,
            reveal,
            allow_plaintext,
        } => {
            if *reveal && !*allow_plaintext {
                return Err(PaasError::usage(
                    "secret_get",
                    "--reveal requires --allow-plaintext to avoid accidental secret leakage",
                ));
            }
            names::validate_env_name(name)?;
            let sc = scope(inv, s)?;
            let key = sc.key(name);
            let vault = Vault::load(&vault_path)?;
            let Some(value) = vault.get(&key) else {
                return Err(PaasError::new(
                    ErrorCode::InvalidArgument,
                    "secret_get",
                    format!("secret {key} is not set"),
                )
                .with_remediation("list the app's secrets with `secret list --app APP`"));
            };
            let shown = if *reveal {
                value
            } else {
                crate::policy::redact::REDACTED.to_string()
            };
            Ok(Report::ok()
                .set("vault_key", &key)
                .set("set", true)
                .set("value", &shown)
                .audit_only("vault_key", &key)
                .audit_only("revealed", *reveal)
                .text(shown))
        }
        SecretCmd::List {
            app,
            target,
            namespace,
        } => {
            names::validate_app(app)?;
            let vault = Vault::load(&vault_path)?;
            let want_ctx = key_segment(&inv.context);
            let want_app = key_segment(app);
            let mut rows = Vec::new();
            let mut lines = vec![vec![
                "NAME".to_string(),
                "TARGET".into(),
                "NAMESPACE".into(),
                "VAULT KEY".into(),
            ]];
            for key in vault.keys() {
                let Some(parts) = parse_key(key) else {
                    continue;
                };
                if parts.0 != want_ctx || parts.2 != want_app {
                    continue;
                }
                if target.as_ref().is_some_and(|t| key_segment(t) != parts.3)
                    || namespace
                        .as_ref()
                        .is_some_and(|n| key_segment(n) != parts.1)
                {
                    continue;
                }
                lines.push(vec![
                    parts.4.clone(),
                    parts.3.clone(),
                    parts.1.clone(),
                    key.to_string(),
                ]);
                rows.push(json!({
                    "name": parts.4, "target": parts.3, "namespace": parts.1, "vault_key": key
                }));
            }
            let text = if rows.is_empty() {
                format!("no secrets for app {app}\n")
            } else {
                table(&lines)
            };
            Ok(Report::ok()
                .set("app", app)
                .set("vault_file", vault_path.display().to_string())
                .list(&rows)
                .text(text))
        }
    }
}

/// Splits `PAAS__CTX_<C>__NS_<N>__APP_<A>__TARGET_<T>__VAR_<V>` into its segments.
fn parse_key(key: &str) -> Option<(String, String, String, String, String)> {
    let rest = key.strip_prefix("PAAS__CTX_")?;
    let (ctx, rest) = rest.split_once("__NS_")?;
    let (ns, rest) = rest.split_once("__APP_")?;
    let (app, rest) = rest.split_once("__TARGET_")?;
    let (target, var) = rest.split_once("__VAR_")?;
    Some((ctx.into(), ns.into(), app.into(), target.into(), var.into()))
}
