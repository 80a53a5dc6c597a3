//! Access logs that give a status and no cause: the common/combined format (nginx, Apache,
//! lighttpd, Traefik's default …) and Squid's native format. A 5xx there is counted by status;
//! the error log of the same gateway says why.

use std::borrow::Cow;

use super::{status_5xx, Context, Hit, Parsed};
use crate::{timestamp, Format, Reason};

/// `127.0.0.1 - - [04/Dec/2026:18:42:02 +0000] "GET /refused HTTP/1.1" 502 157 "-" "curl/7.88.1"`
pub(super) fn clf<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let open = line.find(" [")?;
    if open > 300 {
        return None;
    }
    let rest = &line[open + 2..];
    let at = timestamp::clf(rest.as_bytes(), cx.local_offset)?;
    let (_, rest) = rest.split_once("] \"")?;
    let (request, rest) = rest.split_once("\" ")?;
    let code = rest.split(' ').next()?;
    if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let Some(status) = status_5xx(code) else {
        return Some(Parsed::Quiet(Format::AccessClf));
    };
    let mut hit = Hit::new(Reason::StatusOnly);
    hit.at = Some(at);
    hit.status = Some(status);
    hit.request = Some(Cow::Borrowed(request));
    Some(Parsed::Failure(Format::AccessClf, hit))
}

/// `1796409722.685      0 127.0.0.1 TCP_MISS/502 3430 GET http://127.0.0.1:18400/refused -
/// HIER_NONE/- text/html`
pub(super) fn squid(line: &str) -> Option<Parsed<'_>> {
    let mut fields = line.split_ascii_whitespace();
    let stamp = fields.next()?;
    if stamp.len() < 12 || stamp.as_bytes().get(stamp.len() - 4) != Some(&b'.') {
        return None;
    }
    let at = timestamp::epoch(stamp.as_bytes())?;
    let (_elapsed, _client) = (fields.next()?, fields.next()?);
    let (_, code) = fields.next()?.split_once('/')?;
    let _bytes = fields.next()?;
    let (method, url, _user) = (fields.next()?, fields.next()?, fields.next()?);
    let (_, peer) = fields.next()?.split_once('/')?;
    let Some(status) = status_5xx(code) else {
        return Some(Parsed::Quiet(Format::SquidAccess));
    };
    let mut hit = Hit::new(Reason::StatusOnly);
    hit.at = Some(at);
    hit.status = Some(status);
    hit.upstream = (peer != "-").then_some(peer);
    hit.request = Some(Cow::Owned(format!("{method} {url}")));
    Some(Parsed::Failure(Format::SquidAccess, hit))
}
