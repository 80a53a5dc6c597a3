//! What the shells show for a tab: the badge, the in-page panel's sentences, the popup's chain
//! and checklist. All wording is decided here, so every shell says the same thing.

use serde::{Deserialize, Serialize};

use super::config::Config;
use super::event::{NativeOutcome, NativeStep, RemoteOutcome, TabId};
use super::site::{host_of, site_of};
use super::tab::{
    Attempt, BypassStep, GiveUp, NativeAsk, ProbeState, RetryStep, TabChecklist, VantageAsk,
};
use super::verdict_view::{role_label, AdviceView, VerdictView};
use crate::verdict::{Cause, FailedHop, Generator, Layer, Role, Step, Verdict};
use crate::Vantage;

/// Whose side the failure is on, as far as the evidence tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Whose {
    /// The site's own servers failed.
    Site,
    /// Something on the visitor's side (network, proxy, browser).
    You,
    /// The evidence does not tell yet.
    Unclear,
}

/// The toolbar badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    /// At most four characters: the status, or `ERR` when no response arrived.
    pub text: String,
    /// A CSS colour.
    pub color: String,
}

/// One node of the drawn chain (You → CDN → load balancer → proxy → app; a checker's chain
/// starts at "Checker").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainNode {
    /// What it is, for people ("You", "nginx", "app").
    pub label: String,
    /// Its role in plain words ("proxy", "CDN", "your browser").
    pub role: String,
}

/// The chain with the failure marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainView {
    /// Nodes, the visitor first.
    pub nodes: Vec<ChainNode>,
    /// The link that failed: between `nodes[i]` and `nodes[i + 1]`.
    pub broken_link: Option<usize>,
    /// The node that failed itself (an application that sent its own error).
    pub failed_node: Option<usize>,
    /// The node that produced the error page.
    pub page_from: Option<usize>,
}

/// How far a step got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    /// Waiting for its turn.
    Pending,
    /// Under way.
    Running,
    /// Finished with an answer.
    Done,
    /// Finished without an answer, or gave up.
    Failed,
    /// Does not apply, or turned off.
    Skipped,
}

/// One checklist step, for the popup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// A stable id: `retry`, `bypass-cache`, `check-elsewhere`, `native-dns`, `native-probe`.
    pub id: String,
    /// The step's name.
    pub title: String,
    /// How far it got.
    pub state: StepState,
    /// What it found or does, in a sentence.
    pub detail: String,
}

/// Everything the badge, the panel and the popup show for one tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabView {
    /// The tab.
    pub tab: TabId,
    /// The failing page.
    pub url: String,
    /// The verdict (generator, chain, evidence, advice).
    pub verdict: Verdict,
    /// The verdict as people read it: summary, producer, chain, failed hop, retry, and the
    /// visitor's steps — less the steps the checklist takes itself (retrying while it retries,
    /// the cache-bypass check, asking the configured vantage points), so the two never disagree
    /// (the verdict's "retry after 10 s" beside "trying again in 1 s").
    #[serde(flatten)]
    pub shown: VerdictView,
    /// Whose side it is on.
    pub whose: Whose,
    /// That, in a sentence.
    pub whose_text: String,
    /// What is being tried now, in a sentence ("Trying again in 8 s (try 2 of 10).").
    pub doing: String,
    /// Seconds until the next probe, when one is scheduled.
    pub next_probe_in_s: Option<u64>,
    /// Whether a Stop button makes sense.
    pub can_stop: bool,
    /// The toolbar badge.
    pub badge: Badge,
    /// The checklist steps.
    pub steps: Vec<StepView>,
    /// Every probe sent, with times (Unix ms).
    pub attempts: Vec<Attempt>,
    /// When the checklist started (Unix ms).
    pub started_at_ms: u64,
}

