//! The web pages (DESIGN §6): HTML rendered from the templates, usable without
//! JavaScript, with the same data as the JSON API.
//!
//! Handlers gather data from the engine and hand it to a template; every value is
//! escaped by the template engine unless the template marks it safe (sanitised article
//! HTML, escaped snippets). A page's errors are pages too ([`PageError`]: a 404 searches
//! for what was typed, an internal fault shows nothing of itself); the API keeps its
//! problem+json.

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};

use super::auth::Viewer;
use super::error::ApiError;
use super::html::{page, redirect, PageError};
use super::insights::Asked;
use super::layers::ClientAddr;
use super::params::Params;
use super::AppState;
use crate::article::{self, section::slug};
use crate::db::querylog::Via;
use crate::search::lookup::ArticleView;
use crate::search::{query, SearchRequest, MAX_OFFSET};

/// Example queries on the start page.
const EXAMPLES: &[&str] = &[
    "event id 5058",
    "MSExchangeIS 1000",
    "0x80070005",
    "STOP 0x0000007B",
    "Q190698",
];

/// Hits per results page.
const PAGE: usize = 10;

/// What a page handler answers.
type PageResult = Result<Response, PageError>;

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

/// `/search?q=`: results with their fixes, facets, pages; one article id goes straight
/// to the article.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    client: Option<Extension<ClientAddr>>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let p = Params::parse(raw.as_deref());
    let q = p.get("q").unwrap_or("").trim().to_owned();
    let filtered = p.filtered();
    if !filtered && !q.contains(char::is_whitespace) {
        if let Some(id) = query::article_id(&q) {
            return Ok(redirect(
                StatusCode::SEE_OTHER,
                article::permalink(&id, None),
            ));
        }
    }
    if q.is_empty() && !filtered {
        return Ok(home(State(state)).await);
    }
    let keep = |e: ApiError| PageError::from(e).with_query(&q);
    let mut req = p.search_request(PAGE).map_err(keep)?;
    req.q.clone_from(&q);
    req.reader = viewer.reader;
    let offset = req.offset;
    // The API's search (ranked with what tickets recorded); suggestions when it found
    // nothing.
    let mut response = state.search(req).await.map_err(keep)?;
    let suggestions = if response.total == 0 {
        let q = q.clone();
        state
            .on_engine(move |engine| engine.suggestions(viewer.reader, &q))
            .await
            .map_err(keep)?
    } else {
        Vec::new()
    };
    let asked = Asked::of(&response.interpreted, &response.hits);
    state.annotate(&mut response.hits, &asked.events, &asked.codes);
    state.metrics().search(response.total);
    super::insights::searched(
        &state,
        Via::Search,
        &q,
        asked,
        response.total,
        &response.hits,
        client.map(|c| c.0 .0),
        None,
    );
    let shown = offset + response.hits.len();
    let prev_url = (offset > 0).then(|| p.page_url("/search", offset.saturating_sub(PAGE)));
    let next_url =
        (shown < response.total && shown < MAX_OFFSET).then(|| p.page_url("/search", shown));
    Ok(page(
        &state,
        StatusCode::OK,
        "search.html",
        context! {
            q,
            total => response.total,
            total_exact => response.total_exact,
            offset,
            // A query of words alone says nothing worth a line.
            understood => if response.interpreted.only_words() {
                String::new()
            } else {
                response.interpreted.in_words()
            },
            matched => response.interpreted.event_ids,
            hits => response.hits,
            facets => response.facets,
            suggestions,
            did_you_mean => response.did_you_mean,
            partial => response.partial,
            prev_url,
            next_url,
            filter_text => p.filter_text(),
        },
    ))
}

/// What the article page shows beyond the API's fields: product slugs, what tickets
/// recorded, the "Did this fix it?" form, the texts of "Copy for ticket".
struct ArticleExtras<'a> {
    base_url: &'a str,
    lifecycle: Option<Value>,
    outcomes: Option<crate::db::links::Outcomes>,
    event_outcomes: Vec<Value>,
    csrf: &'a str,
    answered: Option<&'a str>,
    feedback: bool,
}

