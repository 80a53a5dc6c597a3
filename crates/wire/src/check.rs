//! The check API (`GET /api/v1/check?url=…[&fanout=1]` of `gwdoctor serve`): the answer a
//! checker writes, the error answer, the `vantage_points` summary, and the one reader of a
//! checker's answer that every client uses (the extension's checklist and a checker asking its
//! peers).

use gwdoctor_core::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The answer to a check: the verdict (docs/verdict.md) with this checker's extra members.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAnswer {
    /// The verdict of the last response (after redirects).
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The URL as asked.
    pub requested_url: String,
    /// The checker's vantage-point name.
    pub vantage: String,
    /// When the check ran, Unix seconds.
    pub checked_at: u64,
    /// The redirects followed, in order.
    pub redirects: Vec<Redirect>,
    /// The probe of the last URL (a `gwdoctor_net::ProbeReport` without its verdict and URL).
    pub probe: Map<String, Value>,
}

/// One redirect a checker followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// The URL that redirected.
    pub url: String,
    /// Its status.
    pub status: u16,
    /// Its `Location`, as sent.
    pub location: String,
}

/// Why a checker gave no verdict: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    /// The error.
    pub error: ErrorBody,
}

/// The `error` member of an [`ErrorAnswer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code clients match on.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

/// The check API's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The `url` parameter is missing or not an http(s) URL (400).
    InvalidUrl,
    /// The URL, or a redirect it led to, goes to an address the policy refuses (403).
    ForbiddenTarget,
    /// Too many checks from the client (429, with `Retry-After`).
    RateLimited,
    /// Every probe slot stayed busy (503, with `Retry-After`).
    Busy,
    /// The check did not end within the server's deadline (504).
    Deadline,
}

/// The `vantage_points` member of a fanned-out answer: every vantage point's result and the sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VantagePoints {
    /// The sum in words ("down from 2 of 3 vantage points").
    pub summary: String,
    /// Vantage points that saw an error.
    pub down: usize,
    /// Vantage points that saw a working page.
    pub up: usize,
    /// Vantage points that gave no verdict.
    pub unanswered: usize,
    /// Whether every vantage point that answered saw an error.
    pub everyone: bool,
    /// Each vantage point's result, this checker's first.
    pub results: Vec<VantageResult>,
}

/// One vantage point's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VantageResult {
    /// Its name.
    pub name: String,
    /// Its base URL (`None` for this checker itself).
    pub checker: Option<String>,
    /// Whether it gave a verdict.
    pub answered: bool,
    /// Whether the verdict is an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<bool>,
    /// The verdict it gave (its whole answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Map<String, Value>>,
    /// Why it gave none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl VantagePoints {
    /// Sums up `results`, given as (name, base URL, what it said).
    pub fn sum(results: Vec<(String, Option<String>, Reading)>) -> Self {
        let total = results.len();
        let results: Vec<VantageResult> = results
            .into_iter()
            .map(|(name, checker, reading)| match reading {
                Reading::Verdict { error, object, .. } => VantageResult {
                    name,
                    checker,
                    answered: true,
                    down: Some(error),
                    verdict: Some(object),
                    detail: None,
                },
                Reading::Failed(detail) => VantageResult {
                    name,
                    checker,
                    answered: false,
                    down: None,
                    verdict: None,
                    detail: Some(detail),
                },
            })
            .collect();
        let down = results.iter().filter(|r| r.down == Some(true)).count();
        let up = results.iter().filter(|r| r.down == Some(false)).count();
        let answered = down + up;
        let unanswered = total - answered;
        let points = if answered == 1 { "point" } else { "points" };
        let mut summary = match (answered, down) {
            (0, _) => "no vantage point answered".to_string(),
            (n, 0) => format!("up from {n} of {n} vantage {points}"),
            (n, d) => format!("down from {d} of {n} vantage {points}"),
        };
        if answered > 0 && unanswered > 0 {
            summary += &format!(" ({unanswered} more did not answer)");
        }
        VantagePoints {
            summary,
            down,
            up,
            unanswered,
            everyone: answered > 0 && down == answered,
            results,
        }
    }
}

/// A checker's answer as a client reads it: every member optional, so added and missing members
/// are both fine; `error` is a flag in a verdict and an object (or, from older or other
/// servers, a string) in an error answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Answer {
    error: Option<ErrorMember>,
    status: Option<u16>,
    summary: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ErrorMember {
    Flag(bool),
    Text(String),
    Detail {
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
}

/// What a checker said.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A verdict.
    Verdict {
        /// Whether it is an error.
        error: bool,
        /// The HTTP status the checker saw.
        status: Option<u16>,
        /// The verdict's sentence.
        summary: String,
        /// The whole answer, as sent (empty when the reader had only the typed view).
        object: Map<String, Value>,
    },
    /// No verdict: why, in words.
    Failed(String),
}

