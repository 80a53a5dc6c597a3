//! The native messaging protocol, version 1 (`native-host/PROTOCOL.md`): the host's name and
//! the extensions it trusts by default, the request and reply envelopes, every command's
//! arguments, and the members of each command's result that clients read. The host
//! (`native-host/`) parses and writes these; the extension's wasm core (`crates/wasm`) writes and
//! reads them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The native messaging host name (`chrome.runtime.connectNative(HOST_NAME)`).
pub const HOST_NAME: &str = "org.gatewaydoctor.gwdoctor";

/// Extensions always allowed: Gateway Doctor's Chromium-family id (fixed by its manifest `key`,
/// see PROTOCOL.md) and its Firefox id. Others are added with
/// `gwdoctor install --extension-id ID`.
pub const DEFAULT_EXTENSION_IDS: &[&str] = &[
    "enjiaocbljlknocfdgmaigokkjebgldn",
    "gwdoctor@gatewaydoctor.invalid",
];

/// The protocol version this crate speaks.
pub const VERSION: u64 = 1;
/// Longest string id accepted.
const MAX_ID_CHARS: usize = 256;

/// The commands, in PROTOCOL.md order.
pub const COMMANDS: [&str; 6] = [
    "ping",
    "dns",
    "probe",
    "compare-origin",
    "flush-dns",
    "classify",
];

/// Error codes of PROTOCOL.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Input ended inside a frame.
    TruncatedFrame,
    /// Declared length above the limit.
    FrameTooLarge,
    /// Not UTF-8 JSON.
    InvalidJson,
    /// JSON, but not a request object.
    InvalidRequest,
    /// `v` is not 1.
    UnsupportedVersion,
    /// `cmd` unknown.
    UnknownCommand,
    /// `args` wrong.
    BadArgs,
    /// The URL cannot be probed.
    BadTarget,
    /// The caller is not on the allow-list.
    OriginNotAllowed,
    /// Too many requests in flight.
    Busy,
    /// The result did not fit in a frame.
    ResponseTooLarge,
    /// A bug.
    Internal,
}

/// An error response's `error` member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostError {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

impl HostError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        HostError {
            code,
            message: message.into(),
        }
    }
}

/// A request as the host received it, after it passed the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The caller's id, echoed.
    pub id: Value,
    /// The command name.
    pub cmd: String,
    /// The command's arguments (an object).
    pub args: Map<String, Value>,
}

/// Parses one frame's payload (the host's side). On error, returns the id if one could be read (else `null`).
pub fn parse_request(payload: &[u8]) -> Result<Request, (Value, HostError)> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| {
        (
            Value::Null,
            HostError::new(
                ErrorCode::InvalidJson,
                format!("the message is not JSON: {e}"),
            ),
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err((
            Value::Null,
            HostError::new(
                ErrorCode::InvalidRequest,
                "the request must be a JSON object",
            ),
        ));
    };
    let id = match object.remove("id") {
        Some(Value::String(s)) if s.chars().count() <= MAX_ID_CHARS => Value::String(s),
        Some(Value::Number(n)) => Value::Number(n),
        Some(_) => {
            return Err((
                Value::Null,
                HostError::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "`id` must be a number or a string of at most {MAX_ID_CHARS} characters"
                    ),
                ),
            ))
        }
        None => {
            return Err((
                Value::Null,
                HostError::new(ErrorCode::InvalidRequest, "`id` is missing"),
            ))
        }
    };
    let invalid = |message: &str| {
        Err((
            id.clone(),
            HostError::new(ErrorCode::InvalidRequest, message),
        ))
    };
    match object.remove("v") {
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(Value::Number(v)) => {
            return Err((
                id.clone(),
                HostError::new(
                    ErrorCode::UnsupportedVersion,
                    format!("this host speaks protocol version {VERSION}, not {v}"),
                ),
            ))
        }
        Some(_) => return invalid("`v` must be the number 1"),
        None => return invalid("`v` is missing (the protocol version, 1)"),
    }
    let cmd = match object.remove("cmd") {
        Some(Value::String(cmd)) => cmd,
        Some(_) => return invalid("`cmd` must be a string"),
        None => return invalid("`cmd` is missing"),
    };
    let args = match object.remove("args") {
        Some(Value::Object(args)) => args,
        Some(Value::Null) | None => Map::new(),
        Some(_) => return invalid("`args` must be an object"),
    };
    if let Some(extra) = object.keys().next() {
        return invalid(&format!(
            "unknown member `{extra}` (a request has v, id, cmd, args)"
        ));
    }
    Ok(Request { id, cmd, args })
}

/// A success reply (the host's side).
pub fn ok(id: &Value, result: Value) -> Value {
    json!({"v": VERSION, "id": id, "ok": true, "result": result})
}

/// An error reply (the host's side).
pub fn error(id: &Value, error: &HostError) -> Value {
    json!({"v": VERSION, "id": id, "ok": false, "error": error})
}

/// A request as a client writes it: `{"v": 1, "id": …, "cmd": …, "args": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outgoing {
    v: u64,
    id: u64,
    cmd: &'static str,
    args: Args,
}

/// The arguments of a command a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Args {
    /// `dns`.
    Dns(DnsArgs),
    /// `probe`.
    Probe(ProbeArgs),
}

impl Outgoing {
    /// The request `id` for `args`.
    pub fn new(id: u64, args: Args) -> Self {
        let cmd = match args {
            Args::Dns(_) => "dns",
            Args::Probe(_) => "probe",
        };
        Outgoing {
            v: VERSION,
            id,
            cmd,
            args,
        }
    }
}

