//! Per-client rate limit of the check API (a token bucket per client address: IPv4 addresses
//! one by one, IPv6 by /64, since one client usually holds a whole /64).

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};

use super::{error::ApiError, listener::ClientAddr};

/// The limiter shared by every request.
pub struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl ClientLimiter {
    /// `per_minute` checks a minute per client after a burst of `burst`; `None` when
    /// `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32, burst: u32) -> Option<Arc<Self>> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Some(Arc::new(ClientLimiter {
            limiter: RateLimiter::keyed(quota),
        }))
    }

    /// `Ok` when `client` may check now, or the seconds until it may.
    pub fn admit(&self, client: IpAddr) -> Result<(), u64> {
        self.limiter
            .check_key(&client_key(client))
            .map_err(|not_until| {
                let wait: Duration = not_until.wait_time_from(DefaultClock::default().now());
                wait.as_secs() + 1
            })
    }

    /// Forgets clients whose bucket is full again (keeps memory bounded over time).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The bucket a client address counts against.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
        },
    }
}

/// Middleware: refuses with 429 (and `Retry-After`) a client over its rate.
pub async fn rate_limit(
    State(limiter): State<Arc<ClientLimiter>>,
    ConnectInfo(client): ConnectInfo<ClientAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.admit(client.0.ip()) {
        Ok(()) => next.run(request).await,
        Err(seconds) => ApiError::RateLimited(seconds).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_client() {
        let limiter = ClientLimiter::new(1, 3).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.admit(a).is_ok());
        }
        let wait = limiter.admit(a).unwrap_err();
        assert!((1..=61).contains(&wait), "{wait}");
        assert!(limiter.admit(b).is_ok());
        assert!(ClientLimiter::new(0, 3).is_none());
    }

    #[test]
    fn ipv6_clients_count_by_slash_64() {
        let limiter = ClientLimiter::new(1, 1).unwrap();
        assert!(limiter.admit("2001:db8:1:2::1".parse().unwrap()).is_ok());
        assert!(limiter
            .admit("2001:db8:1:2::ffff".parse().unwrap())
            .is_err());
        assert!(limiter.admit("2001:db8:1:3::1".parse().unwrap()).is_ok());
    }
}
