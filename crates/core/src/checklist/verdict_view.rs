//! What every shell prints for a verdict — the CLI, the checker page, the extension's popup and
//! panel: the summary, who produced the page, the chain, the failed hop, the retry advice and the
//! visitor's steps with their titles. The shells add headings and layout, never sentences.

use serde::{Deserialize, Serialize};

use super::site::site_of;
use super::view::ChainView;
use crate::classify::{cause_words, side_label};
use crate::verdict::{Advice, Role, Step, Verdict};
use crate::Vantage;

/// One thing the visitor can do, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceView {
    /// The step's contract id.
    pub step: Step,
    /// Its name ("Archived copy").
    pub title: String,
    /// Why, from the evidence.
    pub why: String,
    /// A page to open for it, only when the visitor clicks: the Wayback Machine's copy of the
    /// URL for `archived-copy` (nothing is requested before).
    pub link: Option<String>,
}

impl AdviceView {
    /// The step ready to show, for the page at `url`.
    pub fn of(advice: &Advice, url: Option<&str>) -> AdviceView {
        AdviceView {
            step: advice.step,
            title: step_title(advice.step).into(),
            why: advice.why.clone(),
            link: match (advice.step, url) {
                (Step::ArchivedCopy, Some(url)) => {
                    Some(format!("https://web.archive.org/web/2/{url}"))
                }
                _ => None,
            },
        }
    }
}

/// A verdict as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictView {
    /// Whether the site is up or down as seen from where the request was made ("Down from this
    /// checker"): the headline when no other vantage point was asked.
    pub standing: String,
    /// The category in words ("bad gateway", "gateway timeout").
    pub category: String,
    /// The verdict in one sentence (the verdict's `summary`).
    pub summary: String,
    /// Who produced the page, its role and the confidence ("nginx 1.22.1 (proxy) · confidence
    /// 95 %"); `None` when no page was produced or it is not an error.
    pub produced_by: Option<String>,
    /// The chain, from whoever made the request to the app, with the failure marked.
    pub chain: ChainView,
    /// The failed hop and why ("nginx → app: the connection was refused").
    pub failed_hop: Option<String>,
    /// Which node sent the error page ("The error page came from nginx.").
    pub page_from: Option<String>,
    /// Whether retrying is worth it ("worth it, after 10 s"); `None` when it is not an error.
    pub retry: Option<String>,
    /// What the visitor can do, best first.
    pub advice: Vec<AdviceView>,
}

impl VerdictView {
    /// The view of `verdict`, whose request `vantage` made.
    pub fn of(verdict: &Verdict, vantage: Vantage) -> VerdictView {
        let site = verdict.url.as_deref().and_then(site_of).unwrap_or_default();
        let chain = ChainView::of(
            verdict.error,
            verdict.generator.as_ref(),
            &verdict.chain,
            verdict.failed_hop.as_ref(),
            &site,
            vantage,
        );
        let produced_by = verdict.generator.as_ref().map(|g| {
            let who = match g.vendor.as_str() {
                "origin" => "the application itself, its own error page".to_string(),
                "unknown" => "a server the evidence does not name".to_string(),
                vendor => {
                    let version = g.version.as_deref().map(|v| format!(" {v}"));
                    format!(
                        "{vendor}{} ({})",
                        version.unwrap_or_default(),
                        role_label(g.role)
                    )
                }
            };
            format!(
                "{who} · confidence {} %",
                (verdict.confidence * 100.0).round() as u32
            )
        });
        let failed_hop = verdict.failed_hop.as_ref().map(|hop| {
            format!(
                "{} → {}: {}",
                side_label(&hop.from),
                side_label(&hop.to),
                cause_words(hop.cause)
            )
        });
        let page_from = chain
            .page_from
            .map(|i| match chain.nodes[i].label.as_str() {
                "app" => "The error page came from the app itself.".to_string(),
                label => format!("The error page came from {label}."),
            });
        let retry = verdict
            .error
            .then(|| match (verdict.retry.advised, verdict.retry.after_s) {
                (true, Some(s)) => format!("worth it, after {s} s"),
                (true, None) => "worth it".to_string(),
                (false, _) => "unlikely to help soon".to_string(),
            });
        let advice = verdict
            .advice
            .iter()
            .map(|a| AdviceView::of(a, verdict.url.as_deref()))
            .collect();
        let seen_from = match vantage {
            Vantage::Browser => "this browser",
            Vantage::Machine => "this machine",
            Vantage::Checker => "this checker",
        };
        let standing = match verdict.error {
            true => format!("Down from {seen_from}"),
            false => format!("Up from {seen_from}"),
        };
        VerdictView {
            standing,
            category: verdict.category.id().replace('-', " "),
            summary: verdict.summary.clone(),
            produced_by,
            chain,
            failed_hop,
            page_from,
            retry,
            advice,
        }
    }
}

