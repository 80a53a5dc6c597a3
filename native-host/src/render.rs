//! The readable summary of a verdict.

use std::fmt::Write;

use gwdoctor_core::checklist::{AdviceView, VerdictView};
use gwdoctor_core::world::WorldView;
use gwdoctor_core::{is_error_status, Vantage, Verdict};
use gwdoctor_host::origin::Compared;
use gwdoctor_net::ProbeReport;

/// A few lines a person reads in a second: what, who, which hop, retry, evidence, advice.
pub fn summary(verdict: &Verdict, report: Option<&ProbeReport>) -> String {
    let mut out = String::new();
    let status = verdict
        .status
        .map_or_else(|| "no response".to_string(), |s| s.to_string());
    let url = verdict
        .url
        .as_deref()
        .map(|u| format!("  {u}"))
        .unwrap_or_default();
    let shown = VerdictView::of(verdict, Vantage::Machine);
    let _ = writeln!(out, "{status} — {}{url}", shown.category);
    let _ = writeln!(out, "{}", shown.summary);
    if let Some(produced_by) = &shown.produced_by {
        let _ = writeln!(out, "Produced by:  {produced_by}");
    }
    if verdict.error {
        let _ = writeln!(out, "Chain:        {}", shown.chain.text());
    }
    if let Some(hop) = &shown.failed_hop {
        let _ = writeln!(out, "Failed hop:   {hop}");
    }
    if let Some(retry) = &shown.retry {
        let _ = writeln!(out, "Retry:        {retry}");
    }
    if let Some(report) = report {
        let _ = writeln!(out, "Timings:      {}", timings(report));
        if let Some(location) = &report.redirect {
            let _ = writeln!(out, "Redirect:     {location} (reported, not followed)");
        }
    }
    let _ = writeln!(out, "Evidence:");
    for e in &verdict.evidence {
        let _ = writeln!(out, "  - [{}] {} → {}", e.source, e.detail, e.points_to);
    }
    steps(&mut out, "What to do:", &shown.advice);
    out
}

/// A probe's per-phase timings on one line, with the address they are about.
fn timings(report: &ProbeReport) -> String {
    let t = &report.timings;
    let phase = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1} ms"));
    format!(
        "dns {} · connect {} · tls {} · first byte {} · total {:.1} ms{}",
        phase(t.dns_ms),
        phase(t.connect_ms),
        phase(t.tls_ms),
        phase(t.first_byte_ms),
        t.total_ms,
        report
            .address
            .map(|a| format!("  ({a})"))
            .unwrap_or_default()
    )
}

/// Owner mode: the comparison's sentences first, then each fetch's timings and hops.
pub fn comparison(compared: &Compared) -> String {
    let mut out = String::new();
    let comparison = &compared.check.comparison;
    let _ = writeln!(out, "{}", comparison.through);
    for finding in &comparison.origins {
        let _ = writeln!(out, "{}", finding.direct);
        let _ = writeln!(out, "  → {}", finding.meaning);
    }
    if let Some(disagreement) = &comparison.disagreement {
        let _ = writeln!(out, "{disagreement}");
    }
    let _ = writeln!(out, "\nThrough the usual path ({}):", compared.through.url);
    let _ = writeln!(out, "Timings:      {}", timings(&compared.through));
    out.push_str(&hops(&compared.through));
    for (origin, report, _) in &compared.direct {
        let _ = writeln!(out, "\nDirect to {origin}:");
        let _ = writeln!(out, "Timings:      {}", timings(report));
        out.push_str(&hops(report));
    }
    out
}

