//! The borrowed view of a signature file (`super::file`) that the database is compiled from, so
//! TOML files (feature `toml`) and the packed database go through one validation and
//! compilation path.

use super::file::{RuleFile, VendorFile};
use crate::verdict::{Category, Cause, Role};

/// One vendor file.
#[derive(Debug, Clone, Copy)]
pub struct VendorSpec<'a> {
    /// Schema version of the file.
    pub format: u32,
    /// Vendor id.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Default role.
    pub role: Role,
    /// The product this one is built on (OpenResty on nginx, APISIX on OpenResty …), whose
    /// pages it can send as they are.
    pub based_on: Option<&'a str>,
    /// Layer rules: the vendor is in the chain.
    pub layer: &'a [RuleSpec<'a>],
    /// Page rules: the vendor generated the page.
    pub page: &'a [RuleSpec<'a>],
}

/// One rule; fields as documented in `crates/core/signatures/README.md`.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec<'a> {
    /// Header to match instead of the body.
    pub header: Option<&'a str>,
    /// Case-insensitive literal that must occur.
    pub contains: Option<&'a str>,
    /// Regex that must match.
    pub regex: Option<&'a str>,
    /// Only for these statuses.
    pub status: &'a [u16],
    /// Only when the body is blank.
    pub empty_body: bool,
    /// Only when the body is at most this long.
    pub max_body_bytes: Option<usize>,
    /// Only when the response names no other content type.
    pub content_type: Option<&'a str>,
    /// How sure a match makes us.
    pub weight: Option<f32>,
    /// Cause a match proves.
    pub cause: Option<Cause>,
    /// Category a match proves.
    pub category: Option<Category>,
    /// Role of the layer a match shows.
    pub role: Option<Role>,
    /// A match says the layer got this answer from the server behind it.
    pub passed_through: bool,
    /// The evidence in plain words.
    pub detail: &'a str,
}

/// The borrowed view of a vendor file, as parsed from TOML or decoded from the packed database.
impl VendorFile {
    /// Calls `f` with a borrowed view of the file.
    pub fn with_view<T>(&self, f: impl FnOnce(&VendorSpec<'_>) -> T) -> T {
        let layer: Vec<RuleSpec<'_>> = self.layer.iter().map(RuleFile::view).collect();
        let page: Vec<RuleSpec<'_>> = self.page.iter().map(RuleFile::view).collect();
        f(&VendorSpec {
            format: self.format,
            id: &self.id,
            name: &self.name,
            role: self.role,
            based_on: self.based_on.as_deref(),
            layer: &layer,
            page: &page,
        })
    }
}

impl RuleFile {
    fn view(&self) -> RuleSpec<'_> {
        RuleSpec {
            header: self.header.as_deref(),
            contains: self.contains.as_deref(),
            regex: self.regex.as_deref(),
            status: &self.status,
            empty_body: self.empty_body,
            max_body_bytes: self.max_body_bytes,
            content_type: self.content_type.as_deref(),
            weight: self.weight,
            cause: self.cause,
            category: self.category,
            role: self.role,
            passed_through: self.passed_through,
            detail: &self.detail,
        }
    }
}
