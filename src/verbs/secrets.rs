//! `secret set|list|get|unset|encrypt` and the console's view of an app's variables. Values
//! reach a verb as a [`SecretValue`] (read by the front end from stdin, a hidden prompt or a
//! masked field) and leave it only through `get` with `reveal` and `allow_plaintext`.

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::SecretScopeArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::secrets::{self, SecretValue, VarStatus};
use crate::state::vault::identity::Lazy;
use crate::state::vault::{SecretScope, Vault, key_segment, parse_key};
use crate::state::{ContextDir, context, names};
use crate::text::sanitize_inline;

/// Which value of the vault: an app's variable, every target's (`target: None`) or one
/// target's, in a namespace (`None`: `default`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretKey {
    pub app: String,
    pub name: String,
    pub target: Option<String>,
    pub namespace: Option<String>,
}

impl SecretKey {
    pub fn from_args(s: &SecretScopeArgs, name: &str) -> SecretKey {
        SecretKey {
            app: s.app.clone(),
            name: name.to_string(),
            target: s.target.clone(),
            namespace: s.namespace.clone(),
        }
    }

    fn scope(&self, cd: &ContextDir) -> Result<SecretScope> {
        names::validate_env_name(&self.name)?;
        secrets::scope(
            cd,
            &self.app,
            self.target.as_deref(),
            self.namespace.as_deref(),
        )
    }
}

/// The vault key a value of `key` is stored under (what a prompt for it names).
pub fn vault_key(scope: &Scope, key: &SecretKey) -> Result<String> {
    Ok(key.scope(&scope.cd()?)?.key(&key.name))
}

/// `secret set`: the value encrypted into the vault; never shown, never recorded.
pub fn set(scope: &Scope, key: &SecretKey, value: &SecretValue) -> Result<Outcome> {
    let cd = scope.cd()?;
    let sc = key.scope(&cd)?;
    let to = secrets::set(&scope.root, &cd, &sc, &key.name, value)?;
    let mut text = format!(
        "secret {} {} ({})",
        to.key,
        if to.replaced { "replaced" } else { "set" },
        if to.scheme == "ecies" {
            "ECIES, encrypted to the vault's SI_VAULT_PUBLIC_KEY".to_string()
        } else {
            format!("encrypted to {} recipient(s)", to.recipients)
        }
    );
    if let Some(n) = &to.note {
        text.push_str(&format!("\nnote: {n}"));
    }
    Ok(Outcome::ok()
        .field("app", &key.app)
        .field("name", &key.name)
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
        .field("vault_key", &to.key)
        .field("vault_file", context::vault_path(&cd).display().to_string())
        .field("replaced", to.replaced)
        .field("encrypted", true)
        .field("scheme", to.scheme)
        .field("recipients", to.recipients)
        .set("note", &to.note)
        .text(text))
}

/// `secret unset`: the value removed from the vault (not being there is no error).
pub fn unset(scope: &Scope, key: &SecretKey) -> Result<Outcome> {
    let cd = scope.cd()?;
    let sc = key.scope(&cd)?;
    let (vault_key, removed) = secrets::unset(&cd, &sc, &key.name)?;
    Ok(Outcome::ok()
        .field("app", &key.app)
        .field("name", &key.name)
        .field("vault_key", &vault_key)
        .field("removed", removed)
        .text(if removed {
            format!("secret {vault_key} removed")
        } else {
            format!("secret {vault_key} was not set")
        }))
}

/// What `secret get` shows: whether a value is set, or the value itself with both flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetInput {
    pub key: SecretKey,
    pub reveal: bool,
    pub allow_plaintext: bool,
}

pub fn get(scope: &Scope, input: &GetInput) -> Result<Outcome> {
    if input.reveal && !input.allow_plaintext {
        return Err(PaasError::usage(
            "secret_get",
            "--reveal requires --allow-plaintext to avoid accidental secret leakage",
        ));
    }
    let cd = scope.cd()?;
    let key = input.key.scope(&cd)?.key(&input.key.name);
    let vault = Vault::load(&context::vault_path(&cd))?;
    let Some(entry) = vault.entry(&key) else {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "secret_get",
            format!("secret {key} is not set"),
        )
        .with_remediation("list the app's secrets with `secret list --app APP`"));
    };
    let shown = if input.reveal {
        let mut ids = Lazy::new(scope.root.path());
        vault.reveal(&key, &mut ids)?.unwrap_or_default()
    } else {
        crate::policy::redact::REDACTED.to_string()
    };
    Ok(Outcome::ok()
        .set("vault_key", &key)
        .set("set", true)
        .set("state", entry.kind.label())
        .set("value", &shown)
        .audit_only("vault_key", &key)
        .audit_only("revealed", input.reveal)
        .text(shown))
}

/// Which vault keys `secret list` shows: an app's, narrowed to a target or a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListInput {
    pub app: String,
    pub target: Option<String>,
    pub namespace: Option<String>,
}

pub fn list(scope: &Scope, input: &ListInput) -> Result<Outcome> {
    names::validate_app(&input.app)?;
    let cd = scope.cd()?;
    let vault_path = context::vault_path(&cd);
    let vault = Vault::load(&vault_path)?;
    let (want_ctx, want_app) = (key_segment(&scope.context), key_segment(&input.app));
    let wanted =
        |given: &Option<String>, seg: &str| given.as_ref().is_none_or(|g| key_segment(g) == seg);
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
        if p.context != want_ctx
            || p.app != want_app
            || !wanted(&input.target, &p.target)
            || !wanted(&input.namespace, &p.namespace)
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
        format!("no secrets for app {}\n", input.app)
    } else {
        crate::text::table(&lines)
    };
    Ok(Outcome::ok()
        .set("app", &input.app)
        .set("vault_file", vault_path.display().to_string())
        .list(&rows)
        .text(text))
}

/// The console's secret list: which variables of the app's compose file have a value.
pub fn variables(scope: &Scope, app: &str) -> Result<Vec<VarStatus>> {
    secrets::status(&scope.cd()?, app)
}