/// The article page's view: the API's fields plus product slugs.
fn article_context(view: &ArticleView, extras: &ArticleExtras<'_>) -> Value {
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
        base_url => extras.base_url,
        q => "",
        outcomes => extras.outcomes,
        event_outcomes => extras.event_outcomes,
        csrf => extras.csrf,
        answered => extras.answered,
        feedback => extras.feedback,
        copy => ticket_copy(view, extras.base_url),
        lifecycle => extras.lifecycle,
        keywords => keywords(&view.front.keywords),
    }
}

/// An article's keywords split into words and the legacy archive's keyword codes
/// (`kbExchange550`, `winnt`-style lower-case run-ons of product and version), which
/// are identifiers to search by, not words to read.
fn keywords(all: &[String]) -> Value {
    let is_code = |k: &str| {
        let kb_code = k.len() > 2
            && k.starts_with("kb")
            && k[2..].starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit());
        let run_on = !k.contains(' ')
            && k.chars().any(|c| c.is_ascii_digit())
            && k.chars().any(|c| c.is_ascii_alphabetic());
        kb_code || run_on
    };
    let (codes, words): (Vec<&String>, Vec<&String>) = all.iter().partition(|k| is_code(k));
    context! { codes, words }
}

/// "Copy for ticket": the title, the permalink of the fix (or of the article) and the
/// fix's first lines, as plain text, Markdown and HTML.
fn ticket_copy(view: &ArticleView, base_url: &str) -> Value {
    let title = format!("{}: {}", view.front.id, view.front.title);
    let (url, fix) = match &view.fix {
        Some(f) => {
            let lines: Vec<&str> = f
                .text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(3)
                .collect();
            (
                format!("{base_url}{}", f.url),
                Some((f.heading.clone(), lines.join(" "))),
            )
        }
        None => (format!("{base_url}{}", view.url), None),
    };
    let mut text = format!("{title}\n{url}\n");
    let md_title: String = title
        .chars()
        .flat_map(|c| {
            let escape = matches!(c, '[' | ']' | '\\' | '*' | '_' | '`');
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect();
    let mut markdown = format!("[{md_title}]({url})\n");
    let esc = article::render::escape_html;
    let mut html = format!("<p><a href=\"{}\">{}</a></p>", esc(&url), esc(&title));
    if let Some((heading, fix)) = fix {
        let heading = if heading.is_empty() {
            "Fix".to_owned()
        } else {
            heading
        };
        text.push_str(&format!("{heading}: {fix}\n"));
        markdown.push_str(&format!("\n> **{heading}:** {fix}\n"));
        html.push_str(&format!(
            "<blockquote><p><strong>{}:</strong> {}</p></blockquote>",
            esc(&heading),
            esc(&fix)
        ));
    }
    context! { text, markdown, html }
}

/// The first sentence of `text` (all of it when it has one).
fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_owned(),
        None => text.to_owned(),
    }
}

/// `/kb/{id}`: the article. `answered` (`yes`, `no`) thanks the reader who just answered
/// "Did this fix it?".
pub fn article(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: &str,
    answered: Option<&str>,
) -> PageResult {
    let view = state.engine()?.article(viewer.reader, id)?.ok_or_else(|| {
        PageError::not_found("No article has this id", &article::permalink(id, None), id)
    })?;
    // The permalink is the canonical id; other spellings redirect to it.
    if view.front.id.as_str() != id {
        return Ok(redirect(StatusCode::MOVED_PERMANENTLY, view.url.clone()));
    }
    let table = state.outcome_table();
    let event_outcomes: Vec<Value> = table
        .article_events(id)
        .into_iter()
        .filter(|(_, o)| o.fixed > 0)
        .map(|((source, event), o)| {
            // The source as the article writes it (the counts keep it lower-cased).
            let source = source.map(|s| {
                view.front
                    .events
                    .iter()
                    .filter_map(|e| e.source.as_deref())
                    .find(|w| w.eq_ignore_ascii_case(&s))
                    .map_or(s.clone(), str::to_owned)
            });
            context! { source, event, fixed => o.fixed }
        })
        .collect();
    let (csrf, new_cookie) = super::forms::csrf_token(headers);
    let base_url = base_url(state, headers);
    let extras = ArticleExtras {
        base_url: &base_url,
        lifecycle: lifecycle(&view, viewer, state.engine()?.today()),
        outcomes: table.article(id),
        event_outcomes,
        csrf: &csrf,
        answered: answered.filter(|a| *a == "yes" || *a == "no"),
        feedback: state.db().is_ok() && !csrf.is_empty(),
    };
    let ctx = article_context(&view, &extras);
    let mut response = page(state, StatusCode::OK, "article.html", ctx);
    super::forms::set_csrf_cookie(&mut response, new_cookie.as_deref(), state);
    Ok(response)
}

