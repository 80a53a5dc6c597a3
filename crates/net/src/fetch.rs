//! One request to one URL, timed phase by phase (DNS, connect, TLS, first byte), without
//! following redirects, ending in a [`Snapshot`] or a [`NetworkFailure`].

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use gwdoctor_core::{
    classify, classify_network_failure, Cause, Headers, NetworkFailure, NetworkStage, Snapshot,
    Vantage, Verdict, MAX_BODY_BYTES,
};
use hickory_resolver::TokioResolver;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
    time::timeout,
};
use tokio_rustls::TlsConnector;

use crate::{guard::AddressPolicy, target::Target};

/// Limits of one fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
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
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            dns_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            tls_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(10),
            max_addresses: 4,
            user_agent: concat!("gwdoctor/", env!("CARGO_PKG_VERSION")).to_string(),
            address_policy: AddressPolicy::default(),
            vantage: Vantage::Machine,
        }
    }
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

/// What one fetch saw.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// The URL fetched.
    pub url: String,
    /// The address connected to, when a connection was made.
    pub address: Option<SocketAddr>,
    /// Per-phase timings.
    pub timings: Timings,
    /// `Location` of a redirect, reported and not followed.
    pub redirect: Option<String>,
    /// The response, or why there was none.
    pub outcome: Result<Snapshot, NetworkFailure>,
}

impl FetchReport {
    /// The core's verdict on this fetch.
    pub fn verdict(&self) -> Verdict {
        match &self.outcome {
            Ok(snapshot) => classify(snapshot),
            Err(failure) => classify_network_failure(failure),
        }
    }
}

/// Fetches `target` once with the system resolver.
pub async fn fetch(target: &Target, options: &FetchOptions) -> FetchReport {
    let start = Instant::now();
    let mut timings = Timings::default();
    let mut address = None;
    let outcome = run(target, options, &mut timings, &mut address).await;
    timings.total_ms = ms(start.elapsed());
    let redirect = outcome.as_ref().ok().and_then(|s| {
        (300..400)
            .contains(&s.status)
            .then(|| s.headers.get("location").map(str::to_string))
            .flatten()
    });
    FetchReport {
        url: target.url.to_string(),
        address,
        timings,
        redirect,
        outcome,
    }
}

async fn run(
    target: &Target,
    options: &FetchOptions,
    timings: &mut Timings,
    address: &mut Option<SocketAddr>,
) -> Result<Snapshot, NetworkFailure> {
    let fail = |stage, cause, detail: String| NetworkFailure {
        url: Some(target.url.to_string()),
        host: target.host.clone(),
        stage,
        cause,
        detail,
        vantage: options.vantage,
    };
    let addresses = resolve(target, options, timings)
        .await
        .map_err(|(cause, detail)| fail(NetworkStage::Dns, cause, detail))?;

    let mut last_error = (Cause::Unknown, "no address to connect to".to_string());
    let mut stream = None;
    for ip in addresses.into_iter().take(options.max_addresses) {
        let addr = SocketAddr::new(ip, target.port);
        let began = Instant::now();
        match connect(addr, options).await {
            Ok(Ok(s)) => {
                timings.connect_ms = Some(ms(began.elapsed()));
                *address = Some(addr);
                stream = Some(s);
                break;
            }
            Ok(Err(e)) => {
                let cause = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                    Cause::ConnectionRefused
                } else {
                    Cause::Unknown
                };
                last_error = (cause, format!("connect to {addr}: {e}"));
            }
            Err(_) => {
                last_error = (
                    Cause::Timeout,
                    format!(
                        "connect to {addr}: no answer within {:?}",
                        options.connect_timeout
                    ),
                )
            }
        }
    }
    let Some(stream) = stream else {
        return Err(fail(NetworkStage::Connect, last_error.0, last_error.1));
    };

    if target.tls {
        let began = Instant::now();
        let name = rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(|e| {
            fail(
                NetworkStage::Tls,
                Cause::Tls,
                format!("invalid TLS name: {e}"),
            )
        })?;
        let connector = TlsConnector::from(crate::tls::client_config());
        let tls = timeout(options.tls_timeout, connector.connect(name, stream))
            .await
            .map_err(|_| {
                fail(
                    NetworkStage::Tls,
                    Cause::Timeout,
                    "TLS handshake timed out".into(),
                )
            })?
            .map_err(|e| fail(NetworkStage::Tls, Cause::Tls, format!("TLS handshake: {e}")))?;
        timings.tls_ms = Some(ms(began.elapsed()));
        exchange(target, options, tls, timings, &fail).await
    } else {
        exchange(target, options, stream, timings, &fail).await
    }
    .map(|mut snapshot| {
        snapshot.url = Some(target.url.to_string());
        snapshot.received_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        snapshot
    })
}

/// Connects to `address` within the connect timeout once the address policy allows it; a refused
/// address fails with `PermissionDenied` before any packet is sent.
pub(crate) async fn connect(
    address: SocketAddr,
    options: &FetchOptions,
) -> Result<std::io::Result<TcpStream>, tokio::time::error::Elapsed> {
    if let Err(refused) = options.address_policy.check(address.ip()) {
        return Ok(Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            refused,
        )));
    }
    timeout(options.connect_timeout, TcpStream::connect(address)).await
}

async fn resolve(
    target: &Target,
    options: &FetchOptions,
    timings: &mut Timings,
) -> Result<Vec<IpAddr>, (Cause, String)> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let began = Instant::now();
    let resolver = TokioResolver::builder_tokio()
        .map_err(|e| (Cause::Dns, format!("system resolver configuration: {e}")))?
        .build();
    let lookup = timeout(
        options.dns_timeout,
        resolver.lookup_ip(target.host.as_str()),
    )
    .await
    .map_err(|_| {
        (
            Cause::Timeout,
            format!("resolving {} timed out", target.host),
        )
    })?
    .map_err(|e| (Cause::Dns, format!("resolving {}: {e}", target.host)))?;
    timings.dns_ms = Some(ms(began.elapsed()));
    let addresses: Vec<IpAddr> = lookup.iter().collect();
    if addresses.is_empty() {
        return Err((Cause::Dns, format!("{} has no address", target.host)));
    }
    Ok(addresses)
}

pub(crate) type Fail<'a> = dyn Fn(NetworkStage, Cause, String) -> NetworkFailure + Sync + 'a;

pub(crate) async fn exchange<S>(
    target: &Target,
    options: &FetchOptions,
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
    let request = hyper::Request::get(target.request_target())
        .header(hyper::header::HOST, target.host_header())
        .header(hyper::header::USER_AGENT, &options.user_agent)
        .header(hyper::header::ACCEPT, "*/*")
        .header(hyper::header::CONNECTION, "close")
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
