//! "Down for everyone?": the same check asked of the peer checkers of the vantage-point file,
//! side by side with this checker's own, and summed up (`gwdoctor_wire::check::VantagePoints`).
//! Peers are asked without fan-out (no loops), and their answers are cached like local checks,
//! so a crowd checking one outage costs each peer one request.

use std::{sync::Arc, time::Duration};

use futures_util::future::join_all;
use gwdoctor_wire::check::{self, Reading};
use moka::future::Cache;

use super::config::Peer;

/// Bytes of a peer's answer read at most.
const MAX_PEER_ANSWER: usize = 1 << 20;

/// The peers and their cached answers.
pub struct Vantage {
    peers: Vec<Peer>,
    client: reqwest::Client,
    answers: Cache<(usize, String), Arc<Reading>>,
}

impl Vantage {
    /// Asks `peers`, each within `timeout`; answers are reused for `ttl`.
    pub fn new(peers: Vec<Peer>, timeout: Duration, ttl: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gwdoctor-serve/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Vantage {
            peers,
            client,
            answers: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(10_000)
                .build(),
        })
    }

    /// The peers' names.
    pub fn peer_names(&self) -> Vec<&str> {
        self.peers.iter().map(|p| p.name.as_str()).collect()
    }

    /// Asks every peer about `url` at once.
    pub async fn ask_all(&self, url: &str) -> Vec<(&Peer, Arc<Reading>)> {
        let asks = self
            .peers
            .iter()
            .enumerate()
            .map(|(index, peer)| async move {
                let answer = self
                    .answers
                    .get_with((index, url.to_string()), async {
                        Arc::new(self.ask(peer, url).await)
                    })
                    .await;
                (peer, answer)
            });
        join_all(asks).await
    }

    async fn ask(&self, peer: &Peer, url: &str) -> Reading {
        let Ok(endpoint) = peer.url.join("api/v1/check") else {
            return Reading::Failed("the peer's URL cannot take the API path".into());
        };
        let response = match self
            .client
            .get(endpoint)
            .query(&[("url", url)])
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => {
                return Reading::Failed(format!("could not reach the peer: {}", error_text(&e)))
            }
        };
        let status = response.status();
        let body = match read_capped(response).await {
            Ok(body) => body,
            Err(e) => return Reading::Failed(e),
        };
        check::read_bytes(status.as_u16(), &body)
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_PEER_ANSWER => {
                body.extend_from_slice(&chunk)
            }
            Ok(Some(_)) => {
                return Err(format!("the peer's answer exceeds {MAX_PEER_ANSWER} bytes"))
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(format!("reading the peer's answer: {}", error_text(&e))),
        }
    }
}

fn error_text(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".into();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
