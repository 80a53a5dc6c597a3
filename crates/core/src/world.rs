//! "Down for everyone?" answered from many places: the answers of vantage points worldwide
//! (Globalping probes, the operator's own checkers) summed up into one [`WorldView`].
//!
//! Pure aggregation: every place's response was already classified by this crate, so each place
//! has a verdict of its own, and the view groups them by who produced the error and why, counts
//! places and countries, finds the outliers (a failure seen only from one country or network,
//! or only through one of the site's addresses, or a name that does not resolve from some
//! places), and ranks the visitor's next steps by what the world says — compared with what the
//! visitor saw themselves, when that is known. Every sentence is decided here; the shells show
//! them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::checklist::AdviceView;
use crate::classify::cause_words;
use crate::signatures::SignatureDb;
use crate::verdict::{Advice, Category, Cause, Role, Step, Verdict};

/// Where a vantage point is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The city, in English.
    pub city: Option<String>,
    /// The ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// The autonomous system the vantage point is in.
    pub asn: Option<u32>,
    /// The network's name ("Deutsche Telekom AG").
    pub network: Option<String>,
}

impl Place {
    /// The place in words: "Frankfurt, DE · AS3320 Deutsche Telekom AG".
    pub fn label(&self) -> String {
        let town = match (&self.city, &self.country) {
            (Some(city), Some(country)) => format!("{city}, {country}"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => "somewhere".to_string(),
        };
        match (self.asn, &self.network) {
            (Some(asn), Some(network)) => format!("{town} · AS{asn} {network}"),
            (Some(asn), None) => format!("{town} · AS{asn}"),
            (None, Some(network)) => format!("{town} · {network}"),
            (None, None) => town,
        }
    }
}

/// What one vantage point saw of the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Seen {
    /// A response, classified by this crate.
    Response {
        /// The verdict on it.
        verdict: Box<Verdict>,
        /// The site's address the vantage point reached, when known.
        address: Option<String>,
    },
    /// No response: the site could not be reached from there.
    Unreachable {
        /// Why, in the contract's words (`dns`, `connection-refused`, `timeout`, `tls`, …).
        cause: Cause,
        /// What the vantage point reported, as it reported it.
        detail: String,
    },
    /// The vantage point itself gave no usable answer (it was offline, or its answer could
    /// not be read): it says nothing about the site.
    NoAnswer {
        /// Why.
        detail: String,
    },
}

/// One vantage point's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceAnswer {
    /// Where it is.
    pub place: Place,
    /// What it saw.
    pub seen: Seen,
}

/// The world's answer in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Every place that answered saw the site fail.
    DownEverywhere,
    /// Some places saw it fail, others saw it work.
    DownSomewhere,
    /// Every place that answered saw the site work.
    Up,
    /// No place answered.
    NoAnswer,
}

/// Places that saw the same failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureGroup {
    /// Who produced the error (a vendor id, `origin`, `unknown`), or `unreachable` when there was
    /// no response.
    pub generator: String,
    /// The HTTP status they saw (`None` when unreachable).
    pub status: Option<u16>,
    /// Why it failed.
    pub cause: Cause,
    /// The failure in words ("cloudflare 522", "could not connect").
    pub label: String,
    /// What it means, one sentence (the verdict's summary, or why the site was unreachable).
    pub summary: String,
    /// How many places saw it.
    pub places: usize,
    /// Their countries, sorted.
    pub countries: Vec<String>,
}

/// One place's line in the list of places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceLine {
    /// The place in words ([`Place::label`]).
    pub place: String,
    /// Its country code, for grouping by country.
    pub country: Option<String>,
    /// Whether it saw the site fail (`None`: it gave no answer).
    pub down: Option<bool>,
    /// The status it got.
    pub status: Option<u16>,
    /// What it saw in a few words: the failure's label ("nginx 502", "connection refused"),
    /// "works", or "no answer".
    pub label: String,
    /// What it saw, in words: the verdict's summary, why the site was unreachable, or why the
    /// place gave no answer.
    pub detail: String,
}

