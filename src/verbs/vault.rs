//! `vault keygen|status|recipient add` and `secret encrypt`: the operator's age identity, si's
//! keyring, and who can decrypt a context's vault (SPEC §13). Never shows a secret key or a
//! value.

use serde_json::{Value, json};

use super::{Outcome, Scope};
use crate::error::Result;
use crate::ops::vault;

/// `secret encrypt`: every plaintext value encrypted in place, atomically, under the lock.
pub fn encrypt(scope: &Scope) -> Result<Outcome> {
    let e = vault::encrypt(&scope.root, &scope.cd()?)?;
    Ok(Outcome::ok()
        .field("vault_file", e.file.display().to_string())
        .field("encrypted_now", e.converted.len())
        .set("keys", &e.converted)
        .set("value_counts", &e.values)
        .set("note", &e.note)
        .text(e.lines().join("\n"))
        .summary(format!(
            "{} plaintext value(s) encrypted",
            e.converted.len()
        )))
}

/// `vault keygen`: the operator's own age identity, created unless there is one; the secret
/// key is never shown.
pub fn keygen(scope: &Scope) -> Result<Outcome> {
    let k = vault::keygen(&scope.root)?;
    let id = &k.identity;
    Ok(Outcome::ok()
        .field("created", k.created)
        .field("identity_source", id.kind)
        .field(
            "identity_file",
            id.file.as_ref().map(|p| p.display().to_string()),
        )
        .field("recipient", id.recipient.clone())
        .text(k.lines().join("\n") + "\n"))
}

/// `vault status`: the identity, the vault's recipients and value counts (only the identity
/// when the context does not exist).
pub fn status(scope: &Scope) -> Result<Outcome> {
    let cd = scope.root.context(&scope.context)?;
    if !cd.exists() {
        let identity = vault::identity_info(&scope.root);
        let mut lines = vault::Status::identity_lines(&identity);
        lines.push(format!(
            "context {} does not exist: no vault",
            scope.context
        ));
        return Ok(identity_report(Outcome::ok(), &identity)
            .set("vault", Value::Null)
            .text(lines.join("\n") + "\n"));
    }
    let st = vault::status(&scope.root, &cd)?;
    Ok(identity_report(Outcome::ok(), &st.identity)
        .set(
            "vault",
            json!({
                "file": st.file.display().to_string(),
                "exists": st.exists,
                "recipients": st.recipients,
                "you_are_recipient": st.you_are_recipient,
                "value_counts": st.values,
                "scheme": st.scheme(),
                "si_public_key": st.si_public_key,
                "keyring_file": st.keyring.as_ref().and_then(|k| k.as_ref().ok()).map(|p| p.display().to_string()),
                "keyring_error": st.keyring.as_ref().and_then(|k| k.as_ref().err()),
            }),
        )
        .text(st.lines().join("\n") + "\n"))
}

/// The identity's fields: source, file and recipient, or why there is none.
fn identity_report(
    report: Outcome,
    identity: &std::result::Result<Option<vault::IdentityInfo>, String>,
) -> Outcome {
    match identity {
        Ok(Some(id)) => report
            .field("identity_source", id.kind)
            .field(
                "identity_file",
                id.file.as_ref().map(|p| p.display().to_string()),
            )
            .field("recipient", id.recipient.clone()),
        Ok(None) => report.set("identity_source", Value::Null),
        Err(e) => report
            .set("identity_source", Value::Null)
            .set("identity_error", e),
    }
}

/// `vault recipient add`: a teammate's recipient added, every value re-encrypted to the new
/// set.
pub fn recipient_add(scope: &Scope, raw: &str) -> Result<Outcome> {
    vault::parse_recipient(raw)?;
    let cd = scope.cd()?;
    let r = vault::add_recipient(&scope.root, &cd, raw)?;
    let report = Outcome::ok()
        .field("recipient", r.recipient.clone())
        .field("added", r.added);
    if !r.added {
        return Ok(report
            .set("recipients", r.recipients)
            .text(r.line(&scope.context)));
    }
    Ok(report
        .field("recipients", r.recipients)
        .field("reencrypted", r.reencrypted)
        .set("value_counts", &r.values)
        .text(r.line(&scope.context)))
}
