//! The ticket API and the tokens behind it, on a SQLite database in a temporary folder:
//! links recorded, replaced, read and removed; every error a ticket system can cause;
//! tokens missing, wrong, revoked and of too low a role.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use kbase::db::tokens::{self, Role};
use kbase::db::Db;
use kbase::server;
use serde_json::{json, Value};

use crate::server::{get, send, Answer, Site};

pub struct Desk {
    pub app: Router,
    pub state: kbase::server::AppState,
    pub db: Db,
    pub url: String,
    pub agent: String,
    pub admin: String,
    pub site: Site,
}

/// The same server over each database the tests run on: SQLite always, and PostgreSQL
/// when `KBASE_TEST_POSTGRES_URL` names a server (`.ci/postgres start` makes one; each
/// desk gets a database of its own there). CI must run both: there its absence fails.
pub async fn desks() -> Vec<Desk> {
    desks_with(|_| {}).await
}

/// [`desks`] with the servers' configuration changed by `change`.
pub async fn desks_with(change: impl Fn(&mut kbase::server::ServerConfig)) -> Vec<Desk> {
    let mut out = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let site = Site::new();
        let url = if backend == "sqlite" {
            site.data
                .with_file_name("kbase.db")
                .to_string_lossy()
                .into_owned()
        } else {
            match std::env::var("KBASE_TEST_POSTGRES_URL") {
                Ok(base) => fresh_postgres_database(&base).await,
                Err(_) if std::env::var_os("CI").is_some() => panic!(
                    "CI runs the database tests on PostgreSQL too: start one with `.ci/postgres start`"
                ),
                Err(_) => continue,
            }
        };
        let mut config = site.config();
        change(&mut config);
        let state = site.state_with(config).await;
        let db = Db::open(&url).await.unwrap();
        state.attach_db(db.clone());
        let agent = tokens::create(&db, "bot", Role::Agent).await.unwrap();
        let admin = tokens::create(&db, "root", Role::Admin).await.unwrap();
        out.push(Desk {
            app: server::router(state.clone()),
            state,
            db,
            url,
            agent,
            admin,
            site,
        });
    }
    out
}

/// A new, empty database on the PostgreSQL server of `base`, and its URL.
pub async fn fresh_postgres_database(base: &str) -> String {
    use sqlx::Connection;
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "kbase_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

/// The SQLite desk only, for what only SQLite has (its file, `kbase backup`).
async fn sqlite_desk() -> Desk {
    desks().await.into_iter().next().unwrap()
}

pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Value,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        req = req.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    send(app, req.body(body).unwrap()).await
}

const LINK: &str = "/api/v1/tickets/INC0012345/articles/q190698";

#[tokio::test]
async fn a_link_is_created_replaced_read_and_removed() {
    for d in desks().await {
        link_round_trip(&d).await;
    }
}

