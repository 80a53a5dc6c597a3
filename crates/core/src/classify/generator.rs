//! Who generated the page: a gateway's own error page, the application's page passed through
//! the gateways (`origin`), or `unknown`.

use crate::signatures::{RuleKind, RuleMatch, SignatureDb};
use crate::snapshot::Snapshot;
use crate::verdict::{Category, Cause, Evidence, Generator, Layer, Role};

use super::cause_for_status;

/// Vendor id for pages the application behind the gateways produced.
pub(crate) const ORIGIN: &str = "origin";
/// Vendor id when nothing tells who produced the page.
pub(crate) const UNKNOWN: &str = "unknown";

/// The generator and what the deciding evidence proves.
pub(super) struct Decision {
    pub generator: Generator,
    pub confidence: f64,
    pub cause: Option<Cause>,
    pub category: Option<Category>,
}

/// Decides the generator of an error page. The strongest page signature wins (the outermost
/// layer on a tie, since it wrote the final response); with none, a non-empty page behind known
/// gateways is the application's own page.
pub(super) fn decide(
    db: &SignatureDb,
    snapshot: &Snapshot,
    matches: &[RuleMatch],
    chain: &[Layer],
    evidence: &mut Vec<Evidence>,
) -> Decision {
    let chain_position = |vendor: &str| {
        chain
            .iter()
            .position(|l| l.vendor == vendor)
            .unwrap_or(usize::MAX)
    };
    let page_matches: Vec<&RuleMatch> = matches
        .iter()
        .filter(|m| db.rules()[m.rule].kind == RuleKind::Page)
        .collect();
    let best = page_matches.iter().copied().max_by(|a, b| {
        let (ra, rb) = (&db.rules()[a.rule], &db.rules()[b.rule]);
        ra.weight.total_cmp(&rb.weight).then_with(|| {
            chain_position(&db.vendors()[rb.vendor].id)
                .cmp(&chain_position(&db.vendors()[ra.vendor].id))
        })
    });
    if let Some(best) = best {
        let best_rule = &db.rules()[best.rule];
        let vendor = &db.vendors()[best_rule.vendor];
        let same_vendor: Vec<&RuleMatch> = page_matches
            .iter()
            .copied()
            .filter(|m| db.rules()[m.rule].vendor == best_rule.vendor)
            .collect();
        let corroboration = 0.03 * (same_vendor.len() - 1) as f32;
        let strongest_with = |pick: &dyn Fn(&crate::signatures::Rule) -> bool| {
            same_vendor
                .iter()
                .map(|m| &db.rules()[m.rule])
                .filter(|r| pick(r))
                .max_by(|a, b| a.weight.total_cmp(&b.weight))
        };
        let cause = strongest_with(&|r| r.cause.is_some()).and_then(|r| r.cause);
        let category = strongest_with(&|r| r.category.is_some()).and_then(|r| r.category);
        let mut layer = chain.iter().find(|l| l.vendor == vendor.id);
        let mut vendor_id = vendor.id.clone();
        if layer.is_none() {
            // The page is a base product's, sent as it is by the product built on it that the
            // headers show (chain::build left the base out): that product wrote it.
            if let Some(derived) = chain.iter().find(|l| db.builds_on(&l.vendor, &vendor.id)) {
                evidence.push(Evidence {
                    source: "body".into(),
                    detail: format!(
                        "{} is built on {} and sends its error pages unchanged",
                        display_name(db, &derived.vendor),
                        vendor.name
                    ),
                    points_to: derived.vendor.clone(),
                });
                vendor_id = derived.vendor.clone();
                layer = Some(derived);
            }
        }
        let version = layer
            .and_then(|l| l.version.clone())
            .or_else(|| same_vendor.iter().find_map(|m| m.version.clone()));
        return Decision {
            generator: Generator {
                vendor: vendor_id,
                role: layer.map_or(vendor.role, |l| l.role),
                version,
            },
            confidence: f64::from(best_rule.weight + corroboration).min(0.99),
            cause,
            category,
        };
    }

    let gateways: Vec<&Layer> = chain.iter().filter(|l| l.role != Role::Origin).collect();
    let origin_layer = chain.iter().find(|l| l.role == Role::Origin);
    if let Some(relay) = matches
        .iter()
        .map(|m| &db.rules()[m.rule])
        .find(|r| r.passed_through)
    {
        evidence.push(Evidence {
            source: relay
                .header
                .as_ref()
                .map_or_else(|| "headers".to_string(), |h| format!("header:{h}")),
            detail: format!(
                "{}: {} passed on the answer of the server behind it",
                relay.detail,
                display_name(db, &db.vendors()[relay.vendor].id)
            ),
            points_to: ORIGIN.into(),
        });
        return origin(0.8);
    }
    if let Some(layer) = origin_layer.filter(|_| snapshot.body_is_blank()) {
        // Gateways put their own Server header on pages they write: an application server's
        // headers on an empty error say the application answered.
        evidence.push(Evidence {
            source: "headers".into(),
            detail: "no page, and the headers are the application server's own: it answered with this error".into(),
            points_to: ORIGIN.into(),
        });
        let mut decision = origin(0.7);
        decision.generator.version = layer.version.clone();
        return decision;
    }
    if gateways.is_empty() && snapshot.status == 500 {
        evidence.push(Evidence {
            source: "headers".into(),
            detail: "a 500 with no gateway in the headers: gateways report the failures of the server behind them with 502/503/504, an internal error is the application's own".into(),
            points_to: ORIGIN.into(),
        });
        return origin(0.6);
    }
    if snapshot.body_is_blank() {
        return headers_only(db, snapshot, &gateways, evidence);
    }
    if gateways.is_empty() && looks_like_json(&snapshot.page_text()) {
        evidence.push(Evidence {
            source: "body".into(),
            detail:
                "a JSON error body that is none of the known gateways' answers: an API's own error"
                    .into(),
            points_to: ORIGIN.into(),
        });
        return origin(0.6);
    }
    if !gateways.is_empty() {
        let names: Vec<&str> = gateways.iter().map(|l| l.vendor.as_str()).collect();
        let unknown_pages: Vec<&str> = gateways
            .iter()
            .filter(|l| !db.vendor(&l.vendor).is_some_and(|v| v.has_page_rules))
            .map(|l| display_name(db, &l.vendor))
            .collect();
        if origin_layer.is_none() && !unknown_pages.is_empty() {
            // Elimination needs every gateway's pages: one we know none of may have written it.
            evidence.push(Evidence {
                source: "body".into(),
                detail: format!(
                    "the page is none of the known error pages, and the pages of {} are not known: {} or the application behind may have produced it",
                    unknown_pages.join(", "),
                    unknown_pages.join(" or ")
                ),
                points_to: UNKNOWN.into(),
            });
            return unknown(0.4);
        }
        evidence.push(Evidence {
            source: "body".into(),
            detail: format!(
                "the page is none of the known error pages of {}: the application behind produced it",
                names.join(", ")
            ),
            points_to: ORIGIN.into(),
        });
        // Calibrated on the wild corpus's tuning part: right 85 % of the time, so below the 0.8
        // that promises 97 %.
        return origin(0.7);
    }
    if let Some(layer) = origin_layer {
        evidence.push(Evidence {
            source: "body".into(),
            detail:
                "no gateway shows in the headers, only the application server: the page is its own"
                    .into(),
            points_to: ORIGIN.into(),
        });
        let mut decision = origin(0.75);
        decision.generator.version = layer.version.clone();
        return decision;
    }
    evidence.push(Evidence {
        source: "body".into(),
        detail: "no known gateway or application signature in the headers or the page".into(),
        points_to: UNKNOWN.into(),
    });
    unknown(0.2)
}

