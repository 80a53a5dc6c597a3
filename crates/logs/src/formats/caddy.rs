//! Caddy's JSON logs: the error logger (`"logger":"http.log.error…"`, the Go error of the proxy
//! in `msg`) and the access logger (`"logger":"http.log.access…"`, the status).

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::{Hit, Parsed};
use crate::text::json_str;
use crate::{Format, Reason};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    level: Cow<'a, str>,
    ts: Option<f64>,
    #[serde(borrow, default)]
    logger: Cow<'a, str>,
    #[serde(borrow, default)]
    msg: Cow<'a, str>,
    #[serde(borrow)]
    request: Option<Request<'a>>,
    status: Option<u16>,
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow, default)]
    method: Cow<'a, str>,
    #[serde(borrow, default)]
    uri: Cow<'a, str>,
}

pub(super) fn parse(line: &str) -> Option<Parsed<'_>> {
    let b = line.as_bytes();
    // Every Caddy line starts with its level; the cheap test first.
    if !b.starts_with(b"{\"level\":\"") || memmem::find(b, b"\"ts\":").is_none() {
        return None;
    }
    let access = memmem::find(b, b"\"logger\":\"http.log.access").is_some();
    let format = if access {
        Format::CaddyAccess
    } else {
        Format::CaddyError
    };
    if !b.starts_with(b"{\"level\":\"error\"") {
        return Some(Parsed::Quiet(format));
    }
    let Ok(parsed) = serde_json::from_str::<Line>(line) else {
        return Some(Parsed::Quiet(format));
    };
    let status = parsed.status.filter(|s| (500..600).contains(s));
    if parsed.level != "error" || (parsed.status.is_some() && status.is_none()) {
        return Some(Parsed::Quiet(format));
    }
    let reason = if access {
        Reason::StatusOnly
    } else if parsed.logger.starts_with("http.log.error") {
        reason(&parsed.msg.to_ascii_lowercase())
    } else {
        return Some(Parsed::Quiet(format));
    };
    let mut hit = Hit::new(reason);
    hit.at = parsed.ts.map(|t| t as i64);
    hit.status = status;
    hit.site = json_str(line, "\"host\":\"");
    hit.upstream = if access { None } else { upstream(line) };
    hit.request = parsed
        .request
        .map(|r| Cow::Owned(format!("{} {}", r.method, r.uri)));
    Some(Parsed::Failure(format, hit))
}

/// The reason a Go error of Caddy's proxy names.
fn reason(msg: &str) -> Reason {
    let has = |s: &str| msg.contains(s);
    if has("connection refused") {
        Reason::Refused
    } else if has("no such file or directory") {
        Reason::SocketMissing
    } else if has("permission denied") {
        Reason::SocketPermission
    } else if has("no route to host") {
        Reason::Unreachable
    } else if has("no such host") || has("lookup ") {
        Reason::Dns
    } else if has("dial tcp") && has("timeout") {
        Reason::ConnectTimeout
    } else if has("timeout") || has("deadline exceeded") {
        Reason::ReadTimeout
    } else if has("connection reset by peer") {
        Reason::Reset
    } else if has("unexpected eof") || msg.ends_with("eof") || has("broken pipe") {
        Reason::PrematureClose
    } else if has("headers exceeded") || has("too large") {
        Reason::HeaderTooLarge
    } else if has("malformed http") || has("transport connection broken") {
        Reason::InvalidHeader
    } else if has("no upstreams available") {
        Reason::NoLiveUpstreams
    } else if has("tls:") || has("x509:") || has("certificate") {
        Reason::Tls
    } else {
        Reason::GatewayError
    }
}

/// The upstream's address in Go's `dial tcp ADDR: …` or `read tcp LOCAL->ADDR: …`.
fn upstream(line: &str) -> Option<&str> {
    let msg = &line[line.find("\"msg\":\"")? + 7..];
    let start = msg
        .find("dial tcp ")
        .map(|i| i + 9)
        .or_else(|| msg.find("->").map(|i| i + 2))?;
    let addr = &msg[start..];
    let end = addr.find([':', '"'].as_slice()).and_then(|first| {
        // host:port: — the separator after the port
        addr[first + 1..].find(": ").map(|i| first + 1 + i)
    })?;
    Some(&addr[..end])
}
