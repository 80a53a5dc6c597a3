//! HAProxy's HTTP log (`option httplog`): `127.0.0.1:33440 [04/Dec/2026:18:42:02.600] f_refused
//! b_refused/app 0/0/-1/-1/3007 503 217 - - SC-- 2/1/0/0/3 0/0 "GET /refused HTTP/1.1"`. The
//! termination state (`SC--`) says who ended the session and at which stage.

use std::borrow::Cow;

use super::{status_5xx, Context, Hit, Parsed};
use crate::{timestamp, Format, Reason};

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let (client, rest) = line.split_once(" [")?;
    if !client
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let at = timestamp::clf(rest.as_bytes(), cx.local_offset)?;
    let (_, rest) = rest.split_once("] ")?;
    let mut fields = rest.split(' ');
    let frontend = fields.next()?;
    let server = fields.next()?;
    let timers = fields.next()?;
    let status = fields.next()?;
    let _bytes = fields.next()?;
    let (_cookie_req, _cookie_resp) = (fields.next()?, fields.next()?);
    let state = fields.next()?.as_bytes();
    if !timers.contains('/') || state.len() != 4 || !server.contains('/') {
        return None;
    }
    let status = status_5xx(status);
    let no_server = server.ends_with("/<NOSRV>");
    let reason = match (state[0], state[1]) {
        (b'S', b'C') if no_server => Reason::NoLiveUpstreams,
        (b'S', b'C') => Reason::Refused,
        (b's', b'C') => Reason::ConnectTimeout,
        (b's', b'H' | b'D') => Reason::ReadTimeout,
        (b'S', b'H' | b'D') => Reason::PrematureClose,
        (b'P', b'H') => Reason::InvalidHeader,
        (b's' | b'S', b'Q') => Reason::QueueFull,
        (b'-', b'-') if status == Some(503) && no_server => Reason::NoLiveUpstreams,
        (b'-', b'-') if status.is_some() && !no_server => Reason::AppStatus,
        _ => return Some(Parsed::Quiet(Format::Haproxy)),
    };
    let mut hit = Hit::new(reason);
    hit.at = Some(at);
    // `backend/<NOSRV>`: no server was chosen; the backend is the upstream.
    hit.upstream = Some(server.strip_suffix("/<NOSRV>").unwrap_or(server));
    hit.site = Some(frontend);
    hit.status = status;
    hit.request = rest
        .find('"')
        .and_then(|i| rest[i + 1..].rfind('"').map(|j| &rest[i + 1..i + 1 + j]))
        .map(Cow::Borrowed);
    Some(Parsed::Failure(Format::Haproxy, hit))
}
