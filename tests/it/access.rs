//! Who may read what: a fixture of public, internal, draft, retired and expired
//! articles whose titles and bodies carry marker words, read through every route as an
//! anonymous reader and as an agent.
//!
//! The anonymous reader's answers are compared with those of a server that holds only
//! the public articles: an article a reader may not see must answer exactly as one that
//! does not exist, in hits, counts, facets, spellings, lists, pages and feeds alike. The
//! agent's answers must show the markers where they belong.

use std::fs;
use std::net::IpAddr;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use kbase::db::tokens::{self, Role};
use kbase::db::Db;
use kbase::server::layers::ClientAddr;
use kbase::server::{self, AppState, ServerConfig};
use proptest::prelude::*;

use crate::server::{send, Answer};

/// A public article that the hidden ones point to and that points to one of them.
const PUBLIC: &str = "---
id: Q400001
title: Zebrapublic Service Stops With Event 7777
products:
  - name: Zebra Public Suite
events:
  - id: 7777
    source: MarkerSource
see_also: [Q400002]
published: 2020-01-10
visibility: public
---

## Symptoms

The zebrapublic service logs event 7777 and stops.

## Resolution

Restart the zebrapublic service.
";

/// The hidden articles: (file, text, its markers).
const HIDDEN: &[(&str, &str, &[&str])] = &[
    (
        "Q400002.md",
        "---
id: Q400002
title: Quokkainternal Escalation For Event 7777
visibility: internal
products:
  - name: Quokka Internal Suite
events:
  - id: 7777
    source: MarkerSource
codes: [\"0xC0DE0001\"]
see_also: [Q400001]
published: 2021-03-04
review_by: 2001-01-01
owner: ops@example.com
---

## Symptoms

Event 7777 again: call the quokkainternal escalation line on srvquokka01.

## Resolution

Reset the quokkainternal broker; see Q400001.
",
        &[
            "quokkainternal",
            "Quokka Internal Suite",
            "srvquokka01",
            "0xC0DE0001",
            "Q400002",
        ],
    ),
    (
        "Q400003.md",
        "---
id: Q400003
title: Wombatdraft Notes On Event 7777
status: draft
events:
  - id: 7777
    source: MarkerSource
published: 2022-05-06
---

## Symptoms

The wombatdraft notes are not finished.

## Resolution

Nothing yet for wombatdraft.
",
        &["wombatdraft", "Q400003"],
    ),
    (
        "Q400004.md",
        "---
id: Q400004
title: Numbatretired Fix For An Old Release
status: retired
products:
  - name: Numbat Retired Suite
published: 2019-07-08
---

## Symptoms

The numbatretired release fails.

## Resolution

Upgrade past numbatretired.
",
        &["numbatretired", "Numbat Retired Suite", "Q400004"],
    ),
    (
        "Q400005.md",
        "---
id: Q400005
title: Dingoexpired Event 7778 Workaround
valid_to: 2001-01-01
events:
  - id: 7778
    source: DingoSource
published: 2000-01-01
---

## Symptoms

DingoSource logs event 7778 on dingoexpired hosts.

## Workaround

Reboot the dingoexpired host.
",
        &["dingoexpired", "DingoSource", "Q400005"],
    ),
];

/// Every hidden marker.
fn hidden_markers() -> Vec<&'static str> {
    HIDDEN
        .iter()
        .flat_map(|(_, _, m)| m.iter().copied())
        .collect()
}

/// A server over the public article (and the seed), with the hidden ones too when
/// `with_hidden`, and its database with an agent's token.
struct Kb {
    _tmp: tempfile::TempDir,
    app: Router,
    state: AppState,
    db: Db,
    agent: String,
}

async fn kb(with_hidden: bool, change: impl Fn(&mut ServerConfig)) -> Kb {
    kb_with(with_hidden, &[], change).await
}

