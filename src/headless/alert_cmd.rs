//! `alert setup-telegram|setup-webhook|policy show|policy set|test|history|acknowledge`. The bot
//! token and the webhook URL come from stdin (or a hidden prompt), go encrypted into the context
//! vault, and are never printed.

use serde_json::{Value, json};

use super::Invocation;
use super::output::Report;
use super::secret_cmd::read_value;
use crate::cli::{AlertCmd, AlertPolicyCmd};
use crate::error::{PaasError, Result};
use crate::ops::alert::http;
use crate::state::alerts::{self, AlertSeverity, Channel};
use crate::state::paths::ContextDir;
use crate::verbs::oncall;

pub fn run(inv: &Invocation, cmd: &AlertCmd) -> Result<Report> {
    let cd = inv.existing_cd()?;
    match cmd {
        AlertCmd::SetupTelegram { chat_id } => setup_telegram(inv, &cd, chat_id),
        AlertCmd::SetupWebhook => setup_webhook(inv, &cd),
        AlertCmd::Policy(AlertPolicyCmd::Show) => policy_show(&cd),
        AlertCmd::Policy(AlertPolicyCmd::Set {
            default_channel,
            info,
            warning,
            critical,
        }) => policy_set(&cd, default_channel, info, warning, critical),
        AlertCmd::Test { severity, message } => {
            verb(inv, |s| oncall::alert_test(s, severity, message))
        }
        AlertCmd::History { limit, severity } => {
            let input = oncall::HistoryInput {
                limit: *limit as usize,
                severity: severity.clone(),
            };
            verb(inv, |s| oncall::alert_history(s, &input))
        }
        AlertCmd::Acknowledge { id, note } => verb(inv, |s| oncall::alert_acknowledge(s, id, note)),
    }
}

/// Seals a channel secret into the context vault under the context lock.
fn store_secret(
    inv: &Invocation,
    cd: &ContextDir,
    key: &str,
    value: &str,
) -> Result<Option<String>> {
    Ok(crate::ops::secrets::seal_key(&inv.root, cd, key, value)?.note)
}

/// A bot token as Telegram issues them (`123456:AbC-_x`); the message never shows it.
fn check_bot_token(t: &str) -> Result<()> {
    let ok = t.len() <= 256
        && t.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(PaasError::usage(
            "alert_setup",
            "the value on stdin is not a Telegram bot token (digits, ':', then letters, digits, '-' or '_')",
        )
        .with_remediation("pipe the token @BotFather gave you: `printf %s \"$TOKEN\" | paasdeck --context C alert setup-telegram --chat-id ID`"))
    }
}

fn setup_telegram(inv: &Invocation, cd: &ContextDir, chat_id: &str) -> Result<Report> {
    alerts::validate_chat_id(chat_id)?;
    let key = alerts::telegram_token_key(cd.name());
    let token = read_value("the Telegram bot token")?;
    check_bot_token(token.trim())?;
    let note = store_secret(inv, cd, &key, token.trim())?;
    drop(token);
    let cfg = alerts::save_telegram(cd, chat_id)?;
    let mut text = format!(
        "telegram alerts of {} go to chat {} (bot token encrypted in the vault as {key})",
        cd.name(),
        cfg.chat_id
    );
    if let Some(n) = &note {
        text.push_str(&format!("\nnote: {n}"));
    }
    Ok(Report::ok()
        .field("chat_id", &cfg.chat_id)
        .field("bot_token_set", true)
        .field("vault_key", &key)
        .field(
            "config_path",
            cd.alerts_dir().join("telegram.json").display().to_string(),
        )
        .field("configured", true)
        .set("note", note)
        .text(text))
}

