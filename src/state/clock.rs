//! Timestamps in the `si paas` formats: RFC 3339 with nanoseconds for events, whole seconds for
//! documents.

use std::sync::OnceLock;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Shifts paasdeck's clock by a signed duration (`90s`, `-3d`, `+2h`): a retention drill or a
/// test acts as at another moment (which backup is newest, what prune keeps, when a lock is
/// stale) without waiting for it. Every timestamp paasdeck writes comes from [`now`], so the
/// shift is consistent; `paasdeck info` shows it.
pub const OFFSET_ENV: &str = "PAASDECK_CLOCK_OFFSET";

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc() + offset()
}

/// The shift [`OFFSET_ENV`] asks for (zero when unset or unreadable; `info` says which).
pub fn offset() -> Duration {
    static OFFSET: OnceLock<Duration> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        std::env::var(OFFSET_ENV)
            .ok()
            .and_then(|v| parse_offset(&v).ok())
            .unwrap_or(Duration::ZERO)
    })
}

/// `90s`, `+2h`, `-3d`, `1h 30m`: a humantime duration with an optional sign.
pub fn parse_offset(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (neg, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let d = humantime::parse_duration(rest.trim()).map_err(|e| {
        format!("{OFFSET_ENV}={s:?} is not a duration such as 90s, -3d or +2h: {e}")
    })?;
    let d = Duration::try_from(d).map_err(|e| format!("{OFFSET_ENV}={s:?}: {e}"))?;
    Ok(if neg { -d } else { d })
}

/// RFC 3339 in UTC with as many fractional digits as needed (Go's `RFC3339Nano`).
pub fn rfc3339_nanos(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// RFC 3339 in UTC, whole seconds.
pub fn rfc3339_secs(t: OffsetDateTime) -> String {
    rfc3339_nanos(t.replace_nanosecond(0).unwrap_or(t))
}

pub fn now_event() -> String {
    rfc3339_nanos(now())
}

pub fn now_doc() -> String {
    rfc3339_secs(now())
}

pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

/// Nanoseconds since the epoch, for ordering.
pub fn sort_key(s: &str) -> Option<i128> {
    parse(s).map(|t| t.unix_timestamp_nanos())
}

/// A short human age such as `42s`, `5m`, `3h`, `2d`.
pub fn age(from: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - from).whole_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_with_a_sign() {
        assert_eq!(parse_offset("90s").unwrap(), Duration::seconds(90));
        assert_eq!(parse_offset("+2h").unwrap(), Duration::hours(2));
        assert_eq!(parse_offset("-3d").unwrap(), Duration::days(-3));
        assert_eq!(parse_offset(" 1h 30m ").unwrap(), Duration::minutes(90));
        let e = parse_offset("soon").unwrap_err();
        assert!(
            e.contains("PAASDECK_CLOCK_OFFSET") && e.contains("soon"),
            "{e}"
        );
    }

    #[test]
    fn formats_like_go() {
        let t = time::macros::datetime!(2026-02-17 02:03:04.1234 UTC);
        assert_eq!(rfc3339_nanos(t), "2026-02-17T02:03:04.1234Z");
        assert_eq!(rfc3339_secs(t), "2026-02-17T02:03:04Z");
        assert!(sort_key("2026-02-17T02:03:04Z").unwrap() < sort_key(&rfc3339_nanos(t)).unwrap());
        assert_eq!(sort_key("yesterday"), None);
    }

    #[test]
    fn ages() {
        let t = time::macros::datetime!(2026-02-17 02:00:00 UTC);
        assert_eq!(age(t, t + time::Duration::seconds(5)), "5s");
        assert_eq!(age(t, t + time::Duration::minutes(5)), "5m");
        assert_eq!(age(t, t + time::Duration::hours(30)), "1d");
    }
}