async fn kb_with(
    with_hidden: bool,
    extra: &[(&str, &str)],
    change: impl Fn(&mut ServerConfig),
) -> Kb {
    let tmp = tempfile::tempdir().unwrap();
    let articles = tmp.path().join("articles");
    fs::create_dir_all(&articles).unwrap();
    fs::copy(
        crate::repo().join("articles/Q190698.md"),
        articles.join("Q190698.md"),
    )
    .unwrap();
    fs::write(articles.join("Q400001.md"), PUBLIC).unwrap();
    if with_hidden {
        for (file, text, _) in HIDDEN {
            fs::write(articles.join(file), text).unwrap();
        }
    }
    for (file, text) in extra {
        fs::write(articles.join(file), text).unwrap();
    }
    let mut config = ServerConfig::new(&articles, tmp.path().join("data"));
    config.watch = false;
    config.query_log = false;
    change(&mut config);
    let state = AppState::new(config).unwrap();
    state.reload(false).await.unwrap();
    let db = Db::open(&tmp.path().join("kbase.db").to_string_lossy())
        .await
        .unwrap();
    state.attach_db(db.clone());
    let agent = tokens::create(&db, "desk", Role::Agent).await.unwrap();
    Kb {
        app: server::router(state.clone()),
        _tmp: tmp,
        state,
        db,
        agent,
    }
}

/// What varies between two runs of the same request: timings, form tokens.
fn normalise(body: &str) -> String {
    let took = regex::Regex::new(r#""took_ms":[0-9.e-]+|[0-9.]+ ms\b"#).unwrap();
    let csrf = regex::Regex::new(r#"name="csrf" value="[0-9a-f]*""#).unwrap();
    let body = took.replace_all(body, "TOOK");
    csrf.replace_all(&body, "CSRF").into_owned()
}

async fn anonymous(app: &Router, method: &str, uri: &str, body: &str) -> Answer {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ACCEPT, "text/html,application/json")
        .header(header::HOST, "kb.example.com")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(app, req).await
}

async fn as_agent(app: &Router, token: &str, uri: &str) -> Answer {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "text/html,application/json")
        .header(header::HOST, "kb.example.com")
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// Every route that shows something of articles, as (method, path, body).
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/search?q=quokkainternal", ""),
    ("GET", "/api/v1/search?q=quokkainternl", ""),
    (
        "GET",
        "/api/v1/search?q=wombatdraft+numbatretired+dingoexpired",
        "",
    ),
    ("GET", "/api/v1/search?q=7777", ""),
    ("GET", "/api/v1/search?q=MarkerSource+7777", ""),
    ("GET", "/api/v1/search?q=7778", ""),
    ("GET", "/api/v1/search?q=DingoSource", ""),
    ("GET", "/api/v1/search?q=0xC0DE0001", ""),
    ("GET", "/api/v1/search?q=Q400002", ""),
    ("GET", "/api/v1/search?q=zebrapublic", ""),
    ("GET", "/api/v1/search?q=suite", ""),
    ("GET", "/api/v1/search?q=escalation+broker+srvquokka01", ""),
    ("GET", "/api/v1/search?q=&product=Quokka+Internal+Suite", ""),
    ("GET", "/api/v1/search?q=event&from=1990-01-01", ""),
    ("GET", "/api/v1/search?q=7777&ticket=INC1", ""),
    (
        "POST",
        "/api/v1/suggest",
        "Event ID 7777 MarkerSource quokkainternal 0xC0DE0001 Q400002\nEvent ID 7778 DingoSource",
    ),
    ("GET", "/search?q=quokkainternal", ""),
    ("GET", "/search?q=quokkainternl", ""),
    ("GET", "/search?q=7777", ""),
    ("GET", "/search?q=suite", ""),
    ("GET", "/search?q=Q400002", ""),
    ("GET", "/api/v1/articles/Q400001", ""),
    ("GET", "/api/v1/articles/Q400002", ""),
    ("GET", "/api/v1/articles/q400003", ""),
    ("GET", "/api/v1/articles/Q400002/tickets", ""),
    ("GET", "/api/v1/articles/Q400005/tickets", ""),
    ("GET", "/kb/Q400001", ""),
    ("GET", "/kb/Q400002", ""),
    ("GET", "/kb/q400002", ""),
    ("GET", "/kb/Q400002.json", ""),
    ("GET", "/kb/Q400003.md", ""),
    ("GET", "/kb/Q400004.txt", ""),
    ("GET", "/kb/Q400005", ""),
    ("GET", "/api/v1/events/7777", ""),
    ("GET", "/api/v1/events/7778", ""),
    ("GET", "/api/v1/events/7777?source=MarkerSource", ""),
    ("GET", "/events/7777", ""),
    ("GET", "/events/7778", ""),
    ("GET", "/events", ""),
    ("GET", "/products", ""),
    ("GET", "/products/quokka-internal-suite", ""),
    ("GET", "/products/zebra-public-suite", ""),
    ("GET", "/eventviewer?EvtID=7777&EvtSrc=MarkerSource", ""),
    ("GET", "/eventviewer?EvtID=7778&EvtSrc=DingoSource", ""),
    ("GET", "/feed.atom", ""),
    ("GET", "/opensearch.xml", ""),
    ("GET", "/readyz", ""),
    ("GET", "/", ""),
    ("GET", "/quokkainternal/srvquokka01", ""),
    ("GET", "/Q400002", ""),
    ("GET", "/review", ""),
    ("GET", "/insights", ""),
];

