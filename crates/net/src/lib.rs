//! Gateway Doctor's network side (tokio + hickory-resolver + rustls): fetch a URL once with
//! per-phase timings and turn the result into the core's snapshot or network failure.
//! Shared by the CLI, the native messaging host and the checker server.

pub mod fetch;
pub mod target;
mod tls;

pub use fetch::{fetch, FetchOptions, FetchReport, Timings};
pub use target::{Target, TargetError};
