//! Owner mode, shared by `gwdoctor check URL --origin ADDR` and the native host's
//! `compare-origin`: the URL fetched through its usual path and straight from each origin
//! address (one probe each, concurrently), then the core's comparison.

use std::net::{IpAddr, SocketAddr};

use futures_util::future::join_all;
use gwdoctor_core::origin::{compare_origin, CertificateCheck, DirectFetch, Fetch};
use gwdoctor_net::{CertificateErrors, ProbeOptions, ProbeReport, Target};
use gwdoctor_wire::origin::{DirectProbe, OriginCheck};
use serde_json::{Map, Value};

/// Origin addresses one comparison may name at most.
pub const MAX_ORIGINS: usize = 8;
/// Extra headers a direct request may carry at most.
pub const MAX_HEADERS: usize = 16;

/// Reads an origin address, `IP[:port]` (IPv6 in brackets when a port follows); `default_port`
/// (the URL's) when it has none.
pub fn parse_origin(spec: &str, default_port: u16) -> Result<SocketAddr, String> {
    let spec = spec.trim();
    if let Ok(address) = spec.parse::<SocketAddr>() {
        return Ok(address);
    }
    let bare = spec
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(spec);
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, default_port))
        .map_err(|_| {
            format!(
                "`{spec}` is not an IP address with an optional port (e.g. 203.0.113.5, \
                 203.0.113.5:8443, [2001:db8::5]:443)"
            )
        })
}

/// The usual path's report, and each direct one with its origin and certificate check.
#[derive(Debug)]
pub struct Compared {
    /// Through whatever the name resolves to.
    pub through: ProbeReport,
    /// Straight from each origin, in the order given.
    pub direct: Vec<(SocketAddr, ProbeReport, CertificateCheck)>,
    /// What it means.
    pub check: OriginCheck,
}

/// Fetches `target` through `options` (its resolver, limits and trust) and straight from each
/// of `origins` with the same options plus `headers`, a certificate failure reported rather than
/// ending the handshake. `None` when `origins` is empty (nothing to compare with).
pub async fn compare(
    target: &Target,
    options: &ProbeOptions,
    origins: &[SocketAddr],
    headers: &[(String, String)],
) -> Option<Compared> {
    if origins.is_empty() {
        return None;
    }
    let direct_options = |origin: SocketAddr| {
        let mut direct = options.clone();
        direct.connect_to = Some(origin);
        direct.request.certificate_errors = CertificateErrors::Report;
        direct.request.extra_headers = headers.to_vec();
        direct
    };
    let directs = origins.iter().map(|origin| {
        let options = direct_options(*origin);
        async move { gwdoctor_net::probe(target, &options).await }
    });
    let (through, directs) = tokio::join!(gwdoctor_net::probe(target, options), join_all(directs));
    let direct: Vec<(SocketAddr, ProbeReport, CertificateCheck)> = origins
        .iter()
        .zip(directs)
        .map(|(origin, report)| {
            let certificate = certificate_check(&report);
            (*origin, report, certificate)
        })
        .collect();
    let fetches: Vec<DirectFetch<'_>> = direct
        .iter()
        .map(|(origin, report, certificate)| DirectFetch {
            origin: origin.to_string(),
            port: origin.port(),
            fetch: fetch(report),
            certificate: certificate.clone(),
        })
        .collect();
    let comparison = compare_origin(fetch(&through), &fetches)?;
    let check = OriginCheck {
        verdict: through.verdict.clone(),
        probe: probe_members(&through),
        comparison,
        direct: direct
            .iter()
            .map(|(origin, report, certificate)| DirectProbe {
                origin: origin.to_string(),
                certificate: certificate.clone(),
                verdict: report.verdict.clone(),
                probe: probe_members(report),
            })
            .collect(),
    };
    Some(Compared {
        through,
        direct,
        check,
    })
}

/// A report as the comparison reads it.
fn fetch(report: &ProbeReport) -> Fetch<'_> {
    Fetch {
        verdict: &report.verdict,
        total_ms: report.timings.total_ms,
        stopped_at: report
            .verdict
            .status
            .is_none()
            .then(|| report.failed_hop.as_ref().map(|f| f.stage))
            .flatten(),
    }
}

/// What the direct fetch saw of the origin's certificate.
fn certificate_check(report: &ProbeReport) -> CertificateCheck {
    let Some(tls) = report.attempts.first().and_then(|a| a.tls.as_ref()) else {
        return CertificateCheck::None;
    };
    match (&tls.certificate, &tls.verification_error) {
        (Some(certificate), _) if !certificate.matches_host => CertificateCheck::WrongName {
            names: certificate.names.clone(),
        },
        (_, Some(reason)) => CertificateCheck::Untrusted {
            reason: reason.clone(),
        },
        (Some(_), None) if tls.hop.ok => CertificateCheck::Valid,
        _ => CertificateCheck::None,
    }
}

/// A probe report without its verdict and URL: the `probe` member of `check --json`.
pub fn probe_members(report: &ProbeReport) -> Map<String, Value> {
    let mut members = match serde_json::to_value(report) {
        Ok(Value::Object(members)) => members,
        _ => Map::new(),
    };
    members.remove("verdict");
    members.remove("url");
    members
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_addresses_with_an_optional_port() {
        assert_eq!(
            parse_origin("203.0.113.5", 443).unwrap().to_string(),
            "203.0.113.5:443"
        );
        assert_eq!(
            parse_origin(" 203.0.113.5:8443", 443).unwrap().to_string(),
            "203.0.113.5:8443"
        );
        assert_eq!(
            parse_origin("[2001:db8::5]:8443", 443).unwrap().to_string(),
            "[2001:db8::5]:8443"
        );
        assert_eq!(
            parse_origin("2001:db8::5", 80).unwrap().to_string(),
            "[2001:db8::5]:80"
        );
        assert_eq!(parse_origin("[::1]", 80).unwrap().to_string(), "[::1]:80");
        for bad in ["origin.example.com", "203.0.113.5:99999", "", "1.2.3.4:x"] {
            let error = parse_origin(bad, 443).unwrap_err();
            assert!(error.contains("is not an IP address"), "{bad}: {error}");
        }
    }
}