#[tokio::test]
async fn anonymous_readers_get_exactly_what_a_server_without_the_hidden_articles_gives() {
    let full = kb(true, |_| {}).await;
    let public = kb(false, |_| {}).await;
    let markers = hidden_markers();
    for (method, uri, body) in ROUTES {
        let got = anonymous(&full.app, method, uri, body).await;
        let want = anonymous(&public.app, method, uri, body).await;
        let text = got.text();
        assert_eq!(got.status, want.status, "{method} {uri}: {text}");
        assert_eq!(
            normalise(&text),
            normalise(&want.text()),
            "{method} {uri}: the anonymous answer differs from a server without the hidden articles"
        );
        for m in &markers {
            // Only what the reader typed, or what a public article itself says (its
            // `see_also` names Q400002), may come back.
            if !uri.contains(m) && !body.contains(m) && !PUBLIC.contains(m) {
                assert!(!text.contains(m), "{method} {uri} shows `{m}`: {text}");
            }
        }
    }
    // Counts only in the metrics, never a word.
    let metrics = anonymous(&full.app, "GET", "/metrics", "").await.text();
    for m in &markers {
        assert!(!metrics.contains(m), "/metrics shows `{m}`");
    }
}

#[tokio::test]
async fn an_article_that_may_not_be_read_answers_as_one_that_does_not_exist() {
    let full = kb(true, |_| {}).await;
    for (hidden, absent) in [("Q400002", "Q499999"), ("Q400005", "Q499998")] {
        for shape in [
            "/api/v1/articles/{}",
            "/kb/{}",
            "/kb/{}.json",
            "/kb/{}.md",
            "/kb/{}.txt",
            "/api/v1/articles/{}/tickets",
        ] {
            let a = anonymous(&full.app, "GET", &shape.replace("{}", hidden), "").await;
            let b = anonymous(&full.app, "GET", &shape.replace("{}", absent), "").await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{shape} {hidden}");
            assert_eq!(a.status, b.status);
            assert_eq!(
                normalise(&a.text()).replace(hidden, "ID"),
                normalise(&b.text()).replace(absent, "ID"),
                "{shape}"
            );
            assert_eq!(a.header("content-type"), b.header("content-type"));
        }
    }
}

