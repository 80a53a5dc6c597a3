//! Gateway Doctor's network side, shared by the CLI, the native messaging host and the checker
//! server: it asks the network and hands what it saw to the core (`gwdoctor-core`), which decides
//! what it means.
//!
//! Built on tokio, hickory-resolver and rustls. It never decides a verdict itself, never follows a
//! redirect on its own (a redirect is reported; the checker follows it under its own limit), and
//! its probe never connects to an address its [`AddressPolicy`] refuses: the policy is checked on
//! each resolved address just before connecting to that very address, so a DNS answer cannot
//! swap a private address in after the check (the checker's SSRF guard).
//!
//! The public interface is:
//! - [`probe()`] with [`ProbeOptions`] (limits, identity and address policy in [`RequestOptions`],
//!   the resolver in [`ResolverSpec`]): one URL, hop by hop (DNS → TCP → TLS → HTTP) for every
//!   address, ending in a [`ProbeReport`] with the core's verdict. The only way this crate
//!   fetches a site (the Globalping client below talks to Globalping's API, not to the site).
//!   [`ProbeOptions::connect_to`] fetches the same URL from a fixed address instead (an owner's
//!   direct-to-origin fetch, like curl's `--connect-to`), with [`CertificateErrors::Report`] to
//!   see the answer of an origin whose certificate fails; [`parse_header`] checks extra headers.
//! - [`Target`]: a validated `http`/`https` URL.
//! - [`compare`] → [`DnsComparison`]: the system resolver beside public resolvers, as the visitor's
//!   "is it my DNS?" check; [`dns::lookup`] for one resolver.
//! - [`flush`]: flushing the operating system's DNS cache, with the exact command when it needs
//!   privileges.
//! - [`AddressPolicy`], [`Cidr`], [`Forbidden`]: which addresses may be reached.
//! - [`certificate::CertificateInfo`]: what a TLS certificate says (names, expiry);
//!   [`certificate::trust_anchors_from_pem`] reads a private CA to trust;
//! - [`globalping::Globalping`]: one measurement by Globalping's probes worldwide, polled until
//!   final, its rate limit reported as [`globalping::GlobalpingError::RateLimited`].
#![deny(missing_docs)]

pub mod certificate;
pub mod dns;
pub mod flush;
pub mod globalping;
pub mod guard;
pub mod probe;
mod request;
pub mod resolver;
pub mod target;
mod tls;

pub use dns::{compare, DnsComparison};
pub use guard::{AddressPolicy, Cidr, Forbidden};
/// Who makes a request, as [`RequestOptions::vantage`] names it.
pub use gwdoctor_core::Vantage;
pub use probe::{probe, ProbeOptions, ProbeReport};
pub use request::{parse_header, RequestOptions, Timings};
pub use resolver::{ResolverSpec, ResolverSpecError};
pub use target::{Target, TargetError};
pub use tls::CertificateErrors;