/// The probe hop by hop: DNS, then per address TCP → TLS (certificate) → HTTP.
pub fn hops(report: &ProbeReport) -> String {
    let mut out = String::new();
    let time = |ms: Option<f64>| ms.map_or_else(String::new, |v| format!(" {v:.1} ms"));
    let mark = |ok: bool| if ok { "ok  " } else { "FAIL" };
    let dns = &report.dns;
    let answer = if dns.ok {
        dns.addresses
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        dns.error.clone().unwrap_or_default()
    };
    let _ = writeln!(out, "Hops:");
    let _ = writeln!(
        out,
        "  {} dns ({}){}: {answer}",
        mark(dns.ok),
        dns.resolver,
        time(dns.elapsed_ms)
    );
    for attempt in &report.attempts {
        let _ = writeln!(out, "  {}:", attempt.address);
        let tcp = &attempt.tcp;
        let _ = writeln!(
            out,
            "    {} tcp{}{}",
            mark(tcp.ok),
            time(tcp.elapsed_ms),
            tcp.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        if let Some(tls) = &attempt.tls {
            let detail = tls
                .hop
                .error
                .clone()
                .or_else(|| tls.version.clone())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} tls{}: {detail}",
                mark(tls.hop.ok),
                time(tls.hop.elapsed_ms)
            );
            if let Some(cert) = &tls.certificate {
                let _ = writeln!(
                    out,
                    "         certificate {} for {} (issuer {}), expires {} ({} days){}",
                    cert.subject,
                    cert.names.join(", "),
                    cert.issuer,
                    cert.not_after,
                    cert.expires_in_days,
                    if cert.matches_host {
                        ""
                    } else {
                        " — does NOT cover this host"
                    }
                );
            }
            if let Some(error) = &tls.verification_error {
                let _ = writeln!(
                    out,
                    "         certificate NOT valid: {error} (reported; the request went on)"
                );
            }
        }
        if let Some(http) = &attempt.http {
            let detail = match (http.status, &http.hop.error) {
                (Some(status), _) => format!(
                    "status {status}{}",
                    http.server
                        .as_deref()
                        .map(|s| format!(", server {s}"))
                        .unwrap_or_default()
                ),
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
            // A response that is itself a gateway error is the hop that failed, not "ok".
            let answered_well = http.hop.ok && !http.status.is_some_and(is_error_status);
            let _ = writeln!(
                out,
                "    {} http{}: {detail}",
                mark(answered_well),
                time(http.hop.elapsed_ms)
            );
        }
    }
    if let Some(failed) = &report.failed_hop {
        let stage = serde_json::to_value(failed.stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "First failed hop: {stage} ({}): {}",
            failed.cause.id(),
            failed.detail
        );
    }
    out
}

/// The world view: the sum, what it means for the visitor, the failures, the outliers, every
/// place, and what to do next.
pub fn world(view: &WorldView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nFrom around the world (Globalping):");
    let _ = writeln!(out, "{}", view.summary);
    if let Some(you) = &view.you {
        let _ = writeln!(out, "{you}");
    }
    for outlier in &view.outliers {
        let _ = writeln!(out, "  ! {outlier}");
    }
    if view.failures.len() > 1 {
        let _ = writeln!(out, "Failures:");
        for failure in &view.failures {
            let _ = writeln!(
                out,
                "  {} × {} ({}): {}",
                failure.places,
                failure.label,
                failure.countries.join(", "),
                failure.summary
            );
        }
    }
    let _ = writeln!(out, "Places:");
    for place in &view.places {
        let mark = match place.down {
            Some(true) => "DOWN",
            Some(false) => "up  ",
            None => "—   ",
        };
        let _ = writeln!(out, "  {mark}  {} — {}", place.place, place.label);
    }
    steps(&mut out, "What to do now:", &view.next);
    out
}

/// Numbered steps under `heading`, nothing when there are none.
fn steps(out: &mut String, heading: &str, advice: &[AdviceView]) {
    if advice.is_empty() {
        return;
    }
    let _ = writeln!(out, "{heading}");
    for (i, a) in advice.iter().enumerate() {
        let link = a
            .link
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}. {} — {}{link}", i + 1, a.title, a.why);
    }
}
