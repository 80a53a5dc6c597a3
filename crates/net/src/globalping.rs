//! Asking Globalping's probes (api.globalping.io, or a stand-in at another base URL): create a
//! measurement, poll it until it is final, and report its rate limit plainly. What is sent and
//! read is `gwdoctor_wire::globalping`; what the answers mean is the core's world view.
//!
//! Polite by construction: one measurement per call, polls at most every
//! [`POLL_INTERVAL`] and never past the caller's deadline, no retry after `429` (the caller is
//! told when it may ask again), bodies read up to [`MAX_ANSWER_BYTES`].

use std::time::Duration;

use gwdoctor_wire::globalping::{ApiError, Created, Measurement, MeasurementRequest, WorldError};

/// Globalping's public API.
pub const PUBLIC_API: &str = "https://api.globalping.io";
/// Pause between two polls of a measurement.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Bytes of one API answer read at most (50 probes × 10 kB bodies fit easily).
pub const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Why no measurement came back.
#[derive(Debug, thiserror::Error)]
pub enum GlobalpingError {
    /// `429`: the hourly allowance is used up.
    #[error("Globalping's rate limit is reached{}: {message}", retry_after_s.map_or(String::new(), |s| format!(" (ask again in {s} s)")))]
    RateLimited {
        /// Seconds until the limit resets, from `Retry-After` or `X-RateLimit-Reset`.
        retry_after_s: Option<u64>,
        /// The API's words.
        message: String,
    },
    /// The API refused the request (no probes in those locations, a target it does not
    /// accept, a bad token).
    #[error("Globalping refused the measurement ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The API's words.
        message: String,
    },
    /// The measurement was not final by the deadline.
    #[error("Globalping's probes did not finish within {0} s")]
    Deadline(u64),
    /// The API could not be reached or answered with something unreadable.
    #[error("Globalping could not be asked: {0}")]
    Unreachable(String),
}

impl GlobalpingError {
    /// The error as the `world_error` member of an answer.
    pub fn answer(&self) -> WorldError {
        let (kind, retry_after_s) = match self {
            GlobalpingError::RateLimited { retry_after_s, .. } => ("rate-limited", *retry_after_s),
            GlobalpingError::Refused { .. } => ("refused", None),
            GlobalpingError::Deadline(_) => ("deadline", None),
            GlobalpingError::Unreachable(_) => ("unreachable", None),
        };
        WorldError {
            kind: kind.to_string(),
            message: self.to_string(),
            retry_after_s,
        }
    }
}

/// A Globalping client.
pub struct Globalping {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Globalping {
    /// The token in `path`: its first line, trimmed (a token is never taken from the command
    /// line, where other users of the machine could read it).
    pub fn token_from_file(path: &std::path::Path) -> std::io::Result<String> {
        let text = std::fs::read_to_string(path)?;
        Ok(text.lines().next().unwrap_or_default().trim().to_string())
    }

    /// A client of the API at `base` (e.g. [`PUBLIC_API`]), with an API token when given
    /// (higher limits; sent as `Authorization: Bearer …`).
    pub fn new(base: &str, token: Option<String>) -> Result<Globalping, GlobalpingError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gwdoctor/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GlobalpingError::Unreachable(e.to_string()))?;
        Ok(Globalping {
            base: base.trim_end_matches('/').to_string(),
            token: token.filter(|t| !t.trim().is_empty()),
            client,
        })
    }

    /// Runs one measurement and returns it once final; gives up at `deadline` from now.
    pub async fn measure(
        &self,
        request: &MeasurementRequest,
        deadline: Duration,
    ) -> Result<Measurement, GlobalpingError> {
        let started = tokio::time::Instant::now();
        let body =
            serde_json::to_vec(request).map_err(|e| GlobalpingError::Unreachable(e.to_string()))?;
        let post = self
            .with_token(self.client.post(format!("{}/v1/measurements", self.base)))
            .header("content-type", "application/json")
            .body(body);
        let created: Created = self.answer(post).await?;
        if created.id.is_empty() {
            return Err(GlobalpingError::Unreachable(
                "the answer named no measurement id".into(),
            ));
        }
        let url = format!("{}/v1/measurements/{}", self.base, created.id);
        let polls = (deadline.as_millis() / POLL_INTERVAL.as_millis()).max(1) + 1;
        for _ in 0..polls {
            tokio::time::sleep(POLL_INTERVAL).await;
            let measurement: Measurement =
                self.answer(self.with_token(self.client.get(&url))).await?;
            if measurement.is_final() {
                return Ok(measurement);
            }
            if started.elapsed() >= deadline {
                break;
            }
        }
        Err(GlobalpingError::Deadline(deadline.as_secs()))
    }

    fn with_token(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token.trim()),
            None => request,
        }
    }

    async fn answer<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, GlobalpingError> {
        let unreachable =
            |e: reqwest::Error| GlobalpingError::Unreachable(e.without_url().to_string());
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let seconds = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let retry_after_s = seconds("retry-after").or_else(|| seconds("x-ratelimit-reset"));
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(GlobalpingError::Unreachable(format!(
                    "its answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let message = || {
            serde_json::from_slice::<ApiError>(&bytes)
                .ok()
                .map(|e| e.error.message)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| format!("status {status}"))
        };
        match status {
            200..=299 => serde_json::from_slice(&bytes).map_err(|e| {
                GlobalpingError::Unreachable(format!("its answer could not be read: {e}"))
            }),
            429 => Err(GlobalpingError::RateLimited {
                retry_after_s,
                message: message(),
            }),
            400..=499 => Err(GlobalpingError::Refused {
                status,
                message: message(),
            }),
            _ => Err(GlobalpingError::Unreachable(message())),
        }
    }
}
