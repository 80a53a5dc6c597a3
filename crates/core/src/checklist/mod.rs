//! The visitor checklist: what the browser extension does for a tab whose page came back as a
//! gateway error, as a deterministic state machine.
//!
//! Events go in ([`Event`]: a page failed, a probe finished, a vantage point answered, time passed,
//! the visitor pressed Stop or navigated away) with the shell's clock as Unix milliseconds; actions
//! come out ([`Action`]: probe the site, ask a vantage point or the native host, reload the tab,
//! render the view). The machine does no I/O and reads no clock; the jitter comes from a generator
//! seeded by the shell and kept in the state, and the whole state serializes, so a browser can
//! save it when its service worker is stopped and resume.
//!
//! The steps, per tab:
//! - **retry**: exponential backoff with full jitter (the n-th wait is uniform in
//!   `0..=min(max, base * 2^n)`, at least the shortest wait), never before the server's
//!   `Retry-After`, bounded in attempts and total time, stopped by the visitor or by navigation;
//!   a good answer reloads the tab. One probe in flight per tab, and a per-site cap over all tabs.
//! - **cache bypass**: the first probe skips every cache (and carries a cache-busting parameter),
//!   telling a stale cached error from a live one.
//! - **down for everyone?**: the configured vantage points (Gateway Doctor checkers) are asked
//!   once; with none configured, the step says so instead of guessing.
//! - **native host**: the resolver comparison and the hop-by-hop probe, when enabled.
//!
//! ```
//! use gwdoctor_core::checklist::{Action, Config, Doctor, Event, ProbeOutcome};
//! use gwdoctor_core::{classify, parse_response};
//!
//! let page = parse_response(b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n").unwrap();
//! let mut doctor = Doctor::new(Config::default(), 7);
//! let url = "http://127.0.0.1:8080/".to_string();
//! let verdict = classify(&page);
//! doctor.handle(Event::PageFailed { tab: 1, url, verdict: Box::new(verdict), headers: vec![] }, 0);
//! let wake = doctor.next_wake_ms().unwrap();
//! let actions = doctor.handle(Event::Tick, wake);
//! let Some(Action::Probe { probe, .. }) = actions.first() else { panic!() };
//! let ok = ProbeOutcome::Answered { status: 200, headers: vec![] };
//! let actions = doctor.handle(Event::ProbeDone { tab: 1, probe: *probe, outcome: ok }, wake + 5);
//! assert!(actions.contains(&Action::Reload { tab: 1 }));
//! ```

mod backoff;
mod config;
mod event;
mod site;
mod tab;
mod verdict_view;
mod view;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use backoff::{ceiling_ms, delay_ms, retry_after_ms, Jitter};
pub use config::{Config, ConfigError, MAX_ATTEMPTS_LIMIT, MAX_TOTAL_LIMIT_MS, MAX_VANTAGE_POINTS};
pub use event::{Action, Event, NativeOutcome, NativeStep, ProbeOutcome, RemoteOutcome, TabId};
pub use site::{cache_busting, host_of, site_of};
use tab::TabChecklist;
pub use verdict_view::{checker_problem, AdviceView, VerdictView};
pub use view::{Badge, ChainNode, ChainView, StepState, StepView, TabView, Whose};

use site::SiteLimiter;
use tab::Ctx;

/// The checklist machine for every tab of a browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doctor {
    config: Config,
    jitter: Jitter,
    sites: SiteLimiter,
    next_probe_id: u64,
    tabs: Tabs,
}

/// The checklists, one per tab, in the order they started. A list rather than a map: a browser
/// has a handful of failing tabs at most, and it saves as the plain list it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
struct Tabs(Vec<TabChecklist>);

impl Tabs {
    fn get(&self, tab: TabId) -> Option<&TabChecklist> {
        self.0.iter().find(|c| c.tab == tab)
    }

    fn get_mut(&mut self, tab: TabId) -> Option<&mut TabChecklist> {
        self.0.iter_mut().find(|c| c.tab == tab)
    }

    fn remove(&mut self, tab: TabId) -> Option<TabChecklist> {
        let index = self.0.iter().position(|c| c.tab == tab)?;
        Some(self.0.remove(index))
    }

    /// Adds a checklist; the tab must have none (see [`Tabs::remove`]).
    fn insert(&mut self, checklist: TabChecklist) {
        debug_assert!(self.get(checklist.tab).is_none());
        self.0.push(checklist);
    }
}

