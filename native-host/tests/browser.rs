//! Round trip through a real browser: headless Chromium loads a small extension carrying
//! Gateway Doctor's manifest `key` (so its id is the allowed one), the host manifest sits in the
//! profile's `NativeMessagingHosts/` (written by `gwdoctor install --user-data-dir`), the service
//! worker sends `ping` and `classify` to `gwdoctor` and posts the replies to a listener here.
//! Needs /usr/bin/chromium: run by scripts/test-all.sh (stage "native host in chromium") with
//! `cargo test -p gwdoctor --test browser -- --ignored`.

use std::{
    io::{Read, Write},
    net::TcpListener,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

/// Gateway Doctor's extension key (PROTOCOL.md): id enjiaocbljlknocfdgmaigokkjebgldn.
const KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAomYa5rQ8IRaJlPksGqCeuBZ0W2zBB+YLnUGHnvlEUug4K+wU6k9RqZ7Vhzd4DvrJ23o1CGkVQ5NjfgvUrMzd9jNOXbugVvejzvpRNk63KsdBP/wz+cOkYvu7Yruaef/tbj0DcxLlMMmCkBrt7dBiuB9YrVp+Dj98E3qn6u2i6KCpGid07jg1TwTlfnYiEWkW3Nj3Fc10KpkFEqEpkL0dLQN8b9evjFqQA85pb1bjrcDWUhac+1qzAfeMBG50FOu1217EHQq6J83y5sgoW6qbI2wZONCW0wVmXfkedvIbfLcMOkiZ+0tDCfPMnTUffH+C3ooXjwpmzVttpizSG/AJKwIDAQAB";

const WORKER: &str = r#"
const host = "org.gatewaydoctor.gwdoctor";
const report = (body) => fetch("http://127.0.0.1:PORT/report", { method: "POST", body: JSON.stringify(body) });
(async () => {
  try {
    const ping = await chrome.runtime.sendNativeMessage(host, { v: 1, id: "p", cmd: "ping" });
    const port = chrome.runtime.connectNative(host);
    const classify = await new Promise((resolve) => {
      port.onMessage.addListener(resolve);
      port.postMessage({ v: 1, id: "c", cmd: "classify",
        args: { response: "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n<hr><center>nginx/1.22.1</center>" } });
    });
    port.disconnect();
    await report({ ping, classify });
  } catch (e) {
    await report({ error: String(e && e.message || e) });
  }
})();
"#;

#[test]
#[ignore = "needs /usr/bin/chromium; run by scripts/test-all.sh"]
fn the_extension_talks_to_the_host_through_chromium() {
    let work = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let extension = work.path().join("extension");
    std::fs::create_dir_all(&extension).unwrap();
    let manifest = serde_json::json!({
        "manifest_version": 3,
        "name": "gwdoctor native messaging test",
        "version": "1.0",
        "key": KEY,
        "permissions": ["nativeMessaging"],
        "host_permissions": ["http://127.0.0.1/*"],
        "background": {"service_worker": "worker.js"}
    });
    std::fs::write(extension.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(
        extension.join("worker.js"),
        WORKER.replace("PORT", &port.to_string()),
    )
    .unwrap();
    let profile = work.path().join("profile");
    let install = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
        .args(["install", "--browser", "chromium", "--user-data-dir"])
        .arg(&profile)
        .env("HOME", work.path())
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );

    let mut browser = Command::new("/usr/bin/chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--load-extension={}", extension.display()))
        .arg(format!(
            "--disable-extensions-except={}",
            extension.display()
        ))
        .arg("about:blank")
        .env("HOME", work.path())
        .env("XDG_CONFIG_HOME", work.path().join("config"))
        .env("XDG_CACHE_HOME", work.path().join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start /usr/bin/chromium");
    let body = receive_report(&listener, Duration::from_secs(60));
    let _ = browser.kill();
    let _ = browser.wait();
    let body = body.expect("the extension reported within 60 s");
    let report: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(report["ping"]["ok"], true, "{report}");
    assert_eq!(report["ping"]["id"], "p");
    assert_eq!(
        report["ping"]["result"]["caller"],
        "chrome-extension://enjiaocbljlknocfdgmaigokkjebgldn/"
    );
    assert_eq!(
        report["classify"]["result"]["generator"]["vendor"], "nginx",
        "{report}"
    );
}

/// Accepts connections until one POSTs a body (bounded in time); answers 204.
fn receive_report(listener: &TcpListener, limit: Duration) -> Option<String> {
    listener.set_nonblocking(true).ok()?;
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let Ok((mut socket, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        socket.set_nonblocking(false).ok()?;
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        let mut request = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Ok(n) = socket.read(&mut chunk) {
            if n == 0 {
                break;
            }
            request.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    let _ = socket.write_all(b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n");
                    if length > 0 {
                        return Some(body[..length].to_string());
                    }
                    break;
                }
            }
        }
    }
    None
}
