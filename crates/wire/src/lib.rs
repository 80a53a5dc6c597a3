//! Gateway Doctor's wire types: every message that crosses a process or network boundary
//! between its parts, defined once for the side that writes it and the side that reads it.
//!
//! The public interface is:
//! - [`native`]: the native messaging protocol (`native-host/PROTOCOL.md`) — the host name and
//!   default extension ids, the request and reply envelopes, each command's arguments, and the
//!   members of results that clients read;
//! - [`check`]: the check API of `gwdoctor serve` — the answer ([`check::CheckAnswer`]), error
//!   answers, the `vantage_points` summary, and the one reader of a checker's answer
//!   ([`check::read`], [`check::read_bytes`]);
//! - [`globalping`]: Globalping's measurement API as Gateway Doctor uses it — the request
//!   ([`globalping::MeasurementRequest`] from a [`globalping::FromSpec`]), the measurement, and the
//!   one reader of its results ([`globalping::place_answers`]) for the core's world view;
//! - [`origin`]: owner mode's answer ([`origin::OriginCheck`]), the usual path beside direct
//!   fetches from the origin, as the CLI prints it and the native host returns it.
//!
//! This crate never does I/O and builds for `wasm32-unknown-unknown`; the verdict itself is the
//! core's (`gwdoctor_core::Verdict`, contract in `docs/verdict.md`).
#![deny(missing_docs)]

pub mod check;
pub mod globalping;
pub mod native;
pub mod origin;
