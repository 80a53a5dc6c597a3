//! One URL, hop by hop: DNS → TCP connect → TLS handshake (certificate names and expiry) → HTTP
//! status, for every resolved address, ending in the core's verdict and the first hop that failed.

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use futures_util::future::join_all;
use gwdoctor_core::{
    classify, classify_network_failure, Cause, NetworkFailure, NetworkStage, Snapshot, Verdict,
};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::{net::TcpStream, time::timeout};
use tokio_rustls::TlsConnector;

use crate::{
    certificate::CertificateInfo,
    guard::Forbidden,
    request::{connect, exchange, ms, ConnectError, RequestOptions, Timings},
    resolver::ResolverSpec,
    target::Target,
};

/// Limits and resolver of one probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Per-phase limits and the number of addresses tried.
    pub request: RequestOptions,
    /// The resolver that turns the host into addresses.
    pub resolver: ResolverSpec,
    /// Connect to this address instead of resolving the host (curl's `--connect-to`): the
    /// request still carries the URL's `Host` header and TLS name, and the address policy is
    /// checked on it as on a resolved address. The DNS hop then says `connect-to`.
    pub connect_to: Option<SocketAddr>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            request: RequestOptions::default(),
            resolver: ResolverSpec::System,
            connect_to: None,
        }
    }
}

/// The name-resolution hop.
#[derive(Debug, Clone, Serialize)]
pub struct DnsHop {
    /// Whether at least one address came back.
    pub ok: bool,
    /// The resolver's label (`literal` when the URL holds an address).
    pub resolver: String,
    /// Milliseconds (`None` for an address literal).
    pub elapsed_ms: Option<f64>,
    /// The addresses, in resolver order.
    pub addresses: Vec<IpAddr>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One hop of one attempt.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Hop {
    /// Whether the hop succeeded.
    pub ok: bool,
    /// Milliseconds spent.
    pub elapsed_ms: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The TLS hop.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsHop {
    /// Success, time, error.
    #[serde(flatten)]
    pub hop: Hop,
    /// Negotiated protocol version (`TLSv1_3`, …).
    pub version: Option<String>,
    /// The server's certificate, even when it failed validation.
    pub certificate: Option<CertificateInfo>,
    /// Why the certificate failed validation when the handshake went on regardless
    /// ([`crate::CertificateErrors::Report`]); `None` when it passed or the handshake failed.
    pub verification_error: Option<String>,
}

/// The HTTP hop.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpHop {
    /// Success (a response arrived, whatever its status), time to first byte, error.
    #[serde(flatten)]
    pub hop: Hop,
    /// Status code.
    pub status: Option<u16>,
    /// The `Server` header.
    pub server: Option<String>,
}

/// Where and why a probe (or one attempt) stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HopFailure {
    /// The phase.
    pub stage: NetworkStage,
    /// The cause, as in the verdict's `failed_hop.cause`.
    pub cause: Cause,
    /// The address concerned (`None` for DNS).
    pub address: Option<SocketAddr>,
    /// The error in words.
    pub detail: String,
}

/// Everything tried against one address.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The address and port.
    pub address: SocketAddr,
    /// TCP connect.
    pub tcp: Hop,
    /// TLS handshake (`None` for `http://`, or when the connect failed).
    pub tls: Option<TlsHop>,
    /// HTTP exchange (`None` when an earlier hop failed).
    pub http: Option<HttpHop>,
    /// The hop that failed.
    pub failed: Option<HopFailure>,
    /// Set when the address policy refused this address: nothing was sent to it.
    #[serde(skip)]
    forbidden: Option<Forbidden>,
    #[serde(skip)]
    outcome: Result<Snapshot, NetworkFailure>,
    #[serde(skip)]
    timings: Timings,
}

impl Attempt {
    /// How far the attempt got: 0 connect failed … 3 response.
    fn depth(&self) -> u8 {
        match &self.outcome {
            Ok(_) => 3,
            Err(f) => match f.stage {
                NetworkStage::Dns | NetworkStage::Connect => 0,
                NetworkStage::Tls => 1,
                NetworkStage::Http => 2,
            },
        }
    }
}

/// The whole probe.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The URL probed.
    pub url: String,
    /// The address of the attempt the verdict is based on.
    pub address: Option<SocketAddr>,
    /// That attempt's timings (DNS included), and the probe's total.
    pub timings: Timings,
    /// `Location` of a redirect, reported and not followed.
    pub redirect: Option<String>,
    /// Name resolution.
    pub dns: DnsHop,
    /// One per address tried.
    pub attempts: Vec<Attempt>,
    /// The first failure on the way to the verdict's attempt.
    pub failed_hop: Option<HopFailure>,
    /// The core's verdict.
    pub verdict: Verdict,
}

