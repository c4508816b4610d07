//! The ticket API: a ticket system records which article fixed which ticket, and reads
//! back what tickets say of an article.
//!
//! Writes and a ticket's own links need an agent's or an admin's token
//! (`Authorization: Bearer …`, made with `kbase token create`, or `KBASE_ADMIN_TOKEN`);
//! an article's counts are public, its ticket references are not. A database that is
//! unreachable or locked answers 503 with `Retry-After`, never a 500.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::params::clip;
use super::AppState;
use crate::db::links::{self, LinkEvent, LinkInput, Outcome};
use crate::db::tokens::{self, Bearer, Role};
use crate::db::DbError;

/// Longest ticket reference.
const MAX_TICKET_CHARS: usize = 128;
/// Longest text field of a link (a URL, a query).
const MAX_FIELD_CHARS: usize = 2000;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            ApiError::unavailable(
                "database_unavailable",
                "the database is unreachable or busy; retry shortly",
            )
        } else {
            ApiError::internal(e)
        }
    }
}

/// Who sent the request, from its bearer token: 401 without a live token, 403 when the
/// token's role is below `needs`.
pub async fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    needs: Role,
) -> Result<Bearer, ApiError> {
    let bearer = bearer(state, headers).await?.ok_or_else(unauthorised)?;
    if bearer.role < needs {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs an {} token", needs.as_str()),
        ));
    }
    Ok(bearer)
}

/// The bearer of the request's token, `None` when it sent none or one that is not live.
pub async fn bearer(state: &AppState, headers: &HeaderMap) -> Result<Option<Bearer>, ApiError> {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
    else {
        return Ok(None);
    };
    verify(state, given).await
}

/// The bearer of the token `given` (the bootstrap admin token, or one in the
/// database), `None` when it is not live.
pub async fn verify(state: &AppState, given: &str) -> Result<Option<Bearer>, ApiError> {
    if given.is_empty() {
        return Ok(None);
    }
    if let Some(admin) = &state.config().admin_token {
        if bool::from(given.as_bytes().ct_eq(admin.as_bytes())) {
            return Ok(Some(Bearer {
                name: crate::config::ENV_ADMIN_TOKEN.to_owned(),
                role: Role::Admin,
            }));
        }
    }
    // A server without a database knows only the bootstrap token.
    let Ok(db) = state.db() else {
        return Ok(None);
    };
    Ok(tokens::verify(db, given).await?)
}

/// 401 with `WWW-Authenticate: Bearer`.
pub(super) fn unauthorised() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this needs `Authorization: Bearer` with an agent or admin token (kbase token create)",
    )
}

/// The answer of a handler: a 401 carries `WWW-Authenticate: Bearer`.
pub fn finish(answer: Result<Response, ApiError>) -> Response {
    answer.unwrap_or_else(|e| {
        let mut r = e.into_response();
        if r.status() == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    })
}

/// The token of an `Authorization: Bearer …` value; the scheme's name is
/// case-insensitive (RFC 9110 §11.1), the token is not.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

/// A ticket reference as the helpdesk writes it (`INC0012345`, `#4711`): 1 to 128
/// printable characters.
pub(super) fn check_ticket(ticket: &str) -> Result<(), ApiError> {
    let n = ticket.chars().count();
    if n == 0 || n > MAX_TICKET_CHARS || ticket.chars().any(char::is_control) {
        return Err(ApiError::bad_parameter(
            "ticket",
            format!("a ticket reference is 1 to {MAX_TICKET_CHARS} printable characters"),
        ));
    }
    Ok(())
}

/// The `ticket` parameter of a search or suggest, checked like a ticket reference.
pub fn ticket_param(p: &super::params::Params) -> Result<Option<String>, ApiError> {
    match p.get("ticket").map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            check_ticket(t)?;
            Ok(Some(t.to_owned()))
        }
    }
}

/// A path segment with everything but unreserved characters percent-encoded
/// (`#4711` → `%234711`).
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Gives each hit of a search made for `ticket` the call that records it as the fix,
/// with the event (when the query named one), the code and the query filled in: a
/// ticket system that showed the suggestions confirms one with that single call.
pub fn confirm_calls(
    state: &AppState,
    hits: &mut [crate::search::Hit],
    ticket: &str,
    query: &str,
    events: &[(Option<String>, u32)],
    codes: &[String],
) {
    let base = state
        .config()
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'))
        .unwrap_or("");
    let event = match events {
        [(source, id)] => Some(serde_json::json!({"source": source, "id": id})),
        _ => None,
    };
    let query: String = query.chars().take(MAX_FIELD_CHARS).collect();
    for hit in hits {
        let mut body = Map::new();
        body.insert("outcome".into(), "fixed".into());
        if let Some(section) = hit
            .fix
            .as_ref()
            .and_then(|f| f.url.rsplit_once('#'))
            .map(|(_, a)| a)
        {
            body.insert("section".into(), section.into());
        }
        if let Some(e) = &event {
            body.insert("event".into(), e.clone());
        }
        if let Some(c) = codes.first() {
            body.insert("code".into(), c.as_str().into());
        }
        if !query.is_empty() {
            body.insert("query".into(), query.as_str().into());
        }
        hit.confirm = Some(serde_json::json!({
            "method": "PUT",
            "url": format!("{base}/api/v1/tickets/{}/articles/{}", path_segment(ticket), path_segment(&hit.card.id)),
            "body": body,
        }));
    }
}

