//! `alert_channel_configured` (a warning, SPEC §7 and §16): an alert channel is set up and the
//! policy routes `critical` alerts to a channel that is, so a failing `check` pages someone.

use super::fix::Fixer;
use super::{Check, fail, pass};
use crate::state::alerts::{self, AlertSeverity, Channel};
use crate::state::paths::ContextDir;

pub const NAME: &str = "alert_channel_configured";

pub fn alert_channel_configured(cd: &ContextDir, fixer: &Fixer) -> Check {
    let read = (|| {
        let telegram = alerts::load_telegram(cd)?.is_some();
        let webhook = alerts::load_webhook(cd)?.is_some();
        let (policy, stored) = alerts::effective_policy(cd)?;
        Ok::<_, crate::error::PaasError>((telegram, webhook, policy, stored))
    })();
    let (telegram, webhook, policy, stored) = match read {
        Ok(r) => r,
        Err(e) => {
            return fail(NAME, e.message.clone()).with_fix(format!(
                "${{EDITOR:-vi}} {}",
                super::fix::paths(alerts::paths(cd).iter().map(|p| p.as_path()))
            ));
        }
    };
    let critical = policy.route(AlertSeverity::Critical);
    let set_up = |c: Channel| match c {
        Channel::Telegram => telegram,
        Channel::Webhook => webhook,
        Channel::Disabled => false,
    };
    if set_up(critical) {
        return pass(
            NAME,
            format!(
                "critical alerts go to {}, which is set up",
                critical.as_str()
            ),
        );
    }
    if !telegram && !webhook {
        let mut fix = fixer.paasdeck("alert setup-webhook");
        if stored && critical != Channel::Webhook {
            fix.push_str(" && ");
            fix.push_str(&fixer.paasdeck("alert policy set --critical webhook"));
        }
        return fail(
            NAME,
            format!(
                "no alert channel is set up: a failing check or deploy pages no one; set up a webhook (its URL on stdin: `printf %s \"$URL\" | {}`) or Telegram (`printf %s \"$TOKEN\" | {}`)",
                fixer.paasdeck("alert setup-webhook"),
                fixer.paasdeck("alert setup-telegram --chat-id ID"),
            ),
        )
        .with_fix(fix);
    }
    let have = if webhook {
        Channel::Webhook
    } else {
        Channel::Telegram
    };
    fail(
        NAME,
        format!(
            "critical alerts are routed to {}, which is not set up, while {} is",
            critical.as_str(),
            have.as_str()
        ),
    )
    .with_fix(fixer.paasdeck(&format!("alert policy set --critical {}", have.as_str())))
}
