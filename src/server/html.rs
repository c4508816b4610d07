//! Rendering pages: the frame every page shares, and errors answered as pages.
//!
//! Page handlers return `Result<Response, PageError>` and use `?` on the engine's and
//! the parameters' errors, as the API's handlers do with [`ApiError`]. A [`PageError`]
//! holds only what a reader may see: for the caller's faults (4xx) a plain message; for
//! the server's faults a fixed "something went wrong" with the request id to quote (the
//! cause goes to the log with that id, as for the API); while the index loads, a 503
//! page that keeps the query and reloads itself. It is rendered by [`render_errors`], a
//! middleware, because a page needs the templates and the engine (a 404 page searches
//! for the words that were asked for).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Value};

use super::error::{ApiError, IndexDamaged, InternalCause};
use super::layers::X_REQUEST_ID;
use super::AppState;
use crate::search::{SearchError, SearchRequest};

/// Articles a 404 page offers for what was asked.
const NOT_FOUND_HITS: usize = 5;

/// Renders template `name` with `ctx` plus what every page shows: the number of
/// articles the reader may read, and who is signed in ([`super::auth::current`]). A
/// template that fails to render is logged and answered with a bare page.
pub fn page(state: &AppState, status: StatusCode, name: &str, ctx: Value) -> Response {
    let viewer = super::auth::current();
    let engine = state.engine().ok();
    let articles = engine
        .as_ref()
        .and_then(|e| e.num_docs_for(viewer.reader).ok())
        .unwrap_or(0);
    // The day articles expire against, for the flags on hits.
    let today = engine.map(|e| e.today().to_string()).unwrap_or_default();
    let viewer = context! {
        agent => viewer.is_agent(),
        name => viewer.name,
        via => viewer.via,
    };
    let ctx = context! { articles, viewer, today, ..ctx };
    match state.templates().render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            let mut response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>kbase</title><p>This page could not be rendered; the error is in the server's log.</p>".to_owned()),
            )
                .into_response();
            response
                .extensions_mut()
                .insert(InternalCause(crate::error::chain(&e)));
            response
        }
    }
}

/// A redirect to `url` with `status` (301 for permalinks, 302/303 for searches).
pub fn redirect(status: StatusCode, url: String) -> Response {
    (status, [(header::LOCATION, url)]).into_response()
}

/// What kind of error page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No such page or article: offers articles for the words asked.
    NotFound,
    /// The request is wrong: says what to change.
    BadRequest,
    /// The index is still loading.
    Starting,
    /// The server failed.
    Internal,
}

/// An error of a page handler, answered as a page.
#[derive(Debug, Clone)]
pub struct PageError {
    status: StatusCode,
    kind: Kind,
    /// What the reader is told.
    message: String,
    /// The path asked for (shown on 404 pages).
    path: String,
    /// The words the reader asked for, kept on the page (and searched for on a 404).
    q: String,
    /// For a server fault: its cause, for the log (never rendered).
    cause: Option<String>,
    /// Whether the fault is a damaged index (a rebuild is asked for).
    damaged: bool,
    /// Seconds to wait before trying again (`Retry-After`), for a refusal that passes.
    retry_after: Option<u64>,
}

impl PageError {
    /// 404: `message`, the `path` asked for, and articles for `q`.
    pub fn not_found(message: &str, path: &str, q: &str) -> Self {
        PageError {
            status: StatusCode::NOT_FOUND,
            kind: Kind::NotFound,
            message: message.to_owned(),
            path: path.to_owned(),
            q: q.to_owned(),
            cause: None,
            damaged: false,
            retry_after: None,
        }
    }

    /// 400: the request is wrong, and `message` says how.
    pub fn bad_request(message: &str) -> Self {
        PageError {
            status: StatusCode::BAD_REQUEST,
            kind: Kind::BadRequest,
            message: message.to_owned(),
            path: String::new(),
            q: String::new(),
            cause: None,
            damaged: false,
            retry_after: None,
        }
    }

