use super::tab::*;
use super::*;
use crate::verdict::{Cause, Step, Verdict};
use crate::{classify, classify_network_failure, parse_response, NetworkFailure, NetworkStage};

const URL: &str = "http://127.0.0.1:8080/page?x=1";
const T0: u64 = 1_795_428_000_000; // 2026-11-23 10:00:00 UTC

const NGINX_502: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n\
<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

fn verdict_of(raw: &[u8]) -> Verdict {
    classify(&parse_response(raw).unwrap())
}

fn nginx_502() -> Verdict {
    verdict_of(NGINX_502)
}

fn app_502() -> Verdict {
    verdict_of(include_bytes!(
        "../../../../tests/corpus/captured/nginx-app502.http"
    ))
}

fn refused() -> Verdict {
    classify_network_failure(&NetworkFailure {
        url: Some(URL.into()),
        host: "127.0.0.1".into(),
        stage: NetworkStage::Connect,
        cause: Cause::ConnectionRefused,
        detail: "net::ERR_CONNECTION_REFUSED".into(),
        vantage: crate::Vantage::Browser,
    })
}

fn test_config() -> Config {
    Config {
        native_host: false,
        ..Config::default()
    }
}

fn failed(tab: TabId, verdict: Verdict, headers: &[(&str, &str)]) -> Event {
    Event::PageFailed {
        tab,
        url: URL.into(),
        verdict: Box::new(verdict),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

fn answer(status: u16, headers: &[(&str, &str)]) -> ProbeOutcome {
    ProbeOutcome::Answered {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

fn probes(actions: &[Action]) -> Vec<(TabId, u64, String, bool)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Probe {
                tab,
                probe,
                url,
                bypass_cache,
                ..
            } => Some((*tab, *probe, url.clone(), *bypass_cache)),
            _ => None,
        })
        .collect()
}

/// Ticks at the next wake time and returns the single probe started then, with that time.
fn next_probe(doctor: &mut Doctor) -> (u64, u64, String, bool) {
    let at = doctor.next_wake_ms().expect("a probe is scheduled");
    let started = probes(&doctor.handle(Event::Tick, at));
    assert_eq!(started.len(), 1, "exactly one probe starts at {at}");
    let (_, id, url, bypass) = started[0].clone();
    (at, id, url, bypass)
}

#[test]
fn full_jitter_stays_between_the_floor_and_the_ceiling() {
    let config = Config::default();
    let mut jitter = Jitter::new(42);
    for attempt in 0..12 {
        let ceiling = ceiling_ms(&config, attempt);
        assert_eq!(ceiling, (2_000u64 << attempt).min(60_000));
        let draws: Vec<u64> = (0..500)
            .map(|_| delay_ms(&config, attempt, None, &mut jitter))
            .collect();
        assert!(draws.iter().all(|&d| (1_000..=ceiling).contains(&d)));
        // Full jitter spreads over the whole range, not around one value.
        let spread = draws.iter().max().unwrap() - draws.iter().min().unwrap();
        assert!(
            spread > (ceiling - 1_000) / 2,
            "attempt {attempt}: spread {spread}"
        );
    }
    assert_eq!(ceiling_ms(&config, 200), 60_000);
    assert!(delay_ms(&config, 0, Some(30_000), &mut jitter) >= 30_000);
}

#[test]
fn same_seed_same_delays_other_seed_other_delays() {
    let config = Config::default();
    let run = |seed| {
        let mut jitter = Jitter::new(seed);
        (0..8)
            .map(|n| delay_ms(&config, n, None, &mut jitter))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
}

#[test]
fn retry_after_as_seconds_and_as_dates() {
    let h = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(retry_after_ms(&h(&[("Retry-After", "3")]), T0), Some(3_000));
    assert_eq!(
        retry_after_ms(&h(&[("retry-after", " 120 ")]), T0),
        Some(120_000)
    );
    assert_eq!(
        retry_after_ms(&h(&[("Retry-After", "999999999999")]), T0),
        Some(24 * 3600 * 1000)
    );
    let dated = h(&[
        ("Date", "Mon, 23 Nov 2026 10:00:00 GMT"),
        ("Retry-After", "Mon, 23 Nov 2026 10:01:30 GMT"),
    ]);
    assert_eq!(retry_after_ms(&dated, 0), Some(90_000));
    // Without a Date header, the date is taken relative to the shell's clock.
    let undated = h(&[("Retry-After", "Mon, 23 Nov 2026 10:00:45 GMT")]);
    assert_eq!(retry_after_ms(&undated, T0), Some(45_000));
    assert_eq!(retry_after_ms(&undated, T0 + 60_000), Some(0));
    assert_eq!(retry_after_ms(&h(&[("Retry-After", "soon")]), T0), None);
    assert_eq!(retry_after_ms(&h(&[]), T0), None);
}

#[test]
fn a_failed_page_is_probed_on_schedule_and_the_tab_reloads_when_the_site_answers() {
    let mut doctor = Doctor::new(test_config(), 1);
    let actions = doctor.handle(failed(7, nginx_502(), &[]), T0);
    assert_eq!(actions, vec![Action::Render { tab: 7 }]);
    let due = doctor.next_wake_ms().unwrap();
    assert!(
        (T0 + 1_000..=T0 + 2_000).contains(&due),
        "first wait within the first ceiling"
    );
    assert!(
        probes(&doctor.handle(Event::Tick, due - 1)).is_empty(),
        "nothing before it is due"
    );

    // The first probe is the cache-bypass check.
    let (_, first, url, bypass) = next_probe(&mut doctor);
    assert!(bypass);
    assert!(
        url.starts_with("http://127.0.0.1:8080/page?x=1&_gwd="),
        "{url}"
    );
    // One probe in flight per tab: ticking again starts nothing.
    assert!(probes(&doctor.handle(Event::Tick, due + 500)).is_empty());
    doctor.handle(
        Event::ProbeDone {
            tab: 7,
            probe: first,
            outcome: answer(502, &[]),
        },
        due + 20,
    );
    let tab = doctor.tab(7).unwrap();
    assert_eq!(tab.bypass, BypassStep::Live { status: Some(502) });
    assert_eq!(tab.retry, RetryStep::Active);

    let (at, second, url, bypass) = next_probe(&mut doctor);
    assert!(!bypass);
    assert_eq!(url, URL);
    assert!(
        at >= due + 20 + 1_000 && at <= due + 20 + 4_000,
        "second wait within 2 * base"
    );
    let actions = doctor.handle(
        Event::ProbeDone {
            tab: 7,
            probe: second,
            outcome: answer(200, &[]),
        },
        at + 30,
    );
    assert!(actions.contains(&Action::Reload { tab: 7 }));
    assert_eq!(
        doctor.tab(7).unwrap().retry,
        RetryStep::Recovered { at_ms: at + 30 }
    );
    assert_eq!(doctor.next_wake_ms(), None, "nothing more to do");
    let view = doctor.view(7, at + 40).unwrap();
    assert!(
        view.doing.contains("answers again after 2 tries"),
        "{}",
        view.doing
    );

    // The reload navigates the tab to the same URL: that is not the visitor leaving.
    doctor.handle(
        Event::Navigating {
            tab: 7,
            url: URL.into(),
        },
        at + 50,
    );
    assert!(doctor.tab(7).is_some());
    let actions = doctor.handle(
        Event::PageHealthy {
            tab: 7,
            url: URL.into(),
        },
        at + 90,
    );
    assert_eq!(actions, vec![Action::Render { tab: 7 }]);
    assert!(doctor.view(7, at + 90).is_none());
}

#[test]
fn retry_after_is_honoured_for_the_first_and_later_probes() {
    let mut doctor = Doctor::new(test_config(), 2);
    doctor.handle(
        failed(
            1,
            verdict_of(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\n\r\n"),
            &[("Retry-After", "30")],
        ),
        T0,
    );
    let (at, probe, _, _) = next_probe(&mut doctor);
    assert!(
        at >= T0 + 30_000,
        "first probe {} ms after the page",
        at - T0
    );
    doctor.handle(
        Event::ProbeDone {
            tab: 1,
            probe,
            outcome: answer(503, &[("Retry-After", "45")]),
        },
        at + 10,
    );
    let (next, probe, _, _) = next_probe(&mut doctor);
    assert!(next >= at + 10 + 45_000);
    // A response without Retry-After goes back to the plain schedule.
    doctor.handle(
        Event::ProbeDone {
            tab: 1,
            probe,
            outcome: answer(503, &[]),
        },
        next + 10,
    );
    let third = doctor.next_wake_ms().unwrap();
    assert!(third <= next + 10 + 8_000);
}

#[test]
fn retries_stop_after_the_attempt_limit() {
    let config = Config {
        max_attempts: 4,
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 3);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    let mut sent = 0;
    while let Some(at) = doctor.next_wake_ms() {
        let started = probes(&doctor.handle(Event::Tick, at));
        assert!(started.len() <= 1);
        for (tab, probe, _, _) in started {
            sent += 1;
            doctor.handle(
                Event::ProbeDone {
                    tab,
                    probe,
                    outcome: answer(502, &[]),
                },
                at + 5,
            );
        }
        assert!(sent <= 4, "never more than the limit");
    }
    assert_eq!(sent, 4);
    assert_eq!(
        doctor.tab(1).unwrap().retry,
        RetryStep::GaveUp {
            reason: GiveUp::Attempts
        }
    );
    let view = doctor.view(1, T0 + 600_000).unwrap();
    assert_eq!(view.steps[0].state, StepState::Failed);
    assert!(
        view.doing.starts_with("Gave up after 4 tries"),
        "{}",
        view.doing
    );
    assert!(!view.can_stop);
}

#[test]
fn retries_stop_at_the_total_time_and_a_far_retry_after_is_not_waited_for() {
    let config = Config {
        max_total_ms: 20_000,
        max_attempts: 50,
        ..test_config()
    };
    let mut doctor = Doctor::new(config.clone(), 4);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    while let Some(at) = doctor.next_wake_ms() {
        assert!(at <= T0 + 20_000, "no probe after the deadline");
        for (tab, probe, _, _) in probes(&doctor.handle(Event::Tick, at)) {
            doctor.handle(
                Event::ProbeDone {
                    tab,
                    probe,
                    outcome: answer(502, &[]),
                },
                at + 5,
            );
        }
    }
    assert_eq!(
        doctor.tab(1).unwrap().retry,
        RetryStep::GaveUp {
            reason: GiveUp::TotalTime
        }
    );

    let mut doctor = Doctor::new(config, 4);
    doctor.handle(failed(2, nginx_502(), &[("Retry-After", "3600")]), T0);
    assert_eq!(doctor.next_wake_ms(), None);
    let tab = doctor.tab(2).unwrap();
    assert_eq!(
        tab.retry,
        RetryStep::GaveUp {
            reason: GiveUp::ServerAsksLater { wait_ms: 3_600_000 }
        }
    );
    let view = doctor.view(2, T0).unwrap();
    assert!(view.doing.contains("come back in 60 min"), "{}", view.doing);
}

#[test]
fn stop_aborts_the_probe_in_flight_and_ignores_its_late_answer() {
    let mut doctor = Doctor::new(test_config(), 5);
    doctor.handle(failed(3, nginx_502(), &[]), T0);
    let (at, probe, _, _) = next_probe(&mut doctor);
    let actions = doctor.handle(Event::Stop { tab: 3 }, at + 1);
    assert!(actions.contains(&Action::AbortProbe { tab: 3, probe }));
    assert_eq!(doctor.next_wake_ms(), None);
    let late = doctor.handle(
        Event::ProbeDone {
            tab: 3,
            probe,
            outcome: answer(200, &[]),
        },
        at + 2,
    );
    assert!(late.is_empty(), "a stopped probe's answer changes nothing");
    let view = doctor.view(3, at + 3).unwrap();
    assert_eq!(view.steps[0].state, StepState::Skipped);
    assert!(view.doing.starts_with("Stopped after 1 try"));
    assert_eq!(view.badge.color, "#616161");
}

#[test]
fn navigating_away_ends_the_checklist() {
    let mut doctor = Doctor::new(test_config(), 6);
    doctor.handle(failed(4, nginx_502(), &[]), T0);
    let (at, probe, _, _) = next_probe(&mut doctor);
    let actions = doctor.handle(
        Event::Navigating {
            tab: 4,
            url: "http://other.example/".into(),
        },
        at + 1,
    );
    assert!(actions.contains(&Action::AbortProbe { tab: 4, probe }));
    assert!(doctor.tab(4).is_none());
    assert_eq!(doctor.next_wake_ms(), None);
    // Closing a tab without a checklist is a no-op.
    assert!(doctor
        .handle(Event::TabClosed { tab: 4 }, at + 2)
        .is_empty());
}

#[test]
fn a_site_that_fails_again_after_the_reload_continues_the_same_schedule() {
    let config = Config {
        max_attempts: 3,
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 7);
    doctor.handle(failed(5, nginx_502(), &[]), T0);
    let (at, probe, _, _) = next_probe(&mut doctor);
    doctor.handle(
        Event::ProbeDone {
            tab: 5,
            probe,
            outcome: answer(200, &[]),
        },
        at + 5,
    );
    doctor.handle(
        Event::Navigating {
            tab: 5,
            url: URL.into(),
        },
        at + 6,
    );
    // Flapping: the reload gets the error again.
    doctor.handle(failed(5, nginx_502(), &[]), at + 20);
    let tab = doctor.tab(5).unwrap();
    assert_eq!(tab.attempts.len(), 1, "attempts carry over");
    assert_eq!(tab.started_at_ms, T0);
    assert_eq!(tab.bypass, BypassStep::Fresh { status: 200 });
    let (_, probe, _, bypass) = next_probe(&mut doctor);
    assert!(!bypass, "the cache check is not repeated");
    doctor.handle(
        Event::ProbeDone {
            tab: 5,
            probe,
            outcome: answer(502, &[]),
        },
        at + 10_000,
    );
    let (_, probe, _, _) = next_probe(&mut doctor);
    doctor.handle(
        Event::ProbeDone {
            tab: 5,
            probe,
            outcome: answer(502, &[]),
        },
        at + 30_000,
    );
    assert_eq!(
        doctor.next_wake_ms(),
        None,
        "3 probes in all, as configured"
    );

    // A reload the visitor makes starts afresh.
    doctor.handle(
        Event::Navigating {
            tab: 5,
            url: URL.into(),
        },
        at + 40_000,
    );
    doctor.handle(failed(5, nginx_502(), &[]), at + 40_100);
    assert!(doctor.tab(5).unwrap().attempts.is_empty());
}

#[test]
fn a_second_verdict_on_the_same_page_refines_the_checklist_without_restarting_it() {
    let config = Config {
        vantage_points: vec!["https://a.example".into()],
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 19);
    let headers_only = verdict_of(b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n");
    let first = doctor.handle(failed(6, headers_only, &[]), T0);
    assert_eq!(
        first
            .iter()
            .filter(|a| matches!(a, Action::AskVantage { .. }))
            .count(),
        1
    );
    let (at, probe, _, _) = next_probe(&mut doctor);
    let refined = doctor.handle(failed(6, nginx_502(), &[]), at + 10);
    assert!(refined.contains(&Action::AbortProbe { tab: 6, probe }));
    assert!(
        !refined
            .iter()
            .any(|a| matches!(a, Action::AskVantage { .. })),
        "not asked twice"
    );
    let tab = doctor.tab(6).unwrap();
    assert_eq!(tab.started_at_ms, T0);
    assert_eq!(tab.attempts.len(), 1);
    assert_eq!(tab.verdict.generator.as_ref().unwrap().vendor, "nginx");
    // A Stop holds through a second look.
    doctor.handle(Event::Stop { tab: 6 }, at + 20);
    doctor.handle(failed(6, nginx_502(), &[]), at + 30);
    assert_eq!(doctor.tab(6).unwrap().retry, RetryStep::Stopped);
    assert_eq!(
        doctor.next_wake_ms(),
        Some(T0 + 15_000),
        "only the vantage point's timeout"
    );
}

#[test]
fn the_per_site_cap_spans_tabs_and_defers_probes() {
    let config = Config {
        site_probe_limit: 3,
        site_window_ms: 60_000,
        max_total_ms: 5 * 60_000,
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 8);
    for tab in 1..=4 {
        doctor.handle(failed(tab, nginx_502(), &[]), T0);
    }
    let wake = doctor.next_wake_ms().unwrap();
    let at = T0 + 2_000;
    assert!(wake <= at);
    let started = probes(&doctor.handle(Event::Tick, at));
    assert_eq!(
        started.len(),
        3,
        "three probes to the site, whatever the number of tabs"
    );
    let deferred = doctor.tab(4).unwrap();
    let ProbeState::Due { at_ms, .. } = deferred.probe else {
        panic!("tab 4 waits for the window: {:?}", deferred.probe)
    };
    assert!(
        at_ms >= T0 + 60_000,
        "deferred to when the window frees a slot"
    );

    // With a window longer than the deadline, the tab gives up instead.
    let config = Config {
        site_probe_limit: 1,
        site_window_ms: 10 * 60_000,
        max_total_ms: 60_000,
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 8);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    doctor.handle(failed(2, nginx_502(), &[]), T0);
    doctor.handle(Event::Tick, T0 + 2_000);
    let gave_up = [1, 2]
        .iter()
        .filter(|&&t| {
            doctor.tab(t).unwrap().retry
                == RetryStep::GaveUp {
                    reason: GiveUp::SiteCap,
                }
        })
        .count();
    assert_eq!(gave_up, 1);
}

#[test]
fn a_probe_without_answer_times_out_and_counts_as_a_failure() {
    let mut doctor = Doctor::new(test_config(), 9);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    let (at, probe, _, _) = next_probe(&mut doctor);
    assert_eq!(doctor.next_wake_ms(), Some(at + 15_000));
    let actions = doctor.handle(Event::Tick, at + 15_000);
    assert!(actions.contains(&Action::AbortProbe { tab: 1, probe }));
    let tab = doctor.tab(1).unwrap();
    assert_eq!(
        tab.attempts[0].failure.as_deref(),
        Some("no answer within 15 s")
    );
    assert_eq!(tab.bypass, BypassStep::Live { status: None });
    assert!(matches!(tab.probe, ProbeState::Due { .. }));
}

#[test]
fn without_vantage_points_the_step_says_so_and_nothing_is_asked() {
    let mut doctor = Doctor::new(test_config(), 10);
    let actions = doctor.handle(failed(1, nginx_502(), &[]), T0);
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::AskVantage { .. })));
    let view = doctor.view(1, T0).unwrap();
    let step = view
        .steps
        .iter()
        .find(|s| s.id == "check-elsewhere")
        .unwrap();
    assert_eq!(step.state, StepState::Skipped);
    assert!(step.detail.starts_with("No vantage point is configured"));
}

#[test]
fn vantage_points_are_asked_once_and_decide_whose_side_it_is() {
    let config = Config {
        vantage_points: vec!["https://a.example".into(), "https://b.example".into()],
        ..test_config()
    }
    .validate()
    .unwrap();
    let mut doctor = Doctor::new(config, 11);
    let actions = doctor.handle(failed(1, nginx_502(), &[]), T0);
    let asked: Vec<&String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::AskVantage { checker, url, .. } => {
                assert_eq!(url, URL);
                Some(checker)
            }
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["https://a.example", "https://b.example"]);
    assert_eq!(
        doctor.view(1, T0).unwrap().whose,
        Whose::Site,
        "from the verdict, meanwhile"
    );
    let down = RemoteOutcome::Answered {
        error: true,
        status: Some(502),
        summary: "502 from nginx".into(),
    };
    doctor.handle(
        Event::VantageDone {
            tab: 1,
            checker: "https://a.example".into(),
            outcome: down,
        },
        T0 + 100,
    );
    let view = doctor.view(1, T0 + 100).unwrap();
    assert_eq!(view.steps[2].state, StepState::Running);
    let up = RemoteOutcome::Answered {
        error: false,
        status: Some(200),
        summary: "not an error".into(),
    };
    let actions = doctor.handle(
        Event::VantageDone {
            tab: 1,
            checker: "https://b.example".into(),
            outcome: up,
        },
        T0 + 200,
    );
    assert_eq!(actions, vec![Action::Render { tab: 1 }]);
    let view = doctor.view(1, T0 + 200).unwrap();
    assert_eq!(view.whose, Whose::You);
    assert!(
        view.steps[2]
            .detail
            .starts_with("Not down for everyone: 1 of 2"),
        "{}",
        view.steps[2].detail
    );
    // A second answer from the same checker is ignored.
    let again = RemoteOutcome::Failed { detail: "x".into() };
    assert!(doctor
        .handle(
            Event::VantageDone {
                tab: 1,
                checker: "https://b.example".into(),
                outcome: again
            },
            T0 + 300
        )
        .is_empty());
}