impl TabView {
    /// The view of a checklist at `now_ms`.
    pub(super) fn of(c: &TabChecklist, config: &Config, now_ms: u64) -> TabView {
        let (whose, whose_text) = whose(c);
        let next_probe_in_s = match c.probe {
            ProbeState::Due { at_ms, .. } => Some(at_ms.saturating_sub(now_ms).div_ceil(1000)),
            _ => None,
        };
        let active = c.retry == RetryStep::Active || c.probe != ProbeState::Idle;
        let badge = Badge {
            text: c
                .verdict
                .status
                .map_or_else(|| "ERR".to_string(), |s| s.to_string()),
            color: match (active, whose) {
                (false, _) if !matches!(c.retry, RetryStep::Recovered { .. }) => "#616161",
                (_, Whose::Site) => "#c62828",
                _ => "#e65100",
            }
            .to_string(),
        };
        let mut steps = vec![
            retry_step(c, config, now_ms),
            bypass_step(c),
            vantage_step(c.vantage.as_deref()),
        ];
        steps.extend(native_steps(c.native.as_deref()));
        let mut shown = VerdictView::of(&c.verdict, Vantage::Browser);
        shown.advice.retain(|a| !done_by_checklist(c, a));
        TabView {
            tab: c.tab,
            url: c.url.clone(),
            verdict: c.verdict.clone(),
            shown,
            whose,
            whose_text,
            doing: steps[0].detail.clone(),
            next_probe_in_s,
            can_stop: active,
            badge,
            steps,
            attempts: c.attempts.clone(),
            started_at_ms: c.started_at_ms,
        }
    }
}

fn whose(c: &TabChecklist) -> (Whose, String) {
    let answered: Vec<bool> = c
        .vantage
        .iter()
        .flatten()
        .filter_map(|a| match &a.outcome {
            Some(RemoteOutcome::Answered { error, .. }) => Some(*error),
            _ => None,
        })
        .collect();
    if answered.contains(&false) {
        return (Whose::You, "Another vantage point reaches the site fine: the problem is between you and the site, not the site itself.".into());
    }
    let native_healthy = c.native.iter().flatten().any(|a| {
        a.step == NativeStep::HopByHop
            && matches!(
                a.outcome,
                Some(NativeOutcome::Answered { healthy: true, .. })
            )
    });
    if native_healthy {
        return (Whose::You, "Your computer reaches the site fine outside the browser: the browser's cache, an extension or its proxy is in the way.".into());
    }
    if !answered.is_empty() {
        return (
            Whose::Site,
            "It is down for everyone: the vantage points asked see the error too.".into(),
        );
    }
    let Some(generator) = &c.verdict.generator else {
        return (
            Whose::Unclear,
            "The site may be down, or your network may be blocking the way.".into(),
        );
    };
    match generator.role {
        Role::ForwardProxy => (
            Whose::You,
            format!(
                "The error came from a proxy on your side ({}): the site itself may be fine.",
                generator.vendor
            ),
        ),
        _ if generator.vendor == "unknown" => (
            Whose::Unclear,
            "Nothing in the page shows which side failed.".into(),
        ),
        _ => (
            Whose::Site,
            "The failure is inside the site's own servers, not on your side.".into(),
        ),
    }
}

fn tries(attempts: usize) -> String {
    match attempts {
        1 => "1 try".into(),
        n => format!("{n} tries"),
    }
}

fn retry_step(c: &TabChecklist, config: &Config, now_ms: u64) -> StepView {
    let made = c.attempts.len();
    let (state, detail) = match (&c.retry, &c.probe) {
        (RetryStep::Active, ProbeState::Due { at_ms, .. }) => (
            StepState::Running,
            format!(
                "Trying again in {} s (try {} of {}).",
                at_ms.saturating_sub(now_ms).div_ceil(1000),
                made + 1,
                config.max_attempts
            ),
        ),
        (RetryStep::Active, ProbeState::InFlight { .. }) => (
            StepState::Running,
            format!("Trying again now (try {made} of {})…", config.max_attempts),
        ),
        (RetryStep::Active, ProbeState::Idle) => (StepState::Running, "Waiting.".into()),
        (RetryStep::Recovered { .. }, _) => (
            StepState::Done,
            format!("The site answers again after {}: reloading the page.", tries(made)),
        ),
        (RetryStep::Disabled, _) => (StepState::Skipped, "Automatic retry is off in the options.".into()),
        (RetryStep::NotAdvised, _) => (
            StepState::Skipped,
            "Retrying will not fix this kind of failure, so the extension does not retry.".into(),
        ),
        (RetryStep::Stopped, _) => (
            StepState::Skipped,
            format!("Stopped after {}. Reload the page to try again.", tries(made)),
        ),
        (RetryStep::GaveUp { reason }, _) => (
            StepState::Failed,
            match reason {
                GiveUp::Attempts => format!("Gave up after {}. Reload the page to try again.", tries(made)),
                GiveUp::TotalTime => format!(
                    "Gave up after {} minutes and {}. Reload the page to try again.",
                    config.max_total_ms.div_ceil(60_000),
                    tries(made)
                ),
                GiveUp::ServerAsksLater { wait_ms } => format!(
                    "The site asks to come back in {}, longer than the extension keeps trying. Try again later.",
                    human_duration(*wait_ms)
                ),
                GiveUp::SiteCap => "Stopped: too many retries to this site from all tabs. Reload the page to try again.".into(),
            },
        ),
    };
    StepView {
        id: "retry".into(),
        title: "Retry with growing pauses".into(),
        state,
        detail,
    }
}