/// `dns`: compare resolvers for a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsArgs {
    /// The name to look up.
    pub name: String,
    /// Alternate resolvers (`ResolverSpec` syntax); the defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolvers: Option<Vec<String>>,
    /// Whether to ask the system resolver too (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<bool>,
    /// Per-resolver limit in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// `probe`: the URL hop by hop, for every address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeArgs {
    /// The URL.
    pub url: String,
    /// The resolver to use (`ResolverSpec` syntax); the system's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// Per-phase limit in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Addresses tried at most (1…8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_addresses: Option<usize>,
}

/// `compare-origin`: the URL through its usual path and straight from each origin address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareOriginArgs {
    /// The URL.
    pub url: String,
    /// The origin addresses, `IP[:port]` each (the URL's port when absent).
    pub origins: Vec<String>,
    /// Headers sent only on the direct requests, `NAME:VALUE` each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<String>>,
    /// The resolver of the usual path (`ResolverSpec` syntax); the system's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// Per-phase limit in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// `flush-dns`: flush the operating system's DNS cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlushArgs {
    /// Only say what would run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// `classify`: a raw response, or its status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyArgs {
    /// The raw response, as `curl -si` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// The status (with `headers` and `body` instead of `response`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The headers as (name, value) pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<(String, String)>>,
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The URL the response came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `ping`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    /// Always `gwdoctor`.
    pub host: String,
    /// The host's version.
    pub version: String,
    /// The protocol version.
    pub protocol: u64,
    /// The commands it knows.
    pub commands: Vec<String>,
    /// The caller, as the browser named it.
    pub caller: String,
}

/// A reply as a client reads it: every member optional, so added and missing members are both
/// fine. The extension adds `browser_error` when the browser could not reach the host at all.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Reply {
    /// The browser's own error (no host installed, host crashed …); not from the host.
    pub browser_error: Option<String>,
    /// Whether the command succeeded.
    pub ok: Option<bool>,
    /// Why it did not.
    pub error: Option<ReplyError>,
    /// What it found.
    pub result: Option<ReplyResult>,
}

/// An error reply's `error`, as a client reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplyError {
    /// The code (`ErrorCode`'s id).
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
}

/// The members of `dns` and `probe` results that clients read (the host writes the whole
/// `gwdoctor_net` reports; `native-host/tests/host.rs` checks that these members are in them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplyResult {
    /// `dns`: the addresses every resolver agrees on.
    pub consensus: Vec<String>,
    /// `dns`: what the comparison found.
    pub findings: Vec<DnsFinding>,
    /// `probe`: the address the verdict is about.
    pub address: Option<String>,
    /// `probe`: the verdict from outside the browser.
    pub verdict: Option<VerdictMembers>,
}

/// One `dns` finding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DnsFinding {
    /// `agree`, `divergent`, …
    pub kind: String,
    /// The finding in words.
    pub message: String,
}

/// The members of a verdict a reader needs to say up or down.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VerdictMembers {
    /// Whether it is an error.
    pub error: Option<bool>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// The verdict's sentence.
    pub summary: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(payload: &str) -> (Value, ErrorCode) {
        let (id, e) = parse_request(payload.as_bytes()).unwrap_err();
        (id, e.code)
    }

    #[test]
    fn accepts_a_well_formed_request() {
        let r = parse_request(br#"{"v":1,"id":"a1","cmd":"dns","args":{"name":"x"}}"#).unwrap();
        assert_eq!(
            (r.id, r.cmd.as_str(), r.args["name"].as_str()),
            (json!("a1"), "dns", Some("x"))
        );
        let r = parse_request(br#"{"v":1,"id":7,"cmd":"ping"}"#).unwrap();
        assert!(r.args.is_empty());
    }

    #[test]
    fn every_bad_request_gets_its_code() {
        assert_eq!(code("{"), (Value::Null, ErrorCode::InvalidJson));
        assert_eq!(code("\u{feff}[]"), (Value::Null, ErrorCode::InvalidJson));
        assert_eq!(code("[1]"), (Value::Null, ErrorCode::InvalidRequest));
        assert_eq!(
            code(r#"{"v":1,"cmd":"ping"}"#),
            (Value::Null, ErrorCode::InvalidRequest)
        );
        assert_eq!(
            code(r#"{"v":1,"id":{},"cmd":"ping"}"#),
            (Value::Null, ErrorCode::InvalidRequest)
        );
        assert_eq!(
            code(r#"{"v":2,"id":1,"cmd":"ping"}"#),
            (json!(1), ErrorCode::UnsupportedVersion)
        );
        assert_eq!(
            code(r#"{"v":"1","id":1,"cmd":"ping"}"#),
            (json!(1), ErrorCode::InvalidRequest)
        );
        assert_eq!(
            code(r#"{"v":1,"id":1,"cmd":3}"#),
            (json!(1), ErrorCode::InvalidRequest)
        );
        assert_eq!(
            code(r#"{"v":1,"id":1,"cmd":"ping","args":[]}"#),
            (json!(1), ErrorCode::InvalidRequest)
        );
        assert_eq!(
            code(r#"{"v":1,"id":1,"cmd":"ping","extra":0}"#),
            (json!(1), ErrorCode::InvalidRequest)
        );
        let long = format!(r#"{{"v":1,"id":"{}","cmd":"ping"}}"#, "x".repeat(300));
        assert_eq!(code(&long), (Value::Null, ErrorCode::InvalidRequest));
    }

    #[test]
    fn responses_carry_version_and_id() {
        assert_eq!(
            ok(&json!(1), json!(2)),
            json!({"v":1,"id":1,"ok":true,"result":2})
        );
        let e = error(&Value::Null, &HostError::new(ErrorCode::BadArgs, "m"));
        assert_eq!(
            e,
            json!({"v":1,"id":null,"ok":false,"error":{"code":"bad-args","message":"m"}})
        );
    }
}
