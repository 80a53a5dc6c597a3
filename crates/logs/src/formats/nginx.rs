//! nginx's error log: `2026/12/04 18:42:02 [error] 8774#8774: *10 connect() failed (111:
//! Connection refused) while connecting to upstream, client: …, request: "GET / HTTP/1.1",
//! upstream: "http://127.0.0.1:17000/", host: "…"`.

use std::borrow::Cow;

use super::{Context, Hit, Parsed};
use crate::text::{authority, errno, quoted_field};
use crate::{timestamp, Format, Reason};

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    if b.len() < 23 || b[4] != b'/' || b[19] != b' ' || b[20] != b'[' {
        return None;
    }
    let at = timestamp::slashed(b, cx.local_offset)?;
    let (level, msg) = line[21..].split_once("] ")?;
    if !matches!(level, "error" | "crit" | "alert" | "emerg") || !msg.contains("upstream") {
        return Some(Parsed::Quiet(Format::NginxError));
    }
    let Some(reason) = reason(msg) else {
        return Some(Parsed::Quiet(Format::NginxError));
    };
    let mut hit = Hit::new(reason);
    hit.at = Some(at);
    hit.upstream = quoted_field(msg, "upstream").map(authority);
    hit.site = quoted_field(msg, "host");
    hit.request = quoted_field(msg, "request").map(Cow::Borrowed);
    Some(Parsed::Failure(Format::NginxError, hit))
}

/// The reason an nginx message names, from the texts nginx writes.
fn reason(msg: &str) -> Option<Reason> {
    let has = |s: &str| msg.contains(s);
    Some(if has("no live upstreams") {
        Reason::NoLiveUpstreams
    } else if has("upstream sent too big header") {
        Reason::HeaderTooLarge
    } else if has("upstream timed out") {
        if has("while connecting to upstream") {
            Reason::ConnectTimeout
        } else {
            Reason::ReadTimeout
        }
    } else if has("upstream prematurely closed connection") {
        Reason::PrematureClose
    } else if has("upstream sent ") {
        Reason::InvalidHeader
    } else if has("FastCGI sent in stderr") {
        Reason::AppStderr
    } else if has("SSL_do_handshake() failed") || has("upstream SSL certificate") {
        Reason::Tls
    } else if has("could not be resolved") {
        Reason::Dns
    } else if has("connect() ") && has(" failed (") {
        match errno(&msg[msg.find(" failed (")?..]) {
            Some(111) => Reason::Refused,
            Some(2) => Reason::SocketMissing,
            Some(13) => Reason::SocketPermission,
            Some(101 | 113) => Reason::Unreachable,
            Some(110) => Reason::ConnectTimeout,
            Some(11) => Reason::QueueFull,
            _ => Reason::ConnectFailed,
        }
    } else if has("(104: Connection reset by peer)") {
        Reason::Reset
    } else if has("(32: Broken pipe)") {
        Reason::PrematureClose
    } else {
        return None;
    })
}