#[test]
fn unanswered_vantage_points_time_out() {
    let config = Config {
        vantage_points: vec!["http://127.0.0.1:9".into()],
        auto_retry: false,
        ..test_config()
    };
    let mut doctor = Doctor::new(config, 12);
    doctor.handle(failed(1, refused(), &[]), T0);
    assert_eq!(doctor.next_wake_ms(), Some(T0 + 15_000));
    doctor.handle(Event::Tick, T0 + 15_000);
    let view = doctor.view(1, T0 + 15_000).unwrap();
    assert_eq!(view.steps[2].state, StepState::Failed);
    assert!(view.steps[2].detail.contains("no answer within 15 s"));
    assert_eq!(doctor.next_wake_ms(), None);
}

#[test]
fn native_steps_follow_the_options_and_the_host_name() {
    let mut doctor = Doctor::new(Config::default(), 13);
    let actions = doctor.handle(failed(1, nginx_502(), &[]), T0);
    let steps: Vec<NativeStep> = actions
        .iter()
        .filter_map(|a| match a {
            Action::AskNative { step, host, .. } => {
                assert_eq!(host, "127.0.0.1");
                Some(*step)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        steps,
        [NativeStep::HopByHop],
        "no resolver comparison for an IP address"
    );
    doctor.handle(
        Event::NativeDone {
            tab: 1,
            step: NativeStep::HopByHop,
            outcome: NativeOutcome::Unavailable {
                detail: "Specified native messaging host not found.".into(),
            },
        },
        T0 + 5,
    );
    let view = doctor.view(1, T0 + 5).unwrap();
    let native = view.steps.iter().find(|s| s.id == "native-probe").unwrap();
    assert_eq!(native.state, StepState::Skipped);
    assert!(native.detail.contains("not installed"));

    let mut doctor = Doctor::new(Config::default(), 13);
    let actions = doctor.handle(
        Event::PageFailed {
            tab: 2,
            url: "https://shop.example.com/".into(),
            verdict: Box::new(nginx_502()),
            headers: vec![],
        },
        T0,
    );
    let asked = actions
        .iter()
        .filter(|a| matches!(a, Action::AskNative { .. }))
        .count();
    assert_eq!(asked, 2);
    doctor.handle(
        Event::NativeDone {
            tab: 2,
            step: NativeStep::HopByHop,
            outcome: NativeOutcome::Answered {
                healthy: true,
                finding: "200 from nginx".into(),
            },
        },
        T0 + 9,
    );
    assert_eq!(doctor.view(2, T0 + 9).unwrap().whose, Whose::You);

    let mut doctor = Doctor::new(test_config(), 13);
    doctor.handle(failed(3, nginx_502(), &[]), T0);
    let view = doctor.view(3, T0).unwrap();
    let native = view.steps.iter().find(|s| s.id == "native-probe").unwrap();
    assert!(native.detail.contains("turned off"));
}

#[test]
fn when_retrying_does_not_help_only_the_cache_check_runs() {
    let tls = verdict_of(
        b"HTTP/1.1 526 Invalid SSL Certificate\r\nServer: cloudflare\r\nCF-RAY: 1-AMS\r\n\r\n",
    );
    assert!(!tls.retry.advised);
    let mut doctor = Doctor::new(test_config(), 14);
    doctor.handle(failed(1, tls, &[]), T0);
    let (_, probe, _, bypass) = next_probe(&mut doctor);
    assert!(bypass);
    doctor.handle(
        Event::ProbeDone {
            tab: 1,
            probe,
            outcome: answer(526, &[]),
        },
        T0 + 2_000,
    );
    assert_eq!(doctor.next_wake_ms(), None, "one request, no retries");
    assert_eq!(doctor.tab(1).unwrap().retry, RetryStep::NotAdvised);

    let mut doctor = Doctor::new(
        Config {
            auto_retry: false,
            ..test_config()
        },
        14,
    );
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    let (_, probe, _, _) = next_probe(&mut doctor);
    let actions = doctor.handle(
        Event::ProbeDone {
            tab: 1,
            probe,
            outcome: answer(200, &[]),
        },
        T0 + 2_000,
    );
    assert!(
        actions.contains(&Action::Reload { tab: 1 }),
        "a stale copy is reloaded even without auto-retry"
    );
}

#[test]
fn a_network_failure_has_no_cache_step_and_its_own_chain() {
    let mut doctor = Doctor::new(test_config(), 15);
    doctor.handle(failed(1, refused(), &[]), T0);
    let (_, _, url, bypass) = next_probe(&mut doctor);
    assert!(!bypass);
    assert_eq!(url, URL);
    let view = doctor.view(1, T0 + 5_000).unwrap();
    assert_eq!(view.badge.text, "ERR");
    assert_eq!(view.whose, Whose::Unclear);
    assert_eq!(view.steps[1].state, StepState::Skipped);
    let labels: Vec<&str> = view
        .shown
        .chain
        .nodes
        .iter()
        .map(|n| n.label.as_str())
        .collect();
    assert_eq!(labels, ["You", "127.0.0.1"]);
    assert_eq!(view.shown.chain.broken_link, Some(0));
}

#[test]
fn the_chain_marks_the_gateway_hop_or_the_failing_app() {
    let mut doctor = Doctor::new(test_config(), 16);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    doctor.handle(failed(2, app_502(), &[]), T0);
    let gateway = doctor.view(1, T0).unwrap();
    let labels: Vec<&str> = gateway
        .shown
        .chain
        .nodes
        .iter()
        .map(|n| n.label.as_str())
        .collect();
    assert_eq!(labels, ["You", "nginx", "app"]);
    assert_eq!(gateway.shown.chain.nodes[1].role, "proxy");
    assert_eq!(
        gateway.shown.chain.broken_link,
        Some(1),
        "nginx → app failed"
    );
    assert_eq!(gateway.shown.chain.page_from, Some(1));
    assert_eq!(
        gateway.badge,
        Badge {
            text: "502".into(),
            color: "#c62828".into()
        }
    );
    assert_eq!(gateway.whose, Whose::Site);
    assert_eq!(
        gateway.shown.summary,
        "nginx could not get an answer from the app behind it: the page does not say why."
    );

    let app = doctor.view(2, T0).unwrap();
    assert_eq!(app.verdict.generator.as_ref().unwrap().vendor, "origin");
    assert_eq!(
        app.shown.chain.failed_node,
        Some(app.shown.chain.nodes.len() - 1)
    );
    assert_eq!(app.shown.chain.page_from, app.shown.chain.failed_node);
    assert_eq!(app.shown.chain.broken_link, None);
    assert_eq!(
        app.shown.summary, app.verdict.summary,
        "the application's own words"
    );
}

#[test]
fn healthy_and_ignored_pages_get_no_checklist() {
    let config = Config {
        ignored_sites: vec!["example.com".into()],
        ..test_config()
    }
    .validate()
    .unwrap();
    let mut doctor = Doctor::new(config, 17);
    let healthy = verdict_of(b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\nhello");
    assert_eq!(
        doctor.handle(failed(1, healthy, &[]), T0),
        vec![Action::Render { tab: 1 }]
    );
    assert!(doctor.view(1, T0).is_none());
    let ignored = Event::PageFailed {
        tab: 2,
        url: "https://www.example.com:8443/x".into(),
        verdict: Box::new(nginx_502()),
        headers: vec![],
    };
    doctor.handle(ignored, T0);
    assert!(doctor.view(2, T0).is_none());
    assert_eq!(doctor.next_wake_ms(), None);
}

#[test]
fn the_state_survives_serialization_mid_run() {
    let mut doctor = Doctor::new(test_config(), 18);
    doctor.handle(failed(1, nginx_502(), &[]), T0);
    let (at, probe, _, _) = next_probe(&mut doctor);
    doctor.handle(
        Event::ProbeDone {
            tab: 1,
            probe,
            outcome: answer(502, &[]),
        },
        at + 5,
    );
    let saved = serde_json::to_string(&doctor).unwrap();
    let mut restored: Doctor = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, doctor);
    let wake = doctor.next_wake_ms().unwrap();
    assert_eq!(
        restored.handle(Event::Tick, wake),
        doctor.handle(Event::Tick, wake)
    );
}

#[test]
fn events_and_actions_are_tagged_json() {
    let event: Event = serde_json::from_str(
        r#"{"type":"probe-done","tab":3,"probe":9,"outcome":{"answered":{"status":502,"headers":[["Retry-After","5"]]}}}"#,
    )
    .unwrap();
    assert_eq!(
        event,
        Event::ProbeDone {
            tab: 3,
            probe: 9,
            outcome: answer(502, &[("Retry-After", "5")])
        }
    );
    let action = serde_json::to_value(Action::Reload { tab: 3 }).unwrap();
    assert_eq!(action, serde_json::json!({"type": "reload", "tab": 3}));
    let config: Config = serde_json::from_str(r#"{"auto_retry": false}"#).unwrap();
    assert_eq!(
        config.max_attempts,
        Config::default().max_attempts,
        "missing options take defaults"
    );
}

#[test]
fn bad_options_are_refused_with_the_field_named() {
    let bad = |config: Config| config.validate().unwrap_err().field;
    assert_eq!(
        bad(Config {
            min_delay_ms: 10,
            ..Config::default()
        }),
        "min_delay_ms"
    );
    assert_eq!(
        bad(Config {
            base_delay_ms: 500,
            ..Config::default()
        }),
        "base_delay_ms"
    );
    assert_eq!(
        bad(Config {
            max_delay_ms: 1_500,
            ..Config::default()
        }),
        "max_delay_ms"
    );
    assert_eq!(
        bad(Config {
            max_attempts: 0,
            ..Config::default()
        }),
        "max_attempts"
    );
    assert_eq!(
        bad(Config {
            max_attempts: 51,
            ..Config::default()
        }),
        "max_attempts"
    );
    assert_eq!(
        bad(Config {
            max_total_ms: u64::MAX,
            ..Config::default()
        }),
        "max_total_ms"
    );
    assert_eq!(
        bad(Config {
            probe_timeout_ms: 0,
            ..Config::default()
        }),
        "probe_timeout_ms"
    );
    assert_eq!(
        bad(Config {
            site_probe_limit: 0,
            ..Config::default()
        }),
        "site_probe_limit"
    );
    assert_eq!(
        bad(Config {
            vantage_points: vec!["ftp://x".into()],
            ..Config::default()
        }),
        "vantage_points"
    );
    assert_eq!(
        bad(Config {
            vantage_points: vec!["https:///x".into()],
            ..Config::default()
        }),
        "vantage_points"
    );
    assert_eq!(
        bad(Config {
            ignored_sites: vec!["https://a.com/".into()],
            ..Config::default()
        }),
        "ignored_sites"
    );
    let fine = Config {
        vantage_points: vec![
            " https://check.example/ ".into(),
            "https://check.example".into(),
            "".into(),
        ],
        ignored_sites: vec!["*.Example.COM".into(), "".into()],
        ..Config::default()
    }
    .validate()
    .unwrap();
    assert_eq!(fine.vantage_points, ["https://check.example"]);
    assert_eq!(fine.ignored_sites, ["example.com"]);
    assert!(fine.ignores("a.b.example.com") && fine.ignores("EXAMPLE.com."));
    assert!(!fine.ignores("notexample.com"));
}

#[test]
fn site_keys_and_cache_busting_urls() {
    assert_eq!(
        site_of("https://User@Example.com:8443/a?b#c").as_deref(),
        Some("example.com:8443")
    );
    assert_eq!(site_of("http://[::1]:9/").as_deref(), Some("[::1]:9"));
    assert_eq!(site::host_of("[::1]:9"), "::1");
    assert_eq!(site_of("about:blank"), None);
    assert_eq!(
        cache_busting("http://a/p#top", 255),
        "http://a/p?_gwd=00000000000000ff#top"
    );
    assert_eq!(
        cache_busting("http://a/p?q=1", 1),
        "http://a/p?q=1&_gwd=0000000000000001"
    );
}

#[test]
fn the_view_advises_only_what_the_checklist_does_not_do_itself() {
    let steps = |view: &TabView| view.shown.advice.iter().map(|a| a.step).collect::<Vec<_>>();
    let verdict = nginx_502();
    assert!(verdict.advice.iter().any(|a| a.step == Step::Retry));
    assert!(verdict
        .advice
        .iter()
        .any(|a| a.step == Step::CheckElsewhere));

    let mut doctor = Doctor::new(test_config(), 21);
    doctor.handle(failed(1, verdict.clone(), &[]), T0);
    let retrying = steps(&doctor.view(1, T0).unwrap());
    assert!(!retrying.contains(&Step::Retry), "{retrying:?}");
    assert!(
        retrying.contains(&Step::CheckElsewhere),
        "no vantage point: the visitor's to do"
    );
    doctor.handle(Event::Stop { tab: 1 }, T0 + 1);
    assert!(steps(&doctor.view(1, T0 + 2).unwrap()).contains(&Step::Retry));

    let with_checker = Config {
        vantage_points: vec!["https://a.example".into()],
        ..test_config()
    }
    .validate()
    .unwrap();
    let mut doctor = Doctor::new(with_checker, 22);
    doctor.handle(failed(2, verdict, &[]), T0);
    assert!(!steps(&doctor.view(2, T0).unwrap()).contains(&Step::CheckElsewhere));
}

#[test]
fn a_clock_that_goes_backwards_fires_nothing_early_and_keeps_the_schedule() {
    let mut doctor = Doctor::new(test_config(), 3);
    doctor.handle(failed(4, nginx_502(), &[]), T0);
    let due = doctor.next_wake_ms().unwrap();
    // The shell's clock jumps an hour back (NTP, a suspended laptop): nothing is due.
    let earlier = T0 - 3_600_000;
    assert!(probes(&doctor.handle(Event::Tick, earlier)).is_empty());
    assert_eq!(doctor.next_wake_ms(), Some(due), "the schedule is kept");
    let view = doctor.view(4, earlier).expect("the tab is still shown");
    assert_eq!(view.started_at_ms, T0);
    // When the clock reaches the due time again, the probe starts as planned.
    let (at, probe, _, bypass) = next_probe(&mut doctor);
    assert_eq!(at, due);
    assert!(bypass);
    // An answer stamped before the page failed still counts; the tab reloads.
    let actions = doctor.handle(
        Event::ProbeDone {
            tab: 4,
            probe,
            outcome: answer(200, &[]),
        },
        earlier,
    );
    assert!(actions.contains(&Action::Reload { tab: 4 }), "{actions:?}");
}
