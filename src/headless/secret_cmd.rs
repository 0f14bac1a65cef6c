//! `secret set|list|get|unset`. Values come from stdin or a hidden prompt, never from argv, and
//! are printed only by `get --reveal --allow-plaintext`.

use std::io::{IsTerminal, Read};

use serde_json::json;

use super::Invocation;
use super::output::{Report, table};
use super::vault_cmd;
use crate::cli::{SecretCmd, SecretScopeArgs};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, secrets::SecretValue};
use crate::state::vault::identity::Lazy;
use crate::state::vault::{SecretScope, Vault, key_segment, parse_key};
use crate::state::{ContextDir, context, names};
use crate::text::sanitize_inline;

fn scope(cd: &ContextDir, s: &SecretScopeArgs) -> Result<SecretScope> {
    crate::ops::secrets::scope(cd, &s.app, s.target.as_deref(), s.namespace.as_deref())
}

pub(super) fn read_value(key: &str) -> Result<String> {
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
    let vault_path = context::vault_path(&cd);
    match cmd {
        SecretCmd::Set { scope: s, name } => {
            names::validate_env_name(name)?;
            let sc = scope(&cd, s)?;
            let key = sc.key(name);
            let value = SecretValue::new(read_value(&key)?);
            let to = ops::secrets::set(&inv.root, &cd, &sc, name, &value)?;
            let (key, replaced) = (to.key.clone(), to.replaced);
            drop(value);
            let mut text = format!(
                "secret {key} {} (encrypted to {} recipient(s))",
                if replaced { "replaced" } else { "set" },
                to.recipients
            );
            if let Some(n) = &to.note {
                text.push_str(&format!("\nnote: {n}"));
            }
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
                .field("encrypted", true)
                .field("recipients", to.recipients)
                .set("note", &to.note)
                .text(text))
        }
        SecretCmd::Unset { scope: s, name } => {
            names::validate_env_name(name)?;
            let sc = scope(&cd, s)?;
            let (key, removed) = crate::ops::secrets::unset(&cd, &sc, name)?;
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
            let sc = scope(&cd, s)?;
            let key = sc.key(name);
            let vault = Vault::load(&vault_path)?;
            let Some(entry) = vault.entry(&key) else {
                return Err(PaasError::new(
                    ErrorCode::InvalidArgument,
                    "secret_get",
                    format!("secret {key} is not set"),
                )
                .with_remediation("list the app's secrets with `secret list --app APP`"));
            };
            let shown = if *reveal {
                let mut ids = Lazy::new(inv.root.path());
                vault.reveal(&key, &mut ids)?.unwrap_or_default()
            } else {
                crate::policy::redact::REDACTED.to_string()
            };
            Ok(Report::ok()
                .set("vault_key", &key)
                .set("set", true)
                .set("state", entry.kind.label())
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
                "STATE".into(),
                "VAULT KEY".into(),
            ]];
            for key in vault.keys() {
                let Some(p) = parse_key(&key) else {
                    continue;
                };
                if p.context != want_ctx || p.app != want_app {
                    continue;
                }
                if target.as_ref().is_some_and(|t| key_segment(t) != p.target)
                    || namespace
                        .as_ref()
                        .is_some_and(|n| key_segment(n) != p.namespace)
                {
                    continue;
                }
                let state = vault.entry(&key).map(|e| e.kind.label()).unwrap_or("");
                lines.push(
                    [&p.name, &p.target, &p.namespace, state, &key]
                        .iter()
                        .map(|c| sanitize_inline(c).into_owned())
                        .collect(),
                );
                rows.push(json!({
                    "name": p.name, "target": p.target, "namespace": p.namespace,
                    "state": state, "vault_key": key
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
        SecretCmd::Encrypt => vault_cmd::encrypt(inv, &cd),
    }
}
