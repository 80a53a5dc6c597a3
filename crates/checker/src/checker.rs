//! One check as the server runs it: the probe of `gwdoctor_net` under the address policy,
//! redirects followed by the server itself (each hop probed, and so re-checked against the
//! policy, on its own), and the result as the API's answer (`gwdoctor_wire::check::CheckAnswer`).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use gwdoctor_net::{probe, ProbeOptions, ProbeReport, Target};
use gwdoctor_wire::check::{CheckAnswer, Redirect};
use serde_json::{Map, Value};

/// What a check ends in (both kept in the cache).
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The verdict object the API returns, with this vantage point's probe, as compact JSON
    /// (what is kept in memory is what is sent).
    Checked(Bytes),
    /// The URL, or a redirect it led to, goes to an address the policy refuses.
    Refused(String),
}

/// Runs checks: probe options (address policy included) and the redirect limit.
#[derive(Debug, Clone)]
pub struct Checker {
    /// This vantage point's name, put in every result.
    pub vantage: String,
    options: ProbeOptions,
    max_redirects: usize,
}

impl Checker {
    /// A checker with these probe options; `options.request.address_policy` decides what it may reach.
    pub fn new(vantage: String, options: ProbeOptions, max_redirects: usize) -> Self {
        Checker {
            vantage,
            options,
            max_redirects,
        }
    }

    /// Checks `target`, following up to `max_redirects` redirects.
    pub async fn check(&self, target: Target) -> Outcome {
        let requested = target.url.to_string();
        let mut target = target;
        let mut redirects: Vec<Redirect> = Vec::new();
        loop {
            let report = probe(&target, &self.options).await;
            if let Some(forbidden) = report.refused_by_policy() {
                let hop = match redirects.last() {
                    None => format!("{} points to", target.url),
                    Some(r) => format!("the redirect from {} to {} leads to", r.url, target.url),
                };
                return Outcome::Refused(format!(
                    "{hop} {}, which is {}: this checker only fetches public addresses",
                    forbidden.address, forbidden.range
                ));
            }
            let next = report
                .redirect
                .as_deref()
                .filter(|_| redirects.len() < self.max_redirects)
                .and_then(|location| {
                    let url = target.url.join(location).ok()?;
                    Some((location.to_string(), Target::parse(url.as_str()).ok()?))
                });
            match next {
                Some((location, next)) => {
                    redirects.push(Redirect {
                        url: target.url.to_string(),
                        status: report.verdict.status.unwrap_or_default(),
                        location,
                    });
                    target = next;
                }
                None => {
                    let answer = self.render(&requested, report, redirects);
                    let json = serde_json::to_vec(&answer).unwrap_or_default();
                    return Outcome::Checked(Bytes::from(json));
                }
            }
        }
    }

    fn render(
        &self,
        requested: &str,
        report: ProbeReport,
        redirects: Vec<Redirect>,
    ) -> CheckAnswer {
        let mut probe = match serde_json::to_value(&report) {
            Ok(Value::Object(members)) => members,
            _ => Map::new(),
        };
        probe.remove("verdict");
        probe.remove("url");
        CheckAnswer {
            verdict: report.verdict,
            requested_url: requested.to_string(),
            vantage: self.vantage.clone(),
            checked_at: unix_now(),
            redirects,
            probe,
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
