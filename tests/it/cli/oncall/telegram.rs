//! Telegram delivery is `sent` only when Telegram says so (`{"ok": true}`); a redirect, a 204,
//! an HTML page or `{"ok": false}` is recorded as failed with the status and a short reason.

use super::lab::{Lab, Mode, Server, TOKEN};

fn alert_test(answer: Mode) -> (i32, serde_json::Value, String, Vec<serde_json::Value>) {
    let server = Server::start(answer);
    let mut lab = Lab::new();
    lab.setup_telegram(&server);
    lab.ok(&["alert", "policy", "set", "--default", "telegram"]);
    let (code, doc, out) = lab.run(&["alert", "test", "--severity", "warning"]);
    assert_eq!(server.count(), 1, "{out}");
    let rows = lab.alert_rows();
    (code, doc, out, rows)
}

#[test]
fn only_an_ok_true_answer_from_telegram_is_recorded_as_sent() {
    let (code, doc, out, rows) = alert_test(Mode::Answer(200, "application/json", "{\"ok\":true}"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["status"], "sent", "{doc}");
    assert_eq!(rows.last().unwrap()["status"], "sent");
    for (answer, want) in [
        (Mode::Answer(302, "text/html", ""), "HTTP 302: a redirect"),
        (
            Mode::Answer(204, "text/plain", ""),
            "HTTP 204: an empty answer",
        ),
        (
            Mode::Answer(200, "text/html", "<html><body>Wi-Fi login</body></html>"),
            "HTTP 200: not Telegram's JSON",
        ),
        (
            Mode::Answer(
                200,
                "application/json",
                "{\"ok\":false,\"description\":\"Bad Request: chat not found\"}",
            ),
            "HTTP 200: Bad Request: chat not found",
        ),
    ] {
        let (code, doc, out, rows) = alert_test(answer);
        assert!(!out.contains(TOKEN), "the token leaked: {out}");
        assert_eq!(doc["status"], "failed", "{answer:?}: {doc}");
        let row = rows.last().unwrap();
        assert_eq!(row["status"], "failed", "{answer:?}: {row}");
        let why = row["fields"]["delivery_error"].as_str().unwrap_or_default();
        assert!(why.contains(want), "{answer:?}: {why:?}");
        assert!(!why.contains(TOKEN), "{why}");
        assert!(!why.contains("Wi-Fi login"), "{why}");
        assert_ne!(code, 2, "{out}");
    }
}
