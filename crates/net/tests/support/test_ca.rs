//! A certificate authority of a test's own, the leaf certificates it signs, TLS acceptors with
//! them, and a small HTTPS server that records what it was asked. Shared with native-host's
//! tests through `#[path]`.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tokio_rustls::rustls;

/// The authority: its certificate (trust it through `--cacert` or `extra_roots`) and key.
pub struct TestCa {
    pub certificate: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "gwdoctor test CA");
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        TestCa { certificate, key }
    }

    /// A certificate for `name` signed by this authority, and its key.
    pub fn leaf(&self, name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .unwrap();
        (certificate, key)
    }

    /// A TLS acceptor whose certificate, signed by this authority, names `name`.
    pub fn acceptor(&self, name: &str) -> tokio_rustls::TlsAcceptor {
        let (certificate, key) = self.leaf(name);
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

/// What a TLS server saw of each request: the TLS name (SNI) and the request head.
pub type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// An HTTPS server on 127.0.0.1 with `acceptor`'s certificate, answering every request with
/// `response` and recording what it saw; each handshake and read bounded to 5 s.
pub async fn serve_tls(
    acceptor: tokio_rustls::TlsAcceptor,
    response: &'static str,
) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Seen::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, record) = (acceptor.clone(), record.clone());
            tokio::spawn(async move {
                let accepted =
                    tokio::time::timeout(Duration::from_secs(5), acceptor.accept(socket));
                let Ok(Ok(mut tls)) = accepted.await else {
                    return;
                };
                let sni = tls.get_ref().1.server_name().map(str::to_string);
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                    let read = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buffer));
                    match read.await {
                        Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buffer[..n]),
                        _ => break,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                record.lock().unwrap().push((sni, head));
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (address, seen)
}