/// The world's answer, as every shell shows it (fields are only ever added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldView {
    /// The answer in one word.
    pub standing: Standing,
    /// The answer in one or two sentences: "Down from 23 of 25 places in 14 countries — all saw
    /// cloudflare 522: …".
    pub summary: String,
    /// How many places were asked.
    pub asked: usize,
    /// How many saw the site fail.
    pub down: usize,
    /// How many saw it work.
    pub up: usize,
    /// How many gave no answer.
    pub unanswered: usize,
    /// How many countries the answering places are in.
    pub countries: usize,
    /// The failures, most seen first.
    pub failures: Vec<FailureGroup>,
    /// What stands out, one sentence each ("It fails only from DE: …").
    pub outliers: Vec<String>,
    /// Every place, down first, then by country.
    pub places: Vec<PlaceLine>,
    /// What the world's answer means for the visitor, compared with what they saw themselves
    /// (`None` when that is not known).
    pub you: Option<String>,
    /// What to do next, best first.
    pub next: Vec<AdviceView>,
}

/// What one answer counts as.
struct Reading<'a> {
    place: &'a Place,
    down: Option<bool>,
    status: Option<u16>,
    key: Option<(String, Option<u16>, Cause)>,
    address: Option<&'a str>,
    detail: String,
}

fn read(answer: &PlaceAnswer) -> Reading<'_> {
    let place = &answer.place;
    match &answer.seen {
        Seen::Response { verdict, address } => {
            let generator = verdict
                .generator
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |g| g.vendor.clone());
            let cause = verdict
                .failed_hop
                .as_ref()
                .map_or(Cause::Unknown, |h| h.cause);
            Reading {
                place,
                down: Some(verdict.error),
                status: verdict.status,
                key: verdict.error.then_some((generator, verdict.status, cause)),
                address: address.as_deref(),
                detail: verdict.summary.clone(),
            }
        }
        Seen::Unreachable { cause, .. } => Reading {
            place,
            down: Some(true),
            status: None,
            key: Some(("unreachable".to_string(), None, *cause)),
            address: None,
            detail: unreachable_sentence(*cause),
        },
        Seen::NoAnswer { detail } => Reading {
            place,
            down: None,
            status: None,
            key: None,
            address: None,
            detail: format!("No answer from this place: {detail}"),
        },
    }
}

fn unreachable_sentence(cause: Cause) -> String {
    match cause {
        Cause::Dns => "The site's name did not resolve from there.".to_string(),
        Cause::Tls => "The secure connection (TLS) to the site failed from there.".to_string(),
        cause => format!(
            "The site could not be reached from there: {}.",
            cause_words(cause)
        ),
    }
}

impl WorldView {
    /// Sums up `answers`; `here` is the visitor's own verdict on the same URL, when known (the
    /// browser's or this machine's), so the view can say whether it is them or the site.
    pub fn of(answers: &[PlaceAnswer], here: Option<&Verdict>) -> WorldView {
        Self::of_with(SignatureDb::embedded(), answers, here)
    }

