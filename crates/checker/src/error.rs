//! Why the API gives no verdict: an `ErrorAnswer` (`gwdoctor_wire::check`) with a fitting status.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use gwdoctor_wire::check::{ErrorAnswer, ErrorBody, ErrorCode};

/// An answer without a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The `url` parameter is missing or not an http(s) URL.
    InvalidUrl(String),
    /// The URL, or a redirect it led to, goes to an address the policy refuses.
    ForbiddenTarget(String),
    /// The client made too many checks; it may try again after this many seconds.
    RateLimited(u64),
    /// Every probe slot stayed busy for the whole queue wait.
    Busy,
    /// The check did not end within the server's deadline.
    Deadline(u64),
}

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::InvalidUrl(_) => ErrorCode::InvalidUrl,
            ApiError::ForbiddenTarget(_) => ErrorCode::ForbiddenTarget,
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::Deadline(_) => ErrorCode::Deadline,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidUrl(_) => StatusCode::BAD_REQUEST,
            ApiError::ForbiddenTarget(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Deadline(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The message for people.
    pub fn message(&self) -> String {
        match self {
            ApiError::InvalidUrl(why) => why.clone(),
            ApiError::ForbiddenTarget(why) => why.clone(),
            ApiError::RateLimited(seconds) => {
                format!("too many checks from your address; try again in {seconds} s")
            }
            ApiError::Busy => {
                "the checker is busy with other checks; try again in a few seconds".to_string()
            }
            ApiError::Deadline(seconds) => {
                format!("the check did not finish within {seconds} s")
            }
        }
    }

    /// The answer's body.
    pub fn body(&self) -> ErrorAnswer {
        ErrorAnswer {
            error: ErrorBody {
                code: self.code(),
                message: self.message(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let retry_after = match &self {
            ApiError::RateLimited(seconds) => Some(*seconds),
            ApiError::Busy => Some(5),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
