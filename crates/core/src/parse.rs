//! Parsing a raw HTTP response as `curl -si URL` prints it into a [`Snapshot`].
//!
//! Lenient where real captures are messy (LF or CRLF line ends, folded headers, `HTTP/2 502`
//! without a reason phrase, several header blocks from `100 Continue` or `-L` redirects: the last
//! block counts), strict where the input is not a response at all.

use std::fmt;

use crate::snapshot::{Headers, Snapshot, MAX_HEADER_VALUE_BYTES};

/// Header blocks (interim and redirect responses) followed before giving up.
const MAX_BLOCKS: usize = 32;

/// Why raw bytes could not be read as an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The input is empty.
    Empty,
    /// The input does not start with an HTTP status line.
    NotHttp {
        /// The first bytes of the input, printable.
        start: String,
    },
    /// A status line starts with `HTTP/` but has no valid 3-digit status code.
    BadStatusLine {
        /// The line, printable.
        line: String,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "the input is empty: expected a raw HTTP response (as `curl -si URL` prints it)"),
            ParseError::NotHttp { start } => write!(
                f,
                "the input does not start with an HTTP status line (expected e.g. `HTTP/1.1 502 Bad Gateway`, found `{start}`); save responses with `curl -si URL`"
            ),
            ParseError::BadStatusLine { line } => {
                write!(f, "the status line `{line}` has no valid 3-digit status code")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a raw response. Header blocks of interim (1xx) responses, redirects and proxy
/// `CONNECT` answers that are followed by another block are skipped: the last block counts.
pub fn parse_response(raw: &[u8]) -> Result<Snapshot, ParseError> {
    let mut rest = skip_leading_noise(raw);
    if rest.is_empty() {
        return Err(ParseError::Empty);
    }
    if !starts_with_http(rest) {
        return Err(ParseError::NotHttp {
            start: printable(&rest[..rest.len().min(40)]),
        });
    }
    let mut blocks = 0;
    loop {
        blocks += 1;
        let (line, after_line) = split_line(rest);
        let (status, reason) = parse_status_line(line)?;
        let (headers, body) = parse_headers(after_line);
        let next = skip_leading_noise(body);
        let interim = (100..200).contains(&status)
            || (300..400).contains(&status)
            || status == 407
            || reason
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("connection established"));
        if interim && starts_with_http(next) && blocks < MAX_BLOCKS {
            rest = next;
            continue;
        }
        let mut snapshot = Snapshot {
            status,
            reason,
            headers,
            ..Snapshot::default()
        };
        snapshot.set_body(body);
        return Ok(snapshot);
    }
}

fn skip_leading_noise(input: &[u8]) -> &[u8] {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    &input[start..]
}

fn starts_with_http(input: &[u8]) -> bool {
    input.len() >= 5 && input[..5].eq_ignore_ascii_case(b"HTTP/")
}

/// Splits off one line (without its LF or CRLF).
fn split_line(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = &input[..i];
            (line.strip_suffix(b"\r").unwrap_or(line), &input[i + 1..])
        }
        None => (input, &[]),
    }
}

fn parse_status_line(line: &[u8]) -> Result<(u16, Option<String>), ParseError> {
    let text = String::from_utf8_lossy(&line[..line.len().min(512)]);
    let bad = || ParseError::BadStatusLine {
        line: printable(text.as_bytes()),
    };
    let mut parts = text.splitn(3, ' ');
    let _version = parts.next();
    let code = parts.next().ok_or_else(bad)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let status: u16 = code.parse().map_err(|_| bad())?;
    if status < 100 {
        return Err(bad());
    }
    let reason = parts
        .next()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Ok((status, reason))
}

/// Reads header lines up to the blank line; returns the headers and what follows (the body).
/// A missing blank line means the headers were truncated: everything read counts, the body is empty.
fn parse_headers(mut input: &[u8]) -> (Headers, &[u8]) {
    let mut headers = Headers::new();
    let mut pending: Option<(String, String)> = None;
    while !input.is_empty() {
        let (line, rest) = split_line(input);
        input = rest;
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some((_, value)) = pending.as_mut() {
                value.push(' ');
                value.push_str(String::from_utf8_lossy(line).trim());
            }
            continue;
        }
        if let Some((name, value)) = pending.take() {
            headers.append(&name, &value);
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = &line[..colon];
            if !name.is_empty() && name.iter().all(|&b| is_token_byte(b)) {
                let value = &line[colon + 1..];
                let value = &value[..value.len().min(2 * MAX_HEADER_VALUE_BYTES)];
                pending = Some((
                    String::from_utf8_lossy(name).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                ));
            }
        }
    }
    if let Some((name, value)) = pending {
        headers.append(&name, &value);
    }
    (headers, input)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_output_with_crlf() {
        let raw = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<html>body</html>";
        let s = parse_response(raw).unwrap();
        assert_eq!(s.status, 502);
        assert_eq!(s.reason.as_deref(), Some("Bad Gateway"));
        assert_eq!(s.headers.get("server"), Some("nginx/1.22.1"));
        assert_eq!(s.body, b"<html>body</html>");
    }

    #[test]
    fn http2_status_line_has_no_reason() {
        let s = parse_response(b"HTTP/2 502\nserver: cloudflare\n\n").unwrap();
        assert_eq!((s.status, s.reason), (502, None));
        assert_eq!(s.headers.get("Server"), Some("cloudflare"));
    }

    #[test]
    fn last_header_block_counts() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\r\nbusy";
        let s = parse_response(raw).unwrap();
        assert_eq!(s.status, 503);
        assert_eq!(s.headers.get("retry-after"), Some("5"));
        assert_eq!(s.headers.get("location"), None);
        assert_eq!(s.body, b"busy");
    }

    #[test]
    fn a_redirect_with_a_body_is_the_answer() {
        let s = parse_response(b"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n<a href=/x>moved</a>")
            .unwrap();
        assert_eq!(s.status, 302);
    }

    #[test]
    fn folded_headers_are_joined() {
        let s = parse_response(b"HTTP/1.1 500 X\r\nX-A: one\r\n  two\r\n\r\n").unwrap();
        assert_eq!(s.headers.get("x-a"), Some("one two"));
    }

    #[test]
    fn truncated_headers_give_a_best_effort_snapshot() {
        let s = parse_response(b"HTTP/1.1 504 Gateway Time-out\r\nServer: ngi").unwrap();
        assert_eq!(s.status, 504);
        assert_eq!(s.headers.get("server"), Some("ngi"));
        assert!(s.body.is_empty());
    }

    #[test]
    fn non_http_input_is_a_clear_error() {
        assert_eq!(parse_response(b"  \n"), Err(ParseError::Empty));
        let err = parse_response(b"<html>oops</html>").unwrap_err();
        assert!(err
            .to_string()
            .contains("does not start with an HTTP status line"));
        assert!(matches!(
            parse_response(b"HTTP/1.1 abc nope\r\n\r\n"),
            Err(ParseError::BadStatusLine { .. })
        ));
    }

    #[test]
    fn nul_bytes_and_invalid_utf8_do_not_break_parsing() {
        let s = parse_response(
            b"HTTP/1.1 502 \xff\x00\r\nX\x00: a\r\nServer: \xfe nginx\r\n\r\n\x00\xff",
        )
        .unwrap();
        assert_eq!(s.status, 502);
        assert_eq!(s.body, b"\x00\xff");
        assert!(s.headers.get("server").unwrap().contains("nginx"));
    }
}
