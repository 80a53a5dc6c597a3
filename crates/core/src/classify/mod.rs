//! Snapshot → verdict.
//!
//! The steps, each in its own module: find which signatures match (`SignatureDb::scan`), build
//! the chain of layers from the headers (`chain`), decide who generated the page
//! (`generator`), derive the category, the failed hop and its cause, the retry advice
//! (`retry`) and the visitor advice (`advice`).

mod advice;
mod chain;
mod generator;
mod network;
mod retry;

pub(crate) use advice::{cause_words, side_label};
pub(crate) use generator::{display_name, ORIGIN, UNKNOWN};
pub use network::{classify_network_failure, NetworkFailure, NetworkStage, Vantage};

use crate::signatures::{RuleKind, SignatureDb};
use crate::snapshot::Snapshot;
use crate::verdict::{Category, Cause, Evidence, FailedHop, Retry, Verdict};

use generator::Decision;

/// Classifies a snapshot with the embedded signature database.
pub fn classify(snapshot: &Snapshot) -> Verdict {
    classify_with(SignatureDb::embedded(), snapshot)
}

/// Classifies a snapshot with the given signature database.
pub fn classify_with(db: &SignatureDb, snapshot: &Snapshot) -> Verdict {
    let matches = db.scan(snapshot);
    let mut evidence: Vec<Evidence> = Vec::new();
    let error = is_error_status(snapshot.status);
    evidence.push(Evidence {
        source: "status".into(),
        detail: status_detail(snapshot),
        points_to: if error { "error" } else { "not-an-error" }.into(),
    });
    for m in &matches {
        let rule = &db.rules()[m.rule];
        // Page rules only count as evidence when the page is an error; layer rules always do.
        if rule.kind == RuleKind::Page && !error {
            continue;
        }
        evidence.push(Evidence {
            source: rule
                .header
                .as_ref()
                .map_or_else(|| "body".to_string(), |h| format!("header:{h}")),
            detail: rule.detail.clone(),
            points_to: db.vendors()[rule.vendor].id.clone(),
        });
    }
    let chain = chain::build(db, &matches, error);
    let cached = chain::cache_hit(snapshot, &mut evidence);

    if !error {
        return Verdict {
            url: snapshot.url.clone(),
            status: Some(snapshot.status),
            error: false,
            category: Category::NotAnError,
            generator: None,
            chain,
            failed_hop: None,
            retry: Retry {
                advised: false,
                after_s: None,
            },
            confidence: 0.99,
            evidence,
            advice: Vec::new(),
            summary: format!("Not an error: status {}.", snapshot.status),
        };
    }

    let Decision {
        generator,
        confidence,
        cause: page_cause,
        category: page_category,
    } = generator::decide(db, snapshot, &matches, &chain, &mut evidence);
    let category = page_category.unwrap_or_else(|| category_for_status(snapshot.status));
    let cause = page_cause.unwrap_or_else(|| generator::default_cause(&generator, snapshot));
    let failed_hop = FailedHop {
        from: generator::hop_from(&generator, &chain),
        to: generator::hop_to(&generator, &chain),
        cause,
    };
    let retry = retry::advise(snapshot, category, cause, &mut evidence);
    let advice = advice::rank(&generator, &chain, &failed_hop, &retry, cached);
    let summary = advice::summary_sentence(&generator, &failed_hop);
    Verdict {
        url: snapshot.url.clone(),
        status: Some(snapshot.status),
        error: true,
        category,
        generator: Some(generator),
        chain,
        failed_hop: Some(failed_hop),
        retry,
        confidence: round2(confidence),
        evidence,
        advice,
        summary,
    }
}

/// Whether a status is an error page for Gateway Doctor: every 5xx, which includes Cloudflare's
/// 52x and 530.
pub fn is_error_status(status: u16) -> bool {
    (500..=599).contains(&status)
}

/// The category a status implies when no signature says more.
pub fn category_for_status(status: u16) -> Category {
    match status {
        500 => Category::InternalError,
        502 | 520 => Category::BadGateway,
        503 => Category::ServiceUnavailable,
        504 | 524 => Category::GatewayTimeout,
        521 => Category::OriginDown,
        522 | 523 | 530 => Category::OriginUnreachable,
        525 | 526 => Category::TlsError,
        s if is_error_status(s) => Category::Other5xx,
        _ => Category::NotAnError,
    }
}

/// The cause a status implies when no signature says more.
fn cause_for_status(status: u16) -> Cause {
    match status {
        504 | 522 | 524 => Cause::Timeout,
        521 => Cause::ConnectionRefused,
        525 | 526 => Cause::Tls,
        _ => Cause::Unknown,
    }
}

fn status_detail(snapshot: &Snapshot) -> String {
    match &snapshot.reason {
        Some(reason) => format!("status {} {reason}", snapshot.status),
        None => format!("status {}", snapshot.status),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
