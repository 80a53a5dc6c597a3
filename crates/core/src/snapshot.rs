//! The response snapshot: everything the classifier looks at, gathered by a shell.

/// Bytes of body a snapshot keeps; the rest is dropped (and [`Snapshot::body_truncated`] set).
/// Error pages are small; 256 KiB holds every page of the corpus many times over.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Headers a snapshot keeps; later ones are dropped (and [`Headers::truncated`] set).
pub const MAX_HEADERS: usize = 512;
/// Bytes of one header value a snapshot keeps.
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;

/// Response headers: names compared case-insensitively, repeated headers kept, in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
    truncated: bool,
}

impl Headers {
    /// An empty header list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header. Names are stored lowercase; past [`MAX_HEADERS`] headers, or past
    /// [`MAX_HEADER_VALUE_BYTES`] of one value, the excess is dropped and [`Self::truncated`] set.
    pub fn append(&mut self, name: &str, value: &str) {
        if self.entries.len() >= MAX_HEADERS {
            self.truncated = true;
            return;
        }
        let value = if value.len() > MAX_HEADER_VALUE_BYTES {
            self.truncated = true;
            let mut end = MAX_HEADER_VALUE_BYTES;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            &value[..end]
        } else {
            value
        };
        self.entries
            .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }

    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All headers as (lowercase name, value), in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of headers kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether headers (or parts of values) were dropped because of the caps.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.append(name.as_ref(), value.as_ref());
        }
        headers
    }
}

/// One HTTP response as a shell saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The URL it came from, when known.
    pub url: Option<String>,
    /// The status code.
    pub status: u16,
    /// The reason phrase, when the status line had one (HTTP/2 has none).
    pub reason: Option<String>,
    /// The response headers.
    pub headers: Headers,
    /// The body, at most [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
    /// Whether the body was cut at [`MAX_BODY_BYTES`] (or arrived incomplete).
    pub body_truncated: bool,
    /// When the response arrived, in Unix seconds, from the shell's clock. Used only to turn a
    /// `Retry-After` date into seconds when the response has no `Date` header.
    pub received_at: Option<i64>,
}

impl Snapshot {
    /// A snapshot with the given status and headers and an empty body.
    pub fn new(status: u16, headers: Headers) -> Self {
        Snapshot {
            status,
            headers,
            ..Snapshot::default()
        }
    }

    /// Sets the body, keeping at most [`MAX_BODY_BYTES`].
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.set_body(body);
        self
    }

    /// Sets the URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Replaces the body, keeping at most [`MAX_BODY_BYTES`].
    pub fn set_body(&mut self, body: &[u8]) {
        let kept = body.len().min(MAX_BODY_BYTES);
        self.body = body[..kept].to_vec();
        self.body_truncated = body.len() > MAX_BODY_BYTES;
    }

    /// Whether the body is empty or only whitespace.
    pub fn body_is_blank(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as the server sent it, as far as signatures care: when a browser extension
    /// handed over the page a browser generates around a plain-text or JSON body (Chromium's
    /// and Firefox's text viewer, `<html><head>…</head><body><pre …>TEXT</pre></body></html>`),
    /// the text inside it again, so rules written for the raw body match both.
    pub fn page_text(&self) -> std::borrow::Cow<'_, [u8]> {
        match text_viewer_content(&self.body) {
            Some(text) => std::borrow::Cow::Owned(unescape_text(text)),
            None => std::borrow::Cow::Borrowed(&self.body),
        }
    }
}

