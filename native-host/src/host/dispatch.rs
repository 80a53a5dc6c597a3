//! The commands: arguments checked against the schema ([`Command::parse`], no I/O), then run
//! ([`Command::run`]).

use std::{net::SocketAddr, time::Duration};

use gwdoctor_core::{classify, parse_response, Headers, Snapshot};
use gwdoctor_net::{
    flush, parse_header,
    probe::{phase_limits, ProbeOptions},
    resolver::{check_name, resolver_list},
    ResolverSpec, Target,
};
use gwdoctor_wire::native::{
    ClassifyArgs, CompareOriginArgs, DnsArgs, ErrorCode, FlushArgs, HostError, Ping, ProbeArgs,
    COMMANDS, VERSION,
};

use crate::origin::{parse_origin, MAX_HEADERS, MAX_ORIGINS};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A command with checked arguments.
#[derive(Debug, Clone)]
pub enum Command {
    /// Liveness and version.
    Ping,
    /// Compare resolvers.
    Dns {
        /// The name.
        name: String,
        /// Resolvers, system first when asked.
        resolvers: Vec<ResolverSpec>,
        /// Per-resolver limit.
        limit: Duration,
    },
    /// Probe a URL.
    Probe {
        /// The URL.
        target: Box<Target>,
        /// Limits and resolver.
        options: Box<ProbeOptions>,
    },
    /// The URL through its usual path and straight from each origin.
    CompareOrigin {
        /// The URL.
        target: Box<Target>,
        /// Limits and resolver of every fetch.
        options: Box<ProbeOptions>,
        /// The origin addresses (at least one).
        origins: Vec<SocketAddr>,
        /// Headers of the direct requests only.
        headers: Vec<(String, String)>,
    },
    /// Flush the OS DNS cache.
    FlushDns {
        /// Only say what would run.
        dry_run: bool,
    },
    /// Classify a response.
    Classify(Box<Snapshot>),
}

/// Largest raw response or body `classify` accepts.
const MAX_CLASSIFY_BYTES: usize = 1024 * 1024;

fn bad(message: impl Into<String>) -> HostError {
    HostError::new(ErrorCode::BadArgs, message)
}

fn args<T: DeserializeOwned>(args: Map<String, Value>) -> Result<T, HostError> {
    serde_json::from_value(Value::Object(args)).map_err(|e| bad(format!("args: {e}")))
}