/// The article's id as indexed, or 404 (also for one `reader` may not read).
pub(super) fn article_id(
    state: &AppState,
    reader: crate::search::Reader,
    id: &str,
) -> Result<String, ApiError> {
    state.engine()?.canonical_id(reader, id)?.ok_or_else(|| {
        ApiError::not_found(
            "article_not_found",
            format!("no article has the id `{}`", clip(id)),
        )
    })
}

/// The link a request body describes; 400 naming the first field that is wrong.
fn link_input(body: &[u8]) -> Result<(Outcome, LinkInput), ApiError> {
    let bad = |field: &str, why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_field",
            format!("{field}: {why}"),
        )
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad("body", &format!("not JSON ({e})")))?;
    let Value::Object(map) = value else {
        return Err(bad("body", "a JSON object is expected"));
    };
    if let Some(k) = map.keys().find(|k| {
        !matches!(
            k.as_str(),
            "outcome" | "section" | "event" | "code" | "ticket_url" | "query"
        )
    }) {
        return Err(bad(
            &clip(k),
            "unknown field; the fields are outcome, section, event, code, ticket_url, query",
        ));
    }
    let text = |map: &Map<String, Value>, field: &str| -> Result<Option<String>, ApiError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= MAX_FIELD_CHARS => Ok(Some(s.clone())),
            Some(Value::String(_)) => {
                Err(bad(field, &format!("at most {MAX_FIELD_CHARS} characters")))
            }
            Some(_) => Err(bad(field, "a string is expected")),
        }
    };
    let outcome = match map.get("outcome") {
        Some(Value::String(s)) if s == "fixed" => Outcome::Fixed,
        Some(Value::String(s)) if s == "not_fixed" => Outcome::NotFixed,
        Some(Value::String(s)) if s == "related" => Outcome::Related,
        None | Some(Value::Null) => {
            return Err(bad("outcome", "required: fixed, not_fixed or related"))
        }
        Some(_) => return Err(bad("outcome", "one of fixed, not_fixed, related")),
    };
    let section = text(&map, "section")?
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    if let Some(s) = &section {
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad("section", "a section id such as `workaround`"));
        }
    }
    let event = match map.get("event") {
        None | Some(Value::Null) => None,
        Some(Value::Object(e)) => {
            let id = e
                .get("id")
                .and_then(Value::as_u64)
                .filter(|id| (1..=u64::from(u32::MAX)).contains(id))
                .ok_or_else(|| bad("event.id", "a positive whole number is expected"))?;
            let source = text(e, "source")
                .map_err(|_| bad("event.source", "a string is expected"))?
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            if let Some(k) = e
                .keys()
                .find(|k| k.as_str() != "id" && k.as_str() != "source")
            {
                return Err(bad(
                    &format!("event.{}", clip(k)),
                    "unknown field; an event has source and id",
                ));
            }
            Some(LinkEvent {
                source,
                id: u32::try_from(id).unwrap_or(u32::MAX),
            })
        }
        Some(_) => {
            return Err(bad(
                "event",
                "an object such as {\"source\": \"MSExchangeIS\", \"id\": 1000}",
            ))
        }
    };
    let code = match text(&map, "code")? {
        None => None,
        Some(c) => Some(
            crate::extract::codes(&c)
                .into_iter()
                .next()
                .ok_or_else(|| bad("code", "an error or STOP code such as 0x80070005"))?,
        ),
    };
    let ticket_url = text(&map, "ticket_url")?;
    if let Some(u) = &ticket_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(bad("ticket_url", "an http:// or https:// address"));
        }
    }
    Ok((
        outcome,
        LinkInput {
            outcome: Some(outcome),
            section,
            event,
            code,
            ticket_url,
            query: text(&map, "query")?,
        },
    ))
}

