//! The v1 JSON API (DESIGN §5), the operational endpoints, and the permalink routes.
//!
//! Handlers are thin: read parameters (naming any that is wrong), call the engine, and
//! shape the answer. Each carries its OpenAPI description, and the router registers
//! handlers through those descriptions, so `/api/v1/openapi.json` cannot drift from the
//! routes. Parameters are read through [`Params`], the same way the pages read them.
//! Permalinks in answers are relative unless the server knows its public address
//! (`KBASE_PUBLIC_URL`), in which case they are absolute, ready to paste into a ticket.

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::auth::Viewer;
use super::error::{ApiError, Problem};
use super::html::redirect;
use super::insights::{self, Asked};
use super::layers::ClientAddr;
use super::params::{clip, Params};
use super::AppState;
use crate::article;
use crate::db::querylog::Via;
use crate::db::tokens::Role;
use crate::search::suggest::SuggestInput;
use crate::search::{query, MAX_LIMIT};

/// Search the articles.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "The query: words, \"phrases\", -excluded, OR, fields (title: product: source: event: code: id:), event IDs, article ids, error and STOP codes. At most 1,000 characters."),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Hits per page, 1 to 100 (default 10)."),
        ("offset" = Option<usize>, Query, minimum = 0, maximum = 10000, description = "Hits to skip, up to 10,000 (default 0)."),
        ("product" = Option<String>, Query, description = "Only articles for this product (exact name, any case)."),
        ("category" = Option<String>, Query, description = "Only articles in this category."),
        ("from" = Option<String>, Query, format = Date, description = "Published on or after this date, YYYY-MM-DD."),
        ("to" = Option<String>, Query, format = Date, description = "Published on or before this date, YYYY-MM-DD."),
        ("ticket" = Option<String>, Query, max_length = 128, description = "The ticket this search is for (INC0012345): logged with it, and each hit carries `confirm`, the one call that records it as the ticket's fix."),
    ),
    responses(
        (status = 200, description = "Hits, each with its snippet and fix (and `outcomes`, what tickets recorded); facets; what the query was understood as.", content_type = "application/json"),
        (status = 400, description = "A parameter is wrong; `detail` names it.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The index is not loaded yet or the server is saturated.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    client: Option<Extension<ClientAddr>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = Params::parse(raw.as_deref());
    let run = async {
        let mut req = p.search_request(p.number("limit", 10, 1, MAX_LIMIT)?)?;
        req.reader = viewer.reader;
        let ticket = super::tickets::ticket_param(&p)?;
        let mut response = state.search(req).await?;
        let asked = Asked::of(&response.interpreted, &response.hits);
        state.annotate(&mut response.hits, &asked.events, &asked.codes);
        state.metrics().search(response.total);
        if let Some(t) = &ticket {
            let q = response.query.clone();
            super::tickets::confirm_calls(
                &state,
                &mut response.hits,
                t,
                &q,
                &asked.events,
                &asked.codes,
            );
        }
        insights::searched(
            &state,
            Via::Search,
            &response.query,
            asked,
            response.total,
            &response.hits,
            client.map(|c| c.0 .0),
            ticket.as_deref(),
        );
        state.links().absolute_hits(&mut response.hits);
        Ok::<_, ApiError>(Json(response).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// One article, whole.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "Article id, any case: Q190698.")),
    responses(
        (status = 200, description = "Front matter fields, sections (id, heading, markdown, html), references and back-references.", content_type = "application/json"),
        (status = 404, description = "No article has this id.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    article_json(&state, &viewer, &id).unwrap_or_else(IntoResponse::into_response)
}

fn article_json(state: &AppState, viewer: &Viewer, id: &str) -> Result<Response, ApiError> {
    let mut view = state
        .engine()?
        .article(viewer.reader, id)?
        .ok_or_else(|| article_not_found(id))?;
    state.links().absolute_article(&mut view);
    Ok(Json(view).into_response())
}

fn article_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "article_not_found",
        format!("no article has the id `{}`", clip(id)),
    )
}

/// The article under its permalink: `/kb/{id}` (the page), `/kb/{id}.json` (the article
/// API's answer), `/kb/{id}.md` (the source) and `/kb/{id}.txt` (plain text for tickets).
#[utoipa::path(get, path = "/kb/{file}", tag = "articles",
    params(("file" = String, Path, description = "`Q190698` (HTML), `Q190698.json`, `Q190698.md` or `Q190698.txt`.")),
    responses(
        (status = 200, description = "The page or the rendition."),
        (status = 404, description = "No article has this id, or no such rendition: the not-found page for `/kb/{id}`, a problem for the renditions.",
            content(("text/html"), (Problem = "application/problem+json"))),
    ))]
pub async fn rendition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let (id, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
        if ext.is_empty() {
            let p = Params::parse(raw.as_deref());
            return Ok(
                super::pages::article(&state, &viewer, &headers, id, p.get("answered"))
                    .into_response(),
            );
        }
        if ext == "json" {
            return article_json(&state, &viewer, id);
        }
        let content_type = match ext {
            "md" => "text/markdown; charset=utf-8",
            "txt" => "text/plain; charset=utf-8",
            _ => {
                return Err(ApiError::not_found(
                    "not_found",
                    "no such page; renditions are .json, .md and .txt",
                ))
            }
        };
        let (source, article) = state
            .engine()?
            .article_text(viewer.reader, id)?
            .ok_or_else(|| article_not_found(id))?;
        let body = if ext == "md" {
            source
        } else {
            plain_text(&article)
        };
        Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

/// An article as plain text: title, fields, sections.
fn plain_text(a: &crate::article::Article) -> String {
    let mut out = format!("{}: {}\n", a.id(), a.title());
    let products: Vec<String> = a
        .front
        .products
        .iter()
        .map(|p| {
            format!("{} {}", p.name, p.versions.join(", "))
                .trim()
                .to_owned()
        })
        .collect();
    if !products.is_empty() {
        out.push_str(&format!("Applies to: {}\n", products.join("; ")));
    }
    for e in &a.front.events {
        let source = e
            .source
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        out.push_str(&format!("Event ID {}{source}\n", e.id.0));
    }
    for s in &a.sections {
        out.push('\n');
        if !s.heading.is_empty() {
            out.push_str(&s.heading.to_uppercase());
            out.push_str("\n\n");
        }
        out.push_str(s.text().trim_end());
        out.push('\n');
    }
    out
}

/// Every article that names an event ID, grouped by source.
#[utoipa::path(get, path = "/api/v1/events/{event_id}", tag = "events",
    params(
        ("event_id" = u32, Path, minimum = 1, maximum = 4294967295_u32, description = "Event ID, 1 to 4294967295 (the range `kbase check` accepts)."),
        ("source" = Option<String>, Query, description = "Only articles naming this event source (any case)."),
    ),
    responses(
        (status = 200, description = "Articles by source, each with its fix.", content_type = "application/json"),
        (status = 400, description = "The event ID is not a whole number from 1 to 4294967295.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(event_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let id = event_id
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "event_id",
                    format!(
                        "must be a whole number from 1 to 4294967295, not `{}`",
                        clip(&event_id)
                    ),
                )
            })?;
        let p = Params::parse(raw.as_deref());
        let mut response = state.engine()?.events(viewer.reader, id, p.get("source"))?;
        state.links().absolute_events(&mut response);
        Ok(Json(response).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

/// The JSON body of a suggest request.
#[derive(serde::Deserialize, utoipa::ToSchema)]
struct SuggestBody {
    text: String,
}

/// Articles for pasted ticket text, Event Viewer text, `wevtutil` or `Get-WinEvent` output, or Event Viewer XML.
#[utoipa::path(post, path = "/api/v1/suggest", tag = "search",
    params(
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Hits, 1 to 100 (default 10)."),
        ("ticket" = Option<String>, Query, max_length = 128, description = "The ticket the text comes from (INC0012345): logged with it, and each hit carries `confirm`, the one call that records it as the ticket's fix."),
    ),
    request_body(description = "Ticket text as `text/plain`, `{\"text\": ...}` as `application/json`, or Event Viewer XML (one `<Event>` or an `<Events>` export) as `application/xml`. At most 1 MiB.",
        content((String = "text/plain"), (SuggestBody = "application/json"), (String = "application/xml"))),
    responses(
        (status = 200, description = "The events, codes and article ids found (`found` gives the line and column of each), the ranked hits with their fixes, and with several events `groups` of hits per event.", content_type = "application/json"),
        (status = 400, description = "The body is not what its type says, or a parameter is wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Another content type.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn suggest(
    State(state): State<AppState>,
    viewer: Viewer,
    client: Option<Extension<ClientAddr>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        let p = Params::parse(raw.as_deref());
        let limit = p.number("limit", 10, 1, MAX_LIMIT)?;
        let ticket = super::tickets::ticket_param(&p)?;
        let essence = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let text = || {
            String::from_utf8(body.to_vec())
                .map_err(|e| ApiError::bad_parameter("body", format!("not UTF-8: {e}")))
        };
        let input = match essence.as_str() {
            "text/plain" => SuggestInput::Text(text()?),
            "application/json" => {
                let b: SuggestBody = serde_json::from_slice(&body).map_err(|e| {
                    ApiError::bad_parameter("body", format!("expected {{\"text\": \"...\"}}: {e}"))
                })?;
                SuggestInput::Text(b.text)
            }
            "application/xml" | "text/xml" => SuggestInput::EventXml(text()?),
            other => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!(
                        "Content-Type `{}` is not accepted; send text/plain, application/json or application/xml",
                        clip(other)
                    ),
                ))
            }
        };
        // What the log keeps of the paste: one character more than it stores, so that
        // it knows a long paste is not a query of words.
        let pasted: String = match &input {
            SuggestInput::Text(t) | SuggestInput::EventXml(t) => t
                .chars()
                .take(crate::db::querylog::MAX_QUERY_CHARS + 1)
                .collect(),
        };
        let reader = viewer.reader;
        let mut response = state
            .on_engine(move |e| e.suggest(reader, &input, limit))
            .await??;
        state.metrics().search(response.total);
        let asked = Asked {
            events: response
                .events
                .iter()
                .map(|e| (e.source.clone(), e.id))
                .collect(),
            codes: response.codes.clone(),
            article_lookup: !response.article_ids.is_empty(),
            read_as: suggest_read_as(&response),
        };
        state.annotate(&mut response.hits, &asked.events, &asked.codes);
        if let Some(t) = &ticket {
            super::tickets::confirm_calls(
                &state,
                &mut response.hits,
                t,
                "",
                &asked.events,
                &asked.codes,
            );
        }
        insights::searched(
            &state,
            Via::Suggest,
            &pasted,
            asked,
            response.total,
            &response.hits,
            client.map(|c| c.0 .0),
            ticket.as_deref(),
        );
        state.links().absolute_hits(&mut response.hits);
        Ok::<_, ApiError>(Json(response).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// What a suggest found, in words, for the query log.
fn suggest_read_as(r: &crate::search::suggest::SuggestResponse) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(r.article_ids.iter().map(|a| format!("article {a}")));
    parts.extend(r.events.iter().map(|e| match &e.source {
        Some(s) => format!("event ID {} ({s})", e.id),
        None => format!("event ID {}", e.id),
    }));
    parts.extend(r.codes.iter().map(|c| format!("code {c}")));
    if parts.is_empty() {
        "words".to_owned()
    } else {
        parts.join(", ")
    }
}

/// What a reindex did.
#[derive(Serialize)]
struct ReindexReport {
    indexed: u64,
    files: usize,
    added: usize,
    changed: usize,
    removed: usize,
    rebuilt: Option<String>,
    problems: Vec<String>,
    took_ms: f64,
}

/// Brings the index up to date now; `?rebuild=true` rebuilds it from scratch in the
/// background and answers 202 at once (`/readyz` shows `"rebuilding": true` until done).
#[utoipa::path(post, path = "/api/v1/admin/reindex", tag = "admin",
    params(("rebuild" = Option<bool>, Query, description = "Rebuild from scratch instead of updating.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the update did.", content_type = "application/json"),
        (status = 202, description = "The rebuild started; `/readyz` says `\"rebuilding\": true` until it is done.", content_type = "application/json"),
        (status = 401, description = "Missing or wrong bearer token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is an agent's, not an admin's.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Admin endpoints are disabled: no KBASE_ADMIN_TOKEN and no database of tokens.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The data folder cannot be written, so the index is served as it is.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reindex(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    // Without a bootstrap token and without a database of tokens, nobody could be
    // admitted: the endpoint is not there.
    if state.config().admin_token.is_none() && state.db().is_err() {
        return ApiError::not_found("not_found", "no such resource").into_response();
    }
    if let Err(e) = super::tickets::authorise(&state, &headers, Role::Admin).await {
        return super::tickets::finish(Err(e));
    }
    if state.read_only() {
        return ApiError::new(
            StatusCode::CONFLICT,
            "read_only",
            "the data folder cannot be written: the index is served as it is; update it where it can be written",
        )
        .into_response();
    }
    let rebuild = Params::parse(raw.as_deref()).get("rebuild") == Some("true");
    if rebuild {
        // A rebuild of the full archive outlasts the request timeout: it runs in the
        // background, and /readyz says when it is under way.
        state.rebuild_in_background("a rebuild was asked for");
        let mut r = (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"status": "rebuilding", "progress": "/readyz"})),
        )
            .into_response();
        r.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/readyz"));
        return r;
    }
    match state.reload(false).await {
        Ok(report) => Json(ReindexReport {
            indexed: report.indexed,
            files: report.files,
            added: report.added,
            changed: report.changed,
            removed: report.removed,
            rebuilt: report.rebuilt.as_ref().map(|w| crate::error::chain(w)),
            problems: report.problems.iter().map(ToString::to_string).collect(),
            took_ms: report.elapsed.as_secs_f64() * 1000.0,
        })
        .into_response(),
        Err(e) => ApiError::internal(crate::error::chain(&e)).into_response(),
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", content_type = "application/json")))]
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// Readiness: the index is loaded and searches can be answered.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "`{\"status\": \"ready\", \"articles\": N}`, with `\"read_only\": true` when the data folder cannot be written, `reload_failing` (`failures`, `retry_in_s`) while reloads fail and the last good index is served.", content_type = "application/json"),
        (status = 503, description = "The index is still being built.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>, viewer: Viewer) -> Response {
    let failing = state.failing();
    match (state.engine(), failing) {
        (Ok(engine), failing) => {
            // The articles this reader may read: a count is something to keep too.
            let articles = engine.num_docs_for(viewer.reader).unwrap_or(0);
            let mut body = serde_json::json!({"status": "ready", "articles": articles});
            if state.rebuilding() {
                body["rebuilding"] = serde_json::Value::Bool(true);
            }
            if state.read_only() {
                body["read_only"] = serde_json::Value::Bool(true);
            }
            // Serving the last good index while reloads fail.
            if let Some(f) = failing {
                body["reload_failing"] = serde_json::json!(f);
            }
            // Searches go on without ticket counts; writes of links answer 503.
            if state.database_is_down() {
                body["status"] = serde_json::Value::from("degraded");
                body["database"] = serde_json::Value::from("unreachable");
            }
            Json(body).into_response()
        }
        (Err(_), Some(f)) => ApiError::unavailable(
            "not_ready",
            format!(
                "loading the index failed {} time(s) (the cause is in the server's log); trying again in {} s",
                f.failures, f.retry_in_s
            ),
        )
        .into_response(),
        (Err(e), None) => e.into_response(),
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format.", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

/// This API's OpenAPI description.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document.", content_type = "application/json")))]
pub async fn openapi(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json(),
    )
        .into_response()
}

/// Short permalinks: `/Q190698` and `/KB190698`, any case, redirect for good to
/// `/kb/Q190698`.
#[utoipa::path(get, path = "/{permalink}", tag = "articles",
    params(("permalink" = String, Path, description = "`Q190698` or `KB190698`, any case.")),
    responses(
        (status = 301, description = "To `/kb/{id}`."),
        (status = 200, description = "Not a permalink but one of the pages that share this shape (`/search`, `/events`, `/products`, `/eventviewer`, `/insights`, `/review`, `/signin`, `/feed.atom`): the page or the feed.",
            content(("text/html"), ("application/atom+xml"))),
        (status = 303, description = "`/signout` without a session, `/signin` with one: on to the next page."),
        (status = 401, description = "`/insights` or `/review` without a signed-in agent: the sign-in form.", content_type = "text/html"),
        (status = 404, description = "Not an article id.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn permalink(
    Path(key): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    match query::article_id(&key).filter(|_| !key.contains(char::is_whitespace)) {
        Some(id) => redirect(StatusCode::MOVED_PERMANENTLY, article::permalink(&id, None)),
        None => super::pages::not_found(uri, headers).await,
    }
}
