//! The signature database: vendor files (`crates/core/signatures/*.toml`, format documented in
//! the README there) loaded, validated and compiled once into matchers.

mod file;
mod literals;
mod spec;

use std::{fmt, sync::OnceLock};

// One syntax, two engines: `regex` (fast, large) natively; `regex-lite` (small, slower) where
// size matters, i.e. the wasm build. Signature patterns keep to regex-lite's syntax (ASCII
// classes), and the corpus test runs under both (`--no-default-features`).
#[cfg(feature = "fast-regex")]
use regex::{Regex, RegexBuilder};
#[cfg(not(feature = "fast-regex"))]
use regex_lite::{Regex, RegexBuilder};

use crate::snapshot::Snapshot;
use crate::verdict::{Category, Cause, Role};
use literals::LiteralSet;

use spec::{RuleSpec, VendorSpec};

include!(concat!(env!("OUT_DIR"), "/embedded_sources.rs"));

/// The signature files of this build, packed by `build.rs` (postcard: a list of (file name,
/// vendor file)). Shells that build the core without `embedded-db` ship these bytes beside it and
/// hand them to [`SignatureDb::install`].
pub const PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/signatures.postcard"));

/// The file format version this build reads.
pub const FORMAT_VERSION: u32 = 1;
/// Weight of a rule that does not set one.
const DEFAULT_WEIGHT: f32 = 0.8;

/// A vendor known to the database.
#[derive(Debug, Clone)]
pub struct Vendor {
    /// Vendor id (`nginx`, `cloudflare`, `origin` …).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Default role in a chain.
    pub role: Role,
    /// Whether the database knows any page this vendor generates.
    pub has_page_rules: bool,
    /// Id of the product this one is built on, whose pages it can send unchanged.
    pub based_on: Option<String>,
}

/// What a rule is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleKind {
    /// The vendor is a layer of the chain.
    Layer,
    /// The vendor generated the page.
    Page,
}

/// The pseudo-header name by which a rule reads the status line's reason phrase.
const REASON: &str = ":reason";

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Index of the vendor in [`SignatureDb::vendors`].
    pub vendor: usize,
    /// Layer or page evidence.
    pub kind: RuleKind,
    /// Header the rule reads (lowercase); `None` for body rules.
    pub header: Option<String>,
    contains: Option<String>,
    regex: Option<Pattern>,
    /// The regex begins with `contains`, so no match starts before the literal's first
    /// occurrence: the search starts there instead of at the top of the page.
    starts_with_literal: bool,
    /// The text every match starts the haystack with (lowercase), when the regex is anchored at
    /// the start: a haystack that does not begin with it is passed over without the regex.
    anchored_prefix: Option<String>,
    status: Vec<u16>,
    empty_body: bool,
    max_body_bytes: Option<usize>,
    /// Lowercase media type the response must have, when it names one.
    content_type: Option<String>,
    /// How sure a match makes us, 0..1.
    pub weight: f32,
    /// Failed-hop cause a match proves.
    pub cause: Option<Cause>,
    /// Category a match proves.
    pub category: Option<Category>,
    /// Role of the layer a match shows.
    pub role: Option<Role>,
    /// A match says the layer got this answer from the server behind it (Envoy's
    /// `x-envoy-upstream-service-time`): the page is not the layer's own.
    pub passed_through: bool,
    /// The evidence, in plain words.
    pub detail: String,
}

/// A rule that matched a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleMatch {
    /// Index into [`SignatureDb::rules`].
    pub rule: usize,
    /// Index of the header among the snapshot's headers, for header rules (gives chain order).
    pub header_index: Option<usize>,
    /// The `version` group, when the rule captured one.
    pub version: Option<String>,
}

/// A problem in a signature file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for SignatureError {}

/// The database [`SignatureDb::embedded`] returns.
static INSTALLED: OnceLock<SignatureDb> = OnceLock::new();

/// The compiled database.
#[derive(Debug)]
pub struct SignatureDb {
    vendors: Vec<Vendor>,
    rules: Vec<Rule>,
    /// Rules per header name (lowercase), sorted by name: a few dozen names, looked up by binary
    /// search (a hash map would cost the wasm build hashbrown and SipHash).
    header_rules: Vec<(String, Vec<usize>)>,
    body_literals: LiteralSet,
    /// Rules per literal of `body_literals`.
    body_literal_rules: Vec<Vec<usize>>,
    empty_body_rules: Vec<usize>,
}

