//! The query log and what it shows: the gaps (events, codes and words technicians
//! searched for that no article answers) and the most searched events, codes and
//! articles.
//!
//! Every search and suggest is handed to [`QueryLog`], a bounded queue, with a
//! non-blocking send: a search never waits for the database, and when the writer falls
//! behind the queue is full and searches are dropped from the log, counted in
//! `/metrics`. One task ([`write_queries`]) writes what is queued in batches, each in one
//! transaction. The insights are read with an agent's token: the API
//! (`/api/v1/insights/gaps`, `/api/v1/insights/top`, JSON or CSV) or the `/insights` page,
//! which a browser opens after signing in ([`super::auth`]).

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use minijinja::context;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::html::page;
use super::params::{clip, Params};
use super::AppState;
use crate::db::links::asked_events;
use crate::db::querylog::{self, Demand, Gap, Logged, Subject, Top, Via};
use crate::search::{Hit, Interpreted};

/// Searches written per transaction, at most.
const BATCH: usize = 2048;
/// How long the writer gathers searches before it writes them: one transaction (and on
/// SQLite one sync to disk) per period instead of one per search, at the cost of losing
/// at most this much of the log in a crash.
const GATHER: Duration = Duration::from_millis(250);
/// Days the insights look back unless told (`days`).
const DEFAULT_DAYS: usize = 30;
/// Longest period asked for.
const MAX_DAYS: usize = 3650;
/// Rows listed unless told (`limit`).
const DEFAULT_ROWS: usize = 100;
/// Most rows listed.
const MAX_ROWS: usize = 10_000;
const DAY_MS: i64 = 86_400_000;

/// The queue between the searches and the query log's writer.
pub struct QueryLog {
    tx: mpsc::Sender<Logged>,
    rx: Mutex<Option<mpsc::Receiver<Logged>>>,
    /// Tells the writer the server is stopping: write what is queued, then end.
    stop: tokio::sync::Notify,
}

impl QueryLog {
    /// A queue of `capacity` searches.
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        QueryLog {
            tx,
            rx: Mutex::new(Some(rx)),
            stop: tokio::sync::Notify::new(),
        }
    }

    /// Asks the writer to write what is queued and end ([`write_queries`] returns).
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

/// What a search asked about, for its log record.
pub struct Asked {
    /// Events: source (when named) and ID.
    pub events: Vec<(Option<String>, u32)>,
    /// Codes, normalised.
    pub codes: Vec<String>,
    /// Whether it asked for an article by id.
    pub article_lookup: bool,
    /// What it was read as, in words.
    pub read_as: String,
}

impl Asked {
    /// What a search's interpretation asked about; sources as the hits' articles spell
    /// them (the interpretation has them lower-cased).
    pub fn of(i: &Interpreted, hits: &[Hit]) -> Asked {
        let sources: Vec<String> = i
            .sources
            .iter()
            .map(|s| {
                hits.iter()
                    .flat_map(|h| &h.card.events)
                    .filter_map(|e| e.source.as_deref())
                    .find(|w| w.eq_ignore_ascii_case(s))
                    .map_or_else(|| s.clone(), str::to_owned)
            })
            .collect();
        Asked {
            events: asked_events(&i.event_ids, &sources),
            codes: i.codes.clone(),
            article_lookup: !i.article_ids.is_empty(),
            read_as: read_as(i),
        }
    }
}

/// What a query was read as, in words (`event ID 5058, source MSExchangeKMS, words`).
pub fn read_as(i: &Interpreted) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(i.article_ids.iter().map(|a| format!("article {a}")));
    parts.extend(i.sources.iter().map(|s| format!("source {s}")));
    parts.extend(i.event_ids.iter().map(|e| format!("event ID {e}")));
    parts.extend(i.codes.iter().map(|c| format!("code {c}")));
    if !i.terms.is_empty() {
        parts.push("words".to_owned());
    }
    parts.join(", ")
}

