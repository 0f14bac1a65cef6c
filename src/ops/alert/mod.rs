//! Raising an alert: an id, `si paas`'s callback hints as paasdeck commands, routing by the
//! context's policy, delivery to Telegram or a webhook, and one row in `events/alerts.jsonl`
//! whatever happened. Delivery never fails the command that raised the alert and takes at most
//! [`http::TIMEOUT`]; a failure is recorded in the row (`status: failed`, `delivery_error`).

pub mod answer;
pub mod hints;
pub mod http;

use std::collections::BTreeMap;

use crate::policy::redact::ValueRedactor;
use crate::state::alerts::{self, AlertRow, AlertSeverity, Channel};
use crate::state::incidents;
use crate::state::paths::ContextDir;
use crate::state::vault::Vault;
use crate::state::vault::identity::Lazy;
use crate::state::{clock, context};

pub const TELEGRAM_API_BASE_ENV: &str = "SI_PAAS_TELEGRAM_API_BASE";
const TELEGRAM_API_BASE: &str = "https://api.telegram.org";

/// An alert about to be raised.
#[derive(Debug, Clone)]
pub struct Alert {
    /// `deploy failure`, `rollback failure`, `check failure`, `alert test`.
    pub command: String,
    pub severity: AlertSeverity,
    pub target: String,
    pub message: String,
    pub guidance: String,
    /// Strings only (`app`, `release`, `rollback_to`, ...); secret-like keys are redacted.
    pub fields: BTreeMap<String, String>,
    /// The incident the failure was folded into.
    pub incident_id: Option<String>,
}

impl Alert {
    pub fn new(command: &str, severity: AlertSeverity, message: &str) -> Alert {
        Alert {
            command: command.to_string(),
            severity,
            target: String::new(),
            message: message.to_string(),
            guidance: String::new(),
            fields: BTreeMap::new(),
            incident_id: None,
        }
    }

    pub fn field(mut self, k: &str, v: impl Into<String>) -> Alert {
        let v = v.into();
        if !v.is_empty() {
            self.fields.insert(k.to_string(), v);
        }
        self
    }
}

/// The secret of a channel, from the vault (or, for Telegram, a plaintext token an older tool
/// left in `telegram.json`).
fn vault_value(cd: &ContextDir, key: &str) -> Result<Option<String>, String> {
    let vault = Vault::load(&context::vault_path(cd)).map_err(|e| e.message)?;
    let mut ids = Lazy::new(cd.root_path());
    vault.reveal(key, &mut ids).map_err(|e| e.message)
}

fn setup_hint(cd: &ContextDir, channel: Channel) -> String {
    match channel {
        Channel::Telegram => format!(
            "telegram is not set up for context {0}; run `paasdeck --context {0} alert setup-telegram --chat-id ID` with the bot token on stdin",
            cd.name()
        ),
        _ => format!(
            "no webhook is set up for context {0}; run `paasdeck --context {0} alert setup-webhook` with the URL on stdin",
            cd.name()
        ),
    }
}

/// Sends to Telegram: `POST <base>/bot<token>/sendMessage` with `chat_id` and `text`.
fn send_telegram(cd: &ContextDir, text: &str, secrets: &mut Vec<String>) -> Result<(), String> {
    let cfg = alerts::load_telegram(cd)
        .map_err(|e| e.message)?
        .ok_or_else(|| setup_hint(cd, Channel::Telegram))?;
    let token = match vault_value(cd, &alerts::telegram_token_key(cd.name()))? {
        Some(t) if !t.is_empty() => t,
        _ => cfg
            .plaintext_token()
            .map(str::to_string)
            .ok_or_else(|| setup_hint(cd, Channel::Telegram))?,
    };
    secrets.push(token.clone());
    let base = std::env::var(TELEGRAM_API_BASE_ENV)
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| TELEGRAM_API_BASE.to_string());
    let url = format!(
        "{}/bot{token}/sendMessage",
        base.trim().trim_end_matches('/')
    );
    secrets.push(url.clone());
    let a = http::post_form(&url, &[("chat_id", &cfg.chat_id), ("text", text)])
        .map_err(|e| format!("send telegram alert: {e}"))?;
    answer::telegram(&a)
}

