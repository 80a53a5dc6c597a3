//! "Down for everyone?" from the world (`--globalping`): `fanout=1` answers gain `world`, the
//! core's world view of what Globalping's probes saw of the URL (or `world_error`).
//!
//! One measurement per URL per TTL however many visitors ask (a cache with in-flight dedup, as
//! for probes), and none at all while Globalping's rate limit is reached: after a `429` the
//! checker waits the time it was given (at least a minute) before asking again. So that no
//! client can spend the whole allowance, each client may cause only so many new measurements an
//! hour; answers already cached cost nothing.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};

use gwdoctor_core::world::WorldView;
use gwdoctor_net::globalping::{Globalping, GlobalpingError};
use gwdoctor_wire::globalping::{place_answers, FromSpec, MeasurementRequest, MAX_PLACES};
use moka::future::Cache;
use serde_json::Value;
use tokio::time::Instant;

/// Seconds Globalping's probes get to finish.
const DEADLINE: Duration = Duration::from_secs(30);
/// The pause after a `429` that named no wait.
const DEFAULT_PAUSE: Duration = Duration::from_secs(60);
/// The longest pause after a `429`.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// Globalping as this checker's world-wide vantage network.
pub struct World {
    client: Globalping,
    places: FromSpec,
    answers: Cache<String, Arc<(&'static str, Value)>>,
    paused_until: Mutex<Option<Instant>>,
    per_client: DefaultKeyedRateLimiter<IpAddr>,
}

impl World {
    /// Asks Globalping at `api` (with `token`) from `places` places worldwide, each URL's answer
    /// reused for `ttl`; each client may cause `per_client_hourly` new measurements an hour.
    pub fn new(
        api: &str,
        token: Option<String>,
        places: u32,
        ttl: Duration,
        per_client_hourly: u32,
    ) -> anyhow::Result<World> {
        let hourly = NonZeroU32::new(per_client_hourly).unwrap_or(NonZeroU32::MIN);
        Ok(World {
            client: Globalping::new(api, token)?,
            places: FromSpec {
                locations: Vec::new(),
                places: places.clamp(1, MAX_PLACES),
            },
            answers: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(10_000)
                .build(),
            paused_until: Mutex::new(None),
            per_client: RateLimiter::keyed(Quota::per_hour(hourly).allow_burst(hourly)),
        })
    }

    /// How many places each measurement asks.
    pub fn places(&self) -> u32 {
        self.places.places
    }

    /// The member to add to a fanned-out answer about `url` for `client`: `("world", view)` or
    /// `("world_error", {kind, message, retry_after_s})`.
    pub async fn ask(&self, url: &str, client: IpAddr) -> Arc<(&'static str, Value)> {
        if let Some(answer) = self.answers.get(url).await {
            return answer;
        }
        if let Err(not_until) = self.per_client.check_key(&crate::limit::client_key(client)) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Arc::new(error_member(&GlobalpingError::RateLimited {
                retry_after_s: Some(wait.as_secs() + 1),
                message: "you asked this checker for many new world-wide checks; answers it already has are still given".into(),
            }));
        }
        if let Some(wait) = self.pause_left() {
            return Arc::new(error_member(&GlobalpingError::RateLimited {
                retry_after_s: Some(wait.as_secs().max(1)),
                message: "this checker waits for Globalping's rate limit to reset".into(),
            }));
        }
        self.answers
            .get_with(url.to_string(), async { Arc::new(self.measure(url).await) })
            .await
    }

    async fn measure(&self, url: &str) -> (&'static str, Value) {
        let request = match MeasurementRequest::http(url, &self.places) {
            Ok(request) => request,
            Err(e) => {
                return error_member(&GlobalpingError::Refused {
                    status: 400,
                    message: e.to_string(),
                })
            }
        };
        match self.client.measure(&request, DEADLINE).await {
            Ok(measurement) => {
                let view = WorldView::of(&place_answers(&measurement, url), None);
                ("world", serde_json::to_value(view).unwrap_or_default())
            }
            Err(error) => {
                if let GlobalpingError::RateLimited { retry_after_s, .. } = &error {
                    let pause = retry_after_s
                        .map_or(DEFAULT_PAUSE, Duration::from_secs)
                        .clamp(DEFAULT_PAUSE, MAX_PAUSE);
                    if let Ok(mut until) = self.paused_until.lock() {
                        *until = Some(Instant::now() + pause);
                    }
                }
                error_member(&error)
            }
        }
    }

    /// Forgets clients whose allowance is whole again (keeps memory bounded over time).
    pub fn forget_idle(&self) {
        self.per_client.retain_recent();
        self.per_client.shrink_to_fit();
    }

    fn pause_left(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().ok()?)?;
        until.checked_duration_since(Instant::now())
    }
}

/// `world_error`, as `gwdoctor check --from` writes it.
fn error_member(error: &GlobalpingError) -> (&'static str, Value) {
    (
        "world_error",
        serde_json::to_value(error.answer()).unwrap_or_default(),
    )
}