fn limit(
    ms: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, HostError> {
    let ms = ms.unwrap_or(default);
    if range.contains(&ms) {
        Ok(Duration::from_millis(ms))
    } else {
        Err(bad(format!(
            "args.timeout_ms: {ms} is outside {}…{}",
            range.start(),
            range.end()
        )))
    }
}

impl Command {
    /// Checks `cmd` and its `args`.
    pub fn parse(cmd: &str, raw: Map<String, Value>) -> Result<Command, HostError> {
        match cmd {
            "ping" => {
                if let Some(extra) = raw.keys().next() {
                    return Err(bad(format!("args: ping takes no argument, not `{extra}`")));
                }
                Ok(Command::Ping)
            }
            "dns" => {
                let a: DnsArgs = args(raw)?;
                let name = check_name(&a.name)
                    .map_err(|e| bad(format!("args.name: {e}")))?
                    .to_string();
                let resolvers = resolver_list(a.resolvers.as_deref(), a.system.unwrap_or(true))
                    .map_err(|e| bad(format!("args.resolvers: {e}")))?;
                Ok(Command::Dns {
                    name,
                    resolvers,
                    limit: limit(a.timeout_ms, 3000, 100..=30_000)?,
                })
            }
            "probe" => {
                let a: ProbeArgs = args(raw)?;
                let target = parse_target(&a.url)?;
                let resolver = parse_resolver(a.resolver)?;
                let mut request = phase_limits(limit(a.timeout_ms, 10_000, 1000..=60_000)?);
                match a.max_addresses {
                    Some(n @ 1..=8) => request.max_addresses = n,
                    Some(n) => return Err(bad(format!("args.max_addresses: {n} is outside 1…8"))),
                    None => {}
                }
                Ok(Command::Probe {
                    target: Box::new(target),
                    options: Box::new(ProbeOptions {
                        request,
                        resolver,
                        connect_to: None,
                    }),
                })
            }
            "compare-origin" => {
                let a: CompareOriginArgs = args(raw)?;
                let target = parse_target(&a.url)?;
                if !(1..=MAX_ORIGINS).contains(&a.origins.len()) {
                    return Err(bad(format!(
                        "args.origins: give 1…{MAX_ORIGINS} origin addresses, not {}",
                        a.origins.len()
                    )));
                }
                let origins = a
                    .origins
                    .iter()
                    .enumerate()
                    .map(|(i, spec)| {
                        parse_origin(spec, target.port)
                            .map_err(|e| bad(format!("args.origins[{i}]: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let headers = a.headers.unwrap_or_default();
                if headers.len() > MAX_HEADERS {
                    return Err(bad(format!(
                        "args.headers: at most {MAX_HEADERS}, not {}",
                        headers.len()
                    )));
                }
                let headers = headers
                    .iter()
                    .enumerate()
                    .map(|(i, spec)| {
                        parse_header(spec).map_err(|e| bad(format!("args.headers[{i}]: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Command::CompareOrigin {
                    target: Box::new(target),
                    options: Box::new(ProbeOptions {
                        request: phase_limits(limit(a.timeout_ms, 10_000, 1000..=60_000)?),
                        resolver: parse_resolver(a.resolver)?,
                        connect_to: None,
                    }),
                    origins,
                    headers,
                })
            }
            "flush-dns" => {
                let a: FlushArgs = args(raw)?;
                Ok(Command::FlushDns {
                    dry_run: a.dry_run.unwrap_or(false),
                })
            }
            "classify" => Ok(Command::Classify(Box::new(snapshot(args(raw)?)?))),
            other => Err(HostError::new(
                ErrorCode::UnknownCommand,
                format!(
                    "unknown command `{}`; this host knows {}",
                    other.chars().take(64).collect::<String>(),
                    COMMANDS.join(", ")
                ),
            )),
        }
    }

    /// Runs the command; `caller` is shown by `ping`.
    pub async fn run(self, caller: &str) -> Result<Value, HostError> {
        let to_json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| HostError::new(ErrorCode::Internal, e.to_string()))
        };
        match self {
            Command::Ping => to_json(serde_json::to_value(Ping {
                host: "gwdoctor".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                protocol: VERSION,
                commands: COMMANDS.map(String::from).to_vec(),
                caller: caller.into(),
            })),
            Command::Dns {
                name,
                resolvers,
                limit,
            } => to_json(serde_json::to_value(
                gwdoctor_net::compare(&name, &resolvers, limit).await,
            )),
            Command::Probe { target, options } => to_json(serde_json::to_value(
                gwdoctor_net::probe(&target, &options).await,
            )),
            Command::CompareOrigin {
                target,
                options,
                origins,
                headers,
            } => match crate::origin::compare(&target, &options, &origins, &headers).await {
                Some(compared) => to_json(serde_json::to_value(compared.check)),
                None => Err(bad("args.origins: give at least one origin address")),
            },
            Command::FlushDns { dry_run } => {
                let report = tokio::task::spawn_blocking(move || {
                    let os = flush::Os::current();
                    flush::execute(
                        os,
                        flush::plan(os, &flush::ThisMachine),
                        dry_run,
                        &flush::run_command,
                    )
                })
                .await
                .map_err(|e| HostError::new(ErrorCode::Internal, e.to_string()))?;
                to_json(serde_json::to_value(report))
            }
            Command::Classify(snapshot) => to_json(serde_json::to_value(classify(&snapshot))),
        }
    }
}

fn parse_target(url: &str) -> Result<Target, HostError> {
    Target::parse(url).map_err(|e| HostError::new(ErrorCode::BadTarget, e.to_string()))
}

fn parse_resolver(spec: Option<String>) -> Result<ResolverSpec, HostError> {
    match spec {
        Some(spec) => ResolverSpec::parse(&spec).map_err(|e| bad(format!("args.resolver: {e}"))),
        None => Ok(ResolverSpec::System),
    }
}

fn snapshot(a: ClassifyArgs) -> Result<Snapshot, HostError> {
    let too_big = |what: &str| bad(format!("args.{what}: more than {MAX_CLASSIFY_BYTES} bytes"));
    let mut snapshot = match (a.response, a.status) {
        (Some(raw), None) => {
            if raw.len() > MAX_CLASSIFY_BYTES {
                return Err(too_big("response"));
            }
            if a.headers.is_some() || a.body.is_some() {
                return Err(bad("args: give either `response` or `status` with `headers` and `body`"));
            }
            parse_response(raw.as_bytes()).map_err(|e| bad(format!("args.response: {e}")))?
        }
        (None, Some(status)) => {
            if !(100..=999).contains(&status) {
                return Err(bad(format!("args.status: {status} is not an HTTP status")));
            }
            let body = a.body.unwrap_or_default();
            if body.len() > MAX_CLASSIFY_BYTES {
                return Err(too_big("body"));
            }
            let mut headers = Headers::new();
            for (name, value) in a.headers.unwrap_or_default() {
                headers.append(&name, &value);
            }
            Snapshot::new(status, headers).with_body(body.as_bytes())
        }
        _ => return Err(bad("args: give either `response` (the raw response) or `status` (with `headers` and `body`)")),
    };
    snapshot.url = a.url.or(snapshot.url);
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(cmd: &str, args: Value) -> Result<Command, ErrorCode> {
        let Value::Object(map) = args else {
            panic!("args must be an object")
        };
        Command::parse(cmd, map).map_err(|e| e.code)
    }

    #[test]
    fn checks_arguments_before_running_anything() {
        assert!(matches!(parse("ping", json!({})), Ok(Command::Ping)));
        assert_eq!(
            parse("ping", json!({"x": 1})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("nope", json!({})).unwrap_err(),
            ErrorCode::UnknownCommand
        );
        assert_eq!(parse("dns", json!({})).unwrap_err(), ErrorCode::BadArgs);
        assert_eq!(
            parse("dns", json!({"name": 5})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("dns", json!({"name": "a b"})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("dns", json!({"name": "x", "resolvers": ["bogus"]})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("dns", json!({"name": "x", "timeout_ms": 0})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("dns", json!({"name": "x", "typo": true})).unwrap_err(),
            ErrorCode::BadArgs
        );
        let Ok(Command::Dns { resolvers, .. }) = parse(
            "dns",
            json!({"name": "x", "system": false, "resolvers": ["127.0.0.2:53"]}),
        ) else {
            panic!("valid dns args refused")
        };
        assert_eq!(resolvers, [ResolverSpec::parse("127.0.0.2:53").unwrap()]);
        assert_eq!(
            parse("probe", json!({"url": "ftp://x/"})).unwrap_err(),
            ErrorCode::BadTarget
        );
        assert_eq!(
            parse("probe", json!({"url": "http://x/", "max_addresses": 0})).unwrap_err(),
            ErrorCode::BadArgs
        );
        for bad in [
            json!({"url": "https://shop.test/"}),
            json!({"url": "https://shop.test/", "origins": []}),
            json!({"url": "https://shop.test/", "origins": ["origin.shop.test"]}),
            json!({"url": "https://shop.test/", "origins": ["127.0.0.1"], "headers": ["Host:x"]}),
            json!({"url": "https://shop.test/", "origins": ["127.0.0.1"], "typo": 1}),
            json!({"url": "https://shop.test/", "origins": vec!["127.0.0.1"; 9]}),
        ] {
            assert_eq!(
                parse("compare-origin", bad.clone()).unwrap_err(),
                ErrorCode::BadArgs,
                "{bad}"
            );
        }
        assert_eq!(
            parse(
                "compare-origin",
                json!({"url": "ftp://x/", "origins": ["127.0.0.1"]})
            )
            .unwrap_err(),
            ErrorCode::BadTarget
        );
        let Ok(Command::CompareOrigin {
            origins, headers, ..
        }) = parse(
            "compare-origin",
            json!({"url": "https://shop.test:8443/", "origins": ["10.0.0.5", "[::1]:443"],
                   "headers": ["X-Origin-Secret: s3"]}),
        )
        else {
            panic!("valid compare-origin args refused")
        };
        assert_eq!(
            origins.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["10.0.0.5:8443", "[::1]:443"]
        );
        assert_eq!(headers, [("x-origin-secret".to_string(), "s3".to_string())]);
        assert_eq!(
            parse("flush-dns", json!({"dry_run": "yes"})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("classify", json!({})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("classify", json!({"response": "nope"})).unwrap_err(),
            ErrorCode::BadArgs
        );
        assert_eq!(
            parse("classify", json!({"status": 42})).unwrap_err(),
            ErrorCode::BadArgs
        );
    }

    #[tokio::test]
    async fn classify_takes_raw_or_parts() {
        let raw = parse("classify", json!({"response": "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n<center>nginx</center>"})).unwrap();
        let verdict = raw.run("test").await.unwrap();
        assert_eq!(
            (verdict["status"].clone(), verdict["error"].clone()),
            (json!(502), json!(true))
        );
        let parts = parse("classify", json!({"status": 200, "headers": [["server", "nginx"]], "body": "hi", "url": "https://a/"})).unwrap();
        let verdict = parts.run("test").await.unwrap();
        assert_eq!(
            (verdict["category"].clone(), verdict["url"].clone()),
            (json!("not-an-error"), json!("https://a/"))
        );
    }
}