/// An error without a page (a HEAD request, `curl -I`, an empty body): the innermost gateway
/// that has error pages of its own most likely answered, since a gateway passing the
/// application's error through would show the application's headers. Said with low confidence,
/// and `unknown` for a status gateways do not use for failures of their own.
fn headers_only(
    db: &SignatureDb,
    snapshot: &Snapshot,
    gateways: &[&Layer],
    evidence: &mut Vec<Evidence>,
) -> Decision {
    let innermost = gateways
        .last()
        .filter(|l| db.vendor(&l.vendor).is_some_and(|v| v.has_page_rules));
    if snapshot.status == 500 {
        evidence.push(Evidence {
            source: "body".into(),
            detail: "no page to read (headers only), and a 500: gateways report the failures of the server behind them with 502/503/504, an internal error is the application's".into(),
            points_to: ORIGIN.into(),
        });
        return origin(0.55);
    }
    match innermost {
        Some(layer) if matches!(snapshot.status, 502..=504) => {
            evidence.push(Evidence {
                source: "body".into(),
                detail: format!(
                    "no page to read (headers only): {} is the innermost gateway the headers show, and most likely answered",
                    display_name(db, &layer.vendor)
                ),
                points_to: layer.vendor.clone(),
            });
            Decision {
                generator: Generator {
                    vendor: layer.vendor.clone(),
                    role: layer.role,
                    version: layer.version.clone(),
                },
                confidence: 0.6,
                cause: None,
                category: None,
            }
        }
        _ => {
            let shown: Vec<&str> = gateways.iter().map(|l| l.vendor.as_str()).collect();
            evidence.push(Evidence {
                source: "body".into(),
                detail: if shown.is_empty() {
                    "the body is empty and the headers name no product".to_string()
                } else {
                    format!(
                        "the body is empty: any of {} may have answered",
                        shown.join(", ")
                    )
                },
                points_to: UNKNOWN.into(),
            });
            unknown(0.3)
        }
    }
}

