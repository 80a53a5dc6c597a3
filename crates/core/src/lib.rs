//! Gateway Doctor core: who produced a gateway error page, which hop failed, and whether to retry.
//!
//! Deterministic and free of I/O: no sockets, no clock, no filesystem. Shells (the CLI, the
//! native messaging host, the checker server, the browser extension through wasm) gather a
//! [`Snapshot`] of a response and get a [`Verdict`] back, the JSON object of
//! `shared/spec/verdict.md`. What is known about each vendor lives in the signature database,
//! data files embedded at build time ([`SignatureDb`]).
//!
//! ```
//! let raw = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n\
//!     <html><head><title>502 Bad Gateway</title></head><body>\
//!     <center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.22.1</center></body></html>";
//! let snapshot = gwdoctor_core::parse_response(raw).unwrap();
//! let verdict = gwdoctor_core::classify(&snapshot);
//! assert_eq!(verdict.generator.unwrap().vendor, "nginx");
//! ```

pub mod checklist;
pub mod classify;
pub mod parse;
pub mod retry_after;
pub mod signatures;
pub mod snapshot;
pub mod verdict;
mod vocab;

pub use classify::{
    category_for_status, classify, classify_network_failure, classify_with, is_error_status,
    NetworkFailure, NetworkStage, Vantage,
};
pub use parse::{parse_response, ParseError};
pub use signatures::{SignatureDb, SignatureError};
pub use snapshot::{Headers, Snapshot, MAX_BODY_BYTES};
pub use verdict::{
    Advice, Category, Cause, Evidence, FailedHop, Generator, Layer, Retry, Role, Step, Verdict,
};
