//! The parts of `gwdoctor` that other targets (tests, fuzzing, benchmarks) use: the native
//! messaging host (framing, schema, commands, allow-list, manifests).
#![deny(missing_docs)]

pub mod host;
