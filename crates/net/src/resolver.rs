//! Which resolver to ask: the system's, or one given as `IP[:port]`, `tls://IP[:port][#name]`,
//! `https://IP[:port][/path][#name]`, or a shortcut (`cloudflare`, `google-tls`, …), and a
//! hickory resolver built for it.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};

use hickory_resolver::{
    config::{LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts},
    name_server::TokioConnectionProvider,
    proto::xfer::Protocol,
    TokioResolver,
};
use serde::Serialize;

/// Environment variable that replaces the system resolver by one resolver spec (tests point it
/// at a local server so that no test ever reaches the machine's real resolver).
pub const SYSTEM_RESOLVER_ENV: &str = "GWDOCTOR_SYSTEM_RESOLVER";

/// The alternates asked when none are given: Cloudflare, Google and Quad9 over UDP.
pub const DEFAULT_ALTERNATES: [&str; 3] = ["cloudflare", "google", "quad9"];

/// Well-known public resolvers: shortcut, first address, TLS name.
const SHORTCUTS: [(&str, Ipv4Addr, &str); 3] = [
    (
        "cloudflare",
        Ipv4Addr::new(1, 1, 1, 1),
        "cloudflare-dns.com",
    ),
    ("google", Ipv4Addr::new(8, 8, 8, 8), "dns.google"),
    ("quad9", Ipv4Addr::new(9, 9, 9, 9), "dns.quad9.net"),
];

/// How a resolver is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Plain DNS, UDP with TCP for truncated answers.
    Udp,
    /// DNS over TLS (RFC 7858).
    Tls,
    /// DNS over HTTPS (RFC 8484).
    Https,
}

/// One resolver to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolverSpec {
    /// The operating system's configuration (`/etc/resolv.conf` and hosts file on Unix, the
    /// adapters' servers on Windows).
    System,
    /// A given server.
    Server {
        /// Short label shown in reports (the shortcut name, or the spec as written).
        label: String,
        /// Address and port.
        addr: SocketAddr,
        /// Transport.
        transport: Transport,
        /// Name the server's certificate must carry (TLS and HTTPS).
        tls_name: Option<String>,
        /// HTTP path (HTTPS only).
        path: Option<String>,
    },
}

/// Why a resolver spec cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad resolver `{spec}`: {reason}; expected IP[:port], tls://IP[:port][#name], https://IP[:port][/path][#name] or one of cloudflare, google, quad9 (optionally with -tls or -https)")]
pub struct ResolverSpecError {
    spec: String,
    reason: &'static str,
}

impl ResolverSpec {
    /// Parses one resolver as written by a user.
    pub fn parse(spec: &str) -> Result<Self, ResolverSpecError> {
        let spec = spec.trim();
        let error = |reason| ResolverSpecError {
            spec: spec.to_string(),
            reason,
        };
        if spec == "system" {
            return Ok(ResolverSpec::System);
        }
        if let Some(server) = shortcut(spec) {
            return Ok(server);
        }
        let (transport, rest) = if let Some(rest) = spec.strip_prefix("tls://") {
            (Transport::Tls, rest)
        } else if let Some(rest) = spec.strip_prefix("https://") {
            (Transport::Https, rest)
        } else if spec.contains("://") {
            return Err(error("unknown scheme"));
        } else {
            (Transport::Udp, spec)
        };
        let (rest, tls_name) = match rest.split_once('#') {
            Some((_, "")) => return Err(error("empty TLS name after #")),
            Some((rest, name)) if transport != Transport::Udp => (rest, Some(name.to_string())),
            Some(_) => {
                return Err(error(
                    "a TLS name (#name) only goes with tls:// or https://",
                ))
            }
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(at) if transport == Transport::Https => {
                (&rest[..at], Some(rest[at..].to_string()))
            }
            Some(_) => return Err(error("only https:// resolvers take a path")),
            None => (rest, None),
        };
        let default_port = match transport {
            Transport::Udp => 53,
            Transport::Tls => 853,
            Transport::Https => 443,
        };
        let addr = parse_socket_addr(authority, default_port)
            .ok_or_else(|| error("the server must be an IP address, with an optional port"))?;
        let tls_name = match transport {
            Transport::Udp => None,
            _ => Some(tls_name.unwrap_or_else(|| addr.ip().to_string())),
        };
        Ok(ResolverSpec::Server {
            label: spec.to_string(),
            addr,
            transport,
            tls_name,
            path,
        })
    }

    /// The label shown in reports.
    pub fn label(&self) -> &str {
        match self {
            ResolverSpec::System => "system",
            ResolverSpec::Server { label, .. } => label,
        }
    }

    /// The spec in canonical form (`system`, `1.1.1.1:53`, `tls://1.1.1.1:853#name`, …).
    pub fn canonical(&self) -> String {
        match self {
            ResolverSpec::System => "system".to_string(),
            ResolverSpec::Server {
                addr,
                transport,
                tls_name,
                path,
                ..
            } => {
                let name = tls_name
                    .as_deref()
                    .map(|n| format!("#{n}"))
                    .unwrap_or_default();
                match transport {
                    Transport::Udp => addr.to_string(),
                    Transport::Tls => format!("tls://{addr}{name}"),
                    Transport::Https => {
                        format!(
                            "https://{addr}{}{name}",
                            path.as_deref().unwrap_or("/dns-query")
                        )
                    }
                }
            }
        }
    }

