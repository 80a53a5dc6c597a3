//! The world view from recorded answers: each place's response is a real one of the corpus
//! (`tests/corpus/`), classified as a probe's answer would be.

use super::*;
use crate::{classify, parse_response};

fn corpus(path: &str) -> Verdict {
    let file = format!("{}/../../tests/corpus/{path}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    classify(&parse_response(&raw).unwrap())
}

fn place(city: &str, country: &str, asn: u32) -> Place {
    Place {
        city: Some(city.into()),
        country: Some(country.into()),
        asn: Some(asn),
        network: Some(format!("Network {asn}")),
    }
}

fn saw(place: Place, path: &str) -> PlaceAnswer {
    PlaceAnswer {
        place,
        seen: Seen::Response {
            verdict: Box::new(corpus(path)),
            address: None,
        },
    }
}

fn saw_at(place: Place, path: &str, address: &str) -> PlaceAnswer {
    PlaceAnswer {
        place,
        seen: Seen::Response {
            verdict: Box::new(corpus(path)),
            address: Some(address.into()),
        },
    }
}

fn unreachable(place: Place, cause: Cause) -> PlaceAnswer {
    PlaceAnswer {
        place,
        seen: Seen::Unreachable {
            cause,
            detail: "recorded".into(),
        },
    }
}

fn silent(place: Place) -> PlaceAnswer {
    PlaceAnswer {
        place,
        seen: Seen::NoAnswer {
            detail: "the probe went offline".into(),
        },
    }
}

const CF_522: &str = "vendor/cloudflare-522.http";
const NGINX_REFUSED: &str = "captured/nginx-refused.http";
const HEALTHY: &str = "captured/nginx-healthy200.http";

fn steps(view: &WorldView) -> Vec<Step> {
    view.next.iter().map(|a| a.step).collect()
}

#[test]
fn down_everywhere_with_one_failure_names_it_and_says_not_you() {
    let answers = vec![
        saw(place("Frankfurt", "DE", 3320), CF_522),
        saw(place("Berlin", "DE", 6805), CF_522),
        saw(place("Dallas", "US", 7018), CF_522),
        silent(place("Tokyo", "JP", 2516)),
    ];
    let here = corpus(CF_522);
    let view = WorldView::of(&answers, Some(&here));
    assert_eq!(view.standing, Standing::DownEverywhere);
    assert_eq!(
        (view.asked, view.down, view.up, view.unanswered),
        (4, 3, 0, 1)
    );
    assert_eq!(
        view.countries, 2,
        "the silent place's country does not count"
    );
    assert_eq!(view.failures.len(), 1);
    let failure = &view.failures[0];
    assert_eq!(failure.generator, "cloudflare");
    assert_eq!(failure.status, Some(522));
    assert_eq!(failure.places, 3);
    assert_eq!(failure.countries, ["DE", "US"]);
    assert!(
        view.summary.starts_with(
            "Down from 3 of 3 places in 2 countries (1 more place gave no answer) — all saw Cloudflare 522: "
        ),
        "{}",
        view.summary
    );
    assert_eq!(
        view.you.as_deref(),
        Some("Not you: the site fails for everyone who asked.")
    );
    assert_eq!(
        steps(&view),
        [Step::Retry, Step::ContactSite, Step::ArchivedCopy]
    );
    assert!(view.outliers.is_empty(), "{:?}", view.outliers);
    assert_eq!(
        view.places.last().unwrap().down,
        None,
        "places that gave no answer come last"
    );
    assert_eq!(view.places[0].label, "Cloudflare 522");
    assert_eq!(view.places.last().unwrap().label, "no answer");
}

#[test]
fn up_everywhere_while_down_here_turns_to_the_visitors_side() {
    let answers = vec![
        saw(place("Paris", "FR", 3215), HEALTHY),
        saw(place("London", "GB", 2856), HEALTHY),
    ];
    let here = crate::classify_network_failure(&crate::NetworkFailure {
        url: Some("https://shop.example/".into()),
        host: "shop.example".into(),
        stage: crate::NetworkStage::Dns,
        cause: Cause::Dns,
        detail: "no such name".into(),
        vantage: crate::Vantage::Browser,
    });
    let view = WorldView::of(&answers, Some(&here));
    assert_eq!(view.standing, Standing::Up);
    assert_eq!(
        view.summary,
        "Up from 2 of 2 places in 2 countries: the site answers."
    );
    assert!(view.you.as_deref().unwrap().starts_with("It's you"));
    assert_eq!(
        steps(&view)[0],
        Step::CheckDns,
        "a name that did not resolve here puts DNS first"
    );
    assert!(steps(&view).contains(&Step::PrivateWindow));
    assert!(view.failures.is_empty());
}

#[test]
fn up_everywhere_behind_a_proxy_of_ones_own_puts_another_network_first() {
    let answers = vec![saw(place("Paris", "FR", 3215), HEALTHY)];
    let here = corpus("wild/privoxy-503-forwarding-failure-html-truncated.http");
    assert_eq!(
        here.generator.as_ref().map(|g| g.role),
        Some(Role::ForwardProxy),
        "the recorded page is a forward proxy's"
    );
    let view = WorldView::of(&answers, Some(&here));
    assert_eq!(steps(&view)[0], Step::OtherNetwork);
}

#[test]
fn a_failure_from_one_country_only_is_an_outlier() {
    let answers = vec![
        saw(place("Mumbai", "IN", 9829), NGINX_REFUSED),
        saw(place("Delhi", "IN", 55836), NGINX_REFUSED),
        saw(place("Paris", "FR", 3215), HEALTHY),
        saw(place("Dallas", "US", 7018), HEALTHY),
        saw(place("Lima", "PE", 6147), HEALTHY),
    ];
    let view = WorldView::of(&answers, None);
    assert_eq!(view.standing, Standing::DownSomewhere);
    assert!(
        view.summary.starts_with(
            "Down from 2 of 5 places in 4 countries, up from the other 3 — all saw nginx 502: "
        ),
        "{}",
        view.summary
    );
    assert_eq!(view.outliers.len(), 1, "{:?}", view.outliers);
    assert!(view.outliers[0].starts_with("It fails only from IN,"));
    assert_eq!(
        view.you, None,
        "nothing is said of the visitor without their own verdict"
    );
    assert_eq!(steps(&view)[0], Step::OtherNetwork);
}

#[test]
fn a_failure_from_one_network_only_is_an_outlier() {
    let answers = vec![
        saw(place("Berlin", "DE", 3320), NGINX_REFUSED),
        saw(place("Paris", "FR", 3320), NGINX_REFUSED),
        saw(place("Munich", "DE", 6805), HEALTHY),
        saw(place("Lyon", "FR", 12322), HEALTHY),
    ];
    let view = WorldView::of(&answers, None);
    assert_eq!(view.outliers.len(), 1, "{:?}", view.outliers);
    assert!(
        view.outliers[0].starts_with("It fails only from AS3320 (Network 3320)"),
        "{}",
        view.outliers[0]
    );
}

#[test]
fn a_failure_through_one_address_only_points_at_one_server() {
    let answers = vec![
        saw_at(place("Berlin", "DE", 3320), NGINX_REFUSED, "192.0.2.7"),
        saw_at(place("Dallas", "US", 7018), NGINX_REFUSED, "192.0.2.7"),
        saw_at(place("Munich", "DE", 6805), HEALTHY, "192.0.2.8"),
        saw_at(place("Austin", "US", 7922), HEALTHY, "192.0.2.8"),
    ];
    let view = WorldView::of(&answers, None);
    assert!(
        view.outliers
            .iter()
            .any(|o| o.starts_with("Every place that reached 192.0.2.7 saw it fail")),
        "{:?}",
        view.outliers
    );
}

#[test]
fn names_that_do_not_resolve_from_some_places_are_a_dns_outlier() {
    let answers = vec![
        unreachable(place("Sydney", "AU", 1221), Cause::Dns),
        saw(place("Paris", "FR", 3215), HEALTHY),
        saw(place("Dallas", "US", 7018), HEALTHY),
    ];
    let view = WorldView::of(&answers, None);
    assert_eq!(view.standing, Standing::DownSomewhere);
    assert_eq!(view.failures[0].label, "name not resolved");
    assert!(view
        .outliers
        .iter()
        .any(|o| o.starts_with("The name does not resolve from 1 place")));
}

#[test]
fn mixed_failures_are_grouped_most_seen_first() {
    let answers = vec![
        unreachable(place("Sydney", "AU", 1221), Cause::Timeout),
        saw(place("Paris", "FR", 3215), NGINX_REFUSED),
        saw(place("Dallas", "US", 7018), NGINX_REFUSED),
    ];
    let view = WorldView::of(&answers, None);
    assert_eq!(view.standing, Standing::DownEverywhere);
    let labels: Vec<&str> = view.failures.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["nginx 502", "no answer in time"]);
    assert!(
        view.summary.contains("— most saw nginx 502 (2 of 3): "),
        "{}",
        view.summary
    );
}

