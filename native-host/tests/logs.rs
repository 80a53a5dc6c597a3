//! `gwdoctor logs` as a black box, on the real gateway logs of `crates/logs/tests/fixtures`.

use std::{
    fs::{self, OpenOptions},
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use assert_cmd::prelude::*;

fn fixture(name: &str) -> String {
    format!(
        "{}/../crates/logs/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn gwdoctor() -> Command {
    Command::cargo_bin("gwdoctor").unwrap()
}

/// The nginx line of the lab's refused upstream.
fn refused_line() -> String {
    fs::read_to_string(fixture("nginx-error.log"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned()
}

#[test]
fn text_report_names_cause_upstream_and_fix() {
    let out = gwdoctor()
        .args([
            "logs",
            &fixture("nginx-error.log"),
            &fixture("nginx-access.log"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "failures found: exit 1");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("connection-refused (refused) — upstream 127.0.0.1:17000 (nginx error log)"),
        "{text}"
    );
    assert!(
        text.contains("header-too-large — upstream 127.0.0.1:17004"),
        "{text}"
    );
    assert!(text.contains("proxy_buffer_size"), "{text}");
    assert!(text.contains("502 — 4 times"), "{text}");
}

#[test]
fn json_report_from_standard_input() {
    let out = gwdoctor()
        .args(["logs", "-", "--json"])
        .stdin(fs::File::open(fixture("haproxy.log")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let causes: Vec<&str> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["cause"].as_str().unwrap())
        .collect();
    assert!(
        causes.contains(&"connection-refused") && causes.contains(&"timeout"),
        "{causes:?}"
    );
    assert_eq!(report["formats"][0]["format"], "haproxy");
}

#[test]
fn since_leaves_old_failures_out() {
    // The fixtures were written at 2026-12-04T18:42Z; a minute back from now excludes them.
    let out = gwdoctor()
        .args([
            "logs",
            "--since",
            "1m",
            "--json",
            &fixture("nginx-error.log"),
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["before_since"], 5, "{report}");
    assert_eq!(out.status.code(), Some(0));
    let bad = gwdoctor()
        .args(["logs", "--since", "soon", &fixture("nginx-error.log")])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn unknown_format_and_unreadable_files_are_said_so() {
    let out = assert_cmd::Command::cargo_bin("gwdoctor")
        .unwrap()
        .args(["logs", "-"])
        .write_stdin("hello\nworld\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("None of the 2 lines read is in a log format"));

    let out = gwdoctor()
        .args([
            "logs",
            "/nonexistent/error.log",
            &fixture("nginx-error.log"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "an unreadable file is bad input"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent/error.log"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("connection-refused"),
        "the other file is still read"
    );
}

#[test]
fn a_compressed_log_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("error.log.2.gz");
    fs::write(&path, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    let out = gwdoctor()
        .args(["logs", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is gzip-compressed: read it with `zcat"));
}

#[test]
fn follow_on_standard_input_prints_each_failure_then_the_report() {
    let out = assert_cmd::Command::cargo_bin("gwdoctor")
        .unwrap()
        .args(["logs", "--follow", "--json", "-"])
        .write_stdin(format!("{}\n", refused_line()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["cause"], "connection-refused");
    assert_eq!(lines[1]["failures"][0]["count"], 1);
}

#[test]
fn follow_prints_new_failures_as_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("error.log");
    fs::copy(fixture("nginx-error-extra.log"), &path).unwrap();
    let mut child = gwdoctor()
        .args(["logs", "--follow", "--json", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("a line within 10 s")
    };
    let report: serde_json::Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(report["lines"], 9, "first the report of what is there");

    // A line appended in two writes (a line is read once it is complete).
    let line = refused_line();
    let (a, b) = line.split_at(40);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    thread::sleep(Duration::from_millis(400));
    writeln!(f, "{b}").unwrap();
    let seen: serde_json::Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(
        (seen["cause"].as_str(), seen["upstream"].as_str()),
        (Some("connection-refused"), Some("127.0.0.1:17000"))
    );

    // Log rotation: the path now names a new file.
    let timeout = fs::read_to_string(fixture("nginx-error.log"))
        .unwrap()
        .lines()
        .nth(4)
        .unwrap()
        .to_owned();
    fs::rename(&path, dir.path().join("error.log.1")).unwrap();
    fs::write(&path, format!("{timeout}\n")).unwrap();
    let seen: serde_json::Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(
        (seen["cause"].as_str(), seen["reason"].as_str()),
        (Some("timeout"), Some("read-timeout"))
    );

    // copytruncate: the same file emptied, then a shorter line written.
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(0).unwrap();
    drop(f);
    fs::write(&path, format!("{}\n", refused_line())).unwrap();
    let seen: serde_json::Value = serde_json::from_str(&next()).unwrap();
    assert_eq!(seen["reason"], "refused");
    child.kill().unwrap();
    child.wait().unwrap();
}
