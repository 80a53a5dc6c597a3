//! The two outside voices of the checklist: the native host and the hosted checkers. Their
//! messages are `gwdoctor_wire`'s types; here they become the checklist's events: requests built
//! for its questions, answers read into its outcomes. The extension only moves them.

use gwdoctor_core::checklist::{NativeOutcome, NativeStep, RemoteOutcome};
use gwdoctor_wire::{
    check::{self, Reading},
    native::{Args, DnsArgs, Outgoing, ProbeArgs, Reply, ReplyResult, VerdictMembers},
};

/// The protocol request for a checklist question.
pub fn native_request(
    step: NativeStep,
    url: &str,
    host: &str,
    id: u64,
    timeout_ms: u64,
) -> Outgoing {
    let args = match step {
        // Resolvers run in parallel, each bounded; leave room for the answer within the timeout.
        NativeStep::ResolverComparison => Args::Dns(DnsArgs {
            name: host.to_string(),
            resolvers: None,
            system: None,
            timeout_ms: Some((timeout_ms / 3).clamp(100, 30_000)),
        }),
        // The timeout bounds each phase of the probe.
        NativeStep::HopByHop => Args::Probe(ProbeArgs {
            url: url.to_string(),
            resolver: None,
            timeout_ms: Some((timeout_ms / 4).clamp(1_000, 60_000)),
            max_addresses: None,
        }),
    };
    Outgoing::new(id, args)
}

/// Reads the host's reply to `step`.
pub fn native_outcome(step: NativeStep, reply: &Reply) -> NativeOutcome {
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

fn dns_outcome(result: &ReplyResult) -> NativeOutcome {
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

fn probe_outcome(result: &ReplyResult) -> NativeOutcome {
    let Some(VerdictMembers {
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

/// Reads a checker's answer (`status`: the HTTP status of the API call; `answer`: its JSON,
/// `None` when it was not JSON) into the checklist's outcome.
pub fn vantage_outcome(status: u16, answer: Option<&check::Answer>) -> RemoteOutcome {
    match check::read(status, answer) {
        Reading::Verdict {
            error,
            status,
            summary,
            ..
        } => RemoteOutcome::Answered {
            error,
            status,
            summary,
        },
        Reading::Failed(detail) => RemoteOutcome::Failed { detail },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reply(value: serde_json::Value) -> Reply {
        serde_json::from_value(value).unwrap()
    }

    fn checker(value: serde_json::Value) -> check::Answer {
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
    fn a_checker_answer_becomes_the_checklist_outcome() {
        // How answers are read is gwdoctor-wire's (tested there); this is only the mapping.
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
        assert_eq!(
            vantage_outcome(429, Some(&checker(json!({"error": "rate limited"})))),
            RemoteOutcome::Failed {
                detail: "the checker answered 429: rate limited".into()
            }
        );
    }
}
