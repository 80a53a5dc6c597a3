//! Owner mode: the same URL fetched through its usual path (whatever the name resolves to: a
//! CDN, a load balancer) and straight from each origin address the owner names, compared — is it
//! the gateway or the server? — in the words every shell shows.
//!
//! The shells fetch (the CLI's `gwdoctor check URL --origin ADDR`, the native host's
//! `compare-origin`), classify each response as usual, and hand the verdicts here with what the
//! direct fetch saw of the origin's certificate; [`compare_origin`] decides what the comparison
//! means. Nothing here is reachable from the wasm exports.

use serde::{Deserialize, Serialize};

use crate::checklist::{host_of, site_of};
use crate::classify::{cause_words, display_name, side_label, ORIGIN, UNKNOWN};
use crate::signatures::SignatureDb;
use crate::verdict::{Cause, Role, Verdict};
use crate::NetworkStage;

/// One fetch of the URL, as the comparison reads it.
#[derive(Debug, Clone, Copy)]
pub struct Fetch<'a> {
    /// The verdict on what came back (or on the failure to get anything).
    pub verdict: &'a Verdict,
    /// Milliseconds the fetch took in all.
    pub total_ms: f64,
    /// Where it stopped when no response arrived (`None` when one did).
    pub stopped_at: Option<NetworkStage>,
}

/// One fetch straight from an origin address, with the URL's name.
#[derive(Debug, Clone)]
pub struct DirectFetch<'a> {
    /// The address as it is shown, with its port (`203.0.113.5:443`).
    pub origin: String,
    /// The port connected to.
    pub port: u16,
    /// What came back.
    pub fetch: Fetch<'a>,
    /// What the origin's certificate showed for the URL's name.
    pub certificate: CertificateCheck,
}

/// What an origin's certificate showed for the URL's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CertificateCheck {
    /// No certificate to judge: plain HTTP, or no TLS handshake took place.
    None,
    /// Trusted and valid for the name.
    Valid,
    /// It does not cover the name.
    WrongName {
        /// The names it covers.
        names: Vec<String>,
    },
    /// It covers the name but is not trusted (unknown issuer, expired …).
    Untrusted {
        /// Why, as the TLS library said.
        reason: String,
    },
}

/// What a comparison concludes, for one origin or for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conclusion {
    /// Both paths answer without an error.
    BothWork,
    /// The origin answers; the usual path fails: the gateway cannot reach it (or is itself
    /// failing).
    GatewayFails,
    /// The origin refuses the connection or does not answer it: the server is down or not
    /// listening.
    OriginDown,
    /// The origin accepts the connection, but its TLS handshake or HTTP answer fails.
    OriginBroken,
    /// The origin answers, but its certificate is not valid for the name or not trusted.
    OriginCertificate,
    /// Both fail with the same status: the application (or the origin's own server) fails, the
    /// gateway only passes it on.
    ApplicationFailing,
    /// The origin fails on its own, with another error than the usual path's.
    OriginFails,
    /// The usual path works, this address does not: not the origin the gateway uses, or one
    /// that admits only the gateway.
    DirectOnlyFails,
    /// The origins given do not agree.
    Mixed,
}

/// The comparison, as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginComparison {
    /// What it means: the origins' common conclusion, or `mixed`.
    pub conclusion: Conclusion,
    /// Everything in a few sentences: the usual path, each origin, what it means.
    pub summary: String,
    /// The usual path in one sentence ("Through Cloudflare: 522 in 15 s (…).").
    pub through: String,
    /// One finding per origin, in the order given.
    pub origins: Vec<OriginFinding>,
    /// What it means that the origins disagree (`conclusion` is `mixed`); `None` when they agree.
    pub disagreement: Option<String>,
}

/// What one origin's direct fetch shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginFinding {
    /// The address, as given.
    pub origin: String,
    /// What the comparison with this origin concludes.
    pub conclusion: Conclusion,
    /// The direct fetch in one sentence ("Direct to 203.0.113.5:443: 200 in 80 ms.").
    pub direct: String,
    /// What it means, and what to check.
    pub meaning: String,
}

