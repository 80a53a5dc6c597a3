//! Envoy's access log in its default format: `[START_TIME] "METHOD PATH PROTOCOL" RESPONSE_CODE
//! RESPONSE_FLAGS BYTES_RECEIVED BYTES_SENT DURATION UPSTREAM_SERVICE_TIME "X-FORWARDED-FOR"
//! "USER-AGENT" "X-REQUEST-ID" "AUTHORITY" "UPSTREAM_HOST"`. The response flags (`UF`, `UH`,
//! `UT` …) say why Envoy answered the way it did.

use std::borrow::Cow;

use super::{status_5xx, Context, Hit, Parsed};
use crate::text::authority;
use crate::{timestamp, Format, Reason};

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let (stamp, rest) = line.strip_prefix('[')?.split_once("] \"")?;
    let at = timestamp::iso(stamp.as_bytes(), cx.local_offset)?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut fields = rest.split(' ');
    let code = fields.next()?;
    let flags = fields.next()?;
    if !code.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let status = status_5xx(code);
    let has = |f: &str| flags.split(',').any(|x| x == f);
    // The underlying failure first: UF with URX means the retries all failed to connect.
    let reason = if has("UF") {
        Reason::ConnectFailed
    } else if has("UH") {
        Reason::NoLiveUpstreams
    } else if has("UT") || has("UMSDR") {
        Reason::ReadTimeout
    } else if has("UC") {
        Reason::PrematureClose
    } else if has("UR") {
        Reason::Reset
    } else if has("UO") {
        Reason::QueueFull
    } else if has("UPE") {
        Reason::InvalidHeader
    } else if has("URX") {
        Reason::RetryLimit
    } else if flags == "-" && status.is_some() {
        Reason::AppStatus
    } else {
        return Some(Parsed::Quiet(Format::Envoy));
    };
    // The quoted fields after the counters: forwarded-for, agent, id, authority, upstream.
    let quoted: Vec<&str> = rest.split('"').skip(1).step_by(2).take(5).collect();
    let mut hit = Hit::new(reason);
    hit.at = Some(at);
    hit.status = status;
    hit.request = Some(Cow::Borrowed(request));
    hit.site = quoted.get(3).copied().filter(|s| *s != "-");
    hit.upstream = quoted.get(4).copied().filter(|s| *s != "-").map(authority);
    Some(Parsed::Failure(Format::Envoy, hit))
}
