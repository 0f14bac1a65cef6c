//! Alert routing and history in `si paas`'s shapes: `alerts/policy.json` (severity → channel),
//! `alerts/telegram.json` and `alerts/webhook.json` (the channel settings; the bot token and the
//! webhook URL themselves live encrypted in the context vault), and the rows of
//! `events/alerts.jsonl`, every one with an `id` and `fields` of strings only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::redact;
use crate::state::events::{self, RevLine, ReverseLines};
use crate::state::paths::{ContextDir, EventFile};
use crate::state::vault::key_segment;
use crate::state::{clock, fsio};

/// Where an alert goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(try_from = "String", into = "String")]
pub enum Channel {
    Telegram,
    Webhook,
    Disabled,
}

impl Channel {
    pub const NAMES: [&'static str; 3] = ["telegram", "webhook", "disabled"];

    /// `si paas`'s names and aliases: empty is telegram; `none` and `off` are disabled.
    pub fn parse(s: &str) -> Result<Channel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "telegram" => Ok(Channel::Telegram),
            "webhook" => Ok(Channel::Webhook),
            "disabled" | "none" | "off" => Ok(Channel::Disabled),
            other => Err(PaasError::usage(
                "flag_validation",
                format!(
                    "unknown alert channel {:?} (telegram, webhook or disabled)",
                    crate::text::sanitize_inline(other)
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Telegram => "telegram",
            Channel::Webhook => "webhook",
            Channel::Disabled => "disabled",
        }
    }
}

impl TryFrom<String> for Channel {
    type Error = PaasError;
    fn try_from(s: String) -> Result<Channel> {
        Channel::parse(&s)
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.as_str().to_string()
    }
}

/// An alert's severity (`info|warning|critical`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AlertSeverity {
    Info,
    Warning,
    Critical,
}

impl AlertSeverity {
    pub const NAMES: [&'static str; 3] = ["info", "warning", "critical"];

    pub fn parse(s: &str) -> Result<AlertSeverity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(AlertSeverity::Info),
            "warning" => Ok(AlertSeverity::Warning),
            "critical" => Ok(AlertSeverity::Critical),
            other => Err(PaasError::usage(
                "flag_validation",
                format!(
                    "unknown severity {:?} (info, warning or critical)",
                    crate::text::sanitize_inline(other)
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }
}

impl TryFrom<String> for AlertSeverity {
    type Error = PaasError;
    fn try_from(s: String) -> Result<AlertSeverity> {
        AlertSeverity::parse(&s)
    }
}

impl From<AlertSeverity> for String {
    fn from(s: AlertSeverity) -> String {
        s.as_str().to_string()
    }
}

/// `alerts/policy.json`: `{"default_channel", "severity": {"info", "warning", "critical"},
/// "updated_at"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    #[serde(default = "telegram")]
    pub default_channel: Channel,
    #[serde(default)]
    pub severity: BTreeMap<AlertSeverity, Channel>,
    #[serde(default)]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn telegram() -> Channel {
    Channel::Telegram
}

impl Policy {
    /// `si paas`'s default: everything to telegram.
    pub fn si_default() -> Policy {
        Policy {
            default_channel: Channel::Telegram,
            severity: AlertSeverity::NAMES
                .iter()
                .filter_map(|s| AlertSeverity::parse(s).ok())
                .map(|s| (s, Channel::Telegram))
                .collect(),
            updated_at: String::new(),
            extra: Map::new(),
        }
    }

    /// The severity's channel, else the default channel.
    pub fn route(&self, s: AlertSeverity) -> Channel {
        self.severity
            .get(&s)
            .copied()
            .unwrap_or(self.default_channel)
    }
}

fn policy_path(cd: &ContextDir) -> std::path::PathBuf {
    cd.alerts_dir().join("policy.json")
}
fn telegram_path(cd: &ContextDir) -> std::path::PathBuf {
    cd.alerts_dir().join("telegram.json")
}
fn webhook_path(cd: &ContextDir) -> std::path::PathBuf {
    cd.alerts_dir().join("webhook.json")
}

pub fn paths(cd: &ContextDir) -> [std::path::PathBuf; 3] {
    [policy_path(cd), telegram_path(cd), webhook_path(cd)]
}

/// The stored policy; `None` when the context has none.
pub fn load_policy(cd: &ContextDir) -> Result<Option<Policy>> {
    fsio::read_json(&policy_path(cd))
}

/// The policy in force: the stored one, else every severity to the one channel that is set up
/// (telegram when both or neither are, as `si paas` does).
pub fn effective_policy(cd: &ContextDir) -> Result<(Policy, bool)> {
    if let Some(p) = load_policy(cd)? {
        return Ok((p, true));
    }
    let mut p = Policy::si_default();
    if load_telegram(cd)?.is_none() && load_webhook(cd)?.is_some() {
        p.default_channel = Channel::Webhook;
        for c in p.severity.values_mut() {
            *c = Channel::Webhook;
        }
    }
    Ok((p, false))
}

/// Changes the policy under the context lock, starting from the one in force.
pub fn update_policy(cd: &ContextDir, f: impl FnOnce(&mut Policy)) -> Result<Policy> {
    let _lock = cd.lock()?;
    let (mut p, _) = effective_policy(cd)?;
    f(&mut p);
    p.updated_at = clock::now_doc();
    fsio::ensure_dir(&cd.alerts_dir())?;
    fsio::write_doc(&policy_path(cd), &p)?;
    Ok(p)
}

/// A Telegram chat id: a number (negative for groups) or `@channelname`.
pub fn validate_chat_id(s: &str) -> Result<()> {
    let num = s.strip_prefix('-').unwrap_or(s);
    let numeric = !num.is_empty() && num.len() <= 20 && num.bytes().all(|b| b.is_ascii_digit());
    let handle = s.strip_prefix('@').is_some_and(|h| {
        (4..=32).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if numeric || handle {
        Ok(())
    } else {
        Err(PaasError::usage(
            "flag_validation",
            format!(
                "invalid Telegram chat id {:?}: a number (negative for a group) or @channelname",
                crate::text::sanitize_inline(s)
            ),
        ))
    }
}

fn chat_id_field<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let s = String::deserialize(d)?.trim().to_string();
    validate_chat_id(&s).map_err(|e| serde::de::Error::custom(e.message))?;
    Ok(s)
}

/// `alerts/telegram.json` in `si paas`'s shape. paasdeck writes `bot_token` as `<redacted>`: the
/// token is in the vault. A plaintext token an `si paas` wrote is still used (and reported by the
/// doctor) until `alert setup-telegram` moves it into the vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TelegramConfig {
    #[serde(default)]
    pub bot_token: String,
    #[serde(deserialize_with = "chat_id_field")]
    pub chat_id: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TelegramConfig {
    /// A token written in the file by an older tool.
    pub fn plaintext_token(&self) -> Option<&str> {
        let t = self.bot_token.trim();
        (!t.is_empty() && t != redact::REDACTED).then_some(t)
    }
}

/// `alerts/webhook.json` (a paasdeck addition): the URL is in the vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct WebhookConfig {
    #[serde(default)]
    pub vault_key: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn load_telegram(cd: &ContextDir) -> Result<Option<TelegramConfig>> {
    fsio::read_json(&telegram_path(cd))
}

pub fn load_webhook(cd: &ContextDir) -> Result<Option<WebhookConfig>> {
    fsio::read_json(&webhook_path(cd))
}

/// The vault key of the context's Telegram bot token.
pub fn telegram_token_key(context: &str) -> String {
    format!(
        "PAAS__CTX_{}__ALERT__TELEGRAM_BOT_TOKEN",
        key_segment(context)
    )
}

/// The vault key of the context's webhook URL.
pub fn webhook_url_key(context: &str) -> String {
    format!("PAAS__CTX_{}__ALERT__WEBHOOK_URL", key_segment(context))
}

/// Records the Telegram settings (the caller has sealed the token into the vault).
pub fn save_telegram(cd: &ContextDir, chat_id: &str) -> Result<TelegramConfig> {
    validate_chat_id(chat_id)?;
    let mut extra = Map::new();
    extra.insert("vault_key".into(), telegram_token_key(cd.name()).into());
    let cfg = TelegramConfig {
        bot_token: redact::REDACTED.to_string(),
        chat_id: chat_id.to_string(),
        updated_at: clock::now_doc(),
        extra,
    };
    fsio::ensure_dir(&cd.alerts_dir())?;
    fsio::write_doc(&telegram_path(cd), &cfg)?;
    Ok(cfg)
}

/// Records the webhook settings (the caller has sealed the URL into the vault).
pub fn save_webhook(cd: &ContextDir) -> Result<WebhookConfig> {
    let cfg = WebhookConfig {
        vault_key: webhook_url_key(cd.name()),
        updated_at: clock::now_doc(),
        extra: Map::new(),
    };
    fsio::ensure_dir(&cd.alerts_dir())?;
    fsio::write_doc(&webhook_path(cd), &cfg)?;
    Ok(cfg)
}

/// An alert id: `al-YYYYMMDDTHHMMSS-<8 hex>`.
pub fn new_alert_id() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let now = clock::now();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let seed = format!("{}-{}-{n}", now.unix_timestamp_nanos(), std::process::id());
    let hex: String = Sha256::digest(seed.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "al-{:04}{:02}{:02}T{:02}{:02}{:02}-{hex}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Whether `s` looks like an alert id (letters, digits, `-`, at most 64).
pub fn validate_alert_id(s: &str) -> Result<()> {
    if !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(PaasError::usage(
            "flag_validation",
            format!(
                "invalid alert id {:?} (`paasdeck alert history` lists them)",
                crate::text::sanitize_inline(s)
            ),
        ))
    }
}

fn alert_id_field<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if !s.is_empty() {
        validate_alert_id(&s).map_err(|e| serde::de::Error::custom(e.message))?;
    }
    Ok(s)
}

fn target_field<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let s = String::deserialize(d)?.trim().to_string();
    crate::state::incidents::validate_targets(&s).map_err(serde::de::Error::custom)?;
    Ok(s)
}

/// One row of `events/alerts.jsonl`, `si paas`'s shape plus an `id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlertRow {
    pub timestamp: String,
    #[serde(default, deserialize_with = "alert_id_field")]
    pub id: String,
    pub command: String,
    pub severity: AlertSeverity,
    pub status: String,
    #[serde(
        default,
        deserialize_with = "target_field",
        skip_serializing_if = "String::is_empty"
    )]
    pub target: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub guidance: String,
    #[serde(default)]
    pub context: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl AlertRow {
    pub fn field(&self, key: &str) -> &str {
        self.fields.get(key).map(String::as_str).unwrap_or("")
    }
}