    /// [`WorldView::of`] with a given signature database (for vendor names).
    pub fn of_with(db: &SignatureDb, answers: &[PlaceAnswer], here: Option<&Verdict>) -> WorldView {
        let readings: Vec<Reading> = answers.iter().map(read).collect();
        let down = readings.iter().filter(|r| r.down == Some(true)).count();
        let up = readings.iter().filter(|r| r.down == Some(false)).count();
        let unanswered = readings.len() - down - up;
        let countries: BTreeSet<&str> = readings
            .iter()
            .filter(|r| r.down.is_some())
            .filter_map(|r| r.place.country.as_deref())
            .collect();
        let standing = match (down, up) {
            (0, 0) => Standing::NoAnswer,
            (_, 0) => Standing::DownEverywhere,
            (0, _) => Standing::Up,
            _ => Standing::DownSomewhere,
        };
        let failures = group_failures(db, answers, &readings);
        let outliers = outliers(&readings, standing);
        let summary = summary(standing, down, up, unanswered, countries.len(), &failures);
        let here_down = here.map(|v| v.error);
        let you = here_down.map(|down_here| you_sentence(standing, down_here));
        let url = here.and_then(|v| v.url.as_deref()).or_else(|| {
            answers.iter().find_map(|a| match &a.seen {
                Seen::Response { verdict, .. } => verdict.url.as_deref(),
                _ => None,
            })
        });
        let next = next_steps(standing, here, !outliers.is_empty())
            .iter()
            .map(|advice| AdviceView::of(advice, url))
            .collect();
        let mut places: Vec<PlaceLine> = readings
            .iter()
            .map(|r| PlaceLine {
                place: r.place.label(),
                country: r.place.country.clone(),
                down: r.down,
                status: r.status,
                label: match (&r.key, r.down) {
                    (Some((generator, status, cause)), _) => {
                        failure_label(db, generator, *status, *cause)
                    }
                    (None, Some(_)) => "works".to_string(),
                    (None, None) => "no answer".to_string(),
                },
                detail: r.detail.clone(),
            })
            .collect();
        places.sort_by(|a, b| {
            let rank = |d: Option<bool>| match d {
                Some(true) => 0,
                Some(false) => 1,
                None => 2,
            };
            rank(a.down)
                .cmp(&rank(b.down))
                .then_with(|| a.country.cmp(&b.country))
                .then_with(|| a.place.cmp(&b.place))
        });
        WorldView {
            standing,
            summary,
            asked: readings.len(),
            down,
            up,
            unanswered,
            countries: countries.len(),
            failures,
            outliers,
            places,
            you,
            next,
        }
    }
}

fn group_failures(
    db: &SignatureDb,
    answers: &[PlaceAnswer],
    readings: &[Reading],
) -> Vec<FailureGroup> {
    let mut groups: Vec<FailureGroup> = Vec::new();
    for (reading, answer) in readings.iter().zip(answers) {
        let Some((generator, status, cause)) = &reading.key else {
            continue;
        };
        let country = reading.place.country.clone();
        if let Some(group) = groups
            .iter_mut()
            .find(|g| &g.generator == generator && &g.status == status && &g.cause == cause)
        {
            group.places += 1;
            if let Some(country) = country.filter(|c| !group.countries.contains(c)) {
                group.countries.push(country);
                group.countries.sort();
            }
            continue;
        }
        let label = failure_label(db, generator, *status, *cause);
        let summary = match &answer.seen {
            Seen::Response { verdict, .. } => verdict.summary.clone(),
            _ => reading.detail.clone(),
        };
        groups.push(FailureGroup {
            generator: generator.clone(),
            status: *status,
            cause: *cause,
            label,
            summary,
            places: 1,
            countries: country.into_iter().collect(),
        });
    }
    // Most seen first; the order of first appearance on a tie.
    groups.sort_by_key(|g| std::cmp::Reverse(g.places));
    groups
}

