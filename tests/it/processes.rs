//! `kbase serve` as real processes on one database: killed with SIGKILL in the middle of
//! a stream of link writes (every write it acknowledged is there after the restart), and
//! two servers sharing one PostgreSQL (a link written through one reorders the other's
//! results within 5 s).

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::repo;
use crate::server::Site;
use crate::tickets::fresh_postgres_database;

const TOKEN: &str = "a-bootstrap-admin-token-of-32-bytes!";

/// A `kbase serve` process on `site` and `database`, ready.
struct Served {
    child: Child,
    base: String,
}

impl Served {
    async fn start(site: &Site, database: &str) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_kbase"))
            .args([
                "serve",
                "--no-watch",
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .arg("--articles")
            .arg(&site.articles)
            .arg("--data")
            .arg(&site.data)
            .arg("--templates")
            .arg(repo().join("templates"))
            .args(["--database-url", database])
            .env("KBASE_ADMIN_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", served.base)).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(30), "never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        served
    }

    async fn first_ids(&self, client: &reqwest::Client, q: &str) -> Vec<String> {
        let v: Value = client
            .get(format!("{}/api/v1/search", self.base))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SQLite in the site's folder, and a fresh PostgreSQL database when the tests have a
/// server (CI always does).
async fn databases(site: &Site) -> Vec<String> {
    let mut out = vec![site.data.with_file_name("kbase.db").display().to_string()];
    match std::env::var("KBASE_TEST_POSTGRES_URL") {
        Ok(base) => out.push(fresh_postgres_database(&base).await),
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "CI runs this on PostgreSQL"
        ),
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_during_writes_keeps_every_write_it_acknowledged() {
    let site = Site::new();
    for database in databases(&site).await {
        let server = Served::start(&site, &database).await;
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let client = reqwest::Client::new();
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let (client, base, acknowledged) =
                    (client.clone(), server.base.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        let ticket = format!("W{w}-{i}");
                        let sent = client
                            .put(format!("{base}/api/v1/tickets/{ticket}/articles/Q190698"))
                            .bearer_auth(TOKEN)
                            .json(&json!({"outcome": "fixed", "event": {"id": 5058}}))
                            .send()
                            .await;
                        match sent {
                            Ok(r) if r.status() == 201 => acknowledged.lock().unwrap().push(ticket),
                            Ok(r) => panic!("{ticket}: {}", r.status()),
                            // The server is gone.
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        // Kill it while the writes stream in.
        let started = Instant::now();
        while acknowledged.lock().unwrap().len() < 150 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "writes too slow"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(server);
        for w in writers {
            w.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        // Started again on the same database: every acknowledged link is there.
        let again = Served::start(&site, &database).await;
        let db = kbase::db::Db::open(&database).await.unwrap();
        for ticket in &acknowledged {
            let links = kbase::db::links::for_ticket(&db, ticket).await.unwrap();
            assert_eq!(
                links.len(),
                1,
                "{database}: {ticket} was acknowledged, then lost"
            );
        }
        let counts: Value = client
            .get(format!("{}/api/v1/articles/Q190698/tickets", again.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            counts["outcomes"]["fixed"].as_u64().unwrap() >= acknowledged.len() as u64,
            "{counts}"
        );
        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgresql_rank_by_each_others_links_within_5_s() {
    let Ok(base) = std::env::var("KBASE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs this on PostgreSQL"
        );
        return;
    };
    let database = fresh_postgres_database(&base).await;
    let (one, two) = (Site::new(), Site::new());
    let (a, b) = (
        Served::start(&one, &database).await,
        Served::start(&two, &database).await,
    );
    let client = reqwest::Client::new();
    // Q300001 and Q300002 tie for event 1000 and are ordered by id.
    assert_eq!(
        b.first_ids(&client, "event id 1000").await[..2],
        ["Q300001", "Q300002"]
    );
    let written = client
        .put(format!("{}/api/v1/tickets/INC1/articles/Q300002", a.base))
        .bearer_auth(TOKEN)
        .json(&json!({"outcome": "fixed", "event": {"id": 1000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    let at = Instant::now();
    loop {
        if b.first_ids(&client, "event id 1000").await[0] == "Q300002" {
            break;
        }
        assert!(
            at.elapsed() < Duration::from_secs(5),
            "the other server did not rank by the link within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
