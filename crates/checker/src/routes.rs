//! The HTTP surface: `GET /api/v1/check?url=…[&fanout=1]`, `GET /api/v1/vantage`, `GET /healthz`,
//! the page (`www/`) at `/` and the wasm core at `/wasm/`, with a strict CSP on everything and
//! CORS on the API for browser extensions.

use std::{net::IpAddr, path::Path, sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Query, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use gwdoctor_net::Target;
use gwdoctor_wire::check::{self, VantagePoints};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
};

use super::{
    cache::CachedChecker,
    checker::Outcome,
    error::ApiError,
    limit::{self, rate_limit, ClientLimiter},
    listener::ClientAddr,
    vantage::Vantage,
    world::World,
};

/// The page's policy: scripts and styles from this server only (no inline code), the wasm core
/// may be compiled, API calls to this server only, no framing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// The longest URL accepted for a check.
const MAX_URL_LENGTH: usize = 2048;

/// Origins of browser extensions, which may call the API from another origin.
const EXTENSION_SCHEMES: [&str; 3] = [
    "chrome-extension://",
    "moz-extension://",
    "safari-web-extension://",
];

/// What the handlers share.
pub struct App {
    /// The cached checker.
    pub checks: CachedChecker,
    /// The peer checkers.
    pub vantage: Vantage,
    /// Globalping's probes, with `--globalping`.
    pub world: Option<World>,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<gwdoctor_net::Cidr>,
}

/// The whole application.
pub fn router(
    app: Arc<App>,
    limiter: Option<Arc<ClientLimiter>>,
    www: &Path,
    wasm: &Path,
) -> Router {
    let mut check = get(check);
    if let Some(limiter) = limiter {
        check = check.route_layer(middleware::from_fn_with_state(limiter, rate_limit));
    }
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin, _| {
            let origin = origin.as_bytes();
            EXTENSION_SCHEMES
                .iter()
                .any(|scheme| origin.starts_with(scheme.as_bytes()))
        }))
        .allow_methods([Method::GET])
        .expose_headers([header::RETRY_AFTER, header::AGE])
        .max_age(Duration::from_secs(86_400));
    let api = Router::new()
        .route("/api/v1/check", check)
        .route("/api/v1/vantage", get(vantage))
        .layer(cors)
        .with_state(app);
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    api.route("/healthz", get(|| async { "ok\n" }))
        .nest_service("/wasm", ServeDir::new(wasm))
        .fallback_service(ServeDir::new(www))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
}

#[derive(Deserialize)]
struct CheckQuery {
    url: Option<String>,
    fanout: Option<String>,
}

async fn check(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    headers: HeaderMap,
    Query(query): Query<CheckQuery>,
) -> Response {
    let client = limit::client_of(peer.0.ip(), &headers, &app.trusted_proxies);
    match run_check(&app, query, client).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run_check(app: &App, query: CheckQuery, client: IpAddr) -> Result<Response, ApiError> {
    let url = query.url.unwrap_or_default();
    if url.trim().is_empty() {
        return Err(ApiError::InvalidUrl(
            "give the URL to check: /api/v1/check?url=https://example.com/".into(),
        ));
    }
    if url.len() > MAX_URL_LENGTH {
        return Err(ApiError::InvalidUrl(format!(
            "the URL is longer than {MAX_URL_LENGTH} characters"
        )));
    }
    let target = Target::parse(&url).map_err(|e| ApiError::InvalidUrl(e.to_string()))?;
    let fanout = matches!(query.fanout.as_deref(), Some("1" | "true" | "yes"));
    let checked_url = target.url.to_string();
    let (cached, fresh) = app.checks.check(target).await?;
    let json = match &cached.outcome {
        Outcome::Refused(why) => return Err(ApiError::ForbiddenTarget(why.clone())),
        Outcome::Checked(json) => json.clone(),
    };
    let body = if fanout {
        Bytes::from(with_vantage_points(app, &checked_url, &json, client).await)
    } else {
        json
    };
    let age = cached.at.elapsed();
    let fresh_for = app.checks.ttl().saturating_sub(age).as_secs();
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::AGE, HeaderValue::from(age.as_secs()));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={fresh_for}"))
            .unwrap_or(HeaderValue::from_static("no-store")),
    );
    headers.insert(
        HeaderName::from_static("x-cache"),
        HeaderValue::from_static(if fresh { "miss" } else { "hit" }),
    );
    Ok(response)
}

/// This checker's result `json` with `vantage_points` (its own verdict and every peer's) and,
/// with `--globalping`, `world` (or `world_error`).
async fn with_vantage_points(app: &App, checked_url: &str, json: &[u8], client: IpAddr) -> Vec<u8> {
    let mut results = vec![(
        app.checks.vantage().to_string(),
        None,
        check::read_bytes(200, json),
    )];
    let world = async {
        match &app.world {
            Some(world) => Some(world.ask(checked_url, client).await),
            None => None,
        }
    };
    let (peers, world) = tokio::join!(app.vantage.ask_all(checked_url), world);
    for (peer, answer) in peers {
        results.push((
            peer.name.clone(),
            Some(peer.url.to_string()),
            (*answer).clone(),
        ));
    }
    let mut object: Map<String, Value> = serde_json::from_slice(json).unwrap_or_default();
    let sum = serde_json::to_value(VantagePoints::sum(results)).unwrap_or_default();
    object.insert("vantage_points".into(), sum);
    if let Some(member) = world {
        let (name, value) = &*member;
        object.insert((*name).to_string(), value.clone());
    }
    serde_json::to_vec(&object).unwrap_or_default()
}

async fn vantage(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({
        "name": app.checks.vantage(),
        "peers": app.vantage.peer_names(),
        "globalping_places": app.world.as_ref().map(World::places),
    }))
}
