//! The vantage-point file (TOML): this checker's name and the peer checkers a check can fan out
//! to.
//!
//! ```toml
//! name = "paris-1"            # this vantage point, as shown next to its verdict
//! peer_timeout_s = 30         # how long a peer may take to answer (default 30)
//!
//! [[peers]]
//! name = "frankfurt-1"
//! url = "https://checker-fra.example/"
//! ```

use std::{path::Path, time::Duration};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use url::Url;

/// The name used when neither the file nor `--name` gives one.
pub const DEFAULT_NAME: &str = "this checker";

/// The longest a peer may be given to answer.
const MAX_PEER_TIMEOUT_S: u64 = 120;

/// This checker and its peers.
#[derive(Debug, Clone)]
pub struct VantageConfig {
    /// This vantage point's name.
    pub name: String,
    /// The peer checkers, in the file's order.
    pub peers: Vec<Peer>,
    /// How long a peer may take to answer.
    pub peer_timeout: Duration,
}

/// One peer checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its name.
    pub name: String,
    /// Its base URL; its API is `{url}api/v1/check`.
    pub url: Url,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    peer_timeout_s: Option<u64>,
    #[serde(default)]
    peers: Vec<PeerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerEntry {
    name: String,
    url: String,
}

impl Default for VantageConfig {
    fn default() -> Self {
        VantageConfig {
            name: DEFAULT_NAME.to_string(),
            peers: Vec::new(),
            peer_timeout: Duration::from_secs(30),
        }
    }
}

impl VantageConfig {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the vantage config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses and validates the file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let file: File = toml::from_str(text).context("not a valid vantage config")?;
        let mut config = VantageConfig::default();
        if let Some(name) = file.name {
            config.name = checked_name(&name)?;
        }
        if let Some(seconds) = file.peer_timeout_s {
            if !(1..=MAX_PEER_TIMEOUT_S).contains(&seconds) {
                bail!("peer_timeout_s must be between 1 and {MAX_PEER_TIMEOUT_S}");
            }
            config.peer_timeout = Duration::from_secs(seconds);
        }
        for entry in file.peers {
            let name = checked_name(&entry.name)?;
            let mut url = Url::parse(&entry.url)
                .with_context(|| format!("peer `{name}`: bad url `{}`", entry.url))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                bail!("peer `{name}`: the url must be http:// or https:// with a host");
            }
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            if config.peers.iter().any(|p: &Peer| p.name == name) {
                bail!("two peers are named `{name}`");
            }
            config.peers.push(Peer { name, url });
        }
        Ok(config)
    }
}

/// A name as shown on the page: 1 to 64 characters, no control characters.
pub fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        bail!("a vantage point name must be 1 to 64 printable characters, not `{name}`");
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_and_peers() {
        let config = VantageConfig::parse(
            "name = \"paris\"\npeer_timeout_s = 5\n[[peers]]\nname = \"fra\"\nurl = \"http://127.0.0.1:9000/checker\"\n",
        )
        .unwrap();
        assert_eq!(config.name, "paris");
        assert_eq!(config.peer_timeout, Duration::from_secs(5));
        assert_eq!(
            config.peers[0].url.as_str(),
            "http://127.0.0.1:9000/checker/"
        );
    }

    #[test]
    fn refuses_bad_files() {
        for bad in [
            "nme = \"typo\"",
            "peer_timeout_s = 0",
            "[[peers]]\nname = \"x\"\nurl = \"ftp://a/\"",
            "[[peers]]\nname = \"\"\nurl = \"http://a/\"",
            "[[peers]]\nname = \"x\"\nurl = \"http://a/\"\n[[peers]]\nname = \"x\"\nurl = \"http://b/\"",
            "name = 3",
        ] {
            assert!(VantageConfig::parse(bad).is_err(), "{bad}");
        }
        assert!(VantageConfig::parse("").unwrap().peers.is_empty());
    }
}