fn bypass_step(c: &TabChecklist) -> StepView {
    let (state, detail) = match c.bypass {
        BypassStep::NotApplicable => (StepState::Skipped, "No page arrived, so no cache is involved.".into()),
        BypassStep::Pending => match c.probe {
            ProbeState::InFlight { bypass_cache: true, .. } => {
                (StepState::Running, "Asking the site again, skipping every cache…".into())
            }
            _ => (StepState::Pending, "The next try skips every cache.".into()),
        },
        BypassStep::Stopped => (StepState::Skipped, "Stopped before it ran.".into()),
        BypassStep::Live { status: Some(status) } => (
            StepState::Done,
            format!("A request that skipped every cache got {status} too: the error is live, not a stale copy."),
        ),
        BypassStep::Live { status: None } => (
            StepState::Done,
            "A request that skipped every cache got no answer either: the error is live, not a stale copy.".into(),
        ),
        BypassStep::Fresh { status } => (
            StepState::Done,
            format!("A request that skipped every cache got {status}: the site answers; the page is being reloaded."),
        ),
    };
    StepView {
        id: "bypass-cache".into(),
        title: "Skip every cache".into(),
        state,
        detail,
    }
}

fn vantage_step(asks: Option<&[VantageAsk]>) -> StepView {
    let title = "Down for everyone?".to_string();
    let Some(asks) = asks else {
        return StepView {
            id: "check-elsewhere".into(),
            title,
            state: StepState::Skipped,
            detail: "No vantage point is configured, so this cannot tell whether the site is down for everyone. Add a Gateway Doctor checker in the options.".into(),
        };
    };
    let pending = asks.iter().filter(|a| a.outcome.is_none()).count();
    let mut down = 0;
    let mut up = 0;
    let mut notes = Vec::new();
    for ask in asks {
        let checker = site_of(&ask.checker).unwrap_or_else(|| ask.checker.clone());
        match &ask.outcome {
            Some(RemoteOutcome::Answered { error, summary, .. }) => {
                if *error {
                    down += 1;
                } else {
                    up += 1;
                }
                notes.push(format!("{checker}: {summary}"));
            }
            Some(RemoteOutcome::Failed { detail }) => {
                notes.push(format!("{checker}: could not ask ({detail})"))
            }
            None => {}
        }
    }
    let (state, headline) = if pending > 0 {
        (
            StepState::Running,
            format!("Asking {pending} of {} vantage points…", asks.len()),
        )
    } else if up > 0 {
        (
            StepState::Done,
            format!(
                "Not down for everyone: {up} of {} vantage points reach the site.",
                asks.len()
            ),
        )
    } else if down > 0 {
        (
            StepState::Done,
            format!(
                "Down for everyone: {down} of {} vantage points see the error too.",
                asks.len()
            ),
        )
    } else {
        (StepState::Failed, "No vantage point could be asked.".into())
    };
    let detail = std::iter::once(headline)
        .chain(notes)
        .collect::<Vec<_>>()
        .join(" · ");
    StepView {
        id: "check-elsewhere".into(),
        title,
        state,
        detail,
    }
}

fn native_steps(asks: Option<&[NativeAsk]>) -> Vec<StepView> {
    let Some(asks) = asks else {
        return vec![StepView {
            id: "native-probe".into(),
            title: "Checks outside the browser (native host)".into(),
            state: StepState::Skipped,
            detail: "The native host is turned off in the options.".into(),
        }];
    };
    asks.iter()
        .map(|ask| {
            let (id, title) = match ask.step {
                NativeStep::ResolverComparison => {
                    ("native-dns", "Compare DNS resolvers (native host)")
                }
                NativeStep::HopByHop => ("native-probe", "Probe hop by hop (native host)"),
            };
            let (state, detail) = match &ask.outcome {
                None => (StepState::Running, "Asking the native host…".to_string()),
                // The browser's own words ("Specified native messaging host not found.") say
                // nothing more to a visitor.
                Some(NativeOutcome::Unavailable { .. }) => (
                    StepState::Skipped,
                    "The native host is not installed: install it with the command gwdoctor install to check from outside the browser.".to_string(),
                ),
                Some(NativeOutcome::Answered { finding, .. }) => (StepState::Done, finding.clone()),
                Some(NativeOutcome::Failed { detail }) => (
                    StepState::Failed,
                    format!("The native host could not tell: {detail}"),
                ),
            };
            StepView {
                id: id.into(),
                title: title.into(),
                state,
                detail,
            }
        })
        .collect()
}

