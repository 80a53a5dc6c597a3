//! The verdict: the one JSON object every shell prints or returns (`shared/spec/verdict.md`).
//!
//! Fields may be added, never renamed. Enumerations serialize as the kebab-case ids of the contract.

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

pub use crate::vocab::{Category, Cause, Role, Step};

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