/// Queues one search for the log (dropped, and counted, when the queue is full).
#[allow(clippy::too_many_arguments)]
pub fn searched(
    state: &AppState,
    via: Via,
    query: &str,
    asked: Asked,
    total: usize,
    hits: &[Hit],
    client: Option<IpAddr>,
    ticket: Option<&str>,
) {
    if !state.config().query_log {
        return;
    }
    let words = if query.chars().count() <= querylog::MAX_QUERY_CHARS {
        querylog::normalise(query)
    } else {
        String::new()
    };
    let record = Logged {
        at_ms: crate::db::now_ms(),
        via,
        query: query.chars().take(querylog::MAX_QUERY_CHARS).collect(),
        read_as: asked.read_as,
        words,
        events: asked.events,
        codes: asked.codes,
        article_lookup: asked.article_lookup,
        hits: total as u64,
        top: hits
            .iter()
            .take(querylog::TOP_IDS)
            .map(|h| h.card.id.clone())
            .collect(),
        client: client
            .filter(|_| state.config().log_clients)
            .map(|a| a.to_string()),
        ticket: ticket.map(str::to_owned),
    };
    if let Err(mpsc::error::TrySendError::Full(_)) = state.query_log().tx.try_send(record) {
        state.metrics().query_log_dropped("queue_full", 1);
    }
}

/// Writes what the searches queued, in batches, for as long as the server runs; waits
/// while the server has no database yet. Started once per server (a second call
/// returns at once).
pub async fn write_queries(state: AppState) {
    let taken = state
        .query_log()
        .rx
        .lock()
        .ok()
        .and_then(|mut rx| rx.take());
    let Some(mut rx) = taken else { return };
    let stop = &state.query_log().stop;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // No database yet: hold the batch (the queue fills meanwhile, and its drops are
        // counted) and look again every second.
        if !batch.is_empty() && state.db().is_err() {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                () = stop.notified() => {
                    state.metrics().query_log_dropped("database", batch.len() + rx.len());
                    return;
                }
            }
        }
        let mut stopping = tokio::select! {
            n = rx.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    return;
                }
                false
            }
            () = stop.notified() => true,
        };
        if !stopping && batch.len() < BATCH {
            tokio::select! {
                () = tokio::time::sleep(GATHER) => {}
                () = stop.notified() => stopping = true,
            }
        }
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        state.metrics().query_log_queue(rx.len());
        if let Ok(db) = state.db() {
            match querylog::write(db, &batch).await {
                Ok(()) => state.metrics().query_log_written(batch.len()),
                Err(e) => {
                    if e.is_unavailable() {
                        state.database_down(&e.to_string());
                    } else {
                        tracing::warn!("the query log could not be written: {e}");
                    }
                    state.metrics().query_log_dropped("database", batch.len());
                }
            }
            batch.clear();
        } else if stopping {
            state
                .metrics()
                .query_log_dropped("database", batch.len() + rx.len());
            return;
        }
        if stopping && rx.is_empty() {
            return;
        }
    }
}

/// Deletes what the query log holds beyond `--query-log-days`.
pub async fn prune(state: &AppState) {
    let Ok(db) = state.db() else { return };
    let keep = i64::from(state.config().query_log_days.max(1)) * DAY_MS;
    match querylog::prune(db, crate::db::now_ms() - keep).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "query log: {n} searches older than {} days deleted",
            keep / DAY_MS
        ),
        Err(e) => tracing::warn!("query log: old searches could not be deleted: {e}"),
    }
    // Sign-in sessions that ended are kept a day (for the log's sake), then go too.
    if let Err(e) = db.prune_sessions().await {
        tracing::warn!("old sign-in sessions could not be deleted: {e}");
    }
}

/// The period and size asked for: `days` (1 to 3650, default 30) and `limit` (1 to
/// 10,000, default 100).
fn period(p: &Params) -> Result<(usize, usize, i64), ApiError> {
    let days = p.number("days", DEFAULT_DAYS, 1, MAX_DAYS)?;
    let limit = p.number("limit", DEFAULT_ROWS, 1, MAX_ROWS)?;
    let since = crate::db::now_ms() - i64::try_from(days).unwrap_or(0) * DAY_MS;
    Ok((days, limit, since))
}

/// Whether the caller wants CSV: `format=csv`, or `Accept: text/csv` without `format`.
fn wants_csv(p: &Params, headers: &HeaderMap) -> Result<bool, ApiError> {
    match p.get("format") {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::bad_parameter(
            "format",
            format!("`{}` is not a format; use json or csv", clip(other)),
        )),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))),
    }
}