/// "45 s", "3 min", "2 h".
fn human_duration(ms: u64) -> String {
    let s = ms.div_ceil(1000);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h", s.div_ceil(3600)),
    }
}

/// Whether the checklist of `c` takes the advice's step itself.
fn done_by_checklist(c: &TabChecklist, advice: &AdviceView) -> bool {
    let retrying = c.retry == RetryStep::Active || matches!(c.retry, RetryStep::Recovered { .. });
    let bypassing = !matches!(c.bypass, BypassStep::NotApplicable | BypassStep::Stopped);
    let asking_elsewhere = c.vantage.as_ref().is_some_and(|asks| !asks.is_empty());
    match advice.step {
        Step::Retry => retrying,
        Step::BypassCache => bypassing,
        Step::CheckElsewhere => asking_elsewhere,
        _ => false,
    }
}

impl ChainView {
    /// Whoever made the request → each layer of the chain → the app, with the failed hop
    /// marked: from the members of a verdict it reads, for the page's site (as [`site_of`] gives
    /// it).
    pub fn of(
        error: bool,
        generator: Option<&Generator>,
        layers: &[Layer],
        failed_hop: Option<&FailedHop>,
        site: &str,
        vantage: Vantage,
    ) -> ChainView {
        let (label, role) = match vantage {
            Vantage::Browser => ("You", "your browser"),
            Vantage::Machine => ("You", "this machine"),
            Vantage::Checker => ("Checker", "the server that checked"),
        };
        let you = ChainNode {
            label: label.into(),
            role: role.into(),
        };
        let Some(generator) = generator else {
            // No response at all: the way from the visitor to the site failed.
            return ChainView {
                nodes: vec![
                    you,
                    ChainNode {
                        label: host_of(site).to_string(),
                        role: "the site".into(),
                    },
                ],
                broken_link: error.then_some(0),
                failed_node: None,
                page_from: None,
            };
        };
        let mut nodes = vec![you];
        let mut vendors = vec![vantage.id().to_string()];
        for layer in layers {
            if layer.role == Role::Origin {
                continue;
            }
            nodes.push(ChainNode {
                label: layer.vendor.clone(),
                role: role_label(layer.role).into(),
            });
            vendors.push(layer.vendor.clone());
        }
        let is_gateway = generator.vendor != "origin" && generator.vendor != "unknown";
        if is_gateway && !vendors.contains(&generator.vendor) {
            nodes.push(ChainNode {
                label: generator.vendor.clone(),
                role: role_label(generator.role).into(),
            });
            vendors.push(generator.vendor.clone());
        }
        nodes.push(ChainNode {
            label: "app".into(),
            role: "the site's application".into(),
        });
        let app = nodes.len() - 1;
        let position = |vendor: &str| vendors.iter().position(|v| v == vendor);
        let page_from = match generator.vendor.as_str() {
            "origin" => Some(app),
            vendor => position(vendor),
        };
        let (broken_link, failed_node) = match failed_hop {
            Some(hop) if generator.vendor == "origin" || hop.cause == Cause::AppError => {
                (None, Some(app))
            }
            Some(hop) => (position(&hop.from).filter(|&i| i < app), None),
            None => (None, None),
        };
        ChainView {
            nodes,
            broken_link,
            failed_node,
            page_from,
        }
    }

    /// The chain on one line: `You → nginx ✗ app`, the failed hop as ✗ and a node that failed
    /// itself marked with a trailing ✗.
    pub fn text(&self) -> String {
        let mut line = String::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if i > 0 {
                line.push_str(if self.broken_link == Some(i - 1) {
                    " ✗ "
                } else {
                    " → "
                });
            }
            line.push_str(&node.label);
            if self.failed_node == Some(i) {
                line.push_str(" ✗");
            }
        }
        line
    }
}