/// Reads a checker's answer: `status` is the HTTP status of the API call, `answer` its JSON
/// (`None` when it was not JSON, or not an object).
pub fn read(status: u16, answer: Option<&Answer>) -> Reading {
    let Some(answer) = answer else {
        return Reading::Failed(format!("the checker answered {status} without JSON"));
    };
    match (&answer.error, (200..300).contains(&status)) {
        (Some(ErrorMember::Flag(error)), true) => Reading::Verdict {
            error: *error,
            status: answer.status,
            summary: answer.summary.clone().unwrap_or_default(),
            object: Map::new(),
        },
        (error, _) => {
            let message = match error {
                Some(ErrorMember::Text(text)) => Some(text.clone()),
                Some(ErrorMember::Detail { code, message }) => message.clone().or(code.clone()),
                _ => None,
            };
            let message = message
                .or(answer.message.clone())
                .unwrap_or_else(|| "no verdict in the answer".into());
            Reading::Failed(format!("the checker answered {status}: {message}"))
        }
    }
}

/// Reads a checker's answer from its bytes, keeping the whole object of a verdict.
pub fn read_bytes(status: u16, body: &[u8]) -> Reading {
    let object: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    let answer = object
        .as_ref()
        .and_then(|o| Answer::deserialize(&Value::Object(o.clone())).ok());
    match (read(status, answer.as_ref()), object) {
        (
            Reading::Verdict {
                error,
                status,
                summary,
                ..
            },
            Some(object),
        ) => Reading::Verdict {
            error,
            status,
            summary,
            object,
        },
        (reading, _) => reading,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(value: Value) -> Answer {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn verdicts_and_errors_are_read_alike_by_every_client() {
        let verdict = answer(
            json!({"error": true, "status": 502, "summary": "nginx …", "vantage": "x", "probe": {}}),
        );
        assert_eq!(
            read(200, Some(&verdict)),
            Reading::Verdict {
                error: true,
                status: Some(502),
                summary: "nginx …".into(),
                object: Map::new(),
            }
        );
        let refused =
            answer(json!({"error": {"code": "forbidden-target", "message": "private address"}}));
        assert_eq!(
            read(403, Some(&refused)),
            Reading::Failed("the checker answered 403: private address".into())
        );
        let text = answer(json!({"error": "rate limited"}));
        assert_eq!(
            read(429, Some(&text)),
            Reading::Failed("the checker answered 429: rate limited".into())
        );
        assert!(matches!(read(200, None), Reading::Failed(_)));
        // A verdict object under an error status is not a verdict.
        assert!(matches!(
            read_bytes(500, br#"{"error": true}"#),
            Reading::Failed(_)
        ));
        let Reading::Verdict { object, .. } =
            read_bytes(200, br#"{"error": false, "status": 200, "extra": 1}"#)
        else {
            panic!("a verdict")
        };
        assert_eq!(object["extra"], 1);
        assert!(matches!(read_bytes(200, b"<html>"), Reading::Failed(_)));
        assert!(matches!(
            read_bytes(200, br#"{"status": 1}"#),
            Reading::Failed(_)
        ));
    }

    #[test]
    fn error_answers_serialize_as_documented() {
        let answer = ErrorAnswer {
            error: ErrorBody {
                code: ErrorCode::RateLimited,
                message: "m".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(answer).unwrap(),
            json!({"error": {"code": "rate-limited", "message": "m"}})
        );
    }

    #[test]
    fn vantage_points_sum_up() {
        let verdict = |error: bool| Reading::Verdict {
            error,
            status: Some(502),
            summary: String::new(),
            object: Map::new(),
        };
        let sum = VantagePoints::sum(vec![
            ("here".into(), None, verdict(true)),
            ("b".into(), Some("http://b/".into()), verdict(true)),
            (
                "c".into(),
                Some("http://c/".into()),
                Reading::Failed("x".into()),
            ),
        ]);
        assert_eq!(
            (sum.down, sum.up, sum.unanswered, sum.everyone),
            (2, 0, 1, true)
        );
        assert_eq!(
            sum.summary,
            "down from 2 of 2 vantage points (1 more did not answer)"
        );
        let none = VantagePoints::sum(vec![("c".into(), None, Reading::Failed("x".into()))]);
        assert_eq!(none.summary, "no vantage point answered");
        assert!(!none.everyone);
    }
}
