//! The classifier's decisions, on a small database written here so each test shows its premise.

use gwdoctor_core::{
    classify, classify_network_failure, classify_with, Category, Cause, Headers, NetworkFailure,
    NetworkStage, Role, SignatureDb, Snapshot, Step,
};

const DB: &[(&str, &str)] = &[
    (
        "nginx.toml",
        r#"
format = 1
id = "nginx"
name = "nginx"
role = "reverse-proxy"
[[layer]]
header = "server"
regex = '^nginx(?:/(?P<version>[0-9.]+))?'
detail = "Server names nginx"
source = "captured: test"
[[page]]
contains = "<center>nginx"
weight = 0.95
detail = "nginx footer"
source = "captured: test"
"#,
    ),
    (
        "cdn.toml",
        r#"
format = 1
id = "cdn"
name = "A CDN"
role = "cdn"
[[layer]]
header = "x-cdn-id"
detail = "CDN request id"
source = "docs: test"
[[page]]
header = "x-cdn-id"
status = [521]
cause = "connection-refused"
weight = 0.9
detail = "the CDN's own 521"
source = "docs: test"
"#,
    ),
    (
        "caddy.toml",
        r#"
format = 1
id = "caddy"
name = "Caddy"
role = "reverse-proxy"
[[layer]]
header = "server"
contains = "caddy"
detail = "Server names Caddy"
source = "captured: test"
[[page]]
header = "server"
contains = "caddy"
empty_body = true
status = [502, 504]
weight = 0.85
detail = "Caddy sends its errors with an empty body"
source = "captured: test"
"#,
    ),
    (
        "edge.toml",
        r#"
format = 1
id = "edge"
name = "An edge"
role = "paas"
[[layer]]
header = "x-edge"
detail = "edge header"
source = "docs: test"
"#,
    ),
    (
        "origin.toml",
        r#"
format = 1
id = "origin"
name = "the application"
role = "origin"
[[layer]]
header = "x-powered-by"
detail = "framework header"
source = "docs: test"
"#,
    ),
];

fn db() -> SignatureDb {
    SignatureDb::from_sources(DB.iter().copied()).unwrap()
}

fn snapshot(status: u16, headers: &[(&str, &str)], body: &str) -> Snapshot {
    Snapshot::new(status, headers.iter().copied().collect::<Headers>()).with_body(body.as_bytes())
}

#[test]
fn a_gateway_page_names_the_gateway_and_its_version() {
    let v = classify_with(
        &db(),
        &snapshot(
            502,
            &[("Server", "nginx/1.22.1")],
            "<hr><center>nginx/1.22.1</center>",
        ),
    );
    let generator = v.generator.unwrap();
    assert_eq!(
        (generator.vendor.as_str(), generator.version.as_deref()),
        ("nginx", Some("1.22.1"))
    );
    assert_eq!(v.category, Category::BadGateway);
    let hop = v.failed_hop.unwrap();
    assert_eq!((hop.from.as_str(), hop.to.as_str()), ("nginx", "upstream"));
    assert!(v
        .evidence
        .iter()
        .any(|e| e.source == "body" && e.points_to == "nginx"));
}

#[test]
fn the_apps_own_502_behind_nginx_is_the_origins() {
    let v = classify_with(
        &db(),
        &snapshot(
            502,
            &[("Server", "nginx")],
            "<h1>payment service failed</h1>",
        ),
    );
    assert_eq!(v.generator.unwrap().vendor, "origin");
    let hop = v.failed_hop.unwrap();
    assert_eq!(
        (hop.from.as_str(), hop.to.as_str(), hop.cause),
        ("nginx", "origin", Cause::AppError)
    );
    assert_eq!(v.chain[0].vendor, "nginx");
    assert!(v.advice.iter().any(|a| a.step == Step::ContactSite));
}