impl SignatureDb {
    /// The database of this build: the signature files compiled in ([`PACKED`], feature
    /// `embedded-db`, whose validity the crate's tests check), or, without that feature, the one
    /// given to [`SignatureDb::install`].
    ///
    /// # Panics
    /// Without `embedded-db`, when nothing was installed ([`SignatureDb::installed`] says).
    pub fn embedded() -> &'static SignatureDb {
        #[cfg(feature = "embedded-db")]
        return INSTALLED.get_or_init(|| {
            SignatureDb::from_packed(PACKED).unwrap_or_else(|errors| {
                panic!("embedded signature database is invalid: {errors:?}")
            })
        });
        #[cfg(not(feature = "embedded-db"))]
        INSTALLED
            .get()
            .expect("no signature database: install one with SignatureDb::install")
    }

    /// Makes `db` the database [`SignatureDb::embedded`] returns, once; `false` when one is
    /// there already (compiled in, or installed before).
    pub fn install(db: SignatureDb) -> bool {
        INSTALLED.set(db).is_ok()
    }

    /// Whether [`SignatureDb::embedded`] has a database to return.
    pub fn installed() -> bool {
        cfg!(feature = "embedded-db") || INSTALLED.get().is_some()
    }

    /// Compiles a database from the packed form `build.rs` writes ([`PACKED`]).
    pub fn from_packed(bytes: &[u8]) -> Result<Self, Vec<SignatureError>> {
        let files: Vec<(String, file::VendorFile)> = postcard::from_bytes(bytes).map_err(|e| {
            vec![SignatureError {
                file: "(packed signatures)".into(),
                message: format!("not a packed signature database: {e}"),
            }]
        })?;
        let mut builder = Builder::default();
        for (file, vendor) in &files {
            vendor.with_view(|view| builder.add_vendor(file, view));
        }
        builder.finish()
    }

    /// The embedded files as written, (file name, TOML text).
    #[cfg(feature = "toml")]
    pub fn embedded_sources() -> &'static [(&'static str, &'static str)] {
        EMBEDDED_TOML
    }

    /// Compiles a database from (file name, TOML text) pairs, e.g. the embedded files plus a
    /// user's own. Files naming the same vendor id add their rules to it. Every problem in every
    /// file is reported, not just the first.
    #[cfg(feature = "toml")]
    pub fn from_sources<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<SignatureError>> {
        let mut builder = Builder {
            check_patterns: true,
            ..Builder::default()
        };
        for (file, text) in files {
            match toml::from_str::<file::VendorFile>(text) {
                Ok(parsed) => {
                    for number in parsed.unsourced_rules() {
                        builder.errors.push(SignatureError {
                            file: file.to_string(),
                            message: format!(
                                "rule {number}: `source` must say where the signature was observed"
                            ),
                        });
                    }
                    parsed.with_view(|vendor| builder.add_vendor(file, vendor));
                }
                Err(e) => builder.errors.push(SignatureError {
                    file: file.to_string(),
                    message: e.to_string(),
                }),
            }
        }
        builder.finish()
    }

    /// The vendors, in load order.
    pub fn vendors(&self) -> &[Vendor] {
        &self.vendors
    }

    /// The rules, in load order.
    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many rules name the vendor with this id (layer and page rules).
    pub fn rule_count(&self, id: &str) -> usize {
        self.rules
            .iter()
            .filter(|r| self.vendors[r.vendor].id == id)
            .count()
    }

    /// The vendor with this id.
    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }

    /// Whether product `derived` is built on `base`, directly or through others (APISIX on
    /// OpenResty on nginx).
    pub fn builds_on(&self, derived: &str, base: &str) -> bool {
        let mut current = self.vendor(derived);
        // The chain of `based_on` is short; the bound guards against a cycle in user files.
        for _ in 0..self.vendors.len() {
            match current.and_then(|v| v.based_on.as_deref()) {
                Some(next) if next == base => return true,
                Some(next) => current = self.vendor(next),
                None => return false,
            }
        }
        false
    }

    /// The rules that read header `name` (lowercase).
    fn rules_for_header(&self, name: &str) -> &[usize] {
        match self
            .header_rules
            .binary_search_by(|(header, _)| header.as_str().cmp(name))
        {
            Ok(at) => &self.header_rules[at].1,
            Err(_) => &[],
        }
    }

    /// Every rule that matches the snapshot: header rules in header order, then body rules.
    pub(crate) fn scan(&self, snapshot: &Snapshot) -> Vec<RuleMatch> {
        let mut found = Vec::new();
        for (index, (name, value)) in snapshot.headers.iter().enumerate() {
            for &rule in self.rules_for_header(name) {
                if let Some(version) = self.rules[rule].matches_from(value, 0, snapshot) {
                    found.push(RuleMatch {
                        rule,
                        header_index: Some(index),
                        version,
                    });
                }
            }
        }
        // The status line's reason phrase, as the pseudo-header `:reason` (Forefront TMG names
        // itself there).
        if let Some(reason) = &snapshot.reason {
            for &rule in self.rules_for_header(REASON) {
                if let Some(version) = self.rules[rule].matches_from(reason, 0, snapshot) {
                    found.push(RuleMatch {
                        rule,
                        header_index: None,
                        version,
                    });
                }
            }
        }
        // Per rule: where its literal first occurs in the page, when it is a candidate.
        let mut candidate: Vec<Option<usize>> = vec![None; self.rules.len()];
        let text = snapshot.page_text();
        let literals_found = self.body_literals.first_at(&text);
        for (literal, at) in literals_found.iter().enumerate() {
            let Some(at) = *at else { continue };
            for &rule in &self.body_literal_rules[literal] {
                candidate[rule] = Some(at);
            }
        }
        if snapshot.body_is_blank() {
            for &rule in &self.empty_body_rules {
                candidate[rule] = Some(0);
            }
        }
        let body = String::from_utf8_lossy(&text);
        // Offsets into `text` are offsets into `body` only when nothing was replaced.
        let same_offsets = matches!(body, std::borrow::Cow::Borrowed(_));
        for (rule, at) in candidate.iter().enumerate() {
            let Some(at) = *at else { continue };
            let start = if same_offsets && self.rules[rule].starts_with_literal {
                at
            } else {
                0
            };
            if let Some(version) = self.rules[rule].matches_from(&body, start, snapshot) {
                found.push(RuleMatch {
                    rule,
                    header_index: None,
                    version,
                });
            }
        }
        found
    }
}

