//! The reader on real log lines: every fixture was written by a real gateway of the lab
//! (Debian 12 packages) in front of a misbehaving upstream; `fixtures/README.md` says which.

use gwdoctor_logs::{Analyzer, Format, Group, Options, Reason, Report, MAX_GROUPS, MAX_LINE};

/// 2026-12-04T18:42:02Z, the lab run that wrote the fixtures (the machine's zone is UTC).
const LAB_TIME: i64 = 1_796_409_722;

fn options() -> Options {
    Options {
        now: LAB_TIME + 3600,
        since: None,
        local_offset_s: 0,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_with(bytes: &[u8], options: Options) -> Report {
    let mut a = Analyzer::new(options);
    a.feed(bytes, |_| {});
    a.finish(|_| {});
    a.report()
}

fn read(names: &[&str]) -> Report {
    let bytes: Vec<u8> = names.iter().flat_map(|n| fixture(n)).collect();
    read_with(&bytes, options())
}

/// (reason, place, first request) of every group, sorted for comparison.
fn summary(groups: &[Group]) -> Vec<(Reason, Option<String>, Option<String>, u64)> {
    let mut s: Vec<_> = groups
        .iter()
        .map(|g| {
            (
                g.reason,
                g.place().map(str::to_owned),
                g.requests.first().cloned(),
                g.count,
            )
        })
        .collect();
    s.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    s
}

/// `summary` of the groups equals these rows, in any order.
fn same(groups: &[Group], mut rows: Vec<Row>) {
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(summary(groups), rows);
}

type Row = (Reason, Option<String>, Option<String>, u64);

fn row(
    reason: Reason,
    place: &str,
    request: Option<&str>,
    count: u64,
) -> (Reason, Option<String>, Option<String>, u64) {
    (
        reason,
        Some(place.to_owned()),
        request.map(str::to_owned),
        count,
    )
}

#[test]
fn nginx_error_log_names_each_lab_failure() {
    let r = read(&["nginx-error.log"]);
    assert_eq!(r.recognised, 5);
    same(
        &r.failures,
        vec![
            row(
                Reason::Refused,
                "127.0.0.1:17000",
                Some("GET /refused HTTP/1.1"),
                1,
            ),
            row(
                Reason::ReadTimeout,
                "127.0.0.1:17001",
                Some("GET /hung HTTP/1.1"),
                1,
            ),
            row(
                Reason::Reset,
                "127.0.0.1:17003",
                Some("GET /reset HTTP/1.1"),
                1,
            ),
            row(
                Reason::InvalidHeader,
                "127.0.0.1:17002",
                Some("GET /garbage HTTP/1.1"),
                1,
            ),
            row(
                Reason::HeaderTooLarge,
                "127.0.0.1:17004",
                Some("GET /oversized HTTP/1.1"),
                1,
            ),
        ],
    );
    let refused = r
        .failures
        .iter()
        .find(|g| g.reason == Reason::Refused)
        .unwrap();
    assert_eq!(refused.cause.id(), "connection-refused");
    assert_eq!(refused.site.as_deref(), Some("127.0.0.1:18000"));
    assert_eq!(refused.first_seen, Some(LAB_TIME));
}

#[test]
fn nginx_premature_close_no_live_upstreams_and_fastcgi_sockets() {
    let r = read(&["nginx-error-extra.log"]);
    let s = summary(&r.failures);
    assert!(
        s.contains(&row(
            Reason::PrematureClose,
            "127.0.0.1:17090",
            Some("GET /premature HTTP/1.1"),
            1
        )),
        "{s:?}"
    );
    assert!(
        s.contains(&row(
            Reason::Refused,
            "127.0.0.1:17091",
            Some("GET /pool HTTP/1.1"),
            1
        )),
        "{s:?}"
    );
    assert!(
        s.contains(&row(
            Reason::Refused,
            "127.0.0.1:17092",
            Some("GET /pool HTTP/1.1"),
            1
        )),
        "{s:?}"
    );
    assert!(
        s.contains(&row(
            Reason::NoLiveUpstreams,
            "pool",
            Some("GET /pool HTTP/1.1"),
            2
        )),
        "{s:?}"
    );
    let missing = r
        .failures
        .iter()
        .find(|g| g.reason == Reason::SocketMissing)
        .unwrap();
    assert!(missing
        .upstream
        .as_deref()
        .unwrap()
        .starts_with("unix:/tmp/gwlogs-extra."));
    assert!(missing
        .upstream
        .as_deref()
        .unwrap()
        .ends_with("/missing.sock"));
    let denied = r
        .failures
        .iter()
        .find(|g| g.reason == Reason::SocketPermission)
        .unwrap();
    assert_eq!(denied.cause.id(), "connection-refused");
    assert!(denied.fix.contains("listen.owner"));
    // The [warn] "upstream server temporarily disabled" lines are no failures of their own.
    assert_eq!(r.failures.iter().map(|g| g.count).sum::<u64>(), 7);
    assert_eq!(r.recognised, 9);
}

#[test]
fn access_logs_count_statuses_without_a_cause() {
    let r = read(&["nginx-access.log"]);
    assert!(r.failures.is_empty());
    let mut statuses: Vec<(Option<u16>, u64)> = r
        .error_statuses
        .iter()
        .map(|g| (g.status, g.count))
        .collect();
    assert_eq!(statuses[0], (Some(502), 4), "the most frequent first");
    statuses.sort();
    assert_eq!(
        statuses,
        vec![
            (Some(500), 1),
            (Some(502), 4),
            (Some(503), 1),
            (Some(504), 1)
        ]
    );
    assert_eq!(r.formats[0].format, Format::AccessClf);
    assert_eq!(
        r.recognised, 9,
        "the 200 and nginx's HTTP/0.9 '009' are read, not failures"
    );
    for name in [
        "apache-access.log",
        "lighttpd-access.log",
        "nginx-access-extra.log",
    ] {
        let r = read(&[name]);
        assert_eq!(r.recognised, r.lines, "{name}");
        assert!(
            r.error_statuses
                .iter()
                .all(|g| g.reason == Reason::StatusOnly),
            "{name}"
        );
    }
}

#[test]
fn haproxy_termination_states() {
    let r = read(&["haproxy.log"]);
    assert_eq!(r.recognised, 18);
    same(
        &r.failures,
        vec![
            row(
                Reason::Refused,
                "b_refused/app",
                Some("GET /refused HTTP/1.1"),
                1,
            ),
            row(
                Reason::ReadTimeout,
                "b_hung/app",
                Some("GET /hung HTTP/1.1"),
                1,
            ),
            row(
                Reason::PrematureClose,
                "b_reset/app",
                Some("GET /reset HTTP/1.1"),
                1,
            ),
            row(
                Reason::InvalidHeader,
                "b_garbage/app",
                Some("GET /garbage HTTP/1.1"),
                1,
            ),
            row(
                Reason::InvalidHeader,
                "b_oversized/app",
                Some("GET /oversized HTTP/1.1"),
                1,
            ),
            row(
                Reason::AppStatus,
                "b_app500/app",
                Some("GET /app500 HTTP/1.1"),
                1,
            ),
            row(
                Reason::AppStatus,
                "b_app502/app",
                Some("GET /app502 HTTP/1.1"),
                1,
            ),
            row(
                Reason::AppStatus,
                "b_app503/app",
                Some("GET /app503 HTTP/1.1"),
                1,
            ),
        ],
    );
    // The lab's port probes (CR--, client aborts) are read and are no upstream failures.
    let sc = r
        .failures
        .iter()
        .find(|g| g.reason == Reason::Refused)
        .unwrap();
    assert_eq!(
        (sc.status, sc.site.as_deref()),
        (Some(503), Some("f_refused"))
    );
}

#[test]
fn apache_error_log_joins_a_reason_and_its_summary_line() {
    let r = read(&["apache-error.log"]);
    assert_eq!(r.recognised, 10);
    same(
        &r.failures,
        vec![
            row(Reason::Refused, "127.0.0.1:17000", None, 1),
            row(Reason::ReadTimeout, "127.0.0.1:17001", Some("/hung"), 1),
            row(Reason::Reset, "127.0.0.1:17003", Some("/reset"), 1),
            (
                Reason::HeaderTooLarge,
                None,
                Some("/oversized".to_owned()),
                1,
            ),
        ],
    );
}

#[test]
fn apache_fastcgi_sockets_and_haproxy_without_a_server() {
    let r = read(&["apache-error-extra.log"]);
    let reasons: Vec<(Reason, bool)> = r
        .failures
        .iter()
        .map(|g| {
            (
                g.reason,
                g.upstream
                    .as_deref()
                    .is_some_and(|u| u.starts_with("/tmp/gwlogs-extra2.")),
            )
        })
        .collect();
    assert_eq!(
        reasons.len(),
        2,
        "{reasons:?}: AH01079 joins the AH02454 before it"
    );
    assert!(
        reasons.contains(&(Reason::SocketMissing, true)),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(Reason::SocketPermission, true)),
        "{reasons:?}"
    );

    let r = read(&["haproxy-extra.log"]);
    same(
        &r.failures,
        vec![row(
            Reason::NoLiveUpstreams,
            "b_down",
            Some("GET /down HTTP/1.1"),
            1,
        )],
    );
    assert_eq!(r.failures[0].cause.id(), "overload");
    assert_eq!(
        r.recognised, 1,
        "HAProxy's own warnings on stdout are no log lines"
    );
}

#[test]
fn caddy_json_error_and_access_logs() {
    let r = read(&["caddy.log", "caddy-access.log"]);
    same(
        &r.failures,
        vec![
            row(Reason::Refused, "127.0.0.1:17000", Some("GET /refused"), 1),
            row(Reason::ReadTimeout, "127.0.0.1:18601", Some("GET /hung"), 1),
            row(Reason::Reset, "127.0.0.1:17003", Some("GET /reset"), 1),
            row(
                Reason::InvalidHeader,
                "127.0.0.1:18602",
                Some("GET /garbage"),
                1,
            ),
        ],
    );
    let mut statuses: Vec<(Option<u16>, Option<String>)> = r
        .error_statuses
        .iter()
        .map(|g| (g.status, g.site.clone()))
        .collect();
    statuses.sort();
    assert_eq!(statuses.len(), 7, "{statuses:?}");
    assert!(r.formats.iter().any(|f| f.format == Format::CaddyError));
    assert!(r.formats.iter().any(|f| f.format == Format::CaddyAccess));
    assert_eq!(
        r.recognised, r.lines,
        "every Caddy line is recognised, the 69 KB one too"
    );
}

#[test]
fn lighttpd_error_log() {
    let r = read(&["lighttpd-error.log"]);
    same(
        &r.failures,
        vec![
            row(Reason::Refused, "127.0.0.1:17000", Some("/refused"), 1),
            row(Reason::ReadTimeout, "127.0.0.1:17001", None, 1),
            row(Reason::Reset, "127.0.0.1:17003", Some("/reset"), 1),
            (
                Reason::HeaderTooLarge,
                None,
                Some("/oversized".to_owned()),
                1,
            ),
        ],
    );
}

#[test]
fn squid_access_log() {
    let r = read(&["squid-access.log"]);
    assert_eq!(r.recognised, 18);
    let refused = r
        .error_statuses
        .iter()
        .find(|g| g.requests[0].ends_with("/refused"))
        .unwrap();
    assert_eq!(
        (refused.status, refused.upstream.as_deref()),
        (Some(502), None)
    );
    let reset = r
        .error_statuses
        .iter()
        .find(|g| g.upstream.as_deref() == Some("127.0.0.1") && g.status == Some(502))
        .unwrap();
    assert!(reset.requests.iter().any(|q| q.ends_with("/reset")));
}

#[test]
fn any_chunking_reads_the_same() {
    let all: Vec<u8> = [
        "nginx-error.log",
        "nginx-access.log",
        "haproxy.log",
        "apache-error.log",
        "caddy.log",
        "caddy-access.log",
        "lighttpd-error.log",
        "squid-access.log",
    ]
    .iter()
    .flat_map(|n| fixture(n))
    .collect();
    let whole = read_with(&all, options());
    for size in [1, 7, 4096] {
        let mut a = Analyzer::new(options());
        for chunk in all.chunks(size) {
            a.feed(chunk, |_| {});
        }
        a.finish(|_| {});
        assert_eq!(a.report(), whole, "chunks of {size}");
    }
    let unknown: Vec<String> = String::from_utf8_lossy(&all)
        .lines()
        .filter(|l| read_with(l.as_bytes(), options()).recognised == 0)
        .map(|l| l.chars().take(120).collect())
        .collect();
    assert!(unknown.is_empty(), "{unknown:#?}");
    assert_eq!(whole.recognised, whole.lines);
}

#[test]
fn every_failure_is_handed_over_as_it_is_read() {
    let mut a = Analyzer::new(options());
    let mut seen = Vec::new();
    a.feed(&fixture("nginx-error.log"), |s| seen.push(s.text()));
    assert_eq!(seen.len(), 5);
    assert!(
        seen[1].starts_with(
            "2026-12-04T18:42:02Z connection-refused — 127.0.0.1:17000 — GET /refused HTTP/1.1"
        ),
        "{}",
        seen[1]
    );
}

#[test]
fn since_leaves_out_older_failures() {
    let since = LAB_TIME + 2; // the hung request failed at :05, the rest at :02
    let r = read_with(
        &fixture("nginx-error.log"),
        Options {
            since: Some(since),
            ..options()
        },
    );
    assert_eq!(
        summary(&r.failures),
        vec![row(
            Reason::ReadTimeout,
            "127.0.0.1:17001",
            Some("GET /hung HTTP/1.1"),
            1
        )]
    );
    assert_eq!(r.before_since, 4);
}

#[test]
fn a_journald_prefix_is_read_past() {
    // The lab's nginx line as `journalctl -u nginx` shows it when nginx logs to stderr.
    let line = fixture("nginx-error.log");
    let first = line.split(|c| *c == b'\n').nth(1).unwrap();
    let mut wrapped = b"Dec 04 18:42:02 web nginx[8774]: ".to_vec();
    wrapped.extend_from_slice(first);
    let r = read_with(&wrapped, options());
    assert_eq!(
        summary(&r.failures),
        vec![row(
            Reason::Refused,
            "127.0.0.1:17000",
            Some("GET /refused HTTP/1.1"),
            1
        )]
    );
}

#[test]
fn a_syslog_prefix_before_haproxy_is_read_past() {
    // The lab's HAProxy line as a syslog daemon writes it (HAProxy's usual `log /dev/log`).
    let log = fixture("haproxy.log");
    let refused = log
        .split(|c| *c == b'\n')
        .find(|l| l.windows(4).any(|w| w == b"SC--"))
        .unwrap();
    let mut wrapped = b"Dec  4 18:42:02 lb haproxy[8778]: ".to_vec();
    wrapped.extend_from_slice(refused);
    let r = read_with(&wrapped, options());
    same(
        &r.failures,
        vec![row(
            Reason::Refused,
            "b_refused/app",
            Some("GET /refused HTTP/1.1"),
            1,
        )],
    );
    assert_eq!(
        r.failures[0].first_seen,
        Some(LAB_TIME),
        "HAProxy's own stamp counts"
    );
}

#[test]
fn memory_stays_bounded() {
    let line = String::from_utf8(fixture("nginx-error.log")).unwrap();
    let refused = line.lines().nth(1).unwrap();
    let mut many = String::new();
    // One group, many requests: its samples stay bounded.
    for i in 0..100 {
        many.push_str(&refused.replace("/refused", &format!("/x{i}")));
        many.push('\n');
    }
    // Then more upstreams than groups are kept.
    for port in 0..(MAX_GROUPS + 44) {
        many.push_str(&refused.replace("127.0.0.1:17000", &format!("10.0.0.1:{port}")));
        many.push('\n');
    }
    let r = read_with(many.as_bytes(), options());
    assert_eq!(r.failures.len(), MAX_GROUPS);
    assert_eq!(r.ungrouped, 45);
    let big = &r.failures[0];
    assert_eq!(big.count, 100);
    assert_eq!(big.requests.len(), gwdoctor_logs::MAX_REQUESTS);
    assert_eq!(big.more_requests, 100 - gwdoctor_logs::MAX_REQUESTS as u64);
    // A line longer than MAX_LINE is cut, counted, and the next line is read.
    let mut long = vec![b'x'; MAX_LINE * 3];
    long.push(b'\n');
    long.extend_from_slice(refused.as_bytes());
    let r = read_with(&long, options());
    assert_eq!((r.truncated_lines, r.lines, r.failures.len()), (1, 2, 1));
}

#[test]
fn no_real_line_cut_or_mangled_anywhere_panics() {
    let mut all = Vec::new();
    for entry in
        std::fs::read_dir(format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"))).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    let mut seed: u32 = 0x9e37_79b9;
    for line in all.split(|c| *c == b'\n').filter(|l| l.len() < 4096) {
        for cut in 0..line.len() {
            let mut a = Analyzer::new(options());
            a.feed(&line[..cut], |_| {});
            a.finish(|_| {});
            // The same line with one byte replaced (xorshift: the same bytes every run).
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let mut mangled = line.to_vec();
            mangled[cut] = (seed >> 24) as u8;
            a.feed(&mangled, |_| {});
            a.finish(|_| {});
            let _ = a.report().text();
        }
    }
}

#[test]
fn unknown_input_is_said_so() {
    let r = read_with(b"hello\nworld\n", options());
    assert_eq!((r.lines, r.recognised), (2, 0));
    assert!(gwdoctor_logs::no_known_format(r.lines).contains("None of the 2 lines read"));
    assert!(gwdoctor_logs::no_known_format(0).contains("empty"));
    assert!(
        r.text()
            .starts_with("Read 2 lines, none in a known log format."),
        "{}",
        r.text()
    );
}

#[test]
fn envoy_default_format() {
    // From Envoy's documentation (access log usage, "Default format string" example).
    let docs = br#"[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80""#;
    let r = read_with(docs, options());
    assert_eq!((r.recognised, r.failures.len()), (1, 0));
    // Constructed from the documented default format (Envoy is not packaged in Debian 12):
    // the same line with the response flags of a failure.
    let docs = std::str::from_utf8(docs).unwrap();
    for (code_flags, reason) in [
        ("503 UF", Reason::ConnectFailed),
        ("503 UF,URX", Reason::ConnectFailed),
        ("503 UH", Reason::NoLiveUpstreams),
        ("504 UT", Reason::ReadTimeout),
        ("503 UC", Reason::PrematureClose),
        ("503 URX", Reason::RetryLimit),
        ("500 -", Reason::AppStatus),
    ] {
        let line = docs.replace("204 -", code_flags);
        let r = read_with(line.as_bytes(), options());
        assert_eq!(r.failures.len(), 1, "{code_flags}");
        assert_eq!(r.failures[0].reason, reason, "{code_flags}");
        assert_eq!(r.failures[0].upstream.as_deref(), Some("10.0.2.1:80"));
    }
}

#[test]
fn traefik_json_access_log() {
    // Constructed from the field names Traefik documents (not packaged in Debian 12).
    let line = |down: u16, origin: &str| {
        format!(
            r#"{{"ClientHost":"10.0.0.12","DownstreamStatus":{down},{origin}"RequestHost":"shop.example","RequestMethod":"GET","RequestPath":"/cart","ServiceURL":"http://172.18.0.4:8080","StartUTC":"2026-12-04T18:42:02.1Z","level":"info"}}"#
        )
    };
    for (down, origin, reason) in [
        (502, r#""OriginStatus":0,"#, Reason::GatewayError),
        (504, r#""OriginStatus":0,"#, Reason::ReadTimeout),
        (502, r#""OriginStatus":502,"#, Reason::AppStatus),
        (502, "", Reason::StatusOnly),
    ] {
        let r = read_with(line(down, origin).as_bytes(), options());
        let g = r.failures.first().or(r.error_statuses.first()).unwrap();
        assert_eq!(g.reason, reason, "{down} {origin}");
        assert_eq!(g.upstream.as_deref(), Some("172.18.0.4:8080"));
        assert_eq!(g.first_seen, Some(LAB_TIME));
    }
    let ok = read_with(line(200, r#""OriginStatus":200,"#).as_bytes(), options());
    assert_eq!((ok.recognised, ok.found_any()), (1, false));
}

#[test]
fn the_report_says_it_in_words_and_json() {
    let r = read(&["nginx-error.log", "nginx-access.log"]);
    let text = r.text();
    assert!(
        text.starts_with("Read 14 lines: common/combined access log (9), nginx error log (5)."),
        "{text}"
    );
    assert!(
        text.contains("connection-refused (refused) — upstream 127.0.0.1:17000 (nginx error log)"),
        "{text}"
    );
    assert!(text.contains("fix: Nothing listens there"), "{text}");
    assert!(text.contains("502 — 4 times"), "{text}");
    let json = serde_json::to_value(&r).unwrap();
    let first = &json["failures"][0];
    assert_eq!(first["first_seen"], "2026-12-04T18:42:02Z");
    assert!(first["cause"].is_string() && first["reason"].is_string() && first["fix"].is_string());
}