/// A failure in a few words: "Cloudflare 522", "the app's own 500", "connection refused".
fn failure_label(db: &SignatureDb, generator: &str, status: Option<u16>, cause: Cause) -> String {
    match (generator, status) {
        ("unreachable", _) => match cause {
            Cause::Dns => "name not resolved".to_string(),
            Cause::Tls => "TLS failed".to_string(),
            Cause::Timeout => "no answer in time".to_string(),
            Cause::ConnectionRefused => "connection refused".to_string(),
            _ => "could not connect".to_string(),
        },
        ("origin", Some(status)) => format!("the app's own {status}"),
        ("unknown", Some(status)) => format!("{status} from an unnamed server"),
        (vendor, Some(status)) => {
            let name = db.vendor(vendor).map_or(vendor, |v| v.name.as_str());
            format!("{name} {status}")
        }
        (vendor, None) => vendor.to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary(
    standing: Standing,
    down: usize,
    up: usize,
    unanswered: usize,
    countries: usize,
    failures: &[FailureGroup],
) -> String {
    let answered = down + up;
    let in_countries = match countries {
        0 => String::new(),
        n => format!(" in {}", plural(n, "country", "countries")),
    };
    let silent = match unanswered {
        0 => String::new(),
        n => format!(
            " ({} gave no answer)",
            plural(n, "more place", "more places")
        ),
    };
    let what_failed = || match failures {
        [] => String::new(),
        [only] => format!(" — all saw {}: {}", only.label, only.summary),
        [first, ..] => format!(
            " — most saw {} ({} of {down}): {}",
            first.label, first.places, first.summary
        ),
    };
    match standing {
        Standing::NoAnswer => {
            "No place gave an answer: the check from around the world did not work this time."
                .to_string()
        }
        Standing::DownEverywhere => format!(
            "Down from {down} of {answered} {}{in_countries}{silent}{}",
            if answered == 1 { "place" } else { "places" },
            what_failed()
        ),
        Standing::DownSomewhere => format!(
            "Down from {down} of {answered} places{in_countries}{silent}, up from the other {up}{}",
            what_failed()
        ),
        Standing::Up => format!(
            "Up from {up} of {answered} {}{in_countries}{silent}: the site answers.",
            if answered == 1 { "place" } else { "places" }
        ),
    }
}

/// What stands out among the answers: a failure confined to one country or network, to one of
/// the site's addresses, or a name that does not resolve from some places.
fn outliers(readings: &[Reading], standing: Standing) -> Vec<String> {
    let mut found = Vec::new();
    let unresolved = readings
        .iter()
        .filter(|r| matches!(&r.key, Some((g, _, Cause::Dns)) if g == "unreachable"))
        .count();
    if unresolved > 0 && standing != Standing::DownEverywhere {
        found.push(format!(
            "The name does not resolve from {}, while others reach the site: a DNS problem (a resolver there, or a change still spreading).",
            plural(unresolved, "place", "places")
        ));
    }
    if standing != Standing::DownSomewhere {
        return found;
    }
    let (down, up): (Vec<&Reading>, Vec<&Reading>) = readings
        .iter()
        .filter(|r| r.down.is_some())
        .partition(|r| r.down == Some(true));
    let only = |of: &dyn Fn(&Reading) -> Option<String>| -> Option<String> {
        let first = of(down.first()?)?;
        let all_down_there = down.iter().all(|r| of(r).as_ref() == Some(&first));
        let none_up_there = up.iter().all(|r| of(r).as_ref() != Some(&first));
        (down.len() >= 2 && all_down_there && none_up_there).then_some(first)
    };
    if let Some(country) = only(&|r| r.place.country.clone()) {
        found.push(format!(
            "It fails only from {country}, and works from everywhere else: a regional problem (a network route, a regional block, or the site's servers for that region)."
        ));
    } else if let Some(asn) = only(&|r| r.place.asn.map(|a| a.to_string())) {
        let network = down[0]
            .place
            .network
            .as_deref()
            .map_or(String::new(), |n| format!(" ({n})"));
        found.push(format!(
            "It fails only from AS{asn}{network}, and works from other networks: a problem between that network and the site."
        ));
    }
    if let Some(address) = only(&|r| r.address.map(str::to_string)) {
        found.push(format!(
            "Every place that reached {address} saw it fail, the places that reached the site's other addresses did not: one of the site's servers is failing."
        ));
    }
    found
}

fn you_sentence(standing: Standing, down_here: bool) -> String {
    match (standing, down_here) {
        (Standing::DownEverywhere, true) => {
            "Not you: the site fails for everyone who asked.".to_string()
        }
        (Standing::DownEverywhere, false) => {
            "It works for you, but fails from everywhere that was asked: it may be failing for most visitors.".to_string()
        }
        (Standing::DownSomewhere, true) => {
            "Not only you: the site fails from some places and works from others.".to_string()
        }
        (Standing::DownSomewhere, false) => {
            "It works for you and from most places; some places see it fail.".to_string()
        }
        (Standing::Up, true) => {
            "It's you, or your way to the site: the site answers everywhere else. The problem is between you and it.".to_string()
        }
        (Standing::Up, false) => "It works for you and for everyone who asked.".to_string(),
        (Standing::NoAnswer, _) => {
            "The world gave no answer, so only what you saw yourself counts.".to_string()
        }
    }
}

/// The visitor's next steps, by what the world says and what they saw themselves.
fn next_steps(standing: Standing, here: Option<&Verdict>, outliers: bool) -> Vec<Advice> {
    let mut steps = Vec::new();
    let mut add = |step: Step, why: &str| {
        steps.push(Advice {
            step,
            why: why.to_string(),
        })
    };
    let here_down = here.is_some_and(|v| v.error);
    match standing {
        Standing::DownEverywhere => {
            add(Step::Retry, "The site fails for everyone: nothing on your side will fix it. Retry later, with growing pauses.");
            add(Step::ContactSite, "Only the site's operators can fix this.");
            add(
                Step::ArchivedCopy,
                "Meanwhile an archived copy of the page may have what you came for.",
            );
        }
        Standing::DownSomewhere => {
            if outliers {
                add(Step::OtherNetwork, "The failure depends on where you come from: another network (mobile data, a VPN's exit elsewhere) may get through.");
            }
            add(Step::Retry, "Failures seen only from some places often clear within minutes: retry, with growing pauses.");
            add(
                Step::ArchivedCopy,
                "Meanwhile an archived copy of the page may have what you came for.",
            );
        }
        Standing::Up if here_down => {
            steps.extend(your_side_steps(here));
        }
        Standing::Up => {}
        Standing::NoAnswer => {
            add(
                Step::CheckElsewhere,
                "Ask again in a few minutes, or from a checker you trust.",
            );
        }
    }
    steps
}

/// When the world sees the site up and the visitor does not: their own side, ranked by what
/// their own verdict shows.
fn your_side_steps(here: Option<&Verdict>) -> Vec<Advice> {
    let cause = here.and_then(|v| v.failed_hop.as_ref()).map(|h| h.cause);
    let via_proxy = here.is_some_and(|v| {
        v.generator
            .as_ref()
            .is_some_and(|g| g.role == Role::ForwardProxy)
            || v.chain
                .first()
                .is_some_and(|l| l.role == Role::ForwardProxy)
    });
    let cached = here.is_some_and(|v| v.evidence.iter().any(|e| e.points_to == "cache"));
    let unreachable =
        here.is_some_and(|v| v.status.is_none() || v.category == Category::OriginUnreachable);
    let mut ranked: Vec<(u8, Step, &str)> = vec![
        (
            if cause == Some(Cause::Dns) || unreachable { 0 } else { 3 },
            Step::CheckDns,
            "The site answers elsewhere: your DNS may give an old or wrong address. Compare resolvers and flush the DNS cache, then retry.",
        ),
        (
            if cause == Some(Cause::HeaderTooLarge) { 0 } else { 4 },
            Step::PrivateWindow,
            "A private window (no cookies, no extensions) shows whether something in this browser breaks the page.",
        ),
        (
            if via_proxy { 0 } else { 5 },
            Step::OtherNetwork,
            "Another network (mobile data instead of Wi-Fi), or the proxy or VPN off, shows whether your network is in the way.",
        ),
    ];
    if cached {
        ranked.push((
            1,
            Step::BypassCache,
            "Your copy of the error came from a cache: a reload that skips every cache may already get the working page.",
        ));
    }
    ranked.sort_by_key(|(rank, ..)| *rank);
    ranked
        .into_iter()
        .map(|(_, step, why)| Advice {
            step,
            why: why.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
