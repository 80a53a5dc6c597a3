//! The measurement request as the spec describes it, and the reader of results. The result JSON
//! here is built for the test in the spec's shape (`FinishedHttpTestResult`, `FailedTestResult`,
//! `OfflineTestResult`); the response in it is the lab's nginx 502 (tests/corpus/captured).

use serde_json::json;

use super::*;

#[test]
fn from_specs_parse_with_sane_defaults_and_clear_errors() {
    assert_eq!(
        FromSpec::parse("world").unwrap(),
        FromSpec {
            locations: vec![],
            places: DEFAULT_PLACES
        }
    );
    assert_eq!(FromSpec::parse("World:10").unwrap().places, 10);
    let list = FromSpec::parse("DE, US,AS13335").unwrap();
    assert_eq!(list.locations, ["DE", "US", "AS13335"]);
    assert_eq!(list.places, 9, "three per location by default");
    assert_eq!(
        FromSpec::parse("DE,US:1").unwrap().places,
        2,
        "at least one per location"
    );
    assert_eq!(
        FromSpec::parse("Berlin+Germany").unwrap().locations,
        ["Berlin+Germany"]
    );
    for bad in ["world:0", "world:51", "world:x", "DE,,US", "", "DE;rm -rf"] {
        assert!(FromSpec::parse(bad).is_err(), "`{bad}` should be refused");
    }
    assert_eq!(
        FromSpec::parse("world:500").unwrap_err().to_string(),
        "the number of places must be 1…50, not `500`"
    );
}

#[test]
fn the_request_follows_the_spec() {
    let from = FromSpec::parse("DE,AS13335:4").unwrap();
    let request =
        MeasurementRequest::http("https://Shop.Example:8443/cart/view?id=7#top", &from).unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "type": "http",
            "target": "shop.example",
            "locations": [{"magic": "DE"}, {"magic": "AS13335"}],
            "limit": 4,
            "measurementOptions": {
                "protocol": "HTTPS",
                "port": 8443,
                "request": {"method": "GET", "path": "/cart/view", "query": "id=7"}
            }
        })
    );
    let world =
        MeasurementRequest::http("http://example.org", &FromSpec::parse("world").unwrap()).unwrap();
    let value = serde_json::to_value(&world).unwrap();
    assert!(
        value.get("locations").is_none(),
        "the whole world names no location"
    );
    assert_eq!(value["measurementOptions"]["port"], 80);
    assert_eq!(value["measurementOptions"]["request"]["path"], "/");
    for bad in ["ftp://example.org/", "example.org", "http://"] {
        assert!(MeasurementRequest::http(bad, &from).is_err(), "{bad}");
    }
}

fn probe(country: &str, city: &str, asn: u32) -> serde_json::Value {
    json!({
        "continent": "EU", "region": "Western Europe", "country": country, "state": null,
        "city": city, "asn": asn, "network": "Example Net", "latitude": 0, "longitude": 0,
        "tags": [], "resolvers": ["private"]
    })
}

#[test]
fn every_result_becomes_a_place_answer() {
    let nginx_502 = include_str!("../../../../tests/corpus/captured/nginx-refused.http");
    let (head, body) = nginx_502.split_once("\r\n\r\n").unwrap();
    let headers: Vec<&str> = head.lines().skip(1).collect();
    let measurement: Measurement = serde_json::from_value(json!({
        "id": "m1", "type": "http", "status": "finished", "target": "shop.example",
        "probesCount": 4, "createdAt": "", "updatedAt": "",
        "results": [
            {"probe": probe("DE", "Berlin", 3320), "result": {
                "status": "finished", "rawHeaders": headers.join("\n"), "rawBody": body,
                "truncated": false, "headers": {}, "statusCode": 502, "statusCodeName": "Bad Gateway",
                "resolvedAddress": "192.0.2.7", "timings": {}, "tls": null,
                "rawOutput": "HTTP/1.1 502\n..."}},
            {"probe": probe("FR", "Paris", 3215), "result": {
                "status": "failed", "rawOutput": "connect ECONNREFUSED 192.0.2.7:443 - ECONNREFUSED"}},
            {"probe": probe("NL", "Amsterdam", 1136), "result": {
                "status": "failed", "rawOutput": "getaddrinfo ENOTFOUND shop.example - ENOTFOUND"}},
            {"probe": probe("PL", "Warsaw", 5617), "result": {"status": "offline", "rawOutput": ""}},
            {"probe": probe("PL", "Krakow", 5617), "result": {"status": "failed", "rawOutput": "Something odd - EWHATEVER"}}
        ]
    }))
    .unwrap();
    assert!(measurement.is_final());
    let answers = place_answers(&measurement, "https://shop.example/");
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[0].place.city.as_deref(), Some("Berlin"));
    match &answers[0].seen {
        Seen::Response { verdict, address } => {
            assert_eq!(verdict.generator.as_ref().unwrap().vendor, "nginx");
            assert_eq!(verdict.url.as_deref(), Some("https://shop.example/"));
            assert_eq!(address.as_deref(), Some("192.0.2.7"));
        }
        other => panic!("{other:?}"),
    }
    let cause = |i: usize| match &answers[i].seen {
        Seen::Unreachable { cause, .. } => Some(*cause),
        _ => None,
    };
    assert_eq!(cause(1), Some(Cause::ConnectionRefused));
    assert_eq!(cause(2), Some(Cause::Dns));
    assert!(matches!(answers[3].seen, Seen::NoAnswer { .. }));
    assert!(
        matches!(&answers[4].seen, Seen::NoAnswer { detail } if detail.contains("EWHATEVER")),
        "a failure that names no cause of the site's says nothing about the site"
    );
}

#[test]
fn answers_with_missing_or_added_members_are_read() {
    let measurement: Measurement = serde_json::from_value(json!({
        "status": "in-progress", "somethingNew": 1,
        "results": [{"probe": {}, "result": {"status": "in-progress"}}]
    }))
    .unwrap();
    assert!(!measurement.is_final());
    let answers = place_answers(&measurement, "http://x.example/");
    assert!(matches!(answers[0].seen, Seen::NoAnswer { .. }));
    let error: ApiError = serde_json::from_str(
        r#"{"error":{"type":"rate_limit_exceeded","message":"API rate limit exceeded."}}"#,
    )
    .unwrap();
    assert_eq!(error.error.kind, "rate_limit_exceeded");
}
