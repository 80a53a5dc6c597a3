//! `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, turned into a wait.

use std::time::{Duration, UNIX_EPOCH};

/// The longest wait taken from a `Retry-After`; longer asks are capped (24 hours).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait a `Retry-After` value asks for, capped at [`MAX_WAIT`]. An HTTP-date is taken
/// relative to the response's `Date` header value when given, else to `now_unix_ms` (from the
/// shell's clock); with neither, a date cannot be turned into a wait. A date in the past is no wait.
pub fn wait(value: &str, date_header: Option<&str>, now_unix_ms: Option<u64>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX_WAIT));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = date_header
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .or_else(|| Some(UNIX_EPOCH + Duration::from_millis(now_unix_ms?)))?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_WAIT),
    )
}
