//! Whether a channel's HTTP answer means the alert was delivered. Telegram's Bot API answers every
//! method with a JSON object whose `ok` is `true` on success; anything else — a redirect, a 204, a
//! captive portal's HTML page, `{"ok": false}` — is a failure, told with the status and a short
//! reason that never quotes more than Telegram's own one-line description.

use super::http::Answer;

/// The longest reason kept from an answer.
const MAX_REASON: usize = 160;

/// `Ok` only for a 2xx answer whose body is a JSON object with `"ok": true`.
pub fn telegram(a: &Answer) -> Result<(), String> {
    let body: Option<serde_json::Value> = serde_json::from_str(a.body.trim()).ok();
    let obj = body.as_ref().and_then(serde_json::Value::as_object);
    let ok = obj.and_then(|o| o.get("ok")) == Some(&serde_json::Value::Bool(true));
    if (200..300).contains(&a.status) && ok {
        return Ok(());
    }
    let description = obj
        .and_then(|o| o.get("description"))
        .and_then(serde_json::Value::as_str)
        .map(short)
        .filter(|d| !d.is_empty());
    let reason = match (description, obj) {
        (Some(d), _) => d,
        (None, Some(_)) if ok => "the status is not a success".to_string(),
        (None, Some(_)) => "the answer's \"ok\" is not true".to_string(),
        (None, None) if (300..400).contains(&a.status) => {
            "a redirect (not followed): not the Telegram Bot API".to_string()
        }
        (None, None) if a.body.trim().is_empty() => "an empty answer, not Telegram's JSON".into(),
        (None, None) => format!(
            "not Telegram's JSON ({} bytes{})",
            a.body.len(),
            if looks_like_html(&a.body) {
                " of HTML"
            } else {
                ""
            }
        ),
    };
    Err(format!("telegram answered HTTP {}: {reason}", a.status))
}

/// One line of at most [`MAX_REASON`] characters, control bytes dropped.
fn short(s: &str) -> String {
    let line = crate::text::sanitize_inline(s.trim());
    let mut out: String = line.chars().take(MAX_REASON).collect();
    if line.chars().count() > MAX_REASON {
        out.push('…');
    }
    out
}

fn looks_like_html(body: &str) -> bool {
    body.trim_start().starts_with('<')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_string(),
        }
    }

    #[test]
    fn only_a_2xx_json_ok_true_is_delivered() {
        assert_eq!(telegram(&a(200, "{\"ok\":true,\"result\":{}}")), Ok(()));
        for (status, body, want) in [
            (302, "", "HTTP 302: a redirect"),
            (204, "", "HTTP 204: an empty answer"),
            (
                200,
                "<html><body>login</body></html>",
                "HTTP 200: not Telegram's JSON (31 bytes of HTML)",
            ),
            (
                200,
                "{\"ok\":false,\"description\":\"Bad Request: chat not found\"}",
                "HTTP 200: Bad Request: chat not found",
            ),
            (
                200,
                "{\"result\":true}",
                "HTTP 200: the answer's \"ok\" is not true",
            ),
            (200, "[true]", "HTTP 200: not Telegram's JSON"),
            (
                500,
                "{\"ok\":true}",
                "HTTP 500: the status is not a success",
            ),
            (
                401,
                "{\"ok\":false,\"description\":\"Unauthorized\"}",
                "HTTP 401: Unauthorized",
            ),
        ] {
            let e = telegram(&a(status, body)).unwrap_err();
            assert!(e.contains(want), "{status} {body}: {e}");
        }
    }

    #[test]
    fn a_description_is_one_short_line() {
        let long = format!(
            "{{\"ok\":false,\"description\":\"x\\u001b[31m{}\"}}",
            "y".repeat(500)
        );
        let e = telegram(&a(400, &long)).unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e:?}");
        assert!(e.chars().count() < 200, "{e}");
    }
}
