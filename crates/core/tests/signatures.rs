//! The embedded signature database: every file valid, every vendor of the contract covered,
//! every rule documented.

use gwdoctor_core::SignatureDb;

/// Vendor ids listed in `shared/spec/verdict.md` (besides `origin` and `unknown`, which are
/// verdicts rather than products, `origin` has its own file too).
const CONTRACT_VENDORS: &[&str] = &[
    "cloudflare",
    "cloudfront",
    "aws-elb",
    "google-cloud-lb",
    "azure-front-door",
    "azure-app-gateway",
    "akamai",
    "fastly",
    "varnish",
    "nginx",
    "openresty",
    "apache",
    "haproxy",
    "envoy",
    "traefik",
    "caddy",
    "iis",
    "squid",
    "lighttpd",
    "litespeed",
    "heroku",
    "vercel",
    "netlify",
    "fly",
    "render",
    "github-pages",
    "sucuri",
    "imperva",
    "kong",
    "origin",
];

#[test]
fn embedded_database_is_valid() {
    let files = SignatureDb::embedded_sources();
    assert!(!files.is_empty());
    if let Err(errors) = SignatureDb::from_sources(files.iter().copied()) {
        panic!(
            "signature files are invalid:\n{}",
            errors
                .iter()
                .map(|e| format!("  {e}\n"))
                .collect::<String>()
        );
    }
}

#[test]
fn every_contract_vendor_has_signatures() {
    let db = SignatureDb::embedded();
    let missing: Vec<&str> = CONTRACT_VENDORS
        .iter()
        .copied()
        .filter(|id| !db.rules().iter().any(|r| db.vendors()[r.vendor].id == *id))
        .collect();
    assert!(
        missing.is_empty(),
        "vendors without any signature: {missing:?}"
    );
}

#[test]
fn every_file_is_named_after_its_vendor() {
    let db = SignatureDb::embedded();
    for (file, _) in SignatureDb::embedded_sources() {
        let id = file.trim_end_matches(".toml");
        assert!(
            db.vendor(id).is_some(),
            "{file} does not define vendor `{id}`"
        );
    }
}
