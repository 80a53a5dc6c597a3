//! The `gwdoctor` binary as a user runs it: output, JSON contract, exit statuses, hostile input.

use assert_cmd::Command;
use serde_json::Value;

const NGINX_502: &str = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n\
<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

fn gwdoctor() -> Command {
    Command::cargo_bin("gwdoctor").unwrap()
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is one JSON object")
}

#[test]
fn classify_json_follows_the_contract() {
    let out = gwdoctor()
        .args(["classify", "-", "--json"])
        .write_stdin(NGINX_502)
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    for key in [
        "url",
        "status",
        "error",
        "category",
        "generator",
        "chain",
        "failed_hop",
        "retry",
        "confidence",
        "evidence",
        "advice",
    ] {
        assert!(v.get(key).is_some(), "missing `{key}` in {v}");
    }
    assert_eq!(v["url"], Value::Null);
    assert_eq!(v["status"], 502);
    assert_eq!(v["error"], true);
    assert_eq!(v["category"], "bad-gateway");
    assert_eq!(v["generator"]["vendor"], "nginx");
    assert_eq!(v["generator"]["version"], "1.22.1");
    assert_eq!(v["failed_hop"]["from"], "nginx");
    assert_eq!(v["retry"]["advised"], true);
}

#[test]
fn classify_summary_reads_well() {
    let out = gwdoctor()
        .arg("classify")
        .write_stdin(NGINX_502)
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with("502 — bad gateway"), "{text}");
    assert!(
        text.contains("Produced by:  nginx 1.22.1 (proxy)"),
        "{text}"
    );
    assert!(text.contains("What to do:"), "{text}");
}

#[test]
fn a_healthy_page_exits_zero_without_generator() {
    let out = gwdoctor()
        .args(["classify", "--json", "-"])
        .write_stdin("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n<h1>hello</h1>")
        .assert()
        .code(0);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["error"], false);
    assert_eq!(v["generator"], Value::Null);
    assert_eq!(v["category"], "not-an-error");
}

#[test]
fn non_http_input_is_a_clear_error_with_status_3() {
    let out = gwdoctor()
        .arg("classify")
        .write_stdin("<html>not a response</html>")
        .assert()
        .code(3);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("does not start with an HTTP status line"),
        "{err}"
    );
    gwdoctor().arg("classify").write_stdin("").assert().code(3);
    gwdoctor()
        .args(["classify", "/nonexistent/file"])
        .assert()
        .code(3);
}

#[test]
fn hostile_input_gets_a_verdict_not_a_crash() {
    let mut huge = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n".to_vec();
    huge.resize(50 * 1024 * 1024, b'A');
    gwdoctor()
        .args(["classify", "--json"])
        .write_stdin(huge)
        .assert()
        .code(1);

    let mut many = String::from("HTTP/1.1 503 Service Unavailable\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-Header-{i}: {i}\r\n"));
    }
    many.push_str("\r\nbusy");
    gwdoctor()
        .args(["classify", "--json"])
        .write_stdin(many)
        .assert()
        .code(1);

    let nul = b"HTTP/1.1 502 \x00\xff\r\nServer: \x00nginx\r\n\r\n\x00\x00\xfe".to_vec();
    gwdoctor()
        .args(["classify", "--json"])
        .write_stdin(nul)
        .assert()
        .code(1);

    gwdoctor()
        .args(["classify", "--json"])
        .write_stdin("HTTP/1.1 504 Gateway Time-out\r\nServer: ngi")
        .assert()
        .code(1);
}

#[test]
fn check_rejects_invalid_urls() {
    let out = gwdoctor()
        .args(["check", "ftp://example.com/"])
        .assert()
        .code(3);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("only http:// and https://"), "{err}");
    gwdoctor().args(["check", "http://"]).assert().code(3);
}

#[test]
fn check_reports_a_refused_connection() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let out = gwdoctor()
        .args(["check", "--json", &format!("http://127.0.0.1:{port}/")])
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["status"], Value::Null);
    assert_eq!(v["failed_hop"]["cause"], "connection-refused");
    assert_eq!(v["category"], "origin-down");
    assert!(v["probe"]["timings"]["total_ms"].is_number());
}

#[test]
fn check_classifies_a_live_response_with_timings() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let _ = socket.read(&mut request);
        socket.write_all(NGINX_502.as_bytes()).unwrap();
    });
    let out = gwdoctor()
        .args(["check", "--json", &format!("http://127.0.0.1:{port}/x")])
        .assert()
        .code(1);
    server.join().unwrap();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["url"], format!("http://127.0.0.1:{port}/x"));
    assert_eq!(v["generator"]["vendor"], "nginx");
    assert!(v["probe"]["timings"]["first_byte_ms"].is_number());
    assert_eq!(v["probe"]["address"], format!("127.0.0.1:{port}"));
}

#[test]
fn classify_several_files_prints_one_json_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let (nginx, healthy, junk) = (
        dir.path().join("nginx.http"),
        dir.path().join("healthy.http"),
        dir.path().join("junk.http"),
    );
    std::fs::write(&nginx, NGINX_502).unwrap();
    std::fs::write(&healthy, "HTTP/1.1 200 OK\r\n\r\nhello").unwrap();
    std::fs::write(&junk, "not a response").unwrap();
    let out = gwdoctor()
        .arg("classify")
        .args([&healthy, &nginx])
        .arg("--json")
        .assert()
        .code(1);
    let lines: Vec<Value> = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"], false);
    assert_eq!(lines[1]["generator"]["vendor"], "nginx");
    // One bad file among several: reported, the others still classified, exit 3.
    let out = gwdoctor()
        .arg("classify")
        .args([&junk, &nginx])
        .arg("--json")
        .assert()
        .code(3);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout.lines().next(), Some("null"));
    assert!(stdout.lines().nth(1).unwrap().contains("\"nginx\""));
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("junk.http"));
    // --url names one response only.
    gwdoctor()
        .arg("classify")
        .args([&healthy, &nginx])
        .args(["--url", "http://x/"])
        .assert()
        .code(2);
}
