//! Timestamps as the gateways write them, turned into Unix seconds, and back into ISO 8601 for
//! people. Pure date arithmetic: no clock, no time zone database. Timestamps without a zone
//! (nginx, Apache and HAProxy write local time) are read with the offset the caller gives.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Unix seconds of a civil date and time in UTC; `None` when a field is out of range.
pub(crate) fn unix(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

/// `2026-12-04T18:42:02Z`: the form every report uses.
pub(crate) fn iso8601(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The year of a Unix time (for syslog stamps, which have none).
pub(crate) fn year_of(t: i64) -> i64 {
    civil_from_days(t.div_euclid(86_400)).0
}

/// A run of ASCII digits as a number.
fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')))
}

/// `Jan` … `Dec` → 1 … 12.
pub(crate) fn month(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.as_slice() == b)
        .map(|i| i as u32 + 1)
}

/// `HH:MM:SS` at the start of `b`.
fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?))
}

/// `±HHMM` or `±HH:MM` → seconds east of UTC.
fn zone(b: &[u8]) -> Option<i64> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: Vec<u8> = b[1..]
        .iter()
        .copied()
        .filter(|c| *c != b':')
        .take(4)
        .collect();
    if digits.len() != 4 {
        return None;
    }
    Some(sign * i64::from(num(&digits[0..2])? * 3600 + num(&digits[2..4])? * 60))
}

/// nginx and Squid's cache log: `2026/12/04 18:42:02` (local time).
pub(crate) fn slashed(b: &[u8], local_offset: i64) -> Option<i64> {
    year_first(b, b'/', local_offset)
}

/// lighttpd: `2026-12-04 18:42:02` (local time).
pub(crate) fn dashed(b: &[u8], local_offset: i64) -> Option<i64> {
    year_first(b, b'-', local_offset)
}

/// `YYYY?MM?DD HH:MM:SS` with `separator` between the date's parts, in local time.
fn year_first(b: &[u8], separator: u8, local_offset: i64) -> Option<i64> {
    if b.len() < 19 || b[4] != separator || b[7] != separator || b[10] != b' ' {
        return None;
    }
    let (h, mi, s) = hms(&b[11..])?;
    Some(
        unix(
            i64::from(num(&b[0..4])?),
            num(&b[5..7])?,
            num(&b[8..10])?,
            h,
            mi,
            s,
        )? - local_offset,
    )
}

/// Common log format and HAProxy: `04/Dec/2026:18:42:02 +0000`, `04/Dec/2026:18:42:02.123`
/// (HAProxy: local time, no zone).
pub(crate) fn clf(b: &[u8], local_offset: i64) -> Option<i64> {
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let (h, mi, s) = hms(&b[12..])?;
    let t = unix(
        i64::from(num(&b[7..11])?),
        month(&b[3..6])?,
        num(&b[0..2])?,
        h,
        mi,
        s,
    )?;
    let mut rest = &b[20..];
    while let [b'.' | b'0'..=b'9', tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [b' ', z @ ..] if zone(z).is_some() => Some(t - zone(z)?),
        _ => Some(t - local_offset),
    }
}

/// Apache: `Fri Dec 04 18:42:02.589760 2026` (local time).
pub(crate) fn apache(b: &[u8], local_offset: i64) -> Option<i64> {
    if b.len() < 24 || b[3] != b' ' || b[7] != b' ' || b[10] != b' ' {
        return None;
    }
    let (h, mi, s) = hms(&b[11..])?;
    let year_at = b[19..].iter().position(|c| *c == b' ')? + 20;
    let year = num(b.get(year_at..year_at + 4)?)?;
    let day = num(b[8..10].trim_ascii_start())?;
    Some(unix(i64::from(year), month(&b[4..7])?, day, h, mi, s)? - local_offset)
}