/// Compares the usual path (`through`) with each direct fetch; `None` when `direct` is empty
/// (there is nothing to compare).
pub fn compare_origin(through: Fetch<'_>, direct: &[DirectFetch<'_>]) -> Option<OriginComparison> {
    let path = Gateway::of(through.verdict);
    let through_line = format!("Through {}: {}", path.label(), outcome(&through));
    let origins: Vec<OriginFinding> = direct.iter().map(|d| finding(&through, &path, d)).collect();
    let first = origins.first()?.conclusion;
    let conclusion = if origins.iter().all(|o| o.conclusion == first) {
        first
    } else {
        Conclusion::Mixed
    };
    let mut summary = through_line.clone();
    for o in &origins {
        summary = format!("{summary} {} {}", o.direct, o.meaning);
    }
    let disagreement = (conclusion == Conclusion::Mixed).then(|| {
        "The origin addresses do not agree: a gateway that spreads requests over them fails for \
         some and not for others."
            .to_string()
    });
    if let Some(sentence) = &disagreement {
        summary = format!("{summary} {sentence}");
    }
    Some(OriginComparison {
        conclusion,
        summary,
        through: through_line,
        origins,
        disagreement,
    })
}

/// The gateway the usual path goes through, as the through verdict shows it.
struct Gateway {
    /// Its name ("Cloudflare"); `None` when the response names none.
    name: Option<String>,
    /// Its role.
    role: Option<Role>,
}

impl Gateway {
    /// The generator when a gateway wrote the page, else the outermost layer that is not the app.
    fn of(verdict: &Verdict) -> Gateway {
        let named = verdict
            .generator
            .as_ref()
            .filter(|g| is_gateway(&g.vendor))
            .map(|g| (g.vendor.as_str(), g.role))
            .or_else(|| {
                verdict
                    .chain
                    .iter()
                    .find(|l| l.role != Role::Origin && is_gateway(&l.vendor))
                    .map(|l| (l.vendor.as_str(), l.role))
            });
        Gateway {
            name: named.map(|(id, _)| name(id)),
            role: named.map(|(_, role)| role),
        }
    }

    fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("the usual path")
    }
}

fn is_gateway(vendor: &str) -> bool {
    vendor != ORIGIN && vendor != UNKNOWN
}

fn name(id: &str) -> String {
    display_name(SignatureDb::embedded(), id).to_string()
}

/// A hop's side in a sentence: the server behind the gateways is "the app", a vendor its name.
fn side(id: &str) -> String {
    match side_label(id) {
        "app" => "the app".into(),
        other => name(other),
    }
}

fn duration(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.0} s", ms / 1000.0)
    }
}

/// What a fetch got, as the end of a sentence: "200 in 80 ms." / "502 in 3 ms (nginx could not
/// get an answer from the app: the connection was refused)." / "no response. Your machine …".
fn outcome(fetch: &Fetch<'_>) -> String {
    let verdict = fetch.verdict;
    let Some(status) = verdict.status else {
        return format!("no response. {}", verdict.summary);
    };
    let took = duration(fetch.total_ms);
    if !verdict.error {
        return format!("{status} in {took}.");
    }
    let why = match (&verdict.generator, &verdict.failed_hop) {
        (Some(g), Some(hop)) if is_gateway(&g.vendor) => format!(
            "{} could not get an answer from {}: {}",
            side(&hop.from),
            side(&hop.to),
            cause_words(hop.cause)
        ),
        (Some(g), _) if g.vendor == ORIGIN => "the app's own error page".into(),
        _ => verdict.category.id().replace('-', " "),
    };
    format!("{status} in {took} ({why}).")
}

