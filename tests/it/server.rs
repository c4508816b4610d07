//! The HTTP server through its router (`oneshot`, no socket): every v1 endpoint, the
//! permalinks, and each hardening point (problem bodies, statuses for bad input,
//! limits, headers, the admin token).

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use kbase::server::{self, AppState, ServerConfig};
use serde_json::Value;
use tower::ServiceExt;

use crate::repo;

/// An articles folder with the seed and a few synthetic articles around it.
pub struct Site {
    pub _tmp: tempfile::TempDir,
    pub articles: PathBuf,
    pub data: PathBuf,
}

/// An article that cites the seed and names an event with a source.
pub const CITING: &str = "---
id: Q300001
title: Information Store Event ID 1000 After Restore
products:
  - name: Microsoft Exchange Server
    versions: [\"5.5\"]
events:
  - id: 1000
    source: MSExchangeIS
    log: Application
see_also: [Q190698]
---

## Symptoms

The information store logs event 1000 after a restore. See also Q190698.

## Resolution

Run isinteg -fix against the restored database.
";

/// Another article naming event 1000, from another source.
pub const OTHER_SOURCE: &str = "---
id: Q300002
title: Directory Service Event 1000 on Start
events:
  - id: 1000
    source: MSExchangeDS
---

## Symptoms

The directory service logs event 1000 when it starts.

## Workaround

Restart the directory service after the information store.
";

impl Site {
    pub fn new() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let articles = tmp.path().join("articles");
        fs::create_dir_all(&articles).unwrap();
        fs::copy(
            repo().join("articles/Q190698.md"),
            articles.join("Q190698.md"),
        )
        .unwrap();
        fs::write(articles.join("Q300001.md"), CITING).unwrap();
        fs::write(articles.join("Q300002.md"), OTHER_SOURCE).unwrap();
        let data = tmp.path().join("data");
        Site {
            _tmp: tmp,
            articles,
            data,
        }
    }

    pub fn config(&self) -> ServerConfig {
        let mut c = ServerConfig::new(&self.articles, &self.data);
        c.watch = false;
        c
    }

    /// A state whose index is loaded.
    pub async fn state_with(&self, config: ServerConfig) -> AppState {
        let state = AppState::new(config).unwrap();
        state.reload(false).await.unwrap();
        state
    }

    pub async fn app(&self) -> Router {
        server::router(self.state_with(self.config()).await)
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json error with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.header("content-type"), "application/problem+json");
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["code"], code, "{p}");
        assert!(p["title"].is_string() && p["type"].is_string());
        assert!(!p["detail"].as_str().unwrap_or("").is_empty());
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &Router, uri: &str, content_type: &str, body: impl Into<Body>) -> Answer {
    send(
        app,
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap(),
    )
    .await
}

fn redact_timing(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        if o.contains_key("took_ms") {
            o.insert("took_ms".into(), Value::from("[ms]"));
        }
    }
    v
}

#[tokio::test]
async fn event_id_search_returns_the_seed_first_with_its_workaround() {
    let app = Site::new().app().await;
    let a = get(&app, "/api/v1/search?q=event+id+5058").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.header("content-type").starts_with("application/json"));
    let v = a.json();
    assert_eq!(v["hits"][0]["id"], "Q190698");
    assert_eq!(v["hits"][0]["fix"]["section"], "workaround");
    assert_eq!(v["hits"][0]["fix"]["url"], "/kb/Q190698#workaround");
    insta::assert_json_snapshot!("api_search_event_5058", redact_timing(v));
}

#[tokio::test]
async fn search_parameters_filter_and_page() {
    let app = Site::new().app().await;
    let v = get(&app, "/api/v1/search?q=event&limit=1&offset=1")
        .await
        .json();
    assert_eq!(v["hits"].as_array().unwrap().len(), 1);
    assert!(v["total"].as_u64().unwrap() >= 2);
    let v = get(
        &app,
        "/api/v1/search?q=1000&product=microsoft+exchange+server",
    )
    .await
    .json();
    let ids: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["Q300001"], "{v}");
    let v = get(&app, "/api/v1/search?q=event&from=2030-01-01")
        .await
        .json();
    assert_eq!(v["total"], 0);
    let v = get(&app, "/api/v1/search?q=MSExchangeIS+1000").await.json();
    assert_eq!(v["interpreted"]["sources"][0], "msexchangeis");
    assert_eq!(v["hits"][0]["id"], "Q300001");
}