#[test]
fn an_empty_caddy_error_is_caddys_an_empty_nginx_one_only_probably_nginxs() {
    let v = classify_with(&db(), &snapshot(502, &[("Server", "Caddy")], ""));
    assert_eq!(v.generator.unwrap().vendor, "caddy");
    assert!(v.confidence >= 0.8);
    // nginx's own pages have a body: without one (a HEAD request, `curl -I`) the gateway the
    // headers show is the likely author, said with low confidence.
    let v = classify_with(&db(), &snapshot(502, &[("Server", "nginx")], "  "));
    assert_eq!(v.generator.unwrap().vendor, "nginx");
    assert!(v.confidence < 0.8);
    assert!(v.evidence.iter().any(|e| e.detail.contains("headers only")));
    // An application server's headers on the empty error: the application answered.
    let v = classify_with(
        &db(),
        &snapshot(502, &[("Server", "nginx"), ("X-Powered-By", "Express")], ""),
    );
    assert_eq!(v.generator.unwrap().vendor, "origin");
    // No product in the headers: nobody to name.
    let v = classify_with(&db(), &snapshot(502, &[], ""));
    assert_eq!(v.generator.unwrap().vendor, "unknown");
}

#[test]
fn a_product_built_on_another_is_named_when_its_headers_show_it() {
    // The embedded database: the relation is data (`based_on` in signatures/*.toml).
    let page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n\
        <center><h1>502 Bad Gateway</h1></center>\n<hr><center>openresty</center>\n</body>\n</html>";
    let plain = classify(&snapshot(502, &[], page));
    assert_eq!(plain.generator.unwrap().vendor, "openresty");
    let v = classify(&snapshot(502, &[("Server", "APISIX/2.15.0")], page));
    let generator = v.generator.unwrap();
    assert_eq!(
        (generator.vendor.as_str(), generator.version.as_deref()),
        ("apisix", Some("2.15.0"))
    );
    let chain: Vec<&str> = v.chain.iter().map(|l| l.vendor.as_str()).collect();
    assert_eq!(
        chain,
        ["apisix"],
        "APISIX's OpenResty is not a layer of its own"
    );
    assert!(v
        .evidence
        .iter()
        .any(|e| e.detail.contains("built on OpenResty")));
    // Google's load balancer answering with Envoy's local reply.
    let v = classify(&snapshot(
        503,
        &[("Via", "1.1 google"), ("Content-Type", "text/plain")],
        "no healthy upstream",
    ));
    assert_eq!(v.generator.unwrap().vendor, "google-cloud-lb");
    // An Envoy of its own behind Google's load balancer keeps the page.
    let v = classify(&snapshot(
        503,
        &[("Via", "1.1 google"), ("Server", "envoy")],
        "no healthy upstream",
    ));
    assert_eq!(v.generator.unwrap().vendor, "envoy");
}

#[test]
fn a_500_with_no_gateway_in_the_headers_is_the_applications() {
    let v = classify_with(
        &db(),
        &snapshot(
            500,
            &[("Content-Type", "text/html")],
            "<h1>Oops</h1><pre>KeyError: 'user'</pre>",
        ),
    );
    assert_eq!(v.generator.unwrap().vendor, "origin");
    assert!(!v.summary.contains("upstream"), "{}", v.summary);
    // A 505 is in the contract's `other-5xx` category.
    let v = classify_with(&db(), &snapshot(505, &[], "HTTP Version Not Supported"));
    assert_eq!(serde_json::to_value(&v).unwrap()["category"], "other-5xx");
}

#[test]
fn the_chain_runs_from_the_visitor_inward() {
    let v = classify_with(
        &db(),
        &snapshot(
            521,
            &[
                ("Server", "nginx"),
                ("X-Powered-By", "Express"),
                ("X-CDN-Id", "abc"),
            ],
            "",
        ),
    );
    let chain: Vec<(&str, Role)> = v
        .chain
        .iter()
        .map(|l| (l.vendor.as_str(), l.role))
        .collect();
    assert_eq!(
        chain,
        [
            ("cdn", Role::Cdn),
            ("nginx", Role::ReverseProxy),
            ("origin", Role::Origin)
        ]
    );
    assert_eq!(v.generator.unwrap().vendor, "cdn");
    assert_eq!(v.category, Category::OriginDown);
    let hop = v.failed_hop.unwrap();
    assert_eq!(
        (hop.to.as_str(), hop.cause),
        ("nginx", Cause::ConnectionRefused)
    );
}

