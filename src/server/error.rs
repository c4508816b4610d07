//! HTTP errors: one type, one status mapping, one body shape.
//!
//! Every error response is `application/problem+json` (RFC 9457) with `type`, `title`,
//! `status`, `detail` and a stable machine `code` a client can branch on. Caller
//! mistakes are 4xx and say what to fix, naming the parameter; server faults are a bare
//! 500 whose detail goes to the log, never to the client (no paths, no library text):
//! it rides on the response as an [`InternalCause`] to the access-log layer, which logs
//! it with the request's id.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::search::SearchError;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code (`bad_parameter`, `article_not_found`, ...).
    pub code: &'static str,
    /// What went wrong, for people.
    pub detail: String,
    /// Seconds after which a retry may succeed (503), sent as `Retry-After`.
    pub retry_after: Option<u32>,
    /// For a server fault: what went wrong, for the log only (see [`InternalCause`]).
    pub cause: Option<String>,
    /// The fault is a damaged index: the response asks for a rebuild ([`IndexDamaged`]).
    pub damaged: bool,
}

/// Marks a response whose request met a damaged index; the access-log layer, which has
/// the server's state, asks for a rebuild when it sees it.
#[derive(Debug, Clone, Copy)]
pub struct IndexDamaged;

/// The cause of a server fault, carried on its response to the access-log layer, which
/// logs it with the request's method, path and id; the body never shows it.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// The JSON body of an [`ApiError`].
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:kbase:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what to change.
    pub detail: String,
    /// Stable machine code.
    pub code: String,
}

impl ApiError {
    /// An error with this status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
            cause: None,
            damaged: false,
        }
    }

    /// 400 for a bad query or path parameter, naming it.
    pub fn bad_parameter(param: &str, message: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            format!("{param}: {message}"),
        )
    }

    /// 404 for something that does not exist.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 503 with `Retry-After`: the index is not loaded yet, or the server is saturated.
    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
        }
    }

    /// 500: tells the client nothing more than that it failed; `detail` goes to the log,
    /// with the request's id, when the response passes the access-log layer.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError {
            cause: Some(detail.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the server failed to answer; the error is in its log",
            )
        }
    }

    /// The stable code of a status kbase answers without a more specific one (404 of an
    /// unknown route, 405, a client that timed out).
    pub fn code_for(status: StatusCode) -> &'static str {
        match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "request_timeout",
            413 => "body_too_large",
            414 => "uri_too_long",
            415 => "unsupported_media_type",
            422 => "unprocessable",
            429 => "too_many_requests",
            503 => "unavailable",
            s if s >= 500 => "internal",
            _ => "error",
        }
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:kbase:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(InternalCause(cause));
        }
        if self.damaged {
            response.extensions_mut().insert(IndexDamaged);
        }
        response
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::BadRequest { param, message } => ApiError::bad_parameter(param, message),
            damaged if damaged.is_corruption() => ApiError {
                damaged: true,
                cause: Some(crate::error::chain(&damaged)),
                ..ApiError::unavailable(
                    "index_damaged",
                    "the index is damaged and is being rebuilt from the articles; retry shortly",
                )
            },
            other => ApiError::internal(crate::error::chain(&other)),
        }
    }
}
