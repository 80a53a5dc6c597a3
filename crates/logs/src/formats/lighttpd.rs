//! lighttpd's error log: `2026-12-04 18:42:02: (gw_backend.c.274) establishing connection failed:
//! socket: tcp:127.0.0.1:17000: Connection refused`. Its lines carry no request id: a follow-up
//! line (`all handlers for /refused? on  are down.`) is tied to the failure of the same second.

use std::borrow::Cow;

use super::{Context, Hit, Parsed};
use crate::text::between;
use crate::{timestamp, Format, Reason};

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let at = timestamp::dashed(line.as_bytes(), cx.local_offset)?;
    let msg = line.get(19..)?.strip_prefix(": (")?;
    let key = &line[..19];
    let msg = &msg[msg.find(") ")? + 2..];
    let mut hit = Hit::new(Reason::GatewayError);
    hit.at = Some(at);
    hit.key = key;
    let has = |s: &str| msg.contains(s);
    if has("establishing connection failed") {
        hit.reason = if msg.ends_with("Connection refused") {
            Reason::Refused
        } else if msg.ends_with("No such file or directory") {
            Reason::SocketMissing
        } else if msg.ends_with("Permission denied") {
            Reason::SocketPermission
        } else if msg.ends_with("Connection timed out") {
            Reason::ConnectTimeout
        } else {
            Reason::ConnectFailed
        };
        hit.upstream = between(msg, "socket: ", ": ").map(socket);
    } else if has("all handlers for ") && has(" are down") {
        let uri = between(msg, "all handlers for ", " on ").map(|u| u.trim_end_matches('?'));
        hit.reason = Reason::NoLiveUpstreams;
        hit.request = uri.map(Cow::Borrowed);
        return Some(Parsed::Companion {
            format: Format::LighttpdError,
            alone: hit,
        });
    } else if has("response not received") {
        hit.reason = Reason::PrematureClose;
        hit.upstream = between(msg, "on socket: ", " for ").map(socket);
        hit.request =
            between(msg, " for ", ", closing").map(|u| Cow::Borrowed(u.trim_end_matches('?')));
    } else if has("response headers too large for ") {
        hit.reason = Reason::HeaderTooLarge;
        hit.request = msg
            .split_once(" for ")
            .map(|(_, u)| Cow::Borrowed(u.trim_end()));
    } else if has("read timeout on socket: ") {
        hit.reason = Reason::ReadTimeout;
        hit.upstream = between(msg, "on socket: ", " ").map(socket);
    } else if has("read() ") && msg.ends_with("Connection reset by peer") {
        return Some(Parsed::Hint {
            format: Format::LighttpdError,
            key,
            reason: Reason::Reset,
        });
    } else {
        return Some(Parsed::Quiet(Format::LighttpdError));
    }
    Some(Parsed::Failure(Format::LighttpdError, hit))
}

/// `127.0.0.1:17000` out of `tcp:127.0.0.1:17000`; `unix:/path` stays as it is.
fn socket(s: &str) -> &str {
    s.strip_prefix("tcp:").unwrap_or(s)
}
