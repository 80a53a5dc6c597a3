//! When to try again: exponential backoff with full jitter, floored by the shortest wait and by
//! the server's `Retry-After`. The randomness comes from a seeded generator kept in the state, so
//! a run replays exactly from its seed.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::config::Config;

/// SplitMix64: a tiny, fast generator with a 64-bit state, good enough for jitter and
/// cache-busting tokens (not for secrets). Its state is plain data, so it survives being saved;
/// it is saved as 16 hex digits, since JavaScript numbers cannot hold 64 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jitter {
    state: u64,
}

impl Serialize for Jitter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{:016x}", self.state))
    }
}

impl<'de> Deserialize<'de> for Jitter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        u64::from_str_radix(&hex, 16)
            .map(Jitter::new)
            .map_err(|_| D::Error::custom(format!("jitter state `{hex}` is not 16 hex digits")))
    }
}

impl Jitter {
    /// A generator seeded by the shell (from `crypto.getRandomValues` in the browser).
    pub fn new(seed: u64) -> Self {
        Jitter { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`, uniformly (the modulo bias is below 2^-40 for the ranges used).
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(bound) => self.next_u64() % bound,
            None => self.next_u64(),
        }
    }
}

/// The backoff ceiling of retry number `attempt` (0 for the first): `base * 2^attempt`, capped.
pub fn ceiling_ms(config: &Config, attempt: u32) -> u64 {
    let factor = 1u64.checked_shl(attempt.min(63)).unwrap_or(u64::MAX);
    config
        .base_delay_ms
        .saturating_mul(factor)
        .min(config.max_delay_ms)
}

/// The wait before retry number `attempt`: full jitter (uniform in `0..=ceiling`), never below the
/// shortest wait, never before the server's `Retry-After`.
pub fn delay_ms(
    config: &Config,
    attempt: u32,
    server_wait_ms: Option<u64>,
    jitter: &mut Jitter,
) -> u64 {
    let drawn = jitter.up_to(ceiling_ms(config, attempt));
    drawn
        .max(config.min_delay_ms)
        .max(server_wait_ms.unwrap_or(0))
}

/// The wait a response asks for with `Retry-After` (delta-seconds or an HTTP-date), in ms. A date
/// is taken relative to the response's `Date` header, or to `now_ms` (Unix ms) without one.
pub fn retry_after_ms(headers: &[(String, String)], now_ms: u64) -> Option<u64> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let wait = crate::retry_after::wait(header("retry-after")?, header("date"), Some(now_ms))?;
    Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
}
