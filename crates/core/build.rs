//! Packs every `signatures/*.toml` file (in name order) into one postcard blob,
//! `$OUT_DIR/signatures.postcard`: a list of (file name, vendor file) in the shape of
//! `signatures::spec::file::VendorFile`, which the crate decodes at run time. So adding a vendor
//! is a data change only, no TOML parser is needed at run time, and the wasm build can ship the
//! blob beside the module instead of inside it (feature `embedded-db` off).
//!
//! Shape errors (unknown fields, wrong types, unknown roles/causes/categories) and rules without
//! a provenance (`source`) stop the build with the file named; everything else is validated when
//! the database is compiled, and by `cargo test -p gwdoctor-core --test signatures`. `source` is
//! checked here and not packed: nothing reads it at run time.
use std::{env, fmt::Write, fs, path::Path};

use serde::{Deserialize, Serialize, Serializer};

/// One vendor file. Field order and types are those of `spec::file::VendorFile`: postcard
/// writes fields in order, by position.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct VendorFile {
    format: u32,
    id: String,
    name: String,
    #[serde(serialize_with = "role")]
    role: String,
    based_on: Option<String>,
    #[serde(default, serialize_with = "none")]
    website: Option<String>,
    #[serde(default)]
    layer: Vec<RuleFile>,
    #[serde(default)]
    page: Vec<RuleFile>,
}

/// One rule, as `spec::file::RuleFile`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    header: Option<String>,
    contains: Option<String>,
    regex: Option<String>,
    #[serde(default)]
    status: Vec<u16>,
    #[serde(default)]
    empty_body: bool,
    max_body_bytes: Option<usize>,
    weight: Option<f32>,
    #[serde(serialize_with = "cause")]
    cause: Option<String>,
    #[serde(serialize_with = "category")]
    category: Option<String>,
    #[serde(serialize_with = "optional_role")]
    role: Option<String>,
    #[serde(default)]
    passed_through: bool,
    detail: String,
    #[serde(serialize_with = "unpacked")]
    source: String,
}

/// How a rule's `source` starts (signatures/README.md).
const SOURCE_KINDS: &[&str] = &["captured:", "docs:", "public capture:", "code:"];

// The ids of `verdict::{Role, Cause, Category}`, in the order of their variants: postcard writes
// an enum as its variant's index. `cargo test -p gwdoctor-core --test signatures` decodes the
// blob and compares it with the TOML files, so a different order fails there.
const ROLES: &[&str] = &[
    "forward-proxy",
    "cdn",
    "waf",
    "load-balancer",
    "paas",
    "cache",
    "reverse-proxy",
    "origin",
];
const CAUSES: &[&str] = &[
    "connection-refused",
    "timeout",
    "invalid-response",
    "header-too-large",
    "tls",
    "dns",
    "app-error",
    "maintenance",
    "overload",
    "unknown",
];
const CATEGORIES: &[&str] = &[
    "bad-gateway",
    "gateway-timeout",
    "service-unavailable",
    "internal-error",
    "origin-down",
    "origin-unreachable",
    "tls-error",
    "other-5xx",
    "not-an-error",
];

/// Writes `id` as the variant of `allowed` it names.
fn variant<S: Serializer>(
    kind: &'static str,
    allowed: &[&str],
    id: &str,
    s: S,
) -> Result<S::Ok, S::Error> {
    let index = allowed.iter().position(|a| *a == id).ok_or_else(|| {
        serde::ser::Error::custom(format!(
            "unknown {kind} `{id}` (expected one of: {})",
            allowed.join(", ")
        ))
    })?;
    s.serialize_unit_variant(kind, index as u32, "")
}

fn optional<S: Serializer>(
    kind: &'static str,
    allowed: &[&str],
    id: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    struct Variant<'a>(&'static str, &'a [&'a str], &'a str);
    impl Serialize for Variant<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            variant(self.0, self.1, self.2, s)
        }
    }
    match id {
        Some(id) => s.serialize_some(&Variant(kind, allowed, id)),
        None => s.serialize_none(),
    }
}

fn role<S: Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    variant("role", ROLES, id, s)
}
fn optional_role<S: Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    optional("role", ROLES, id, s)
}
fn cause<S: Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    optional("cause", CAUSES, id, s)
}
fn category<S: Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    optional("category", CATEGORIES, id, s)
}
/// The website is for people reading the file; the blob leaves it out.
fn none<S: Serializer>(_: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}
/// `source` is checked at build time and left out of the blob (an empty string in its place).
fn unpacked<S: Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("")
}

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("signatures");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("crates/core/signatures must exist")
        .map(|entry| entry.expect("readable signatures dir").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut packed: Vec<(String, VendorFile)> = Vec::new();
    let mut texts = String::from(
        "/// The embedded vendor files as written: (file name, TOML text).\n\
         #[cfg(feature = \"toml\")]\n\
         pub(crate) static EMBEDDED_TOML: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("signatures/{name}: {e}"));
        let vendor: VendorFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("signatures/{name}: {e}"));
        for rule in vendor.layer.iter().chain(&vendor.page) {
            assert!(
                SOURCE_KINDS
                    .iter()
                    .any(|kind| rule.source.starts_with(kind)),
                "signatures/{name}: rule `{}` has source `{}`: it must start with {}",
                rule.detail,
                rule.source,
                SOURCE_KINDS.join(", ")
            );
        }
        // Each file on its own first, so that a bad role, cause or category names its file.
        postcard::to_allocvec(&vendor).unwrap_or_else(|e| panic!("signatures/{name}: {e}"));
        writeln!(
            texts,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
        packed.push((name, vendor));
    }
    texts.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).to_path_buf();
    let blob = postcard::to_allocvec(&packed).expect("every file packed on its own above");
    fs::write(out.join("signatures.postcard"), blob).expect("write signatures.postcard");
    fs::write(out.join("embedded_sources.rs"), texts).expect("write embedded_sources.rs");
}
