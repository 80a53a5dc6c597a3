//! The readable summary of a verdict.

use std::fmt::Write;

use gwdoctor_core::Verdict;
use gwdoctor_net::FetchReport;

/// A few lines a person reads in a second: what, who, which hop, retry, evidence, advice.
pub fn summary(verdict: &Verdict, report: Option<&FetchReport>) -> String {
    let mut out = String::new();
    let status = verdict
        .status
        .map_or_else(|| "no response".to_string(), |s| s.to_string());
    let url = verdict.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
    let _ = writeln!(out, "{status} — {}{url}", verdict.category.id());
    let _ = writeln!(out, "{}", verdict.summary);
    if let Some(generator) = &verdict.generator {
        let version = generator
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Produced by:  {}{version} ({})  confidence {:.2}",
            generator.vendor,
            generator.role.id(),
            verdict.confidence
        );
    }
    if !verdict.chain.is_empty() || verdict.failed_hop.is_some() {
        let mut hops = vec!["you".to_string()];
        hops.extend(verdict.chain.iter().map(|l| format!("{} ({})", l.vendor, l.role.id())));
        if let Some(hop) = &verdict.failed_hop {
            if !verdict.chain.iter().any(|l| l.vendor == hop.to) && hop.to != "you" {
                hops.push(format!("{} ✗", hop.to));
            }
        }
        let _ = writeln!(out, "Chain:        {}", hops.join(" → "));
    }
    if let Some(hop) = &verdict.failed_hop {
        let _ = writeln!(out, "Failed hop:   {} → {}: {}", hop.from, hop.to, hop.cause.id());
    }
    if verdict.error {
        let retry = match (verdict.retry.advised, verdict.retry.after_s) {
            (true, Some(s)) => format!("advised, after {s} s"),
            (true, None) => "advised".to_string(),
            (false, _) => "not advised: it will not fix itself soon".to_string(),
        };
        let _ = writeln!(out, "Retry:        {retry}");
    }
    if let Some(report) = report {
        let t = &report.timings;
        let phase = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1} ms"));
        let _ = writeln!(
            out,
            "Timings:      dns {} · connect {} · tls {} · first byte {} · total {:.1} ms{}",
            phase(t.dns_ms),
            phase(t.connect_ms),
            phase(t.tls_ms),
            phase(t.first_byte_ms),
            t.total_ms,
            report.address.map(|a| format!("  ({a})")).unwrap_or_default()
        );
        if let Some(location) = &report.redirect {
            let _ = writeln!(out, "Redirect:     {location} (reported, not followed)");
        }
    }
    let _ = writeln!(out, "Evidence:");
    for e in &verdict.evidence {
        let _ = writeln!(out, "  - [{}] {} → {}", e.source, e.detail, e.points_to);
    }
    if !verdict.advice.is_empty() {
        let _ = writeln!(out, "What to do:");
        for (i, a) in verdict.advice.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}: {}", i + 1, a.step.id(), a.why);
        }
    }
    out
}
