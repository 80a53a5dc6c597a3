//! `gwdoctor` as the browser runs it: framed JSON on stdin/stdout, the caller on the command line.

#[path = "../../crates/net/tests/support/dns_server.rs"]
#[allow(dead_code)]
mod dns_server;

use std::{
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};

const ALLOWED: &str = "chrome-extension://enjiaocbljlknocfdgmaigokkjebgldn/";

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_ne_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn frames(requests: &[Value]) -> Vec<u8> {
    requests
        .iter()
        .flat_map(|r| frame(r.to_string().as_bytes()))
        .collect()
}

/// Runs the host with `args`, feeds `input`, closes stdin; returns exit code, replies, stderr.
fn host(args: &[&str], input: &[u8], env: &[(&str, &str)]) -> (i32, Vec<Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
        .args(args)
        .envs(env.iter().copied())
        .env("HOME", std::env::temp_dir().join("gwdoctor-host-test-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the host did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().unwrap();
    let output = child.wait_with_output().unwrap();
    let mut replies = Vec::new();
    let mut rest = output.stdout.as_slice();
    while !rest.is_empty() {
        assert!(rest.len() >= 4, "stdout holds only whole frames");
        let length = u32::from_ne_bytes(rest[..4].try_into().unwrap()) as usize;
        assert!(length <= 1024 * 1024);
        replies.push(serde_json::from_slice(&rest[4..4 + length]).expect("each frame is JSON"));
        rest = &rest[4 + length..];
    }
    (
        output.status.code().unwrap_or(-1),
        replies,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn by_id(replies: &[Value], id: Value) -> &Value {
    replies
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no reply for {id} in {replies:?}"))
}

#[test]
fn answers_requests_and_exits_cleanly_when_the_browser_closes_the_pipe() {
    let input = frames(&[
        json!({"v": 1, "id": 1, "cmd": "ping"}),
        json!({"v": 1, "id": "c", "cmd": "classify", "args": {"status": 502, "headers": [["server", "nginx"]], "body": "<center>nginx</center>"}}),
        json!({"v": 1, "id": "f", "cmd": "flush-dns", "args": {"dry_run": true}}),
    ]);
    let (code, replies, stderr) = host(&[ALLOWED], &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(replies.len(), 3);
    let ping = by_id(&replies, json!(1));
    assert_eq!(
        (ping["v"].clone(), ping["ok"].clone()),
        (json!(1), json!(true))
    );
    assert_eq!(ping["result"]["caller"], ALLOWED);
    assert!(
        ping["result"]["commands"]
            .as_array()
            .unwrap()
            .contains(&json!("compare-origin")),
        "{ping}"
    );
    assert_eq!(by_id(&replies, json!("c"))["result"]["status"], 502);
    let flush = &by_id(&replies, json!("f"))["result"];
    assert!(flush["browser_cache"]
        .as_str()
        .unwrap()
        .contains("chrome://net-internals/#dns"));
    assert!(flush["caches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] != "flushed"));
}

#[test]
fn every_bad_message_gets_an_error_object_and_the_host_goes_on() {
    let mut input = frame(b"{not json");
    input.extend(frame(&[0xff, 0xfe]));
    input.extend(frames(&[
        json!([1, 2]),
        json!({"v": 1, "id": 2, "cmd": "format-disk"}),
        json!({"v": 1, "id": 3, "cmd": "dns", "args": {"name": 42}}),
        json!({"v": 9, "id": 4, "cmd": "ping"}),
        json!({"v": 1, "id": 5, "cmd": "probe", "args": {"url": "file:///etc/passwd"}}),
        json!({"v": 1, "id": 6, "cmd": "ping"}),
    ]));
    let (code, replies, _) = host(&[ALLOWED], &input, &[]);
    assert_eq!(code, 0);
    let codes: Vec<&str> = replies
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "invalid-json",
            "invalid-json",
            "invalid-request",
            "unknown-command",
            "bad-args",
            "unsupported-version",
            "bad-target",
            "ok"
        ]
    );
    assert!(replies.iter().all(|r| r["v"] == 1 && r.get("id").is_some()));
}

#[test]
fn a_cut_or_oversized_frame_ends_the_conversation_with_an_error() {
    let mut cut = frames(&[json!({"v": 1, "id": 1, "cmd": "ping"})]);
    cut.extend_from_slice(&100u32.to_ne_bytes());
    cut.extend_from_slice(b"{\"v\":1");
    let (code, replies, _) = host(&[ALLOWED], &cut, &[]);
    assert_eq!(code, 1);
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_eq!(
        by_id(&replies, json!(1))["ok"],
        true,
        "requests in flight are still answered"
    );
    assert_eq!(
        by_id(&replies, Value::Null)["error"]["code"],
        "truncated-frame"
    );

    let mut huge = (64u32 * 1024 * 1024).to_ne_bytes().to_vec();
    huge.extend(vec![b' '; 1000]);
    let (code, replies, _) = host(&[ALLOWED], &huge, &[]);
    assert_eq!(code, 1);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["error"]["code"], "frame-too-large");
    assert_eq!(replies[0]["id"], Value::Null);

    let (code, replies, _) = host(&[ALLOWED], &[], &[]);
    assert_eq!((code, replies.len()), (0, 0));
}

#[test]
fn a_caller_not_on_the_allow_list_is_refused() {
    let input = frames(&[
        json!({"v": 1, "id": 1, "cmd": "ping"}),
        json!({"v": 1, "id": 2, "cmd": "ping"}),
    ]);
    let (code, replies, stderr) = host(
        &["chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"],
        &input,
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["error"]["code"], "origin-not-allowed");
    assert!(stderr.contains("not allowed"), "{stderr}");

    let (code, replies, _) = host(
        &[
            "/nowhere/org.gatewaydoctor.gwdoctor.json",
            "evil@example.invalid",
        ],
        &input,
        &[],
    );
    assert_eq!(
        (code, replies[0]["error"]["code"].as_str()),
        (1, Some("origin-not-allowed"))
    );
}

#[test]
fn ids_from_a_manifest_written_by_install_are_allowed() {
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("profile");
    let status = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
        .args([
            "install",
            "--browser",
            "chromium",
            "--extension-id",
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "--user-data-dir",
        ])
        .arg(&profile)
        .env("HOME", home.path())
        .status()
        .unwrap();
    assert!(status.success());
    let manifest = profile.join("NativeMessagingHosts/org.gatewaydoctor.gwdoctor.json");
    let input = frames(&[json!({"v": 1, "id": 1, "cmd": "ping"})]);
    let caller = "chrome-extension://bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/";
    let (code, replies, _) = host(
        &[caller],
        &input,
        &[("GWDOCTOR_HOST_MANIFEST", manifest.to_str().unwrap())],
    );
    assert_eq!((code, replies[0]["ok"].clone()), (0, json!(true)));
    let (code, _, _) = host(&[caller], &input, &[]);
    assert_eq!(code, 1, "without the manifest the id is unknown");
}

#[test]
fn dns_and_probe_through_the_host() {
    let system = dns_server::start("127.0.0.12", &[("www.test", "10.0.0.5", 3600)]);
    let alternate = dns_server::start("127.0.0.13", &[("www.test", "192.0.2.80", 300)]);
    let second = dns_server::start("127.0.0.14", &[("www.test", "192.0.2.80", 300)]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let input = frames(&[
        json!({"v": 1, "id": "d", "cmd": "dns", "args": {"name": "www.test", "resolvers": [alternate.addr.to_string(), second.addr.to_string()]}}),
        json!({"v": 1, "id": "p", "cmd": "probe", "args": {"url": format!("http://127.0.0.1:{port}/"), "timeout_ms": 2000}}),
    ]);
    let system_env = system.addr.to_string();
    let (code, replies, stderr) = host(
        &[ALLOWED],
        &input,
        &[("GWDOCTOR_SYSTEM_RESOLVER", &system_env)],
    );
    assert_eq!(code, 0, "{stderr}");
    let dns = &by_id(&replies, json!("d"))["result"];
    assert_eq!(dns["answers"][0]["resolver"], "system");
    assert_eq!(dns["answers"][0]["records"][0]["address"], "10.0.0.5");
    assert_eq!(dns["findings"][0]["kind"], "divergent");
    assert_eq!(dns["findings"][0]["resolver"], "system");
    let probe = &by_id(&replies, json!("p"))["result"];
    assert_eq!(probe["failed_hop"]["stage"], "connect");
    assert_eq!(probe["failed_hop"]["cause"], "connection-refused");
    assert_eq!(probe["verdict"]["category"], "origin-down");
    // What the extension reads of these results (gwdoctor_wire::native::ReplyResult) is in them.
    let read = |reply: &Value| -> gwdoctor_wire::native::Reply {
        serde_json::from_value(reply.clone()).unwrap()
    };
    let dns = read(by_id(&replies, json!("d"))).result.unwrap();
    assert_eq!(dns.findings[0].kind, "divergent");
    assert!(!dns.findings[0].message.is_empty());
    let probe = read(by_id(&replies, json!("p"))).result.unwrap();
    assert!(probe.address.is_some());
    let verdict = probe.verdict.unwrap();
    assert_eq!((verdict.error, verdict.status), (Some(true), None));
    assert!(verdict.summary.is_some_and(|s| !s.is_empty()));
}

/// Resident memory of process `pid` in KiB (Linux).
#[cfg(target_os = "linux")]
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(target_os = "linux")]
#[test]
fn a_browser_that_stops_reading_holds_back_the_host_and_its_memory_stays_flat() {
    use std::{
        io::Read,
        sync::{
            atomic::{AtomicBool, Ordering},
            Arc,
        },
    };
    const REQUESTS: usize = 200;
    const LIMIT_KIB: u64 = 64 * 1024;
    // Each request names an unknown member of almost 1 MiB, which its error reply quotes back.
    let member = "x".repeat(1_000_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
        .arg(ALLOWED)
        .env("HOME", std::env::temp_dir().join("gwdoctor-host-test-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for id in 0..REQUESTS {
            let request = json!({"v": 1, "id": id, "cmd": "ping", member.as_str(): 0});
            if stdin
                .write_all(&frame(request.to_string().as_bytes()))
                .is_err()
            {
                return;
            }
        }
    });
    let mut peak = 0;
    let sample = |peak: &mut u64| {
        if let Some(kib) = resident_kib(pid) {
            *peak = (*peak).max(kib);
        }
    };
    // Stdout unread for 3 s: the host must stop reading, not pile replies up.
    for _ in 0..60 {
        sample(&mut peak);
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stdout = child.stdout.take().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reading = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut ids = Vec::new();
            let mut length = [0u8; 4];
            while ids.len() < REQUESTS && stdout.read_exact(&mut length).is_ok() {
                let mut payload = vec![0u8; u32::from_ne_bytes(length) as usize];
                stdout.read_exact(&mut payload).unwrap();
                let reply: Value = serde_json::from_slice(&payload).unwrap();
                assert_eq!(reply["error"]["code"], "invalid-request");
                ids.push(reply["id"].as_u64().unwrap());
            }
            done.store(true, Ordering::SeqCst);
            ids
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !done.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
        sample(&mut peak);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(done.load(Ordering::SeqCst), "every reply arrives in time");
    let mut ids = reading.join().unwrap();
    writer.join().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    ids.sort_unstable();
    assert_eq!(ids, (0..REQUESTS as u64).collect::<Vec<_>>());
    println!(
        "{REQUESTS} replies of ~1 MB, stdout unread for 3 s: peak resident {} MiB",
        peak / 1024
    );
    assert!(peak > 0, "VmRSS was read");
    assert!(peak < LIMIT_KIB, "peak resident {peak} KiB");
}
