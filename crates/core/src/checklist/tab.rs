//! One tab's checklist: its steps, the probe schedule, and how each event moves them.

use serde::{Deserialize, Serialize};

use super::backoff::{delay_ms, retry_after_ms, Jitter};
use super::config::Config;
use super::event::{Action, NativeOutcome, NativeStep, ProbeOutcome, RemoteOutcome, TabId};
use super::site::{cache_busting, host_of, is_ip_literal, site_of, SiteLimiter};
use crate::classify::is_error_status;
use crate::verdict::Verdict;

/// What the machine shares with every tab while it handles one event.
pub(super) struct Ctx<'a> {
    pub config: &'a Config,
    pub jitter: &'a mut Jitter,
    pub sites: &'a mut SiteLimiter,
    pub next_probe_id: &'a mut u64,
    pub actions: &'a mut Vec<Action>,
}

/// The retry step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryStep {
    /// Retrying on the backoff schedule.
    Active,
    /// The visitor turned auto-retry off in the options.
    Disabled,
    /// The verdict says a retry will not help (e.g. a TLS or header-size failure).
    NotAdvised,
    /// A probe got a good answer; the tab was reloaded.
    Recovered {
        /// When.
        at_ms: u64,
    },
    /// The limits were reached.
    GaveUp {
        /// Which one.
        reason: GiveUp,
    },
    /// The visitor pressed Stop.
    Stopped,
}

/// Which limit ended the retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GiveUp {
    /// The number of retries.
    Attempts,
    /// The total time.
    TotalTime,
    /// The server's `Retry-After` lies beyond the total time.
    ServerAsksLater {
        /// How long it asked to wait.
        wait_ms: u64,
    },
    /// The per-site cap would not free a slot before the total time ran out.
    SiteCap,
}

/// The cache-bypass check: a request that skips every cache, to tell a stale copy from a live error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BypassStep {
    /// No page arrived (network failure), so no cache is involved.
    NotApplicable,
    /// Not done yet.
    Pending,
    /// Stopped by the visitor before it ran.
    Stopped,
    /// The cache-skipping request failed too: the error is live.
    Live {
        /// Its status, when it got a response.
        status: Option<u16>,
    },
    /// The cache-skipping request got a good answer.
    Fresh {
        /// Its status.
        status: u16,
    },
}

/// One vantage point asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VantageAsk {
    /// The checker's base URL.
    pub checker: String,
    /// When it was asked.
    pub asked_at_ms: u64,
    /// Its answer, once there.
    pub outcome: Option<RemoteOutcome>,
}

/// One question to the native host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeAsk {
    /// Which question.
    pub step: NativeStep,
    /// When it was asked.
    pub asked_at_ms: u64,
    /// The answer, once there.
    pub outcome: Option<NativeOutcome>,
}

/// One probe sent to the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// When it was sent.
    pub sent_at_ms: u64,
    /// Whether it skipped every cache.
    pub bypass_cache: bool,
    /// When it finished.
    pub done_at_ms: Option<u64>,
    /// The status it got; `None` with `done_at_ms` set means no response.
    pub status: Option<u16>,
    /// Why it got no response.
    pub failure: Option<String>,
}

/// Where the probe schedule stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeState {
    /// Nothing scheduled.
    Idle,
    /// The next probe is due at `at_ms`.
    Due {
        /// When.
        at_ms: u64,
        /// Whether it is the cache-bypass check.
        bypass_cache: bool,
    },
    /// One probe is in flight (never more than one per tab).
    InFlight {
        /// Its id.
        probe: u64,
        /// Whether it is the cache-bypass check.
        bypass_cache: bool,
        /// When it counts as failed.
        deadline_ms: u64,
    },
}

/// The checklist of one tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabChecklist {
    /// The tab.
    pub tab: TabId,
    /// The failing page's URL.
    pub url: String,
    /// Its site (host and port).
    pub site: String,
    /// The verdict on it.
    pub verdict: Verdict,
    /// When the checklist started.
    pub started_at_ms: u64,
    /// When retrying stops, whatever happens.
    pub deadline_ms: u64,
    /// The retry step.
    pub retry: RetryStep,
    /// The cache-bypass check.
    pub bypass: BypassStep,
    /// The vantage points asked; `None` when none is configured.
    pub vantage: Option<Vec<VantageAsk>>,
    /// The native host's questions; `None` when the visitor turned the native host off.
    pub native: Option<Vec<NativeAsk>>,
    /// The probe schedule.
    pub probe: ProbeState,
    /// Every probe sent, in order.
    pub attempts: Vec<Attempt>,
    /// The wait the last response asked for with `Retry-After`.
    pub server_wait_ms: Option<u64>,
    /// Set when the machine reloaded the tab after a good answer.
    pub reloading_since_ms: Option<u64>,
}

