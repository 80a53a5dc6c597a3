//! The TLS client configuration: rustls with the Mozilla root store (webpki-roots) plus any
//! authorities the user trusts ([`RequestOptions::extra_roots`]), HTTP/1.1, with a verifier that
//! also keeps the certificate the server showed and, when asked to report rather than fail
//! ([`CertificateErrors::Report`]), why it failed validation.

use std::sync::{Arc, Mutex};

use rustls::{
    client::{
        danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
        WebPkiServerVerifier,
    },
    pki_types::{CertificateDer, ServerName, UnixTime},
    ClientConfig, DigitallySignedStruct, SignatureScheme,
};

use crate::request::RequestOptions;

/// What a certificate that fails validation (unknown issuer, wrong name, expired) does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CertificateErrors {
    /// The handshake fails (a visitor's view: a browser refuses such a site).
    #[default]
    Fail,
    /// The handshake goes on and the failure is reported in the TLS hop
    /// (`verification_error`): a direct-to-origin fetch, where the owner needs to see the
    /// origin's answer and its certificate problem both.
    Report,
}

/// A client configuration whose verifier keeps the server's end-entity certificate, so that a
/// probe can describe it even when validation fails. One per connection.
pub(crate) fn recording_config(
    options: &RequestOptions,
) -> Result<(Arc<ClientConfig>, Arc<RecordingVerifier>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots =
        rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in &options.extra_roots {
        roots.add(CertificateDer::from(der.as_slice()).into_owned())?;
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    let verifier = Arc::new(RecordingVerifier {
        inner,
        errors: options.certificate_errors,
        seen: Mutex::new(None),
        rejected: Mutex::new(None),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), verifier))
}

/// The Web PKI verifier, remembering the certificate it was shown and, in
/// [`CertificateErrors::Report`] mode, the validation error it let pass.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    errors: CertificateErrors,
    seen: Mutex<Option<CertificateDer<'static>>>,
    rejected: Mutex<Option<String>>,
}

impl RecordingVerifier {
    /// The end-entity certificate the server presented, if any.
    pub(crate) fn certificate(&self) -> Option<CertificateDer<'static>> {
        self.seen.lock().ok().and_then(|seen| seen.clone())
    }

    /// Why the certificate failed validation, when the handshake went on regardless.
    pub(crate) fn rejection(&self) -> Option<String> {
        self.rejected.lock().ok().and_then(|r| r.clone())
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.clone().into_owned());
        }
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match (verified, self.errors) {
            (Err(e), CertificateErrors::Report) => {
                if let Ok(mut rejected) = self.rejected.lock() {
                    *rejected = Some(e.to_string());
                }
                Ok(ServerCertVerified::assertion())
            }
            (verified, _) => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
