//! Globalping's measurement API (jsdelivr/globalping, `public/v1/spec.yaml`, API version 1.0.0):
//! the request that asks its probes to fetch a URL, the measurement they answer with, and the
//! one reader that turns each probe's result into a [`PlaceAnswer`] for the core's world view
//! (every probe's response classified by the core, as the visitor's own would be).
//!
//! Only what Gateway Doctor sends and reads is typed; every member read is optional, so added
//! and missing members are both fine.

use gwdoctor_core::world::{Place, PlaceAnswer, Seen};
use gwdoctor_core::{classify, parse_response, Cause};
use serde::{Deserialize, Serialize};

/// Probes asked when `world` names no number.
pub const DEFAULT_PLACES: u32 = 25;
/// Probes asked at most: Globalping allows 500, but an outage needs no more than this, and
/// every probe costs the caller's hourly allowance.
pub const MAX_PLACES: u32 = 50;

/// Where to ask from, as the visitor writes it: `world`, `world:N`, or a comma-separated list
/// of Globalping's "magic" locations (countries, cities, continents, `AS…` numbers, network
/// names) with an optional `:N` for the number of probes in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromSpec {
    /// The magic locations; empty for the whole world.
    pub locations: Vec<String>,
    /// Probes asked in all.
    pub places: u32,
}

/// Why a `--from` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FromSpecError {
    /// The number after `:` is not 1…[`MAX_PLACES`].
    #[error("the number of places must be 1…{MAX_PLACES}, not `{0}`")]
    Places(String),
    /// A location is empty, too long or has characters no location has.
    #[error("`{0}` is not a location (a country code such as DE, a city, a continent, AS13335, a network name)")]
    Location(String),
}

impl FromSpec {
    /// Parses `world[:N]` or `LOCATION[,LOCATION…][:N]`.
    pub fn parse(text: &str) -> Result<FromSpec, FromSpecError> {
        let text = text.trim();
        let (list, places) = match text.rsplit_once(':') {
            Some((list, n)) => {
                let places = n
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|p| (1..=MAX_PLACES).contains(p))
                    .ok_or_else(|| FromSpecError::Places(n.to_string()))?;
                (list, Some(places))
            }
            None => (text, None),
        };
        if list.trim().eq_ignore_ascii_case("world") {
            return Ok(FromSpec {
                locations: Vec::new(),
                places: places.unwrap_or(DEFAULT_PLACES),
            });
        }
        let locations: Vec<String> = list.split(',').map(|l| l.trim().to_string()).collect();
        for location in &locations {
            let fits = !location.is_empty()
                && location.len() <= 64
                && location
                    .chars()
                    .all(|c| c.is_alphanumeric() || " -+_.'".contains(c));
            if !fits {
                return Err(FromSpecError::Location(location.clone()));
            }
        }
        let default = (3 * locations.len() as u32).min(MAX_PLACES);
        Ok(FromSpec {
            places: places
                .unwrap_or(default)
                .max(locations.len() as u32)
                .min(MAX_PLACES),
            locations,
        })
    }
}

/// `POST /v1/measurements`: an `http` measurement of one URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementRequest {
    /// Always `http`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The host name (or address) of the URL.
    pub target: String,
    /// Where the probes are; left out for the whole world.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Probes in all.
    pub limit: u32,
    /// What to fetch.
    #[serde(rename = "measurementOptions")]
    pub options: HttpOptions,
}

/// One location of a [`MeasurementRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// A magic location string.
    pub magic: String,
}

/// The `measurementOptions` of an `http` measurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpOptions {
    /// `HTTP` or `HTTPS`.
    pub protocol: &'static str,
    /// The port.
    pub port: u16,
    /// The request.
    pub request: HttpRequest,
}

/// The `request` of [`HttpOptions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    /// `GET`: the body is what tells who produced an error page.
    pub method: &'static str,
    /// The path, from `/`.
    pub path: String,
    /// The query string without `?` (empty when none).
    pub query: String,
}

/// Why a URL cannot be measured by Globalping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not an `http`/`https` URL with a host.
    #[error("`{0}` is not an http:// or https:// URL with a host name")]
    NotHttp(String),
}

impl MeasurementRequest {
    /// The measurement of `url` (scheme, host, port, path and query) from `from`.
    pub fn http(url: &str, from: &FromSpec) -> Result<MeasurementRequest, RequestError> {
        let not_http = || RequestError::NotHttp(url.to_string());
        let parsed = url::Url::parse(url).map_err(|_| not_http())?;
        let protocol = match parsed.scheme() {
            "http" => "HTTP",
            "https" => "HTTPS",
            _ => return Err(not_http()),
        };
        let host = match parsed.host().ok_or_else(not_http)? {
            url::Host::Ipv6(address) => address.to_string(),
            host => host.to_string(),
        };
        Ok(MeasurementRequest {
            kind: "http",
            target: host,
            locations: from
                .locations
                .iter()
                .map(|magic| Location {
                    magic: magic.clone(),
                })
                .collect(),
            limit: from.places,
            options: HttpOptions {
                protocol,
                port: parsed.port_or_known_default().ok_or_else(not_http)?,
                request: HttpRequest {
                    method: "GET",
                    path: parsed.path().to_string(),
                    query: parsed.query().unwrap_or_default().to_string(),
                },
            },
        })
    }
}

/// The answer to `POST /v1/measurements` (202).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Created {
    /// The measurement's id, for `GET /v1/measurements/{id}`.
    pub id: String,
    /// How many probes run it.
    #[serde(rename = "probesCount")]
    pub probes_count: u32,
}

/// An error answer: `{"error": {"type", "message"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApiError {
    /// The error.
    pub error: ApiErrorBody,
}