/// A gap with the links a reader follows from it.
#[derive(serde::Serialize)]
struct GapRow {
    #[serde(flatten)]
    gap: Gap,
    /// The search, to see what there is.
    search_url: String,
    /// A new article's Markdown, the event, source and code filled in.
    template_url: String,
}

fn gap_rows(gaps: Vec<Gap>, limit: usize) -> Vec<GapRow> {
    gaps.into_iter()
        .take(limit)
        .map(|gap| GapRow {
            search_url: search_url(&gap.demand.subject),
            template_url: template_url(&gap.demand.subject),
            gap,
        })
        .collect()
}

fn search_url(s: &Subject) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("q", &s.search_query());
    format!("/search?{}", q.finish())
}

fn template_url(s: &Subject) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    match s {
        Subject::Event { source, event_id } => {
            q.append_pair("event", &event_id.to_string());
            if let Some(source) = source {
                q.append_pair("source", source);
            }
        }
        Subject::Code { code } => {
            q.append_pair("code", code);
        }
        Subject::Words { query } => {
            q.append_pair("title", query);
        }
    }
    format!("/insights/template?{}", q.finish())
}

/// The gaps of the period, for the API and the page.
async fn read_gaps(state: &AppState, since: i64) -> Result<Vec<Gap>, ApiError> {
    let demand = querylog::demand(state.db()?, since).await?;
    let outcomes = state.outcome_table();
    state
        .on_engine(move |engine| {
            // A lookup that fails counts as named: the row then says what tickets say.
            querylog::gaps(demand, &outcomes, |s| match s {
                Subject::Event { source, event_id } => engine
                    .names(
                        crate::search::Reader::Agent,
                        Some(*event_id),
                        source.as_deref(),
                        None,
                    )
                    .unwrap_or(true),
                Subject::Code { code } => engine
                    .names(crate::search::Reader::Agent, None, None, Some(code))
                    .unwrap_or(true),
                Subject::Words { .. } => true,
            })
        })
        .await
}

/// Searched for, and not answered: events, codes and words with no hit, with no
/// recorded fix, or whose best article fails more than it fixes; most searched first.
#[utoipa::path(get, path = "/api/v1/insights/gaps", tag = "insights",
    params(
        ("days" = Option<usize>, Query, minimum = 1, maximum = 3650, description = "The period, in days back from now (default 30)."),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 10000, description = "Rows, at most (default 100)."),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`; `Accept: text/csv` also asks for CSV."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"days\", \"gaps\": [{\"reason\": \"no_hit\" | \"no_fix\" | \"not_fixed\", \"kind\": \"event\" | \"code\" | \"words\", \"source\", \"event_id\", \"code\", \"query\", \"searches\", \"days\", \"last_seen\", \"best\", \"search_url\", \"template_url\"}]}`, or the same as CSV.", content_type = "application/json"),
        (status = 400, description = "A parameter is wrong; `detail` names it.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy, or the server keeps none.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn gaps(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        viewer.agent_only()?;
        let p = Params::parse(raw.as_deref());
        let (days, limit, since) = period(&p)?;
        let csv = wants_csv(&p, &headers)?;
        let rows = gap_rows(read_gaps(&state, since).await?, limit);
        if csv {
            return Ok(csv_response("kbase-gaps.csv", gaps_csv(&rows)));
        }
        Ok::<_, ApiError>(Json(serde_json::json!({"days": days, "gaps": rows})).into_response())
    };
    super::tickets::finish(run.await)
}

/// The most searched events and codes, and the articles searches led to most.
#[utoipa::path(get, path = "/api/v1/insights/top", tag = "insights",
    params(
        ("days" = Option<usize>, Query, minimum = 1, maximum = 3650, description = "The period, in days back from now (default 30)."),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 10000, description = "Rows per list, at most (default 100)."),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`; `Accept: text/csv` also asks for CSV."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"days\", \"events\", \"codes\", \"articles\"}`, each row with `searches`, `days` and `last_seen`; or one CSV table with a `kind` column.", content_type = "application/json"),
        (status = 400, description = "A parameter is wrong; `detail` names it.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token.", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable or busy, or the server keeps none.", body = super::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn top(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let run = async {
        viewer.agent_only()?;
        let p = Params::parse(raw.as_deref());
        let (days, limit, since) = period(&p)?;
        let csv = wants_csv(&p, &headers)?;
        let top = querylog::top(state.db()?, since, limit).await?;
        if csv {
            return Ok(csv_response("kbase-top.csv", top_csv(&top)));
        }
        let mut v = serde_json::to_value(&top).unwrap_or_default();
        v["days"] = days.into();
        Ok::<_, ApiError>(Json(v).into_response())
    };
    super::tickets::finish(run.await)
}

