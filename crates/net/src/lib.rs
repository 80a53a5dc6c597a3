//! Gateway Doctor's network side (tokio + hickory-resolver + rustls): fetch a URL once with
//! per-phase timings, probe it hop by hop per address, compare resolvers, flush the OS DNS cache,
//! and turn the results into the core's snapshot or network failure.
//! Shared by the CLI, the native messaging host and the checker server.

pub mod certificate;
pub mod dns;
pub mod fetch;
pub mod flush;
pub mod guard;
pub mod probe;
pub mod resolver;
pub mod target;
mod tls;

pub use dns::{compare, DnsComparison};
pub use fetch::{fetch, FetchOptions, FetchReport, Timings};
pub use guard::{AddressPolicy, Cidr, Forbidden};
/// Who makes a request, as [`FetchOptions::vantage`] names it.
pub use gwdoctor_core::Vantage;
pub use probe::{probe, ProbeOptions, ProbeReport};
pub use resolver::{ResolverSpec, ResolverSpecError};
pub use target::{Target, TargetError};
