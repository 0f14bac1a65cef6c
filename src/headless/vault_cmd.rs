//! `vault keygen|status|recipient add` and `secret encrypt`: the operator's age identity and who
//! can decrypt a context's vault (SPEC §13). Never prints a secret key or a value.

use serde_json::{Value, json};

use super::Invocation;
use super::output::Report;
use crate::cli::{RecipientCmd, VaultCmd};
use crate::error::Result;
use crate::ops::vault;
use crate::state::ContextDir;

/// `secret encrypt`: every plaintext value encrypted in place, atomically, under the lock.
pub(super) fn encrypt(inv: &Invocation, cd: &ContextDir) -> Result<Report> {
    let e = vault::encrypt(&inv.root, cd)?;
    Ok(Report::ok()
        .field("vault_file", e.file.display().to_string())
        .field("encrypted_now", e.converted.len())
        .set("keys", &e.converted)
        .set("value_counts", &e.values)
        .set("note", &e.note)
        .text(e.lines().join("\n")))
}

pub fn run(inv: &Invocation, cmd: &VaultCmd) -> Result<Report> {
    match cmd {
        VaultCmd::Keygen => keygen(inv),
        VaultCmd::Status => status(inv),
        VaultCmd::Recipient(RecipientCmd::Add { recipient }) => recipient_add(inv, recipient),
    }
}

fn keygen(inv: &Invocation) -> Result<Report> {
    let k = vault::keygen(&inv.root)?;
    let id = &k.identity;
    Ok(Report::ok()
        .field("created", k.created)
        .field("identity_source", id.kind)
        .field(
            "identity_file",
            id.file.as_ref().map(|p| p.display().to_string()),
        )
        .field("recipient", id.recipient.clone())
        .text(k.lines().join("\n") + "\n"))
}

fn status(inv: &Invocation) -> Result<Report> {
    let cd = inv.cd();
    if !cd.exists() {
        let identity = vault::identity_info(&inv.root);
        let mut lines = vault::Status::identity_lines(&identity);
        lines.push(format!("context {} does not exist: no vault", inv.context));
        return Ok(identity_report(Report::ok(), &identity)
            .set("vault", Value::Null)
            .text(lines.join("\n") + "\n"));
    }
    let st = vault::status(&inv.root, &cd)?;
    Ok(identity_report(Report::ok(), &st.identity)
        .set(
            "vault",
            json!({
                "file": st.file.display().to_string(),
                "exists": st.exists,
                "recipients": st.recipients,
                "you_are_recipient": st.you_are_recipient,
                "value_counts": st.values,
            }),
        )
        .text(st.lines().join("\n") + "\n"))
}

/// The identity's fields: source, file and recipient, or why there is none.
fn identity_report(
    report: Report,
    identity: &std::result::Result<Option<vault::IdentityInfo>, String>,
) -> Report {
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

fn recipient_add(inv: &Invocation, raw: &str) -> Result<Report> {
    vault::parse_recipient(raw)?;
    let cd = inv.existing_cd()?;
    let r = vault::add_recipient(&inv.root, &cd, raw)?;
    let report = Report::ok()
        .field("recipient", r.recipient.clone())
        .field("added", r.added);
    if !r.added {
        return Ok(report
            .set("recipients", r.recipients)
            .text(r.line(&inv.context)));
    }
    Ok(report
        .field("recipients", r.recipients)
        .field("reencrypted", r.reencrypted)
        .set("value_counts", &r.values)
        .text(r.line(&inv.context)))
}
