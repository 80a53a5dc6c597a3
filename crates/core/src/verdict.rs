//! The verdict: the one JSON object every shell prints or returns (`shared/spec/verdict.md`).
//!
//! Fields may be added, never renamed. Enumerations serialize as the kebab-case ids of the contract.

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// What Gateway Doctor concludes about one response (or one failed attempt to get one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The URL that was checked; `None` when a saved response was classified without one.
    pub url: Option<String>,
    /// The HTTP status; `None` when no response arrived at all (a network-level failure).
    pub status: Option<u16>,
    /// Whether this is an error page (5xx, including Cloudflare's 52x and 530) or a failure to connect.
    pub error: bool,
    /// Broad kind of failure, `not-an-error` for healthy pages.
    pub category: Category,
    /// Who produced the page; `None` when it is not an error or when no page was produced.
    pub generator: Option<Generator>,
    /// The layers visible in the response, outermost (nearest the visitor) first.
    pub chain: Vec<Layer>,
    /// The hop that failed, when the verdict is an error.
    pub failed_hop: Option<FailedHop>,
    /// Whether retrying is worth it, and when.
    pub retry: Retry,
    /// How sure the verdict is about its generator, 0..1.
    pub confidence: f64,
    /// Every observation behind the claims above.
    pub evidence: Vec<Evidence>,
    /// What the visitor can do, best first.
    pub advice: Vec<Advice>,
    /// The verdict in one plain sentence, for people ("nginx could not get an answer from …").
    pub summary: String,
}

/// The broad kind of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// 502: a gateway got no valid answer from the server behind it.
    BadGateway,
    /// 504 (and Cloudflare 524): a gateway timed out waiting for the server behind it.
    GatewayTimeout,
    /// 503: the service said it cannot answer now (overload, maintenance, no healthy backend).
    ServiceUnavailable,
    /// 500: the server hit an internal error.
    InternalError,
    /// The origin refused the gateway's connection (Cloudflare 521).
    OriginDown,
    /// The origin could not be reached at all (Cloudflare 522/523/530, or no route from here).
    OriginUnreachable,
    /// A TLS handshake failed (Cloudflare 525/526, or a certificate error from here).
    TlsError,
    /// Any other 5xx.
    #[serde(rename = "other-5xx")]
    Other5xx,
    /// A page that is not an error.
    NotAnError,
}

/// Where a layer sits in the delivery chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A proxy on the visitor's side (corporate or ISP proxy).
    ForwardProxy,
    /// A content delivery network edge.
    Cdn,
    /// A web application firewall.
    Waf,
    /// A load balancer.
    LoadBalancer,
    /// A platform's router in front of the app (Heroku, Vercel, Render …).
    Paas,
    /// A caching proxy.
    Cache,
    /// A reverse proxy in front of the application.
    ReverseProxy,
    /// The application itself.
    Origin,
}

impl Role {
    /// The contract id of the role.
    pub fn id(self) -> &'static str {
        match self {
            Role::ForwardProxy => "forward-proxy",
            Role::Cdn => "cdn",
            Role::Waf => "waf",
            Role::LoadBalancer => "load-balancer",
            Role::Paas => "paas",
            Role::Cache => "cache",
            Role::ReverseProxy => "reverse-proxy",
            Role::Origin => "origin",
        }
    }
}

/// Why a hop failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The next hop refused the connection.
    ConnectionRefused,
    /// The next hop did not answer in time.
    Timeout,
    /// The next hop answered with something that is not a valid HTTP response.
    InvalidResponse,
    /// The next hop's response headers were too large for the gateway.
    HeaderTooLarge,
    /// A TLS handshake failed.
    Tls,
    /// A name could not be resolved.
    Dns,
    /// The application failed and said so itself.
    AppError,
    /// The site is down for maintenance.
    Maintenance,
    /// The site is overloaded or has no healthy backend.
    Overload,
    /// The evidence does not tell.
    Unknown,
}

impl Cause {
    /// The contract id of the cause.
    pub fn id(self) -> &'static str {
        match self {
            Cause::ConnectionRefused => "connection-refused",
            Cause::Timeout => "timeout",
            Cause::InvalidResponse => "invalid-response",
            Cause::HeaderTooLarge => "header-too-large",
            Cause::Tls => "tls",
            Cause::Dns => "dns",
            Cause::AppError => "app-error",
            Cause::Maintenance => "maintenance",
            Cause::Overload => "overload",
            Cause::Unknown => "unknown",
        }
    }
}

