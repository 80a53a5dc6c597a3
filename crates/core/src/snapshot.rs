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
}