/// Sends the alert row as JSON to the webhook.
fn send_webhook(cd: &ContextDir, row: &AlertRow, secrets: &mut Vec<String>) -> Result<(), String> {
    alerts::load_webhook(cd)
        .map_err(|e| e.message)?
        .ok_or_else(|| setup_hint(cd, Channel::Webhook))?;
    let url = vault_value(cd, &alerts::webhook_url_key(cd.name()))?
        .filter(|u| !u.is_empty())
        .ok_or_else(|| setup_hint(cd, Channel::Webhook))?;
    secrets.push(url.clone());
    http::check_url(&url).map_err(|e| format!("the webhook URL in the vault is unusable: {e}"))?;
    let body = serde_json::to_vec(row).map_err(|e| e.to_string())?;
    let a = http::post_json(&url, &body).map_err(|e| format!("send webhook alert: {e}"))?;
    if a.status >= 300 {
        return Err(format!("webhook answered HTTP {}", a.status));
    }
    Ok(())
}

/// What delivering did.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub channel: Channel,
    /// `sent`, `failed`, `suppressed`.
    pub status: &'static str,
    pub error: Option<String>,
}

/// Routes and delivers `row` (already holding its hints), cleaning every error of the channel's
/// secrets.
fn deliver(cd: &ContextDir, row: &AlertRow, text: &str) -> Delivery {
    let channel = match alerts::effective_policy(cd) {
        Ok((p, _)) => p.route(row.severity),
        Err(e) => {
            return Delivery {
                channel: Channel::Telegram,
                status: "failed",
                error: Some(e.message),
            };
        }
    };
    let mut secrets = Vec::new();
    let sent = match channel {
        Channel::Disabled => {
            return Delivery {
                channel,
                status: "suppressed",
                error: None,
            };
        }
        Channel::Telegram => send_telegram(cd, text, &mut secrets),
        Channel::Webhook => {
            let mut sent_row = row.clone();
            sent_row.status = "sent".into();
            sent_row
                .fields
                .insert("channel".into(), channel.as_str().into());
            send_webhook(cd, &sent_row, &mut secrets)
        }
    };
    match sent {
        Ok(()) => Delivery {
            channel,
            status: "sent",
            error: None,
        },
        Err(e) => Delivery {
            channel,
            status: "failed",
            error: Some(ValueRedactor::new(&secrets).redact(&e).into_owned()),
        },
    }
}

/// The row an alert makes before delivery: id, timestamp, hints and the incident link.
pub fn prepare(cd: &ContextDir, a: &Alert) -> AlertRow {
    let id = alerts::new_alert_id();
    let mut fields = a.fields.clone();
    for (k, v) in hints::build(
        cd.name(),
        &id,
        a.severity.as_str(),
        &a.target,
        &a.fields,
        a.incident_id.as_deref(),
    ) {
        fields.insert(k, v);
    }
    if let Some(i) = &a.incident_id {
        fields.insert(incidents::INCIDENT_ID_FIELD.into(), i.clone());
    }
    let mut v = serde_json::to_value(&fields).unwrap_or_default();
    crate::policy::redact::redact(&mut v);
    AlertRow {
        timestamp: clock::now_event(),
        id,
        command: a.command.clone(),
        severity: a.severity,
        status: String::new(),
        target: a.target.clone(),
        message: a.message.clone(),
        guidance: a.guidance.clone(),
        context: cd.name().to_string(),
        fields: serde_json::from_value(v).unwrap_or_default(),
    }
}

