//! Small helpers to pick fields out of a log line without allocating.

/// The text between `start` and the next `end` after it.
pub(crate) fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The value of nginx's `, key: "value"` fields (`request`, `upstream`, `host`).
pub(crate) fn quoted_field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = s;
    // A bounded scan: each step moves past one occurrence.
    while let Some(i) = rest.find(key) {
        let after = &rest[i + key.len()..];
        if let Some(v) = after.strip_prefix(": \"") {
            return v.find('"').map(|end| &v[..end]);
        }
        rest = after;
    }
    None
}

/// `host:port` out of `scheme://host:port/path` (or `unix:/path` out of
/// `fastcgi://unix:/path:`).
pub(crate) fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if let Some(path) = rest.strip_prefix("unix:") {
        return &rest[..5 + path.trim_end_matches(':').len()];
    }
    rest.find('/').map_or(rest, |i| &rest[..i])
}

/// The errno text in `(111: Connection refused)` or `(111)Connection refused`.
pub(crate) fn errno(s: &str) -> Option<u32> {
    s.match_indices('(').find_map(|(i, _)| {
        let digits = &s[i + 1..];
        let end = digits.find(|c: char| !c.is_ascii_digit())?;
        digits[..end].parse().ok()
    })
}

/// A JSON string value that has no escapes, borrowed from the line: `key` is `"Name":"`.
pub(crate) fn json_str<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let from = line.find(key)? + key.len();
    let value = &line[from..from + line[from..].find('"')?];
    (!value.ends_with('\\')).then_some(value)
}

/// `s` cut to at most `max` bytes on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let line =
            r#"x, request: "GET /a HTTP/1.1", upstream: "http://127.0.0.1:17000/a", host: "h""#;
        assert_eq!(quoted_field(line, "request"), Some("GET /a HTTP/1.1"));
        assert_eq!(
            quoted_field(line, "upstream").map(authority),
            Some("127.0.0.1:17000")
        );
        assert_eq!(
            authority("fastcgi://unix:/run/php/fpm.sock:"),
            "unix:/run/php/fpm.sock"
        );
        assert_eq!(authority("http://pool/pool"), "pool");
        assert_eq!(
            errno("connect() failed (111: Connection refused)"),
            Some(111)
        );
        assert_eq!(errno("(70007)The timeout specified"), Some(70007));
        assert_eq!(between("a [b] c", "[", "]"), Some("b"));
        assert_eq!(clip("héllo", 2), "h");
    }
}
