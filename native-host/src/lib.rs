//! The parts of `gwdoctor` that other targets (tests, fuzzing, benchmarks) use: the native
//! messaging host (framing, schema, commands, allow-list, manifests), and owner mode's
//! comparison of the usual path with direct fetches from the origin, which the CLI shares.
#![deny(missing_docs)]

pub mod host;
pub mod origin;
