//! The web pages (DESIGN §6): HTML rendered from the templates, usable without
//! JavaScript, with the same data as the JSON API.
//!
//! Handlers gather data from the engine and hand it to a template; every value is
//! escaped by the template engine unless the template marks it safe (sanitised article
//! HTML, escaped snippets). A page's errors are pages too (404 searches for what was
//! typed); the API keeps its problem+json.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Value};

use super::api::Params;
use super::AppState;
use crate::article::section::slug;
use crate::search::lookup::ArticleView;
use crate::search::{query, SearchRequest};

/// Example queries on the start page.
const EXAMPLES: &[&str] = &[
    "event id 5058",
    "MSExchangeIS 1000",
    "0x80070005",
    "STOP 0x0000007B",
    "Q190698",
];

/// A redirect to `url` with `status` (301 for permalinks, 302/303 for searches).
pub(crate) fn redirect(status: StatusCode, url: String) -> Response {
    (status, [(header::LOCATION, url)]).into_response()
}

/// Hits per results page.
const PAGE: usize = 10;

/// Renders `name` with `ctx` plus what every page shows (the article count, the query).
fn page(state: &AppState, status: StatusCode, name: &str, ctx: Value) -> Response {
    let articles = state.engine().map(|e| e.num_docs()).unwrap_or(0);
    let ctx = context! { articles, ..ctx };
    match state.templates().render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("{e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>kbase</title><p>This page could not be rendered; the error is in the server's log.</p>".to_owned()),
            )
                .into_response()
        }
    }
}

/// An error page: the message, and articles for what was asked.
fn error_page(
    state: &AppState,
    status: StatusCode,
    message: &str,
    path: &str,
    q: &str,
) -> Response {
    let hits = state
        .engine()
        .ok()
        .filter(|_| !q.trim().is_empty())
        .and_then(|e| {
            let mut req = SearchRequest::new(q);
            req.limit = 5;
            req.facets = false;
            e.search(&req).ok()
        })
        .map(|r| r.hits)
        .unwrap_or_default();
    page(
        state,
        status,
        "not_found.html",
        context! { message, path, q, hits, matched => Vec::<u16>::new() },
    )
}

/// The page shown while the index is still being loaded (503).
fn starting(state: &AppState) -> Response {
    error_page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "kbase is starting; try again in a moment",
        "",
        "",
    )
}

/// The server's own address as links in pages should carry it: `KBASE_PUBLIC_URL` when
/// set, else the request's `Host` (only when it looks like a host name).
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config().public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `/`: the search box.
pub async fn home(State(state): State<AppState>) -> Response {
    page(
        &state,
        StatusCode::OK,
        "home.html",
        context! { q => "", examples => EXAMPLES },
    )
}

/// The words of what was understood, for "Looked for …".
fn understood(i: &crate::search::Interpreted) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(i.article_ids.iter().map(|a| format!("article {a}")));
    parts.extend(i.sources.iter().map(|s| format!("source {s}")));
    parts.extend(i.event_ids.iter().map(|e| format!("event ID {e}")));
    parts.extend(i.codes.iter().map(|c| format!("code {c}")));
    if parts.is_empty() {
        return String::new();
    }
    let words = if i.terms.is_empty() {
        ""
    } else {
        " and the words"
    };
    format!("{}{words}", parts.join(", "))
}

/// A link to results page `offset` of the same search.
fn page_url(base: &str, p: &Params, offset: usize) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    for name in ["q", "product", "category", "from", "to"] {
        if let Some(v) = p.get(name) {
            url.append_pair(name, v);
        }
    }
    if offset > 0 {
        url.append_pair("offset", &offset.to_string());
    }
    format!("{base}?{}", url.finish())
}

