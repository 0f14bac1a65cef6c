//! `secret set|list|get|unset|encrypt`: adapters of `verbs::secrets`. Values come from stdin or
//! a hidden prompt, never from argv, and are printed only by `get --reveal --allow-plaintext`.

use std::io::{IsTerminal, Read};

use super::Invocation;
use super::output::Report;
use crate::cli::SecretCmd;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::secrets::SecretValue;
use crate::verbs::secrets::{self, GetInput, ListInput, SecretKey};

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
    let scope = inv.local_scope();
    match cmd {
        SecretCmd::Set { scope: s, name } => {
            let key = SecretKey::from_args(s, name);
            let value = SecretValue::new(read_value(&secrets::vault_key(&scope, &key)?)?);
            secrets::set(&scope, &key, &value)
        }
        SecretCmd::Unset { scope: s, name } => {
            secrets::unset(&scope, &SecretKey::from_args(s, name))
        }
        SecretCmd::Get {
            scope: s,
            name,
            reveal,
            allow_plaintext,
        } => secrets::get(
            &scope,
            &GetInput {
                key: SecretKey::from_args(s, name),
                reveal: *reveal,
                allow_plaintext: *allow_plaintext,
            },
        ),
        SecretCmd::List {
            app,
            target,
            namespace,
        } => secrets::list(
            &scope,
            &ListInput {
                app: app.clone(),
                target: target.clone(),
                namespace: namespace.clone(),
            },
        ),
        SecretCmd::Encrypt => crate::verbs::vault::encrypt(&scope),
    }
}