/// One CSV cell: quoted when it holds a comma, quote or line break; a cell a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(cells: &[String]) -> String {
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The subject's columns: kind, source, event_id, code, query.
fn subject_cells(s: &Subject) -> [String; 5] {
    match s {
        Subject::Event { source, event_id } => [
            "event".into(),
            source.clone().unwrap_or_default(),
            event_id.to_string(),
            String::new(),
            String::new(),
        ],
        Subject::Code { code } => [
            "code".into(),
            String::new(),
            String::new(),
            code.clone(),
            String::new(),
        ],
        Subject::Words { query } => [
            "words".into(),
            String::new(),
            String::new(),
            String::new(),
            query.clone(),
        ],
    }
}

fn demand_cells(d: &Demand) -> [String; 3] {
    [
        d.searches.to_string(),
        d.days.to_string(),
        d.last_seen.clone(),
    ]
}

fn gaps_csv(rows: &[GapRow]) -> String {
    let mut out = csv_line(
        &[
            "reason",
            "kind",
            "source",
            "event_id",
            "code",
            "query",
            "searches",
            "days",
            "last_seen",
            "best_article",
            "fixed",
            "not_fixed",
            "search_url",
            "template_url",
        ]
        .map(String::from),
    );
    for r in rows {
        let reason = serde_json::to_value(r.gap.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut cells = vec![reason];
        cells.extend(subject_cells(&r.gap.demand.subject));
        cells.extend(demand_cells(&r.gap.demand));
        match &r.gap.best {
            Some(b) => cells.extend([
                b.article.clone(),
                b.outcomes.fixed.to_string(),
                b.outcomes.not_fixed.to_string(),
            ]),
            None => cells.extend([String::new(), String::new(), String::new()]),
        }
        cells.extend([r.search_url.clone(), r.template_url.clone()]);
        out.push_str(&csv_line(&cells));
    }
    out
}

fn top_csv(top: &Top) -> String {
    let mut out = csv_line(
        &[
            "kind",
            "source",
            "event_id",
            "code",
            "article",
            "searches",
            "days",
            "last_seen",
        ]
        .map(String::from),
    );
    for d in top.events.iter().chain(&top.codes) {
        let [kind, source, event_id, code, _] = subject_cells(&d.subject);
        let mut cells = vec![kind, source, event_id, code, String::new()];
        cells.extend(demand_cells(d));
        out.push_str(&csv_line(&cells));
    }
    for a in &top.articles {
        out.push_str(&csv_line(&[
            "article".into(),
            String::new(),
            String::new(),
            String::new(),
            a.article.clone(),
            a.searches.to_string(),
            a.days.to_string(),
            a.last_seen.clone(),
        ]));
    }
    out
}

fn csv_response(name: &str, body: String) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `/insights`: the gaps and the most searched, for an agent; a sign-in form otherwise.
pub async fn page_view(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = viewer.agent_only() {
        if e.status == StatusCode::SERVICE_UNAVAILABLE {
            return database_page(e);
        }
        return super::auth::sign_in_page(
            &state,
            &headers,
            "/insights",
            None,
            StatusCode::UNAUTHORIZED,
        );
    }
    let run = async {
        let p = Params::parse(raw.as_deref());
        let (days, limit, since) = period(&p)?;
        let gaps = gap_rows(read_gaps(&state, since).await?, limit);
        let top = querylog::top(state.db()?, since, 20).await?;
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("days", &days.to_string());
        let period = q.finish();
        let (csrf, new_cookie) = super::forms::csrf_token(&headers);
        let mut r = page(
            &state,
            StatusCode::OK,
            "insights.html",
            context! { days, gaps, top, period, csrf, q => "" },
        );
        super::forms::set_csrf_cookie(&mut r, new_cookie.as_deref(), &state);
        Ok::<_, ApiError>(r)
    };
    run.await.unwrap_or_else(database_page)
}

/// The page for insights that cannot be read: the database is out of reach (or the
/// server keeps none), or another error, as a page.
fn database_page(e: ApiError) -> Response {
    if e.status != StatusCode::SERVICE_UNAVAILABLE {
        return super::html::PageError::from(e).into_response();
    }
    super::html::PageError::refused(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("The insights cannot be read just now: {}.", e.detail),
        Some(30),
    )
    .into_response()
}

/// `/insights/template?event=&source=&code=&title=`: a new article's Markdown to
/// download, with the event, source and code filled in, ready for `articles/`.
pub async fn template(viewer: super::auth::Viewer, RawQuery(raw): RawQuery) -> Response {
    let run = async {
        viewer.agent_only()?;
        let p = Params::parse(raw.as_deref());
        let event =
            match p.get("event") {
                None | Some("") => None,
                Some(e) => Some(e.trim().parse::<u32>().ok().filter(|&e| e > 0).ok_or_else(
                    || ApiError::bad_parameter("event", "an event ID from 1 to 4294967295"),
                )?),
            };
        let source = p
            .get("source")
            .map(str::trim)
            .filter(|s| !s.is_empty() && event.is_some());
        let code = p
            .get("code")
            .and_then(|c| crate::extract::codes(c).into_iter().next());
        let title = p.get("title").map(str::trim).filter(|t| !t.is_empty());
        let text = new_article(
            event,
            source,
            code.as_deref(),
            title,
            &crate::db::rfc3339(crate::db::now_ms())[..10],
        );
        let name = match (event, &code) {
            (Some(e), _) => format!("new-event-{e}.md"),
            (None, Some(c)) => format!("new-{}.md", c.to_lowercase()),
            _ => "new-article.md".to_owned(),
        };
        let mut r = (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            text,
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        Ok::<_, ApiError>(r)
    };
    super::tickets::finish(run.await)
}

/// A YAML string: quoted, so that any source name or title reads back as written.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The Markdown of a new article about `event` (and `source`), `code` or `title`: the
/// front matter filled in, the sections to write.
fn new_article(
    event: Option<u32>,
    source: Option<&str>,
    code: Option<&str>,
    title: Option<&str>,
    today: &str,
) -> String {
    let title = match (title, event, source, code) {
        (Some(t), ..) => t.to_owned(),
        (None, Some(e), Some(s), _) => format!("{s} Event ID {e}"),
        (None, Some(e), None, _) => format!("Event ID {e}"),
        (None, None, _, Some(c)) => format!("Error {c}"),
        _ => "New article".to_owned(),
    };
    let mut front = format!(
        "---\n# Give the article its id (and name the file after it), then write each section.\nid: NEW-ARTICLE\ntitle: {}\npublished: {today}\nupdated: {today}\n",
        yaml_str(&title)
    );
    if let Some(e) = event {
        front.push_str(&format!("events:\n  - id: {e}\n"));
        if let Some(s) = source {
            front.push_str(&format!("    source: {}\n", yaml_str(s)));
        }
    }
    if let Some(c) = code {
        front.push_str(&format!("codes: [{}]\n", yaml_str(c)));
    }
    front.push_str("---\n\n## Symptoms\n\nWhat the technician sees: the event's text, the message, when it happens.\n\n## Cause\n\nWhy it happens.\n\n## Resolution\n\nThe steps that fix it.\n\n## More information\n\nBackground, related articles.\n");
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("-1"), "'-1");
    }

    #[test]
    fn a_new_article_carries_its_event_and_code_and_passes_the_checks() {
        let text = new_article(
            Some(5058),
            Some("MSExchange: KMS"),
            Some("0x80070005"),
            None,
            "2026-12-02",
        );
        assert!(
            text.contains("  - id: 5058\n    source: \"MSExchange: KMS\"\n"),
            "{text}"
        );
        assert!(text.contains("codes: [\"0x80070005\"]"), "{text}");
        let parsed = crate::article::parse(&text);
        assert!(
            parsed.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            parsed.diagnostics
        );
        let article = parsed.article.expect("the template parses");
        assert_eq!(article.front.events[0].id.0, 5058);
        assert_eq!(article.title(), "MSExchange: KMS Event ID 5058");
    }
}
