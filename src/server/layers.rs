//! The middleware every request passes through, outermost first: request id, access
//! log, metrics, security headers, problem bodies for bare errors, the concurrency
//! limit, the request timeout.
//!
//! Each is a small function over `axum::middleware::from_fn` rather than a generic tower
//! layer where the behaviour is kbase's own (503 with `Retry-After` instead of queueing;
//! 408 as problem+json; CSP by content type), so the order and the answers are all
//! visible here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use super::error::{ApiError, IndexDamaged, InternalCause};
use super::AppState;

/// The request id header, set on every response (and taken from the request if sent).
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// CSP of HTML responses: only kbase's own resources, no plugins, no framing.
pub const HTML_CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// CSP of every other response: nothing may load from it.
const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The address of the client at the other end of the connection, put on each request
/// by the accept loop (absent for requests made in-process, as tests do): the key of the
/// per-address limits, and of the query log's client column with `--log-clients`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// Request ids: a per-process prefix and a counter, unique and cheap.
#[derive(Clone)]
pub struct RequestIds {
    prefix: String,
    next: std::sync::Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        RequestIds {
            prefix: format!("{:x}{:x}", now & 0xffff_ffff, std::process::id()),
            next: std::sync::Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Counts and times every request by matched route (`unmatched` for 404s of unknown
/// paths), writes the access log line, and logs the cause of a server fault with the
/// request's id.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| super::route_label(p.as_str()));
    let method = super::metrics::method_label(req.method());
    // The path and id are kept only when the access log is on: they cost an allocation
    // each on every request.
    // Reference-counted copies, no allocation: the access log and a fault's log line
    // need them after the request is gone.
    let uri = req.uri().clone();
    let id = req.headers().get(&X_REQUEST_ID).cloned();
    let mut response = next.run(req).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    let id = || id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-");
    if let Some(InternalCause(cause)) = response.extensions_mut().remove::<InternalCause>() {
        tracing::error!("{method} {} failed (request {}): {cause}", uri.path(), id());
    }
    if response.extensions_mut().remove::<IndexDamaged>().is_some() {
        state.rebuild_damaged();
    }
    if tracing::enabled!(target: "kbase::access", tracing::Level::INFO) {
        tracing::info!(
            target: "kbase::access",
            "{method} {} {status} {:.2}ms id={}",
            uri.path(),
            took.as_secs_f64() * 1000.0,
            id()
        );
    }
    state.metrics().request(route, method, status, took);
    response
}

/// Security headers on every response, errors included.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = response.headers_mut();
    let csp = if html { HTML_CSP } else { OTHER_CSP };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Gives a problem+json body to error responses that lack one: axum's own 404/405,
/// extractor rejections, layers' answers. A short plain-text body becomes the detail.
pub async fn problem_bodies(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // Bodies with a type of their own (problem+json, the HTML error pages) stay; bare
    // and plain-text ones become problems.
    let own_body = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| !v.as_bytes().starts_with(b"text/plain"));
    if own_body {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 512)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.trim().is_empty() && status.is_client_error());
    let detail = text.unwrap_or_else(|| match status.as_u16() {
        404 => "no such resource".to_owned(),
        405 => "this resource does not accept that method".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    });
    let mut fixed = ApiError::new(status, ApiError::code_for(status), detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}

/// At most the configured number of requests at once; the next gets 503 with
/// `Retry-After` at once instead of waiting in a queue that could grow without bound.
pub async fn limit_in_flight(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.in_flight().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => ApiError::unavailable(
            "overloaded",
            "the server is answering as many requests as it can; retry shortly",
        )
        .into_response(),
    }
}

/// Answers 408 when a request (its body included) takes longer than the configured
/// timeout.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit: Duration = state.config().request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than {} s to arrive and be answered",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Answers 413 at once when `Content-Length` announces a body over the limit, before any
/// of it is read (a body without a length is cut off at the limit while it is read).
pub async fn refuse_large_bodies(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit = crate::config::MAX_BODY_BYTES as u64;
    match announced {
        Some(n) if n > limit => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is {n} bytes; the limit is {limit} bytes (1 MiB)"),
        )
        .into_response(),
        _ => next.run(req).await,
    }
}

/// Turns a panic in a handler into a bare 500 (the panic message goes to the log).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    ApiError::internal(format!("handler panicked: {what}")).into_response()
}