/// What the article page's banners say to an agent: draft, retired, expired, internal,
/// due for review. `None` for anonymous readers (who see only what needs none) and for
/// an article with nothing to say.
fn lifecycle(view: &ArticleView, viewer: &Viewer, today: article::Date) -> Option<Value> {
    if !viewer.is_agent() {
        return None;
    }
    let f = &view.front;
    let draft = f.status == Some(article::Status::Draft);
    let retired = f.status == Some(article::Status::Retired);
    let expired = f.valid_to.is_some_and(|d| d < today);
    let internal = f.visibility == Some(article::Visibility::Internal);
    let due = f.review_by.is_some_and(|d| d <= today);
    (draft || retired || expired || internal || due)
        .then(|| context! { draft, retired, expired, internal, due })
}

/// `/review`: for agents, the articles due for review, by owner, with what tickets
/// recorded of each, so that an owner sees which to fix first.
pub async fn review(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap) -> Response {
    if let Err(e) = viewer.agent_only() {
        if e.status == StatusCode::SERVICE_UNAVAILABLE {
            return PageError::from(e).into_response();
        }
        return super::auth::sign_in_page(
            &state,
            &headers,
            "/review",
            None,
            StatusCode::UNAUTHORIZED,
        );
    }
    let run = || -> PageResult {
        let engine = state.engine()?;
        let today = engine.today();
        let due = engine.review_due(viewer.reader, today)?;
        let table = state.outcome_table();
        let mut by_owner: std::collections::BTreeMap<(bool, String), Vec<Value>> =
            std::collections::BTreeMap::new();
        let mut rows: Vec<(
            crate::db::links::Outcomes,
            crate::search::browse::ReviewItem,
        )> = due
            .into_iter()
            .map(|i| (table.article(&i.card.id).unwrap_or_default(), i))
            .collect();
        // Those tickets say did not fix first, then the most used, then the longest due.
        rows.sort_by(|(a, x), (b, y)| {
            b.not_fixed
                .cmp(&a.not_fixed)
                .then((b.fixed + b.not_fixed + b.related).cmp(&(a.fixed + a.not_fixed + a.related)))
                .then(x.due.cmp(&y.due))
        });
        for (outcomes, item) in rows {
            let owner = item.owner.clone().unwrap_or_default();
            by_owner
                .entry((owner.is_empty(), owner))
                .or_default()
                .push(context! { outcomes, ..Value::from_serialize(&item) });
        }
        let owners: Vec<Value> = by_owner
            .into_iter()
            .map(|((_, owner), items)| context! { owner, items })
            .collect();
        Ok(page(
            &state,
            StatusCode::OK,
            "review.html",
            context! { owners, today => today.to_string(), q => "" },
        ))
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

/// `/feed.atom`: the articles added or changed last, as an Atom feed: the public ones
/// for anyone, every one for an agent (a token or a signed-in browser).
pub async fn feed(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap) -> Response {
    let run = || -> Result<Response, ApiError> {
        let engine = state.engine()?;
        let items = engine.recent(viewer.reader)?;
        let updated = items
            .first()
            .map_or_else(|| engine.today().to_string(), |i| i.changed.clone());
        let xml = state
            .templates()
            .render(
                "feed.xml",
                context! {
                    base_url => base_url(&state, &headers),
                    items,
                    updated,
                    agent => viewer.is_agent(),
                },
            )
            .map_err(|e| ApiError::internal(crate::error::chain(&e)))?;
        let mut r = (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            xml,
        )
            .into_response();
        // What the feed lists depends on who asks: caches must not share it.
        r.headers_mut().insert(
            header::VARY,
            axum::http::HeaderValue::from_static("authorization, cookie"),
        );
        Ok(r)
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

/// `/events/{id}?source=`: every article naming an event ID, by source.
pub async fn event(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let p = Params::parse(raw.as_deref());
    let event_id = id
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            PageError::bad_request("Event IDs are whole numbers from 1 to 4294967295.")
                .with_query(&id)
        })?;
    let ev = state
        .engine()?
        .events(viewer.reader, event_id, p.get("source"))?;
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
    Ok(page(
        &state,
        StatusCode::OK,
        "event.html",
        context! {
            ev => context! { event_id => ev.event_id, source => ev.source, total => ev.total, sources => groups },
            matched => vec![event_id],
            q => "",
        },
    ))
}

/// `/events?source=`: the event IDs known, a row per source with how many articles
/// explain each; `source` keeps the sources whose name holds it.
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let p = Params::parse(raw.as_deref());
    let filter = p.get("source").map(str::trim).unwrap_or("").to_owned();
    let engine = state.engine()?;
    let list = engine.event_list(viewer.reader)?;
    let wanted = filter.to_lowercase();
    let rows: Vec<Value> = list
        .iter()
        .filter(|g| {
            wanted.is_empty()
                || g.source
                    .as_deref()
                    .is_some_and(|s| s.to_lowercase().contains(&wanted))
        })
        .map(|g| {
            let ids: Vec<Value> = g
                .ids
                .iter()
                .zip(&g.counts)
                .map(|(id, n)| context! { id, n })
                .collect();
            context! { source => g.source, ids }
        })
        .collect();
    let mut all: Vec<u32> = list.iter().flat_map(|s| s.ids.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    Ok(page(
        &state,
        StatusCode::OK,
        "events.html",
        context! { rows, sources_total => list.len(), total => all.len(), filter, q => "" },
    ))
}

/// The family a product belongs to on `/products`: its first word after "Microsoft"
/// (`Microsoft Exchange Server 5.5` is Exchange, `Microsoft Windows NT Server` Windows).
fn product_family(name: &str) -> String {
    let rest = name
        .trim()
        .strip_prefix("Microsoft ")
        .unwrap_or(name.trim())
        .trim_start();
    rest.split_whitespace()
        .next()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "Other".to_owned())
}

/// `/products?q=`: every product with how many articles apply to it, grouped by
/// family (the largest first); `q` keeps the products whose name holds it.
pub async fn products(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let p = Params::parse(raw.as_deref());
    let filter = p.get("q").map(str::trim).unwrap_or("").to_owned();
    let wanted = filter.to_lowercase();
    let engine = state.engine()?;
    let products = engine.products(viewer.reader)?;
    let mut families: std::collections::BTreeMap<String, (u64, Vec<Value>)> =
        std::collections::BTreeMap::new();
    let mut shown = 0usize;
    for x in products
        .iter()
        .filter(|x| wanted.is_empty() || x.name.to_lowercase().contains(&wanted))
    {
        let family = families.entry(product_family(&x.name)).or_default();
        family.0 += x.count;
        family.1.push(Value::from_serialize(x));
        shown += 1;
    }
    let mut families: Vec<(String, (u64, Vec<Value>))> = families.into_iter().collect();
    families.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
    let families: Vec<Value> = families
        .into_iter()
        .map(|(name, (_, products))| context! { name, anchor => slug(&name), products })
        .collect();
    Ok(page(
        &state,
        StatusCode::OK,
        "products.html",
        context! { families, shown, total => products.len(), filter, q => "" },
    ))
}

/// `/products/{slug}`: the articles of one product.
pub async fn product(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(wanted): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let p = Params::parse(raw.as_deref());
    let engine = state.engine()?;
    let name = engine
        .products(viewer.reader)?
        .iter()
        .find(|x| x.slug == wanted)
        .map(|x| x.name.clone())
        .ok_or_else(|| {
            PageError::not_found(
                "No product has this name",
                &format!("/products/{wanted}"),
                &wanted.replace('-', " "),
            )
        })?;
    let offset = p.number("offset", 0, 0, MAX_OFFSET).unwrap_or(0);
    let mut req = SearchRequest::new("");
    req.product = Some(name.clone());
    req.limit = PAGE;
    req.offset = offset;
    req.facets = false;
    req.reader = viewer.reader;
    let r = engine.search(&req)?;
    let base = format!("/products/{wanted}");
    let shown = offset + r.hits.len();
    let at = |o: usize| {
        if o == 0 {
            base.clone()
        } else {
            format!("{base}?offset={o}")
        }
    };
    Ok(page(
        &state,
        StatusCode::OK,
        "product.html",
        context! {
            product => name,
            total => r.total,
            offset,
            hits => r.hits,
            matched => Vec::<u32>::new(),
            prev_url => (offset > 0).then(|| at(offset.saturating_sub(PAGE))),
            next_url => (shown < r.total).then(|| at(shown)),
            q => "",
        },
    ))
}

/// `/eventviewer`: the target of Event Viewer's "Event Log Online Help" link. Goes to the
/// one article whose source and event ID match (at its fix), else to the event's page
/// for that source when several match, else to the event's page.
pub async fn eventviewer(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = Params::parse(raw.as_deref());
    let get = |name: &str| {
        p.get_ignore_case(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let source = get("EvtSrc");
    let to = |url: String| redirect(StatusCode::FOUND, url);
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let Some(id) = get("EvtID").and_then(|v| v.parse::<u32>().ok()) else {
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
        .and_then(|e| e.events(viewer.reader, id, Some(source)).ok());
    match found {
        Some(ev) if ev.total == 1 => {
            let a = ev.sources.into_iter().flat_map(|g| g.articles).next();
            match a {
                Some(a) => to(a.fix.map_or(a.card.url, |f| f.url)),
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
        Err(e) => ApiError::internal(crate::error::chain(&e)).into_response(),
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
        None => ApiError::not_found("not_found", "no such file").into_response(),
    }
}

/// Unknown paths: a page that searches for the words of the path for a browser, a
/// problem+json 404 for everything else.
pub async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let path = uri.path();
    if !wants_html || path.starts_with("/api/") {
        return ApiError::not_found("not_found", "no such resource").into_response();
    }
    let decoded = percent_decode(path);
    let words: String = decoded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !is_path_stopword(w))
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    PageError::not_found("Page not found", path, &words).into_response()
}

/// Words of a mistyped path that say nothing of what was wanted: English function words
/// and the furniture of web addresses (`/how-to-fix-the-error.html`).
const PATH_STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "if", "in", "is", "it", "my", "of", "on", "or", "the", "this", "to", "what", "when",
    "where", "why", "with", "you", "your", "htm", "html", "php", "asp", "aspx", "index", "www",
    "http", "https", "com",
];

/// Whether `word` is one of [`PATH_STOPWORDS`], in any case.
fn is_path_stopword(word: &str) -> bool {
    PATH_STOPWORDS.iter().any(|s| s.eq_ignore_ascii_case(word))
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::is_path_stopword;

    #[test]
    fn a_paths_function_words_are_not_searched_for() {
        let words: Vec<&str> = "how-to-fix-the-spooler-error.html"
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !is_path_stopword(w))
            .collect();
        assert_eq!(words, ["fix", "spooler", "error"]);
        assert!(is_path_stopword("The"));
    }
}