/// The `error` member of an [`ApiError`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApiErrorBody {
    /// Its type (`rate_limit_exceeded`, `no_probes_found`, `validation_error`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong, in the API's words.
    pub message: String,
}

/// Why the world gave no answer: the `world_error` member that `gwdoctor check --from` and a
/// checker's `fanout=1` answer carry instead of `world`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldError {
    /// `rate-limited`, `refused`, `deadline` or `unreachable`.
    pub kind: String,
    /// What happened, in words.
    pub message: String,
    /// When rate-limited: seconds until Globalping may be asked again.
    pub retry_after_s: Option<u64>,
}

/// `GET /v1/measurements/{id}`: the measurement so far.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Measurement {
    /// Its id.
    pub id: String,
    /// `in-progress` until every probe answered; any other value is final.
    pub status: String,
    /// Each probe's result.
    pub results: Vec<ResultItem>,
}

impl Measurement {
    /// Whether the measurement is over (any status but `in-progress`).
    pub fn is_final(&self) -> bool {
        self.status != "in-progress"
    }
}

/// One probe and its result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ResultItem {
    /// Where the probe is.
    pub probe: Probe,
    /// What it got.
    pub result: HttpResult,
}

/// A probe's location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Probe {
    /// Its country code.
    pub country: Option<String>,
    /// Its city.
    pub city: Option<String>,
    /// Its autonomous system.
    pub asn: Option<u32>,
    /// Its network's name.
    pub network: Option<String>,
}

/// An `http` test's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpResult {
    /// `finished`, `failed`, `offline` or `in-progress`.
    pub status: String,
    /// The response headers, `Name: value` lines joined by `\n`.
    pub raw_headers: Option<String>,
    /// The first 10 kB of the body (`None` when there was none).
    pub raw_body: Option<String>,
    /// The status code.
    pub status_code: Option<u16>,
    /// The status's reason phrase.
    pub status_code_name: Option<String>,
    /// The address the probe connected to.
    pub resolved_address: Option<String>,
    /// For a failed test, the probe's error (`connect ECONNREFUSED 192.0.2.1:443 - ECONNREFUSED`).
    pub raw_output: Option<String>,
}

/// Every probe's result as the core's [`PlaceAnswer`]: a response is classified (as the
/// response to `url`), a failed test becomes why the site was unreachable from there, and a
/// probe that gave nothing usable says so.
pub fn place_answers(measurement: &Measurement, url: &str) -> Vec<PlaceAnswer> {
    measurement
        .results
        .iter()
        .map(|item| PlaceAnswer {
            place: Place {
                city: item.probe.city.clone(),
                country: item.probe.country.clone(),
                asn: item.probe.asn,
                network: item.probe.network.clone(),
            },
            seen: seen(&item.result, url),
        })
        .collect()
}

fn seen(result: &HttpResult, url: &str) -> Seen {
    let output = result.raw_output.clone().unwrap_or_default();
    match (result.status.as_str(), result.status_code) {
        ("finished", Some(status)) => {
            let raw = raw_response(result, status);
            match parse_response(&raw) {
                Ok(mut snapshot) => {
                    snapshot.url = Some(url.to_string());
                    Seen::Response {
                        verdict: Box::new(classify(&snapshot)),
                        address: result.resolved_address.clone(),
                    }
                }
                Err(e) => Seen::NoAnswer {
                    detail: format!("its response could not be read ({e})"),
                },
            }
        }
        ("failed", _) => match failure_cause(&output) {
            Some(cause) => Seen::Unreachable {
                cause,
                detail: output,
            },
            None => Seen::NoAnswer {
                detail: if output.is_empty() {
                    "the probe's test failed".to_string()
                } else {
                    format!("the probe's test failed ({output})")
                },
            },
        },
        ("offline", _) => Seen::NoAnswer {
            detail: "the probe was offline".to_string(),
        },
        ("in-progress", _) => Seen::NoAnswer {
            detail: "the probe did not finish in time".to_string(),
        },
        (status, _) => Seen::NoAnswer {
            detail: format!("the probe's result is `{status}` without a response"),
        },
    }
}

/// The probe's response as `curl -si` would print it, for the core's parser.
fn raw_response(result: &HttpResult, status: u16) -> Vec<u8> {
    let reason = result.status_code_name.as_deref().unwrap_or_default();
    let mut raw = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    for line in result.raw_headers.as_deref().unwrap_or_default().lines() {
        let line = line.trim_end_matches('\r');
        if !line.is_empty() {
            raw.extend_from_slice(line.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(result.raw_body.as_deref().unwrap_or_default().as_bytes());
    raw
}

/// Why a probe's request failed, from its error text (Node's error codes): `None` when the text
/// names no failure of the site (the probe's own trouble).
fn failure_cause(output: &str) -> Option<Cause> {
    let has = |codes: &[&str]| codes.iter().any(|c| output.contains(c));
    if has(&["ENOTFOUND", "EAI_AGAIN", "ENODATA", "ESERVFAIL"]) {
        Some(Cause::Dns)
    } else if has(&["ECONNREFUSED"]) {
        Some(Cause::ConnectionRefused)
    } else if has(&[
        "ETIMEDOUT",
        "ESOCKETTIMEDOUT",
        "Timeout awaiting",
        "EHOSTUNREACH",
        "ENETUNREACH",
    ]) {
        Some(Cause::Timeout)
    } else if has(&["CERT_", "ERR_SSL", "EPROTO", "ERR_TLS", "SSL routines"]) {
        Some(Cause::Tls)
    } else if has(&["ECONNRESET", "EPIPE", "HPE_", "socket hang up", "ERR_HTTP2"]) {
        Some(Cause::InvalidResponse)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
