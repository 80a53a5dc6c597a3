//! The network toolkit commands as a user runs them: dns, probe, check, flush-dns, install.

#[path = "../../crates/net/tests/support/dns_server.rs"]
#[allow(dead_code)]
mod dns_server;

use assert_cmd::Command;
use serde_json::Value;

fn gwdoctor() -> Command {
    Command::cargo_bin("gwdoctor").unwrap()
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is one JSON object")
}

#[test]
fn dns_shows_resolvers_side_by_side_and_flags_the_stale_one() {
    let system = dns_server::start("127.0.0.20", &[("shop.test", "10.1.1.1", 86400)]);
    let a = dns_server::start("127.0.0.21", &[("shop.test", "192.0.2.7", 120)]);
    let b = dns_server::start("127.0.0.22", &[("shop.test", "192.0.2.7", 120)]);
    let dead = dns_server::start_dead("127.0.0.23");
    let out = gwdoctor()
        .env("GWDOCTOR_SYSTEM_RESOLVER", system.addr.to_string())
        .args(["dns", "shop.test", "--timeout", "0.8", "--json"])
        .args([
            "--resolver",
            &a.addr.to_string(),
            "--resolver",
            &b.addr.to_string(),
            "--resolver",
            &dead.addr.to_string(),
        ])
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    let outcomes: Vec<&str> = v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["answered", "answered", "answered", "timeout"]);
    assert_eq!(v["answers"][1]["records"][0]["ttl"], 120);
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["divergent", "timeout"]);
    assert_eq!(v["consensus"], serde_json::json!(["192.0.2.7"]));

    let out = gwdoctor()
        .args([
            "dns",
            "shop.test",
            "--no-system",
            "--resolver",
            &a.addr.to_string(),
            "--resolver",
            &b.addr.to_string(),
        ])
        .assert()
        .code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("192.0.2.7 (120 s)") && text.contains("ok all 2 resolvers return the same"),
        "{text}"
    );
}

#[test]
fn dns_rejects_bad_input() {
    let out = gwdoctor()
        .args(["dns", "x.test", "--resolver", "dns.google"])
        .assert()
        .code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("expected IP[:port]"));
    gwdoctor()
        .args(["dns", "a name", "--no-system", "--resolver", "127.0.0.1:9"])
        .assert()
        .code(3);
    gwdoctor()
        .args([
            "dns",
            "x.test",
            "--no-system",
            "--resolver",
            "127.0.0.1:9",
            "--timeout",
            "0",
        ])
        .assert()
        .code(3);
}

#[test]
fn check_json_keeps_its_shape_and_gains_the_hops() {
    let dns = dns_server::start("127.0.0.24", &[("down.test", "127.0.0.1", 60)]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = gwdoctor()
        .args([
            "check",
            "--json",
            "--resolver",
            &dns.addr.to_string(),
            &format!("http://down.test:{port}/"),
        ])
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["category"], "origin-down");
    let probe = &v["probe"];
    for key in [
        "address",
        "timings",
        "redirect",
        "dns",
        "attempts",
        "failed_hop",
    ] {
        assert!(probe.get(key).is_some(), "missing probe.{key} in {probe}");
    }
    assert!(probe.get("verdict").is_none());
    assert_eq!(probe["dns"]["addresses"], serde_json::json!(["127.0.0.1"]));
    assert!(probe["timings"]["dns_ms"].is_number());
    assert_eq!(probe["failed_hop"]["stage"], "connect");

    let out = gwdoctor()
        .args(["probe", &format!("http://127.0.0.1:{port}/")])
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("FAIL tcp")
            && text.contains("First failed hop: connect (connection-refused)"),
        "{text}"
    );
}

#[test]
fn flush_dns_dry_run_names_the_commands_and_the_browser_cache() {
    let out = gwdoctor()
        .args(["flush-dns", "--dry-run", "--json"])
        .assert();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["os"], std::env::consts::OS);
    assert!(v["caches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] == "planned" || c["outcome"] == "not-found"));
    assert_eq!(v["flushed_any"], false);
    let out = gwdoctor().args(["flush-dns", "--dry-run"]).assert();
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout).contains("chrome://net-internals/#dns")
    );
}

#[test]
fn install_writes_for_found_browsers_is_idempotent_and_uninstall_removes() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = gwdoctor()
            .args(args)
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let none = gwdoctor()
        .arg("install")
        .env("HOME", home.path())
        .env_remove("XDG_CONFIG_HOME")
        .assert()
        .code(3);
    assert!(
        String::from_utf8_lossy(&none.get_output().stderr).contains("no supported browser found")
    );

    std::fs::create_dir_all(home.path().join(".config/chromium")).unwrap();
    std::fs::create_dir_all(home.path().join(".mozilla/firefox")).unwrap();
    let dry = run(&["install", "--dry-run"]);
    assert!(
        dry.contains("chromium: would write") && dry.contains("firefox: would write"),
        "{dry}"
    );
    let chromium = home
        .path()
        .join(".config/chromium/NativeMessagingHosts/org.gatewaydoctor.gwdoctor.json");
    let firefox = home
        .path()
        .join(".mozilla/native-messaging-hosts/org.gatewaydoctor.gwdoctor.json");
    assert!(!chromium.exists());

    let first = run(&["install"]);
    assert!(
        first.contains("chromium: wrote")
            && first.contains("firefox: wrote")
            && !first.contains("chrome:"),
        "{first}"
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&chromium).unwrap()).unwrap();
    assert_eq!(manifest["name"], "org.gatewaydoctor.gwdoctor");
    assert_eq!(manifest["type"], "stdio");
    assert!(std::path::Path::new(manifest["path"].as_str().unwrap()).is_absolute());
    assert_eq!(
        manifest["allowed_origins"][0],
        "chrome-extension://enjiaocbljlknocfdgmaigokkjebgldn/"
    );
    let ff: Value = serde_json::from_str(&std::fs::read_to_string(&firefox).unwrap()).unwrap();
    assert_eq!(
        ff["allowed_extensions"][0],
        "gwdoctor@gatewaydoctor.invalid"
    );

    let second = run(&["install"]);
    assert!(
        second.contains("chromium: unchanged") && second.contains("firefox: unchanged"),
        "{second}"
    );
    let forced = run(&["install", "--browser", "brave"]);
    assert!(forced.contains("brave: wrote"), "{forced}");

    let removed = run(&["uninstall"]);
    assert!(
        removed.contains("chromium: removed") && removed.contains("brave: removed"),
        "{removed}"
    );
    assert!(!chromium.exists() && !firefox.exists());
    assert!(run(&["uninstall", "--browser", "chromium"]).contains("chromium: absent"));
}

#[test]
fn install_plans_the_windows_registry_keys() {
    let home = tempfile::tempdir().unwrap();
    let out = gwdoctor()
        .args([
            "install",
            "--dry-run",
            "--platform",
            "windows",
            "--browser",
            "chrome",
            "--browser",
            "firefox",
        ])
        .env("HOME", home.path())
        .env("LOCALAPPDATA", home.path().join("Local"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains(r"reg add HKCU\Software\Google\Chrome\NativeMessagingHosts\org.gatewaydoctor.gwdoctor /ve /t REG_SZ /d"), "{text}");
    assert!(
        text.contains(
            r"reg add HKCU\Software\Mozilla\NativeMessagingHosts\org.gatewaydoctor.gwdoctor"
        ),
        "{text}"
    );
    gwdoctor()
        .args(["install", "--platform", "windows"])
        .env("HOME", home.path())
        .assert()
        .code(3);
}
