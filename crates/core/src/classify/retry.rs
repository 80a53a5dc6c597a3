//! Whether and when a retry is worth it: `Retry-After` (delta-seconds or HTTP-date) when the
//! response has one, otherwise a wait that fits the cause.

use std::time::{Duration, UNIX_EPOCH};

use crate::snapshot::Snapshot;
use crate::verdict::{Category, Cause, Evidence, Retry};

/// The longest wait a verdict advises; a `Retry-After` beyond it is capped.
pub const MAX_RETRY_AFTER_S: u64 = 24 * 60 * 60;

/// Advises on retrying, recording the `Retry-After` evidence.
pub(super) fn advise(
    snapshot: &Snapshot,
    category: Category,
    cause: Cause,
    evidence: &mut Vec<Evidence>,
) -> Retry {
    let persistent = matches!(snapshot.status, 501 | 505 | 506 | 508 | 510 | 511)
        || matches!(cause, Cause::Tls | Cause::HeaderTooLarge)
        || category == Category::TlsError;
    let retry_after = snapshot.headers.get("retry-after").and_then(|value| {
        let parsed = retry_after_seconds(value, snapshot);
        evidence.push(Evidence {
            source: "header:retry-after".into(),
            detail: match parsed {
                Some(s) => format!("the server asks to retry after {s} s (Retry-After: {value})"),
                None => format!("Retry-After `{value}` is neither seconds nor a date relative to a known time; ignored"),
            },
            points_to: "retry".into(),
        });
        parsed
    });
    if persistent {
        return Retry {
            advised: false,
            after_s: retry_after,
        };
    }
    Retry {
        advised: true,
        after_s: Some(retry_after.unwrap_or_else(|| default_wait(cause))),
    }
}

/// Seconds a `Retry-After` value asks for, capped at [`MAX_RETRY_AFTER_S`]. An HTTP-date is taken
/// relative to the response's `Date` header, or to when the shell received the response.
pub fn retry_after_seconds(value: &str, snapshot: &Snapshot) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.min(MAX_RETRY_AFTER_S));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = snapshot
        .headers
        .get("date")
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .or_else(|| {
            let seconds = u64::try_from(snapshot.received_at?).ok()?;
            Some(UNIX_EPOCH + Duration::from_secs(seconds))
        })?;
    let wait = at.duration_since(now).unwrap_or(Duration::ZERO);
    Some(wait.as_secs().min(MAX_RETRY_AFTER_S))
}

/// A first wait that fits the cause: short for quick failures, longer for slow ones.
fn default_wait(cause: Cause) -> u64 {
    match cause {
        Cause::ConnectionRefused | Cause::InvalidResponse | Cause::Unknown => 10,
        Cause::Timeout | Cause::Overload => 30,
        Cause::AppError | Cause::Dns => 60,
        Cause::Maintenance => 300,
        Cause::Tls | Cause::HeaderTooLarge => 600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Headers;

    fn snapshot(headers: &[(&str, &str)]) -> Snapshot {
        Snapshot::new(503, headers.iter().copied().collect::<Headers>())
    }

    #[test]
    fn delta_seconds_and_dates() {
        assert_eq!(retry_after_seconds("120", &snapshot(&[])), Some(120));
        assert_eq!(
            retry_after_seconds("99999999", &snapshot(&[])),
            Some(MAX_RETRY_AFTER_S)
        );
        let dated = snapshot(&[("Date", "Mon, 23 Nov 2026 10:00:00 GMT")]);
        assert_eq!(
            retry_after_seconds("Mon, 23 Nov 2026 10:01:30 GMT", &dated),
            Some(90)
        );
        assert_eq!(
            retry_after_seconds("Mon, 23 Nov 2026 09:00:00 GMT", &dated),
            Some(0)
        );
        assert_eq!(
            retry_after_seconds("Mon, 23 Nov 2026 10:01:30 GMT", &snapshot(&[])),
            None
        );
        let mut received = snapshot(&[]);
        received.received_at = Some(1_795_428_000); // 2026-11-23 10:00:00 UTC
        assert_eq!(
            retry_after_seconds("Mon, 23 Nov 2026 10:00:45 GMT", &received),
            Some(45)
        );
        assert_eq!(retry_after_seconds("soon", &dated), None);
    }
}
