//! Resolver comparison against real DNS servers on 127.0.0.x (never a public resolver).

#[path = "support/dns_server.rs"]
mod dns_server;

use std::time::Duration;

use gwdoctor_net::{
    dns::{FindingKind, Outcome},
    resolver::ResolverSpec,
};

fn spec(addr: std::net::SocketAddr) -> ResolverSpec {
    ResolverSpec::parse(&addr.to_string()).unwrap()
}

#[tokio::test]
async fn a_resolver_with_another_answer_is_flagged() {
    let stale = dns_server::start("127.0.0.2", &[("shop.test", "10.9.9.9", 86400)]);
    let fresh_a = dns_server::start(
        "127.0.0.3",
        &[
            ("shop.test", "192.0.2.10", 300),
            ("shop.test", "2001:db8::10", 300),
        ],
    );
    let fresh_b = dns_server::start(
        "127.0.0.4",
        &[
            ("shop.test", "192.0.2.10", 300),
            ("shop.test", "2001:db8::10", 300),
        ],
    );
    let resolvers = [spec(stale.addr), spec(fresh_a.addr), spec(fresh_b.addr)];
    let result = gwdoctor_net::compare("shop.test", &resolvers, Duration::from_secs(3)).await;

    assert!(
        result
            .answers
            .iter()
            .all(|a| a.outcome == Outcome::Answered),
        "{result:#?}"
    );
    assert_eq!(result.answers[0].records[0].address.to_string(), "10.9.9.9");
    assert_eq!(result.answers[0].records[0].ttl, 86400);
    let fresh: Vec<String> = result.answers[1]
        .records
        .iter()
        .map(|r| format!("{} {} {}", r.kind, r.address, r.ttl))
        .collect();
    assert_eq!(fresh, ["A 192.0.2.10 300", "AAAA 2001:db8::10 300"]);
    assert_eq!(result.consensus.len(), 2);
    assert_eq!(result.findings.len(), 1, "{:#?}", result.findings);
    let finding = &result.findings[0];
    assert_eq!(finding.kind, FindingKind::Divergent);
    assert_eq!(finding.resolver.as_deref(), Some(resolvers[0].label()));
    assert!(
        finding.message.contains("10.9.9.9") && finding.message.contains("192.0.2.10"),
        "{}",
        finding.message
    );
}

#[tokio::test]
async fn a_dead_resolver_times_out_while_the_others_answer() {
    let dead = dns_server::start_dead("127.0.0.5");
    let live = dns_server::start("127.0.0.6", &[("api.test", "192.0.2.20", 60)]);
    let resolvers = [spec(dead.addr), spec(live.addr)];
    let result = gwdoctor_net::compare("api.test", &resolvers, Duration::from_millis(700)).await;

    assert_eq!(result.answers[0].outcome, Outcome::Timeout, "{result:#?}");
    assert!(result.answers[0].records.is_empty());
    assert_eq!(result.answers[1].outcome, Outcome::Answered);
    assert_eq!(
        result.answers[1].records[0].address.to_string(),
        "192.0.2.20"
    );
    let kinds: Vec<_> = result.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FindingKind::Timeout]);
}

#[tokio::test]
async fn a_name_missing_from_one_resolver_is_flagged() {
    let empty = dns_server::start("127.0.0.7", &[]);
    let full = dns_server::start("127.0.0.8", &[("new.test", "192.0.2.30", 60)]);
    let result = gwdoctor_net::compare(
        "new.test",
        &[spec(empty.addr), spec(full.addr)],
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(result.answers[0].outcome, Outcome::Nxdomain, "{result:#?}");
    assert_eq!(result.findings[0].kind, FindingKind::Missing);

    let agree = gwdoctor_net::compare(
        "new.test",
        &[spec(full.addr), spec(full.addr)],
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(agree.findings[0].kind, FindingKind::Agree);
}

#[tokio::test]
async fn encrypted_dns_to_a_server_without_tls_fails_cleanly() {
    let plain = dns_server::start("127.0.0.9", &[("x.test", "192.0.2.1", 60)]);
    let tls = ResolverSpec::parse(&format!("tls://{}#dns.test", plain.addr)).unwrap();
    let result = gwdoctor_net::compare("x.test", &[tls], Duration::from_millis(1500)).await;
    assert!(
        matches!(result.answers[0].outcome, Outcome::Error | Outcome::Timeout),
        "{result:#?}"
    );
    assert!(result.answers[0].error.is_some());
}