#[tokio::test]
async fn the_article_api_returns_every_field_sections_and_references() {
    let app = Site::new().app().await;
    let a = get(&app, "/api/v1/articles/Q190698").await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(v["id"], "Q190698");
    assert_eq!(v["events"][0]["id"], 5058);
    let sections = v["sections"].as_array().unwrap();
    assert!(sections.iter().any(|s| s["id"] == "workaround"));
    for s in sections {
        assert!(s["heading"].is_string() && s["markdown"].is_string() && s["html"].is_string());
    }
    assert_eq!(v["referenced_by"][0]["id"], "Q300001");
    insta::assert_json_snapshot!("api_article_q190698", v);

    let citing = get(&app, "/api/v1/articles/q300001").await.json();
    assert_eq!(citing["references"][0]["id"], "Q190698");
    assert_eq!(
        citing["references"][0]["title"],
        "Microsoft Key Management Server Event ID 5058"
    );
}

#[tokio::test]
async fn renditions_under_the_permalink() {
    let site = Site::new();
    let app = site.app().await;
    let api = get(&app, "/api/v1/articles/Q190698").await;
    let json = get(&app, "/kb/Q190698.json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.json(), api.json());
    let md = get(&app, "/kb/Q190698.md").await;
    assert!(md.header("content-type").starts_with("text/markdown"));
    assert_eq!(
        md.text(),
        fs::read_to_string(site.articles.join("Q190698.md")).unwrap()
    );
    let txt = get(&app, "/kb/Q190698.txt").await;
    assert!(txt.header("content-type").starts_with("text/plain"));
    let t = txt.text();
    assert!(t.starts_with("Q190698: Microsoft Key Management Server Event ID 5058"));
    assert!(
        t.contains("WORKAROUND\n\nRestore the Kmsdata directory"),
        "{t}"
    );
    get(&app, "/kb/Q999999.json")
        .await
        .assert_problem(404, "article_not_found");
    get(&app, "/kb/Q190698.exe")
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn short_permalinks_redirect_for_good() {
    let app = Site::new().app().await;
    for path in [
        "/Q190698",
        "/q190698",
        "/KB190698",
        "/kb190698",
        "/Kb0190698",
    ] {
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(a.header("location"), "/kb/Q190698", "{path}");
    }
    for path in ["/190698", "/Qabc", "/favicon.ico", "/Q1"] {
        get(&app, path).await.assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn events_are_grouped_by_source() {
    let app = Site::new().app().await;
    let v = get(&app, "/api/v1/events/1000").await.json();
    assert_eq!(v["event_id"], 1000);
    assert_eq!(v["total"], 2);
    let sources: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2);
    assert!(sources.contains(&"MSExchangeIS") && sources.contains(&"MSExchangeDS"));
    let v = get(&app, "/api/v1/events/1000?source=msexchangeds")
        .await
        .json();
    assert_eq!(v["total"], 1);
    assert_eq!(v["sources"][0]["articles"][0]["id"], "Q300002");
    assert_eq!(
        v["sources"][0]["articles"][0]["fix"]["url"],
        "/kb/Q300002#workaround"
    );
    let v = get(&app, "/api/v1/events/4242").await.json();
    assert_eq!(v["total"], 0);
    for bad in ["99999999999", "4294967296", "-1", "abc", "%00"] {
        get(&app, &format!("/api/v1/events/{bad}"))
            .await
            .assert_problem(400, "bad_parameter");
    }
}

const EVENT_XML: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="MSExchangeDS" />
    <EventID Qualifiers="16384">1000</EventID>
    <Level>2</Level>
    <Channel>Application</Channel>
  </System>
  <EventData><Data>The directory service could not start.</Data></EventData>
</Event>"#;

#[tokio::test]
async fn suggest_reads_ticket_text_json_and_event_viewer_xml() {
    let app = Site::new().app().await;
    let ticket =
        "User reports KMS will not start.\nEvent ID: 5058\nSource: MSExchangeKMS\nPlease advise.";
    let v = post(&app, "/api/v1/suggest", "text/plain; charset=utf-8", ticket)
        .await
        .json();
    assert_eq!(v["events"][0]["id"], 5058);
    assert_eq!(v["hits"][0]["id"], "Q190698");
    assert!(v["hits"][0]["fix"]["text"].is_string());

    let body = serde_json::json!({ "text": "error 0x80070005 then Q300002" }).to_string();
    let v = post(&app, "/api/v1/suggest", "application/json", body)
        .await
        .json();
    assert_eq!(v["codes"][0], "0x80070005");
    assert_eq!(v["article_ids"][0], "Q300002");
    assert_eq!(v["hits"][0]["id"], "Q300002");

    // The same event ID from two sources: the XML's source decides.
    let v = post(&app, "/api/v1/suggest", "application/xml", EVENT_XML)
        .await
        .json();
    assert_eq!(v["events"][0]["source"], "MSExchangeDS");
    assert_eq!(v["hits"][0]["id"], "Q300002", "{v}");
    let export = format!(
        "<Events>{}{}</Events>",
        EVENT_XML,
        EVENT_XML.replace("MSExchangeDS", "MSExchangeIS")
    );
    let v = post(&app, "/api/v1/suggest?limit=5", "text/xml", export)
        .await
        .json();
    assert_eq!(v["events"].as_array().unwrap().len(), 2);
    let ids: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(ids.starts_with(&["Q300001", "Q300002"]) || ids.starts_with(&["Q300002", "Q300001"]));
}

#[tokio::test]
async fn suggest_refuses_bad_bodies_with_the_right_status() {
    let app = Site::new().app().await;
    post(
        &app,
        "/api/v1/suggest",
        "application/xml",
        "<Event><System>",
    )
    .await
    .assert_problem(400, "bad_parameter");
    post(&app, "/api/v1/suggest", "application/json", "{\"txt\": 1}")
        .await
        .assert_problem(400, "bad_parameter");
    post(
        &app,
        "/api/v1/suggest",
        "text/plain",
        vec![0xff, 0xfe, 0x41],
    )
    .await
    .assert_problem(400, "bad_parameter");
    post(&app, "/api/v1/suggest", "text/html", "<p>hi</p>")
        .await
        .assert_problem(415, "unsupported_media_type");
    send(
        &app,
        Request::post("/api/v1/suggest")
            .body(Body::from("no type"))
            .unwrap(),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let big = vec![b'a'; 1024 * 1024 + 1];
    post(&app, "/api/v1/suggest", "text/plain", big)
        .await
        .assert_problem(413, "body_too_large");
    // An entity expansion bomb is refused, not expanded.
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><Event><System><EventID>1</EventID></System><EventData><Data>&lol2;</Data></EventData></Event>";
    post(&app, "/api/v1/suggest", "application/xml", bomb)
        .await
        .assert_problem(400, "bad_parameter");
}

#[tokio::test]
async fn no_bad_input_gets_a_5xx() {
    let app = Site::new().app().await;
    let long = "a".repeat(20_000);
    let cases: Vec<(String, u16)> = vec![
        ("/api/v1/articles/..%2F..%2Fetc%2Fpasswd".into(), 404),
        (
            "/api/v1/articles/..%2F..%2Farticles%2FQ190698.md".into(),
            404,
        ),
        ("/api/v1/articles/%00".into(), 404),
        ("/api/v1/articles/%C0%AE%C0%AE".into(), 400),
        ("/api/v1/articles/Q190698%00".into(), 404),
        ("/api/v1/search?q=%22unbalanced".into(), 200),
        ("/api/v1/search?q=title%3A".into(), 200),
        (format!("/api/v1/search?q={long}"), 400),
        ("/api/v1/search?limit=-1".into(), 400),
        ("/api/v1/search?limit=0".into(), 400),
        ("/api/v1/search?limit=100000000".into(), 400),
        ("/api/v1/search?limit=99999999999999999999999".into(), 400),
        ("/api/v1/search?offset=abc".into(), 400),
        ("/api/v1/search?offset=10001".into(), 400),
        ("/api/v1/search?from=notadate".into(), 400),
        ("/api/v1/search?to=2020-02-30".into(), 400),
        ("/api/v1/events/99999999999".into(), 400),
        ("/api/v1/search?q=%FF%FE".into(), 200),
        ("/api/v1/search?q=((((((((((".into(), 200),
        ("/api/v1/search?q=title:(".into(), 200),
        ("/api/v1/search?q=-+*".into(), 200),
        ("/api/v1/search?q=a:(%5E".into(), 200),
        ("/api/v1/search?q=*%5E2".into(), 200),
        ("/api/v1/search?q=foo:/bar/%5E2".into(), 200),
        ("/api/v1/search?q=nofield:x".into(), 200),
        ("/api/v1/search?q=%5Ba+TO".into(), 200),
        ("/api/v1/search?q=%00%01%02".into(), 200),
        ("/api/v1/search?q&q=x&limit=".into(), 200),
        ("/templates/".into(), 404),
        ("/articles/Q190698.md".into(), 404),
        ("/.kbase/".into(), 404),
        ("/.git/config".into(), 404),
        ("/static/../Cargo.toml".into(), 404),
        ("//".into(), 404),
        ("/./".into(), 404),
        ("/api/v1/".into(), 404),
        ("/api/v1/search/".into(), 404),
    ];
    for (uri, status) in cases {
        let a = get(&app, &uri).await;
        assert_eq!(a.status.as_u16(), status, "{uri}: {}", a.text());
        if status >= 400 {
            assert_eq!(
                a.header("content-type"),
                "application/problem+json",
                "{uri}"
            );
            assert!(a.json()["code"].is_string(), "{uri}");
        }
    }
}

#[tokio::test]
async fn wrong_methods_get_405_as_problem_json() {
    let app = Site::new().app().await;
    for (method, uri) in [
        ("POST", "/api/v1/search"),
        ("DELETE", "/api/v1/articles/Q190698"),
        ("GET", "/api/v1/suggest"),
        ("PUT", "/healthz"),
    ] {
        let a = send(
            &app,
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        a.assert_problem(405, "method_not_allowed");
        assert!(!a.header("allow").is_empty(), "{method} {uri}");
    }
}

#[tokio::test]
async fn security_headers_and_request_ids_on_every_response() {
    let app = Site::new().app().await;
    for uri in [
        "/api/v1/search?q=5058",
        "/nope",
        "/api/v1/search?limit=x",
        "/metrics",
    ] {
        let a = get(&app, uri).await;
        assert_eq!(a.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(a.header("x-frame-options"), "DENY", "{uri}");
        assert_eq!(a.header("referrer-policy"), "no-referrer", "{uri}");
        assert!(
            a.header("content-security-policy")
                .contains("default-src 'none'"),
            "{uri}"
        );
        assert!(!a.header("x-request-id").is_empty(), "{uri}");
    }
    let a = send(
        &app,
        Request::get("/healthz")
            .header("x-request-id", "ticket-4711")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.header("x-request-id"), "ticket-4711");
    // Ids differ between requests.
    let one = get(&app, "/healthz").await;
    let two = get(&app, "/healthz").await;
    assert_ne!(one.header("x-request-id"), two.header("x-request-id"));
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = Site::new().app().await;
    for encoding in ["gzip", "br"] {
        let a = send(
            &app,
            Request::get("/api/v1/articles/Q190698")
                .header(header::ACCEPT_ENCODING, encoding)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.header("content-encoding"), encoding);
    }
    let plain = get(&app, "/api/v1/articles/Q190698").await;
    assert_eq!(plain.header("content-encoding"), "");
}

#[tokio::test]
async fn cors_is_off_unless_origins_are_configured() {
    let site = Site::new();
    let request = |origin: &str| {
        Request::get("/api/v1/search?q=5058")
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    let off = site.app().await;
    let a = send(&off, request("https://helpdesk.example.com")).await;
    assert_eq!(a.header("access-control-allow-origin"), "");

    let mut config = site.config();
    config.data = site._tmp.path().join("data2");
    config.cors_origins = vec!["https://helpdesk.example.com".into()];
    let on = server::router(site.state_with(config).await);
    let a = send(&on, request("https://helpdesk.example.com")).await;
    assert_eq!(
        a.header("access-control-allow-origin"),
        "https://helpdesk.example.com"
    );
    assert_eq!(a.header("access-control-allow-credentials"), "");
    let a = send(&on, request("https://evil.example.com")).await;
    assert_eq!(a.header("access-control-allow-origin"), "");
    // A preflight, answered by the CORS layer itself, carries the security headers.
    let preflight = Request::options("/api/v1/search")
        .header(header::ORIGIN, "https://helpdesk.example.com")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let a = send(&on, preflight).await;
    assert_eq!(
        a.header("access-control-allow-origin"),
        "https://helpdesk.example.com"
    );
    assert_eq!(a.header("x-content-type-options"), "nosniff");
    assert!(a
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));
    assert_eq!(a.header("x-frame-options"), "DENY");

    let mut star = site.config();
    star.cors_origins = vec!["*".into()];
    assert!(AppState::new(star).is_err());
}

#[tokio::test]
async fn openapi_lists_every_endpoint() {
    let app = Site::new().app().await;
    let v = get(&app, "/api/v1/openapi.json").await.json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/search", "get"),
        ("/api/v1/articles/{id}", "get"),
        ("/api/v1/events/{event_id}", "get"),
        ("/api/v1/suggest", "post"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/admin/reindex", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/kb/{file}", "get"),
        ("/{permalink}", "get"),
        ("/api/v1/tickets/{ticket}/articles/{article_id}", "put"),
        ("/api/v1/tickets/{ticket}/articles/{article_id}", "delete"),
        ("/api/v1/tickets/{ticket}", "get"),
        ("/api/v1/articles/{id}/tickets", "get"),
        ("/api/v1/insights/gaps", "get"),
        ("/api/v1/insights/top", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    assert_eq!(paths.len(), 16, "{:?}", paths.keys().collect::<Vec<_>>());
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let site = Site::new();
    let state = AppState::new(site.config()).unwrap();
    let app = server::router(state.clone());
    // Before the index is loaded: alive, not ready, searches wait.
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    let a = get(&app, "/readyz").await;
    a.assert_problem(503, "not_ready");
    assert_eq!(a.header("retry-after"), "1");
    get(&app, "/api/v1/search?q=5058")
        .await
        .assert_problem(503, "not_ready");

    state.reload(false).await.unwrap();
    let v = get(&app, "/readyz").await.json();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["articles"], 3);
    get(&app, "/api/v1/search?q=5058").await;
    get(&app, "/api/v1/search?q=zzzzqqqq").await;
    let m = get(&app, "/metrics").await;
    assert!(m.header("content-type").starts_with("text/plain"));
    let text = m.text();
    for needle in [
        "kbase_http_requests_total{route=\"/api/v1/search\",method=\"GET\",status=\"200\"} 2",
        "kbase_http_requests_total{route=\"/api/v1/search\",method=\"GET\",status=\"503\"} 1",
        "kbase_http_request_duration_seconds_bucket{route=\"/api/v1/search\",method=\"GET\",status=\"200\",le=\"0.5\"} 2",
        "kbase_searches_total 2",
        "kbase_searches_zero_hits_total 1",
        "kbase_index_documents 3",
        "kbase_index_reloads_total{outcome=\"ok\"} 1",
        "kbase_index_last_reload_timestamp_seconds ",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
}

#[tokio::test]
async fn reindex_needs_the_token_and_is_absent_without_one() {
    let site = Site::new();
    let off = site.app().await;
    let post_reindex = |path: &str, auth: Option<&str>| {
        let mut r = Request::post(path);
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::empty()).unwrap()
    };
    send(&off, post_reindex("/api/v1/admin/reindex", None))
        .await
        .assert_problem(404, "not_found");
    let token = "k".repeat(40);
    send(
        &off,
        post_reindex("/api/v1/admin/reindex", Some(&format!("Bearer {token}"))),
    )
    .await
    .assert_problem(404, "not_found");

    let mut short = site.config();
    short.admin_token = Some("short".into());
    assert!(AppState::new(short).is_err());

    let mut config = site.config();
    config.data = site._tmp.path().join("data2");
    config.admin_token = Some(token.clone());
    let on = server::router(site.state_with(config).await);
    let good = format!("Bearer {token}");
    for auth in [
        None,
        Some("Bearer "),
        Some("Bearer wrong"),
        Some(&*format!("Bearer {}", "k".repeat(39))),
        Some(&*format!("Bearer {token}k")),
        Some(&*format!("Bearer{token}")),
        Some(&*format!("Basic {token}")),
    ] {
        let a = send(&on, post_reindex("/api/v1/admin/reindex", auth)).await;
        a.assert_problem(401, "unauthorized");
        assert_eq!(a.header("www-authenticate"), "Bearer");
    }
    for path in [
        "/api/v1/admin/./reindex",
        "//api/v1/admin/reindex",
        "/API/V1/ADMIN/REINDEX",
        "/api/v1/admin/reindex/",
        "/api/v1/admin/reindex%2F",
    ] {
        let a = send(&on, post_reindex(path, Some(&good))).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
    }
    fs::write(
        site.articles.join("Q300003.md"),
        "---\nid: Q300003\ntitle: Reindexed On Request\n---\n\n## Summary\n\nNew.\n",
    )
    .unwrap();
    let a = send(&on, post_reindex("/api/v1/admin/reindex", Some(&good))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    assert_eq!(v["added"], 1);
    // The scheme's name is case-insensitive (RFC 9110 §11.1).
    let lower = format!("bearer {token}");
    let a = send(&on, post_reindex("/api/v1/admin/reindex", Some(&lower))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    // A rebuild answers at once and runs in the background; /readyz follows it.
    let a = send(
        &on,
        post_reindex("/api/v1/admin/reindex?rebuild=true", Some(&good)),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    assert_eq!(a.header("location"), "/readyz");
    assert_eq!(a.json()["status"], "rebuilding");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while get(&on, "/readyz").await.json()["rebuilding"] == true {
        assert!(
            std::time::Instant::now() < deadline,
            "the rebuild never ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(get(&on, "/readyz").await.json()["articles"], 4);
    assert_eq!(v["indexed"], 4);
    let v = get(&on, "/api/v1/search?q=Q300003").await.json();
    assert_eq!(v["hits"][0]["id"], "Q300003");
}

#[tokio::test]
async fn the_server_holds_the_index_lock() {
    let site = Site::new();
    let _state = site.state_with(site.config()).await;
    let second = kbase::index::open(
        &site.articles,
        &site.data,
        kbase::index::OpenOptions::default(),
        &indicatif::ProgressBar::hidden(),
    );
    assert!(matches!(second, Err(kbase::Error::IndexBusy(_))));
    assert!(matches!(
        AppState::new(site.config()),
        Err(kbase::Error::IndexBusy(_))
    ));
}

/// A request body that sends `first` and then nothing until dropped.
fn stalled_body(first: &'static str) -> (Body, tokio::sync::mpsc::Sender<()>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let stream = async_stream(first, async move {
        let _ = rx.recv().await;
    });
    (Body::from_stream(stream), tx)
}

fn async_stream(
    first: &'static str,
    wait: impl std::future::Future<Output = ()> + Send + 'static,
) -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    use std::pin::Pin;
    use std::task::{Context, Poll};
    struct S<F> {
        first: Option<&'static str>,
        wait: Pin<Box<F>>,
    }
    impl<F: std::future::Future<Output = ()>> futures_core::Stream for S<F> {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            if let Some(f) = self.first.take() {
                return Poll::Ready(Some(Ok(axum::body::Bytes::from_static(f.as_bytes()))));
            }
            self.wait.as_mut().poll(cx).map(|()| None)
        }
    }
    S {
        first: Some(first),
        wait: Box::pin(wait),
    }
}

#[tokio::test]
async fn a_slow_body_times_out_with_408() {
    let site = Site::new();
    let mut config = site.config();
    config.request_timeout = Duration::from_millis(300);
    let app = server::router(site.state_with(config).await);
    let (body, _keep) = stalled_body("Event ID 5058");
    let a = send(
        &app,
        Request::post("/api/v1/suggest")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(body)
            .unwrap(),
    )
    .await;
    a.assert_problem(408, "request_timeout");
}

#[tokio::test]
async fn over_the_concurrency_limit_requests_get_503_at_once() {
    let site = Site::new();
    let mut config = site.config();
    config.max_in_flight = 1;
    let app = server::router(site.state_with(config).await);
    let (body, release) = stalled_body("Event ID 5058");
    let held = tokio::spawn({
        let app = app.clone();
        async move {
            send(
                &app,
                Request::post("/api/v1/suggest")
                    .header(header::CONTENT_TYPE, "text/plain")
                    .body(body)
                    .unwrap(),
            )
            .await
        }
    });
    // Wait until the held request occupies the only slot. The probe is a lookup that
    // never leaves the async worker: a search runs on a blocking thread, and while it
    // waits for one the held request could find the slot taken by the probe.
    let mut refused = None;
    for _ in 0..200 {
        let a = get(&app, "/api/v1/articles/Q190698").await;
        if a.status == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = refused.expect("no 503 while the only slot was taken");
    refused.assert_problem(503, "overloaded");
    assert_eq!(refused.header("retry-after"), "1");
    drop(release);
    assert_eq!(held.await.unwrap().status, StatusCode::OK);
    assert_eq!(
        get(&app, "/api/v1/search?q=5058").await.status,
        StatusCode::OK
    );
}

#[test]
fn a_panicking_handler_becomes_a_bare_500() {
    let r = kbase::server::layers::panic_response(Box::new("secret /etc/path detail".to_owned()));
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = rt
        .block_on(axum::body::to_bytes(r.into_body(), 4096))
        .unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("\"code\":\"internal\""));
    assert!(!text.contains("secret") && !text.contains("/etc"));
}

#[tokio::test]
async fn with_a_public_url_api_permalinks_are_absolute() {
    let site = Site::new();
    let mut config = site.config();
    config.public_url = Some("https://kb.example.com/".to_owned());
    let app = server::router(site.state_with(config).await);
    let v = get(&app, "/api/v1/search?q=event+id+5058").await.json();
    assert_eq!(v["hits"][0]["url"], "https://kb.example.com/kb/Q190698");
    assert_eq!(
        v["hits"][0]["fix"]["url"],
        "https://kb.example.com/kb/Q190698#workaround"
    );
    let a = get(&app, "/api/v1/articles/Q300001").await.json();
    assert_eq!(a["url"], "https://kb.example.com/kb/Q300001");
    assert_eq!(
        a["references"][0]["url"],
        "https://kb.example.com/kb/Q190698"
    );
    let e = get(&app, "/api/v1/events/1000").await.json();
    let first = &e["sources"][0]["articles"][0];
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .starts_with("https://kb.example.com/kb/"),
        "{first}"
    );
    // Without one they stay paths.
    drop(app);
    let app = site.app().await;
    let v = get(&app, "/api/v1/search?q=event+id+5058").await.json();
    assert_eq!(v["hits"][0]["url"], "/kb/Q190698");
}

#[tokio::test]
async fn a_paste_naming_thousands_of_things_puts_at_most_fifty_of_each_in_the_query() {
    let app = Site::new().app().await;
    let mut text = String::new();
    for n in 1..=2000 {
        text.push_str(&format!(
            "event id {n} then 0x8007{n:04X} and Q{:06}\n",
            100_000 + n
        ));
    }
    let v = post(&app, "/api/v1/suggest", "text/plain", text)
        .await
        .json();
    assert_eq!(
        v["events"].as_array().unwrap().len(),
        50,
        "{}",
        v["omitted"]
    );
    assert_eq!(v["codes"].as_array().unwrap().len(), 50);
    assert_eq!(v["article_ids"].as_array().unwrap().len(), 50);
    assert_eq!(v["omitted"]["events"], 1950);
    assert_eq!(v["omitted"]["codes"], 1950);
    assert_eq!(v["omitted"]["article_ids"], 1950);
    // A short paste omits nothing.
    let v = post(&app, "/api/v1/suggest", "text/plain", "event id 5058")
        .await
        .json();
    assert_eq!(
        v["omitted"],
        serde_json::json!({"events": 0, "codes": 0, "article_ids": 0})
    );
}

#[tokio::test]
async fn an_event_with_thousands_of_attributes_is_refused() {
    let app = Site::new().app().await;
    let attrs: String = (0..5000).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let xml = format!("<Event{attrs}><System><EventID>5058</EventID></System></Event>");
    post(&app, "/api/v1/suggest", "application/xml", xml)
        .await
        .assert_problem(400, "bad_parameter");
    // A few attributes, with `=` inside their quoted values, are fine.
    let xml = "<Event a=\"x=y\" b='1=2'><System><EventID>5058</EventID></System></Event>";
    let v = post(&app, "/api/v1/suggest", "application/xml", xml)
        .await
        .json();
    assert_eq!(v["events"][0]["id"], 5058);
}

#[tokio::test]
async fn kb000000_is_no_article_id() {
    let app = Site::new().app().await;
    let v = post(
        &app,
        "/api/v1/suggest",
        "text/plain",
        "see KB000000 and Q000000",
    )
    .await
    .json();
    assert_eq!(v["article_ids"], serde_json::json!([]), "{v}");
    let v = get(&app, "/api/v1/search?q=KB000000").await.json();
    assert_eq!(
        v["interpreted"]["article_ids"],
        serde_json::json!([]),
        "{v}"
    );
}

#[tokio::test]
async fn a_damaged_index_met_by_a_search_answers_503_and_is_rebuilt() {
    use std::os::unix::fs::FileExt;
    let site = Site::new();
    let state = site.state_with(site.config()).await;
    let app = server::router(state.clone());
    assert_eq!(
        get(&app, "/api/v1/search?q=event+id+5058").await.status,
        StatusCode::OK
    );
    // Damage the hit summaries in place (the index stays open, as a disk error would
    // leave it): every `"title":"` of the fast fields loses its colon.
    let base = site.data.join("index");
    let current = fs::read_to_string(base.join("CURRENT")).unwrap();
    let mut damaged = 0;
    for entry in fs::read_dir(base.join(current.trim())).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".fast") {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
        let needle = b"\"title\":\"";
        for at in (0..bytes.len().saturating_sub(needle.len()))
            .filter(|&i| &bytes[i..i + needle.len()] == needle)
        {
            file.write_at(b"!", (at + 7) as u64).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0, "no summary found to damage");
    let a = get(&app, "/api/v1/search?q=event+id+5058").await;
    a.assert_problem(503, "index_damaged");
    assert_eq!(a.header("retry-after"), "1");
    // Rebuilt from the articles in the background: the same search works again.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let a = get(&app, "/api/v1/search?q=event+id+5058").await;
        if a.status == StatusCode::OK {
            assert_eq!(a.json()["hits"][0]["id"], "Q190698");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not rebuilt: {}",
            a.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_source_is_one_whatever_its_spelling_and_aliases_find_each_other() {
    let site = Site::new();
    let article = |id: &str, source: &str, event: u32| {
        format!(
            "---\nid: {id}\ntitle: Service Fails To Start {id}\nevents:\n  - id: {event}\n    source: \"{source}\"\n---\n\n## Resolution\n\nStart the service {id}.\n"
        )
    };
    for (id, source) in [
        ("Q310001", "Service Control Manager"),
        ("Q310002", "Service control manager."),
        ("Q310003", "ServiceControlManager"),
    ] {
        fs::write(
            site.articles.join(format!("{id}.md")),
            article(id, source, 7000),
        )
        .unwrap();
    }
    fs::write(
        site.articles.join("Q310004.md"),
        article("Q310004", "MSExchange Information Store", 1000),
    )
    .unwrap();
    fs::create_dir_all(site.articles.join(".kbase")).unwrap();
    fs::write(
        site.articles.join(".kbase/sources.yml"),
        "- [MSExchangeIS, MSExchange Information Store]\n",
    )
    .unwrap();
    let app = site.app().await;
    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    for q in [
        "Service+Control+Manager+7000",
        "servicecontrolmanager+7000",
        "Microsoft-Windows-Service+Control+Manager+7000",
    ] {
        let v = get(&app, &format!("/api/v1/search?q={q}")).await.json();
        assert_eq!(
            v["interpreted"]["sources"].as_array().unwrap().len(),
            1,
            "{q}: {v}"
        );
        assert_eq!(ids(&v), ["Q310001", "Q310002", "Q310003"], "{q}");
    }
    // One group on the event's page, under the spelling most articles use.
    let ev = get(&app, "/api/v1/events/7000").await.json();
    let groups = ev["sources"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{ev}");
    assert_eq!(groups[0]["articles"].as_array().unwrap().len(), 3);
    // The deployment's alias: the old name finds the article written with the new one.
    let v = get(&app, "/api/v1/search?q=MSExchangeIS+1000").await.json();
    let first = v["hits"][0]["id"].as_str().unwrap().to_owned();
    assert!(
        ids(&v).contains(&"Q310004".to_owned()) && ids(&v).contains(&"Q300001".to_owned()),
        "{v}"
    );
    let _ = first;
    let ev = get(&app, "/api/v1/events/1000?source=MSExchangeIS")
        .await
        .json();
    let listed: Vec<&str> = ev["sources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["articles"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&"Q310004") && listed.contains(&"Q300001"),
        "{ev}"
    );
    let events_page = get(&app, "/events").await.text();
    assert_eq!(
        events_page.matches("ServiceControlManager").count()
            + events_page.matches("Service control manager.").count(),
        0,
        "one spelling listed"
    );
}

#[tokio::test]
async fn the_article_that_spells_the_source_as_the_query_does_comes_first() {
    let site = Site::new();
    for (id, source) in [
        ("Q320001", "Service Control Manager"),
        ("Q320002", "ServiceControlManager"),
    ] {
        fs::write(
            site.articles.join(format!("{id}.md")),
            format!("---\nid: {id}\ntitle: A Service Did Not Start {id}\nevents:\n  - id: 7000\n    source: {source}\n---\n\n## Resolution\n\nStart it.\n"),
        )
        .unwrap();
    }
    let app = site.app().await;
    for (q, first) in [
        ("ServiceControlManager+7000", "Q320002"),
        ("Service+Control+Manager+7000", "Q320001"),
    ] {
        let v = get(&app, &format!("/api/v1/search?q={q}")).await.json();
        assert_eq!(v["hits"][0]["id"], first, "{q}: {v}");
        assert_eq!(v["total"], 2, "{q}: both name the source");
    }
}