/// The escaped text of a browser's plain-text viewer page, if `body` is one. Chromium's JSON
/// viewer adds an empty formatter container after the text.
fn text_viewer_content(body: &[u8]) -> Option<&[u8]> {
    const OPEN: &[u8] = b"</head><body><pre";
    const CLOSE: &[u8] = b"</body></html>";
    const JSON_FORMATTER: &[u8] = b"<div class=\"json-formatter-container\"></div>";
    let body = body.trim_ascii();
    let inner = body.strip_prefix(b"<html><head>")?.strip_suffix(CLOSE)?;
    let inner = inner.strip_suffix(JSON_FORMATTER).unwrap_or(inner);
    let inner = inner.strip_suffix(b"</pre>")?;
    let pre = inner.windows(OPEN.len()).position(|w| w == OPEN)? + OPEN.len();
    let text_start = pre + inner[pre..].iter().position(|&b| b == b'>')? + 1;
    inner.get(text_start..)
}

/// Undoes the escaping an HTML serializer applies to text (`&amp;`, `&lt;`, `&gt;`, and the
/// `&nbsp;` it writes for U+00A0).
fn unescape_text(text: &[u8]) -> Vec<u8> {
    const ENTITIES: [(&[u8], &[u8]); 4] = [
        (b"&amp;", b"&"),
        (b"&lt;", b"<"),
        (b"&gt;", b">"),
        (b"&nbsp;", "\u{a0}".as_bytes()),
    ];
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    'bytes: while let Some((&first, tail)) = rest.split_first() {
        if first == b'&' {
            for (entity, replacement) in ENTITIES {
                if let Some(after) = rest.strip_prefix(entity) {
                    out.extend_from_slice(replacement);
                    rest = after;
                    continue 'bytes;
                }
            }
        }
        out.push(first);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_is_case_insensitive_and_keeps_repeats_in_order() {
        let headers: Headers = [
            ("Via", "1.1 varnish"),
            ("VIA", "1.1 squid"),
            ("Server", "x"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            headers.get_all("via").collect::<Vec<_>>(),
            ["1.1 varnish", "1.1 squid"]
        );
        assert_eq!(headers.get("SERVER"), Some("x"));
    }

    #[test]
    fn caps_are_enforced() {
        let mut headers = Headers::new();
        for i in 0..MAX_HEADERS + 10 {
            headers.append(&format!("x-{i}"), "v");
        }
        assert_eq!(headers.len(), MAX_HEADERS);
        assert!(headers.truncated());
        let snapshot =
            Snapshot::new(502, Headers::new()).with_body(&vec![b'a'; MAX_BODY_BYTES + 1]);
        assert_eq!(snapshot.body.len(), MAX_BODY_BYTES);
        assert!(snapshot.body_truncated);
    }

    #[test]
    fn page_text_unwraps_the_browsers_text_viewer() {
        let chromium = Snapshot::new(502, Headers::new()).with_body(
            b"<html><head><meta name=\"color-scheme\" content=\"light dark\"></head><body>\
              <pre style=\"word-wrap: break-word; white-space: pre-wrap;\">Bad Gateway &amp; &lt;more&gt;</pre></body></html>",
        );
        assert_eq!(&*chromium.page_text(), b"Bad Gateway & <more>");
        let firefox = Snapshot::new(502, Headers::new()).with_body(
            b"<html><head><link rel=\"stylesheet\" href=\"resource://content-accessible/plaintext.css\"></head><body><pre>no healthy upstream</pre></body></html>",
        );
        assert_eq!(&*firefox.page_text(), b"no healthy upstream");
        let json = Snapshot::new(502, Headers::new()).with_body(
            b"<html><head><meta name=\"color-scheme\" content=\"light dark\"><meta charset=\"utf-8\"></head>\
              <body><pre>{\"message\": \"Internal server error\"}</pre><div class=\"json-formatter-container\"></div></body></html>",
        );
        assert_eq!(
            &*json.page_text(),
            br#"{"message": "Internal server error"}"#
        );
        let page = Snapshot::new(502, Headers::new())
            .with_body(b"<html><head></head><body><p>x</p><pre>y</pre></body></html>");
        assert_eq!(
            &*page.page_text(),
            &page.body[..],
            "a real page stays as it is"
        );
    }
}