    /// A resolver for this spec that asks for both A and AAAA, answers from nothing but the
    /// server (no hosts file for given servers), one attempt bounded by `timeout`.
    pub fn build(&self, timeout: Duration) -> Result<TokioResolver, String> {
        let (config, mut options) = match self {
            ResolverSpec::System => match std::env::var(SYSTEM_RESOLVER_ENV) {
                Ok(replacement) => {
                    let spec = ResolverSpec::parse(&replacement)
                        .map_err(|e| format!("{SYSTEM_RESOLVER_ENV}: {e}"))?;
                    if spec == ResolverSpec::System {
                        return Err(format!("{SYSTEM_RESOLVER_ENV} must name a server"));
                    }
                    return spec.build(timeout);
                }
                Err(_) => hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| format!("cannot read the system resolver configuration: {e}"))?,
            },
            ResolverSpec::Server {
                addr,
                transport,
                tls_name,
                path,
                ..
            } => {
                let protocols: &[Protocol] = match transport {
                    Transport::Udp => &[Protocol::Udp, Protocol::Tcp],
                    Transport::Tls => &[Protocol::Tls],
                    Transport::Https => &[Protocol::Https],
                };
                let mut config = ResolverConfig::new();
                for protocol in protocols {
                    let mut server = NameServerConfig::new(*addr, *protocol);
                    server.tls_dns_name = tls_name.clone();
                    server.http_endpoint = path.clone();
                    config.add_name_server(server);
                }
                let mut options = ResolverOpts::default();
                options.use_hosts_file = ResolveHosts::Never;
                (config, options)
            }
        };
        options.timeout = timeout;
        options.attempts = 1;
        options.cache_size = 0;
        options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        Ok(
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(options)
                .build(),
        )
    }
}

/// The resolvers to compare: the system's first (unless `system` is false), then `alternates`
/// or the defaults (Cloudflare, Google, Quad9).
pub fn resolver_list(
    alternates: Option<&[String]>,
    system: bool,
) -> Result<Vec<ResolverSpec>, String> {
    let mut list = Vec::new();
    if system {
        list.push(ResolverSpec::System);
    }
    let defaults: Vec<String> = DEFAULT_ALTERNATES.iter().map(|s| s.to_string()).collect();
    for spec in alternates.unwrap_or(&defaults) {
        let spec = ResolverSpec::parse(spec).map_err(|e| e.to_string())?;
        if !list.contains(&spec) {
            list.push(spec);
        }
    }
    if list.is_empty() {
        return Err("no resolver to ask".into());
    }
    if list.len() > 16 {
        return Err("at most 16 resolvers at once".into());
    }
    Ok(list)
}

/// Checks a DNS name as typed: not empty, at most 253 characters, no spaces.
pub fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 253
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("`{name}` is not a DNS name"));
    }
    Ok(name)
}

impl fmt::Display for ResolverSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// `cloudflare`, `google-tls`, `quad9-https`, …
fn shortcut(spec: &str) -> Option<ResolverSpec> {
    let (name, transport) = match spec.rsplit_once('-') {
        Some((name, "tls")) => (name, Transport::Tls),
        Some((name, "https")) => (name, Transport::Https),
        _ => (spec, Transport::Udp),
    };
    let (_, ip, tls_name) = SHORTCUTS.iter().find(|(n, ..)| *n == name)?;
    let port = match transport {
        Transport::Udp => 53,
        Transport::Tls => 853,
        Transport::Https => 443,
    };
    Some(ResolverSpec::Server {
        label: spec.to_string(),
        addr: SocketAddr::new(IpAddr::V4(*ip), port),
        transport,
        tls_name: (transport != Transport::Udp).then(|| tls_name.to_string()),
        path: (transport == Transport::Https).then(|| "/dns-query".to_string()),
    })
}

/// `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:53`.
fn parse_socket_addr(text: &str, default_port: u16) -> Option<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, default_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let udp = ResolverSpec::parse("127.0.0.2:5353").unwrap();
        assert_eq!(udp.canonical(), "127.0.0.2:5353");
        assert_eq!(
            ResolverSpec::parse("9.9.9.9").unwrap().canonical(),
            "9.9.9.9:53"
        );
        assert_eq!(
            ResolverSpec::parse("[::1]:5300").unwrap().canonical(),
            "[::1]:5300"
        );
        assert_eq!(ResolverSpec::parse("::1").unwrap().canonical(), "[::1]:53");
        assert_eq!(
            ResolverSpec::parse("tls://1.1.1.1#cloudflare-dns.com")
                .unwrap()
                .canonical(),
            "tls://1.1.1.1:853#cloudflare-dns.com"
        );
        assert_eq!(
            ResolverSpec::parse("https://8.8.8.8/resolve#dns.google")
                .unwrap()
                .canonical(),
            "https://8.8.8.8:443/resolve#dns.google"
        );
        assert_eq!(
            ResolverSpec::parse("quad9-https").unwrap().canonical(),
            "https://9.9.9.9:443/dns-query#dns.quad9.net"
        );
        assert_eq!(ResolverSpec::parse("google").unwrap().label(), "google");
        assert_eq!(ResolverSpec::parse("system").unwrap(), ResolverSpec::System);
    }

    #[test]
    fn rejects_what_it_cannot_use() {
        for bad in [
            "",
            "dns.google",
            "udp://1.1.1.1",
            "1.1.1.1#name",
            "tls://1.1.1.1#",
            "1.1.1.1/x",
            "tls://x:1",
            "1.1.1.1:99999",
        ] {
            let e = ResolverSpec::parse(bad).unwrap_err();
            assert!(e.to_string().contains("expected IP[:port]"), "{bad}: {e}");
        }
    }
}
