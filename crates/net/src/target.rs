//! What may be fetched: an absolute `http`/`https` URL with a host.

use std::fmt;

use url::{Host, Url};

/// A validated URL to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL, normalized.
    pub url: Url,
    /// The host as written (name or address literal, IPv6 without brackets).
    pub host: String,
    /// The port (the scheme's default when the URL has none).
    pub port: u16,
    /// Whether TLS is used.
    pub tls: bool,
}

/// Why a URL cannot be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Not a URL at all.
    Invalid(String),
    /// A scheme other than http/https.
    Scheme(String),
    /// No host in the URL.
    NoHost,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Invalid(e) => write!(
                f,
                "not a valid URL ({e}); expected e.g. https://example.com/"
            ),
            TargetError::Scheme(s) => write!(
                f,
                "only http:// and https:// URLs can be checked, not {s}://"
            ),
            TargetError::NoHost => write!(f, "the URL has no host"),
        }
    }
}

impl std::error::Error for TargetError {}

impl Target {
    /// Parses and validates a URL. A bare `host/path` gets `http://` in front.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        let input = input.trim();
        let url = match Url::parse(input) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => Url::parse(&format!("http://{input}"))
                .map_err(|e| TargetError::Invalid(e.to_string()))?,
            Err(e) => return Err(TargetError::Invalid(e.to_string())),
        };
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(TargetError::Scheme(other.to_string())),
        };
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_string(),
            Some(Host::Ipv4(a)) => a.to_string(),
            Some(Host::Ipv6(a)) => a.to_string(),
            None => return Err(TargetError::NoHost),
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if tls { 443 } else { 80 });
        Ok(Target {
            url,
            host,
            port,
            tls,
        })
    }

    /// The path and query to request.
    pub fn request_target(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        }
    }

    /// The `Host` header value.
    pub fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or(&self.host);
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_only() {
        let t = Target::parse("http://127.0.0.1:8080/a?b=1").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.tls), ("127.0.0.1", 8080, false));
        assert_eq!(t.request_target(), "/a?b=1");
        assert_eq!(t.host_header(), "127.0.0.1:8080");
        let t = Target::parse("example.com/x").unwrap();
        assert_eq!((t.port, t.url.as_str()), (80, "http://example.com/x"));
        assert_eq!(Target::parse("https://[::1]/").unwrap().host, "::1");
        assert!(matches!(
            Target::parse("ftp://x/"),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            Target::parse("http://"),
            Err(TargetError::Invalid(_))
        ));
        assert!(Target::parse("file:///etc/passwd").is_err());
    }
}