/// `/search?q=`: results with their fixes, facets, pages; one article id goes straight
/// to the article.
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let p = Params::parse(raw.as_deref());
    let q = p.get("q").unwrap_or("").trim().to_owned();
    let filtered = ["product", "category", "from", "to"]
        .iter()
        .any(|n| p.get(n).is_some_and(|v| !v.is_empty()));
    if !filtered && !q.contains(char::is_whitespace) {
        if let Some(id) = query::article_id(&q) {
            return redirect(StatusCode::SEE_OTHER, format!("/kb/{id}"));
        }
    }
    if q.is_empty() && !filtered {
        return home(State(state)).await;
    }
    let engine = match state.engine() {
        Ok(e) => e,
        Err(_) => return starting(&state),
    };
    let mut req = SearchRequest::new(q.clone());
    req.limit = PAGE;
    req.product = p.text("product");
    req.category = p.text("category");
    req.from = p.text("from");
    req.to = p.text("to");
    req.offset = match p.number("offset", 0, 0, crate::search::MAX_OFFSET) {
        Ok(o) => o,
        Err(e) => return error_page(&state, StatusCode::BAD_REQUEST, &e.detail, "/search", &q),
    };
    let response = match engine.search(&req) {
        Ok(r) => r,
        Err(e) => {
            let e = super::error::ApiError::from(e);
            return error_page(&state, e.status, &e.detail, "/search", "");
        }
    };
    state.metrics().search(response.total);
    let suggestions = if response.total == 0 {
        engine.suggestions(&q)
    } else {
        Vec::new()
    };
    let shown = req.offset + response.hits.len();
    let prev_url =
        (req.offset > 0).then(|| page_url("/search", &p, req.offset.saturating_sub(PAGE)));
    let next_url = (shown < response.total && shown < crate::search::MAX_OFFSET)
        .then(|| page_url("/search", &p, shown));
    let filter_text: Vec<String> = ["product", "category", "from", "to"]
        .iter()
        .filter_map(|n| {
            p.get(n)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{n}: {v}"))
        })
        .collect();
    page(
        &state,
        StatusCode::OK,
        "search.html",
        context! {
            q,
            total => response.total,
            offset => req.offset,
            understood => understood(&response.interpreted),
            matched => response.interpreted.event_ids,
            hits => response.hits,
            facets => response.facets,
            suggestions,
            prev_url,
            next_url,
            filter_text => filter_text.join(", "),
        },
    )
}

/// The article page's view: the API's fields plus product slugs.
fn article_context(view: &ArticleView, base_url: &str) -> Value {
    let products: Vec<Value> = view
        .front
        .products
        .iter()
        .map(|p| context! { name => p.name, versions => p.versions, slug => slug(&p.name) })
        .collect();
    let description = view
        .fix
        .as_ref()
        .map(|f| first_sentence(&f.text))
        .unwrap_or_else(|| view.front.title.clone());
    context! {
        a => context! { products, ..Value::from_serialize(view) },
        description,
        base_url,
        q => "",
    }
}

/// The first sentence of `text` (all of it when it has one).
fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_owned(),
        None => text.to_owned(),
    }
}

/// `/kb/{id}`: the article.
pub fn article(state: &AppState, headers: &HeaderMap, id: &str) -> Response {
    let engine = match state.engine() {
        Ok(e) => e,
        Err(_) => return starting(state),
    };
    match engine.article(id) {
        Ok(Some(view)) => {
            // The permalink is the canonical id; other spellings redirect to it.
            if view.front.id.as_str() != id {
                return redirect(
                    StatusCode::MOVED_PERMANENTLY,
                    format!("/kb/{}", view.front.id.as_str()),
                );
            }
            let ctx = article_context(&view, &base_url(state, headers));
            page(state, StatusCode::OK, "article.html", ctx)
        }
        Ok(None) => error_page(
            state,
            StatusCode::NOT_FOUND,
            "No article has this id",
            &format!("/kb/{id}"),
            id,
        ),
        Err(e) => {
            let e = super::error::ApiError::from(e);
            error_page(state, e.status, &e.detail, "", "")
        }
    }
}

/// `/events/{id}?source=`: every article naming an event ID, by source.
pub async fn event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = Params::parse(raw.as_deref());
    let Ok(event_id) = id.trim().parse::<u16>() else {
        return error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "Event IDs are numbers from 0 to 65535",
            &format!("/events/{id}"),
            &id,
        );
    };
    let found = state.engine().map_err(|e| e.detail).and_then(|e| {
        e.events(event_id, p.get("source"))
            .map_err(|e| e.to_string())
    });
    match found {
        Ok(ev) => {
            let groups: Vec<Value> = ev
                .sources
                .iter()
                .map(|g| {
                    let anchor = g
                        .source
                        .as_deref()
                        .map_or_else(|| "no-source".to_owned(), slug);
                    context! { source => g.source, articles => g.articles, anchor }
                })
                .collect();
            page(
                &state,
                StatusCode::OK,
                "event.html",
                context! {
                    ev => context! { event_id => ev.event_id, source => ev.source, total => ev.total, sources => groups },
                    matched => vec![event_id],
                    q => "",
                },
            )
        }
        Err(message) => error_page(&state, StatusCode::SERVICE_UNAVAILABLE, &message, "", ""),
    }
}

/// `/events`: the event IDs known, by source.
pub async fn events(State(state): State<AppState>) -> Response {
    let list = state
        .engine()
        .map_err(|e| e.detail)
        .and_then(|e| e.event_list().map(<[_]>::to_vec).map_err(|e| e.to_string()));
    match list {
        Ok(sources) => {
            let total: usize = {
                let mut all: Vec<u16> = sources.iter().flat_map(|s| s.ids.clone()).collect();
                all.sort_unstable();
                all.dedup();
                all.len()
            };
            page(
                &state,
                StatusCode::OK,
                "events.html",
                context! { sources, total, q => "" },
            )
        }
        Err(m) => error_page(&state, StatusCode::SERVICE_UNAVAILABLE, &m, "", ""),
    }
}

