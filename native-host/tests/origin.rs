//! Owner mode with real parts: a real nginx on 127.0.0.1 plays the "CDN" for `shop.test` (TLS with
//! a certificate of the test's own CA), in front of origins on loopback — a dead port, a healthy
//! HTTPS origin, an app that fails with a 500, and one whose certificate is for another name. A
//! real DNS server gives `shop.test` the "CDN"'s address. `gwdoctor check URL --origin ADDR`
//! must tell each story, and the origins record that the direct requests carried the URL's
//! `Host` header, its TLS name (SNI) and the secret header.
//!
//! nginx is required (scripts/setup-test-deps.sh installs `nginx-light`): without it the tests
//! fail, they do not skip.

#[path = "../../crates/net/tests/support/dns_server.rs"]
#[allow(dead_code)]
mod dns_server;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "../../crates/net/tests/support/test_ca.rs"]
#[allow(dead_code)]
mod test_ca;

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::{Command, Stdio},
};

use nginx::{free_port as dead_port, Nginx};
use serde_json::{json, Value};
use test_ca::{serve_tls, Seen, TestCa};

const HEALTHY: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 14\r\n\
Connection: close\r\n\r\n<h1>shop</h1>\n";
const APP_500: &str = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\
Content-Length: 31\r\nConnection: close\r\n\r\n{\"error\": \"database is locked\"}";

/// A tiny HTTPS origin on 127.0.0.1 answering every request with `response`.
struct Origin {
    address: SocketAddr,
    seen: Seen,
}

impl Origin {
    async fn start(ca: &TestCa, name: &str, response: &'static str) -> Origin {
        let (address, seen) = serve_tls(ca.acceptor(name), response).await;
        Origin { address, seen }
    }

    /// The requests it saw that did not come through nginx (nginx adds `X-Via-Cdn`).
    fn direct_requests(&self) -> Vec<(Option<String>, String)> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(_, head)| !head.to_ascii_lowercase().contains("x-via-cdn:"))
            .cloned()
            .collect()
    }
}

/// A real nginx on 127.0.0.1: the "CDN" for `shop.test`, one TLS port per upstream.
struct Cdn {
    server: Nginx,
    ports: Vec<u16>,
}

impl Cdn {
    fn start(ca: &TestCa, upstreams: &[u16]) -> Cdn {
        let dir = tempfile::tempdir().unwrap();
        let (certificate, key) = ca.leaf("shop.test");
        std::fs::write(dir.path().join("shop.pem"), certificate.pem()).unwrap();
        std::fs::write(dir.path().join("shop.key"), key.serialize_pem()).unwrap();
        let d = dir.path().display().to_string();
        let ports: Vec<u16> = upstreams.iter().map(|_| dead_port()).collect();
        let servers: String = ports
            .iter()
            .zip(upstreams)
            .map(|(port, upstream)| {
                format!(
                    " server {{ listen 127.0.0.1:{port} ssl; server_name shop.test; \
                     ssl_certificate {d}/shop.pem; ssl_certificate_key {d}/shop.key; \
                     location / {{ proxy_pass https://127.0.0.1:{upstream}; \
                     proxy_ssl_server_name on; proxy_ssl_name shop.test; \
                     proxy_set_header Host $http_host; proxy_set_header X-Via-Cdn 1; \
                     proxy_connect_timeout 3s; proxy_read_timeout 5s; }} }}\n"
                )
            })
            .collect();
        Cdn {
            server: Nginx::start(dir, &servers, &ports),
            ports,
        }
    }

    fn url(&self, i: usize) -> String {
        format!("https://shop.test:{}/cart", self.ports[i])
    }
}

/// The whole lab: the CA (its PEM file), the DNS server, the origins and nginx before them.
struct Lab {
    ca_file: PathBuf,
    dns: dns_server::TestDns,
    healthy: Origin,
    app: Origin,
    other_name: Origin,
    dead: u16,
    nginx: Cdn,
}

impl Lab {
    async fn start() -> Lab {
        let ca = TestCa::new();
        let healthy = Origin::start(&ca, "shop.test", HEALTHY).await;
        let app = Origin::start(&ca, "shop.test", APP_500).await;
        let other_name = Origin::start(&ca, "other.test", HEALTHY).await;
        let dead = dead_port();
        // Port 0: before the dead origin (502); port 1: before the failing app (its 500).
        let nginx = Cdn::start(&ca, &[dead, app.address.port()]);
        let ca_file = nginx.server.path().join("ca.pem");
        std::fs::write(&ca_file, ca.certificate.pem()).unwrap();
        let dns = dns_server::start("127.0.0.1", &[("shop.test", "127.0.0.1", 60)]);
        Lab {
            ca_file,
            dns,
            healthy,
            app,
            other_name,
            dead,
            nginx,
        }
    }

