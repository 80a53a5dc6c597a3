//! One reader per log format. Each looks at a line and says whether it is one of its own and,
//! if so, whether it records an upstream failure. Lines are told apart by their shape alone.

mod access;
mod apache;
mod caddy;
mod envoy;
mod haproxy;
mod lighttpd;
mod nginx;
mod syslog;
mod traefik;

use std::borrow::Cow;

use crate::{Format, Reason};

/// What the readers need besides the line: the offset of the local time zone (for stamps
/// without one) and the caller's `now` (for syslog stamps without a year).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub local_offset: i64,
    pub now: i64,
}

/// One upstream failure a line records, borrowed from the line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit<'a> {
    pub at: Option<i64>,
    pub reason: Reason,
    pub upstream: Option<&'a str>,
    pub site: Option<&'a str>,
    pub request: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    /// What ties a follow-up line to this one (Apache: the process and thread; lighttpd: the
    /// second it was written).
    pub key: &'a str,
}

impl<'a> Hit<'a> {
    pub fn new(reason: Reason) -> Hit<'a> {
        Hit {
            at: None,
            reason,
            upstream: None,
            site: None,
            request: None,
            status: None,
            key: "",
        }
    }
}

/// What a line is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed<'a> {
    /// Not a line of any format known here.
    Unknown,
    /// A line of a known format that records no upstream failure.
    Quiet(Format),
    /// An upstream failure.
    Failure(Format, Hit<'a>),
    /// A line that follows a failure's own line and tells more about the same request: it adds
    /// its request to the failure just before it when the keys match, or else counts as the
    /// failure `alone`.
    Companion { format: Format, alone: Hit<'a> },
    /// A line that tells the reason of the failure logged right after it (same key).
    Hint {
        format: Format,
        key: &'a str,
        reason: Reason,
    },
}

/// Reads one line (without its line break).
pub(crate) fn parse<'a>(line: &'a str, cx: &Context) -> Parsed<'a> {
    let parsed = parse_bare(line, cx);
    if parsed != Parsed::Unknown {
        return parsed;
    }
    // journald and syslog put their own stamp and tag before the gateway's line.
    match syslog::strip(line, cx) {
        Some((at, rest)) => with_default_time(parse_bare(rest, cx), at),
        None => Parsed::Unknown,
    }
}

fn parse_bare<'a>(line: &'a str, cx: &Context) -> Parsed<'a> {
    match line.as_bytes().first() {
        Some(b'{') => caddy::parse(line).or_else(|| traefik::parse(line, cx)),
        Some(b'[') => apache::parse(line, cx).or_else(|| envoy::parse(line, cx)),
        Some(b'0'..=b'9') => nginx::parse(line, cx)
            .or_else(|| lighttpd::parse(line, cx))
            .or_else(|| haproxy::parse(line, cx))
            .or_else(|| access::squid(line))
            .or_else(|| access::clf(line, cx)),
        Some(_) => access::clf(line, cx),
        None => None,
    }
    .unwrap_or(Parsed::Unknown)
}

/// A stamp from the syslog prefix for a line that has none of its own.
fn with_default_time(parsed: Parsed<'_>, at: Option<i64>) -> Parsed<'_> {
    match parsed {
        Parsed::Failure(f, mut hit) => {
            hit.at = hit.at.or(at);
            Parsed::Failure(f, hit)
        }
        Parsed::Companion { format, mut alone } => {
            alone.at = alone.at.or(at);
            Parsed::Companion { format, alone }
        }
        other => other,
    }
}

/// A 5xx status as a number.
pub(crate) fn status_5xx(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    (b.len() == 3 && b[0] == b'5' && b[1].is_ascii_digit() && b[2].is_ascii_digit())
        .then(|| s.parse().ok())
        .flatten()
}