fn setup_webhook(inv: &Invocation, cd: &ContextDir) -> Result<Report> {
    let key = alerts::webhook_url_key(cd.name());
    let url = read_value("the webhook URL")?;
    let url = url.trim().to_string();
    http::check_url(&url).map_err(|why| {
        PaasError::usage("alert_setup", format!("the webhook URL on stdin is unusable: {why}"))
            .with_remediation("pipe an http:// or https:// URL: `printf %s \"$URL\" | paasdeck --context C alert setup-webhook`")
    })?;
    let note = store_secret(inv, cd, &key, &url)?;
    drop(url);
    alerts::save_webhook(cd)?;
    let mut text = format!(
        "webhook alerts of {} are set up (URL encrypted in the vault as {key}); route severities to it with `alert policy set --critical webhook`",
        cd.name()
    );
    if let Some(n) = &note {
        text.push_str(&format!("\nnote: {n}"));
    }
    Ok(Report::ok()
        .field("url_set", true)
        .field("vault_key", &key)
        .field(
            "config_path",
            cd.alerts_dir().join("webhook.json").display().to_string(),
        )
        .set("note", note)
        .text(text))
}

fn policy_json(p: &alerts::Policy) -> Value {
    json!({
        "default_channel": p.default_channel.as_str(),
        "severity": p.severity.iter().map(|(s, c)| (s.as_str().to_string(), json!(c.as_str()))).collect::<serde_json::Map<_, _>>(),
        "updated_at": p.updated_at,
    })
}

fn policy_text(p: &alerts::Policy, stored: bool) -> String {
    let mut s = format!(
        "default_channel  {}{}\n",
        p.default_channel.as_str(),
        if stored {
            ""
        } else {
            "   (no policy.json: the default)"
        }
    );
    for sev in AlertSeverity::NAMES {
        if let Ok(s2) = AlertSeverity::parse(sev) {
            s.push_str(&format!("{sev:<16} {}\n", p.route(s2).as_str()));
        }
    }
    s
}

fn policy_show(cd: &ContextDir) -> Result<Report> {
    let (p, stored) = alerts::effective_policy(cd)?;
    let [path, tg, wh] = alerts::paths(cd);
    Ok(Report::ok()
        .set("path", path.display().to_string())
        .set("stored", stored)
        .set("data", policy_json(&p))
        .set("channels", Channel::NAMES)
        .set(
            "configured",
            json!({"telegram": tg.is_file(), "webhook": wh.is_file()}),
        )
        .text(policy_text(&p, true)))
}

fn policy_set(
    cd: &ContextDir,
    default: &Option<String>,
    info: &Option<String>,
    warning: &Option<String>,
    critical: &Option<String>,
) -> Result<Report> {
    if default.is_none() && info.is_none() && warning.is_none() && critical.is_none() {
        return Err(PaasError::usage(
            "flag_validation",
            "nothing to set: give --default, --info, --warning or --critical",
        ));
    }
    let parse = |v: &Option<String>| v.as_deref().map(Channel::parse).transpose();
    let (d, i, w, c) = (
        parse(default)?,
        parse(info)?,
        parse(warning)?,
        parse(critical)?,
    );
    let p = alerts::update_policy(cd, |p| {
        if let Some(d) = d {
            p.default_channel = d;
        }
        for (sev, ch) in [
            (AlertSeverity::Info, i),
            (AlertSeverity::Warning, w),
            (AlertSeverity::Critical, c),
        ] {
            if let Some(ch) = ch {
                p.severity.insert(sev, ch);
            }
        }
    })?;
    let mut rep = Report::ok().set("data", policy_json(&p));
    rep = rep.audit_only("default_channel", p.default_channel.as_str());
    for sev in [
        AlertSeverity::Info,
        AlertSeverity::Warning,
        AlertSeverity::Critical,
    ] {
        rep = rep.audit_only(sev.as_str(), p.route(sev).as_str());
    }
    Ok(rep.text(policy_text(&p, true)))
}

/// Runs a verb that reaches no target, with this invocation's scope.
fn verb(
    inv: &Invocation,
    f: impl FnOnce(&crate::verbs::Scope) -> Result<Report>,
) -> Result<Report> {
    super::remote_cmd::run_verb(inv, None, |scope| async move { f(&scope) })
}
