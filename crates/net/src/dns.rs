//! The same name looked up through several resolvers at once, side by side, with what differs.

use std::{
    collections::{BTreeMap, BTreeSet},
    net::IpAddr,
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use hickory_resolver::{proto::rr::RData, ResolveError};
use serde::Serialize;
use tokio::time::timeout;

use crate::resolver::ResolverSpec;

/// One address record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressRecord {
    /// `A` or `AAAA`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The address.
    pub address: IpAddr,
    /// Time to live, seconds.
    pub ttl: u32,
}

/// How a lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// At least one address.
    Answered,
    /// The name exists but has no A/AAAA record.
    NoRecords,
    /// The name does not exist.
    Nxdomain,
    /// No answer in time.
    Timeout,
    /// Anything else (refused, network error, bad configuration, TLS failure…).
    Error,
}

/// What one resolver said.
#[derive(Debug, Clone, Serialize)]
pub struct ResolverAnswer {
    /// The resolver's label.
    pub resolver: String,
    /// The resolver in canonical form.
    pub spec: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Milliseconds until the answer (or the error).
    pub elapsed_ms: f64,
    /// Addresses, A first then AAAA, each sorted.
    pub records: Vec<AddressRecord>,
    /// The error, for outcomes other than `answered`.
    pub error: Option<String>,
}

impl ResolverAnswer {
    fn addresses(&self) -> BTreeSet<IpAddr> {
        self.records.iter().map(|r| r.address).collect()
    }
}

/// What a comparison noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Every resolver that answered gave the same addresses.
    Agree,
    /// This resolver's addresses differ from the consensus.
    Divergent,
    /// This resolver has no address while others have.
    Missing,
    /// This resolver did not answer in time.
    Timeout,
    /// This resolver failed.
    Error,
}

/// One observation about the answers.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// The resolver concerned (`None` for `agree`).
    pub resolver: Option<String>,
    /// In plain words.
    pub message: String,
}

/// Every resolver's answer for one name, and what differs.
#[derive(Debug, Clone, Serialize)]
pub struct DnsComparison {
    /// The name looked up.
    pub name: String,
    /// One entry per resolver, in the order asked.
    pub answers: Vec<ResolverAnswer>,
    /// The address set most resolvers that answered agree on.
    pub consensus: Vec<IpAddr>,
    /// Divergent, missing, failed answers; or one `agree`.
    pub findings: Vec<Finding>,
}

/// Looks `name` up through every resolver in parallel, each bounded by `limit`.
pub async fn compare(name: &str, resolvers: &[ResolverSpec], limit: Duration) -> DnsComparison {
    let lookups = resolvers.iter().map(|spec| lookup(name, spec, limit));
    let answers = join_all(lookups).await;
    let (consensus, findings) = analyse(&answers);
    DnsComparison {
        name: name.to_string(),
        answers,
        consensus: consensus.into_iter().collect(),
        findings,
    }
}

/// One resolver's A and AAAA records for `name`.
pub async fn lookup(name: &str, spec: &ResolverSpec, limit: Duration) -> ResolverAnswer {
    let began = Instant::now();
    let mut answer = ResolverAnswer {
        resolver: spec.label().to_string(),
        spec: spec.canonical(),
        outcome: Outcome::Error,
        elapsed_ms: 0.0,
        records: Vec::new(),
        error: None,
    };
    let result = match spec.build(limit) {
        Err(e) => Err((Outcome::Error, e)),
        Ok(resolver) => match timeout(limit, resolver.lookup_ip(name)).await {
            Err(_) => Err((
                Outcome::Timeout,
                format!("no answer within {}", seconds(limit)),
            )),
            Ok(Err(e)) => Err(describe(&e, limit)),
            Ok(Ok(found)) => Ok(found),
        },
    };
    answer.elapsed_ms = crate::request::ms(began.elapsed());
    match result {
        Ok(found) => {
            answer.records = found
                .as_lookup()
                .records()
                .iter()
                .filter_map(|record| match record.data() {
                    RData::A(a) => Some(AddressRecord {
                        kind: "A",
                        address: IpAddr::V4(a.0),
                        ttl: record.ttl(),
                    }),
                    RData::AAAA(a) => Some(AddressRecord {
                        kind: "AAAA",
                        address: IpAddr::V6(a.0),
                        ttl: record.ttl(),
                    }),
                    _ => None,
                })
                .collect();
            answer
                .records
                .sort_by_key(|r| (r.kind == "AAAA", r.address));
            answer.records.dedup_by_key(|r| r.address);
            answer.outcome = if answer.records.is_empty() {
                Outcome::NoRecords
            } else {
                Outcome::Answered
            };
        }
        Err((outcome, message)) => {
            answer.outcome = outcome;
            answer.error = Some(message);
        }
    }
    answer
}

fn describe(error: &ResolveError, limit: Duration) -> (Outcome, String) {
    if error.is_nx_domain() {
        return (
            Outcome::Nxdomain,
            "the name does not exist (NXDOMAIN)".to_string(),
        );
    }
    if error.is_no_records_found() {
        return (
            Outcome::NoRecords,
            "the name has no A or AAAA record".to_string(),
        );
    }
    let text = error.to_string();
    if text.contains("timed out") || text.contains("timeout") {
        return (
            Outcome::Timeout,
            format!("no answer within {}", seconds(limit)),
        );
    }
    (Outcome::Error, text)
}

fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

/// The consensus address set and the findings.
fn analyse(answers: &[ResolverAnswer]) -> (BTreeSet<IpAddr>, Vec<Finding>) {
    let mut votes: BTreeMap<BTreeSet<IpAddr>, usize> = BTreeMap::new();
    for answer in answers.iter().filter(|a| a.outcome == Outcome::Answered) {
        *votes.entry(answer.addresses()).or_default() += 1;
    }
    // Most votes wins; a tie goes to the set of the resolver asked first (the system's).
    let consensus = answers
        .iter()
        .filter(|a| a.outcome == Outcome::Answered)
        .map(|a| a.addresses())
        .max_by_key(|set| (votes[set], std::cmp::Reverse(position(answers, set))))
        .unwrap_or_default();
    let list = |set: &BTreeSet<IpAddr>| {
        set.iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut findings = Vec::new();
    for answer in answers {
        let finding = |kind, message| Finding {
            kind,
            resolver: Some(answer.resolver.clone()),
            message,
        };
        let name = &answer.resolver;
        match answer.outcome {
            Outcome::Answered => {
                let own = answer.addresses();
                if own == consensus {
                    continue;
                }
                let only_here: BTreeSet<IpAddr> = own.difference(&consensus).copied().collect();
                let message = if only_here.is_empty() {
                    format!("{name} returns only part of the addresses the others return ({}; the others: {})", list(&own), list(&consensus))
                } else {
                    format!(
                        "{name} returns {}, which the others do not (a stale, filtered or local answer?): they return {}",
                        list(&only_here),
                        list(&consensus)
                    )
                };
                findings.push(finding(FindingKind::Divergent, message));
            }
            Outcome::NoRecords | Outcome::Nxdomain if !consensus.is_empty() => {
                let what = if answer.outcome == Outcome::Nxdomain {
                    "says the name does not exist"
                } else {
                    "has no address"
                };
                findings.push(finding(
                    FindingKind::Missing,
                    format!(
                        "{name} {what}, while the others return {}",
                        list(&consensus)
                    ),
                ));
            }
            Outcome::Timeout => findings.push(finding(
                FindingKind::Timeout,
                format!(
                    "{name} did not answer ({})",
                    answer.error.as_deref().unwrap_or("timeout")
                ),
            )),
            Outcome::Error => findings.push(finding(
                FindingKind::Error,
                format!(
                    "{name} failed: {}",
                    answer.error.as_deref().unwrap_or("unknown error")
                ),
            )),
            Outcome::NoRecords | Outcome::Nxdomain => {}
        }
    }
    let answered = answers
        .iter()
        .filter(|a| a.outcome == Outcome::Answered)
        .count();
    if findings.is_empty() && answered > 0 {
        findings.push(Finding {
            kind: FindingKind::Agree,
            resolver: None,
            message: format!(
                "all {answered} resolvers return the same addresses: {}",
                list(&consensus)
            ),
        });
    }
    (consensus, findings)
}

fn position(answers: &[ResolverAnswer], set: &BTreeSet<IpAddr>) -> usize {
    answers
        .iter()
        .position(|a| a.outcome == Outcome::Answered && &a.addresses() == set)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(resolver: &str, addresses: &[&str]) -> ResolverAnswer {
        ResolverAnswer {
            resolver: resolver.into(),
            spec: resolver.into(),
            outcome: Outcome::Answered,
            elapsed_ms: 1.0,
            records: addresses
                .iter()
                .map(|a| AddressRecord {
                    kind: "A",
                    address: a.parse().unwrap(),
                    ttl: 60,
                })
                .collect(),
            error: None,
        }
    }

    fn failed(resolver: &str, outcome: Outcome) -> ResolverAnswer {
        ResolverAnswer {
            outcome,
            records: vec![],
            error: Some("x".into()),
            ..answered(resolver, &[])
        }
    }

    #[test]
    fn the_odd_one_out_is_divergent() {
        let (consensus, findings) = analyse(&[
            answered("system", &["10.0.0.5"]),
            answered("a", &["192.0.2.1"]),
            answered("b", &["192.0.2.1"]),
        ]);
        assert_eq!(
            consensus.into_iter().collect::<Vec<_>>(),
            vec!["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].kind, findings[0].resolver.as_deref()),
            (FindingKind::Divergent, Some("system"))
        );
        assert!(
            findings[0].message.contains("10.0.0.5"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn agreement_missing_and_failures_are_reported() {
        let (_, findings) =
            analyse(&[answered("a", &["192.0.2.1"]), answered("b", &["192.0.2.1"])]);
        assert_eq!(findings[0].kind, FindingKind::Agree);
        let (_, findings) = analyse(&[
            answered("a", &["192.0.2.1"]),
            failed("b", Outcome::Nxdomain),
            failed("c", Outcome::Timeout),
            failed("d", Outcome::Error),
        ]);
        let kinds: Vec<_> = findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FindingKind::Missing,
                FindingKind::Timeout,
                FindingKind::Error
            ]
        );
        let (consensus, findings) = analyse(&[
            failed("a", Outcome::Nxdomain),
            failed("b", Outcome::Nxdomain),
        ]);
        assert!(consensus.is_empty() && findings.is_empty());
    }
}