impl TabChecklist {
    /// A new checklist for a failed page. `previous` is the checklist this failure continues (its
    /// reload failed again, or the same page was classified again with more evidence): its
    /// attempts, deadline and one-shot steps carry over, so neither a flapping site nor a second
    /// look restarts the schedule or asks the vantage points twice.
    pub(super) fn start(
        tab: TabId,
        url: String,
        verdict: Verdict,
        headers: &[(String, String)],
        previous: Option<TabChecklist>,
        now_ms: u64,
        ctx: &mut Ctx<'_>,
    ) -> TabChecklist {
        let config = ctx.config;
        let site = site_of(&url).unwrap_or_default();
        let retry = if !config.auto_retry {
            RetryStep::Disabled
        } else if !verdict.retry.advised {
            RetryStep::NotAdvised
        } else {
            RetryStep::Active
        };
        let network_failure = verdict.status.is_none();
        let mut checklist = TabChecklist {
            tab,
            url,
            site,
            verdict,
            started_at_ms: now_ms,
            deadline_ms: now_ms.saturating_add(config.max_total_ms),
            retry,
            bypass: if network_failure {
                BypassStep::NotApplicable
            } else {
                BypassStep::Pending
            },
            vantage: None,
            native: None,
            probe: ProbeState::Idle,
            attempts: Vec::new(),
            server_wait_ms: retry_after_ms(headers, now_ms),
            reloading_since_ms: None,
        };
        match previous {
            Some(previous) => {
                checklist.started_at_ms = previous.started_at_ms;
                checklist.deadline_ms = previous.deadline_ms;
                checklist.attempts = previous.attempts;
                checklist.vantage = previous.vantage;
                checklist.native = previous.native;
                if previous.bypass != BypassStep::Pending {
                    checklist.bypass = previous.bypass;
                }
                if previous.retry == RetryStep::Stopped {
                    checklist.retry = RetryStep::Stopped;
                }
            }
            None => {
                checklist.ask_vantage_points(now_ms, ctx);
                checklist.ask_native_host(now_ms, ctx);
            }
        }
        checklist.schedule_next(now_ms, ctx.config, ctx.jitter);
        ctx.actions.push(Action::Render { tab });
        checklist
    }

    fn ask_vantage_points(&mut self, now_ms: u64, ctx: &mut Ctx<'_>) {
        if ctx.config.vantage_points.is_empty() {
            return;
        }
        let mut asks = Vec::new();
        for checker in &ctx.config.vantage_points {
            ctx.actions.push(Action::AskVantage {
                tab: self.tab,
                checker: checker.clone(),
                url: self.url.clone(),
                timeout_ms: ctx.config.probe_timeout_ms,
            });
            asks.push(VantageAsk {
                checker: checker.clone(),
                asked_at_ms: now_ms,
                outcome: None,
            });
        }
        self.vantage = Some(asks);
    }

    fn ask_native_host(&mut self, now_ms: u64, ctx: &mut Ctx<'_>) {
        if !ctx.config.native_host {
            return;
        }
        let host = host_of(&self.site).to_string();
        let mut steps = vec![NativeStep::HopByHop];
        if !host.is_empty() && !is_ip_literal(&host) {
            steps.insert(0, NativeStep::ResolverComparison);
        }
        let mut asks = Vec::new();
        for step in steps {
            ctx.actions.push(Action::AskNative {
                tab: self.tab,
                step,
                url: self.url.clone(),
                host: host.clone(),
                timeout_ms: ctx.config.probe_timeout_ms,
            });
            asks.push(NativeAsk {
                step,
                asked_at_ms: now_ms,
                outcome: None,
            });
        }
        self.native = Some(asks);
    }