impl Rule {
    /// Whether the rule matches `haystack` (a header value or the body) of `snapshot`;
    /// `Some(version)` when it does.
    fn matches_from(
        &self,
        haystack: &str,
        start: usize,
        snapshot: &Snapshot,
    ) -> Option<Option<String>> {
        if !self.status.is_empty() && !self.status.contains(&snapshot.status) {
            return None;
        }
        if self.empty_body && !snapshot.body_is_blank() {
            return None;
        }
        let body_len = if self.header.is_none() {
            haystack.len()
        } else {
            snapshot.body.len()
        };
        if self.max_body_bytes.is_some_and(|max| body_len > max) {
            return None;
        }
        if let (Some(wanted), Some(named)) =
            (&self.content_type, snapshot.headers.get("content-type"))
        {
            let named = named.trim_start().as_bytes();
            if !named
                .get(..wanted.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(wanted.as_bytes()))
            {
                return None;
            }
        }
        if self.header.is_some() {
            if let Some(literal) = &self.contains {
                if !contains_ignore_ascii_case(haystack.as_bytes(), literal.as_bytes()) {
                    return None;
                }
            }
        }
        if let Some(prefix) = &self.anchored_prefix {
            let head = haystack.as_bytes().get(..prefix.len())?;
            if !head.eq_ignore_ascii_case(prefix.as_bytes()) {
                return None;
            }
        }
        match &self.regex {
            None => Some(None),
            Some(pattern) => {
                let regex = pattern.get()?;
                let start = if haystack.is_char_boundary(start) {
                    start
                } else {
                    0
                };
                let captures = regex.captures_at(haystack, start)?;
                Some(captures.name("version").map(|m| m.as_str().to_string()))
            }
        }
    }
}

fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[derive(Default)]
struct Builder {
    vendors: Vec<Vendor>,
    rules: Vec<Rule>,
    errors: Vec<SignatureError>,
    /// Compile every pattern now, reporting the ones that do not compile (files a person wrote);
    /// otherwise each compiles on first use (the packed database, checked by `build.rs`).
    check_patterns: bool,
}

