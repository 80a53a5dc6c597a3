//! Per-client rate limit of the check API (a token bucket per client address: IPv4 addresses
//! one by one, IPv6 by /64, since one client usually holds a whole /64). Behind a reverse proxy
//! the operator names (`--trusted-proxy`), the client is the address that proxy saw, from
//! `X-Forwarded-For`; everyone else's `X-Forwarded-For` is ignored, since a client can write any.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};
use gwdoctor_net::Cidr;

use super::{error::ApiError, listener::ClientAddr};

/// The limiter shared by every request.
pub struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<Cidr>,
}

impl ClientLimiter {
    /// `per_minute` checks a minute per client after a burst of `burst`, clients behind
    /// `trusted_proxies` told apart by `X-Forwarded-For`; `None` when `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<Cidr>) -> Option<Arc<Self>> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Some(Arc::new(ClientLimiter {
            limiter: RateLimiter::keyed(quota),
            trusted_proxies,
        }))
    }

    /// The client a request from `peer` with `headers` counts as.
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_of(peer, headers, &self.trusted_proxies)
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

/// The client a request from `peer` with `headers` counts as, behind `trusted` proxies.
pub(crate) fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().unwrap_or(""));
    client_behind(peer, forwarded, trusted)
}

/// The client of a request that arrived from `peer`: `peer` itself unless it is a trusted proxy;
/// then, reading the `X-Forwarded-For` values from the right (each proxy appends the address it
/// got the request from), the first address that is not a trusted proxy. An entry that is not an
/// address stops the walk at the proxy that wrote it.
fn client_behind<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[Cidr],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|network| network.contains(ip));
    let mut client = peer;
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// The bucket a client address counts against.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
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
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    request: Request,
    next: Next,
) -> Response {
    let client = limiter.client_of(peer.0.ip(), request.headers());
    match limiter.admit(client) {
        Ok(()) => next.run(request).await,
        Err(seconds) => ApiError::RateLimited(seconds).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_client() {
        let limiter = ClientLimiter::new(1, 3, Vec::new()).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.admit(a).is_ok());
        }
        let wait = limiter.admit(a).unwrap_err();
        assert!((1..=61).contains(&wait), "{wait}");
        assert!(limiter.admit(b).is_ok());
        assert!(ClientLimiter::new(0, 3, Vec::new()).is_none());
    }

    #[test]
    fn ipv6_clients_count_by_slash_64() {
        let limiter = ClientLimiter::new(1, 1, Vec::new()).unwrap();
        assert!(limiter.admit("2001:db8:1:2::1".parse().unwrap()).is_ok());
        assert!(limiter
            .admit("2001:db8:1:2::ffff".parse().unwrap())
            .is_err());
        assert!(limiter.admit("2001:db8:1:3::1".parse().unwrap()).is_ok());
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let behind =
            |peer: &str, values: &[&str]| client_behind(ip(peer), values.iter().copied(), &trusted);
        // Not from the proxy: the header is the client's own words.
        assert_eq!(behind("192.0.2.9", &["198.51.100.1"]), ip("192.0.2.9"));
        // From the proxy: the address it appended.
        assert_eq!(behind("10.0.0.2", &["198.51.100.1"]), ip("198.51.100.1"));
        // A client's forged entries sit left of what the proxy appended.
        assert_eq!(
            behind("10.0.0.2", &["203.0.113.66, 198.51.100.1"]),
            ip("198.51.100.1")
        );
        // Two trusted proxies in a row, and values split over two header lines.
        assert_eq!(
            behind("10.0.0.2", &["203.0.113.66, 198.51.100.1", "10.1.1.1"]),
            ip("198.51.100.1")
        );
        // No header, or junk where an address belongs: the proxy itself.
        assert_eq!(behind("10.0.0.2", &[]), ip("10.0.0.2"));
        assert_eq!(
            behind("10.0.0.2", &["198.51.100.1, unknown"]),
            ip("10.0.0.2")
        );
        assert_eq!(behind("10.0.0.2", &["2001:db8::1 "]), ip("2001:db8::1"));
    }
}