impl Category {
    /// The contract id of the category.
    pub fn id(self) -> &'static str {
        match self {
            Category::BadGateway => "bad-gateway",
            Category::GatewayTimeout => "gateway-timeout",
            Category::ServiceUnavailable => "service-unavailable",
            Category::InternalError => "internal-error",
            Category::OriginDown => "origin-down",
            Category::OriginUnreachable => "origin-unreachable",
            Category::TlsError => "tls-error",
            Category::Other5xx => "other-5xx",
            Category::NotAnError => "not-an-error",
        }
    }
}

/// The product that produced the page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Generator {
    /// Vendor id from the signature database, `origin`, or `unknown`.
    pub vendor: String,
    /// The role that product plays in the chain.
    pub role: Role,
    /// The version, when the response shows it.
    #[serde(default)]
    pub version: Option<String>,
}

impl Serialize for Generator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_product(
            "Generator",
            &self.vendor,
            self.role,
            &self.version,
            serializer,
        )
    }
}

/// One layer of the delivery chain seen in the response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Layer {
    /// Vendor id.
    pub vendor: String,
    /// Role of the layer.
    pub role: Role,
    /// The version, when the response shows it.
    #[serde(default)]
    pub version: Option<String>,
}

impl Serialize for Layer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_product("Layer", &self.vendor, self.role, &self.version, serializer)
    }
}

/// `{vendor, role, version}`, as the contract writes it: without `version` when it is unknown.
/// Compact binary formats (the extension's saved state) cannot skip a field, so there it is
/// always written.
fn serialize_product<S: Serializer>(
    name: &'static str,
    vendor: &str,
    role: Role,
    version: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let omit_version = version.is_none() && serializer.is_human_readable();
    let mut product = serializer.serialize_struct(name, if omit_version { 2 } else { 3 })?;
    product.serialize_field("vendor", vendor)?;
    product.serialize_field("role", &role)?;
    if omit_version {
        product.skip_field("version")?;
    } else {
        product.serialize_field("version", version)?;
    }
    product.end()
}

/// The hop that failed: `from` could not get a good answer from `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedHop {
    /// The side that noticed the failure (a vendor id, `you` for the visitor's own machine).
    pub from: String,
    /// The side that failed (a vendor id, `upstream`, `origin`, or a host name).
    pub to: String,
    /// Why.
    pub cause: Cause,
}

/// Whether and when to retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// Whether a retry is likely to help.
    pub advised: bool,
    /// Seconds to wait first (from `Retry-After` when the response has one).
    pub after_s: Option<u64>,
}

/// One observation and the claim it supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Where it was seen: `status`, `body`, `header:<name>`, `network`.
    pub source: String,
    /// What was seen, in plain words.
    pub detail: String,
    /// What it points to: a vendor id, `origin`, `unknown`, `cache`, `retry`.
    pub points_to: String,
}

/// One thing the visitor can do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// The step.
    pub step: Step,
    /// Why this step, from the evidence.
    pub why: String,
}

/// The visitor checklist steps advice can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Try again (the extension does it with backoff).
    Retry,
    /// Reload skipping every cache.
    BypassCache,
    /// Ask another vantage point whether the site is down for everyone.
    CheckElsewhere,
    /// Compare resolvers / flush the DNS cache.
    CheckDns,
    /// Try from a private window (no cookies, no extensions).
    PrivateWindow,
    /// Try from another network (e.g. mobile data instead of Wi-Fi).
    OtherNetwork,
    /// Wait: the site says when it will be back.
    Wait,
    /// Read an archived copy of the page meanwhile.
    ArchivedCopy,
    /// Only the site's operators can fix it.
    ContactSite,
}

impl Step {
    /// The contract id of the step.
    pub fn id(self) -> &'static str {
        match self {
            Step::Retry => "retry",
            Step::BypassCache => "bypass-cache",
            Step::CheckElsewhere => "check-elsewhere",
            Step::CheckDns => "check-dns",
            Step::PrivateWindow => "private-window",
            Step::OtherNetwork => "other-network",
            Step::Wait => "wait",
            Step::ArchivedCopy => "archived-copy",
            Step::ContactSite => "contact-site",
        }
    }
}
