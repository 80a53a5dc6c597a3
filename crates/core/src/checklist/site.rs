//! Sites: the key the per-site cap counts by (host and port of a URL), and the cap itself.

use serde::{Deserialize, Serialize};

/// The site of a URL: its host and port as written (`example.com`, `127.0.0.1:8080`), lowercase.
/// `None` for URLs without an authority (`about:blank`, `data:`…).
pub fn site_of(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    (!host_port.is_empty()).then(|| host_port.to_ascii_lowercase())
}

/// The host of a site key, without port or IPv6 brackets.
pub fn host_of(site: &str) -> &str {
    if let Some(rest) = site.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    site.split(':').next().unwrap_or(site)
}

/// Whether a host is an IP address literal (no name to resolve): four decimal octets, or an
/// IPv6 address (hex digits and colons, perhaps an IPv4 tail). Checked by hand, not with
/// `IpAddr`'s parser: no host name has this shape, and the wasm build is 1.4 KB smaller.
pub fn is_ip_literal(host: &str) -> bool {
    if host.contains(':') {
        return host
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|octet| {
            (1..=3).contains(&octet.len())
                && octet.bytes().all(|b| b.is_ascii_digit())
                && octet.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// `url` with a cache-busting query parameter added before any fragment.
pub fn cache_busting(url: &str, token: u64) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut busted = format!("{base}{separator}_gwd={token:016x}");
    if let Some(fragment) = fragment {
        busted.push('#');
        busted.push_str(fragment);
    }
    busted
}

/// The per-site cap: the recent probes over all tabs, as (site, start time), oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteLimiter {
    probes: Vec<(String, u64)>,
}

impl SiteLimiter {
    /// Forgets probes older than the window.
    fn prune(&mut self, now_ms: u64, window_ms: u64) {
        self.probes
            .retain(|&(_, started)| started.saturating_add(window_ms) > now_ms);
    }

    /// `None` when a probe to `site` may start now; otherwise when the window frees a slot.
    pub fn blocked_until(
        &mut self,
        site: &str,
        now_ms: u64,
        limit: u32,
        window_ms: u64,
    ) -> Option<u64> {
        self.prune(now_ms, window_ms);
        let mut times = self.probes.iter().filter(|(s, _)| s == site);
        let (_, oldest) = times.next()?;
        if 1 + times.count() < limit as usize {
            return None;
        }
        Some(oldest.saturating_add(window_ms))
    }

    /// Records a probe to `site` started at `now_ms`.
    pub fn record(&mut self, site: &str, now_ms: u64) {
        self.probes.push((site.to_string(), now_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_are_told_from_names() {
        for literal in [
            "127.0.0.1",
            "203.0.113.5",
            "::1",
            "2001:db8::7",
            "::ffff:192.0.2.1",
        ] {
            assert!(is_ip_literal(literal), "{literal}");
        }
        for name in [
            "example.com",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "a.b.c.d",
            "",
            "face.b00c",
        ] {
            assert!(!is_ip_literal(name), "{name}");
        }
    }
}