#[test]
fn no_answer_at_all_says_so_and_suggests_asking_again() {
    let answers = vec![silent(place("Paris", "FR", 3215))];
    let view = WorldView::of(&answers, None);
    assert_eq!(view.standing, Standing::NoAnswer);
    assert_eq!(view.countries, 0);
    assert!(view.summary.starts_with("No place gave an answer"));
    assert_eq!(steps(&view), [Step::CheckElsewhere]);
    let empty = WorldView::of(&[], None);
    assert_eq!((empty.standing, empty.asked), (Standing::NoAnswer, 0));
}

#[test]
fn the_view_is_the_same_for_the_same_answers_and_round_trips_as_json() {
    let answers = vec![
        saw(place("Frankfurt", "DE", 3320), CF_522),
        saw(place("Paris", "FR", 3215), HEALTHY),
    ];
    let view = WorldView::of(&answers, None);
    assert_eq!(view, WorldView::of(&answers, None));
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["standing"], "down-somewhere");
    assert_eq!(json["failures"][0]["cause"], "timeout");
    let back: WorldView = serde_json::from_value(json).unwrap();
    assert_eq!(back, view);
    let answers_json = serde_json::to_value(&answers).unwrap();
    assert_eq!(answers_json[0]["seen"]["kind"], "response");
}

#[test]
fn place_labels_say_what_is_known() {
    assert_eq!(
        place("Frankfurt", "DE", 3320).label(),
        "Frankfurt, DE · AS3320 Network 3320"
    );
    assert_eq!(Place::default().label(), "somewhere");
    let country_only = Place {
        country: Some("NL".into()),
        ..Place::default()
    };
    assert_eq!(country_only.label(), "NL");
}
