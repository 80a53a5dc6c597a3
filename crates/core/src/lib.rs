//! Gateway Doctor core: who produced a gateway error page, which hop failed, whether to retry,
//! and every sentence a person reads about it.
//!
//! Deterministic and free of I/O: no sockets, no clock, no filesystem, no randomness of its own.
//! It builds for native targets and for `wasm32-unknown-unknown`. Shells (the CLI, the native
//! messaging host, the checker server, the browser extension through wasm) gather a [`Snapshot`]
//! of a response and get a [`Verdict`] back, the JSON object of `docs/verdict.md`. What is known
//! about each vendor lives in the signature database, data files in `crates/core/signatures/`
//! embedded at build time ([`SignatureDb`]); no vendor is named in code.
//!
//! The public interface is:
//! - [`parse_response`] (raw `curl -si` bytes → [`Snapshot`]) and [`Snapshot::new`] (a shell's
//!   own response);
//! - [`classify()`] / [`classify_with`] (a response → [`Verdict`]) and [`classify_network_failure`]
//!   (no response: a [`NetworkFailure`] at a [`NetworkStage`] → [`Verdict`]); [`Vantage`] says who
//!   saw it;
//! - the verdict's vocabulary — [`Category`], [`Cause`], [`Role`], [`Step`] — with the members
//!   [`Generator`], [`Layer`], [`FailedHop`], [`Retry`], [`Advice`], [`Evidence`];
//! - [`checklist`]: the visitor checklist as a state machine ([`checklist::Doctor`]) and the views
//!   every shell draws ([`checklist::VerdictView`], [`checklist::TabView`]);
//! - [`origin`]: owner mode — the usual path beside direct fetches from the origin, compared
//!   ([`origin::compare_origin`] → [`origin::OriginComparison`]);
//! - [`retry_after`]: `Retry-After` in both its forms;
//! - [`SignatureDb`]: the embedded database, or one loaded from files or packed bytes;
//! - [`world`]: the answers of vantage points worldwide summed up into a [`world::WorldView`]
//!   ("down from 23 of 25 places in 14 countries — …").
//!
//! **Time.** The checklist never reads a clock. Every call that depends on time takes `now_ms`,
//! the shell's wall clock in Unix milliseconds (`Date.now()` in the extension). The machine
//! only compares `now_ms` with instants it stored: a clock that goes backwards makes nothing due
//! early and loses no state — scheduled probes wait until the clock reaches them again, and
//! elapsed times shown are never negative. Jitter comes from a generator seeded by the shell
//! and kept in the state, so the same events at the same times give the same actions.
//!
//! ```
//! let raw = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n\
//!     <html><head><title>502 Bad Gateway</title></head><body>\
//!     <center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.22.1</center></body></html>";
//! let snapshot = gwdoctor_core::parse_response(raw).unwrap();
//! let verdict = gwdoctor_core::classify(&snapshot);
//! assert_eq!(verdict.generator.unwrap().vendor, "nginx");
//! ```
#![deny(missing_docs)]

pub mod checklist;
pub mod classify;
pub mod origin;
pub mod parse;
pub mod retry_after;
pub mod signatures;
pub mod snapshot;
pub mod verdict;
mod vocab;
pub mod world;

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
