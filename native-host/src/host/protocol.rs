//! The versioned request/response schema (`native-host/PROTOCOL.md`).

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The protocol version this host speaks.
pub const VERSION: u64 = 1;
/// Longest string id accepted.
const MAX_ID_CHARS: usize = 256;

/// Error codes of PROTOCOL.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// A request that passed the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The caller's id, echoed.
    pub id: Value,
    /// The command name.
    pub cmd: String,
    /// The command's arguments (an object).
    pub args: Map<String, Value>,
}

/// Parses one frame's payload. On error, returns the id if one could be read (else `null`).
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

/// A success response.
pub fn ok(id: &Value, result: Value) -> Value {
    json!({"v": VERSION, "id": id, "ok": true, "result": result})
}

/// An error response.
pub fn error(id: &Value, error: &HostError) -> Value {
    json!({"v": VERSION, "id": id, "ok": false, "error": error})
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
