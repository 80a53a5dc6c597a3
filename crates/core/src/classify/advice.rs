//! Visitor advice, ranked: what the evidence says to try first.

use crate::verdict::{Advice, Cause, FailedHop, Generator, Layer, Retry, Role, Step};

use super::generator::{ORIGIN, UNKNOWN};

/// Ranks the visitor's steps for an error verdict. Each `why` is built from the evidence.
pub(super) fn rank(
    generator: &Generator,
    chain: &[Layer],
    hop: &FailedHop,
    retry: &Retry,
    cached: bool,
) -> Vec<Advice> {
    let mut advice = Vec::new();
    let mut add = |step: Step, why: String| advice.push(Advice { step, why });

    if cached {
        add(Step::BypassCache, "This copy of the error came from a cache: a reload that skips every cache shows whether the site is still failing.".to_string());
    }
    if generator.role == Role::ForwardProxy
        || chain.first().is_some_and(|l| l.role == Role::ForwardProxy)
    {
        add(Step::OtherNetwork, format!(
            "The page came from a proxy on your side ({}), so the site itself may be fine: try another network.",
            generator.vendor
        ));
    }
    match hop.cause {
        Cause::Maintenance => add(
            Step::Wait,
            format!(
                "The site is down on purpose{}.",
                retry
                    .after_s
                    .map_or(String::new(), |s| format!(" and asks to come back in {s} s"))
            ),
        ),
        Cause::HeaderTooLarge => add(
            Step::PrivateWindow,
            "If your cookies make the exchange too large, a private window (no cookies) gets through.".to_string(),
        ),
        Cause::Dns => add(
            Step::CheckDns,
            "Comparing resolvers shows whether the name resolves correctly elsewhere.".to_string(),
        ),
        _ => {}
    }
    if retry.advised && hop.cause != Cause::Maintenance {
        let when = retry
            .after_s
            .map_or(String::new(), |s| format!(" after {s} s"));
        add(
            Step::Retry,
            format!(
                "Failures like this often clear within minutes: retry{when}, with growing pauses."
            ),
        );
    }
    if generator.vendor == UNKNOWN {
        add(Step::CheckElsewhere, "Nothing shows which side failed: another vantage point tells whether it is down for everyone or just you.".to_string());
    } else if generator.role != Role::ForwardProxy {
        add(Step::CheckElsewhere, format!(
            "The failure is inside the site's own servers ({} → {}), not on your side; another vantage point should confirm it is down for everyone.",
            side_label(&hop.from), side_label(&hop.to)
        ));
    }
    if matches!(
        hop.cause,
        Cause::AppError | Cause::Tls | Cause::Overload | Cause::Maintenance
    ) || generator.vendor == ORIGIN
    {
        add(
            Step::ContactSite,
            "Only the site's operators can fix this; a retry helps once they have.".to_string(),
        );
    }
    add(
        Step::ArchivedCopy,
        "Meanwhile an archived copy of the page may have what you came for.".to_string(),
    );
    advice
}

/// A side of a hop in people's words: the server behind the gateways (`upstream`, `origin`) is
/// "app", as in the drawn chain; the requester (`you`, `checker`) is capitalized as its node;
/// vendor ids stay as they are.
pub(crate) fn side_label(id: &str) -> &str {
    match id {
        "upstream" | "origin" => "app",
        "you" => "You",
        "checker" => "Checker",
        other => other,
    }
}

/// What went wrong on a hop, as the end of a sentence ("…: the connection was refused").
pub(crate) fn cause_words(cause: Cause) -> &'static str {
    match cause {
        Cause::ConnectionRefused => "the connection was refused",
        Cause::Timeout => "it did not answer in time",
        Cause::InvalidResponse => "it sent an invalid answer",
        Cause::HeaderTooLarge => "its response headers were too large",
        Cause::Tls => "the secure connection (TLS) failed",
        Cause::Dns => "its name did not resolve",
        Cause::AppError => "it failed",
        Cause::Maintenance => "it is down for maintenance",
        Cause::Overload => "it is overloaded or has no healthy server",
        Cause::Unknown => "the page does not say why",
    }
}

/// The verdict in one sentence, the one every shell shows: "nginx could not get an answer from
/// the app behind it: the connection was refused." and the like.
pub(super) fn summary_sentence(generator: &Generator, hop: &FailedHop) -> String {
    if generator.vendor == ORIGIN {
        return match hop.cause {
            Cause::Maintenance => "The site's app is down for maintenance.".into(),
            Cause::Overload => "The site's app says it is overloaded.".into(),
            _ => "The site's app failed and sent its own error page.".into(),
        };
    }
    let from = if generator.vendor == UNKNOWN {
        "A server on the way".to_string()
    } else {
        side_label(&hop.from).to_string()
    };
    let behind = match side_label(&hop.to) {
        "app" => "the app behind it",
        other => other,
    };
    format!(
        "{from} could not get an answer from {behind}: {}.",
        cause_words(hop.cause)
    )
}