/// `/products`: every product with its article count.
pub async fn products(State(state): State<AppState>) -> Response {
    let list = state
        .engine()
        .map_err(|e| e.detail)
        .and_then(|e| e.products().map(<[_]>::to_vec).map_err(|e| e.to_string()));
    match list {
        Ok(products) => page(
            &state,
            StatusCode::OK,
            "products.html",
            context! { products, q => "" },
        ),
        Err(m) => error_page(&state, StatusCode::SERVICE_UNAVAILABLE, &m, "", ""),
    }
}

/// `/products/{slug}`: the articles of one product.
pub async fn product(
    State(state): State<AppState>,
    Path(wanted): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = Params::parse(raw.as_deref());
    let Ok(engine) = state.engine() else {
        return starting(&state);
    };
    let name = engine.products().ok().and_then(|list| {
        list.iter()
            .find(|x| x.slug == wanted)
            .map(|x| x.name.clone())
    });
    let Some(name) = name else {
        return error_page(
            &state,
            StatusCode::NOT_FOUND,
            "No product has this name",
            &format!("/products/{wanted}"),
            &wanted.replace('-', " "),
        );
    };
    let offset = p
        .number("offset", 0, 0, crate::search::MAX_OFFSET)
        .unwrap_or(0);
    let mut req = SearchRequest::new("");
    req.product = Some(name.clone());
    req.limit = PAGE;
    req.offset = offset;
    req.facets = false;
    match engine.search(&req) {
        Ok(r) => {
            let base = format!("/products/{wanted}");
            let shown = offset + r.hits.len();
            let at = |o: usize| {
                if o == 0 {
                    base.clone()
                } else {
                    format!("{base}?offset={o}")
                }
            };
            page(
                &state,
                StatusCode::OK,
                "product.html",
                context! {
                    product => name,
                    total => r.total,
                    offset,
                    hits => r.hits,
                    matched => Vec::<u16>::new(),
                    prev_url => (offset > 0).then(|| at(offset.saturating_sub(PAGE))),
                    next_url => (shown < r.total).then(|| at(shown)),
                    q => "",
                },
            )
        }
        Err(e) => error_page(&state, StatusCode::BAD_REQUEST, &e.to_string(), "", ""),
    }
}

/// `/eventviewer`: the target of Event Viewer's "Event Log Online Help" link. Goes to the
/// one article whose source and event ID match (at its fix), else to the event's page
/// for that source when several match, else to the event's page.
pub async fn eventviewer(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let p = Params::parse(raw.as_deref());
    let get = |name: &str| {
        p.get_ignore_case(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let source = get("EvtSrc");
    let to = |url: String| redirect(StatusCode::FOUND, url);
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let Some(id) = get("EvtID").and_then(|v| v.parse::<u16>().ok()) else {
        let words = [source, get("ProdName")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        return to(format!("/search?q={}", enc(&words)));
    };
    let Some(source) = source else {
        return to(format!("/events/{id}"));
    };
    let found = state
        .engine()
        .ok()
        .and_then(|e| e.events(id, Some(source)).ok());
    match found {
        Some(ev) if ev.total == 1 => {
            let a = ev.sources.into_iter().flat_map(|g| g.articles).next();
            match a {
                Some(a) => to(a.fix.map_or(a.url, |f| f.url)),
                None => to(format!("/events/{id}")),
            }
        }
        Some(ev) if ev.total > 1 => to(format!("/events/{id}?source={}", enc(source))),
        _ => to(format!("/events/{id}")),
    }
}

/// `/opensearch.xml`: lets browsers search kbase from the address bar.
pub async fn opensearch(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state.templates().render(
        "opensearch.xml",
        context! { base_url => base_url(&state, &headers) },
    ) {
        Ok(xml) => (
            [(
                header::CONTENT_TYPE,
                "application/opensearchdescription+xml; charset=utf-8",
            )],
            xml,
        )
            .into_response(),
        Err(e) => super::error::ApiError::internal(e).into_response(),
    }
}

/// `/static/{name}`: the stylesheet, the script, the icon.
pub async fn static_file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.templates().static_file(&name) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, f.content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            f.bytes.clone(),
        )
            .into_response(),
        None => super::error::ApiError::not_found("not_found", "no such file").into_response(),
    }
}

/// Unknown paths: a page that searches for the words of the path for a browser, a
/// problem+json 404 for everything else.
pub async fn not_found(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let path = uri.path();
    if !wants_html || path.starts_with("/api/") {
        return super::error::ApiError::not_found("not_found", "no such resource").into_response();
    }
    let decoded = percent_decode(path);
    let words: String = decoded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    error_page(
        &state,
        StatusCode::NOT_FOUND,
        "Page not found",
        path,
        &words,
    )
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
