//! The pieces of one request that [`crate::probe`] puts together: the limits and policy of a
//! request ([`RequestOptions`]), the connect that the address policy guards, and the HTTP
//! exchange on an open stream, timed phase by phase ([`Timings`]); redirects are never followed.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use gwdoctor_core::{
    Cause, Headers, NetworkFailure, NetworkStage, Snapshot, Vantage, MAX_BODY_BYTES,
};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
    time::timeout,
};

use crate::{
    guard::{AddressPolicy, Forbidden},
    target::Target,
    tls::CertificateErrors,
};

/// Limits, identity and address policy of one request.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// Name resolution.
    pub dns_timeout: Duration,
    /// Each TCP connect attempt.
    pub connect_timeout: Duration,
    /// The TLS handshake.
    pub tls_timeout: Duration,
    /// From request sent to response headers.
    pub response_timeout: Duration,
    /// Reading the body.
    pub body_timeout: Duration,
    /// Addresses tried, in resolver order.
    pub max_addresses: usize,
    /// The `User-Agent` sent.
    pub user_agent: String,
    /// Which addresses may be connected to, checked on each resolved address before connecting
    /// to that very address (everything by default; a public checker uses
    /// [`AddressPolicy::public_only`]).
    pub address_policy: AddressPolicy,
    /// Who makes the request (this machine, or a hosted checker), as the verdict names it.
    pub vantage: Vantage,
    /// Certificate authorities trusted besides the Mozilla roots, each as DER (an owner's private
    /// CA, `--cacert`; read with [`crate::certificate::trust_anchors_from_pem`]).
    pub extra_roots: Vec<Vec<u8>>,
    /// Whether a certificate that fails validation ends the TLS handshake (the default) or is
    /// reported while the request goes on.
    pub certificate_errors: CertificateErrors,
    /// Headers sent besides `Host`, `User-Agent`, `Accept` and `Connection`, each checked by
    /// [`parse_header`] (a secret an origin requires from its CDN).
    pub extra_headers: Vec<(String, String)>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            dns_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            tls_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(10),
            max_addresses: 4,
            user_agent: concat!("gwdoctor/", env!("CARGO_PKG_VERSION")).to_string(),
            address_policy: AddressPolicy::default(),
            vantage: Vantage::Machine,
            extra_roots: Vec::new(),
            certificate_errors: CertificateErrors::Fail,
            extra_headers: Vec::new(),
        }
    }
}

/// Headers a request may not carry as extra headers: the probe writes them itself (`Host` is
/// always the URL's, so that a direct-to-origin fetch asks for the same site).
const OWN_HEADERS: [&str; 6] = [
    "host",
    "user-agent",
    "accept",
    "connection",
    "content-length",
    "transfer-encoding",
];

/// Reads an extra request header written `NAME:VALUE` (spaces around the value are trimmed):
/// a valid HTTP header name that is not one the probe writes itself, and a valid value.
pub fn parse_header(spec: &str) -> Result<(String, String), String> {
    let Some((name, value)) = spec.split_once(':') else {
        return Err(format!(
            "`{spec}` is not NAME:VALUE (e.g. X-Origin-Secret:abc123)"
        ));
    };
    let name = name.trim();
    let value = value.trim();
    let header = hyper::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("`{name}` is not a valid header name"))?;
    if OWN_HEADERS.contains(&header.as_str()) {
        return Err(format!(
            "`{name}` cannot be set: the probe sends its own (Host is always the URL's)"
        ));
    }
    hyper::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of `{name}` is not a valid header value"))?;
    Ok((header.as_str().to_string(), value.to_string()))
}

/// Milliseconds spent in each phase; `None` for phases not reached (or not needed).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Name resolution (`None` for an address literal).
    pub dns_ms: Option<f64>,
    /// TCP connect to the address that answered.
    pub connect_ms: Option<f64>,
    /// TLS handshake.
    pub tls_ms: Option<f64>,
    /// From request sent to the response headers.
    pub first_byte_ms: Option<f64>,
    /// Everything, body included.
    pub total_ms: f64,
}

/// Why a connect attempt made no connection.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The address policy refused the address: no packet was sent.
    Forbidden(Forbidden),
    /// The connect itself failed (refused, unreachable, …).
    Io(std::io::Error),
    /// No answer within the connect timeout.
    Timeout(Duration),
}