    /// Plans the next probe after a failure (or at the start): a retry on the backoff schedule,
    /// or the lone cache-bypass check when retrying is off.
    fn schedule_next(&mut self, now_ms: u64, config: &Config, jitter: &mut Jitter) {
        let bypass_pending = self.bypass == BypassStep::Pending;
        if self.retry != RetryStep::Active {
            self.probe = if bypass_pending {
                let wait = config.min_delay_ms.max(self.server_wait_ms.unwrap_or(0));
                ProbeState::Due {
                    at_ms: now_ms.saturating_add(wait),
                    bypass_cache: true,
                }
            } else {
                ProbeState::Idle
            };
            return;
        }
        let made = u32::try_from(self.attempts.len()).unwrap_or(u32::MAX);
        if made >= config.max_attempts {
            self.give_up(GiveUp::Attempts);
            return;
        }
        let at_ms = now_ms.saturating_add(delay_ms(config, made, self.server_wait_ms, jitter));
        if at_ms > self.deadline_ms {
            let reason = match self.server_wait_ms {
                Some(wait_ms) if now_ms.saturating_add(wait_ms) > self.deadline_ms => {
                    GiveUp::ServerAsksLater { wait_ms }
                }
                _ => GiveUp::TotalTime,
            };
            self.give_up(reason);
            return;
        }
        self.probe = ProbeState::Due {
            at_ms,
            bypass_cache: bypass_pending,
        };
    }

    fn give_up(&mut self, reason: GiveUp) {
        self.retry = RetryStep::GaveUp { reason };
        self.probe = ProbeState::Idle;
    }

    /// Time passed: starts a due probe (within the per-site cap), times out overdue questions.
    pub(super) fn tick(&mut self, now_ms: u64, ctx: &mut Ctx<'_>) {
        let mut changed = false;
        match self.probe {
            ProbeState::Due {
                at_ms,
                bypass_cache,
            } if at_ms <= now_ms => {
                self.start_probe(bypass_cache, now_ms, ctx);
                changed = true;
            }
            ProbeState::InFlight {
                probe, deadline_ms, ..
            } if deadline_ms <= now_ms => {
                ctx.actions.push(Action::AbortProbe {
                    tab: self.tab,
                    probe,
                });
                let detail = format!("no answer within {} s", ctx.config.probe_timeout_ms / 1000);
                self.probe_done(probe, ProbeOutcome::Failed { detail }, now_ms, ctx);
            }
            _ => {}
        }
        let timeout = ctx.config.probe_timeout_ms;
        let overdue = |asked_at_ms: u64| asked_at_ms.saturating_add(timeout) <= now_ms;
        let no_answer = || format!("no answer within {} s", timeout / 1000);
        for ask in self.vantage.iter_mut().flatten() {
            if ask.outcome.is_none() && overdue(ask.asked_at_ms) {
                ask.outcome = Some(RemoteOutcome::Failed {
                    detail: no_answer(),
                });
                changed = true;
            }
        }
        for ask in self.native.iter_mut().flatten() {
            if ask.outcome.is_none() && overdue(ask.asked_at_ms) {
                ask.outcome = Some(NativeOutcome::Failed {
                    detail: no_answer(),
                });
                changed = true;
            }
        }
        if changed {
            ctx.actions.push(Action::Render { tab: self.tab });
        }
    }

    fn start_probe(&mut self, bypass_cache: bool, now_ms: u64, ctx: &mut Ctx<'_>) {
        let config = ctx.config;
        if let Some(free_at) = ctx.sites.blocked_until(
            &self.site,
            now_ms,
            config.site_probe_limit,
            config.site_window_ms,
        ) {
            if free_at > self.deadline_ms {
                if bypass_cache {
                    self.bypass = BypassStep::Stopped;
                }
                if self.retry == RetryStep::Active {
                    self.give_up(GiveUp::SiteCap);
                } else {
                    self.probe = ProbeState::Idle;
                }
            } else {
                self.probe = ProbeState::Due {
                    at_ms: free_at,
                    bypass_cache,
                };
            }
            return;
        }
        *ctx.next_probe_id += 1;
        let probe = *ctx.next_probe_id;
        let url = if bypass_cache {
            cache_busting(&self.url, ctx.jitter.next_u64())
        } else {
            self.url.clone()
        };
        ctx.sites.record(&self.site, now_ms);
        self.attempts.push(Attempt {
            sent_at_ms: now_ms,
            bypass_cache,
            done_at_ms: None,
            status: None,
            failure: None,
        });
        self.probe = ProbeState::InFlight {
            probe,
            bypass_cache,
            deadline_ms: now_ms.saturating_add(config.probe_timeout_ms),
        };
        ctx.actions.push(Action::Probe {
            tab: self.tab,
            probe,
            url,
            bypass_cache,
            timeout_ms: config.probe_timeout_ms,
        });
    }

