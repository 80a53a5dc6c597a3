//! The two outside voices of the checklist: the native host (`native-host/PROTOCOL.md`, version 1)
//! and the hosted checkers (`GET /api/v1/check?url=…` → a verdict). Requests are built and answers
//! read here; the extension only moves them. Answers are typed views of the JSON with every field
//! optional, so added fields and missing ones are both fine.

use gwdoctor_core::checklist::{NativeOutcome, NativeStep, RemoteOutcome};
use serde::{Deserialize, Serialize};

/// The native messaging host's name (`chrome.runtime.sendNativeMessage(NAME, …)`).
pub const NATIVE_HOST: &str = "org.gatewaydoctor.gwdoctor";

/// A protocol request (`{"v": 1, "id": …, "cmd": …, "args": {…}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeRequest {
    v: u8,
    id: u64,
    cmd: &'static str,
    args: NativeArgs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum NativeArgs {
    Dns { name: String, timeout_ms: u64 },
    Probe { url: String, timeout_ms: u64 },
}

/// The protocol request for a checklist question.
pub fn native_request(
    step: NativeStep,
    url: &str,
    host: &str,
    id: u64,
    timeout_ms: u64,
) -> NativeRequest {
    let (cmd, args) = match step {
        // Resolvers run in parallel, each bounded; leave room for the answer within the timeout.
        NativeStep::ResolverComparison => (
            "dns",
            NativeArgs::Dns {
                name: host.to_string(),
                timeout_ms: (timeout_ms / 3).clamp(100, 30_000),
            },
        ),
        // The timeout bounds each phase of the probe.
        NativeStep::HopByHop => (
            "probe",
            NativeArgs::Probe {
                url: url.to_string(),
                timeout_ms: (timeout_ms / 4).clamp(1_000, 60_000),
            },
        ),
    };
    NativeRequest {
        v: 1,
        id,
        cmd,
        args,
    }
}

/// The host's reply, or `{"browser_error": "…"}` when the browser could not reach the host.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NativeReply {
    browser_error: Option<String>,
    ok: Option<bool>,
    error: Option<ErrorBody>,
    result: Option<NativeResult>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct NativeResult {
    // `dns`
    consensus: Vec<String>,
    findings: Vec<Finding>,
    // `probe`
    address: Option<String>,
    verdict: Option<VerdictSummary>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Finding {
    kind: String,
    message: String,
}

/// The members of a verdict the checklist reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct VerdictSummary {
    error: Option<bool>,
    status: Option<u16>,
    summary: Option<String>,
}

/// Reads the host's reply to `step`.
pub fn native_outcome(step: NativeStep, reply: &NativeReply) -> NativeOutcome {
    if let Some(detail) = &reply.browser_error {
        return NativeOutcome::Unavailable {
            detail: detail.clone(),
        };
    }
    let error = reply.error.clone().unwrap_or_default();
    if reply.ok != Some(true) {
        let detail = match (&error.code, &error.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            _ => "the host's answer is not a protocol response".to_string(),
        };
        return if error.code.as_deref() == Some("origin-not-allowed") {
            NativeOutcome::Unavailable { detail }
        } else {
            NativeOutcome::Failed { detail }
        };
    }
    let result = reply.result.clone().unwrap_or_default();
    match step {
        NativeStep::ResolverComparison => dns_outcome(&result),
        NativeStep::HopByHop => probe_outcome(&result),
    }
}

fn dns_outcome(result: &NativeResult) -> NativeOutcome {
    let healthy = !result.findings.is_empty() && result.findings.iter().all(|f| f.kind == "agree");
    let finding = if healthy {
        format!("Every resolver agrees: {}.", result.consensus.join(", "))
    } else if result.findings.is_empty() {
        "The resolvers gave no finding.".to_string()
    } else {
        result
            .findings
            .iter()
            .filter(|f| f.kind != "agree")
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    NativeOutcome::Answered { healthy, finding }
}

fn probe_outcome(result: &NativeResult) -> NativeOutcome {
    let Some(VerdictSummary {
        error: Some(error),
        status,
        summary,
    }) = &result.verdict
    else {
        return NativeOutcome::Failed {
            detail: "the probe result has no verdict".into(),
        };
    };
    let finding = if *error {
        format!(
            "Outside the browser it fails too: {}",
            summary.as_deref().unwrap_or("no working answer.")
        )
    } else {
        format!(
            "Outside the browser, {} answers {}: the browser's cache, an extension or its proxy is in the way.",
            result.address.as_deref().unwrap_or("the site"),
            status.map_or("fine".to_string(), |s| s.to_string())
        )
    };
    NativeOutcome::Answered {
        healthy: !error,
        finding,
    }
}

/// A checker's answer: a verdict, or an error object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckerAnswer {
    error: Option<ErrorField>,
    status: Option<u16>,
    summary: Option<String>,
    message: Option<String>,
}

/// `error` is a flag in a verdict, and a description in an API error.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Flag(bool),
    Text(String),
    Detail(ErrorBody),
}