impl Builder {
    fn add_vendor(&mut self, file: &str, parsed: &VendorSpec<'_>) {
        let mut error = |message: String| {
            self.errors.push(SignatureError {
                file: file.to_string(),
                message,
            })
        };
        if parsed.format != FORMAT_VERSION {
            return error(format!(
                "format {} is not supported (this build reads format {FORMAT_VERSION})",
                parsed.format
            ));
        }
        if parsed.id.is_empty()
            || !parsed
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return error(format!(
                "vendor id `{}` must be lowercase letters, digits and '-'",
                parsed.id
            ));
        }
        let vendor = match self.vendors.iter().position(|v| v.id == parsed.id) {
            Some(existing) => existing,
            None => {
                self.vendors.push(Vendor {
                    id: parsed.id.to_string(),
                    name: parsed.name.to_string(),
                    role: parsed.role,
                    has_page_rules: false,
                    based_on: parsed.based_on.map(str::to_string),
                });
                self.vendors.len() - 1
            }
        };
        let rules = parsed
            .layer
            .iter()
            .map(|r| (RuleKind::Layer, r))
            .chain(parsed.page.iter().map(|r| (RuleKind::Page, r)));
        for (number, (kind, spec)) in rules.enumerate() {
            match compile_rule(vendor, kind, spec, self.check_patterns) {
                Ok(rule) => {
                    if kind == RuleKind::Page {
                        self.vendors[vendor].has_page_rules = true;
                    }
                    self.rules.push(rule);
                }
                Err(message) => self.errors.push(SignatureError {
                    file: file.to_string(),
                    message: format!("rule {} ({kind:?}): {message}", number + 1),
                }),
            }
        }
    }

    fn finish(self) -> Result<SignatureDb, Vec<SignatureError>> {
        let mut errors = self.errors;
        for vendor in &self.vendors {
            if let Some(base) = &vendor.based_on {
                if !self.vendors.iter().any(|v| &v.id == base) {
                    errors.push(SignatureError {
                        file: vendor.id.clone(),
                        message: format!("`based_on` names `{base}`, which no file describes"),
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut header_rules: Vec<(String, Vec<usize>)> = Vec::new();
        let mut literals: Vec<String> = Vec::new();
        let mut body_literal_rules: Vec<Vec<usize>> = Vec::new();
        let mut empty_body_rules = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if let Some(header) = &rule.header {
                match header_rules.binary_search_by(|(name, _)| name.as_str().cmp(header)) {
                    Ok(at) => header_rules[at].1.push(index),
                    Err(at) => header_rules.insert(at, (header.clone(), vec![index])),
                }
            } else if rule.empty_body {
                empty_body_rules.push(index);
            } else if let Some(literal) = &rule.contains {
                let literal = literal.to_ascii_lowercase();
                match literals.iter().position(|l| *l == literal) {
                    Some(pattern) => body_literal_rules[pattern].push(index),
                    None => {
                        literals.push(literal);
                        body_literal_rules.push(vec![index]);
                    }
                }
            }
        }
        Ok(SignatureDb {
            vendors: self.vendors,
            rules: self.rules,
            header_rules,
            body_literals: LiteralSet::new(&literals),
            body_literal_rules,
            empty_body_rules,
        })
    }
}

/// Whether every match of `pattern` begins with `literal` (compared ignoring ASCII case, as the
/// rules' regexes and literals are): the pattern starts with the literal's characters, none of
/// which is special, no quantifier makes its last character optional, and no alternation at the
/// top level offers a match without it.
fn begins_with_literal(pattern: &str, literal: &str) -> bool {
    if literal.is_empty() || literal.contains(|c| SPECIAL.contains(c)) {
        return false;
    }
    let Some(head) = pattern.get(..literal.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(literal)
        && !pattern[literal.len()..].starts_with(|c| "?*{".contains(c))
        && !has_top_level_alternation(pattern)
}

/// A rule's regex (case-insensitive). With the `regex` engine it compiles on first use: most
/// rules never run on a given page, and compiling all of them would cost the first verdict
/// about 30 ms. `regex-lite` (the wasm build) compiles them all in about a millisecond, and the
/// lazy cell would cost the wasm a kilobyte of its budget: there it compiles at load.
#[derive(Debug)]
struct Pattern {
    #[cfg(feature = "fast-regex")]
    source: Box<str>,
    #[cfg(feature = "fast-regex")]
    compiled: OnceLock<Option<Regex>>,
    #[cfg(not(feature = "fast-regex"))]
    compiled: Option<Regex>,
}

impl Pattern {
    /// A pattern compiled when first needed (where that is cheaper); one that does not compile
    /// never matches.
    #[cfg(feature = "fast-regex")]
    fn lazy(source: &str) -> Pattern {
        Pattern {
            source: source.into(),
            compiled: OnceLock::new(),
        }
    }

    #[cfg(not(feature = "fast-regex"))]
    fn lazy(source: &str) -> Pattern {
        Pattern {
            compiled: compile_pattern(source).ok(),
        }
    }

    /// A pattern compiled now, or why it does not compile.
    fn checked(source: &str) -> Result<Pattern, String> {
        let regex = compile_pattern(source)?;
        #[cfg(feature = "fast-regex")]
        return Ok(Pattern {
            source: source.into(),
            compiled: OnceLock::from(Some(regex)),
        });
        #[cfg(not(feature = "fast-regex"))]
        Ok(Pattern {
            compiled: Some(regex),
        })
    }

    fn get(&self) -> Option<&Regex> {
        #[cfg(feature = "fast-regex")]
        return self
            .compiled
            .get_or_init(|| compile_pattern(&self.source).ok())
            .as_ref();
        #[cfg(not(feature = "fast-regex"))]
        self.compiled.as_ref()
    }
}

fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("regex `{pattern}` does not compile: {e}"))
}

/// For a pattern anchored at the start (`^nginx/…`), the literal text every match begins with,
/// lowercase: the characters after `^` up to the first special one, less the last when a
/// quantifier makes it optional. `None` when there is no such text or an alternation at the top
/// level could match without it.
fn anchored_prefix(pattern: &str) -> Option<String> {
    let rest = pattern.strip_prefix('^')?;
    if has_top_level_alternation(pattern) {
        return None;
    }
    let end = rest
        .find(|c: char| SPECIAL.contains(c) || !c.is_ascii())
        .unwrap_or(rest.len());
    let mut prefix = &rest[..end];
    if rest[end..].starts_with(|c| "?*{".contains(c)) {
        prefix = &prefix[..prefix.len().saturating_sub(1)];
    }
    (!prefix.is_empty()).then(|| prefix.to_ascii_lowercase())
}

/// Characters with a meaning in a pattern outside a class.
const SPECIAL: &str = "\\.+*?()|[]{}^$";

/// Whether `pattern` has a `|` outside every group and class.
fn has_top_level_alternation(pattern: &str) -> bool {
    let (mut depth, mut in_class, mut escaped) = (0usize, false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            _ if in_class => {}
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

fn compile_rule(
    vendor: usize,
    kind: RuleKind,
    spec: &RuleSpec<'_>,
    check_pattern: bool,
) -> Result<Rule, String> {
    if spec.detail.trim().is_empty() {
        return Err("`detail` must say what the evidence is".into());
    }
    let weight = spec.weight.unwrap_or(DEFAULT_WEIGHT);
    if !(0.0..=1.0).contains(&weight) {
        return Err("`weight` must be between 0 and 1".into());
    }
    if spec.contains == Some("") {
        return Err("`contains` must not be empty".into());
    }
    if let Some(bad) = spec.status.iter().find(|s| !(100..=999).contains(*s)) {
        return Err(format!("status {bad} is not an HTTP status code"));
    }
    match kind {
        RuleKind::Layer => {
            if spec.header.is_none() {
                return Err("layer rules need `header`".into());
            }
            if spec.empty_body
                || spec.max_body_bytes.is_some()
                || spec.content_type.is_some()
                || spec.cause.is_some()
                || spec.category.is_some()
            {
                return Err(
                    "`empty_body`, `max_body_bytes`, `content_type`, `cause` and `category` are for page rules"
                        .into(),
                );
            }
        }
        RuleKind::Page => {
            if spec.role.is_some() || spec.passed_through {
                return Err("`role` and `passed_through` are for layer rules".into());
            }
            if spec.header.is_none() && spec.empty_body == spec.contains.is_some() {
                return Err(
                    "body page rules need exactly one of `contains` or `empty_body = true`".into(),
                );
            }
            if spec.category == Some(Category::NotAnError) {
                return Err("a page rule cannot prove `not-an-error`".into());
            }
        }
    }
    let regex = spec
        .regex
        .map(|pattern| match check_pattern {
            true => Pattern::checked(pattern),
            false => Ok(Pattern::lazy(pattern)),
        })
        .transpose()?;
    let starts_with_literal = match (spec.contains, spec.regex) {
        (Some(literal), Some(pattern)) => begins_with_literal(pattern, literal),
        _ => false,
    };
    Ok(Rule {
        vendor,
        kind,
        starts_with_literal,
        anchored_prefix: spec.regex.and_then(anchored_prefix),
        header: spec.header.map(|h| h.trim().to_ascii_lowercase()),
        contains: spec.contains.map(str::to_string),
        regex,
        status: spec.status.to_vec(),
        empty_body: spec.empty_body,
        max_body_bytes: spec.max_body_bytes,
        content_type: spec.content_type.map(|t| t.trim().to_ascii_lowercase()),
        weight,
        cause: spec.cause,
        category: spec.category,
        role: spec.role,
        passed_through: spec.passed_through,
        detail: spec.detail.to_string(),
    })
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;
    use crate::snapshot::Headers;

    const NGINX: &str = r#"
format = 1
id = "nginx"
name = "nginx"
role = "reverse-proxy"
[[layer]]
header = "Server"
regex = '^nginx(?:/(?P<version>[0-9.]+))?'
detail = "Server header names nginx"
source = "captured: test"
[[page]]
contains = "<center>nginx"
detail = "footer"
source = "captured: test"
"#;

    #[test]
    fn header_and_body_rules_match_with_versions() {
        let db = SignatureDb::from_sources([("nginx.toml", NGINX)]).unwrap();
        let snapshot = Snapshot::new(502, [("SERVER", "nginx/1.22.1")].into_iter().collect())
            .with_body(b"<hr><CENTER>nginx</center>");
        let found = db.scan(&snapshot);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].version.as_deref(), Some("1.22.1"));
        assert_eq!(db.rules()[found[1].rule].kind, RuleKind::Page);
        assert!(db.scan(&Snapshot::new(502, Headers::new())).is_empty());
    }

    #[test]
    fn max_body_bytes_keeps_a_rule_to_short_pages() {
        let stub = r#"
format = 1
id = "stub"
name = "stub"
role = "waf"
[[page]]
contains = "_marker_"
max_body_bytes = 20
detail = "a stub page"
source = "captured: test"
"#;
        let db = SignatureDb::from_sources([("stub.toml", stub)]).unwrap();
        let page = |body: &str| Snapshot::new(503, Headers::new()).with_body(body.as_bytes());
        assert_eq!(db.scan(&page("<script>_marker_")).len(), 1);
        assert!(db
            .scan(&page("<p>a full page</p><script>_marker_"))
            .is_empty());
    }

    #[test]
    fn content_type_keeps_a_rule_to_that_media_type_or_none() {
        let stub = r#"
format = 1
id = "stub"
name = "stub"
role = "reverse-proxy"
[[page]]
contains = "maintenance mode"
content_type = "text/plain"
detail = "a plain-text reply"
source = "captured: test"
"#;
        let db = SignatureDb::from_sources([("stub.toml", stub)]).unwrap();
        let page = |content_type: Option<&str>| {
            let mut headers = Headers::new();
            if let Some(value) = content_type {
                headers.append("Content-Type", value);
            }
            Snapshot::new(503, headers).with_body(b"maintenance mode")
        };
        assert_eq!(db.scan(&page(Some("Text/Plain; charset=utf-8"))).len(), 1);
        assert_eq!(
            db.scan(&page(None)).len(),
            1,
            "a page copied without headers"
        );
        assert!(db.scan(&page(Some("text/html"))).is_empty());
    }

    #[test]
    fn the_reason_pseudo_header_reads_the_status_line() {
        let stub = r#"
format = 1
id = "stub"
name = "stub"
role = "forward-proxy"
[[page]]
header = ":reason"
contains = "Stub Proxy"
detail = "the reason phrase names the proxy"
source = "captured: test"
"#;
        let db = SignatureDb::from_sources([("stub.toml", stub)]).unwrap();
        let mut snapshot = Snapshot::new(502, Headers::new());
        assert!(db.scan(&snapshot).is_empty(), "no reason phrase (HTTP/2)");
        snapshot.reason = Some("Proxy Error ( Stub Proxy denied it )".into());
        assert_eq!(db.scan(&snapshot).len(), 1);
        snapshot.reason = Some("Bad Gateway".into());
        assert!(db.scan(&snapshot).is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_its_file() {
        let bad = r#"
format = 1
id = "Bad Id"
name = "x"
role = "cdn"
"#;
        let worse = r#"
format = 1
id = "x"
name = "x"
role = "cdn"
[[page]]
regex = '('
detail = ""
source = "docs: s"
[[layer]]
contains = "x"
detail = "d"
source = " "
"#;
        let errors = SignatureDb::from_sources([("a.toml", bad), ("b.toml", worse)]).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.iter().any(|e| e.to_string()
            == "b.toml: rule 1: `source` must say where the signature was observed"));
        assert!(errors[0].to_string().starts_with("a.toml: vendor id"));
        assert!(errors
            .iter()
            .any(|e| e.message.contains("layer rules need `header`")));
        assert!(SignatureDb::from_sources([(
            "c.toml",
            "format = 2\nid='x'\nname='x'\nrole='cdn'"
        )])
        .unwrap_err()[0]
            .message
            .contains("format 2 is not supported"));
    }

    #[test]
    fn the_packed_database_is_the_toml_files() {
        let packed = SignatureDb::embedded();
        let parsed = SignatureDb::from_sources(SignatureDb::embedded_sources().iter().copied())
            .expect("valid files");
        let vendor = |db: &SignatureDb, i: usize| {
            let v = &db.vendors()[i];
            format!("{} {} {:?} {:?}", v.id, v.name, v.role, v.based_on)
        };
        assert_eq!(packed.vendors().len(), parsed.vendors().len());
        for i in 0..parsed.vendors().len() {
            assert_eq!(vendor(packed, i), vendor(&parsed, i));
        }
        assert_eq!(packed.rules().len(), parsed.rules().len());
        for (a, b) in packed.rules().iter().zip(parsed.rules()) {
            let rule = |r: &Rule| {
                format!(
                    "{} {:?} {:?} {} {:?} {:?} {:?} {}",
                    r.vendor, r.kind, r.header, r.weight, r.cause, r.category, r.role, r.detail
                )
            };
            assert_eq!(rule(a), rule(b));
        }
    }

    #[test]
    fn a_search_starts_at_the_literal_only_when_every_match_begins_with_it() {
        assert!(begins_with_literal(r"Ray ID:?\s*[0-9a-f]{16}", "Ray ID"));
        assert!(begins_with_literal(r"<!-- ERR_[A-Z_]+ -->", "<!-- err_"));
        assert!(begins_with_literal(
            r"cf-error-details(?:a|b)",
            "cf-error-details"
        ));
        assert!(
            !begins_with_literal(r"Ray ID|Cloudflare", "Ray ID"),
            "top-level alternation"
        );
        assert!(
            !begins_with_literal(r"Ray ID?x", "Ray ID"),
            "the last character is optional"
        );
        assert!(
            !begins_with_literal(r"Generated .* \(squid", "(squid"),
            "not at the start"
        );
        assert!(
            !begins_with_literal(r"a.b", "a.b"),
            "a special character in the literal"
        );
        assert!(
            begins_with_literal(r"abc[|]d", "abc"),
            "a bar inside a class"
        );
    }

    #[test]
    fn an_anchored_pattern_gives_the_text_every_match_begins_with() {
        assert_eq!(anchored_prefix(r"^awselb/").as_deref(), Some("awselb/"));
        assert_eq!(
            anchored_prefix(r"^nginx(?:/(?P<version>[0-9.]+))?").as_deref(),
            Some("nginx")
        );
        assert_eq!(anchored_prefix(r"^Caddy$").as_deref(), Some("caddy"));
        assert_eq!(anchored_prefix(r"^Akamai?x").as_deref(), Some("akama"));
        assert_eq!(anchored_prefix(r"^\s*nginx"), None);
        assert_eq!(anchored_prefix(r"^a|b"), None);
        assert_eq!(anchored_prefix(r"nginx"), None);
        assert_eq!(anchored_prefix(r"^(?:a|b)"), None);
    }
}
