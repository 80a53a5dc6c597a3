//! The short result cache in front of the checker: one probe per URL per time-to-live, however
//! many visitors ask (concurrent askers of the same URL wait for the one probe under way), and
//! a bounded number of probes at once (further checks queue for a while, then get `busy`).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gwdoctor_net::Target;
use moka::future::Cache;
use tokio::{sync::Semaphore, time::timeout};

use super::{
    checker::{Checker, Outcome},
    error::ApiError,
};

/// A cached outcome and when it was made.
#[derive(Debug)]
pub struct Cached {
    /// The outcome.
    pub outcome: Outcome,
    /// When the probe ended.
    pub at: Instant,
    /// Its size for the cache's budget (bytes of JSON).
    weight: u32,
}

/// Limits of the cached checker.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// How long an outcome is reused.
    pub ttl: Duration,
    /// Probes at once.
    pub max_probes: usize,
    /// How long a check waits for a probe slot.
    pub queue_wait: Duration,
    /// How long one check (redirects included) may take.
    pub deadline: Duration,
    /// Bytes of outcomes kept at most (the JSON's size).
    pub max_bytes: u64,
}

/// The checker behind its cache.
pub struct CachedChecker {
    checker: Checker,
    cache: Cache<String, Arc<Cached>>,
    slots: Semaphore,
    limits: CacheLimits,
}

impl CachedChecker {
    /// A cache of `checker`'s outcomes.
    pub fn new(checker: Checker, limits: CacheLimits) -> Self {
        let cache = Cache::builder()
            .time_to_live(limits.ttl)
            .max_capacity(limits.max_bytes)
            .weigher(|url: &String, cached: &Arc<Cached>| {
                cached
                    .weight
                    .saturating_add(u32::try_from(url.len()).unwrap_or(u32::MAX))
            })
            .build();
        CachedChecker {
            checker,
            cache,
            slots: Semaphore::new(limits.max_probes.max(1)),
            limits,
        }
    }

    /// This vantage point's name.
    pub fn vantage(&self) -> &str {
        &self.checker.vantage
    }

    /// How long outcomes are reused.
    pub fn ttl(&self) -> Duration {
        self.limits.ttl
    }

    /// The outcome for `target`, from the cache or from a new probe; `fresh` is true when this
    /// call ran the probe.
    pub async fn check(&self, target: Target) -> Result<(Arc<Cached>, bool), ApiError> {
        let key = target.url.to_string();
        let entry = self
            .cache
            .entry(key)
            .or_try_insert_with(self.probe(target))
            .await
            .map_err(|e| (*e).clone())?;
        let fresh = entry.is_fresh();
        Ok((entry.into_value(), fresh))
    }

    async fn probe(&self, target: Target) -> Result<Arc<Cached>, ApiError> {
        let _slot = match timeout(self.limits.queue_wait, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(ApiError::Busy),
        };
        let outcome = timeout(self.limits.deadline, self.checker.check(target))
            .await
            .map_err(|_| ApiError::Deadline(self.limits.deadline.as_secs()))?;
        let size = match &outcome {
            Outcome::Checked(json) => json.len(),
            Outcome::Refused(message) => message.len(),
        };
        Ok(Arc::new(Cached {
            outcome,
            at: Instant::now(),
            weight: u32::try_from(size).unwrap_or(u32::MAX),
        }))
    }
}