    /// A refusal with its own status (403, 429, 503) and `message` saying why; with
    /// `retry_after`, when to try again.
    pub fn refused(status: StatusCode, message: &str, retry_after: Option<u64>) -> Self {
        PageError {
            retry_after,
            status,
            ..PageError::bad_request(message)
        }
    }

    /// Keeps `q`, what the reader typed, on the error page.
    pub fn with_query(mut self, q: &str) -> Self {
        q.clone_into(&mut self.q);
        self
    }

    /// The page for this error.
    fn render(self, state: &AppState, request_id: &str) -> Response {
        let (template, title) = match self.kind {
            Kind::NotFound => ("not_found.html", "Not found"),
            Kind::BadRequest => ("error.html", "This request cannot be answered"),
            Kind::Starting => ("error.html", "kbase is starting"),
            Kind::Internal => ("error.html", "Something went wrong"),
        };
        let hits = if self.kind == Kind::NotFound {
            not_found_hits(state, &self.q)
        } else {
            Vec::new()
        };
        let ctx = context! {
            title,
            message => self.message,
            path => self.path,
            q => self.q,
            hits,
            matched => Vec::<u32>::new(),
            starting => self.kind == Kind::Starting,
            request_id => (self.kind == Kind::Internal).then_some(request_id),
        };
        let mut response = page(state, self.status, template, ctx);
        if self.kind == Kind::Starting {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(1));
        }
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// Up to [`NOT_FOUND_HITS`] articles for `q`; none when there is no engine yet or the
/// search fails (a 404 page never fails for it).
fn not_found_hits(state: &AppState, q: &str) -> Vec<crate::search::Hit> {
    if q.trim().is_empty() {
        return Vec::new();
    }
    let Ok(engine) = state.engine() else {
        return Vec::new();
    };
    let mut req = SearchRequest::new(q);
    req.limit = NOT_FOUND_HITS;
    req.facets = false;
    engine.search(&req).map(|r| r.hits).unwrap_or_default()
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let (kind, message) = match e.status {
            StatusCode::NOT_FOUND => (Kind::NotFound, "Not found".to_owned()),
            StatusCode::SERVICE_UNAVAILABLE => (
                Kind::Starting,
                "The index is being loaded; it will be ready in a moment.".to_owned(),
            ),
            s if s.is_client_error() => (Kind::BadRequest, e.detail),
            // The detail was logged when the error was made; the reader gets none of it.
            _ => (
                Kind::Internal,
                "kbase could not answer this request. The error is in the server's log.".to_owned(),
            ),
        };
        let status = if kind == Kind::Internal {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            e.status
        };
        PageError {
            status,
            kind,
            message,
            path: String::new(),
            q: String::new(),
            cause: e.cause,
            damaged: e.damaged,
            retry_after: None,
        }
    }
}

impl From<SearchError> for PageError {
    fn from(e: SearchError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    /// A bare response carrying the error; [`render_errors`] turns it into the page.
    /// A fault's cause (and a damaged index) ride along for the access-log layer.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(cause) = &self.cause {
            response
                .extensions_mut()
                .insert(InternalCause(cause.clone()));
        }
        if self.damaged {
            response.extensions_mut().insert(IndexDamaged);
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders the [`PageError`]s that handlers answered, with the request's id.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A reference-counted copy: nothing is allocated for the requests that succeed.
    let request_id = req.headers().get(&X_REQUEST_ID).cloned();
    let mut response = next.run(req).await;
    match response.extensions_mut().remove::<PageError>() {
        Some(e) => {
            let id = request_id.as_ref().and_then(|v| v.to_str().ok());
            let mut page = e.render(&state, id.unwrap_or("-"));
            let (parts, _) = response.into_parts();
            page.extensions_mut().extend(parts.extensions);
            page
        }
        None => response,
    }
}
