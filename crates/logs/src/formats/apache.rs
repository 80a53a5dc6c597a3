//! Apache httpd 2.4's error log: `[Fri Dec 04 18:42:02.589760 2026] [proxy:error] [pid 8791:tid
//! 8802] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:17000
//! (127.0.0.1:17000) failed`. One failed request often writes two lines (the reason, then
//! mod_proxy's summary with the URI): the second is a companion of the first.

use std::borrow::Cow;

use super::{Context, Hit, Parsed};
use crate::text::{between, errno};
use crate::{timestamp, Format, Reason};

pub(super) fn parse<'a>(line: &'a str, cx: &Context) -> Option<Parsed<'a>> {
    let at = timestamp::apache(line.as_bytes().get(1..)?, cx.local_offset)?;
    let rest = &line[line.find("] [")? + 3..];
    let (module, rest) = rest.split_once("] ")?;
    let quiet = Some(Parsed::Quiet(Format::ApacheError));
    if !module.starts_with("proxy") {
        return quiet;
    }
    let key = between(rest, "[pid ", "]").unwrap_or("");
    let Some(code_at) = code_at(rest) else {
        return quiet;
    };
    let code = &rest[code_at + 2..code_at + 7];
    let msg = rest.get(code_at + 9..).unwrap_or("");
    let body = rest.split_once("] ").map_or(rest, |(_, b)| b);
    let errno = body.starts_with('(').then(|| errno(body)).flatten();
    let mut hit = Hit::new(Reason::GatewayError);
    hit.at = Some(at);
    hit.key = key;
    let companion = |request: Option<&'a str>, mut alone: Hit<'a>| {
        alone.request = request.map(Cow::Borrowed);
        Some(Parsed::Companion {
            format: Format::ApacheError,
            alone,
        })
    };
    let failure = |hit| Some(Parsed::Failure(Format::ApacheError, hit));
    match code {
        // attempt to connect to HOST:PORT (…) failed / to Unix domain socket PATH (…) failed
        "00957" | "02454" => {
            hit.reason = match errno {
                Some(111) => Reason::Refused,
                Some(2) => Reason::SocketMissing,
                Some(13) => Reason::SocketPermission,
                Some(101 | 113) => Reason::Unreachable,
                Some(110 | 70007) => Reason::ConnectTimeout,
                _ => Reason::ConnectFailed,
            };
            hit.upstream = between(msg, "connect to ", " (")
                .map(|u| u.strip_prefix("Unix domain socket ").unwrap_or(u));
            failure(hit)
        }
        // failed to make connection to backend: HOST
        "01114" | "01079" => {
            hit.reason = Reason::ConnectFailed;
            hit.upstream = msg.split_once("backend: ").map(|(_, h)| h.trim_end());
            companion(None, hit)
        }
        // disabling worker for (HOST:PORT) for Ns
        "00959" => {
            hit.reason = Reason::ConnectFailed;
            hit.upstream = between(msg, "(", ")");
            companion(None, hit)
        }
        // disabled connection for (HOST[:PORT])
        "00940" => {
            hit.reason = Reason::NoLiveUpstreams;
            hit.upstream = between(msg, "(", ")");
            failure(hit)
        }
        // error reading status line from remote server HOST:PORT / error reading response /
        // pass request body failed to HOST:PORT
        "01102" | "01110" | "01097" => {
            hit.reason = match errno {
                Some(104) => Reason::Reset,
                Some(70007 | 110) => Reason::ReadTimeout,
                Some(32) if code == "01097" => Reason::Reset,
                _ => Reason::PrematureClose,
            };
            hit.upstream = msg
                .split_once("remote server ")
                .or_else(|| msg.split_once("failed to "))
                .map(|(_, h)| h.split(' ').next().unwrap_or(h));
            failure(hit)
        }
        // header size is over the limit allowed by ResponseFieldSize
        "10124" => {
            hit.reason = Reason::HeaderTooLarge;
            failure(hit)
        }
        // bad HTTP/1.1 header returned by URI (METHOD)
        "01106" => {
            hit.reason = Reason::InvalidHeader;
            let uri = msg
                .split_once(" returned by ")
                .map(|(_, u)| u.split(' ').next().unwrap_or(u));
            companion(uri, hit)
        }
        // FastCGI: failed to read the header / bogus version / error parsing script headers
        "01067" | "01068" | "01070" => {
            hit.reason = Reason::InvalidHeader;
            failure(hit)
        }
        // Error dispatching request to HOST
        "01075" => {
            hit.upstream = msg
                .split_once("request to ")
                .map(|(_, h)| h.trim_end_matches(':'));
            companion(None, hit)
        }
        // mod_proxy's summary: "MESSAGE returned by URI"
        "00898" => {
            let (what, uri) = msg.rsplit_once(" returned by ")?;
            hit.reason = if what.contains("DNS lookup failure") {
                Reason::Dns
            } else if what.contains("SSL") {
                Reason::Tls
            } else if what.contains("Timeout") {
                Reason::ReadTimeout
            } else if what.contains("Error reading from remote server") {
                Reason::PrematureClose
            } else {
                Reason::GatewayError
            };
            companion(Some(uri.trim_end()), hit)
        }
        _ => quiet,
    }
}

/// Where the message's `AHnnnnn:` code starts.
fn code_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memmem::find_iter(b, b"AH").find(|&i| {
        b.get(i + 2..i + 7)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && b.get(i + 7) == Some(&b':')
    })
}
