//! Traefik's JSON access log: `DownstreamStatus` is what the client got, `OriginStatus` what the
//! server behind answered (0 when it did not answer).

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;

use super::{Context, Hit, Parsed};
use crate::text::{authority, json_str};
use crate::{timestamp, Format, Reason};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Line<'a> {
    downstream_status: u16,
    origin_status: Option<u16>,
    #[serde(borrow)]
    request_method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request_path: Option<Cow<'a, str>>,
    #[serde(rename = "StartUTC", borrow)]
    start_utc: Option<Cow<'a, str>>,
    #[serde(rename = "time", borrow)]
    time: Option<Cow<'a, str>>,
}

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let b = line.as_bytes();
    let at = memmem::find(b, b"\"DownstreamStatus\":")?;
    if b.get(at + 19) != Some(&b'5') {
        return Some(Parsed::Quiet(Format::TraefikJson));
    }
    let Ok(parsed) = serde_json::from_str::<Line>(line) else {
        return Some(Parsed::Quiet(Format::TraefikJson));
    };
    let status = parsed.downstream_status;
    let reason = match parsed.origin_status {
        None => Reason::StatusOnly,
        Some(origin) if origin == status => Reason::AppStatus,
        Some(0) if status == 504 => Reason::ReadTimeout,
        Some(0) if status == 503 => Reason::NoLiveUpstreams,
        Some(_) => Reason::GatewayError,
    };
    let mut hit = Hit::new(reason);
    hit.status = Some(status);
    hit.at = parsed
        .start_utc
        .or(parsed.time)
        .and_then(|t| timestamp::iso(t.as_bytes(), cx.local_offset));
    hit.upstream = json_str(line, "\"ServiceURL\":\"").map(authority);
    hit.site = json_str(line, "\"RequestHost\":\"");
    hit.request = match (parsed.request_method, parsed.request_path) {
        (Some(m), Some(p)) => Some(Cow::Owned(format!("{m} {p}"))),
        _ => None,
    };
    Some(Parsed::Failure(Format::TraefikJson, hit))
}