impl ConnectError {
    /// The verdict's cause for this failure.
    pub(crate) fn cause(&self) -> Cause {
        match self {
            ConnectError::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Cause::ConnectionRefused
            }
            ConnectError::Timeout(_) => Cause::Timeout,
            ConnectError::Forbidden(_) | ConnectError::Io(_) => Cause::Unknown,
        }
    }

    /// The failure in words, naming the address.
    pub(crate) fn detail(&self, address: SocketAddr) -> String {
        match self {
            ConnectError::Forbidden(forbidden) => format!("connect to {address}: {forbidden}"),
            ConnectError::Io(e) => format!("connect to {address}: {e}"),
            ConnectError::Timeout(limit) => {
                format!("connect to {address}: no answer within {limit:?}")
            }
        }
    }
}

/// Connects to `address` within the connect timeout once the address policy allows it; an
/// address the policy refuses fails before any packet is sent.
pub(crate) async fn connect(
    address: SocketAddr,
    options: &RequestOptions,
) -> Result<TcpStream, ConnectError> {
    options
        .address_policy
        .check(address.ip())
        .map_err(ConnectError::Forbidden)?;
    match timeout(options.connect_timeout, TcpStream::connect(address)).await {
        Ok(connected) => connected.map_err(ConnectError::Io),
        Err(_) => Err(ConnectError::Timeout(options.connect_timeout)),
    }
}

pub(crate) type Fail<'a> = dyn Fn(NetworkStage, Cause, String) -> NetworkFailure + Sync + 'a;

pub(crate) async fn exchange<S>(
    target: &Target,
    options: &RequestOptions,
    stream: S,
    timings: &mut Timings,
    fail: &Fail<'_>,
) -> Result<Snapshot, NetworkFailure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http_error = |e: hyper::Error| {
        let cause = if e.is_parse() || e.is_incomplete_message() {
            Cause::InvalidResponse
        } else {
            Cause::Unknown
        };
        fail(NetworkStage::Http, cause, format!("HTTP: {e}"))
    };
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .max_headers(gwdoctor_core::snapshot::MAX_HEADERS)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(http_error)?;
    let driver = tokio::spawn(connection);
    let mut request = hyper::Request::get(target.request_target())
        .header(hyper::header::HOST, target.host_header())
        .header(hyper::header::USER_AGENT, &options.user_agent)
        .header(hyper::header::ACCEPT, "*/*")
        .header(hyper::header::CONNECTION, "close");
    for (name, value) in &options.extra_headers {
        request = request.header(name, value);
    }
    let request = request
        .body(Empty::new())
        .map_err(|e| fail(NetworkStage::Http, Cause::Unknown, format!("request: {e}")))?;
    let began = Instant::now();
    let response = timeout(options.response_timeout, sender.send_request(request))
        .await
        .map_err(|_| {
            fail(
                NetworkStage::Http,
                Cause::Timeout,
                format!("no response within {:?}", options.response_timeout),
            )
        })?
        .map_err(http_error)?;
    timings.first_byte_ms = Some(ms(began.elapsed()));

    let (parts, body) = response.into_parts();
    let headers: Headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut snapshot = Snapshot::new(parts.status.as_u16(), headers);
    snapshot.reason = parts
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| parts.status.canonical_reason().map(str::to_string));
    let mut body = Limited::new(body, MAX_BODY_BYTES);
    let mut collected = Vec::new();
    let read = timeout(options.body_timeout, async {
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Some(data) = frame.data_ref() {
                        collected.extend_from_slice(data);
                    }
                }
                Err(_) => return false,
            }
        }
        true
    })
    .await;
    snapshot.set_body(&collected);
    snapshot.body_truncated |= !matches!(read, Ok(true));
    driver.abort();
    Ok(snapshot)
}

pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::parse_header;

    #[test]
    fn extra_headers_are_checked() {
        assert_eq!(
            parse_header("X-Origin-Secret: abc 123 "),
            Ok(("x-origin-secret".into(), "abc 123".into()))
        );
        assert_eq!(
            parse_header("X-Empty:"),
            Ok(("x-empty".into(), String::new()))
        );
        for (bad, says) in [
            ("X-Secret", "not NAME:VALUE"),
            ("X Secret:1", "not a valid header name"),
            (":1", "not a valid header name"),
            ("Host:evil.test", "cannot be set"),
            ("connection:keep-alive", "cannot be set"),
            ("X-A:b\u{7f}", "not a valid header value"),
        ] {
            let error = parse_header(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