#[test]
fn a_healthy_page_has_no_generator_and_no_advice() {
    let v = classify_with(
        &db(),
        &snapshot(200, &[("Server", "nginx")], "<center>nginx</center>"),
    );
    assert!(!v.error);
    assert!(v.generator.is_none() && v.failed_hop.is_none() && v.advice.is_empty());
    assert_eq!(v.category, Category::NotAnError);
    assert!(!v.retry.advised);
}

#[test]
fn retry_after_and_maintenance_from_the_app() {
    let v = classify_with(
        &db(),
        &snapshot(
            503,
            &[("Server", "nginx"), ("Retry-After", "120")],
            "<h1>Back soon</h1>",
        ),
    );
    assert_eq!(v.failed_hop.unwrap().cause, Cause::Maintenance);
    assert_eq!((v.retry.advised, v.retry.after_s), (true, Some(120)));
    assert_eq!(v.advice[0].step, Step::Wait);
    assert!(v.advice[0].why.contains("120 s"));
}

#[test]
fn a_cached_error_advises_bypassing_the_cache_first() {
    let v = classify_with(
        &db(),
        &snapshot(
            502,
            &[("Server", "nginx"), ("Age", "42")],
            "<center>nginx</center>",
        ),
    );
    assert_eq!(v.advice[0].step, Step::BypassCache);
    assert!(v
        .evidence
        .iter()
        .any(|e| e.points_to == "cache" && e.detail.contains("42 s")));
}

#[test]
fn nothing_known_is_unknown_with_low_confidence() {
    let v = classify_with(&db(), &snapshot(502, &[], "<h1>Bad Gateway</h1>"));
    assert_eq!(v.generator.unwrap().vendor, "unknown");
    assert!(v.confidence < 0.5);
    assert!(v.advice.iter().any(|a| a.step == Step::CheckElsewhere));
}

#[test]
fn no_response_at_all_is_the_network_path() {
    let v = classify_network_failure(&NetworkFailure {
        url: Some("http://127.0.0.1:9/".into()),
        host: "127.0.0.1".into(),
        stage: NetworkStage::Connect,
        cause: Cause::ConnectionRefused,
        detail: "Connection refused".into(),
        vantage: Default::default(),
    });
    assert!(v.error && v.status.is_none() && v.generator.is_none());
    assert_eq!(v.category, Category::OriginDown);
    assert_eq!(v.failed_hop.unwrap().from, "you");
    let dns = classify_network_failure(&NetworkFailure {
        url: None,
        host: "gone.example".into(),
        stage: NetworkStage::Dns,
        cause: Cause::Dns,
        detail: "NXDOMAIN".into(),
        vantage: Default::default(),
    });
    assert_eq!(dns.advice[0].step, Step::CheckDns);
}

#[test]
fn json_names_a_version_only_when_the_response_shows_one() {
    let v = classify_with(
        &db(),
        &snapshot(502, &[("Server", "nginx")], "<hr><center>nginx</center>"),
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(
        json["generator"],
        serde_json::json!({"vendor": "nginx", "role": "reverse-proxy"})
    );
    assert_eq!(
        json["chain"],
        serde_json::json!([{"vendor": "nginx", "role": "reverse-proxy"}])
    );
    let versioned = classify_with(
        &db(),
        &snapshot(
            502,
            &[("Server", "nginx/1.22.1")],
            "<hr><center>nginx</center>",
        ),
    );
    let json = serde_json::to_value(&versioned).unwrap();
    assert_eq!(json["generator"]["version"], "1.22.1");
    assert_eq!(json["chain"][0]["version"], "1.22.1");
}

#[test]
fn a_page_behind_a_gateway_whose_pages_are_unknown_is_not_claimed() {
    let page = "<h1>Something went wrong</h1>";
    let v = classify_with(&db(), &snapshot(502, &[("X-Edge", "1")], page));
    assert_eq!(v.generator.unwrap().vendor, "unknown");
    assert!(v.confidence < 0.5);
    assert!(
        v.evidence
            .iter()
            .any(|e| e.points_to == "unknown" && e.detail.contains("An edge or the application")),
        "the candidates are named: {:?}",
        v.evidence
    );
    // The application's own header says whose page it is.
    let v = classify_with(
        &db(),
        &snapshot(502, &[("X-Edge", "1"), ("X-Powered-By", "Express")], page),
    );
    assert_eq!(v.generator.unwrap().vendor, "origin");
}
