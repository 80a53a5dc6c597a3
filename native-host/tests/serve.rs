//! `gwdoctor serve` as a black box: the binary started on 127.0.0.1 port 0, real upstreams and a
//! real nginx on 127.0.0.1, a real DNS server for the rebinding case. Nothing leaves the machine:
//! forbidden addresses are refused before any packet is sent.

#[allow(dead_code)]
#[path = "../../crates/net/tests/support/dns_server.rs"]
mod dns_server;
#[path = "support/nginx.rs"]
mod nginx;

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc, Arc,
    },
    time::Duration,
};

use nginx::{free_port, Nginx};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const NGINX_STYLE_502: &str = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\
Content-Type: text/html\r\nConnection: close\r\n\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

/// A running `gwdoctor serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
    _dirs: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Server::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, String)]) -> Server {
        let dirs = tempfile::tempdir().unwrap();
        let www = dirs.path().join("www");
        let wasm = dirs.path().join("wasm");
        std::fs::create_dir_all(&www).unwrap();
        std::fs::create_dir_all(&wasm).unwrap();
        std::fs::write(
            www.join("index.html"),
            "<!doctype html><title>checker</title>",
        )
        .unwrap();
        std::fs::write(wasm.join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_gwdoctor"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--www")
            .arg(&www)
            .arg("--wasm")
            .arg(&wasm)
            .args(args)
            .env_remove("GWDOCTOR_SYSTEM_RESOLVER")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start gwdoctor serve");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("gwdoctor serve prints where it listens");
        let base = line
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in `{line}`"))
            .to_string();
        Server {
            child,
            base,
            _dirs: dirs,
        }
    }

    fn check_url(&self, url: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("url", url)
            .finish();
        format!("{}api/v1/check?{query}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP server on 127.0.0.x that counts connections and answers each with `response` after
/// `delay`.
struct Upstream {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Upstream {
    async fn start(ip: &str, delay: Duration, response: String) -> Upstream {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let response = response.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 2048];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    tokio::time::sleep(delay).await;
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Upstream { addr, connections }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn get_json(url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = client().get(url).send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    (status, headers, json)
}

fn assert_forbidden(status: u16, body: &Value, context: &str) {
    assert_eq!(status, 403, "{context}: {body}");
    assert_eq!(
        body["error"]["code"], "forbidden-target",
        "{context}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_forbidden_range_is_refused_by_default_without_a_packet_sent() {
    let upstream = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.into()).await;
    let port = upstream.addr.port();
    let server = Server::start(&["--rate-limit", "0"]);
    let loopback = [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://localhost:{port}/"),
    ];
    let others = [
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://100.100.100.200/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://192.0.2.1/",
        "http://198.51.100.1/",
        "http://203.0.113.1/",
        "http://198.18.0.1/",
        "http://240.0.0.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd00:ec2::254]/",
        "http://[ff02::1]/",
        "http://[2001:db8::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:a00:1::1]/",
        "http://2130706433/",
        "http://0x7f.1/",
    ];
    for url in loopback.iter().map(String::as_str).chain(others) {
        let (status, headers, body) = get_json(&server.check_url(url)).await;
        assert_forbidden(status, &body, url);
        assert_eq!(headers["cache-control"], "no-store");
    }
    let (_, _, body) = get_json(&server.check_url("http://169.254.169.254/")).await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("cloud metadata"), "{message}");
    assert_eq!(
        upstream.count(),
        0,
        "no connection reached the loopback upstream"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_resolves_to_loopback_is_refused_after_resolution() {
    let upstream = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.into()).await;
    let dns = dns_server::start("127.0.0.1", &[("rebind.test", "127.0.0.1", 0)]);
    let resolver = [("GWDOCTOR_SYSTEM_RESOLVER", dns.addr.to_string())];
    let url = format!("http://rebind.test:{}/", upstream.addr.port());

    let public = Server::start_with_env(&[], &resolver);
    let (status, _, body) = get_json(&public.check_url(&url)).await;
    assert_forbidden(status, &body, &url);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("points to 127.0.0.1, which is loopback"),
        "{message}"
    );
    assert_eq!(upstream.count(), 0);

    // The same name through a checker that allows private addresses reaches the upstream: the
    // refusal above came from the policy, not from a failed lookup.
    let private = Server::start_with_env(&["--allow-private"], &resolver);
    let (status, _, body) = get_json(&private.check_url(&url)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 502);
    assert_eq!(upstream.count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_a_private_address_is_refused() {
    let inner = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.into()).await;
    for target in [inner.url(), "http://169.254.169.254/latest/".to_string()] {
        let redirect = format!(
            "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let outer = Upstream::start("127.0.0.2", Duration::ZERO, redirect).await;
        // 127.0.0.2 is allowed as an exception; where it redirects to is checked on its own.
        let server = Server::start(&["--allow", "127.0.0.2/32"]);
        let (status, _, body) = get_json(&server.check_url(&outer.url())).await;
        assert_forbidden(status, &body, &target);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("the redirect from"), "{message}");
        assert_eq!(outer.count(), 1);
    }
    assert_eq!(inner.count(), 0, "the redirect target was never contacted");

    // Allowed, the redirect is followed and reported.
    let redirect = format!(
        "HTTP/1.1 301 Moved\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        inner.url()
    );
    let outer = Upstream::start("127.0.0.2", Duration::ZERO, redirect).await;
    let server = Server::start(&["--allow-private"]);
    let (status, _, body) = get_json(&server.check_url(&outer.url())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 502);
    assert_eq!(body["redirects"][0]["status"], 301);
    assert_eq!(body["redirects"][0]["location"], inner.url());
    assert_eq!(body["url"], inner.url());
    assert_eq!(inner.count(), 1);
}

/// A real nginx on 127.0.0.1 before a port nothing listens on.
struct DeadUpstream {
    _server: Nginx,
    port: u16,
}

impl DeadUpstream {
    fn start() -> DeadUpstream {
        let (port, dead) = (free_port(), free_port());
        let server = format!(
            " server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://127.0.0.1:{dead}; }} }}\n"
        );
        DeadUpstream {
            _server: Nginx::start(tempfile::tempdir().unwrap(), &server, &[port]),
            port,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_nginx_before_a_dead_upstream_gets_its_verdict_with_timings() {
    let nginx = DeadUpstream::start();
    let server = Server::start(&["--allow-private", "--name", "lab-1"]);
    let url = format!("http://127.0.0.1:{}/shop", nginx.port);
    let (status, headers, body) = get_json(&server.check_url(&url)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], 502);
    assert_eq!(body["error"], true);
    assert_eq!(body["category"], "bad-gateway");
    assert_eq!(body["generator"]["vendor"], "nginx");
    assert_eq!(body["failed_hop"]["from"], "nginx");
    assert_eq!(body["vantage"], "lab-1");
    assert_eq!(body["requested_url"], url);
    assert!(body["probe"]["timings"]["connect_ms"].is_number(), "{body}");
    assert!(
        body["probe"]["timings"]["first_byte_ms"].is_number(),
        "{body}"
    );
    assert_eq!(
        body["probe"]["address"],
        format!("127.0.0.1:{}", nginx.port)
    );
    assert_eq!(headers["x-cache"], "miss");
    let (_, headers, again) = get_json(&server.check_url(&url)).await;
    assert_eq!(headers["x-cache"], "hit");
    assert_eq!(again["checked_at"], body["checked_at"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_urls_get_clear_errors() {
    let server = Server::start(&[]);
    for (url, expected) in [
        ("ftp://example.com/", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("http://", "not a valid URL"),
        ("", "give the URL to check"),
    ] {
        let (status, _, body) = get_json(&server.check_url(url)).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["error"]["code"], "invalid-url");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{url}: {message}");
    }
    let long = format!("http://example.com/{}", "a".repeat(3000));
    let (status, _, _) = get_json(&server.check_url(&long)).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_client_is_rate_limited() {
    let server = Server::start(&["--rate-limit", "1", "--rate-burst", "3"]);
    let url = server.check_url("ftp://x/");
    for _ in 0..3 {
        let (status, _, _) = get_json(&url).await;
        assert_eq!(status, 400);
    }
    let (status, headers, body) = get_json(&url).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate-limited");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=61).contains(&wait), "{wait}");
    // The page itself is not limited.
    let page = client().get(&server.base).send().await.unwrap();
    assert_eq!(page.status(), 200);
}

/// The status of a check of `url` sent with `X-Forwarded-For: forwarded_for`.
async fn status_forwarded_for(url: &str, forwarded_for: &str) -> u16 {
    client()
        .get(url)
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let args = ["--rate-limit", "1", "--rate-burst", "1"];
    let proxied = Server::start(&[&args[..], &["--trusted-proxy", "127.0.0.0/8"]].concat());
    let url = proxied.check_url("ftp://x/");
    assert_eq!(status_forwarded_for(&url, "192.0.2.1").await, 400);
    assert_eq!(status_forwarded_for(&url, "192.0.2.1").await, 429);
    assert_eq!(status_forwarded_for(&url, "192.0.2.2").await, 400);
    // A forged entry left of the proxy's does not buy a fresh bucket.
    assert_eq!(
        status_forwarded_for(&url, "203.0.113.5, 192.0.2.2").await,
        429
    );

    // Without --trusted-proxy the header is the client's own words, and ignored.
    let direct = Server::start(&args);
    let url = direct.check_url("ftp://x/");
    assert_eq!(status_forwarded_for(&url, "192.0.2.1").await, 400);
    assert_eq!(status_forwarded_for(&url, "192.0.2.2").await, 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_of_one_url_cost_one_upstream_request() {
    let upstream = Upstream::start(
        "127.0.0.1",
        Duration::from_millis(300),
        NGINX_STYLE_502.into(),
    )
    .await;
    let server = Server::start(&["--allow-private", "--rate-limit", "0"]);
    let url = server.check_url(&upstream.url());
    let checks = (0..50).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { get_json(&url).await })
    });
    let mut misses = 0;
    let mut stamps = std::collections::BTreeSet::new();
    for check in checks {
        let (status, headers, body) = check.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], 502);
        misses += usize::from(headers["x-cache"] == "miss");
        stamps.insert(body["checked_at"].to_string());
    }
    assert_eq!(upstream.count(), 1, "one upstream request for 50 checks");
    assert_eq!(misses, 1);
    assert_eq!(stamps.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_extensions_only() {
    let server = Server::start(&[]);
    let url = server.check_url("ftp://x/");
    for origin in [
        "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
        "moz-extension://1234-5678",
    ] {
        let response = client()
            .get(&url)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], origin);
        let preflight = client()
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    }
    let response = client()
        .get(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_a_strict_content_security_policy() {
    let server = Server::start(&[]);
    for path in [
        "",
        "api/v1/check?url=x",
        "api/v1/vantage",
        "wasm/core.wasm",
        "missing",
    ] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
    let wasm = client()
        .get(format!("{}wasm/core.wasm", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
}

fn vantage_config(dir: &std::path::Path, peers: &[(&str, &str)]) -> String {
    let mut text = "name = \"alpha\"\npeer_timeout_s = 20\n".to_string();
    for (name, url) in peers {
        text += &format!("[[peers]]\nname = \"{name}\"\nurl = \"{url}\"\n");
    }
    let path = dir.join("vantage.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn fan_out_asks_every_vantage_point_once() {
    let upstream = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.into()).await;
    let beta = Server::start(&["--allow-private", "--name", "beta"]);
    let gamma = Server::start(&["--allow-private", "--name", "gamma"]);
    let dir = tempfile::tempdir().unwrap();
    let config = vantage_config(dir.path(), &[("beta", &beta.base), ("gamma", &gamma.base)]);
    let alpha = Server::start(&["--allow-private", "--config", &config]);
    let (_, _, info) = get_json(&format!("{}api/v1/vantage", alpha.base)).await;
    assert_eq!(info["name"], "alpha");
    assert_eq!(info["peers"], serde_json::json!(["beta", "gamma"]));

    let url = format!("{}&fanout=1", alpha.check_url(&upstream.url()));
    let (status, _, body) = get_json(&url).await;
    assert_eq!(status, 200, "{body}");
    let points = &body["vantage_points"];
    assert_eq!(points["summary"], "down from 3 of 3 vantage points");
    assert_eq!(points["everyone"], true);
    let names: Vec<&str> = points["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    for result in points["results"].as_array().unwrap() {
        assert_eq!(result["down"], true);
        assert_eq!(result["verdict"]["status"], 502);
        assert_eq!(result["verdict"]["vantage"], result["name"]);
    }
    assert_eq!(upstream.count(), 3, "each vantage point probed once");
    let (_, _, again) = get_json(&url).await;
    assert_eq!(
        again["vantage_points"]["summary"],
        "down from 3 of 3 vantage points"
    );
    assert_eq!(
        upstream.count(),
        3,
        "the second fan-out came from the caches"
    );
    // Without fanout, only this vantage point answers.
    let (_, _, alone) = get_json(&alpha.check_url(&upstream.url())).await;
    assert!(alone.get("vantage_points").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_that_does_not_answer_is_reported_not_counted() {
    let upstream = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.into()).await;
    let beta = Server::start(&["--allow-private", "--name", "beta"]);
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead_url = format!("http://{dead}/");
    let dir = tempfile::tempdir().unwrap();
    let config = vantage_config(dir.path(), &[("beta", &beta.base), ("gone", &dead_url)]);
    let alpha = Server::start(&["--allow-private", "--config", &config]);
    let (status, _, body) =
        get_json(&format!("{}&fanout=1", alpha.check_url(&upstream.url()))).await;
    assert_eq!(status, 200, "{body}");
    let points = &body["vantage_points"];
    assert_eq!(
        points["summary"],
        "down from 2 of 2 vantage points (1 more did not answer)"
    );
    assert_eq!(points["results"][2]["answered"], false);
    assert!(points["results"][2]["detail"]
        .as_str()
        .unwrap()
        .contains("could not reach the peer"));
}

#[test]
fn bad_settings_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[peers]]\nname = \"x\"\nurl = \"ftp://x/\"\n").unwrap();
    for args in [
        vec!["--config".to_string(), bad.display().to_string()],
        vec![
            "--config".to_string(),
            dir.path().join("missing.toml").display().to_string(),
        ],
        vec!["--allow".to_string(), "10.0.0.0/40".to_string()],
        vec!["--trusted-proxy".to_string(), "proxy.local".to_string()],
        vec!["--timeout".to_string(), "0".to_string()],
        vec!["--header-timeout".to_string(), "0".to_string()],
        vec!["--max-connections-per-client".to_string(), "0".to_string()],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_gwdoctor"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("gwdoctor") || stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
}

/// A TCP connection to `server` from the loopback source address `from` (all of 127.0.0.0/8 is
/// local on Linux, so each address is a different client).
async fn connect_from(server: &Server, from: &str) -> tokio::net::TcpStream {
    let port: u16 = server
        .base
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap()
}

/// A client whose requests leave from the loopback address `from`.
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Reads until the server closes `stream` (end of file or reset), at most until `deadline`:
/// whether it closed in time.
async fn closed_within(stream: &mut tokio::net::TcpStream, deadline: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(deadline, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Whether the server has closed `stream` already (without waiting).
fn is_closed(stream: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 1];
    match stream.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// One request on a kept-alive connection, its answer read whole.
async fn healthz_kept_alive(stream: &mut tokio::net::TcpStream) {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: checker\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.ends_with(b"ok\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the answer");
        answer.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_holding_more_connections_than_the_bound_locks_nobody_out() {
    const BOUND: usize = 512;
    const HELD: usize = 2000;
    let server = Server::start(&[
        "--allow-private",
        "--max-connections-per-client",
        "100000",
        "--header-timeout",
        "120",
    ]);
    let upstream = Upstream::start("127.0.0.1", Duration::ZERO, NGINX_STYLE_502.to_string()).await;
    // Idle, a partial request line, and kept alive after one answer, in turn.
    let mut held = Vec::with_capacity(HELD);
    for i in 0..HELD {
        let mut stream = connect_from(&server, "127.0.0.1").await;
        match i % 3 {
            0 => {}
            1 => stream.write_all(b"GET /heal").await.unwrap(),
            _ => healthz_kept_alive(&mut stream).await,
        }
        held.push(stream);
    }
    let other = client_from("127.0.0.2");
    let health = other
        .get(format!("{}healthz", server.base))
        .send()
        .await
        .expect("another client is answered");
    assert_eq!(health.status(), 200);
    let check = other
        .get(server.check_url(&upstream.url()))
        .send()
        .await
        .expect("another client's check is answered");
    assert_eq!(check.status(), 200);
    // The holder loses its oldest connections (each shed one gets a short grace to finish).
    let mut open = HELD;
    for _ in 0..100 {
        open = held.iter().filter(|stream| !is_closed(stream)).count();
        if open <= BOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("held {HELD} connections from one client: {open} still open, others served");
    assert!(open <= BOUND, "{open} open");
    assert!(open >= BOUND / 2, "{open} open: the newest are kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_header_timeout_closes_a_slow_loris_and_an_idle_connection() {
    let server = Server::start(&["--header-timeout", "1"]);
    let mut slow = connect_from(&server, "127.0.0.3").await;
    let mut idle = connect_from(&server, "127.0.0.3").await;
    let mut kept_alive = connect_from(&server, "127.0.0.3").await;
    healthz_kept_alive(&mut kept_alive).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: checker\r\n")
        .await
        .unwrap();
    // A header byte every 200 ms: never a whole head.
    let dripping = async {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow.write_all(b"X").await.is_err() {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), dripping)
        .await
        .unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await);
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await);
    assert!(closed_within(&mut kept_alive, Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_beyond_its_share_of_connections_is_closed_while_others_are_served() {
    let server = Server::start(&["--max-connections-per-client", "4"]);
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect_from(&server, "127.0.0.4").await;
        healthz_kept_alive(&mut stream).await;
        held.push(stream);
    }
    let mut extra = connect_from(&server, "127.0.0.4").await;
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: checker\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the extra connection is closed");
    assert!(answer.is_empty(), "and not answered");
    let health = client_from("127.0.0.5")
        .get(format!("{}healthz", server.base))
        .send()
        .await
        .expect("another client is answered");
    assert_eq!(health.status(), 200);
    // The client's own connections are still served, and a freed place can be taken again.
    healthz_kept_alive(&mut held[0]).await;
    drop(held.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut stream = connect_from(&server, "127.0.0.4").await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: checker\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        if matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {
            again = Some(stream);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a freed place is taken again");
}