/// Appends an alert row (secret-like fields redacted on write, as every event row).
pub fn append(cd: &ContextDir, row: &AlertRow) -> Result<()> {
    let Value::Object(map) = serde_json::to_value(row).map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "alert_record",
            format!("could not serialise an alert row: {e}"),
        )
    })?
    else {
        return Ok(());
    };
    events::append(cd, EventFile::Alerts, map)
}

/// Alert rows newest first, as far as `keep` wants; rows that cannot be read (torn, a
/// non-string field, a bad id or target) are counted and skipped, as `si paas` skips them.
pub fn scan(cd: &ContextDir, mut keep: impl FnMut(AlertRow) -> bool) -> usize {
    let Ok(lines) = ReverseLines::open(&cd.event_file(EventFile::Alerts)) else {
        return 0;
    };
    let mut skipped = 0;
    for line in lines {
        let Ok(RevLine::Row(line)) = line else {
            skipped += 1;
            continue;
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AlertRow>(&line) {
            Ok(row) => {
                if !keep(row) {
                    break;
                }
            }
            Err(_) => skipped += 1,
        }
    }
    skipped
}

/// The last `limit` rows (optionally of one severity), oldest first as `si paas` prints them.
pub fn history(
    cd: &ContextDir,
    limit: usize,
    severity: Option<AlertSeverity>,
) -> (Vec<AlertRow>, usize) {
    let mut rows = Vec::new();
    let skipped = scan(cd, |r| {
        if severity.is_none_or(|s| s == r.severity) {
            rows.push(r);
        }
        rows.len() < limit
    });
    rows.reverse();
    (rows, skipped)
}

/// The newest row with this id.
pub fn find(cd: &ContextDir, id: &str) -> Option<AlertRow> {
    let mut found = None;
    scan(cd, |r| {
        if r.id == id && found.is_none() {
            found = Some(r);
            return false;
        }
        true
    });
    found
}

/// Whether an acknowledgement of `id` was recorded already.
pub fn acknowledged(cd: &ContextDir, id: &str) -> Option<AlertRow> {
    let mut found = None;
    scan(cd, |r| {
        if r.command == "alert acknowledge" && r.field("alert_id") == id {
            found = Some(r);
            return false;
        }
        true
    });
    found
}
