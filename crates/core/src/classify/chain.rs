//! The chain of layers visible in a response, outermost (nearest the visitor) first.

use crate::signatures::{RuleKind, RuleMatch, SignatureDb};
use crate::snapshot::Snapshot;
use crate::verdict::{Evidence, Layer, Role};

/// Builds the chain from the matched rules. Layers are ordered by role (forward proxy, CDN, WAF,
/// load balancer, platform router, cache, reverse proxy, origin), then by where the evidence
/// appeared in the headers. Page rules add their vendor too when the page is an error.
///
/// A product known only from its page, built on a product the headers show (an OpenResty page
/// from APISIX, whose `Server` header names APISIX), is that product, not a layer of its own.
pub(super) fn build(db: &SignatureDb, matches: &[RuleMatch], error: bool) -> Vec<Layer> {
    let mut layers: Vec<(Role, usize, Layer)> = Vec::new();
    for m in matches {
        let rule = &db.rules()[m.rule];
        if rule.kind == RuleKind::Page && !error {
            continue;
        }
        let vendor = &db.vendors()[rule.vendor];
        let position = m.header_index.unwrap_or(usize::MAX);
        match layers.iter_mut().find(|(_, _, l)| l.vendor == vendor.id) {
            Some((_, first_seen, layer)) => {
                *first_seen = (*first_seen).min(position);
                if layer.version.is_none() {
                    layer.version = m.version.clone();
                }
            }
            None => {
                let role = rule.role.unwrap_or(vendor.role);
                layers.push((
                    role,
                    position,
                    Layer {
                        vendor: vendor.id.clone(),
                        role,
                        version: m.version.clone(),
                    },
                ));
            }
        }
    }
    let in_headers = |layer: &Layer| {
        matches.iter().any(|m| {
            let rule = &db.rules()[m.rule];
            m.header_index.is_some() && db.vendors()[rule.vendor].id == layer.vendor
        })
    };
    let shown: Vec<String> = layers
        .iter()
        .filter(|(_, _, l)| in_headers(l))
        .map(|(_, _, l)| l.vendor.clone())
        .collect();
    layers.retain(|(_, _, l)| {
        in_headers(l) || !shown.iter().any(|derived| db.builds_on(derived, &l.vendor))
    });
    // A handful of layers: each goes after those that sort before it or equal (stable), which
    // spares the wasm build a general sort.
    let mut ordered: Vec<(Role, usize, Layer)> = Vec::with_capacity(layers.len());
    for entry in layers {
        let at =
            ordered.partition_point(|(role, position, _)| (*role, *position) <= (entry.0, entry.1));
        ordered.insert(at, entry);
    }
    ordered.into_iter().map(|(_, _, layer)| layer).collect()
}

/// Whether the response says it came from a cache (`Age` > 0, or a cache status header saying
/// HIT); records the evidence when it does.
pub(super) fn cache_hit(snapshot: &Snapshot, evidence: &mut Vec<Evidence>) -> bool {
    if let Some(age) = snapshot
        .headers
        .get("age")
        .and_then(|a| a.parse::<u64>().ok())
        .filter(|&a| a > 0)
    {
        evidence.push(Evidence {
            source: "header:age".into(),
            detail: format!("served from a cache, stored {age} s before"),
            points_to: "cache".into(),
        });
        return true;
    }
    for name in [
        "x-cache",
        "cf-cache-status",
        "x-cache-status",
        "x-proxy-cache",
    ] {
        for value in snapshot.headers.get_all(name) {
            let upper = value.to_ascii_uppercase();
            if upper.contains("HIT") && !upper.contains("MISS") {
                evidence.push(Evidence {
                    source: format!("header:{name}"),
                    detail: format!("a cache says it answered from storage ({value})"),
                    points_to: "cache".into(),
                });
                return true;
            }
        }
    }
    false
}
