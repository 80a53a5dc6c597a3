//! A page as JavaScript sees it (status, status line, headers, markup) → the core's snapshot.

use gwdoctor_core::{Headers, Snapshot};
use serde::Deserialize;
use wasm_bindgen::JsError;

/// A top-level response as the extension gathers it: status and headers from `webRequest`, the
/// markup from the content script (`document.documentElement.outerHTML`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageSnapshot {
    /// The page's URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The HTTP status.
    pub status: u16,
    /// The status line (`HTTP/1.1 502 Bad Gateway`), for the reason phrase.
    #[serde(default)]
    pub status_line: Option<String>,
    /// The response headers, in order, as `[name, value]` pairs.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The markup.
    #[serde(default)]
    pub body: String,
    /// When the response arrived (Unix ms), for `Retry-After` dates without a `Date` header.
    #[serde(default)]
    pub received_at_ms: Option<f64>,
}

impl PageSnapshot {
    /// The core's snapshot; refuses statuses that are not HTTP statuses.
    pub fn to_snapshot(&self) -> Result<Snapshot, JsError> {
        if !(100..=999).contains(&self.status) {
            return Err(JsError::new(&format!(
                "snapshot: status {} is not an HTTP status",
                self.status
            )));
        }
        let headers: Headers = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut snapshot = Snapshot::new(self.status, headers).with_body(self.body.as_bytes());
        snapshot.url = self.url.clone();
        snapshot.reason = self.status_line.as_deref().and_then(reason_phrase);
        snapshot.received_at = self
            .received_at_ms
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| (ms / 1000.0) as i64);
        Ok(snapshot)
    }
}

/// `HTTP/1.1 502 Bad Gateway` → `Bad Gateway`; `None` without one (HTTP/2).
fn reason_phrase(status_line: &str) -> Option<String> {
    let mut parts = status_line.trim().splitn(3, ' ');
    let (_version, _code) = (parts.next()?, parts.next()?);
    parts
        .next()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases() {
        assert_eq!(
            reason_phrase("HTTP/1.1 502 Bad Gateway").as_deref(),
            Some("Bad Gateway")
        );
        assert_eq!(reason_phrase("HTTP/2 502"), None);
        assert_eq!(reason_phrase(""), None);
    }

    #[test]
    fn snapshot_from_the_page() {
        let page = PageSnapshot {
            url: Some("http://127.0.0.1/".into()),
            status: 502,
            status_line: Some("HTTP/1.1 502 Bad Gateway".into()),
            headers: vec![("Server".into(), "nginx/1.22.1".into())],
            body: "<html><head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.22.1</center>\n\n\n</body></html>".into(),
            received_at_ms: Some(1_795_428_000_500.0),
        };
        let snapshot = page.to_snapshot().unwrap();
        assert_eq!(snapshot.headers.get("server"), Some("nginx/1.22.1"));
        assert_eq!(snapshot.reason.as_deref(), Some("Bad Gateway"));
        assert_eq!(snapshot.received_at, Some(1_795_428_000));
        let verdict = gwdoctor_core::classify(&snapshot);
        assert_eq!(verdict.generator.unwrap().vendor, "nginx");
    }
}
