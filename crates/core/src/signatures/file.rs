//! The signature file format (format 1), defined once: the shape of a vendor file as written in
//! `crates/core/signatures/*.toml` and as packed by `build.rs`, which includes this file too
//! (`#[path]`) and writes the packed database with these very types. So this file depends only
//! on `serde` and the vocabulary (`crate::vocab`).
//!
//! Postcard writes fields in order, by position: the field order here is the packed format.

use serde::{Deserialize, Serialize, Serializer};

use crate::vocab::{Category, Cause, Role};

// Provenance is checked where files are read as written: by `build.rs`, and by
// `SignatureDb::from_sources` (feature `toml`); the packed database has no sources.
#[cfg_attr(not(feature = "toml"), allow(dead_code))]
/// How a rule's `source` starts: where the signature was observed (`signatures/README.md`).
pub const SOURCE_KINDS: &[&str] = &["captured:", "docs:", "public capture:", "code:"];

#[cfg_attr(not(feature = "toml"), allow(dead_code))]
/// Whether a rule's `source` says where the signature was observed: the one provenance rule.
pub fn is_sourced(source: &str) -> bool {
    SOURCE_KINDS.iter().any(|kind| source.starts_with(kind))
}

/// One vendor file.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VendorFile {
    pub(crate) format: u32,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) based_on: Option<String>,
    /// For people reading the file; left out of the packed database.
    #[serde(default, serialize_with = "unpacked_option")]
    pub(crate) website: Option<String>,
    #[serde(default)]
    pub(crate) layer: Vec<RuleFile>,
    #[serde(default)]
    pub(crate) page: Vec<RuleFile>,
}

/// One rule; fields as documented in `crates/core/signatures/README.md`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub(crate) header: Option<String>,
    pub(crate) contains: Option<String>,
    pub(crate) regex: Option<String>,
    #[serde(default)]
    pub(crate) status: Vec<u16>,
    #[serde(default)]
    pub(crate) empty_body: bool,
    pub(crate) max_body_bytes: Option<usize>,
    pub(crate) content_type: Option<String>,
    pub(crate) weight: Option<f32>,
    pub(crate) cause: Option<Cause>,
    pub(crate) category: Option<Category>,
    pub(crate) role: Option<Role>,
    #[serde(default)]
    pub(crate) passed_through: bool,
    pub(crate) detail: String,
    /// Checked when a file is read ([`is_sourced`]); left out of the packed database (nothing
    /// reads it at run time), where it is empty.
    #[serde(serialize_with = "unpacked_str")]
    pub(crate) source: String,
}

impl VendorFile {
    #[cfg_attr(not(feature = "toml"), allow(dead_code))]
    /// The numbers (layer rules first, from 1) of rules whose `source` does not say where they
    /// were observed.
    pub fn unsourced_rules(&self) -> Vec<usize> {
        self.layer
            .iter()
            .chain(&self.page)
            .enumerate()
            .filter(|(_, rule)| !is_sourced(&rule.source))
            .map(|(index, _)| index + 1)
            .collect()
    }
}

fn unpacked_option<S: Serializer>(_: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

fn unpacked_str<S: Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("")
}
