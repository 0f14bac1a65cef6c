//! The one HTTP client alerts use (ureq, rustls): POST with a 10 s limit on the whole exchange,
//! no redirects (a token in a URL must not follow one elsewhere), bounded response bodies.

use std::time::Duration;

/// The most one delivery may take, connect to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);

const MAX_BODY: u64 = 64 * 1024;

/// What the server said: status and (bounded) body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("paasdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn answer(resp: ureq::http::Response<ureq::Body>) -> Answer {
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .unwrap_or_default();
    Answer { status, body }
}

/// A form POST (`application/x-www-form-urlencoded`).
pub fn post_form(url: &str, form: &[(&str, &str)]) -> Result<Answer, String> {
    agent()
        .post(url)
        .send_form(form.iter().copied())
        .map(answer)
        .map_err(|e| e.to_string())
}

/// A JSON POST.
pub fn post_json(url: &str, body: &[u8]) -> Result<Answer, String> {
    agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map(answer)
        .map_err(|e| e.to_string())
}

/// Only http and https URLs are delivered to.
pub fn check_url(url: &str) -> Result<(), String> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or("the URL must start with https:// or http://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("the URL names no host".into());
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("the URL holds whitespace or a control character".into());
    }
    Ok(())
}