fn finding(through: &Fetch<'_>, path: &Gateway, direct: &DirectFetch<'_>) -> OriginFinding {
    let d = direct.fetch.verdict;
    let port = direct.port;
    let host = d.url.as_deref().and_then(site_of).map_or_else(
        || "the site's name".into(),
        |site| host_of(&site).to_string(),
    );
    let cause = d.failed_hop.as_ref().map_or(Cause::Unknown, |h| h.cause);
    let direct_line = match (d.status, direct.fetch.stopped_at) {
        (None, Some(NetworkStage::Connect)) if cause == Cause::ConnectionRefused => {
            format!("connection refused on port {port}.")
        }
        (None, Some(NetworkStage::Connect)) if cause == Cause::Timeout => {
            format!("no answer to the connection on port {port}.")
        }
        (None, Some(NetworkStage::Tls)) => {
            format!("the TLS handshake failed ({}).", cause_words(cause))
        }
        (None, Some(NetworkStage::Http)) => {
            format!("no valid HTTP answer ({}).", cause_words(cause))
        }
        (None, _) => format!("no connection on port {port}."),
        (Some(_), _) => outcome(&direct.fetch),
    };
    let direct_line = format!("Direct to {}: {direct_line}", direct.origin);
    let through_works = !through.verdict.error;
    let gateway = path.label();
    let (conclusion, meaning) = if d.error && through_works {
        (
            Conclusion::DirectOnlyFails,
            format!(
                "The site works through {gateway} but not from this address: it may not be the \
                 origin {gateway} uses, or it admits only {gateway}'s addresses or requests with \
                 a header {gateway} adds."
            ),
        )
    } else if d.status.is_none() {
        match direct.fetch.stopped_at {
            Some(NetworkStage::Tls) => (
                Conclusion::OriginBroken,
                format!(
                    "The server accepts connections on port {port}, but its TLS fails: check that \
                     it serves HTTPS there, with a certificate for {host}."
                ),
            ),
            Some(NetworkStage::Http) => (
                Conclusion::OriginBroken,
                format!(
                    "The server accepts connections on port {port} but gives no proper HTTP \
                     answer: the app, or the server in front of it on the origin, hangs or is \
                     broken."
                ),
            ),
            _ => (
                Conclusion::OriginDown,
                match cause {
                    Cause::ConnectionRefused => {
                        "The server itself is down or not listening on that port.".to_string()
                    }
                    Cause::Timeout => "The server is down, or a firewall drops connections to \
                                       that port."
                        .to_string(),
                    _ => "The server cannot be reached at that address from here.".to_string(),
                },
            ),
        }
    } else if let Some(problem) = certificate_problem(&direct.certificate, &host) {
        (
            Conclusion::OriginCertificate,
            format!(
                "The origin answers, but {problem}: a gateway that checks the origin's certificate \
                 refuses it — install a certificate for {host} from an authority the gateway \
                 trusts."
            ),
        )
    } else if d.error {
        let status = d.status.unwrap_or_default();
        if through.verdict.status == Some(status) {
            let meaning = match &d.generator {
                Some(g) if g.vendor == ORIGIN => {
                    format!("Both fail with the same app {status}: the application is failing.")
                }
                Some(g) if is_gateway(&g.vendor) => format!(
                    "Both fail with the same {status}, from {} on the origin: the origin is \
                     failing, {gateway} only passes it on.",
                    name(&g.vendor)
                ),
                _ => format!(
                    "Both fail with the same {status}: the origin is failing, {gateway} only \
                     passes it on."
                ),
            };
            (Conclusion::ApplicationFailing, meaning)
        } else {
            (
                Conclusion::OriginFails,
                format!(
                    "The origin fails on its own ({status}): fix it there first — {gateway} \
                     cannot do better than its origin."
                ),
            )
        }
    } else if through_works {
        (
            Conclusion::BothWork,
            format!("Both answer: {gateway} and the origin work."),
        )
    } else {
        (Conclusion::GatewayFails, gateway_fails(through, path))
    };
    OriginFinding {
        origin: direct.origin.clone(),
        conclusion,
        direct: direct_line,
        meaning,
    }
}

