//! Compiles every `signatures/*.toml` file (in name order) into static tables of
//! `signatures::VendorSpec`, so adding a vendor is a data change only and the crate needs no TOML
//! parser at run time (which keeps the wasm build small). Shape errors (unknown fields, wrong
//! types, unknown roles/causes/categories) and rules without a provenance (`source`) stop the
//! build with the file named; everything else is validated when the database is compiled, and by
//! `cargo test -p gwdoctor-core --test signatures`. `source` is checked here and not embedded:
//! nothing reads it at run time.
use std::{env, fmt::Write, fs, path::Path};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorFile {
    format: u32,
    id: String,
    name: String,
    role: String,
    #[serde(default, rename = "website")]
    _website: Option<String>,
    #[serde(default)]
    layer: Vec<RuleFile>,
    #[serde(default)]
    page: Vec<RuleFile>,
}

#[derive(Deserialize)]
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
    cause: Option<String>,
    category: Option<String>,
    role: Option<String>,
    detail: String,
    source: String,
}

/// How a rule's `source` starts (signatures/README.md).
const SOURCE_KINDS: &[&str] = &["captured:", "docs:", "public capture:", "code:"];

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

/// `reverse-proxy` → `Role::ReverseProxy`, after checking the id is one of `allowed`.
fn variant(file: &str, kind: &str, allowed: &[&str], id: &str) -> String {
    assert!(
        allowed.contains(&id),
        "signatures/{file}: unknown {kind} `{id}` (expected one of: {})",
        allowed.join(", ")
    );
    let camel: String = id
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    format!("{kind}::{camel}")
}

fn option<T>(value: &Option<T>, show: impl Fn(&T) -> String) -> String {
    value
        .as_ref()
        .map_or("None".to_string(), |v| format!("Some({})", show(v)))
}

fn rules(file: &str, rules: &[RuleFile]) -> String {
    let mut out = String::from("&[");
    for r in rules {
        assert!(
            SOURCE_KINDS.iter().any(|kind| r.source.starts_with(kind)),
            "signatures/{file}: rule `{}` has source `{}`: it must start with {}",
            r.detail,
            r.source,
            SOURCE_KINDS.join(", ")
        );
        write!(
            out,
            "RuleSpec {{ header: {}, contains: {}, regex: {}, status: &{:?}, empty_body: {}, max_body_bytes: {:?}, \
             weight: {}, cause: {}, category: {}, role: {}, detail: {:?} }},",
            option(&r.header, |s| format!("{s:?}")),
            option(&r.contains, |s| format!("{s:?}")),
            option(&r.regex, |s| format!("{s:?}")),
            r.status,
            r.empty_body,
            r.max_body_bytes,
            option(&r.weight, |w| format!("{w:?}f32")),
            option(&r.cause, |c| variant(file, "Cause", CAUSES, c)),
            option(&r.category, |c| variant(file, "Category", CATEGORIES, c)),
            option(&r.role, |c| variant(file, "Role", ROLES, c)),
            r.detail,
        )
        .unwrap();
    }
    out.push(']');
    out
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

    let mut specs = String::from(
        "/// The embedded vendor files, compiled by build.rs: (file name, spec), in name order.\n\
         pub(crate) static EMBEDDED: &[(&str, VendorSpec<'static>)] = &[\n",
    );
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
        writeln!(
            specs,
            "    ({name:?}, VendorSpec {{ format: {}, id: {:?}, name: {:?}, role: {}, layer: {}, page: {} }}),",
            vendor.format,
            vendor.id,
            vendor.name,
            variant(&name, "Role", ROLES, &vendor.role),
            rules(&name, &vendor.layer),
            rules(&name, &vendor.page),
        )
        .unwrap();
        writeln!(
            texts,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    specs.push_str("];\n");
    texts.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_signatures.rs");
    fs::write(out, specs + &texts).expect("write embedded_signatures.rs");
}