/// Whether the body is a JSON object (an API's answer, not a page).
fn looks_like_json(body: &[u8]) -> bool {
    let body = body.trim_ascii();
    body.first() == Some(&b'{') && body.last() == Some(&b'}')
}

/// A vendor's name as people write it ("Cloudflare"); the id when the database has none.
pub(crate) fn display_name<'a>(db: &'a SignatureDb, id: &'a str) -> &'a str {
    db.vendor(id).map_or(id, |v| v.name.as_str())
}

fn origin(confidence: f64) -> Decision {
    Decision {
        generator: Generator {
            vendor: ORIGIN.into(),
            role: Role::Origin,
            version: None,
        },
        confidence,
        cause: None,
        category: None,
    }
}

fn unknown(confidence: f64) -> Decision {
    Decision {
        generator: Generator {
            vendor: UNKNOWN.into(),
            role: Role::ReverseProxy,
            version: None,
        },
        confidence,
        cause: None,
        category: None,
    }
}

/// The cause when no signature proves one: an application's page is an app error (or
/// maintenance / overload for a 503); a gateway's page says what its status code says.
pub(super) fn default_cause(generator: &Generator, snapshot: &Snapshot) -> Cause {
    if generator.vendor != ORIGIN {
        return cause_for_status(snapshot.status);
    }
    if snapshot.status == 503 {
        let says_maintenance = snapshot
            .body
            .windows(11)
            .any(|w| w.eq_ignore_ascii_case(b"maintenance"));
        if says_maintenance || snapshot.headers.get("retry-after").is_some() {
            return Cause::Maintenance;
        }
        return Cause::Overload;
    }
    Cause::AppError
}

/// The side of the failed hop that noticed the failure.
pub(super) fn hop_from(generator: &Generator, chain: &[Layer]) -> String {
    if generator.vendor != ORIGIN {
        return generator.vendor.clone();
    }
    chain
        .iter()
        .rev()
        .find(|l| l.role != Role::Origin)
        .map_or_else(|| "you".to_string(), |l| l.vendor.clone())
}

/// The side of the failed hop that failed: the next layer inward from the generator, the
/// origin, or `upstream` when the chain shows nothing behind the generator.
pub(super) fn hop_to(generator: &Generator, chain: &[Layer]) -> String {
    if generator.vendor == ORIGIN {
        return ORIGIN.into();
    }
    let behind = chain
        .iter()
        .position(|l| l.vendor == generator.vendor)
        .and_then(|i| chain.get(i + 1));
    match behind {
        Some(layer) if layer.role == Role::Origin => ORIGIN.into(),
        Some(layer) => layer.vendor.clone(),
        None if matches!(generator.role, Role::Cdn | Role::Paas | Role::Waf) => ORIGIN.into(),
        None => "upstream".into(),
    }
}
