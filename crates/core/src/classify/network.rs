//! Verdicts for attempts that got no HTTP response at all: whoever made the request (the
//! visitor's browser, the machine the CLI runs on, a hosted checker) could not reach the site
//! (name not resolved, connection refused or timed out, TLS failed).

use serde::{Deserialize, Serialize};

use super::advice::cause_words;
use crate::verdict::{Advice, Category, Cause, Evidence, FailedHop, Retry, Step, Verdict};

/// Who made the request a verdict is about: the first node of the chain, and the side a
/// network failure points to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vantage {
    /// The visitor's browser (the extension).
    Browser,
    /// The machine the CLI or the native host runs on.
    #[default]
    Machine,
    /// A hosted checker's server (`gwdoctor serve`), on the visitor's behalf.
    Checker,
}

impl Vantage {
    /// The contract id of this side in `failed_hop.from` and `evidence.points_to`: `you` for the
    /// visitor's own browser or machine, `checker` for a hosted checker.
    pub fn id(self) -> &'static str {
        match self {
            Vantage::Browser | Vantage::Machine => "you",
            Vantage::Checker => "checker",
        }
    }

    /// Who made the request, as the subject of a sentence.
    pub fn subject(self) -> &'static str {
        match self {
            Vantage::Browser => "Your browser",
            Vantage::Machine => "Your machine",
            Vantage::Checker => "The checker",
        }
    }
}

/// The phase in which an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkStage {
    /// Resolving the name.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake.
    Tls,
    /// Sending the request or reading the response.
    Http,
}

impl NetworkStage {
    /// The stage in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            NetworkStage::Dns => "name resolution",
            NetworkStage::Connect => "the TCP connection",
            NetworkStage::Tls => "the TLS handshake",
            NetworkStage::Http => "the HTTP exchange",
        }
    }
}

/// A failed attempt, as a shell saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkFailure {
    /// The URL that was tried.
    pub url: Option<String>,
    /// The host (name or address) that could not be reached.
    pub host: String,
    /// Where it failed.
    pub stage: NetworkStage,
    /// Why, as far as the shell could tell.
    pub cause: Cause,
    /// The shell's own words (the OS or library error), kept in the evidence.
    pub detail: String,
    /// Who made the request.
    #[serde(default)]
    pub vantage: Vantage,
}

/// The verdict for an attempt that got no response: the failed hop is between whoever made the
/// request (`failure.vantage`) and the site's first server.
pub fn classify_network_failure(failure: &NetworkFailure) -> Verdict {
    let category = match (failure.stage, failure.cause) {
        (NetworkStage::Tls, _) | (_, Cause::Tls) => Category::TlsError,
        (NetworkStage::Connect, Cause::ConnectionRefused) => Category::OriginDown,
        (NetworkStage::Http, Cause::Timeout) => Category::GatewayTimeout,
        (NetworkStage::Http, _) => Category::BadGateway,
        _ => Category::OriginUnreachable,
    };
    let host = &failure.host;
    let mut advice = Vec::new();
    let mut add = |step: Step, why: String| advice.push(Advice { step, why });
    match failure.cause {
        Cause::Dns => {
            add(Step::CheckDns, format!("The name {host} did not resolve from here; comparing resolvers shows whether this resolver is wrong or the name is gone."));
            add(
                Step::OtherNetwork,
                "Another network uses other resolvers and routes.".into(),
            );
        }
        Cause::Tls => {
            add(Step::CheckElsewhere, format!("The TLS handshake with {host} failed; another vantage point shows whether the site's certificate is broken or something on this network intercepts it."));
            add(
                Step::OtherNetwork,
                "A network that does not intercept TLS may get through.".into(),
            );
        }
        _ => {
            add(Step::Retry, format!("{host} could not be reached from here; a retry after a short pause may get through."));
            add(Step::CheckElsewhere, "Another vantage point tells whether it is down for everyone or only unreachable from this network.".into());
            add(
                Step::OtherNetwork,
                "A firewall, VPN or proxy on the way can block it; another network avoids it."
                    .into(),
            );
        }
    }
    add(
        Step::ArchivedCopy,
        "Meanwhile an archived copy of the page may have what you came for.".into(),
    );
    let advised = failure.cause != Cause::Tls;
    Verdict {
        url: failure.url.clone(),
        status: None,
        error: true,
        category,
        generator: None,
        chain: Vec::new(),
        failed_hop: Some(FailedHop {
            from: failure.vantage.id().into(),
            to: host.clone(),
            cause: failure.cause,
        }),
        retry: Retry {
            advised,
            after_s: advised.then_some(if failure.cause == Cause::Dns { 60 } else { 10 }),
        },
        confidence: 0.9,
        evidence: vec![Evidence {
            source: "network".into(),
            detail: format!(
                "no HTTP response: {} failed: {}",
                failure.stage.describe(),
                failure.detail
            ),
            points_to: failure.vantage.id().into(),
        }],
        advice,
        summary: format!(
            "{} could not reach the site {host}: {}.",
            failure.vantage.subject(),
            match failure.cause {
                Cause::Unknown => format!("{} failed", failure.stage.describe()),
                cause => cause_words(cause).to_string(),
            }
        ),
    }
}
