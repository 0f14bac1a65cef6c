//! `vault keygen|status|recipient add` and `secret encrypt`: the operator's age identity and who
//! can decrypt a context's vault (SPEC §13). Never prints a secret key or a value.

use std::str::FromStr;

use age::x25519::Recipient;
use serde_json::{Value, json};

use super::Invocation;
use super::output::Report;
use crate::cli::{RecipientCmd, VaultCmd};
use crate::error::{PaasError, Result};
use crate::state::ContextDir;
use crate::state::context;
use crate::state::vault::format::{SI_PUBLIC_KEY_NAME, ValueKind};
use crate::state::vault::identity::{self, Lazy, OperatorIdentity};
use crate::state::vault::{Entry, Vault};
use crate::text::sanitize_inline;

/// The recipients a write encrypts to.
pub(super) struct WriteTo {
    pub recipients: Vec<Recipient>,
    /// Said when the operator will not be able to read what is written.
    pub note: Option<String>,
}

/// The vault's recipients, or, for a vault without any, the operator's own (the header is
/// added to the file either way).
pub(super) fn write_recipients(inv: &Invocation, vault: &mut Vault) -> Result<WriteTo> {
    let (recipients, note) = crate::ops::secrets::write_recipients(&inv.root, &inv.context, vault)?;
    Ok(WriteTo { recipients, note })
}