async fn link_round_trip(d: &Desk) {
    let body = json!({
        "outcome": "fixed",
        "section": "workaround",
        "event": {"source": "MSExchangeKMS", "id": 5058},
        "code": "0X80070005",
        "ticket_url": "https://desk.example.com/INC0012345",
        "query": "event id 5058"
    });
    let a = call(&d.app, "PUT", LINK, Some(&d.agent), body.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let v = a.json();
    assert_eq!(
        v["article"], "Q190698",
        "the id as indexed, whatever the case asked"
    );
    assert_eq!(v["code"], "0x80070005", "codes are normalised");
    assert_eq!(v["event"]["id"], 5058);
    // The same call again: replaced, not counted twice.
    let again = call(&d.app, "PUT", LINK, Some(&d.agent), body).await;
    assert_eq!(again.status, StatusCode::OK);
    let counts = get(&d.app, "/api/v1/articles/Q190698/tickets").await.json();
    assert_eq!(
        counts["outcomes"],
        json!({"fixed": 1, "not_fixed": 0, "related": 0})
    );
    assert_eq!(counts["events"][0]["source"], "MSExchangeKMS");
    assert_eq!(counts["events"][0]["outcomes"]["fixed"], 1);
    assert_eq!(counts["codes"][0]["code"], "0x80070005");
    assert!(
        counts.get("links").is_none(),
        "no ticket references without a token: {counts}"
    );
    // The technician changes their mind.
    let changed = call(
        &d.app,
        "PUT",
        LINK,
        Some(&d.agent),
        json!({"outcome": "not_fixed"}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    let with_token = call(
        &d.app,
        "GET",
        "/api/v1/articles/q190698/tickets",
        Some(&d.agent),
        Value::Null,
    )
    .await
    .json();
    assert_eq!(with_token["outcomes"]["not_fixed"], 1);
    assert_eq!(with_token["outcomes"]["fixed"], 0);
    assert_eq!(with_token["links"][0]["ticket"], "INC0012345");
    let ticket = call(
        &d.app,
        "GET",
        "/api/v1/tickets/INC0012345",
        Some(&d.agent),
        Value::Null,
    )
    .await;
    assert_eq!(ticket.status, StatusCode::OK);
    assert_eq!(ticket.json()["links"].as_array().unwrap().len(), 1);
    let gone = call(&d.app, "DELETE", LINK, Some(&d.agent), Value::Null).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    call(&d.app, "DELETE", LINK, Some(&d.agent), Value::Null)
        .await
        .assert_problem(404, "link_not_found");
    let empty = call(
        &d.app,
        "GET",
        "/api/v1/tickets/INC0012345",
        Some(&d.agent),
        Value::Null,
    )
    .await;
    assert_eq!(empty.json()["links"], json!([]));
    // A second opening of the same database (another server) migrates nothing again and
    // sees what the first wrote.
    call(
        &d.app,
        "PUT",
        LINK,
        Some(&d.agent),
        json!({"outcome": "related"}),
    )
    .await;
    let other = Db::open(&d.url).await.unwrap();
    let said = kbase::db::links::for_article(&other, "Q190698")
        .await
        .unwrap();
    assert_eq!(said.outcomes.related, 1, "{:?}", other.backend());
    assert!(tokens::verify(&other, &d.agent).await.unwrap().is_some());
}

#[tokio::test]
async fn a_ticket_reference_of_any_printable_form_is_kept_as_sent() {
    for d in desks().await {
        references(&d).await;
    }
}

async fn references(d: &Desk) {
    // `#4711`, URL-encoded, and a reference with a slash in it.
    for (path, reference) in [("%234711", "#4711"), ("REQ%2F2026%2F17", "REQ/2026/17")] {
        let uri = format!("/api/v1/tickets/{path}/articles/Q300001");
        let a = call(
            &d.app,
            "PUT",
            &uri,
            Some(&d.agent),
            json!({"outcome": "related"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{path}: {}", a.text());
        assert_eq!(a.json()["ticket"], reference);
    }
}

#[tokio::test]
async fn bad_links_are_refused_with_the_field_named() {
    let d = sqlite_desk().await;
    for (body, field) in [
        (json!({}), "outcome"),
        (json!({"outcome": "fixd"}), "outcome"),
        (json!({"outcome": "fixed", "event": {"id": 0}}), "event.id"),
        (
            json!({"outcome": "fixed", "event": {"id": "5058"}}),
            "event.id",
        ),
        (json!({"outcome": "fixed", "event": 5058}), "event"),
        (json!({"outcome": "fixed", "code": "not a code"}), "code"),
        (
            json!({"outcome": "fixed", "ticket_url": "javascript:alert(1)"}),
            "ticket_url",
        ),
        (json!({"outcome": "fixed", "section": "<b>"}), "section"),
        (json!({"outcome": "fixed", "colour": "red"}), "colour"),
        (json!({"outcome": "fixed", "query": 5}), "query"),
        (json!([1, 2]), "body"),
    ] {
        let a = call(&d.app, "PUT", LINK, Some(&d.agent), body.clone()).await;
        a.assert_problem(400, "bad_field");
        assert!(
            a.json()["detail"].as_str().unwrap().starts_with(field),
            "{body}: {}",
            a.text()
        );
    }
    let not_json = send(
        &d.app,
        Request::put(LINK)
            .header(header::AUTHORIZATION, format!("Bearer {}", d.agent))
            .body(Body::from("{outcome"))
            .unwrap(),
    )
    .await;
    not_json.assert_problem(400, "bad_field");
    let long = format!("/api/v1/tickets/{}/articles/Q190698", "T".repeat(129));
    call(
        &d.app,
        "PUT",
        &long,
        Some(&d.agent),
        json!({"outcome": "fixed"}),
    )
    .await
    .assert_problem(400, "bad_parameter");
    call(
        &d.app,
        "PUT",
        "/api/v1/tickets/INC1/articles/Q999999",
        Some(&d.agent),
        json!({"outcome": "fixed"}),
    )
    .await
    .assert_problem(404, "article_not_found");
    get(&d.app, "/api/v1/articles/Q999999/tickets")
        .await
        .assert_problem(404, "article_not_found");
}

#[tokio::test]
async fn tokens_missing_wrong_revoked_or_too_weak_are_refused() {
    for d in desks().await {
        token_checks(&d).await;
    }
}

async fn token_checks(d: &Desk) {
    let ok = json!({"outcome": "fixed"});
    let none = call(&d.app, "PUT", LINK, None, ok.clone()).await;
    none.assert_problem(401, "unauthorized");
    assert_eq!(none.header("www-authenticate"), "Bearer");
    call(&d.app, "PUT", LINK, Some("kb_wrong"), ok.clone())
        .await
        .assert_problem(401, "unauthorized");
    call(&d.app, "GET", "/api/v1/tickets/INC1", None, Value::Null)
        .await
        .assert_problem(401, "unauthorized");
    // An agent may not reindex; an admin may.
    call(
        &d.app,
        "POST",
        "/api/v1/admin/reindex",
        Some(&d.agent),
        Value::Null,
    )
    .await
    .assert_problem(403, "forbidden");
    let admin = call(
        &d.app,
        "POST",
        "/api/v1/admin/reindex",
        Some(&d.admin),
        Value::Null,
    )
    .await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.text());
    assert_eq!(
        call(&d.app, "PUT", LINK, Some(&d.admin), ok.clone())
            .await
            .status,
        StatusCode::CREATED,
        "an admin may do what an agent may"
    );
    tokens::revoke(&d.db, "bot").await.unwrap();
    call(&d.app, "PUT", LINK, Some(&d.agent), ok)
        .await
        .assert_problem(401, "unauthorized");
    let anonymous = get(&d.app, "/api/v1/articles/Q190698/tickets").await;
    assert!(anonymous.json().get("links").is_none());
    assert_eq!(anonymous.header("vary"), "authorization");
}

#[tokio::test]
async fn tokens_are_stored_hashed_listed_without_secrets_and_names_are_unique() {
    let d = sqlite_desk().await;
    assert!(
        d.agent.starts_with("kb_") && d.agent.len() == 46,
        "{}",
        d.agent
    );
    assert_ne!(d.agent, d.admin);
    let list = tokens::list(&d.db).await.unwrap();
    assert_eq!(
        list.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["bot", "root"]
    );
    assert!(list.iter().all(|t| t.revoked.is_none()));
    let bytes = std::fs::read(d.site.data.with_file_name("kbase.db")).unwrap();
    let wal = std::fs::read(d.site.data.with_file_name("kbase.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(d.agent.len()).any(|w| w == d.agent.as_bytes()),
            "the token itself is never written"
        );
    }
    assert!(matches!(
        tokens::create(&d.db, "bot", Role::Agent).await,
        Err(tokens::TokenError::NameTaken(_))
    ));
    assert!(matches!(
        tokens::revoke(&d.db, "nobody").await,
        Err(tokens::TokenError::NoSuchToken(_))
    ));
}

#[tokio::test]
async fn a_server_without_a_database_says_so_instead_of_failing() {
    let site = Site::new();
    let app = site.app().await;
    call(
        &app,
        "GET",
        "/api/v1/articles/Q190698/tickets",
        None,
        Value::Null,
    )
    .await
    .assert_problem(503, "no_database");
}

#[tokio::test]
async fn a_backup_is_a_working_copy_taken_while_the_database_is_open() {
    let d = sqlite_desk().await;
    call(
        &d.app,
        "PUT",
        LINK,
        Some(&d.agent),
        json!({"outcome": "fixed"}),
    )
    .await;
    let copy = d.site.data.with_file_name("backup.db");
    d.db.backup(&copy).await.unwrap();
    assert!(
        d.db.backup(&copy).await.is_err(),
        "an existing file is not overwritten"
    );
    let restored = Db::open(&copy.to_string_lossy()).await.unwrap();
    let said = kbase::db::links::for_article(&restored, "Q190698")
        .await
        .unwrap();
    assert_eq!(said.outcomes.fixed, 1);
    assert_eq!(tokens::list(&restored).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_opening_a_new_database_together_each_find_it_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let url = tmp.path().join("kbase.db").to_string_lossy().into_owned();
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Db::open(&url).await })
        })
        .collect();
    for open in opens {
        let db = open.await.unwrap().expect("every opening succeeds");
        assert!(tokens::list(&db).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn hits_carry_what_tickets_recorded_and_other_servers_see_it_after_a_refresh() {
    for d in desks().await {
        let plain = get(&d.app, "/api/v1/search?q=5058").await.json();
        assert!(
            plain["hits"][0].get("outcomes").is_none(),
            "no links, no counts: {plain}"
        );
        for (ticket, outcome) in [("T1", "fixed"), ("T2", "fixed"), ("T3", "not_fixed")] {
            let uri = format!("/api/v1/tickets/{ticket}/articles/Q190698");
            let body =
                json!({"outcome": outcome, "event": {"source": "MSExchangeKMS", "id": 5058}});
            call(&d.app, "PUT", &uri, Some(&d.agent), body).await;
        }
        call(
            &d.app,
            "PUT",
            "/api/v1/tickets/T4/articles/Q190698",
            Some(&d.agent),
            json!({"outcome": "related", "code": "0x80070005"}),
        )
        .await;
        let v = get(&d.app, "/api/v1/search?q=event+id+5058").await.json();
        let hit = &v["hits"][0];
        assert_eq!(hit["id"], "Q190698");
        assert_eq!(
            hit["outcomes"],
            json!({"fixed": 2, "not_fixed": 1, "related": 1})
        );
        assert_eq!(
            hit["query_outcomes"],
            json!({"fixed": 2, "not_fixed": 1, "related": 0}),
            "only the tickets about event 5058"
        );
        let other_source = get(&d.app, "/api/v1/search?q=MSExchangeIS+5058")
            .await
            .json();
        for h in other_source["hits"].as_array().unwrap() {
            assert!(
                h.get("query_outcomes").is_none(),
                "another source's 5058: {h}"
            );
        }
        let by_code = get(&d.app, "/api/v1/search?q=Q190698+0x80070005")
            .await
            .json();
        let h = by_code["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == "Q190698")
            .expect("the article asked for by id");
        assert_eq!(h["query_outcomes"]["related"], 1, "{h}");
        // A second server on the same database sees the counts once it has read them
        // (serving, it reads them every 2 s).
        let site = Site::new();
        let state = site.state_with(site.config()).await;
        state.attach_db(Db::open(&d.url).await.unwrap());
        let second = server::router(state.clone());
        let before = get(&second, "/api/v1/search?q=5058").await.json();
        assert!(before["hits"][0].get("outcomes").is_none());
        state.refresh_outcomes().await;
        let after = get(&second, "/api/v1/search?q=5058").await.json();
        assert_eq!(after["hits"][0]["outcomes"]["fixed"], 2);
    }
}

fn ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn fixes_recorded_for_an_event_reorder_its_tier_but_never_cross_tiers() {
    for d in desks().await {
        // Q300001 (MSExchangeIS) and Q300002 (MSExchangeDS) both list event 1000 in their
        // front matter, and name it in their titles: one tier, in id order.
        let before = ids(&get(&d.app, "/api/v1/search?q=event+id+1000").await.json());
        assert_eq!(before[..2], ["Q300001", "Q300002"], "{before:?}");
        let link = |ticket: &str, article: &str, outcome: &str| {
            (
                format!("/api/v1/tickets/{ticket}/articles/{article}"),
                json!({"outcome": outcome, "event": {"id": 1000}}),
            )
        };
        // One recorded fix orders a tie.
        let (uri, body) = link("T1", "Q300002", "fixed");
        call(&d.app, "PUT", &uri, Some(&d.agent), body).await;
        let one = ids(&get(&d.app, "/api/v1/search?q=event+id+1000").await.json());
        assert_eq!(
            one[..2],
            ["Q300002", "Q300001"],
            "a fix recorded breaks the tie"
        );
        // A record of not_fixed lowers: Q300002 drops below again.
        for t in ["T2", "T3"] {
            let (uri, body) = link(t, "Q300002", "not_fixed");
            call(&d.app, "PUT", &uri, Some(&d.agent), body).await;
        }
        let mixed = ids(&get(&d.app, "/api/v1/search?q=event+id+1000").await.json());
        assert_eq!(mixed[..2], ["Q300001", "Q300002"], "1 fixed, 2 not fixed");
        // Across tiers nothing moves: source + ID above a mention, an id above all.
        for t in ["T4", "T5", "T6", "T7", "T8"] {
            let (uri, body) = link(t, "Q300002", "fixed");
            call(&d.app, "PUT", &uri, Some(&d.agent), body).await;
        }
        let source = ids(&get(&d.app, "/api/v1/search?q=MSExchangeIS+1000")
            .await
            .json());
        assert_eq!(source[0], "Q300001", "source + event first: {source:?}");
        let by_id = ids(&get(&d.app, "/api/v1/search?q=Q190698+1000").await.json());
        assert_eq!(
            by_id[0], "Q190698",
            "the article asked for by id first: {by_id:?}"
        );
        let plain = ids(&get(&d.app, "/api/v1/search?q=event+id+1000").await.json());
        assert_eq!(plain[0], "Q300002", "6 fixed, 2 not fixed: {plain:?}");
    }
}

#[tokio::test]
async fn the_database_going_away_and_coming_back_never_stops_searches() {
    use sqlx::Connection;
    let Ok(base) = std::env::var("KBASE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs this on PostgreSQL"
        );
        return;
    };
    let d = desks().await.pop().unwrap();
    let name = d.url.rsplit_once('/').unwrap().1.to_owned();
    let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
    let ok = json!({"outcome": "fixed"});
    assert_eq!(
        call(&d.app, "PUT", LINK, Some(&d.agent), ok.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    // Nobody may connect to the database any more, and its connections are cut.
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let refused = call(&d.app, "PUT", LINK, Some(&d.agent), ok.clone()).await;
    refused.assert_problem(503, "database_unavailable");
    assert!(!refused.header("retry-after").is_empty());
    let search = get(&d.app, "/api/v1/search?q=event+id+5058").await;
    assert_eq!(search.status, StatusCode::OK);
    assert_eq!(search.json()["hits"][0]["id"], "Q190698");
    d.state.refresh_outcomes().await;
    let degraded = get(&d.app, "/readyz").await;
    assert_eq!(degraded.status, StatusCode::OK, "still serving");
    assert_eq!(degraded.json()["status"], "degraded");
    assert_eq!(degraded.json()["database"], "unreachable");
    // Back again: writes work without a restart.
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .unwrap();
    let back = call(
        &d.app,
        "PUT",
        LINK,
        Some(&d.agent),
        json!({"outcome": "related"}),
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    d.state.refresh_outcomes().await;
    assert_eq!(get(&d.app, "/readyz").await.json()["status"], "ready");
}

#[tokio::test]
async fn a_migration_that_fails_stops_the_opening_and_leaves_the_database_as_it_was() {
    use sqlx::Connection;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("kbase.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    // A database that already has a `ticket_links` table of its own: migration 1 makes
    // `tokens`, then cannot make `ticket_links`, and must undo `tokens`.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE ticket_links (mine TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO ticket_links VALUES ('kept')")
        .execute(&mut conn)
        .await
        .unwrap();
    let err = Db::open(&file.to_string_lossy()).await.unwrap_err();
    assert!(matches!(err, kbase::db::DbError::Migrate { .. }), "{err}");
    assert!(err.to_string().contains("left as it was"), "{err}");
    let kept: (String,) = sqlx::query_as("SELECT mine FROM ticket_links")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept.0, "kept");
    let links: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE name = 'tokens'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(links.is_empty(), "nothing of the failed migration stays");
    // The command line says so and stops.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(["token", "list", "--database-url", &file.to_string_lossy()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("could not be brought up to date"), "{said}");
}
