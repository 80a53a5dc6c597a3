//! "Down for everyone?": the same check asked of the peer checkers of the vantage-point file,
//! side by side with this checker's own, and summed up ("down from 3 of 3 vantage points").
//! Peers are asked without fan-out (no loops), and their answers are cached like local checks,
//! so a crowd checking one outage costs each peer one request.

use std::{sync::Arc, time::Duration};

use futures_util::future::join_all;
use moka::future::Cache;
use serde_json::{json, Map, Value};

use super::config::Peer;

/// Bytes of a peer's answer read at most.
const MAX_PEER_ANSWER: usize = 1 << 20;

/// What one vantage point said about a URL.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A verdict (the API's object).
    Verdict(Map<String, Value>),
    /// No verdict: why.
    Failed(String),
}

/// The peers and their cached answers.
pub struct Vantage {
    peers: Vec<Peer>,
    client: reqwest::Client,
    answers: Cache<(usize, String), Arc<Answer>>,
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
    pub async fn ask_all(&self, url: &str) -> Vec<(&Peer, Arc<Answer>)> {
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

    async fn ask(&self, peer: &Peer, url: &str) -> Answer {
        let Ok(endpoint) = peer.url.join("api/v1/check") else {
            return Answer::Failed("the peer's URL cannot take the API path".into());
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
                return Answer::Failed(format!("could not reach the peer: {}", error_text(&e)))
            }
        };
        let status = response.status();
        let body = match read_capped(response).await {
            Ok(body) => body,
            Err(e) => return Answer::Failed(e),
        };
        read_answer(status.as_u16(), &body)
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

/// Reads a peer's API answer: a verdict object on 2xx, the error message otherwise.
fn read_answer(status: u16, body: &[u8]) -> Answer {
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    match parsed {
        Some(object)
            if (200..300).contains(&status)
                && object.get("error").is_some_and(Value::is_boolean) =>
        {
            Answer::Verdict(object)
        }
        Some(object) => {
            let message = object
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("no verdict in the answer");
            Answer::Failed(format!("the peer answered {status}: {message}"))
        }
        None => Answer::Failed(format!("the peer answered {status} without a verdict")),
    }
}

/// The `vantage_points` member: each vantage point's result and the sum.
pub fn aggregate(results: &[(String, Option<String>, Answer)]) -> Value {
    let mut down = 0;
    let mut up = 0;
    let entries: Vec<Value> = results
        .iter()
        .map(|(name, checker, answer)| match answer {
            Answer::Verdict(verdict) => {
                let is_down = verdict.get("error").and_then(Value::as_bool) == Some(true);
                if is_down {
                    down += 1;
                } else {
                    up += 1;
                }
                json!({ "name": name, "checker": checker, "answered": true, "down": is_down, "verdict": verdict })
            }
            Answer::Failed(detail) => {
                json!({ "name": name, "checker": checker, "answered": false, "detail": detail })
            }
        })
        .collect();
    let answered = down + up;
    let unanswered = results.len() - answered;
    let points = if answered == 1 { "point" } else { "points" };
    let mut summary = match (answered, down) {
        (0, _) => "no vantage point answered".to_string(),
        (n, 0) => format!("up from {n} of {n} vantage {points}"),
        (n, d) => format!("down from {d} of {n} vantage {points}"),
    };
    if answered > 0 && unanswered > 0 {
        summary += &format!(" ({unanswered} more did not answer)");
    }
    json!({
        "summary": summary,
        "down": down,
        "up": up,
        "unanswered": unanswered,
        "everyone": answered > 0 && down == answered,
        "results": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(error: bool) -> Answer {
        let Value::Object(object) = json!({"error": error, "status": 502}) else {
            unreachable!()
        };
        Answer::Verdict(object)
    }

    #[test]
    fn sums_up_the_vantage_points() {
        let all_down = [
            ("a".to_string(), None, verdict(true)),
            (
                "b".to_string(),
                Some("http://b/".to_string()),
                verdict(true),
            ),
            (
                "c".to_string(),
                Some("http://c/".to_string()),
                verdict(true),
            ),
        ];
        let sum = aggregate(&all_down);
        assert_eq!(sum["summary"], "down from 3 of 3 vantage points");
        assert_eq!(sum["everyone"], true);
        let mixed = [
            ("a".to_string(), None, verdict(false)),
            ("b".to_string(), None, verdict(true)),
            (
                "c".to_string(),
                None,
                Answer::Failed("no answer in time".into()),
            ),
        ];
        let sum = aggregate(&mixed);
        assert_eq!(
            sum["summary"],
            "down from 1 of 2 vantage points (1 more did not answer)"
        );
        assert_eq!(sum["everyone"], false);
        assert_eq!(sum["results"][2]["answered"], false);
        let up = [("a".to_string(), None, verdict(false))];
        assert_eq!(aggregate(&up)["summary"], "up from 1 of 1 vantage point");
    }

    #[test]
    fn reads_peer_answers() {
        assert!(matches!(
            read_answer(200, br#"{"error": true}"#),
            Answer::Verdict(_)
        ));
        assert_eq!(
            read_answer(
                403,
                br#"{"error": {"code": "forbidden-target", "message": "private"}}"#
            ),
            Answer::Failed("the peer answered 403: private".into())
        );
        assert!(matches!(read_answer(200, b"<html>"), Answer::Failed(_)));
        assert!(matches!(
            read_answer(200, br#"{"status": 1}"#),
            Answer::Failed(_)
        ));
    }
}
