//! The hop-by-hop probe against real sockets on 127.0.0.x: a live server, a closed port, a hung
//! listener, a TLS server with a certificate nobody trusts, a name with two addresses, and a
//! fixed address asked for the URL's name (a private CA trusted, a bad certificate reported).

#[path = "support/dns_server.rs"]
#[allow(dead_code)]
mod dns_server;
#[path = "support/test_ca.rs"]
#[allow(dead_code)]
mod test_ca;

use std::{sync::Arc, time::Duration};

use gwdoctor_core::{Cause, NetworkStage};
use gwdoctor_net::{
    probe::{phase_limits, ProbeOptions},
    ResolverSpec, Target,
};
use test_ca::{serve_tls, TestCa};

const OK_200: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const NGINX_502: &str = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n\
<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

fn options(resolver: Option<std::net::SocketAddr>, limit_ms: u64) -> ProbeOptions {
    ProbeOptions {
        request: phase_limits(Duration::from_millis(limit_ms)),
        resolver: resolver.map_or(ResolverSpec::System, |a| {
            ResolverSpec::parse(&a.to_string()).unwrap()
        }),
        connect_to: None,
    }
}

/// Answers every connection with `response`.
async fn serve(listener: TcpListener, response: &'static str) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut request = [0u8; 2048];
            let _ = socket.read(&mut request).await;
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}

#[tokio::test]
async fn every_address_is_probed_and_the_live_one_gives_the_verdict() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve(listener, NGINX_502));
    let dns = dns_server::start(
        "127.0.0.2",
        &[("gw.test", "127.0.0.1", 60), ("gw.test", "127.0.0.11", 60)],
    );
    let target = Target::parse(&format!("http://gw.test:{port}/")).unwrap();
    let report = gwdoctor_net::probe(&target, &options(Some(dns.addr), 3000)).await;

    assert!(report.dns.ok, "{report:#?}");
    assert_eq!(report.dns.addresses.len(), 2);
    assert_eq!(report.attempts.len(), 2);
    let refused = report
        .attempts
        .iter()
        .find(|a| a.address.ip().to_string() == "127.0.0.11")
        .unwrap();
    assert_eq!(
        refused.failed.as_ref().map(|f| f.cause),
        Some(Cause::ConnectionRefused)
    );
    assert!(refused.http.is_none());
    let live = report
        .attempts
        .iter()
        .find(|a| a.address.ip().to_string() == "127.0.0.1")
        .unwrap();
    assert_eq!(live.http.as_ref().and_then(|h| h.status), Some(502));
    assert_eq!(
        live.http.as_ref().and_then(|h| h.server.as_deref()),
        Some("nginx/1.22.1")
    );
    assert_eq!(report.address, Some(live.address));
    assert_eq!(report.failed_hop, None);
    assert_eq!(report.verdict.status, Some(502));
    assert_eq!(
        report.verdict.generator.as_ref().map(|g| g.vendor.as_str()),
        Some("nginx")
    );
    assert!(report.timings.dns_ms.is_some() && report.timings.first_byte_ms.is_some());
}

#[tokio::test]
async fn a_closed_port_is_refused_at_the_connect_hop() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = Target::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let report = gwdoctor_net::probe(&target, &options(None, 3000)).await;
    let failed = report.failed_hop.clone().expect("a failed hop");
    assert_eq!(
        (failed.stage, failed.cause),
        (NetworkStage::Connect, Cause::ConnectionRefused)
    );
    assert_eq!(report.dns.resolver, "literal");
    assert_eq!(report.verdict.category.id(), "origin-down");
}

#[tokio::test]
async fn a_hung_listener_times_out_at_the_http_hop() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let target = Target::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let report = gwdoctor_net::probe(&target, &options(None, 1000)).await;
    holder.abort();
    assert!(report.attempts[0].tcp.ok, "{report:#?}");
    let failed = report.failed_hop.clone().expect("a failed hop");
    assert_eq!(
        (failed.stage, failed.cause),
        (NetworkStage::Http, Cause::Timeout)
    );
    assert_eq!(report.verdict.category.id(), "gateway-timeout");
}

#[tokio::test]
async fn an_untrusted_certificate_fails_tls_and_is_still_described() {
    let generated = rcgen::generate_simple_self_signed(vec!["gw.test".to_string()]).unwrap();
    let certificate = generated.cert.der().clone();
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(generated.key_pair.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certificate], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let _ = acceptor.accept(socket).await;
        }
    });
    let dns = dns_server::start("127.0.0.3", &[("gw.test", "127.0.0.1", 60)]);
    let target = Target::parse(&format!("https://gw.test:{port}/")).unwrap();
    let report = gwdoctor_net::probe(&target, &options(Some(dns.addr), 3000)).await;

    let tls = report.attempts[0].tls.as_ref().expect("a TLS hop");
    assert!(!tls.hop.ok, "{report:#?}");
    assert!(
        tls.hop
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("UnknownIssuer"),
        "{tls:#?}"
    );
    let cert = tls
        .certificate
        .as_ref()
        .expect("the certificate is described");
    assert_eq!(cert.names, ["gw.test"]);
    assert!(cert.matches_host);
    assert!(cert.expires_in_days > 300, "{cert:#?}");
    let failed = report.failed_hop.clone().expect("a failed hop");
    assert_eq!(
        (failed.stage, failed.cause),
        (NetworkStage::Tls, Cause::Tls)
    );
    assert_eq!(report.verdict.category.id(), "tls-error");
}