impl ProbeReport {
    /// The address policy's refusal when it refused every address the name resolved to, so that
    /// nothing was fetched (a public checker asked for a private address).
    pub fn refused_by_policy(&self) -> Option<&Forbidden> {
        let mut refusals = self.attempts.iter().map(|a| a.forbidden.as_ref());
        let first = refusals.next()??;
        refusals.all(|r| r.is_some()).then_some(first)
    }
}

/// Probes `target`: resolves it, then tries every address (up to `max_addresses`) concurrently.
pub async fn probe(target: &Target, options: &ProbeOptions) -> ProbeReport {
    let began = Instant::now();
    let failure = |stage, cause, address: Option<SocketAddr>, detail: String| NetworkFailure {
        url: Some(target.url.to_string()),
        host: target.host.clone(),
        stage,
        cause,
        detail: match address {
            Some(a) if stage != NetworkStage::Connect => format!("{a}: {detail}"),
            _ => detail,
        },
        vantage: options.request.vantage,
    };
    let dns = resolve(target, options).await;
    let port = options.connect_to.map_or(target.port, |a| a.port());
    let mut attempts = Vec::new();
    let (outcome, chosen) = if dns.ok {
        let tries = dns
            .addresses
            .iter()
            .take(options.request.max_addresses.max(1))
            .map(|ip| {
                attempt(
                    target,
                    SocketAddr::new(*ip, port),
                    &options.request,
                    &failure,
                )
            });
        attempts = join_all(tries).await;
        let best = attempts
            .iter()
            .enumerate()
            .max_by_key(|(i, a)| (a.depth(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match best {
            Some(i) => (attempts[i].outcome.clone(), Some(i)),
            None => (
                Err(failure(
                    NetworkStage::Dns,
                    Cause::Dns,
                    None,
                    "no address to try".into(),
                )),
                None,
            ),
        }
    } else {
        let detail = dns.error.clone().unwrap_or_default();
        let cause = if detail.contains("no answer within") {
            Cause::Timeout
        } else {
            Cause::Dns
        };
        (Err(failure(NetworkStage::Dns, cause, None, detail)), None)
    };
    let mut timings = chosen
        .map(|i| attempts[i].timings.clone())
        .unwrap_or_default();
    timings.dns_ms = dns.elapsed_ms;
    timings.total_ms = ms(began.elapsed());
    let failed_hop = match chosen {
        Some(i) => attempts[i].failed.clone(),
        None => outcome.as_ref().err().map(|f| HopFailure {
            stage: f.stage,
            cause: f.cause,
            address: None,
            detail: f.detail.clone(),
        }),
    };
    let verdict = match &outcome {
        Ok(snapshot) => classify(snapshot),
        Err(failure) => classify_network_failure(failure),
    };
    let redirect = outcome.as_ref().ok().and_then(|s| {
        (300..400)
            .contains(&s.status)
            .then(|| s.headers.get("location").map(str::to_string))
            .flatten()
    });
    ProbeReport {
        url: target.url.to_string(),
        address: chosen.map(|i| attempts[i].address),
        timings,
        redirect,
        dns,
        attempts,
        failed_hop,
        verdict,
    }
}

async fn resolve(target: &Target, options: &ProbeOptions) -> DnsHop {
    let fixed = |resolver: &str, ip| DnsHop {
        ok: true,
        resolver: resolver.into(),
        elapsed_ms: None,
        addresses: vec![ip],
        error: None,
    };
    if let Some(address) = options.connect_to {
        return fixed("connect-to", address.ip());
    }
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return fixed("literal", ip);
    }
    let limit = options.request.dns_timeout;
    let answer = crate::dns::lookup(&target.host, &options.resolver, limit).await;
    let addresses: Vec<IpAddr> = answer.records.iter().map(|r| r.address).collect();
    DnsHop {
        ok: !addresses.is_empty(),
        resolver: answer.resolver,
        elapsed_ms: Some(answer.elapsed_ms),
        error: match (&answer.error, addresses.is_empty()) {
            (Some(e), _) => Some(format!("resolving {}: {e}", target.host)),
            (None, true) => Some(format!("{} has no address", target.host)),
            (None, false) => None,
        },
        addresses,
    }
}

type MakeFailure<'a> =
    dyn Fn(NetworkStage, Cause, Option<SocketAddr>, String) -> NetworkFailure + Sync + 'a;

async fn attempt(
    target: &Target,
    address: SocketAddr,
    options: &RequestOptions,
    failure: &MakeFailure<'_>,
) -> Attempt {
    let mut attempt = Attempt {
        address,
        tcp: Hop::default(),
        tls: None,
        http: None,
        failed: None,
        forbidden: None,
        outcome: Err(failure(
            NetworkStage::Connect,
            Cause::Unknown,
            Some(address),
            "not tried".into(),
        )),
        timings: Timings::default(),
    };
    let outcome = run_attempt(target, address, options, failure, &mut attempt).await;
    attempt.failed = outcome.as_ref().err().map(|f| HopFailure {
        stage: f.stage,
        cause: f.cause,
        address: Some(address),
        detail: f.detail.clone(),
    });
    attempt.outcome = outcome;
    attempt
}

async fn run_attempt(
    target: &Target,
    address: SocketAddr,
    options: &RequestOptions,
    failure: &MakeFailure<'_>,
    attempt: &mut Attempt,
) -> Result<Snapshot, NetworkFailure> {
    let began = Instant::now();
    let connected = connect(address, options).await;
    attempt.tcp.elapsed_ms = Some(ms(began.elapsed()));
    let stream = match connected {
        Ok(stream) => stream,
        Err(e) => {
            let detail = e.detail(address);
            attempt.tcp.error = Some(detail.clone());
            let cause = e.cause();
            if let ConnectError::Forbidden(forbidden) = e {
                attempt.forbidden = Some(forbidden);
            }
            return Err(failure(NetworkStage::Connect, cause, Some(address), detail));
        }
    };
    attempt.tcp.ok = true;
    attempt.timings.connect_ms = attempt.tcp.elapsed_ms;
    let fail = |stage, cause, detail: String| failure(stage, cause, Some(address), detail);
    let outcome = if target.tls {
        let tls = attempt.tls.insert(TlsHop::default());
        let stream = handshake(target, stream, options, tls)
            .await
            .map_err(|(cause, detail)| fail(NetworkStage::Tls, cause, detail))?;
        attempt.timings.tls_ms = tls.hop.elapsed_ms;
        exchange(target, options, stream, &mut attempt.timings, &fail).await
    } else {
        exchange(target, options, stream, &mut attempt.timings, &fail).await
    };
    let http = attempt.http.insert(HttpHop::default());
    http.hop.elapsed_ms = attempt.timings.first_byte_ms;
    match &outcome {
        Ok(snapshot) => {
            http.hop.ok = true;
            http.status = Some(snapshot.status);
            http.server = snapshot.headers.get("server").map(str::to_string);
        }
        Err(f) => http.hop.error = Some(f.detail.clone()),
    }
    outcome.map(|mut snapshot| {
        snapshot.url = Some(target.url.to_string());
        snapshot.received_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        snapshot
    })
}

async fn handshake(
    target: &Target,
    stream: TcpStream,
    options: &RequestOptions,
    hop: &mut TlsHop,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, (Cause, String)> {
    let began = Instant::now();
    let result = async {
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| (Cause::Tls, format!("invalid TLS name: {e}")))?;
        let (config, verifier) = crate::tls::recording_config(options)
            .map_err(|e| (Cause::Tls, format!("TLS configuration: {e}")))?;
        let handshake = timeout(
            options.tls_timeout,
            TlsConnector::from(config).connect(name, stream),
        )
        .await;
        hop.certificate = verifier.certificate().and_then(|der| {
            CertificateInfo::from_der(&der, &target.host, OffsetDateTime::now_utc())
        });
        hop.verification_error = verifier.rejection();
        match handshake {
            Err(_) => Err((
                Cause::Timeout,
                format!("TLS handshake: no answer within {:?}", options.tls_timeout),
            )),
            Ok(Err(e)) => Err((Cause::Tls, format!("TLS handshake: {e}"))),
            Ok(Ok(tls)) => Ok(tls),
        }
    }
    .await;
    hop.hop.elapsed_ms = Some(ms(began.elapsed()));
    match &result {
        Ok(tls) => {
            hop.hop.ok = true;
            hop.version = tls.get_ref().1.protocol_version().map(|v| format!("{v:?}"));
        }
        Err((_, detail)) => hop.hop.error = Some(detail.clone()),
    }
    result
}

/// The probe's default per-phase limit, as the host and CLI use it.
pub fn phase_limits(limit: Duration) -> RequestOptions {
    RequestOptions {
        dns_timeout: limit,
        connect_timeout: limit,
        tls_timeout: limit,
        response_timeout: limit,
        body_timeout: limit,
        ..RequestOptions::default()
    }
}
