//! `si paas`'s callback hints, as paasdeck commands: view the logs, roll back (to the release
//! before, never to the failing one), acknowledge this very alert by its id, open the incident.

use std::collections::BTreeMap;

use crate::remote::quote::quote;
use crate::state::names;

/// A word for a shell line: as it is when it is plain, quoted otherwise.
pub fn word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@:,".contains(c))
    {
        s.to_string()
    } else {
        quote(s)
    }
}

/// The hints for an alert of `context` with these fields (`app`, `target`, `rollback_to`).
pub fn build(
    context: &str,
    alert_id: &str,
    severity: &str,
    target: &str,
    fields: &BTreeMap<String, String>,
    incident_id: Option<&str>,
) -> BTreeMap<String, String> {
    let mut hints = BTreeMap::new();
    let ctx = format!("paasdeck --context {}", word(context));
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("").trim();
    let app = Some(get("app")).filter(|a| names::validate_app(a).is_ok());
    // A failure on several targets: the hints name the first; the alert names them all.
    let first_target = target
        .split(',')
        .map(str::trim)
        .find(|t| names::validate_target(t).is_ok());
    if let (Some(app), Some(t)) = (app, first_target) {
        hints.insert(
            "callback_view_logs".into(),
            format!(
                "{ctx} logs --app {} --target {} --tail 200",
                word(app),
                word(t)
            ),
        );
        let mut rb = format!("{ctx} rollback --app {} --targets {}", word(app), word(t));
        let to = get("rollback_to");
        if names::validate_release(to).is_ok() {
            rb.push_str(&format!(" --to-release {to}"));
        }
        rb.push_str(" --apply");
        hints.insert("callback_rollback".into(), rb);
    }
    hints.insert(
        "callback_acknowledge".into(),
        format!(
            "{ctx} alert acknowledge --id {} --note {}",
            word(alert_id),
            quote(&format!("acknowledged {severity} alert"))
        ),
    );
    if let Some(i) = incident_id {
        hints.insert(
            "callback_incident".into(),
            format!("{ctx} incident show {}", word(i)),
        );
    }
    hints
}

/// `[SEVERITY] <command> (<target>): <message>`, then `Actions:` and one line per hint, sorted.
pub fn message(
    severity: &str,
    command: &str,
    target: &str,
    message: &str,
    context: &str,
    hints: &BTreeMap<String, String>,
) -> String {
    let mut s = if target.is_empty() {
        format!(
            "[{}] {command} [{context}]: {message}",
            severity.to_uppercase()
        )
    } else {
        format!(
            "[{}] {command} [{context}] ({target}): {message}",
            severity.to_uppercase()
        )
    };
    if !hints.is_empty() {
        s.push_str("\n\nActions:");
        for (k, v) in hints {
            s.push_str(&format!("\n- {}: {v}", k.trim_start_matches("callback_")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_paasdeck_commands() {
        let mut f = BTreeMap::new();
        f.insert("app".to_string(), "api".to_string());
        f.insert(
            "rollback_to".to_string(),
            "rel-20260101T000000-000000001".to_string(),
        );
        let h = build(
            "shop",
            "al-1",
            "critical",
            "edge-a,edge-b",
            &f,
            Some("inc-1"),
        );
        assert_eq!(
            h["callback_view_logs"],
            "paasdeck --context shop logs --app api --target edge-a --tail 200"
        );
        assert_eq!(
            h["callback_rollback"],
            "paasdeck --context shop rollback --app api --targets edge-a --to-release rel-20260101T000000-000000001 --apply"
        );
        assert_eq!(
            h["callback_acknowledge"],
            "paasdeck --context shop alert acknowledge --id al-1 --note 'acknowledged critical alert'"
        );
        assert_eq!(
            h["callback_incident"],
            "paasdeck --context shop incident show inc-1"
        );
        let none = build("ACME Prod", "al-2", "warning", "", &BTreeMap::new(), None);
        assert_eq!(none.len(), 1);
        assert!(none["callback_acknowledge"].starts_with("paasdeck --context 'ACME Prod' alert"));
        let m = message("critical", "deploy failure", "edge-a", "boom", "shop", &h);
        assert!(m.starts_with(
            "[CRITICAL] deploy failure [shop] (edge-a): boom\n\nActions:\n- acknowledge: "
        ));
    }
}