/// ISO 8601 / RFC 3339: `2026-12-04T18:42:02.310Z`, `…+01:00`; local time without a zone.
pub(crate) fn iso(b: &[u8], local_offset: i64) -> Option<i64> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (h, mi, s) = hms(&b[11..])?;
    let t = unix(
        i64::from(num(&b[0..4])?),
        num(&b[5..7])?,
        num(&b[8..10])?,
        h,
        mi,
        s,
    )?;
    let mut rest = &b[19..];
    while let [b'.' | b'0'..=b'9', tail @ ..] = rest {
        rest = tail;
    }
    match rest.first() {
        Some(b'Z') => Some(t),
        Some(b'+' | b'-') => Some(t - zone(rest)?),
        _ => Some(t - local_offset),
    }
}

/// Unix seconds written as a decimal number (`1796409722.685`).
pub(crate) fn epoch(b: &[u8]) -> Option<i64> {
    let int = b.split(|c| *c == b'.').next()?;
    (!int.is_empty() && int.len() <= 12 && int.iter().all(u8::is_ascii_digit))
        .then(|| int.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0')))
}

/// Syslog's `Dec  4 18:42:02` (no year: the one of `now`, or the year before when that would
/// put the stamp more than a day in the future).
pub(crate) fn syslog(b: &[u8], now: i64, local_offset: i64) -> Option<i64> {
    if b.len() < 15 || b[3] != b' ' || b[6] != b' ' {
        return None;
    }
    let mo = month(&b[0..3])?;
    let day = num(b[4..6].trim_ascii_start())?;
    let (h, mi, s) = hms(&b[7..])?;
    let year = year_of(now);
    let t = unix(year, mo, day, h, mi, s)? - local_offset;
    if t > now + 86_400 {
        Some(unix(year - 1, mo, day, h, mi, s)? - local_offset)
    } else {
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_796_409_722; // 2026-12-04T18:42:02Z

    #[test]
    fn every_gateway_stamp_reads_the_same_instant() {
        assert_eq!(iso8601(T), "2026-12-04T18:42:02Z");
        assert_eq!(slashed(b"2026/12/04 18:42:02 [error]", 0), Some(T));
        assert_eq!(dashed(b"2026-12-04 18:42:02: (server.c", 0), Some(T));
        assert_eq!(clf(b"04/Dec/2026:18:42:02 +0000]", 0), Some(T));
        assert_eq!(clf(b"04/Dec/2026:19:42:02 +0100]", 0), Some(T));
        assert_eq!(clf(b"04/Dec/2026:18:42:02.600] f", 0), Some(T));
        assert_eq!(
            apache(b"Fri Dec 04 18:42:02.589760 2026] [proxy", 0),
            Some(T)
        );
        assert_eq!(iso(b"2026-12-04T18:42:02.310Z", 0), Some(T));
        assert_eq!(iso(b"2026-12-04T20:42:02+02:00", 0), Some(T));
        assert_eq!(epoch(b"1796409722.8516016"), Some(T));
        assert_eq!(syslog(b"Dec  4 18:42:02 host", T + 10, 0), Some(T));
    }

    #[test]
    fn local_time_uses_the_callers_offset() {
        assert_eq!(slashed(b"2026/12/04 19:42:02", 3600), Some(T));
        assert_eq!(clf(b"04/Dec/2026:19:42:02.600]", 3600), Some(T));
    }

    #[test]
    fn a_syslog_stamp_from_last_december_is_last_year() {
        let jan_first = unix(2027, 1, 1, 0, 0, 10).unwrap();
        assert_eq!(
            syslog(b"Dec 31 23:59:59 h", jan_first, 0),
            unix(2026, 12, 31, 23, 59, 59)
        );
    }

    #[test]
    fn garbage_is_no_time() {
        assert_eq!(slashed(b"2026/13/04 18:42:02", 0), None);
        assert_eq!(clf(b"04/Foo/2026:18:42:02 +0000", 0), None);
        assert_eq!(iso(b"not a time at all!!!", 0), None);
        assert_eq!(epoch(b"abc"), None);
    }

    #[test]
    fn dates_round_trip() {
        for t in [0, 951_782_400, 4_102_444_800, T] {
            let (y, m, d) = civil_from_days(t / 86_400);
            assert_eq!(days_from_civil(y, m, d), t / 86_400);
        }
    }
}
