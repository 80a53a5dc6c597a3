//! What a server's certificate says: names, issuer, validity, and whether it covers the host;
//! and the reader of the extra certificate authorities a user trusts.

use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use serde::Serialize;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use x509_parser::{certificate::X509Certificate, extensions::GeneralName, prelude::FromDer};

/// The end-entity certificate as a person checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// DNS names and IP addresses of the subject alternative names.
    pub names: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Whole days until `not_after` (negative once expired).
    pub expires_in_days: i64,
    /// Whether the certificate is valid for the host that was asked for.
    pub matches_host: bool,
}

impl CertificateInfo {
    /// Reads a DER certificate; `None` if it cannot be parsed.
    pub fn from_der(der: &CertificateDer<'_>, host: &str, now: OffsetDateTime) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some(dns.to_string()),
                        GeneralName::IPAddress(bytes) => ip_text(bytes),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let validity = cert.validity();
        let not_after = validity.not_after.to_datetime();
        let matches_host = ServerName::try_from(host)
            .ok()
            .zip(webpki::EndEntityCert::try_from(der).ok())
            .is_some_and(|(name, end_entity)| {
                end_entity.verify_is_valid_for_subject_name(&name).is_ok()
            });
        Some(CertificateInfo {
            subject: cert.subject().to_string(),
            names,
            issuer: cert.issuer().to_string(),
            not_before: rfc3339(validity.not_before.to_datetime()),
            not_after: rfc3339(not_after),
            expires_in_days: (not_after - now).whole_days(),
            matches_host,
        })
    }
}

/// Reads the certificate authorities of a PEM file (`--cacert`: an owner's private CA) as DER,
/// for [`crate::RequestOptions::extra_roots`]; each must be usable as a trust anchor.
pub fn trust_anchors_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut anchors = Vec::new();
    for (i, item) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = item.map_err(|e| format!("certificate {}: not PEM ({e})", i + 1))?;
        webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| format!("certificate {}: not a usable authority ({e})", i + 1))?;
        anchors.push(der.as_ref().to_vec());
    }
    if anchors.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
    }
    Ok(anchors)
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap_or_else(|_| time.to_string())
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}
