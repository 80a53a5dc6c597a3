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
    } else if has("(104: Connection reset by peer)") && upstream_side(msg) {
        Reason::Reset
    } else if has("(32: Broken pipe)") && upstream_side(msg) {
        Reason::PrematureClose
    } else {
        return None;
    })
}

/// Whether a socket error happened on the upstream's connection (`… while reading response
/// header from upstream`, `… while sending request to upstream`), not the client's (`… while
/// sending to client`, which also names the upstream in its fields).
fn upstream_side(msg: &str) -> bool {
    let context = msg.split(", client: ").next().unwrap_or(msg);
    context.contains(" upstream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_side_reset_is_no_upstream_failure() {
        // The lab's reset line (tests/fixtures/nginx-error.log), then the same error as nginx
        // words it on the client's side of a proxied request.
        let upstream = "*14 recv() failed (104: Connection reset by peer) while reading response \
            header from upstream, client: 127.0.0.1, server: , request: \"GET /reset HTTP/1.1\", \
            upstream: \"http://127.0.0.1:17003/reset\", host: \"127.0.0.1:18003\"";
        assert_eq!(reason(upstream), Some(Reason::Reset));
        let client = upstream.replace("recv()", "writev()").replace(
            "while reading response header from upstream",
            "while sending to client",
        );
        assert_eq!(reason(&client), None);
    }
}