/// What the origin's certificate problem is, as a clause; `None` when there is none.
fn certificate_problem(check: &CertificateCheck, host: &str) -> Option<String> {
    match check {
        CertificateCheck::None | CertificateCheck::Valid => None,
        CertificateCheck::WrongName { names } if names.is_empty() => {
            Some(format!("its certificate does not cover {host}"))
        }
        CertificateCheck::WrongName { names } => Some(format!(
            "its certificate is for {}, not {host}",
            names.join(", ")
        )),
        CertificateCheck::Untrusted { reason } => Some(format!(
            "its certificate for {host} is not trusted ({reason})"
        )),
    }
}

/// The origin works directly, the usual path does not: where to look.
fn gateway_fails(through: &Fetch<'_>, path: &Gateway) -> String {
    let generator_is_gateway = through
        .verdict
        .generator
        .as_ref()
        .is_some_and(|g| is_gateway(&g.vendor));
    match (&path.name, path.role) {
        _ if through.verdict.status.is_none() => "Your server works, but the usual path fails \
                                                  from here: check the name's DNS records and \
                                                  the gateway they point to."
            .into(),
        (Some(g), Some(Role::Cdn)) if generator_is_gateway => format!(
            "Your server works; {g} cannot reach it — check that your firewall lets {g}'s \
             addresses in and that the origin listens on the port {g} uses."
        ),
        (Some(g), _) if generator_is_gateway => format!(
            "Your server works; {g} cannot get a good answer from it — check the address and \
             port {g} forwards to, and that the origin lets {g} in."
        ),
        _ => "Your server works when asked directly, but fails behind the usual path: the \
              gateway may send requests to another server or instance, or with something the \
              app rejects."
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{classify, classify_network_failure, parse_response, NetworkFailure, Vantage};

    const CLOUDFLARE_522: &[u8] =
        include_bytes!("../../../tests/corpus/vendor/cloudflare-522.http");
    const NGINX_502: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n\
        <html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>\
        </center><hr><center>nginx/1.22.1</center></body></html>";
    const APP_500: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nServer: nginx/1.22.1\r\n\
        Content-Type: application/json\r\n\r\n{\"error\": \"database is locked\"}";
    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n<h1>shop</h1>";

    fn response(raw: &[u8]) -> Verdict {
        let mut snapshot = parse_response(raw).unwrap();
        snapshot.url = Some("https://shop.test/".into());
        classify(&snapshot)
    }

    fn failure(stage: NetworkStage, cause: Cause) -> Verdict {
        classify_network_failure(&NetworkFailure {
            url: Some("https://shop.test/".into()),
            host: "shop.test".into(),
            stage,
            cause,
            detail: "test".into(),
            vantage: Vantage::Machine,
        })
    }

    fn fetch(verdict: &Verdict, ms: f64) -> Fetch<'_> {
        Fetch {
            verdict,
            total_ms: ms,
            stopped_at: None,
        }
    }

    fn direct<'a>(fetch: Fetch<'a>, certificate: CertificateCheck) -> DirectFetch<'a> {
        DirectFetch {
            origin: "203.0.113.5:443".into(),
            port: 443,
            fetch,
            certificate,
        }
    }

    fn compare(through: Fetch<'_>, direct: &[DirectFetch<'_>]) -> OriginComparison {
        compare_origin(through, direct).expect("an origin to compare with")
    }

    #[test]
    fn the_cdn_cannot_reach_a_working_origin() {
        let (cdn, origin) = (response(CLOUDFLARE_522), response(OK));
        let c = compare(
            fetch(&cdn, 15_020.0),
            &[direct(fetch(&origin, 80.4), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::GatewayFails);
        assert_eq!(c.disagreement, None);
        assert_eq!(
            c.summary,
            "Through Cloudflare: 522 in 15 s (Cloudflare could not get an answer from the app: \
             it did not answer in time). Direct to 203.0.113.5:443: 200 in 80 ms. Your server \
             works; Cloudflare cannot reach it — check that your firewall lets Cloudflare's \
             addresses in and that the origin listens on the port Cloudflare uses."
        );
    }

    #[test]
    fn a_proxy_that_cannot_reach_a_working_origin_is_named() {
        let (proxy, origin) = (response(NGINX_502), response(OK));
        let c = compare(
            fetch(&proxy, 3.0),
            &[direct(fetch(&origin, 2.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::GatewayFails);
        assert_eq!(
            c.origins[0].meaning,
            "Your server works; nginx cannot get a good answer from it — check the address and \
             port nginx forwards to, and that the origin lets nginx in."
        );
        assert!(
            c.through
                .starts_with("Through nginx: 502 in 3.0 ms (nginx could not"),
            "{}",
            c.through
        );
    }

    #[test]
    fn an_origin_that_refuses_the_connection_is_down() {
        let (proxy, refused) = (
            response(NGINX_502),
            failure(NetworkStage::Connect, Cause::ConnectionRefused),
        );
        let mut d = direct(fetch(&refused, 0.3), CertificateCheck::None);
        d.fetch.stopped_at = Some(NetworkStage::Connect);
        let c = compare(fetch(&proxy, 3.0), &[d]);
        assert_eq!(c.conclusion, Conclusion::OriginDown);
        assert_eq!(
            format!("{} {}", c.origins[0].direct, c.origins[0].meaning),
            "Direct to 203.0.113.5:443: connection refused on port 443. The server itself is \
             down or not listening on that port."
        );
    }

    #[test]
    fn a_silent_origin_or_a_broken_one() {
        let proxy = response(NGINX_502);
        for (stage, cause, conclusion, says) in [
            (
                NetworkStage::Connect,
                Cause::Timeout,
                Conclusion::OriginDown,
                "a firewall drops",
            ),
            (
                NetworkStage::Tls,
                Cause::Tls,
                Conclusion::OriginBroken,
                "its TLS fails",
            ),
            (
                NetworkStage::Http,
                Cause::Timeout,
                Conclusion::OriginBroken,
                "hangs or is broken",
            ),
        ] {
            let failed = failure(stage, cause);
            let mut d = direct(fetch(&failed, 5.0), CertificateCheck::None);
            d.fetch.stopped_at = Some(stage);
            let c = compare(fetch(&proxy, 3.0), &[d]);
            assert_eq!(c.conclusion, conclusion, "{stage:?}");
            assert!(c.summary.contains(says), "{}", c.summary);
        }
    }

    #[test]
    fn the_same_app_error_both_ways_is_the_application() {
        let (through, origin) = (response(APP_500), response(APP_500));
        assert_eq!(through.generator.as_ref().unwrap().vendor, "origin");
        let c = compare(
            fetch(&through, 12.0),
            &[direct(fetch(&origin, 9.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::ApplicationFailing);
        assert_eq!(
            c.summary,
            "Through nginx: 500 in 12 ms (the app's own error page). Direct to 203.0.113.5:443: \
             500 in 9.0 ms (the app's own error page). Both fail with the same app 500: the \
             application is failing."
        );
    }

    #[test]
    fn the_same_gateway_error_on_the_origin_is_the_origins() {
        let (through, origin) = (response(NGINX_502), response(NGINX_502));
        let c = compare(
            fetch(&through, 12.0),
            &[direct(fetch(&origin, 9.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::ApplicationFailing);
        assert!(
            c.origins[0].meaning.contains("from nginx on the origin"),
            "{c:?}"
        );
    }

    #[test]
    fn a_different_error_on_the_origin_is_its_own() {
        let (cdn, origin) = (response(CLOUDFLARE_522), response(APP_500));
        let c = compare(
            fetch(&cdn, 100.0),
            &[direct(fetch(&origin, 9.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::OriginFails);
        assert!(c.origins[0]
            .meaning
            .starts_with("The origin fails on its own (500)"));
    }

    #[test]
    fn a_certificate_for_another_name_is_reported_with_the_answer() {
        let (cdn, origin) = (response(CLOUDFLARE_522), response(OK));
        let wrong = CertificateCheck::WrongName {
            names: vec!["other.test".into()],
        };
        let c = compare(fetch(&cdn, 100.0), &[direct(fetch(&origin, 9.0), wrong)]);
        assert_eq!(c.conclusion, Conclusion::OriginCertificate);
        assert_eq!(
            c.origins[0].direct,
            "Direct to 203.0.113.5:443: 200 in 9.0 ms."
        );
        assert_eq!(
            c.origins[0].meaning,
            "The origin answers, but its certificate is for other.test, not shop.test: a gateway \
             that checks the origin's certificate refuses it — install a certificate for \
             shop.test from an authority the gateway trusts."
        );
        let untrusted = CertificateCheck::Untrusted {
            reason: "invalid peer certificate: UnknownIssuer".into(),
        };
        let c = compare(
            fetch(&cdn, 100.0),
            &[direct(fetch(&origin, 9.0), untrusted)],
        );
        assert!(c.summary.contains("its certificate for shop.test is not trusted (invalid peer certificate: UnknownIssuer)"), "{}", c.summary);
    }

    #[test]
    fn both_working_and_only_the_direct_path_failing() {
        let (proxy, origin) = (response(OK), response(OK));
        let c = compare(
            fetch(&proxy, 20.0),
            &[direct(fetch(&origin, 9.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::BothWork);
        assert_eq!(
            c.summary,
            "Through nginx: 200 in 20 ms. Direct to 203.0.113.5:443: 200 in 9.0 ms. Both \
             answer: nginx and the origin work."
        );
        let refused = failure(NetworkStage::Connect, Cause::ConnectionRefused);
        let mut d = direct(fetch(&refused, 0.2), CertificateCheck::None);
        d.fetch.stopped_at = Some(NetworkStage::Connect);
        let c = compare(fetch(&proxy, 20.0), &[d]);
        assert_eq!(c.conclusion, Conclusion::DirectOnlyFails);
        assert!(
            c.summary.contains("it may not be the origin nginx uses"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn an_unreachable_usual_path_before_a_working_origin() {
        let (gone, origin) = (failure(NetworkStage::Dns, Cause::Dns), response(OK));
        let c = compare(
            fetch(&gone, 30.0),
            &[direct(fetch(&origin, 9.0), CertificateCheck::Valid)],
        );
        assert_eq!(c.conclusion, Conclusion::GatewayFails);
        assert!(c.through.starts_with("Through the usual path: no response. Your machine could not reach the site shop.test"), "{}", c.through);
        assert!(c.origins[0]
            .meaning
            .contains("check the name's DNS records"));
    }

    #[test]
    fn origins_that_disagree_are_mixed_and_none_is_nothing_to_compare() {
        let (proxy, origin) = (response(NGINX_502), response(OK));
        let refused = failure(NetworkStage::Connect, Cause::ConnectionRefused);
        let mut down = direct(fetch(&refused, 0.2), CertificateCheck::None);
        down.fetch.stopped_at = Some(NetworkStage::Connect);
        let c = compare(
            fetch(&proxy, 3.0),
            &[direct(fetch(&origin, 2.0), CertificateCheck::Valid), down],
        );
        assert_eq!(c.conclusion, Conclusion::Mixed);
        assert_eq!(
            c.origins.iter().map(|o| o.conclusion).collect::<Vec<_>>(),
            [Conclusion::GatewayFails, Conclusion::OriginDown]
        );
        assert!(c.summary.ends_with("fails for some and not for others."));
        assert!(c.disagreement.is_some());
        assert_eq!(compare_origin(fetch(&proxy, 3.0), &[]), None);
        assert_eq!(serde_json::to_value(c.conclusion).unwrap(), "mixed");
    }
}