#[tokio::test]
async fn agents_see_every_article_marked_as_what_it_is() {
    let full = kb(true, |_| {}).await;
    let t = full.agent.as_str();
    let search = as_agent(&full.app, t, "/api/v1/search?q=7777").await.json();
    let ids: Vec<&str> = search["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    for id in ["Q400001", "Q400002", "Q400003"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let draft = search["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "Q400003")
        .unwrap();
    assert_eq!(draft["status"], "draft");
    let internal = as_agent(&full.app, t, "/kb/Q400002").await;
    assert_eq!(internal.status, 200);
    let page = internal.text();
    assert!(page.contains("srvquokka01"), "{page}");
    assert!(page.contains("Only agents see this article"), "{page}");
    assert!(page.contains("Due for review since 2001-01-01"), "{page}");
    assert!(page.contains("ops@example.com"), "{page}");
    let expired = as_agent(&full.app, t, "/kb/Q400005").await.text();
    assert!(
        expired.contains("Expired</strong> on 2001-01-01"),
        "{expired}"
    );
    let retired = as_agent(&full.app, t, "/kb/Q400004").await.text();
    assert!(retired.contains("Retired."), "{retired}");
    let results = as_agent(&full.app, t, "/search?q=wombatdraft").await.text();
    assert!(results.contains("flag draft"), "{results}");
    let events = as_agent(&full.app, t, "/events").await.text();
    assert!(events.contains("DingoSource"));
    let products = as_agent(&full.app, t, "/products").await.text();
    assert!(products.contains("Numbat Retired Suite"));
    let spelled = as_agent(&full.app, t, "/api/v1/search?q=quokkainternl")
        .await
        .json();
    assert!(
        spelled["did_you_mean"] == "quokkainternal" || spelled["hits"][0]["id"] == "Q400002",
        "{spelled}"
    );
    let feed = as_agent(&full.app, t, "/feed.atom").await.text();
    assert!(feed.contains("Quokkainternal Escalation"), "{feed}");
    let anon_feed = anonymous(&full.app, "GET", "/feed.atom", "").await.text();
    assert!(anon_feed.contains("Zebrapublic Service"), "{anon_feed}");
    let review = as_agent(&full.app, t, "/review").await;
    assert_eq!(review.status, 200);
    assert!(review.text().contains("ops@example.com"));
    assert!(review.text().contains("Q400002"));
    let tickets = as_agent(&full.app, t, "/api/v1/articles/Q400002/tickets").await;
    assert_eq!(tickets.status, 200);
    // A token that is not live is refused, not read as anonymous.
    let wrong = as_agent(&full.app, "kb_not_a_token", "/api/v1/search?q=7777").await;
    wrong.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn the_default_visibility_decides_for_articles_that_do_not_say() {
    const UNSET: &str = "---\nid: Q400006\ntitle: Koalaunset Printer Queue\n---\n\n## Symptoms\n\nThe koalaunset queue stalls.\n";
    for (internal, seen) in [(false, true), (true, false)] {
        let k = kb_with(false, &[("Q400006.md", UNSET)], |c| {
            if internal {
                c.default_visibility = kbase::article::Visibility::Internal;
            }
        })
        .await;
        let anon = anonymous(&k.app, "GET", "/api/v1/search?q=koalaunset", "").await;
        assert_eq!(
            anon.json()["total"],
            u64::from(seen),
            "default internal: {internal}"
        );
        // An article that says `public` stays public either way.
        let public = anonymous(&k.app, "GET", "/api/v1/search?q=zebrapublic", "").await;
        assert_eq!(public.json()["total"], 1);
        let agent = as_agent(&k.app, &k.agent, "/api/v1/search?q=koalaunset").await;
        assert_eq!(agent.json()["total"], 1);
    }
}

#[tokio::test]
async fn the_proxy_user_header_counts_only_from_a_trusted_address() {
    let k = kb(true, |c| {
        c.trusted_proxy_header = Some(header::HeaderName::from_static("x-forwarded-user"));
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let ask = |from: [u8; 4], user: Option<&str>| {
        let mut req = Request::get("/api/v1/search?q=quokkainternal");
        if let Some(u) = user {
            req = req.header("x-forwarded-user", u);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut().insert(ClientAddr(IpAddr::from(from)));
        req
    };
    let total = |a: Answer| a.json()["total"].as_u64().unwrap();
    assert_eq!(
        total(send(&k.app, ask([10, 1, 2, 3], Some("alice"))).await),
        1
    );
    assert_eq!(
        total(send(&k.app, ask([192, 168, 1, 9], Some("alice"))).await),
        0
    );
    assert_eq!(total(send(&k.app, ask([10, 1, 2, 3], None)).await), 0);
    assert_eq!(total(send(&k.app, ask([10, 1, 2, 3], Some(""))).await), 0);
    // The page frame says who is signed in through the proxy, and offers no sign-in.
    let mut page = Request::get("/").header("x-forwarded-user", "alice");
    page = page.header(header::HOST, "kb.example.com");
    let mut page = page.body(Body::empty()).unwrap();
    page.extensions_mut()
        .insert(ClientAddr(IpAddr::from([10, 9, 9, 9])));
    let home = send(&k.app, page).await.text();
    assert!(home.contains("href=\"/review\""), "{home}");
    assert!(!home.contains("href=\"/signin\""), "{home}");
}

/// Signs in with `token`: the session cookie (`kbase_session=…`) and the whole
/// `Set-Cookie` line.
async fn sign_in(k: &Kb, token: &str) -> (String, String) {
    let form = anonymous(&k.app, "GET", "/signin?next=/kb/Q400002", "").await;
    assert_eq!(form.status, 200);
    let set = form.header("set-cookie").to_owned();
    let csrf_cookie = set.split(';').next().unwrap().to_owned();
    let html = form.text();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[at..at + 32];
    let req = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "kb.example.com")
        .header(header::ORIGIN, "http://kb.example.com")
        .header(header::COOKIE, &csrf_cookie)
        .body(Body::from(format!(
            "csrf={csrf}&token={token}&next=%2Fkb%2FQ400002"
        )))
        .unwrap();
    let signed = send(&k.app, req).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text());
    assert_eq!(signed.header("location"), "/kb/Q400002");
    let line = signed
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kbase_session="))
        .expect("a session cookie");
    (line.split(';').next().unwrap().to_owned(), line)
}

async fn with_cookie(app: &Router, cookie: &str, uri: &str) -> Answer {
    send(
        app,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .header(header::HOST, "kb.example.com")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_signed_in_browser_reads_internal_articles_until_it_signs_out() {
    let k = kb(true, |_| {}).await;
    let (cookie, line) = sign_in(&k, &k.agent).await;
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    assert!(
        !line.contains("Secure"),
        "no Secure flag over plain http: {line}"
    );
    assert!(
        !cookie.contains(&k.agent),
        "the browser never keeps the token"
    );
    let page = with_cookie(&k.app, &cookie, "/kb/Q400002").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("srvquokka01"));
    // Signing out ends the session in the database: the same cookie reads nothing.
    let out_form = with_cookie(&k.app, &cookie, "/signout").await;
    assert_eq!(out_form.status, 200, "{}", out_form.text());
    let set = out_form.header("set-cookie").to_owned();
    let csrf_cookie = set.split(';').next().unwrap().to_owned();
    let html = out_form.text();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[at..at + 32];
    let out = send(
        &k.app,
        Request::post("/signout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "kb.example.com")
            .header(header::ORIGIN, "http://kb.example.com")
            .header(header::COOKIE, format!("{csrf_cookie}; {cookie}"))
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(
        with_cookie(&k.app, &cookie, "/kb/Q400002").await.status,
        404
    );
    // A signed-out browser cannot be signed out by another site either: the form is
    // refused without its token.
    let forged = send(
        &k.app,
        Request::post("/signout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "kb.example.com")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::from("csrf=x"))
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn sessions_end_when_they_expire_or_their_token_is_revoked() {
    let k = kb(true, |c| {
        c.public_url = Some("https://kb.example.com".into())
    })
    .await;
    let (cookie, line) = sign_in(&k, &k.agent).await;
    assert!(
        line.contains("Secure"),
        "Secure under an https address: {line}"
    );
    assert_eq!(
        with_cookie(&k.app, &cookie, "/kb/Q400002").await.status,
        200
    );
    tokens::revoke(&k.db, "desk").await.unwrap();
    assert_eq!(
        with_cookie(&k.app, &cookie, "/kb/Q400002").await.status,
        404
    );
    // An expired session reads nothing.
    let other = tokens::create(&k.db, "desk2", Role::Agent).await.unwrap();
    let _ = other;
    let secret =
        k.db.create_session(
            kbase::db::sessions::SignedInWith::Token("desk2"),
            Role::Agent,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    let expired = format!("kbase_session={secret}");
    assert_eq!(
        with_cookie(&k.app, &expired, "/kb/Q400002").await.status,
        404
    );
    // A made-up session secret is anonymous, not an error.
    let made_up = "kbase_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        with_cookie(&k.app, made_up, "/kb/Q400001").await.status,
        200
    );
    assert_eq!(
        with_cookie(&k.app, made_up, "/kb/Q400002").await.status,
        404
    );
    let _ = &k.state;
}

/// Engines over the fixture with and without the hidden articles, made once.
fn engines() -> &'static (Kb, Kb, tokio::runtime::Runtime) {
    static ENGINES: std::sync::OnceLock<(Kb, Kb, tokio::runtime::Runtime)> =
        std::sync::OnceLock::new();
    ENGINES.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (full, public) =
            rt.block_on(async { (kb(true, |_| {}).await, kb(false, |_| {}).await) });
        (full, public, rt)
    })
}

/// A word made from a marker: as written, cut short, with a letter dropped or doubled.
fn variant() -> impl Strategy<Value = String> {
    let words: Vec<&'static str> = hidden_markers()
        .into_iter()
        .chain([
            "zebrapublic",
            "7777",
            "MarkerSource",
            "event",
            "service",
            "suite",
        ])
        .collect();
    (prop::sample::select(words), 0usize..4, 0usize..20).prop_map(|(w, how, at)| {
        let chars: Vec<char> = w.chars().collect();
        let at = at % chars.len().max(1);
        match how {
            0 => w.to_owned(),
            1 => chars[..chars.len().saturating_sub(2).max(1)]
                .iter()
                .collect(),
            2 => chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, c)| *c)
                .collect(),
            _ => chars
                .iter()
                .enumerate()
                .flat_map(|(i, c)| if i == at { vec![*c, *c] } else { vec![*c] })
                .collect(),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random queries built from the markers: what an anonymous reader gets from the
    /// engine (hits, counts, facets, did you mean, suggestions, a paste) is what the
    /// engine without the hidden articles gives, and no hidden marker the query did not
    /// carry appears in it.
    #[test]
    fn random_queries_never_show_an_anonymous_reader_a_hidden_marker(
        words in prop::collection::vec(variant(), 1..4),
        quoted in any::<bool>(),
    ) {
        let (full, public, _) = engines();
        let q = if quoted { format!("\"{}\"", words.join(" ")) } else { words.join(" ") };
        let (a, b) = (full.state.engine().unwrap(), public.state.engine().unwrap());
        let req = kbase::search::SearchRequest::new(q.clone());
        // Timings vary; scores agree to the field norms' rounding (BM25's average
        // length leaves out the hidden articles' tokens as their norms count them).
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            v["took_ms"] = serde_json::Value::Null;
            if let Some(hits) = v["hits"].as_array_mut() {
                for h in hits {
                    h["score"] = serde_json::Value::Null;
                }
            }
            v
        };
        let scores = |v: &serde_json::Value| -> Vec<f64> {
            v["hits"].as_array().map_or_else(Vec::new, |hits| {
                hits.iter().map(|h| h["score"].as_f64().unwrap_or(0.0)).collect()
            })
        };
        let got = serde_json::to_value(a.search(&req).unwrap()).unwrap();
        let want = serde_json::to_value(b.search(&req).unwrap()).unwrap();
        prop_assert_eq!(strip(&got), strip(&want), "search {}", q);
        for (x, y) in scores(&got).into_iter().zip(scores(&want)) {
            prop_assert!((x - y).abs() <= 1e-4 * y.abs().max(1.0), "score {} against {} for {}", x, y, q);
        }
        let input = kbase::search::suggest::SuggestInput::Text(q.clone());
        let reader = kbase::search::Reader::Anonymous;
        let got_s = serde_json::to_value(a.suggest(reader, &input, 10).unwrap()).unwrap();
        let want_s = serde_json::to_value(b.suggest(reader, &input, 10).unwrap()).unwrap();
        prop_assert_eq!(strip(&got_s), strip(&want_s), "suggest {}", q);
        prop_assert_eq!(
            serde_json::to_value(a.suggestions(reader, &q)).unwrap(),
            serde_json::to_value(b.suggestions(reader, &q)).unwrap()
        );
        // What the reader typed comes back as it was read: that is not shown to them.
        let shown = format!(
            "{}{}{}{}",
            got["hits"], got["facets"], got["did_you_mean"], got_s["hits"]
        );
        for m in hidden_markers() {
            if !q.to_lowercase().contains(&m.to_lowercase()) {
                prop_assert!(!shown.contains(m), "`{}` shown for {}", m, q);
            }
        }
    }
}

#[tokio::test]
async fn an_article_is_read_through_its_valid_to_day_and_hidden_the_day_after() {
    const LAST_DAY: &str = "---\nid: Q400007\ntitle: Emuvalid Certificate Renewal\nvalid_to: 2030-06-30\n---\n\n## Resolution\n\nRenew the emuvalid certificate.\n";
    for (today, seen) in [("2030-06-30", 1), ("2030-07-01", 0)] {
        let k = kb_with(false, &[("Q400007.md", LAST_DAY)], |c| {
            c.today = Some(kbase::article::Date::parse(today).unwrap());
        })
        .await;
        let anon = anonymous(&k.app, "GET", "/api/v1/search?q=emuvalid", "").await;
        assert_eq!(anon.json()["total"], seen, "on {today}");
        let agent = as_agent(&k.app, &k.agent, "/kb/Q400007").await.text();
        assert_eq!(agent.contains("Expired</strong>"), seen == 0, "on {today}");
    }
}