/// The text a channel receives.
pub fn text_of(row: &AlertRow) -> String {
    let hints: BTreeMap<String, String> = row
        .fields
        .iter()
        .filter(|(k, _)| k.starts_with("callback_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    hints::message(
        row.severity.as_str(),
        &row.command,
        &row.target,
        &row.message,
        &row.context,
        &hints,
    )
}

/// Raises an alert: delivers it and records its row. Never fails; a row that cannot be written
/// is logged.
pub fn raise(cd: &ContextDir, a: &Alert) -> AlertRow {
    let mut row = prepare(cd, a);
    let d = deliver(cd, &row, &text_of(&row));
    row.status = d.status.to_string();
    row.fields
        .insert("channel".into(), d.channel.as_str().into());
    if let Some(e) = &d.error {
        row.fields.insert("delivery_error".into(), e.clone());
    }
    record(cd, &row);
    row
}

/// Records a row and links it to its incident.
pub fn record(cd: &ContextDir, row: &AlertRow) {
    if let Err(e) = alerts::append(cd, row) {
        tracing::error!(
            context = cd.name(),
            "could not record alert {}: {}",
            row.id,
            e.message
        );
    }
    let incident = row.field(incidents::INCIDENT_ID_FIELD);
    if !incident.is_empty()
        && let Err(e) = incidents::acknowledge(cd, incident, "", Some(&row.id), false)
    {
        tracing::error!(
            context = cd.name(),
            "could not link alert {} to its incident: {}",
            row.id,
            e.message
        );
    }
    if row.status == "failed" {
        tracing::warn!(context = cd.name(), alert = %row.id, "alert delivery failed: {}", row.field("delivery_error"));
    }
}

/// One line saying what became of an alert.
pub fn describe(row: &AlertRow) -> String {
    match row.status.as_str() {
        "failed" => format!(
            "alert {} not delivered ({}): {}",
            row.id,
            row.field("channel"),
            row.field("delivery_error")
        ),
        s => format!("alert {} {s} ({})", row.id, row.field("channel")),
    }
}

/// Raises from async code without holding up its runtime's workers.
pub async fn raise_async(cd: ContextDir, a: Alert) -> Option<AlertRow> {
    tokio::task::spawn_blocking(move || raise(&cd, &a))
        .await
        .ok()
}

/// What acknowledging an alert did.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub alert: AlertRow,
    pub ack: AlertRow,
    pub incident: Option<incidents::Entry>,
}

/// Acknowledges an alert by its id: an `alert acknowledge` row naming it, and its incident (if
/// it names one) acknowledged. An unknown id is `PAAS_ALERT_NOT_FOUND`.
pub fn acknowledge(
    cd: &ContextDir,
    id: &str,
    note: &str,
    operator: &str,
) -> crate::error::Result<Acknowledged> {
    use crate::error::{ErrorCode, PaasError};
    alerts::validate_alert_id(id)?;
    crate::text::refuse_control("--note", note)?;
    let Some(orig) = alerts::find(cd, id).filter(|r| r.command != "alert acknowledge") else {
        return Err(PaasError::new(
            ErrorCode::AlertNotFound,
            "alert_lookup",
            format!("context {} has no alert {id}", cd.name()),
        )
        .with_remediation(format!(
            "list the alerts with `paasdeck --context {} alert history`",
            cd.name()
        )));
    };
    let mut ack = AlertRow {
        timestamp: clock::now_event(),
        id: alerts::new_alert_id(),
        command: "alert acknowledge".into(),
        severity: AlertSeverity::Info,
        status: "acknowledged".into(),
        target: orig.target.clone(),
        message: note.to_string(),
        guidance: String::new(),
        context: cd.name().to_string(),
        fields: BTreeMap::new(),
    };
    ack.fields.insert("alert_id".into(), orig.id.clone());
    ack.fields
        .insert("ack_command".into(), orig.command.clone());
    ack.fields.insert("operator".into(), operator.to_string());
    let incident_id = orig.field(incidents::INCIDENT_ID_FIELD).to_string();
    let incident = if incident_id.is_empty() {
        None
    } else {
        ack.fields
            .insert("acknowledged_incident".into(), incident_id.clone());
        incidents::acknowledge(cd, &incident_id, operator, None, true)?
    };
    alerts::append(cd, &ack)?;
    Ok(Acknowledged {
        alert: orig,
        ack,
        incident,
    })
}