/// The name of an advice step.
fn step_title(step: Step) -> &'static str {
    match step {
        Step::Retry => "Try again",
        Step::BypassCache => "Skip every cache",
        Step::CheckElsewhere => "Down for everyone?",
        Step::CheckDns => "Check DNS",
        Step::PrivateWindow => "Private window",
        Step::OtherNetwork => "Another network",
        Step::Wait => "Wait",
        Step::ArchivedCopy => "Archived copy",
        Step::ContactSite => "Only the site can fix it",
    }
}

/// A role in plain words, as the chain shows it.
pub(super) fn role_label(role: Role) -> &'static str {
    match role {
        Role::ForwardProxy => "your proxy",
        Role::Cdn => "CDN",
        Role::Waf => "firewall",
        Role::LoadBalancer => "load balancer",
        Role::Paas => "platform",
        Role::Cache => "cache",
        Role::ReverseProxy => "proxy",
        Role::Origin => "app",
    }
}

/// What the checker page says when the check API gave no verdict: `code` is the API's error code
/// (`invalid-url`, `forbidden-target`, `rate-limited`, `busy`, `deadline`), `message` its words.
pub fn checker_problem(code: Option<&str>, message: &str) -> String {
    let prefix = match code {
        Some("invalid-url") => "That is not an address the checker can fetch",
        Some("forbidden-target") => "The checker will not fetch that address",
        Some("rate-limited") => "Too many checks from your network",
        Some("busy") => "The checker is busy",
        Some("deadline") => "The check took too long",
        _ => "No verdict",
    };
    format!("{prefix}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetworkStage;
    use crate::{classify, classify_network_failure, parse_response, Cause, NetworkFailure};

    fn nginx() -> Verdict {
        let mut snapshot = parse_response(
            b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n<hr><center>nginx/1.22.1</center>",
        )
        .unwrap();
        snapshot.url = Some("http://shop.example/cart".into());
        classify(&snapshot)
    }

    #[test]
    fn a_gateway_page_in_people_words() {
        let view = VerdictView::of(&nginx(), Vantage::Machine);
        assert_eq!(view.standing, "Down from this machine");
        assert_eq!(view.category, "bad gateway");
        assert_eq!(
            view.summary,
            "nginx could not get an answer from the app behind it: the page does not say why."
        );
        assert_eq!(
            view.produced_by.as_deref(),
            Some("nginx 1.22.1 (proxy) · confidence 95 %")
        );
        assert_eq!(view.chain.text(), "You → nginx ✗ app");
        assert_eq!(
            view.failed_hop.as_deref(),
            Some("nginx → app: the page does not say why")
        );
        assert_eq!(
            view.page_from.as_deref(),
            Some("The error page came from nginx.")
        );
        let archive = view.advice.last().unwrap();
        assert_eq!(archive.step, Step::ArchivedCopy);
        assert_eq!(
            archive.link.as_deref(),
            Some("https://web.archive.org/web/2/http://shop.example/cart")
        );
        assert!(view.advice.iter().all(|a| !a.why.contains("upstream")));
    }

    #[test]
    fn the_checker_is_not_you() {
        let verdict = classify_network_failure(&NetworkFailure {
            url: Some("http://shop.example/".into()),
            host: "shop.example".into(),
            stage: NetworkStage::Connect,
            cause: Cause::ConnectionRefused,
            detail: "Connection refused (os error 111)".into(),
            vantage: Vantage::Checker,
        });
        assert_eq!(
            verdict.summary,
            "The checker could not reach the site shop.example: the connection was refused."
        );
        assert_eq!(verdict.failed_hop.as_ref().unwrap().from, "checker");
        assert!(verdict.evidence.iter().all(|e| e.points_to != "you"));
        let view = VerdictView::of(&verdict, Vantage::Checker);
        assert_eq!(view.chain.nodes[0].label, "Checker");
        assert_eq!(view.chain.text(), "Checker ✗ shop.example");
        assert_eq!(view.produced_by, None);
        assert_eq!(view.standing, "Down from this checker");
    }
}
