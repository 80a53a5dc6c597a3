//! What the visitor chose in the options: auto-retry and its limits, vantage points, the native
//! host, sites to ignore. Checked by [`Config::validate`] before use.

use std::fmt;

use serde::{Deserialize, Serialize};

/// At most this many vantage points are asked for one page.
pub const MAX_VANTAGE_POINTS: usize = 5;
/// The most retries a visitor may allow for one page.
pub const MAX_ATTEMPTS_LIMIT: u32 = 50;
/// The longest a checklist may keep retrying, whatever the options say: 24 hours.
pub const MAX_TOTAL_LIMIT_MS: u64 = 24 * 60 * 60 * 1000;

/// The checklist options. Missing fields take their defaults, so an options object saved by an
/// older version still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Retry automatically, and reload the tab when the site answers again.
    pub auto_retry: bool,
    /// The backoff base: the n-th retry waits a random time up to `base_delay_ms * 2^n`.
    pub base_delay_ms: u64,
    /// The longest single wait between retries (the backoff cap).
    pub max_delay_ms: u64,
    /// The shortest wait between two requests to the site, whatever the jitter draws.
    pub min_delay_ms: u64,
    /// Retries for one page before giving up.
    pub max_attempts: u32,
    /// How long one page's checklist may keep retrying, from the first error.
    pub max_total_ms: u64,
    /// How long one probe (or one vantage/native question) may take before it counts as failed.
    pub probe_timeout_ms: u64,
    /// At most this many probes to one site (host and port) within `site_window_ms`, over all tabs.
    pub site_probe_limit: u32,
    /// The window of the per-site cap.
    pub site_window_ms: u64,
    /// Base URLs of Gateway Doctor checkers to ask "is it down for everyone?" (none by default:
    /// nothing leaves the browser unless the visitor adds one).
    pub vantage_points: Vec<String>,
    /// Use the native host (resolver comparison, hop-by-hop probe) when it is installed.
    pub native_host: bool,
    /// Host names the extension leaves alone (a name also covers its subdomains).
    pub ignored_sites: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auto_retry: true,
            base_delay_ms: 2_000,
            max_delay_ms: 60_000,
            min_delay_ms: 1_000,
            max_attempts: 10,
            max_total_ms: 15 * 60 * 1000,
            probe_timeout_ms: 15_000,
            site_probe_limit: 30,
            site_window_ms: 10 * 60 * 1000,
            vantage_points: Vec::new(),
            native_host: true,
            ignored_sites: Vec::new(),
        }
    }
}

/// Why an options object was refused, in words the options page can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The option at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Checks the options and normalizes lists (trimmed, lowercase host names, no duplicates).
    pub fn validate(mut self) -> Result<Config, ConfigError> {
        let err = |field, problem: String| Err(ConfigError { field, problem });
        if self.min_delay_ms < 500 {
            return err(
                "min_delay_ms",
                "must be at least 500 ms, so retries never hammer a site".into(),
            );
        }
        if self.base_delay_ms < self.min_delay_ms {
            return err(
                "base_delay_ms",
                "must not be below the shortest wait (min_delay_ms)".into(),
            );
        }
        if self.max_delay_ms < self.base_delay_ms {
            return err(
                "max_delay_ms",
                "must not be below the backoff base (base_delay_ms)".into(),
            );
        }
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&self.max_attempts) {
            return err(
                "max_attempts",
                format!("must be between 1 and {MAX_ATTEMPTS_LIMIT}"),
            );
        }
        if self.max_total_ms < self.min_delay_ms || self.max_total_ms > MAX_TOTAL_LIMIT_MS {
            return err(
                "max_total_ms",
                "must be between the shortest wait and 24 hours".into(),
            );
        }
        if !(1_000..=120_000).contains(&self.probe_timeout_ms) {
            return err(
                "probe_timeout_ms",
                "must be between 1 and 120 seconds".into(),
            );
        }
        if self.site_probe_limit == 0 || self.site_window_ms == 0 {
            return err(
                "site_probe_limit",
                "the per-site cap needs a limit and a window above zero".into(),
            );
        }
        let mut vantage = Vec::new();
        for raw in &self.vantage_points {
            let url = raw.trim().trim_end_matches('/').to_string();
            if url.is_empty() {
                continue;
            }
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let has_host = rest.is_some_and(|r| {
                !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace)
            });
            if !has_host {
                return err(
                    "vantage_points",
                    format!("`{url}` is not an http:// or https:// address of a checker"),
                );
            }
            if !vantage.contains(&url) {
                vantage.push(url);
            }
        }
        if vantage.len() > MAX_VANTAGE_POINTS {
            return err(
                "vantage_points",
                format!("at most {MAX_VANTAGE_POINTS} vantage points"),
            );
        }
        self.vantage_points = vantage;
        let mut ignored: Vec<String> = Vec::new();
        for raw in &self.ignored_sites {
            let host = raw
                .trim()
                .trim_start_matches("*.")
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if host.is_empty() {
                continue;
            }
            if host.contains(['/', ':', ' ', '?', '#']) {
                return err(
                    "ignored_sites",
                    format!("`{host}` is not a host name (write example.com, not a URL)"),
                );
            }
            if !ignored.contains(&host) {
                ignored.push(host);
            }
        }
        self.ignored_sites = ignored;
        Ok(self)
    }

    /// Whether the visitor asked to leave this host alone (the name itself or a subdomain).
    pub fn ignores(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.ignored_sites.iter().any(|ignored| {
            host == *ignored
                || host
                    .strip_suffix(ignored.as_str())
                    .is_some_and(|prefix| prefix.ends_with('.'))
        })
    }
}