    /// A probe finished. A good answer reloads the tab; a bad one schedules the next retry.
    pub(super) fn probe_done(
        &mut self,
        probe: u64,
        outcome: ProbeOutcome,
        now_ms: u64,
        ctx: &mut Ctx<'_>,
    ) {
        let ProbeState::InFlight {
            probe: in_flight,
            bypass_cache,
            ..
        } = self.probe
        else {
            return;
        };
        if in_flight != probe {
            return;
        }
        let (status, headers, failure) = match outcome {
            ProbeOutcome::Answered { status, headers } => (Some(status), headers, None),
            ProbeOutcome::Failed { detail } => (None, Vec::new(), Some(detail)),
        };
        if let Some(attempt) = self.attempts.last_mut() {
            attempt.done_at_ms = Some(now_ms);
            attempt.status = status;
            attempt.failure = failure;
        }
        let healthy = status.filter(|&s| !is_error_status(s));
        if bypass_cache {
            self.bypass = match healthy {
                Some(status) => BypassStep::Fresh { status },
                None => BypassStep::Live { status },
            };
        }
        self.probe = ProbeState::Idle;
        if healthy.is_some() {
            if self.retry == RetryStep::Active {
                self.retry = RetryStep::Recovered { at_ms: now_ms };
            }
            self.reloading_since_ms = Some(now_ms);
            ctx.actions.push(Action::Reload { tab: self.tab });
        } else {
            self.server_wait_ms = retry_after_ms(&headers, now_ms);
            self.schedule_next(now_ms, ctx.config, ctx.jitter);
        }
        ctx.actions.push(Action::Render { tab: self.tab });
    }

    /// The visitor pressed Stop: no more probes; vantage and native answers still arrive.
    pub(super) fn stop(&mut self, ctx: &mut Ctx<'_>) {
        self.abort_probe(ctx);
        if self.retry == RetryStep::Active {
            self.retry = RetryStep::Stopped;
        }
        if self.bypass == BypassStep::Pending {
            self.bypass = BypassStep::Stopped;
        }
        ctx.actions.push(Action::Render { tab: self.tab });
    }

    /// Aborts the probe in flight, if any, and unschedules the next one.
    pub(super) fn abort_probe(&mut self, ctx: &mut Ctx<'_>) {
        if let ProbeState::InFlight { probe, .. } = self.probe {
            ctx.actions.push(Action::AbortProbe {
                tab: self.tab,
                probe,
            });
        }
        self.probe = ProbeState::Idle;
    }

    /// Records a vantage point's answer.
    pub(super) fn vantage_done(&mut self, checker: &str, outcome: RemoteOutcome) -> bool {
        let ask = self
            .vantage
            .iter_mut()
            .flatten()
            .find(|a| a.checker == checker && a.outcome.is_none());
        ask.map(|a| a.outcome = Some(outcome)).is_some()
    }

    /// Records the native host's answer.
    pub(super) fn native_done(&mut self, step: NativeStep, outcome: NativeOutcome) -> bool {
        let ask = self
            .native
            .iter_mut()
            .flatten()
            .find(|a| a.step == step && a.outcome.is_none());
        ask.map(|a| a.outcome = Some(outcome)).is_some()
    }

    /// The earliest time this checklist needs the shell to wake it.
    pub(super) fn next_wake_ms(&self, config: &Config) -> Option<u64> {
        let probe = match self.probe {
            ProbeState::Idle => None,
            ProbeState::Due { at_ms, .. } => Some(at_ms),
            ProbeState::InFlight { deadline_ms, .. } => Some(deadline_ms),
        };
        let pending_vantage = self
            .vantage
            .iter()
            .flatten()
            .filter(|a| a.outcome.is_none())
            .map(|a| a.asked_at_ms);
        let pending_native = self
            .native
            .iter()
            .flatten()
            .filter(|a| a.outcome.is_none())
            .map(|a| a.asked_at_ms);
        let questions = pending_vantage
            .chain(pending_native)
            .map(|asked| asked.saturating_add(config.probe_timeout_ms));
        probe.into_iter().chain(questions).min()
    }
}