    /// `gwdoctor check URL --origin ORIGIN … --json` (exit status, JSON), the lab's resolver
    /// and CA.
    async fn check(&self, url: &str, origins: &[String], extra: &[&str]) -> (i32, Value) {
        let output = self
            .gwdoctor(url, origins, &[&["--json"], extra].concat())
            .await;
        let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is one JSON object ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().unwrap_or(-1), json)
    }

    /// Runs `gwdoctor check` off the runtime's workers, which serve the origins meanwhile.
    async fn gwdoctor(
        &self,
        url: &str,
        origins: &[String],
        extra: &[&str],
    ) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gwdoctor"));
        command
            .args(["check", url, "--phase-timeout", "5", "--timeout", "5"])
            .arg("--resolver")
            .arg(self.dns.addr.to_string())
            .arg("--cacert")
            .arg(&self.ca_file);
        for origin in origins {
            command.args(["--origin", origin]);
        }
        command.args(extra);
        tokio::task::spawn_blocking(move || command.output().expect("run gwdoctor"))
            .await
            .unwrap()
    }
}

fn at(address: SocketAddr) -> String {
    address.to_string()
}

/// The direct requests an origin saw carried the URL's name as SNI and `Host`, and the header.
fn assert_asked_for_shop(origin: &Origin, url: &str, secret: Option<&str>) {
    let requests = origin.direct_requests();
    let (sni, head) = requests.last().expect("the origin was asked directly");
    assert_eq!(sni.as_deref(), Some("shop.test"), "{head}");
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    assert!(head.starts_with("GET /cart HTTP/1.1\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("\r\nhost: shop.test:{port}\r\n")),
        "{head}"
    );
    if let Some(secret) = secret {
        assert!(
            head.contains(&format!("\r\nx-origin-secret: {secret}\r\n")),
            "{head}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cdn_fails_and_the_origin_works() {
    let lab = Lab::start().await;
    let url = lab.nginx.url(0);
    let (code, v) = lab
        .check(
            &url,
            &[at(lab.healthy.address)],
            &["--origin-header", "X-Origin-Secret: s3cret"],
        )
        .await;
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["status"], 502, "{v:#}");
    assert_eq!(v["generator"]["vendor"], "nginx");
    assert_eq!(v["comparison"]["conclusion"], "gateway-fails", "{v:#}");
    assert_eq!(v["direct"][0]["verdict"]["status"], 200);
    assert_eq!(v["direct"][0]["certificate"]["status"], "valid");
    assert_eq!(v["direct"][0]["probe"]["dns"]["resolver"], "connect-to");
    assert!(
        v["direct"][0]["probe"]["timings"]["tls_ms"].is_number(),
        "{v:#}"
    );
    assert!(v["probe"]["timings"]["first_byte_ms"].is_number(), "{v:#}");
    let meaning = v["comparison"]["origins"][0]["meaning"].as_str().unwrap();
    assert!(
        meaning.starts_with("Your server works; nginx cannot get a good answer from it"),
        "{meaning}"
    );
    assert_asked_for_shop(&lab.healthy, &url, Some("s3cret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_origin_refuses_the_connection() {
    let lab = Lab::start().await;
    let dead = format!("127.0.0.1:{}", lab.dead);
    let (code, v) = lab.check(&lab.nginx.url(0), &[dead], &[]).await;
    assert_eq!(code, 1);
    assert_eq!(v["comparison"]["conclusion"], "origin-down", "{v:#}");
    let finding = &v["comparison"]["origins"][0];
    assert_eq!(
        finding["direct"],
        format!(
            "Direct to 127.0.0.1:{0}: connection refused on port {0}.",
            lab.dead
        )
    );
    assert_eq!(
        finding["meaning"],
        "The server itself is down or not listening on that port."
    );
    assert_eq!(
        v["direct"][0]["verdict"]["failed_hop"]["cause"],
        "connection-refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn both_fail_with_the_same_app_500() {
    let lab = Lab::start().await;
    let url = lab.nginx.url(1);
    let (code, v) = lab.check(&url, &[at(lab.app.address)], &[]).await;
    assert_eq!(code, 1);
    assert_eq!(v["status"], 500, "{v:#}");
    assert_eq!(
        v["comparison"]["conclusion"], "application-failing",
        "{v:#}"
    );
    assert_eq!(
        v["comparison"]["origins"][0]["meaning"],
        "Both fail with the same app 500: the application is failing."
    );
    assert_asked_for_shop(&lab.app, &url, None);
    // nginx asked the app too (its request carries the CDN's marker).
    let direct = lab.app.direct_requests().len();
    let all = lab.app.seen.lock().unwrap().len();
    assert!(all > direct, "{all} requests, {direct} direct");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_for_another_name_is_reported_and_the_answer_still_shown() {
    let lab = Lab::start().await;
    let url = lab.nginx.url(0);
    let (code, v) = lab.check(&url, &[at(lab.other_name.address)], &[]).await;
    assert_eq!(code, 1);
    assert_eq!(v["comparison"]["conclusion"], "origin-certificate", "{v:#}");
    assert_eq!(
        v["direct"][0]["certificate"],
        json!({"status": "wrong-name", "names": ["other.test"]})
    );
    assert_eq!(v["direct"][0]["verdict"]["status"], 200);
    let tls = &v["direct"][0]["probe"]["attempts"][0]["tls"];
    assert_eq!(tls["certificate"]["matches_host"], false);
    assert!(
        tls["verification_error"]
            .as_str()
            .unwrap()
            .contains("not valid for name \"shop.test\""),
        "{tls:#}"
    );
    let meaning = v["comparison"]["origins"][0]["meaning"].as_str().unwrap();
    assert!(
        meaning.starts_with(
            "The origin answers, but its certificate is for other.test, not shop.test"
        ),
        "{meaning}"
    );
    assert_asked_for_shop(&lab.other_name, &url, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_text_output_says_it_first_and_the_host_command_says_the_same() {
    let lab = Lab::start().await;
    let url = lab.nginx.url(0);
    let origins = [at(lab.healthy.address), format!("127.0.0.1:{}", lab.dead)];
    let output = lab.gwdoctor(&url, &origins, &[]).await;
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    // The README's example: `cargo test -p gwdoctor --test origin text_output -- --nocapture`.
    println!(
        "$ gwdoctor check {url} --origin {} --origin {}\n{text}",
        origins[0], origins[1]
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Through nginx: 502 in "), "{text}");
    assert!(
        lines[1].starts_with(&format!("Direct to {}: 200 in ", origins[0])),
        "{text}"
    );
    assert!(
        lines[2].starts_with("  → Your server works; nginx cannot"),
        "{text}"
    );
    assert!(text.contains("The origin addresses do not agree"), "{text}");
    assert!(
        text.contains(&format!("\nDirect to {}:\nTimings:", origins[1])),
        "{text}"
    );
    assert!(text.contains("ok   dns (connect-to)"), "{text}");

    // The native host, framed as a browser talks to it, gives the same comparison (no CA to
    // trust there: the usual path fails its TLS check, the origins are still compared).
    let request = json!({"v": 1, "id": 7, "cmd": "compare-origin", "args": {
        "url": url, "origins": origins, "resolver": lab.dns.addr.to_string(), "timeout_ms": 5000}});
    let reply = native_host(&request).await;
    assert_eq!(reply["ok"], true, "{reply:#}");
    let result = &reply["result"];
    assert_eq!(result["category"], "tls-error", "{result:#}");
    assert_eq!(result["comparison"]["conclusion"], "mixed", "{result:#}");
    assert_eq!(result["direct"][0]["certificate"]["status"], "untrusted");
    assert_eq!(result["direct"][0]["verdict"]["status"], 200);
    assert_eq!(
        result["comparison"]["origins"][1]["conclusion"],
        "origin-down"
    );
}

/// One request to `gwdoctor` started as Chromium starts its native host; its one reply.
async fn native_host(request: &Value) -> Value {
    let payload = request.to_string();
    let mut input = (payload.len() as u32).to_ne_bytes().to_vec();
    input.extend_from_slice(payload.as_bytes());
    let output = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
            .arg("chrome-extension://enjiaocbljlknocfdgmaigokkjebgldn/")
            .env(
                "HOME",
                std::env::temp_dir().join("gwdoctor-origin-test-home"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closing stdin after the request ends the host once it has answered.
        child.stdin.take().unwrap().write_all(&input).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stdout = output.stdout;
    assert!(
        stdout.len() >= 4,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let length = u32::from_ne_bytes(stdout[..4].try_into().unwrap()) as usize;
    assert_eq!(stdout.len(), 4 + length, "one reply frame");
    serde_json::from_slice(&stdout[4..]).unwrap()
}

#[test]
fn bad_origin_values_get_clear_errors() {
    for (args, code, says) in [
        (
            vec!["--origin", "origin.shop.test"],
            3,
            "--origin `origin.shop.test` is not an IP address with an optional port",
        ),
        (
            vec!["--origin", "127.0.0.1", "--origin-header", "X-Secret"],
            3,
            "--origin-header `X-Secret` is not NAME:VALUE",
        ),
        (
            vec![
                "--origin",
                "127.0.0.1",
                "--origin-header",
                "Host: evil.test",
            ],
            3,
            "cannot be set",
        ),
        (vec!["--origin-header", "X-A: b"], 2, "--origin"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
            .args(["check", "https://shop.test/"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
