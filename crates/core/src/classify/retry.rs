//! Whether and when a retry is worth it: `Retry-After` (delta-seconds or HTTP-date) when the
//! response has one, otherwise a wait that fits the cause.

use crate::snapshot::Snapshot;
use crate::verdict::{Category, Cause, Evidence, Retry};

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

/// Seconds a `Retry-After` value asks for, capped at [`crate::retry_after::MAX_WAIT`]. An HTTP-date is taken
/// relative to the response's `Date` header, or to when the shell received the response.
pub fn retry_after_seconds(value: &str, snapshot: &Snapshot) -> Option<u64> {
    let received_ms = snapshot
        .received_at
        .and_then(|s| u64::try_from(s).ok())
        .map(|s| s.saturating_mul(1000));
    crate::retry_after::wait(value, snapshot.headers.get("date"), received_ms).map(|w| w.as_secs())
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
            Some(crate::retry_after::MAX_WAIT.as_secs())
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
