//! Owner mode's answer: the usual path beside direct fetches from the origin. Printed by
//! `gwdoctor check URL --origin ADDR --json` and returned by the native host's `compare-origin`
//! (`native-host/PROTOCOL.md`): the object `gwdoctor check --json` prints (the usual path's
//! verdict of `docs/verdict.md` with its `probe`), with `comparison` and `direct` added.

use gwdoctor_core::{
    origin::{CertificateCheck, OriginComparison},
    Verdict,
};
use serde::Serialize;
use serde_json::{Map, Value};

/// The usual path's verdict and probe, the comparison, and each direct fetch.
#[derive(Debug, Clone, Serialize)]
pub struct OriginCheck {
    /// The verdict on the usual path (through whatever the name resolves to).
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Its probe (a `gwdoctor_net::ProbeReport` without its verdict and URL).
    pub probe: Map<String, Value>,
    /// What the comparison means, in words (the core's [`OriginComparison`]).
    pub comparison: OriginComparison,
    /// Each direct fetch, in the order the origins were given.
    pub direct: Vec<DirectProbe>,
}

/// One fetch straight from an origin address, with the URL's `Host` and TLS name.
#[derive(Debug, Clone, Serialize)]
pub struct DirectProbe {
    /// The address, with its port.
    pub origin: String,
    /// What the origin's certificate showed for the URL's name (reported, never hidden: the
    /// request went on so that its answer is seen too).
    pub certificate: CertificateCheck,
    /// The verdict on its answer.
    pub verdict: Verdict,
    /// Its probe (without verdict and URL, as `probe` above).
    pub probe: Map<String, Value>,
}
