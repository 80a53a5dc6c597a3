//! The browser's words for a navigation that got no response (`webRequest.onErrorOccurred`:
//! Chromium's `net::ERR_*`, Firefox's `NS_ERROR_*` and NSS codes) → the core's network failure.

use gwdoctor_core::{Cause, NetworkFailure, NetworkStage, Vantage};

/// The failure an error string describes, or `None` when it is not about reaching the site
/// (the visitor stopped the load, an extension or policy blocked it, a download started …).
pub fn network_failure(url: &str, host: &str, error: &str) -> Option<NetworkFailure> {
    let code = error.trim();
    let upper = code.to_ascii_uppercase();
    let name = upper
        .strip_prefix("NET::ERR_")
        .or_else(|| upper.strip_prefix("NS_ERROR_"))
        .unwrap_or(&upper);
    let (stage, cause) = match name {
        "ABORTED"
        | "ABORT"
        | "NS_BINDING_ABORTED"
        | "BLOCKED_BY_CLIENT"
        | "BLOCKED_BY_ADMINISTRATOR"
        | "BLOCKED_BY_RESPONSE"
        | "BLOCKED_BY_ORB"
        | "UNKNOWN_URL_SCHEME"
        | "INVALID_URL"
        | "FILE_NOT_FOUND"
        | "NS_BINDING_REDIRECTED"
        | "NS_BINDING_RETARGETED"
        | "CACHE_MISS"
        | "UNSAFE_PORT"
        | "NOT_AVAILABLE" => return None,
        "NAME_NOT_RESOLVED" | "NAME_RESOLUTION_FAILED" | "UNKNOWN_HOST" | "DNS_TIMED_OUT" => {
            (NetworkStage::Dns, Cause::Dns)
        }
        "CONNECTION_REFUSED" | "PROXY_CONNECTION_REFUSED" => {
            (NetworkStage::Connect, Cause::ConnectionRefused)
        }
        "CONNECTION_TIMED_OUT" | "TIMED_OUT" | "NET_TIMEOUT" => {
            (NetworkStage::Connect, Cause::Timeout)
        }
        "RESPONSE_HEADERS_TOO_BIG" => (NetworkStage::Http, Cause::HeaderTooLarge),
        "CONNECTION_RESET"
        | "CONNECTION_CLOSED"
        | "EMPTY_RESPONSE"
        | "INVALID_HTTP_RESPONSE"
        | "NET_RESET"
        | "NET_INTERRUPT"
        | "INVALID_RESPONSE"
        | "INCOMPLETE_CHUNKED_ENCODING"
        | "CONTENT_LENGTH_MISMATCH"
        | "NET_PARTIAL_TRANSFER" => (NetworkStage::Http, Cause::InvalidResponse),
        _ if is_tls(name) => (NetworkStage::Tls, Cause::Tls),
        _ => (NetworkStage::Connect, Cause::Unknown),
    };
    Some(NetworkFailure {
        url: Some(url.to_string()),
        host: host.to_string(),
        stage,
        cause,
        detail: code.to_string(),
        vantage: Vantage::Browser,
    })
}

fn is_tls(name: &str) -> bool {
    [
        "CERT_",
        "SSL_",
        "SEC_ERROR_",
        "SSL_ERROR_",
        "MOZILLA_PKIX_ERROR_",
        "BAD_SSL_",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(error: &str) -> Option<(NetworkStage, Cause)> {
        network_failure("http://a/", "a", error).map(|f| (f.stage, f.cause))
    }

    #[test]
    fn chromium_and_firefox_codes() {
        assert_eq!(
            kind("net::ERR_CONNECTION_REFUSED"),
            Some((NetworkStage::Connect, Cause::ConnectionRefused))
        );
        assert_eq!(
            kind("NS_ERROR_CONNECTION_REFUSED"),
            Some((NetworkStage::Connect, Cause::ConnectionRefused))
        );
        assert_eq!(
            kind("net::ERR_NAME_NOT_RESOLVED"),
            Some((NetworkStage::Dns, Cause::Dns))
        );
        assert_eq!(
            kind("NS_ERROR_UNKNOWN_HOST"),
            Some((NetworkStage::Dns, Cause::Dns))
        );
        assert_eq!(
            kind("net::ERR_CONNECTION_TIMED_OUT"),
            Some((NetworkStage::Connect, Cause::Timeout))
        );
        assert_eq!(
            kind("net::ERR_CERT_DATE_INVALID"),
            Some((NetworkStage::Tls, Cause::Tls))
        );
        assert_eq!(
            kind("SEC_ERROR_UNKNOWN_ISSUER"),
            Some((NetworkStage::Tls, Cause::Tls))
        );
        assert_eq!(
            kind("net::ERR_EMPTY_RESPONSE"),
            Some((NetworkStage::Http, Cause::InvalidResponse))
        );
        assert_eq!(
            kind("net::ERR_SOMETHING_NEW"),
            Some((NetworkStage::Connect, Cause::Unknown))
        );
    }

    #[test]
    fn aborts_and_blocks_are_not_site_failures() {
        for error in [
            "net::ERR_ABORTED",
            "NS_BINDING_ABORTED",
            "net::ERR_BLOCKED_BY_CLIENT",
            "NS_ERROR_ABORT",
        ] {
            assert_eq!(kind(error), None, "{error}");
        }
    }
}