impl Doctor {
    /// A machine with the given options; `seed` seeds the jitter (take it from a good source of
    /// randomness so that browsers do not retry in step).
    pub fn new(config: Config, seed: u64) -> Self {
        Doctor {
            config,
            jitter: Jitter::new(seed),
            sites: SiteLimiter::default(),
            next_probe_id: 0,
            tabs: Tabs::default(),
        }
    }

    /// The options in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The checklist of a tab, if one runs (or ran and still shows).
    #[cfg(test)]
    pub(crate) fn tab(&self, tab: TabId) -> Option<&TabChecklist> {
        self.tabs.get(tab)
    }

    /// The tabs that have a checklist.
    pub fn tab_ids(&self) -> impl Iterator<Item = TabId> + '_ {
        self.tabs.0.iter().map(|c| c.tab)
    }

    /// Handles one event at `now_ms` (Unix milliseconds) and returns what the shell must do.
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Vec<Action> {
        if let Event::Configure { config } = event {
            self.config = config;
            return Vec::new();
        }
        let mut actions = Vec::new();
        let Doctor {
            config,
            jitter,
            sites,
            next_probe_id,
            tabs,
        } = self;
        let mut ctx = Ctx {
            config,
            jitter,
            sites,
            next_probe_id,
            actions: &mut actions,
        };
        match event {
            Event::PageFailed {
                tab,
                url,
                verdict,
                headers,
            } => {
                let mut previous = tabs.remove(tab);
                if let Some(previous) = previous.as_mut() {
                    previous.abort_probe(&mut ctx);
                }
                let site = site_of(&url).unwrap_or_default();
                if !verdict.error || ctx.config.ignores(host_of(&site)) {
                    ctx.actions.push(Action::Render { tab });
                } else {
                    // Without a navigation in between (which ends a checklist), a new failure of
                    // the tab is our reload failing again, or a better look at the same page (its
                    // markup arrived after a verdict from the headers alone): it continues.
                    let carried = previous.filter(|p| {
                        p.site == site && (p.reloading_since_ms.is_some() || p.url == url)
                    });
                    let checklist = TabChecklist::start(
                        tab, url, *verdict, &headers, carried, now_ms, &mut ctx,
                    );
                    tabs.insert(checklist);
                }
            }
            Event::PageHealthy { tab, .. } | Event::TabClosed { tab } => {
                if let Some(mut checklist) = tabs.remove(tab) {
                    checklist.abort_probe(&mut ctx);
                    ctx.actions.push(Action::Render { tab });
                }
            }
            Event::Navigating { tab, url } => {
                let our_reload = tabs
                    .get(tab)
                    .is_some_and(|c| c.reloading_since_ms.is_some() && c.url == url);
                if !our_reload {
                    if let Some(mut checklist) = tabs.remove(tab) {
                        checklist.abort_probe(&mut ctx);
                        ctx.actions.push(Action::Render { tab });
                    }
                }
            }
            Event::Stop { tab } => {
                if let Some(checklist) = tabs.get_mut(tab) {
                    checklist.stop(&mut ctx);
                }
            }
            Event::ProbeDone {
                tab,
                probe,
                outcome,
            } => {
                if let Some(checklist) = tabs.get_mut(tab) {
                    checklist.probe_done(probe, outcome, now_ms, &mut ctx);
                }
            }
            Event::VantageDone {
                tab,
                checker,
                outcome,
            } => {
                if tabs
                    .get_mut(tab)
                    .is_some_and(|c| c.vantage_done(&checker, outcome))
                {
                    ctx.actions.push(Action::Render { tab });
                }
            }
            Event::NativeDone { tab, step, outcome } => {
                if tabs
                    .get_mut(tab)
                    .is_some_and(|c| c.native_done(step, outcome))
                {
                    ctx.actions.push(Action::Render { tab });
                }
            }
            Event::Tick => {
                for checklist in &mut tabs.0 {
                    checklist.tick(now_ms, &mut ctx);
                }
            }
            Event::Configure { .. } => {}
        }
        actions
    }

    /// When the shell must send the next [`Event::Tick`]: the earliest due probe or timeout.
    pub fn next_wake_ms(&self) -> Option<u64> {
        self.tabs
            .0
            .iter()
            .filter_map(|c| c.next_wake_ms(&self.config))
            .min()
    }

    /// What to show for a tab at `now_ms`; `None` when nothing is wrong with it.
    pub fn view(&self, tab: TabId, now_ms: u64) -> Option<TabView> {
        self.tabs
            .get(tab)
            .map(|c| TabView::of(c, &self.config, now_ms))
    }
}