fn counts(entries: &[Entry]) -> Value {
    let mut c = json!({"encrypted": 0, "plaintext": 0, "unsupported": 0, "corrupt": 0, "empty": 0});
    for e in entries.iter().filter(|e| e.key != SI_PUBLIC_KEY_NAME) {
        if let Some(n) = c.get_mut(e.kind.label()) {
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
    }
    c
}

/// `secret encrypt`: every plaintext value encrypted in place, atomically, under the lock.
pub(super) fn encrypt(inv: &Invocation, cd: &ContextDir) -> Result<Report> {
    let path = context::vault_path(cd);
    let _lock = cd.lock()?;
    let mut vault = Vault::load(&path)?;
    let plain = vault
        .entries()
        .iter()
        .filter(|e| e.kind == ValueKind::Plain && e.key != SI_PUBLIC_KEY_NAME)
        .count();
    let mut converted = Vec::new();
    let mut note = None;
    if plain > 0 {
        vault.check_readable()?;
        let to = write_recipients(inv, &mut vault)?;
        converted = vault.encrypt_plaintext(&to.recipients)?;
        vault.save()?;
        note = to.note;
    }
    let after = counts(&vault.entries());
    let mut text = format!(
        "{} plaintext value(s) encrypted in {}",
        converted.len(),
        path.display()
    );
    for k in &converted {
        text.push_str(&format!("\n  {}", sanitize_inline(k)));
    }
    let unreadable =
        after["unsupported"].as_u64().unwrap_or(0) + after["corrupt"].as_u64().unwrap_or(0);
    if unreadable > 0 {
        text.push_str(&format!(
            "\nwarning: {unreadable} value(s) cannot be read (`paasdeck doctor` names them)"
        ));
    }
    if let Some(n) = &note {
        text.push_str(&format!("\nnote: {n}"));
    }
    Ok(Report::ok()
        .field("vault_file", path.display().to_string())
        .field("encrypted_now", converted.len())
        .set("keys", &converted)
        .set("value_counts", after)
        .set("note", &note)
        .text(text))
}

pub fn run(inv: &Invocation, cmd: &VaultCmd) -> Result<Report> {
    match cmd {
        VaultCmd::Keygen => keygen(inv),
        VaultCmd::Status => status(inv),
        VaultCmd::Recipient(RecipientCmd::Add { recipient }) => recipient_add(inv, recipient),
    }
}

fn identity_fields(report: Report, id: &OperatorIdentity) -> Report {
    report
        .field("identity_source", id.source.kind())
        .field(
            "identity_file",
            id.source.path().map(|p| p.display().to_string()),
        )
        .field("recipient", id.recipient().to_string())
}

fn keygen(inv: &Invocation) -> Result<Report> {
    let (id, created) = identity::keygen(inv.root.path())?;
    let text = format!(
        "{} {}\nrecipient: {}\n",
        if created {
            "created your identity at"
        } else {
            "you already have an identity:"
        },
        sanitize_inline(&id.source.describe()),
        id.recipient()
    );
    Ok(identity_fields(Report::ok().field("created", created), &id).text(text))
}

fn status(inv: &Invocation) -> Result<Report> {
    let mut text = String::new();
    let mut report = Report::ok();
    let own = match identity::find(inv.root.path()) {
        Ok(Some(id)) => {
            text.push_str(&format!(
                "identity   {}\nrecipient  {}\n",
                sanitize_inline(&id.source.describe()),
                id.recipient()
            ));
            report = identity_fields(report, &id);
            Some(id.recipient())
        }
        Ok(None) => {
            text.push_str("identity   none (create one with `paasdeck vault keygen`)\n");
            report = report.set("identity_source", Value::Null);
            None
        }
        Err(e) => {
            text.push_str(&format!(
                "identity   unusable: {}\n",
                sanitize_inline(&e.message)
            ));
            report = report
                .set("identity_source", Value::Null)
                .set("identity_error", &e.message);
            None
        }
    };
    let cd = inv.cd();
    if !cd.exists() {
        text.push_str(&format!(
            "context {} does not exist: no vault\n",
            inv.context
        ));
        return Ok(report.set("vault", Value::Null).text(text));
    }
    let path = context::vault_path(&cd);
    let vault = Vault::load(&path)?;
    let recipients: Vec<String> = vault.recipients().iter().map(|r| r.to_string()).collect();
    let values = counts(&vault.entries());
    let mine = own.map(|r| recipients.contains(&r.to_string()));
    text.push_str(&format!(
        "vault      {}\nrecipients {}\n",
        path.display(),
        recipients.len()
    ));
    for r in &recipients {
        text.push_str(&format!("  {r}\n"));
    }
    text.push_str(&format!(
        "values     {} encrypted, {} plaintext, {} unsupported, {} corrupt\n",
        values["encrypted"], values["plaintext"], values["unsupported"], values["corrupt"]
    ));
    if mine == Some(false) && !recipients.is_empty() {
        text.push_str("note: your identity is not a recipient of this vault\n");
    }
    Ok(report
        .set(
            "vault",
            json!({
                "file": path.display().to_string(),
                "exists": path.exists(),
                "recipients": recipients,
                "you_are_recipient": mine,
                "value_counts": values,
            }),
        )
        .text(text))
}

fn recipient_add(inv: &Invocation, raw: &str) -> Result<Report> {
    let new = Recipient::from_str(raw.trim()).map_err(|_| {
        PaasError::usage(
            "flag_validation",
            format!("{:?} is not an age X25519 recipient", sanitize_inline(raw)),
        )
        .with_remediation(
            "pass the teammate's `age1…` recipient, as `paasdeck vault status` prints it",
        )
    })?;
    let cd = inv.existing_cd()?;
    let path = context::vault_path(&cd);
    let _lock = cd.lock()?;
    let mut vault = Vault::load(&path)?;
    let mut recipients = vault.recipients();
    if recipients.contains(&new) {
        return Ok(Report::ok()
            .field("recipient", new.to_string())
            .field("added", false)
            .set("recipients", recipients.len())
            .text(format!(
                "{new} is already a recipient of {}",
                path.display()
            )));
    }
    vault.check_readable()?;
    let mut ids = Lazy::new(inv.root.path());
    if recipients.is_empty() {
        // A vault without recipients gets the operator's own first, or nobody here could read it.
        recipients.push(ids.get()?.recipient());
    }
    recipients.push(new.clone());
    vault.ensure_recipients(&recipients);
    let reencrypted = vault.reencrypt(&mut ids, &recipients)?;
    vault.save()?;
    let values = counts(&vault.entries());
    Ok(Report::ok()
        .field("recipient", new.to_string())
        .field("added", true)
        .field("recipients", recipients.len())
        .field("reencrypted", reencrypted.len())
        .set("value_counts", &values)
        .text(format!(
            "{new} added to {}; {} value(s) re-encrypted to {} recipient(s){}",
            path.display(),
            reencrypted.len(),
            recipients.len(),
            match values["plaintext"].as_u64() {
                Some(n) if n > 0 => format!(
                    "; {n} plaintext value(s) left (run `paasdeck --context {} secret encrypt`)",
                    inv.context
                ),
                _ => String::new(),
            }
        )))
}
