//! The web pages through the router: each page's HTML (snapshots), escaping of what
//! users and articles bring, the Event Viewer redirect, the 404 page, template folders.

use std::fs;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use kbase::server::{self, AppState};

use crate::fixture;
use crate::server::{send, Answer, Site};

/// The server's site plus the browser fixtures (hostile markup, a second event).
async fn app() -> (Site, Router) {
    let site = Site::new();
    for name in ["Q300100.md", "Q300101.md"] {
        fs::copy(
            fixture(&format!("browser/{name}")),
            site.articles.join(name),
        )
        .unwrap();
    }
    let app = site.app().await;
    (site, app)
}

async fn page(app: &Router, uri: &str) -> Answer {
    send(
        app,
        Request::get(uri)
            .header(header::ACCEPT, "text/html")
            .header(header::HOST, "kb.example.com")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Asserts an HTML page and returns its text.
fn html(a: &Answer, status: u16) -> String {
    assert_eq!(a.status.as_u16(), status, "{}", a.text());
    assert!(a.header("content-type").starts_with("text/html"));
    let csp = a.header("content-security-policy");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    a.text()
}

#[tokio::test]
async fn every_page_renders() {
    let (_site, app) = app().await;
    for (name, uri) in [
        ("home", "/"),
        ("search_event_5058", "/search?q=event+id+5058"),
        ("search_no_results", "/search?q=kmsdxxa+zzyzzx"),
        ("article_q190698", "/kb/Q190698"),
        ("event_1000", "/events/1000"),
        ("events", "/events"),
        ("products", "/products"),
        ("product_exchange", "/products/microsoft-exchange-server"),
        ("not_found", "/no/such/page"),
    ] {
        let status = if name == "not_found" { 404 } else { 200 };
        let text = html(&page(&app, uri).await, status);
        insta::assert_snapshot!(format!("page_{name}"), text);
    }
}

#[tokio::test]
async fn results_show_the_fix_inline_and_filter_by_facets() {
    let (_site, app) = app().await;
    let text = html(&page(&app, "/search?q=event+id+5058").await, 200);
    assert!(
        text.contains("href=\"&#x2f;kb&#x2f;Q190698\"") || text.contains("href=\"/kb/Q190698\"")
    );
    assert!(text.contains("Restore the Kmsdata directory from an offline backup."));
    assert!(text.contains("<mark>5058</mark>"));
    let filtered = html(
        &page(&app, "/search?q=1000&product=Microsoft+Exchange+Server").await,
        200,
    );
    assert!(filtered.contains("Q300001") && !filtered.contains("Q300002"));
    assert!(filtered.contains("product: Microsoft Exchange Server"));
}

#[tokio::test]
async fn an_article_id_query_goes_to_the_article() {
    let (_site, app) = app().await;
    for q in ["Q190698", "kb190698", "%20Q190698%20"] {
        let a = page(&app, &format!("/search?q={q}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{q}");
        assert_eq!(a.header("location"), "/kb/Q190698");
    }
    let a = page(&app, "/search?q=Q190698+kmsdata").await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn the_article_page_links_sections_and_previews() {
    let (_site, app) = app().await;
    let text = html(&page(&app, "/kb/Q190698").await, 200);
    for needle in [
        "<section id=\"workaround\"",
        "data-permalink=\"&#x2f;kb&#x2f;Q190698#workaround\"",
        "<link rel=\"canonical\" href=\"http:&#x2f;&#x2f;kb.example.com&#x2f;kb&#x2f;Q190698\">",
        "<meta property=\"og:description\" content=\"Restore the Kmsdata directory from an offline backup.\">",
        "Referenced by",
        "Q300001",
        ".md\">Markdown</a>",
    ] {
        assert!(text.contains(needle), "{needle} not in the page");
    }
    // Any other spelling of the id redirects to the permalink.
    let a = page(&app, "/kb/q190698").await;
    assert_eq!(a.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(a.header("location"), "/kb/Q190698");
    html(&page(&app, "/kb/Q404404").await, 404);
}

#[tokio::test]
async fn hostile_markup_and_template_syntax_stay_inert() {
    let (_site, app) = app().await;
    let text = html(&page(&app, "/kb/Q300100").await, 200);
    let lower = text.to_lowercase();
    // The only script is kbase's own file.
    assert_eq!(lower.matches("<script").count(), 1, "{text}");
    assert!(lower.contains("<script src=\"/static/kbase.js\" defer>"));
    // No tag carries an event handler or a script URL (hostile text shown escaped is
    // fine: it is text).
    let handler = regex::Regex::new(r#"<[a-z][^>]*\son[a-z]+\s*="#).unwrap();
    assert!(!handler.is_match(&lower), "an event handler survived");
    for bad in ["href=\"javascript:", "<iframe", "<style", "<svg"] {
        assert!(!lower.contains(bad), "{bad} survived");
    }
    // Template syntax in an article is text, not evaluated.
    assert!(text.contains("{{ 7*7 }}") && !text.contains(">49<"));
    assert!(text.contains("{% include"));
    assert!(text.contains("&lt;script&gt;document.title="));
    // The echoed query is escaped.
    let q = html(
        &page(&app, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await,
        200,
    );
    assert!(q.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert_eq!(q.to_lowercase().matches("<script").count(), 1);
}

#[tokio::test]
async fn event_viewer_links_go_to_the_fix() {
    let (_site, app) = app().await;
    let cases = [
        // One article for this source + ID: its fix.
        (
            "/eventviewer?EvtSrc=MSExchangeKMS&EvtID=5058&ProdName=Microsoft+Exchange&ProdVer=5.5&LCID=1033",
            "/kb/Q190698#workaround",
        ),
        // Parameter names in any case; unknown ones ignored.
        (
            "/eventviewer?evtsrc=Userenv&EVTID=1030&FileName=x&FileVer=1",
            "/kb/Q300101#resolution",
        ),
        // No article names this source: the event's page.
        ("/eventviewer?EvtSrc=Other&EvtID=1000", "/events/1000"),
        // Two articles, one per source: the source decides.
        (
            "/eventviewer?EvtSrc=MSExchangeDS&EvtID=1000",
            "/kb/Q300002#workaround",
        ),
        ("/eventviewer?EvtID=1000", "/events/1000"),
        ("/eventviewer?EvtSrc=Userenv", "/search?q=Userenv"),
    ];
    for (uri, to) in cases {
        let a = page(&app, uri).await;
        assert_eq!(a.status, StatusCode::FOUND, "{uri}");
        assert_eq!(a.header("location"), to, "{uri}");
    }
}

#[tokio::test]
async fn several_articles_for_one_source_go_to_the_filtered_event_page() {
    let site = Site::new();
    fs::write(
        site.articles.join("Q300003.md"),
        crate::server::CITING
            .replace("Q300001", "Q300003")
            .replace("After Restore", "After Upgrade"),
    )
    .unwrap();
    let app = site.app().await;
    let a = page(&app, "/eventviewer?EvtSrc=MSExchangeIS&EvtID=1000").await;
    assert_eq!(a.header("location"), "/events/1000?source=MSExchangeIS");
    let text = html(&page(&app, "/events/1000?source=MSExchangeIS").await, 200);
    assert!(text.contains("Q300001") && text.contains("Q300003") && !text.contains("Q300002"));
}

#[tokio::test]
async fn the_404_page_searches_for_what_was_typed() {
    let (_site, app) = app().await;
    let text = html(&page(&app, "/kmsdata-directory").await, 404);
    assert!(text.contains("Page not found"));
    assert!(
        text.contains("Q190698"),
        "no search results on the 404 page"
    );
    // Clients that do not ask for HTML get the API's problem.
    let a = send(
        &app,
        Request::get("/kmsdata-directory")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    a.assert_problem(404, "not_found");
}

#[tokio::test]
async fn opensearch_and_static_files() {
    let (_site, app) = app().await;
    let a = page(&app, "/opensearch.xml").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a
        .header("content-type")
        .starts_with("application/opensearchdescription+xml"));
    let xml = a.text().replace("&#x2f;", "/");
    assert!(xml.contains("template=\"http://kb.example.com/search?q={searchTerms}\""));
    for (file, ty) in [
        ("kbase.css", "text/css"),
        ("kbase.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let a = page(&app, &format!("/static/{file}")).await;
        assert_eq!(a.status, StatusCode::OK, "{file}");
        assert!(a.header("content-type").starts_with(ty), "{file}");
    }
    for bad in ["/static/..%2FCargo.toml", "/static/base.html", "/static/"] {
        assert_eq!(page(&app, bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn a_templates_folder_restyles_and_a_broken_one_is_refused() {
    let site = Site::new();
    let dir = site._tmp.path().join("templates");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("home.html"),
        "{% extends \"base.html\" %}{% block main %}<p class=\"custom\">Our helpdesk</p>{% endblock %}",
    )
    .unwrap();
    let mut config = site.config();
    config.templates = dir.clone();
    let state = site.state_with(config.clone()).await;
    let app = server::router(state.clone());
    let text = html(&page(&app, "/").await, 200);
    assert!(text.contains("<p class=\"custom\">Our helpdesk</p>"));
    // Broken while serving: the last good templates stay.
    fs::write(
        dir.join("home.html"),
        "{% block main %}{{ 1 + }}{% endblock %}",
    )
    .unwrap();
    state.reload_templates();
    assert!(html(&page(&app, "/").await, 200).contains("Our helpdesk"));
    drop(app);
    drop(state);
    // Broken at start: refused with the file and line.
    let e = AppState::new(config)
        .err()
        .expect("a broken template refused")
        .to_string();
    assert!(e.contains("home.html:1"), "{e}");
}

#[tokio::test]
async fn code_and_event_searches_mark_the_code_or_id_in_the_snippet() {
    let (_site, app) = app().await;
    for (q, mark) in [
        ("0x80070005", "<mark>0x80070005</mark>"),
        ("80070005", "<mark>0x80070005</mark>"),
        ("Userenv 1030", "<mark>1030</mark>"),
    ] {
        let v = crate::server::get(&app, &format!("/api/v1/search?q={}", q.replace(' ', "+")))
            .await
            .json();
        assert_eq!(v["hits"][0]["id"], "Q300101", "{q}");
        let snippet = v["hits"][0]["snippet"].as_str().unwrap();
        assert!(snippet.contains(mark), "{q}: {snippet}");
    }
}

/// A log that tests read back: what the server wrote through `tracing`.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

#[tokio::test]
async fn an_internal_error_on_any_page_shows_nothing_of_it_and_goes_to_the_log() {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let site = Site::new();
    let state = site.state_with(site.config()).await;
    let app = server::router(state.clone());
    // Each page works before the fault.
    let pages = [
        "/search?q=kms+directory",
        "/search?q=event+id+5058",
        "/kb/Q190698",
        "/events/5058",
        "/events",
        "/products",
        "/products/microsoft-exchange-server",
    ];
    for uri in pages {
        html(&page(&app, uri).await, 200);
    }
    let secret = "SECRET-CAUSE: offset not in buffer of /var/lib/kbase/index/g1/0001.store";
    state.engine().unwrap().inject_read_fault(secret);
    for uri in pages {
        let a = page(&app, uri).await;
        let text = html(&a, 500);
        for leak in ["SECRET", "/var/lib", ".store", "offset not in buffer"] {
            assert!(!text.contains(leak), "{uri} shows `{leak}`: {text}");
        }
        assert!(text.contains("Something went wrong"), "{uri}: {text}");
        let id = a.header("x-request-id");
        assert!(
            !id.is_empty() && text.contains(id),
            "{uri}: no request id {id}"
        );
        let logged = log.text();
        assert!(
            logged
                .lines()
                .any(|l| l.contains("SECRET-CAUSE") && l.contains(id)),
            "{uri}: the cause is logged with the request id {id}: {logged}"
        );
    }
}

#[tokio::test]
async fn while_the_index_loads_pages_say_so_and_keep_the_query() {
    let site = Site::new();
    let app = server::router(AppState::new(site.config()).unwrap());
    let a = page(&app, "/search?q=event+id+5058").await;
    let text = html(&a, 503);
    assert_eq!(a.header("retry-after"), "1");
    assert!(text.contains("kbase is starting"), "{text}");
    assert!(text.contains("value=\"event id 5058\""), "{text}");
    assert!(!text.contains("Not found"), "{text}");
    for uri in ["/kb/Q190698", "/events/5058", "/events", "/products"] {
        let text = html(&page(&app, uri).await, 503);
        assert!(text.contains("kbase is starting"), "{uri}: {text}");
    }
}

#[tokio::test]
async fn a_bad_parameter_on_a_page_says_which_and_keeps_the_query() {
    let (_site, app) = app().await;
    let text = html(&page(&app, "/search?q=spooler&offset=many").await, 400);
    assert!(text.contains("offset: must be a whole number"), "{text}");
    assert!(text.contains("value=\"spooler\""), "{text}");
    let text = html(&page(&app, "/events/notanumber").await, 400);
    assert!(
        text.contains("Event IDs are whole numbers from 1 to 4294967295"),
        "{text}"
    );
}

#[tokio::test]
async fn the_not_found_page_searches_the_paths_words_without_its_stopwords() {
    let (_site, app) = app().await;
    let text = html(
        &page(&app, "/how-to-restore-the-kmsdata-directory.html").await,
        404,
    );
    assert!(
        text.contains("Search for <q>restore kmsdata directory</q>"),
        "{text}"
    );
    assert!(
        text.contains("Event ID 5058"),
        "the article is offered: {text}"
    );
}

#[tokio::test]
async fn products_count_articles_by_family_and_filter_and_events_filter_by_source() {
    let site = Site::new();
    // One article listing one product twice (two version lines) counts once.
    fs::write(
        site.articles.join("Q300200.md"),
        "---\nid: Q300200\ntitle: Store Fails On Two Versions\nproducts:\n  - name: Microsoft Exchange Server\n    versions: [\"5.0\"]\n  - name: Microsoft Exchange Server\n    versions: [\"5.5\"]\n  - name: Microsoft Windows NT Server\nevents:\n  - id: 1000\n    source: MSExchangeIS\n---\n\n## Resolution\n\nRestart the store.\n",
    )
    .unwrap();
    let app = site.app().await;
    let all = html(&page(&app, "/products").await, 200);
    // Q190698, Q300001 and Q300200 apply to Exchange: 3 articles, not 4 entries.
    assert!(
        all.contains(
            r#"microsoft-exchange-server">Microsoft Exchange Server</a> <span class="n">3</span>"#
        ),
        "{all}"
    );
    let exchange = all.find(r#"id="exchange""#).expect("an Exchange family");
    let windows = all.find(r#"id="windows""#).expect("a Windows family");
    assert!(exchange < windows, "the larger family first");
    let filtered = html(&page(&app, "/products?q=windows+nt").await, 200);
    assert!(
        filtered.contains("Microsoft Windows NT Server"),
        "{filtered}"
    );
    assert!(
        !filtered.contains("Microsoft Exchange Server</a>"),
        "{filtered}"
    );
    assert!(filtered.contains("1 of 2 products"), "{filtered}");
    let events = html(&page(&app, "/events?source=msexchangeis").await, 200);
    assert!(events.contains(">MSExchangeIS</a>"), "{events}");
    assert!(!events.contains(">MSExchangeKMS</a>"), "{events}");
    assert!(
        events.contains(r#"1000<span class="n">2</span>"#),
        "{events}"
    );
}
