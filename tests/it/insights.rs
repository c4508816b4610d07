//! The query log and the insights read from it, the `ticket` parameter of search and
//! suggest, and the forms of the pages ("Did this fix it?", signing in to the
//! insights), on SQLite and PostgreSQL alike.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kbase::server::layers::ClientAddr;
use serde_json::{json, Value};

use crate::server::{get, send, Answer};
use crate::tickets::{call, desks, desks_with, Desk};

/// Starts the query log's writer of `d`'s server, as `kbase serve` does.
fn start_writer(d: &Desk) {
    tokio::spawn(kbase::server::insights::write_queries(d.state.clone()));
}

/// A metric's value from `/metrics` (0 when absent).
async fn metric(d: &Desk, line_start: &str) -> f64 {
    let text = get(&d.app, "/metrics").await.text();
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Waits until the query log has written `n` searches.
async fn written(d: &Desk, n: f64) {
    let started = Instant::now();
    while metric(d, "kbase_query_log_written_total").await < n {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the query log did not write {n} searches"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn gaps_of(v: &Value) -> Vec<(String, String)> {
    v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let what = match g["kind"].as_str().unwrap() {
                "event" => format!("{} {}", g["source"].as_str().unwrap_or("-"), g["event_id"]),
                "code" => g["code"].as_str().unwrap().to_owned(),
                _ => g["query"].as_str().unwrap().to_owned(),
            };
            (what, g["reason"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn searches_are_logged_and_the_gaps_are_what_no_article_answers() {
    for d in desks().await {
        start_writer(&d);
        for q in [
            "event+id+4242",
            "event+id+4242",
            "MSExchangeKMS+5058",
            "Flurbish%20Zqx!",
            "flurbish+zqx",
            "0x8007F00D",
            "Q190698",
        ] {
            assert_eq!(
                get(&d.app, &format!("/api/v1/search?q={q}")).await.status,
                200
            );
        }
        written(&d, 7.0).await;
        let gaps = call(
            &d.app,
            "GET",
            "/api/v1/insights/gaps?days=7",
            Some(&d.agent),
            Value::Null,
        )
        .await;
        assert_eq!(gaps.status, 200, "{}", gaps.text());
        let v = gaps.json();
        assert_eq!(
            gaps_of(&v),
            [
                ("- 4242".to_owned(), "no_hit".to_owned()),
                ("flurbish zqx".to_owned(), "no_hit".to_owned()),
                ("MSExchangeKMS 5058".to_owned(), "no_fix".to_owned()),
                ("0x8007F00D".to_owned(), "no_hit".to_owned()),
            ],
            "{v}"
        );
        let first = &v["gaps"][0];
        assert_eq!(first["searches"], 2);
        assert_eq!(first["days"], 1);
        assert_eq!(first["search_url"], "/search?q=event+id+4242");
        assert_eq!(first["template_url"], "/insights/template?event=4242");

        // A fix recorded for the event takes it off; a record of failures puts it back.
        let link = |t: &str| format!("/api/v1/tickets/{t}/articles/Q190698");
        let event = json!({"source": "MSExchangeKMS", "id": 5058});
        call(
            &d.app,
            "PUT",
            &link("INC1"),
            Some(&d.agent),
            json!({"outcome": "fixed", "event": event}),
        )
        .await;
        let v = call(
            &d.app,
            "GET",
            "/api/v1/insights/gaps",
            Some(&d.agent),
            Value::Null,
        )
        .await
        .json();
        assert!(!gaps_of(&v).iter().any(|(w, _)| w.contains("5058")), "{v}");
        for t in ["INC2", "INC3"] {
            call(
                &d.app,
                "PUT",
                &link(t),
                Some(&d.agent),
                json!({"outcome": "not_fixed", "event": event}),
            )
            .await;
        }
        let v = call(
            &d.app,
            "GET",
            "/api/v1/insights/gaps",
            Some(&d.agent),
            Value::Null,
        )
        .await
        .json();
        let failing = v["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["event_id"] == 5058)
            .unwrap_or_else(|| panic!("{v}"));
        assert_eq!(failing["reason"], "not_fixed");
        assert_eq!(failing["best"]["article"], "Q190698");
        assert_eq!(failing["best"]["outcomes"]["not_fixed"], 2);

        // The same as CSV, by parameter or by Accept.
        let csv = call(
            &d.app,
            "GET",
            "/api/v1/insights/gaps?format=csv",
            Some(&d.agent),
            Value::Null,
        )
        .await;
        assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
        let text = csv.text();
        let mut lines = text.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with("reason,kind,source,event_id,code,query,searches"));
        assert_eq!(lines.count(), 4, "{text}");
        let accept = send(
            &d.app,
            Request::get("/api/v1/insights/gaps")
                .header(header::AUTHORIZATION, format!("Bearer {}", d.agent))
                .header(header::ACCEPT, "text/csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(accept.text(), text);

        // The most searched: events, codes, and the articles searches led to.
        let top = call(
            &d.app,
            "GET",
            "/api/v1/insights/top?days=30",
            Some(&d.agent),
            Value::Null,
        )
        .await
        .json();
        assert_eq!(top["events"][0]["event_id"], 4242, "{top}");
        assert_eq!(top["events"][0]["searches"], 2);
        assert_eq!(top["codes"][0]["code"], "0x8007F00D");
        assert_eq!(top["articles"][0]["article"], "Q190698", "{top}");
        assert_eq!(
            top["articles"][0]["searches"], 2,
            "the KMS search and the id: {top}"
        );
        let top_csv = call(
            &d.app,
            "GET",
            "/api/v1/insights/top?format=csv",
            Some(&d.agent),
            Value::Null,
        )
        .await;
        assert!(
            top_csv.text().contains("\r\narticle,,,,Q190698,2,1,"),
            "{}",
            top_csv.text()
        );

        // Only with a token; parameters are checked.
        call(&d.app, "GET", "/api/v1/insights/gaps", None, Value::Null)
            .await
            .assert_problem(401, "unauthorized");
        call(
            &d.app,
            "GET",
            "/api/v1/insights/top",
            Some("kb_wrong"),
            Value::Null,
        )
        .await
        .assert_problem(401, "unauthorized");
        let bad = call(
            &d.app,
            "GET",
            "/api/v1/insights/gaps?days=0",
            Some(&d.agent),
            Value::Null,
        )
        .await;
        bad.assert_problem(400, "bad_parameter");
        assert!(bad.json()["detail"].as_str().unwrap().contains("days"));
        call(
            &d.app,
            "GET",
            "/api/v1/insights/top?format=xml",
            Some(&d.agent),
            Value::Null,
        )
        .await
        .assert_problem(400, "bad_parameter");
    }
}

#[tokio::test]
async fn the_log_keeps_client_addresses_only_when_told_and_forgets_old_searches() {
    for log_clients in [false, true] {
        for d in desks_with(|c| c.log_clients = log_clients).await {
            start_writer(&d);
            let mut req = Request::get("/api/v1/search?q=event+id+5058&ticket=INC77")
                .body(Body::empty())
                .unwrap();
            req.extensions_mut()
                .insert(ClientAddr(IpAddr::from([10, 1, 2, 3])));
            assert_eq!(send(&d.app, req).await.status, 200);
            written(&d, 1.0).await;
            let pool = sqlx::AnyPool::connect(&any_url(&d.url)).await.unwrap();
            let row: (Option<String>, Option<String>, String) =
                sqlx::query_as("SELECT client, ticket, read_as FROM query_log")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            let expected = log_clients.then(|| "10.1.2.3".to_owned());
            assert_eq!(row.0, expected);
            assert_eq!(row.1.as_deref(), Some("INC77"));
            assert_eq!(row.2, "event ID 5058");
            // Searches older than --query-log-days go.
            let old = kbase::db::querylog::Logged {
                at_ms: kbase::db::now_ms() - 91 * 86_400_000,
                via: kbase::db::querylog::Via::Search,
                query: "old".into(),
                read_as: "words".into(),
                words: "old".into(),
                events: vec![],
                codes: vec![],
                article_lookup: false,
                hits: 0,
                top: vec![],
                client: None,
                ticket: None,
            };
            kbase::db::querylog::write(&d.db, &[old]).await.unwrap();
            kbase::server::insights::prune(&d.state).await;
            let left: Vec<(String,)> = sqlx::query_as("SELECT query FROM query_log")
                .fetch_all(&pool)
                .await
                .unwrap();
            assert_eq!(left, [("event id 5058".to_owned(),)]);
            pool.close().await;
        }
    }
}

/// The URL sqlx's `Any` driver takes for a desk's database.
fn any_url(url: &str) -> String {
    if url.starts_with("postgres") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_queue_drops_searches_from_the_log_never_the_searches() {
    let d = desks_with(|c| c.query_log_queue = 4).await.remove(0);
    // No writer yet: the queue fills, and the searches go on.
    for _ in 0..10 {
        assert_eq!(
            get(&d.app, "/api/v1/search?q=event+id+5058").await.status,
            200
        );
    }
    assert_eq!(
        metric(&d, "kbase_query_log_dropped_total{reason=\"queue_full\"}").await,
        6.0
    );
    start_writer(&d);
    written(&d, 4.0).await;
    // Under load, every search is answered, and each is either written or counted.
    let searches: Vec<_> = (0..200)
        .map(|i| {
            let app = d.app.clone();
            tokio::spawn(async move {
                get(&app, &format!("/api/v1/search?q=event+id+{}", 5000 + i % 7))
                    .await
                    .status
            })
        })
        .collect();
    for s in searches {
        assert_eq!(s.await.unwrap(), StatusCode::OK);
    }
    let started = Instant::now();
    loop {
        let w = metric(&d, "kbase_query_log_written_total").await;
        let dropped = metric(&d, "kbase_query_log_dropped_total{reason=\"queue_full\"}").await;
        if w + dropped == 210.0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "written {w}, dropped {dropped}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_search_for_a_ticket_gives_each_hit_the_call_that_confirms_it() {
    for d in desks().await {
        let v = get(&d.app, "/api/v1/search?q=MSExchangeKMS+5058&ticket=%234711")
            .await
            .json();
        let confirm = &v["hits"][0]["confirm"];
        assert_eq!(confirm["method"], "PUT", "{v}");
        assert_eq!(confirm["url"], "/api/v1/tickets/%234711/articles/Q190698");
        assert_eq!(
            confirm["body"],
            json!({"outcome": "fixed", "section": "workaround", "query": "MSExchangeKMS 5058",
                   "event": {"source": "MSExchangeKMS", "id": 5058}})
        );
        // That one call records it.
        let done = call(
            &d.app,
            "PUT",
            confirm["url"].as_str().unwrap(),
            Some(&d.agent),
            confirm["body"].clone(),
        )
        .await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text());
        let ticket = call(
            &d.app,
            "GET",
            "/api/v1/tickets/%234711",
            Some(&d.agent),
            Value::Null,
        )
        .await
        .json();
        assert_eq!(ticket["links"][0]["event"]["id"], 5058, "{ticket}");
        // Without the parameter there is no call; a bad reference is refused.
        let plain = get(&d.app, "/api/v1/search?q=MSExchangeKMS+5058")
            .await
            .json();
        assert!(plain["hits"][0].get("confirm").is_none());
        let long = "x".repeat(129);
        let bad = get(&d.app, &format!("/api/v1/search?q=5058&ticket={long}")).await;
        bad.assert_problem(400, "bad_parameter");
        assert!(bad.json()["detail"].as_str().unwrap().contains("ticket"));
        // Suggest takes it too, and its hits carry the counts.
        let s = send(
            &d.app,
            Request::post("/api/v1/suggest?ticket=INC0012345")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(
                    "Event ID 5058 from MSExchangeKMS again this morning",
                ))
                .unwrap(),
        )
        .await;
        let s = s.json();
        assert_eq!(
            s["hits"][0]["confirm"]["url"], "/api/v1/tickets/INC0012345/articles/Q190698",
            "{s}"
        );
        assert_eq!(s["hits"][0]["outcomes"]["fixed"], 1, "{s}");
        assert_eq!(s["hits"][0]["query_outcomes"]["fixed"], 1, "{s}");
    }
}

/// A form post from a browser that holds `cookie`, from `origin`.
async fn post_form(
    d: &Desk,
    uri: &str,
    body: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
    client: [u8; 4],
) -> Answer {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "kb.example.com");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    let mut req = req.body(Body::from(body.to_owned())).unwrap();
    req.extensions_mut()
        .insert(ClientAddr(IpAddr::from(client)));
    send(&d.app, req).await
}

/// Q190698's page as a browser asks for it, with the "Did this fix it?" form.
async fn article_page(d: &Desk) -> Answer {
    send(
        &d.app,
        Request::get("/kb/Q190698")
            .header(header::HOST, "kb.example.com")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// The form token of a page and the cookie that goes with it.
fn form_token(page: &Answer) -> (String, String) {
    let set = page.header("set-cookie").to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let html = page.text();
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("the form carries its token")
        + 19;
    (html[at..at + 32].to_owned(), cookie)
}

#[tokio::test]
async fn did_this_fix_it_is_a_plain_form_refused_from_other_sites_and_limited_per_address() {
    for d in desks().await {
        let page = article_page(&d).await;
        assert!(page.text().contains("Did this fix it?"));
        let (csrf, cookie) = form_token(&page);
        let own = Some("http://kb.example.com");
        let url = "/kb/Q190698/feedback";
        let yes = format!("csrf={csrf}&answer=yes&ticket=INC0012345");

        let ok = post_form(&d, url, &yes, Some(&cookie), own, [10, 0, 0, 1]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        assert_eq!(ok.header("location"), "/kb/Q190698?answered=yes#feedback");
        let thanks = get(&d.app, "/kb/Q190698?answered=yes").await.text();
        assert!(thanks.contains("Your answer was recorded"));
        // Without JavaScript or an Origin header (an older browser): the token suffices.
        let no = format!("csrf={csrf}&answer=no");
        let plain = post_form(&d, url, &no, Some(&cookie), None, [10, 0, 0, 1]).await;
        assert_eq!(plain.status, StatusCode::SEE_OTHER);

        // A browser's `Origin: null` (the page's referrer policy) with its fetch metadata.
        let mut req = Request::post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "null")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie.as_str())
            .body(Body::from(no.clone()))
            .unwrap();
        req.extensions_mut()
            .insert(ClientAddr(IpAddr::from([10, 0, 0, 3])));
        assert_eq!(send(&d.app, req).await.status, StatusCode::SEE_OTHER);
        let mut req = Request::post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "null")
            .header("sec-fetch-site", "cross-site")
            .header(header::COOKIE, cookie.as_str())
            .body(Body::from(no.clone()))
            .unwrap();
        req.extensions_mut()
            .insert(ClientAddr(IpAddr::from([10, 0, 0, 3])));
        assert_eq!(send(&d.app, req).await.status, StatusCode::FORBIDDEN);

        // Cross-site: another origin, no token, a wrong token, a token without its cookie.
        for (body, cookie, origin) in [
            (
                yes.as_str(),
                Some(cookie.as_str()),
                Some("https://evil.example"),
            ),
            ("answer=yes", Some(cookie.as_str()), own),
            (
                "csrf=00000000000000000000000000000000&answer=yes",
                Some(cookie.as_str()),
                own,
            ),
            (yes.as_str(), None, own),
        ] {
            let refused = post_form(&d, url, body, cookie, origin, [10, 0, 0, 1]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{body} {origin:?}");
            assert!(refused.header("content-type").starts_with("text/html"));
        }
        let bad = post_form(
            &d,
            url,
            &format!("csrf={csrf}&answer=maybe"),
            Some(&cookie),
            own,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let unknown = post_form(
            &d,
            "/kb/Q999999/feedback",
            &yes,
            Some(&cookie),
            own,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // Counted apart from the ticket links.
        let counts = get(&d.app, "/api/v1/articles/Q190698/tickets").await.json();
        assert_eq!(counts["readers"], json!({"yes": 1, "no": 2}), "{counts}");
        assert_eq!(counts["outcomes"]["fixed"], 0);

        // Ten answers per address in ten minutes; another address is not held back.
        for _ in 0..8 {
            let r = post_form(&d, url, &yes, Some(&cookie), own, [10, 0, 0, 1]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let limited = post_form(&d, url, &yes, Some(&cookie), own, [10, 0, 0, 1]).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.header("retry-after").parse::<u64>().unwrap() > 0);
        let other = post_form(&d, url, &yes, Some(&cookie), own, [10, 0, 0, 2]).await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn readers_behind_a_trusted_proxy_are_limited_each_on_their_own_address() {
    let proxy = [10, 0, 0, 5];
    for d in desks_with(|c| c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()]).await {
        let page = article_page(&d).await;
        let (csrf, cookie) = form_token(&page);
        let yes = format!("csrf={csrf}&answer=yes");
        let answer = |from: [u8; 4], forwarded: &str| {
            let mut req = Request::post("/kb/Q190698/feedback")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "kb.example.com")
                .header(header::ORIGIN, "http://kb.example.com")
                .header(header::COOKIE, cookie.as_str())
                .header("x-forwarded-for", forwarded)
                .body(Body::from(yes.clone()))
                .unwrap();
            req.extensions_mut().insert(ClientAddr(IpAddr::from(from)));
            send(&d.app, req)
        };
        for _ in 0..10 {
            let r = answer(proxy, "203.0.113.7").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        }
        let held = answer(proxy, "203.0.113.7").await;
        assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
        // Another reader through the same proxy is not held back; a forged first hop
        // does not change who the proxy says is asking.
        let other = answer(proxy, "203.0.113.8").await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        let forged = answer(proxy, "198.51.100.1, 203.0.113.7").await;
        assert_eq!(forged.status, StatusCode::TOO_MANY_REQUESTS);
        // From an address that is no proxy of ours the header is ignored: the limit is
        // that address's own.
        for n in 0..10 {
            let r = answer([192, 0, 2, 1], &format!("203.0.113.{}", 100 + n)).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let spoofer = answer([192, 0, 2, 1], "203.0.113.200").await;
        assert_eq!(spoofer.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn the_insights_page_signs_in_with_a_token_that_only_reads() {
    for d in desks().await {
        start_writer(&d);
        get(&d.app, "/api/v1/search?q=event+id+4242").await;
        written(&d, 1.0).await;
        let form = send(
            &d.app,
            Request::get("/insights")
                .header(header::HOST, "kb.example.com")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(form.status, StatusCode::UNAUTHORIZED);
        assert!(form.text().contains("Sign in"));
        assert!(
            !form.text().contains("4242"),
            "nothing shown before signing in"
        );
        let (csrf, cookie) = form_token(&form);
        let own = Some("http://kb.example.com");
        assert!(
            form.text()
                .contains(r#"name="next" value="&#x2f;insights""#),
            "{}",
            form.text()
        );
        let wrong = post_form(
            &d,
            "/signin",
            &format!("csrf={csrf}&token=kb_nope&next=/insights"),
            Some(&cookie),
            own,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.text().contains("not a live agent or admin token"));
        let signed = post_form(
            &d,
            "/signin",
            &format!("csrf={csrf}&token={}&next=%2Finsights%3Fdays%3D7", d.agent),
            Some(&cookie),
            own,
            [10, 0, 0, 1],
        )
        .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text());
        assert_eq!(signed.header("location"), "/insights?days=7");
        let session = signed
            .header("set-cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        // The browser keeps a session, never the token.
        assert!(session.starts_with("kbase_session="));
        assert!(!session.contains(&d.agent));
        let with = |uri: &str| {
            Request::get(uri)
                .header(header::COOKIE, format!("{cookie}; {session}"))
                .body(Body::empty())
                .unwrap()
        };
        let page = send(&d.app, with("/insights?days=7")).await;
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.text().contains("event 4242"), "{}", page.text());
        let template = send(&d.app, with("/insights/template?event=4242&source=Disk")).await;
        assert_eq!(template.status, 200);
        assert!(template
            .header("content-disposition")
            .contains("new-event-4242.md"));
        assert!(template
            .text()
            .contains("  - id: 4242\n    source: \"Disk\""));
        assert_eq!(
            send(&d.app, with("/api/v1/insights/gaps?format=csv"))
                .await
                .status,
            200
        );
        // The cookie reads; it writes nothing.
        let put = send(
            &d.app,
            Request::put("/api/v1/tickets/INC1/articles/Q190698")
                .header(header::COOKIE, session.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"outcome":"fixed"}"#))
                .unwrap(),
        )
        .await;
        put.assert_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn pages_say_how_many_tickets_an_article_fixed_and_copy_it_for_a_ticket() {
    let d = desks().await.remove(0);
    let event = json!({"source": "MSExchangeKMS", "id": 5058});
    for t in ["INC1", "INC2"] {
        call(
            &d.app,
            "PUT",
            &format!("/api/v1/tickets/{t}/articles/Q190698"),
            Some(&d.agent),
            json!({"outcome": "fixed", "event": event}),
        )
        .await;
    }
    let results = get(&d.app, "/search?q=MSExchangeKMS+5058").await.text();
    assert!(
        results.contains("Fixed 2 tickets for this event"),
        "{results}"
    );
    let words = get(&d.app, "/search?q=Kmsdata+directory").await.text();
    assert!(words.contains("Fixed 2 tickets<"), "{words}");
    let page = unescape(&article_page(&d).await.text());
    assert!(
        page.contains("Fixed 2 tickets: 2 for MSExchangeKMS 5058"),
        "{page}"
    );
    assert!(page.contains("Copy for ticket"));
    let text = "Q190698: Microsoft Key Management Server Event ID 5058\nhttp://kb.example.com/kb/Q190698#workaround\nWorkaround: Restore the Kmsdata directory from an offline backup.";
    assert!(page.contains(text), "{page}");
    assert!(page.contains("[Q190698: Microsoft Key Management Server Event ID 5058](http://kb.example.com/kb/Q190698#workaround)"));
    assert!(
        page.contains("<textarea id=\"copy-html\" class=\"copy-text\" data-kind=\"html\" rows=\"4\" readonly>&lt;p&gt;&lt;a href=\"http://kb.example.com/kb/Q190698#workaround\"&gt;"),
        "the HTML to copy is shown as text: {page}"
    );
}

/// The page with the entities minijinja writes for `/`, quotes and apostrophes turned
/// back (`&lt;`, `&gt;` and `&amp;` are kept, to tell markup from text).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

#[tokio::test]
async fn searches_queued_when_the_server_stops_still_reach_the_log() {
    let d = desks().await.remove(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(kbase::server::serve(
        listener,
        d.state.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let answer = reqwest::get(format!("http://{addr}/api/v1/search?q=event+id+5058"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    // At once: the writer is still gathering its batch.
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    let demand = kbase::db::querylog::demand(&d.db, 0).await.unwrap();
    assert_eq!(demand.len(), 1, "{demand:?}");
    assert_eq!(demand[0].searches, 1);
}