/// Records that an article fixed a ticket, did not, or was related.
#[utoipa::path(put, path = "/api/v1/tickets/{ticket}/articles/{article_id}", tag = "tickets",
    params(
        ("ticket" = String, Path, max_length = 128, description = "The helpdesk's own reference: INC0012345, #4711 (URL-encoded)."),
        ("article_id" = String, Path, description = "The article's id, any case: Q190698."),
    ),
    request_body(content = String, content_type = "application/json", description = "{\"outcome\": \"fixed\" | \"not_fixed\" | \"related\", \"section\": \"workaround\", \"event\": {\"source\": \"MSExchangeKMS\", \"id\": 5058}, \"code\": \"0x80070005\", \"ticket_url\": \"https://…\", \"query\": \"…\"}; all but outcome optional."),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The link is new.", content_type = "application/json"),
        (status = 200, description = "The ticket's link to this article was replaced.", content_type = "application/json"),
        (status = 400, description = "A field is wrong; `detail` names it.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article has this id.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_link(
    State(state): State<AppState>,
    Path((ticket, article)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        let who = authorise(&state, &headers, Role::Agent).await?;
        check_ticket(&ticket)?;
        let article = article_id(&state, crate::search::Reader::Agent, &article)?;
        let (outcome, input) = link_input(&body)?;
        let db = state.db()?;
        let (stored, created) =
            links::put(db, &ticket, &article, outcome, &input, &who.name).await?;
        state.refresh_after_write().await;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok::<_, ApiError>((status, Json(stored)).into_response())
    };
    finish(run.await)
}

/// Removes a ticket's link to an article.
#[utoipa::path(delete, path = "/api/v1/tickets/{ticket}/articles/{article_id}", tag = "tickets",
    params(
        ("ticket" = String, Path, max_length = 128, description = "The helpdesk's reference."),
        ("article_id" = String, Path, description = "The article's id."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "The ticket reference is not 1 to 128 printable characters.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The ticket has no link to this article.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_link(
    State(state): State<AppState>,
    Path((ticket, article)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        authorise(&state, &headers, Role::Agent).await?;
        check_ticket(&ticket)?;
        let article = article_id(&state, crate::search::Reader::Agent, &article).unwrap_or(article);
        let deleted = links::delete(state.db()?, &ticket, &article).await?;
        state.refresh_after_write().await;
        if deleted {
            Ok::<_, ApiError>(StatusCode::NO_CONTENT.into_response())
        } else {
            Err(ApiError::not_found(
                "link_not_found",
                format!(
                    "ticket `{}` has no link to `{}`",
                    clip(&ticket),
                    clip(&article)
                ),
            ))
        }
    };
    finish(run.await)
}

/// A ticket's links.
#[utoipa::path(get, path = "/api/v1/tickets/{ticket}", tag = "tickets",
    params(("ticket" = String, Path, max_length = 128, description = "The helpdesk's reference.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"ticket\": …, \"links\": [...]}` (empty when it has none).", content_type = "application/json"),
        (status = 400, description = "The ticket reference is not 1 to 128 printable characters.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn ticket(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        authorise(&state, &headers, Role::Agent).await?;
        check_ticket(&ticket)?;
        let links = links::for_ticket(state.db()?, &ticket).await?;
        Ok::<_, ApiError>(
            Json(serde_json::json!({"ticket": ticket, "links": links})).into_response(),
        )
    };
    finish(run.await)
}

/// What tickets say of an article: counts by outcome, per event and per code (public),
/// and the links with their ticket references (with a token only).
#[utoipa::path(get, path = "/api/v1/articles/{id}/tickets", tag = "tickets",
    params(("id" = String, Path, description = "The article's id, any case.")),
    responses(
        (status = 200, description = "`outcomes`, `events`, `codes`, `readers` (the answers to \"Did this fix it?\" on the page: `yes`, `no`, counted apart); `links` only with a token.", content_type = "application/json"),
        (status = 404, description = "No article has this id.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy, or the server keeps none.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_tickets(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    Path(id): Path<String>,
) -> Response {
    let run = async {
        // Counts of an article the reader may not read would say it exists.
        let article = article_id(&state, viewer.reader, &id)?;
        let agent = viewer.is_agent();
        let db = state.db()?;
        let said = links::for_article(db, &article).await?;
        let readers = crate::db::feedback::answers(db, &article).await?;
        let mut v = serde_json::to_value(&said).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            if !agent {
                m.remove("links");
            }
            // Readers' "Did this fix it?", counted apart from the tickets.
            m.insert(
                "readers".into(),
                serde_json::to_value(readers).unwrap_or(Value::Null),
            );
        }
        let mut response = Json(v).into_response();
        // The answer depends on the token: caches must not share it.
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("authorization"));
        Ok::<_, ApiError>(response)
    };
    finish(run.await)
}