/// Reads a checker's answer: `status` is the HTTP status of the API call, `body` its JSON (`None`
/// when it was not JSON).
pub fn vantage_outcome(status: u16, body: Option<&CheckerAnswer>) -> RemoteOutcome {
    let Some(answer) = body else {
        return RemoteOutcome::Failed {
            detail: format!("the checker answered {status} without JSON"),
        };
    };
    match (&answer.error, (200..300).contains(&status)) {
        (Some(ErrorField::Flag(error)), true) => RemoteOutcome::Answered {
            error: *error,
            status: answer.status,
            summary: answer.summary.clone().unwrap_or_default(),
        },
        (error, _) => {
            let message = match error {
                Some(ErrorField::Text(text)) => Some(text.clone()),
                Some(ErrorField::Detail(detail)) => detail.message.clone().or(detail.code.clone()),
                _ => None,
            };
            let message = message
                .or(answer.message.clone())
                .unwrap_or_else(|| "no verdict in the answer".into());
            RemoteOutcome::Failed {
                detail: format!("the checker answered {status}: {message}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reply(value: serde_json::Value) -> NativeReply {
        serde_json::from_value(value).unwrap()
    }

    fn checker(value: serde_json::Value) -> CheckerAnswer {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn requests_follow_the_protocol() {
        let dns = native_request(
            NativeStep::ResolverComparison,
            "https://a.example/",
            "a.example",
            4,
            15_000,
        );
        assert_eq!(
            serde_json::to_value(dns).unwrap(),
            json!({"v": 1, "id": 4, "cmd": "dns", "args": {"name": "a.example", "timeout_ms": 5000}})
        );
        let probe = native_request(
            NativeStep::HopByHop,
            "https://a.example/",
            "a.example",
            5,
            15_000,
        );
        assert_eq!(
            serde_json::to_value(probe).unwrap(),
            json!({"v": 1, "id": 5, "cmd": "probe", "args": {"url": "https://a.example/", "timeout_ms": 3750}})
        );
    }

    #[test]
    fn host_answers() {
        let missing = reply(json!({"browser_error": "Specified native messaging host not found."}));
        assert!(matches!(
            native_outcome(NativeStep::HopByHop, &missing),
            NativeOutcome::Unavailable { .. }
        ));
        let refused = reply(
            json!({"v": 1, "id": 1, "ok": false, "error": {"code": "origin-not-allowed", "message": "no"}}),
        );
        assert!(matches!(
            native_outcome(NativeStep::HopByHop, &refused),
            NativeOutcome::Unavailable { .. }
        ));
        let bad = reply(
            json!({"v": 1, "id": 1, "ok": false, "error": {"code": "bad-target", "message": "not http"}}),
        );
        assert_eq!(
            native_outcome(NativeStep::HopByHop, &bad),
            NativeOutcome::Failed {
                detail: "bad-target: not http".into()
            }
        );
        let up = reply(
            json!({"v": 1, "id": 1, "ok": true, "result": {"address": "127.0.0.1:80", "timings": {}, "verdict": {"error": false, "status": 200}}}),
        );
        let NativeOutcome::Answered {
            healthy: true,
            finding,
        } = native_outcome(NativeStep::HopByHop, &up)
        else {
            panic!()
        };
        assert!(
            finding.starts_with("Outside the browser, 127.0.0.1:80 answers 200"),
            "{finding}"
        );
        let down = reply(
            json!({"v": 1, "id": 1, "ok": true, "result": {"verdict": {"error": true, "summary": "nginx could not …"}}}),
        );
        let NativeOutcome::Answered {
            healthy: false,
            finding,
        } = native_outcome(NativeStep::HopByHop, &down)
        else {
            panic!()
        };
        assert!(finding.contains("nginx could not"));
        let agree = reply(
            json!({"ok": true, "result": {"consensus": ["192.0.2.1"], "findings": [{"kind": "agree", "resolver": null, "message": "all agree"}]}}),
        );
        assert_eq!(
            native_outcome(NativeStep::ResolverComparison, &agree),
            NativeOutcome::Answered {
                healthy: true,
                finding: "Every resolver agrees: 192.0.2.1.".into()
            }
        );
        let diverge = reply(
            json!({"ok": true, "result": {"consensus": [], "findings": [{"kind": "divergent", "message": "system returns 10.0.0.5"}]}}),
        );
        assert_eq!(
            native_outcome(NativeStep::ResolverComparison, &diverge),
            NativeOutcome::Answered {
                healthy: false,
                finding: "system returns 10.0.0.5".into()
            }
        );
    }

    #[test]
    fn checker_answers() {
        let verdict = checker(
            json!({"error": true, "status": 502, "summary": "nginx …", "vantage": "x", "probe": {}}),
        );
        assert_eq!(
            vantage_outcome(200, Some(&verdict)),
            RemoteOutcome::Answered {
                error: true,
                status: Some(502),
                summary: "nginx …".into()
            }
        );
        let refused =
            checker(json!({"error": {"code": "forbidden-target", "message": "private address"}}));
        assert_eq!(
            vantage_outcome(400, Some(&refused)),
            RemoteOutcome::Failed {
                detail: "the checker answered 400: private address".into()
            }
        );
        let text = checker(json!({"error": "rate limited"}));
        assert_eq!(
            vantage_outcome(429, Some(&text)),
            RemoteOutcome::Failed {
                detail: "the checker answered 429: rate limited".into()
            }
        );
        assert!(matches!(
            vantage_outcome(200, None),
            RemoteOutcome::Failed { .. }
        ));
    }
}
