//! Forms posted from the pages: "Did this fix it?" on an article, and signing in to the
//! insights, and what protects them.
//!
//! A form works as a plain POST without JavaScript. Cross-site posting is refused
//! twice over: the request's `Origin` (or, without one, `Sec-Fetch-Site`) must be this
//! server, and the form must carry the value of this browser's `kbase_csrf` cookie
//! (`SameSite=Strict`, `HttpOnly`), which another site can neither send nor read. The
//! anonymous answers are limited per client address (in memory: no address is stored).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::html::{redirect, PageError};
use super::layers::ClientAddr;
use super::AppState;
use crate::article;

/// The cookie holding this browser's form token.
pub const CSRF_COOKIE: &str = "kbase_csrf";
/// Longest form body read.
const MAX_FORM_BYTES: usize = 4096;
/// Addresses remembered by a [`RateLimit`] before the oldest windows are forgotten.
const MAX_CLIENTS: usize = 100_000;

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// This browser's form token: the one its cookie holds, or a new one, with the cookie
/// to set for it.
pub fn csrf_token(headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(t) = cookie(headers, CSRF_COOKIE)
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return (t.to_owned(), None);
    }
    let mut bytes = [0u8; 16];
    // Without the system's random source there is no token; the form is then refused
    // when posted, which is the safe way to fail.
    if getrandom::fill(&mut bytes).is_err() {
        return (String::new(), None);
    }
    let t: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    (t.clone(), Some(t))
}

/// Sets the form-token cookie on `response` when [`csrf_token`] made a new one.
pub fn set_csrf_cookie(response: &mut Response, new: Option<&str>, state: &AppState) {
    if let Some(t) = new {
        set_cookie(response, state, CSRF_COOKIE, t, 30 * 24 * 3600);
    }
}

/// Adds `Set-Cookie: name=value` for the whole site, `HttpOnly`, `SameSite=Strict`, for
/// `max_age` seconds (0 deletes it), `Secure` when the public address is https.
pub fn set_cookie(
    response: &mut Response,
    state: &AppState,
    name: &str,
    value: &str,
    max_age: u64,
) {
    let secure = state
        .config()
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Whether the request comes from this server's own pages: its `Origin` names this
/// server (the public address, or the request's `Host`); without `Origin` (or with
/// `Origin: null`, which browsers send for a form posted from a page whose referrer
/// policy is `no-referrer`, as kbase's pages are), `Sec-Fetch-Site` must not say
/// another site.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| *o != "null");
    match origin {
        Some(origin) => match &state.config().public_url {
            Some(public) => {
                let public = public.trim_end_matches('/');
                origin.eq_ignore_ascii_case(public)
                    || host.is_some_and(|h| origin_host(origin).eq_ignore_ascii_case(h))
            }
            None => host.is_some_and(|h| origin_host(origin).eq_ignore_ascii_case(h)),
        },
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v == "same-origin" || v == "none"),
    }
}

/// `kb.example.com:8080` of `https://kb.example.com:8080`.
fn origin_host(origin: &str) -> &str {
    origin.split_once("://").map_or("", |(_, h)| h)
}

/// A posted form's fields.
pub struct Form(HashMap<String, String>);

impl Form {
    /// The field `name`, if posted.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// The fields of a form posted from this server's pages; a page refusing it (403 from
/// another site or without the form token, 400 for a body that is no form) otherwise.
pub fn posted(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Form, Box<Response>> {
    let refuse =
        |status, message: &str| Box::new(PageError::refused(status, message, None).into_response());
    if !same_origin(state, headers) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "This form can only be sent from kbase's own pages.",
        ));
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type || body.len() > MAX_FORM_BYTES {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "This is not a form kbase sent.",
        ));
    }
    let form = Form(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    let sent = form.get("csrf").unwrap_or("");
    let kept = cookie(headers, CSRF_COOKIE).unwrap_or("");
    if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(kept.as_bytes())) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "This form has expired or was not sent from kbase's pages. Reload the page and send it again.",
        ));
    }
    Ok(form)
}

/// At most `max` events per client address in each `window`.
pub struct RateLimit {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl RateLimit {
    /// A limit of `max` per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        RateLimit {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event of `client`; `Err(seconds to wait)` when it is over the limit.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_CLIENTS {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = seen.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.max {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// `POST /kb/{id}/feedback`: a reader's "Did this fix it?" (`answer=yes|no`, an
/// optional `ticket`), counted apart from agents' ticket links; back to the article.
pub async fn feedback(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    Path(id): Path<String>,
    client: Option<axum::Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client = client.map(|c| c.0 .0);
    let form = match posted(&state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let run = async {
        let helped = match form.get("answer") {
            Some("yes") => true,
            Some("no") => false,
            _ => return Err(PageError::bad_request("Answer yes or no.")),
        };
        let ticket = form.get("ticket").map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = ticket {
            super::tickets::check_ticket(t).map_err(|_| {
                PageError::bad_request(
                    "A ticket reference is 1 to 128 printable characters, such as INC0012345.",
                )
            })?;
        }
        let id = super::tickets::article_id(&state, viewer.reader, &id)?;
        if let Err(wait) = state.feedback_limit().check(client) {
            return Err(PageError::refused(
                StatusCode::TOO_MANY_REQUESTS,
                "Thank you — that is enough answers from here for now; try again later.",
                Some(wait),
            ));
        }
        let db = state.db().map_err(unavailable)?;
        crate::db::feedback::record(db, &id, helped, ticket)
            .await
            .map_err(|e| unavailable(ApiError::from(e)))?;
        let answered = if helped { "yes" } else { "no" };
        Ok(redirect(
            StatusCode::SEE_OTHER,
            format!(
                "{}?answered={answered}#feedback",
                article::permalink(&id, None)
            ),
        ))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// The page for a database that cannot take the answer now.
fn unavailable(e: ApiError) -> PageError {
    if e.status == StatusCode::SERVICE_UNAVAILABLE {
        PageError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "Your answer could not be saved just now; please send it again in a minute.",
            Some(30),
        )
    } else {
        PageError::from(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_each_address_in_its_window() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(limit.check(a).is_ok());
        assert!(limit.check(a).is_ok());
        let wait = limit.check(a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limit.check(b).is_ok());
        let gone = RateLimit::new(1, Duration::ZERO);
        assert!(gone.check(a).is_ok());
        assert!(
            gone.check(a).is_ok(),
            "a window that has passed starts again"
        );
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; kbase_csrf=x"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "kbase_csrf"), Some("x"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