#[tokio::test]
async fn a_name_that_does_not_resolve_fails_at_dns() {
    let dns = dns_server::start("127.0.0.4", &[]);
    let target = Target::parse("http://gone.test/").unwrap();
    let report = gwdoctor_net::probe(&target, &options(Some(dns.addr), 3000)).await;
    assert!(!report.dns.ok);
    assert!(report.attempts.is_empty());
    let failed = report.failed_hop.clone().expect("a failed hop");
    assert_eq!(
        (failed.stage, failed.cause),
        (NetworkStage::Dns, Cause::Dns)
    );
    assert!(failed.detail.contains("NXDOMAIN"), "{}", failed.detail);
    assert_eq!(report.verdict.category.id(), "origin-unreachable");
}

#[tokio::test]
async fn a_fixed_address_is_asked_for_the_urls_name_and_a_bad_certificate_is_reported() {
    let ca = TestCa::new();
    let (address, seen) = serve_tls(ca.acceptor("shop.test"), OK_200).await;
    let direct = |url: &str, trust: bool, errors| {
        let mut options = options(None, 3000);
        options.connect_to = Some(address);
        options.request.certificate_errors = errors;
        if trust {
            options.request.extra_roots = vec![ca.certificate.der().to_vec()];
        }
        options.request.extra_headers = vec![("x-origin-secret".into(), "s3cret".into())];
        let target = Target::parse(url).unwrap();
        async move { gwdoctor_net::probe(&target, &options).await }
    };

    // Trusted (the test's CA), the right name: no DNS asked (.invalid never resolves), the
    // URL's port replaced by the fixed address's, its name sent as SNI and Host.
    let report = direct("https://shop.invalid:8443/p?q=1", true, Default::default()).await;
    assert!(
        report.verdict.error,
        "shop.invalid is not the certificate's name"
    );
    let report = direct("https://shop.test:8443/p?q=1", true, Default::default()).await;
    assert_eq!(report.dns.resolver, "connect-to");
    assert_eq!(report.address, Some(address));
    assert_eq!(report.attempts[0].http.as_ref().unwrap().status, Some(200));
    let tls = report.attempts[0].tls.as_ref().unwrap();
    assert_eq!(tls.verification_error, None);
    assert!(tls.certificate.as_ref().unwrap().matches_host);
    let (sni, head) = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(sni.as_deref(), Some("shop.test"));
    assert!(head.starts_with("GET /p?q=1 HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("host: shop.test:8443\r\n"), "{head}");
    assert!(head.contains("x-origin-secret: s3cret\r\n"), "{head}");

    // Reported, not failed: the answer arrives with the reason beside it.
    let report = direct(
        "https://other.test/",
        true,
        gwdoctor_net::CertificateErrors::Report,
    )
    .await;
    assert_eq!(report.verdict.status, Some(200), "{report:#?}");
    let tls = report.attempts[0].tls.as_ref().unwrap();
    assert!(tls.hop.ok);
    let error = tls.verification_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("not valid for name \"other.test\""),
        "{error}"
    );
    assert!(!tls.certificate.as_ref().unwrap().matches_host);
    let report = direct(
        "https://shop.test/",
        false,
        gwdoctor_net::CertificateErrors::Report,
    )
    .await;
    assert_eq!(report.verdict.status, Some(200));
    let error = report.attempts[0]
        .tls
        .as_ref()
        .unwrap()
        .verification_error
        .clone();
    assert!(error.unwrap_or_default().contains("UnknownIssuer"));

    // The address policy still applies to a fixed address.
    let mut options = options(None, 3000);
    options.connect_to = Some(address);
    options.request.address_policy = gwdoctor_net::AddressPolicy::public_only();
    let report = gwdoctor_net::probe(&Target::parse("https://shop.test/").unwrap(), &options).await;
    assert!(report.refused_by_policy().is_some(), "{report:#?}");
}

#[test]
fn a_private_ca_is_read_from_pem() {
    let ca = TestCa::new();
    let anchors =
        gwdoctor_net::certificate::trust_anchors_from_pem(ca.certificate.pem().as_bytes()).unwrap();
    assert_eq!(anchors, [ca.certificate.der().to_vec()]);
    let error = gwdoctor_net::certificate::trust_anchors_from_pem(b"hello").unwrap_err();
    assert!(error.contains("no PEM certificate"), "{error}");
}
