//! What goes into the checklist machine (events) and what comes out (actions). Both are plain data
//! with a `type` tag, so a shell can build and read them as JSON objects. Outcomes inside events
//! are externally tagged (`{"answered": {…}}`): internally tagged enums cost the wasm build a
//! buffering deserializer each, and the saved machine holds outcomes.

use serde::{Deserialize, Serialize};

use super::config::Config;
use crate::verdict::Verdict;

/// A browser tab (or any other place a page is shown), as the shell numbers them.
pub type TabId = i64;

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// A top-level page came back as an error (a response or a network failure), classified.
    PageFailed {
        /// The tab showing it.
        tab: TabId,
        /// The page's URL.
        url: String,
        /// The verdict on it.
        verdict: Box<Verdict>,
        /// The response headers (empty for a network failure), read for `Retry-After`.
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// A top-level page loaded fine: whatever ran for the tab is over.
    PageHealthy {
        /// The tab.
        tab: TabId,
        /// The page's URL.
        url: String,
    },
    /// The tab started loading a URL (the visitor navigated, or a reload began).
    Navigating {
        /// The tab.
        tab: TabId,
        /// Where it goes.
        url: String,
    },
    /// The tab was closed.
    TabClosed {
        /// The tab.
        tab: TabId,
    },
    /// The visitor pressed Stop.
    Stop {
        /// The tab.
        tab: TabId,
    },
    /// A probe asked for by [`Action::Probe`] finished.
    ProbeDone {
        /// The tab.
        tab: TabId,
        /// The probe's id from the action.
        probe: u64,
        /// What came back.
        outcome: ProbeOutcome,
    },
    /// A vantage point asked by [`Action::AskVantage`] answered (or could not be asked).
    VantageDone {
        /// The tab.
        tab: TabId,
        /// The checker's base URL, as in the action.
        checker: String,
        /// What it said.
        outcome: RemoteOutcome,
    },
    /// The native host answered a question asked by [`Action::AskNative`].
    NativeDone {
        /// The tab.
        tab: TabId,
        /// Which question.
        step: NativeStep,
        /// What it said.
        outcome: NativeOutcome,
    },
    /// Time passed (the shell's timer fired): due probes start, overdue ones time out.
    Tick,
    /// The visitor saved new options; they apply to checklists started from now on.
    Configure {
        /// The new options (already validated by [`Config::validate`]).
        config: Config,
    },
}

/// What a probe got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeOutcome {
    /// An HTTP response arrived (after following redirects).
    Answered {
        /// Its status.
        status: u16,
        /// Its headers (only `Retry-After` and `Date` are read).
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// No response: the network failed, or the shell gave up waiting.
    Failed {
        /// The shell's words for it.
        detail: String,
    },
}

/// What a remote vantage point (a Gateway Doctor checker) said about the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteOutcome {
    /// It checked the URL itself.
    Answered {
        /// Whether it saw an error too.
        error: bool,
        /// The status it got, if any.
        status: Option<u16>,
        /// Its verdict in one sentence.
        summary: String,
    },
    /// It could not be asked or gave no usable answer.
    Failed {
        /// Why.
        detail: String,
    },
}

/// A question for the native host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NativeStep {
    /// Compare the system resolver with alternate resolvers for the site's name.
    ResolverComparison,
    /// Probe the site hop by hop (DNS → TCP → TLS → HTTP) from outside the browser.
    HopByHop,
}

/// What the native host said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NativeOutcome {
    /// The host is not installed (or not allowed to talk to this extension).
    Unavailable {
        /// The browser's words.
        detail: String,
    },
    /// It answered.
    Answered {
        /// Whether what it saw is healthy: resolvers agree, or the site answered without error.
        healthy: bool,
        /// Its finding in one sentence.
        finding: String,
    },
    /// It was reached but the question failed.
    Failed {
        /// Why.
        detail: String,
    },
}

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    /// Fetch `url` once from the extension (`cache: "no-store"`, or `"reload"` when
    /// `bypass_cache`), abort it after `timeout_ms`, and report [`Event::ProbeDone`].
    Probe {
        /// The tab it is for.
        tab: TabId,
        /// Its id, to quote back.
        probe: u64,
        /// What to fetch (with a cache-busting parameter when `bypass_cache`).
        url: String,
        /// Skip every cache.
        bypass_cache: bool,
        /// When to give up.
        timeout_ms: u64,
    },
    /// Abort the probe in flight (the checklist was stopped or replaced).
    AbortProbe {
        /// The tab.
        tab: TabId,
        /// The probe.
        probe: u64,
    },
    /// Ask the checker at `checker` about `url` (`GET {checker}/api/v1/check?url=…`) and report
    /// [`Event::VantageDone`].
    AskVantage {
        /// The tab.
        tab: TabId,
        /// The checker's base URL.
        checker: String,
        /// The page to check.
        url: String,
        /// When to give up.
        timeout_ms: u64,
    },
    /// Ask the native host and report [`Event::NativeDone`].
    AskNative {
        /// The tab.
        tab: TabId,
        /// Which question.
        step: NativeStep,
        /// The page (the host name is taken from it for the resolver comparison).
        url: String,
        /// The host name, for the resolver comparison.
        host: String,
        /// When to give up.
        timeout_ms: u64,
    },
    /// Reload the tab, skipping caches: the site answers again.
    Reload {
        /// The tab.
        tab: TabId,
    },
    /// The tab's view changed (badge, panel, popup): render it again, or clear it when the
    /// machine no longer has one.
    Render {
        /// The tab.
        tab: TabId,
    },
}
