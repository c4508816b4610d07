//! The server on a real socket (`127.0.0.1:0`): live reload of created, changed,
//! renamed, deleted and broken files, reloads under concurrent searches, timeouts on
//! slow clients, the body limit before the body, and graceful shutdown.

use std::fs;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kbase::server::{self, AppState, ServerConfig, Watching};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::Site;

/// Generous bound for a change to show: the 2 s target is measured by
/// `benches/load.sh`; this only keeps a slow CI machine from failing a correct server.
const PATIENCE: Duration = Duration::from_secs(15);

struct Running {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<std::io::Result<()>>,
    _watching: Option<Watching>,
    client: reqwest::Client,
}

impl Running {
    async fn start(config: ServerConfig) -> Running {
        let watch = config.watch;
        let state = AppState::new(config).unwrap();
        state.reload(false).await.unwrap();
        let watching = watch.then(|| state.watch().unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(server::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Running {
            addr,
            state,
            stop: Some(stop),
            served,
            _watching: watching,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn search_ids(&self, q: &str) -> Vec<String> {
        let v: Value = self
            .client
            .get(self.url("/api/v1/search"))
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

    /// Polls until `check` holds; returns how long it took.
    async fn until(&self, what: &str, check: impl AsyncFn() -> bool) -> Duration {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if check().await {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{what}: not seen within {PATIENCE:?}");
    }

    async fn shutdown(mut self) -> Duration {
        let started = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.served).await.unwrap().unwrap();
        started.elapsed()
    }
}

fn live_config(site: &Site) -> ServerConfig {
    let mut c = site.config();
    c.watch = true;
    c
}

const NEW: &str = "---\nid: Q300010\ntitle: Quokka Service Fails To Start\n---\n\n## Symptoms\n\nThe quokka service stops.\n\n## Resolution\n\nReinstall the quokka service.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_reload_follows_created_changed_renamed_and_deleted_files() {
    let site = Site::new();
    let s = Running::start(live_config(&site)).await;
    assert!(s.search_ids("quokka").await.is_empty());

    // Created.
    fs::write(site.articles.join("Q300010.md"), NEW).unwrap();
    let took = s
        .until("a new file", async || {
            s.search_ids("quokka").await == ["Q300010"]
        })
        .await;
    eprintln!("new file searchable after {took:?}");

    // Changed.
    fs::write(
        site.articles.join("Q300010.md"),
        NEW.replace("Quokka", "Wombat").replace("quokka", "wombat"),
    )
    .unwrap();
    s.until("a changed file", async || {
        s.search_ids("wombat").await == ["Q300010"] && s.search_ids("quokka").await.is_empty()
    })
    .await;

    // Renamed into a subfolder: the same article, at another path.
    fs::create_dir_all(site.articles.join("moved")).unwrap();
    fs::rename(
        site.articles.join("Q300010.md"),
        site.articles.join("moved/wombat.md"),
    )
    .unwrap();
    fs::write(
        site.articles.join("marker.md"),
        "---\nid: Q300011\ntitle: Marker One\n---\n",
    )
    .unwrap();
    s.until("the marker after a rename", async || {
        s.search_ids("marker").await == ["Q300011"]
    })
    .await;
    assert_eq!(s.search_ids("wombat").await, ["Q300010"]);

    // An editor's save: write a hidden temporary file, rename it over the article.
    let tmp = site.articles.join(".wombat.md.swp");
    fs::write(
        &tmp,
        NEW.replace("Quokka", "Numbat").replace("quokka", "numbat"),
    )
    .unwrap();
    fs::rename(&tmp, site.articles.join("moved/wombat.md")).unwrap();
    s.until("an editor's save", async || {
        s.search_ids("numbat").await == ["Q300010"]
    })
    .await;

    // Deleted.
    fs::remove_file(site.articles.join("moved/wombat.md")).unwrap();
    let took = s
        .until("a deleted file", async || {
            s.search_ids("numbat").await.is_empty()
        })
        .await;
    eprintln!("deleted file gone after {took:?}");
    let a = s
        .client
        .get(s.url("/api/v1/articles/Q300010"))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 404);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_edit_keeps_the_last_good_version() {
    let site = Site::new();
    let s = Running::start(live_config(&site)).await;
    let path = site.articles.join("Q300002.md");
    let good = fs::read_to_string(&path).unwrap();
    fs::write(&path, good.replace("title: Directory", "title: [Directory")).unwrap();
    // A marker written after the broken edit: once it is searchable, a reload has seen
    // the broken file too.
    fs::write(
        site.articles.join("marker.md"),
        "---\nid: Q300012\ntitle: Marker Two\n---\n",
    )
    .unwrap();
    s.until("the marker after a broken edit", async || {
        s.search_ids("marker").await == ["Q300012"]
    })
    .await;
    assert_eq!(s.search_ids("directory service start").await[0], "Q300002");
    let v: Value = s
        .client
        .get(s.url("/api/v1/articles/Q300002"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["title"], "Directory Service Event 1000 on Start");
    // Everything else is untouched.
    assert_eq!(s.search_ids("5058").await, ["Q190698"]);
    // Fixed again: the new version replaces the old.
    fs::write(&path, good.replace("on Start", "on Boot")).unwrap();
    s.until("the fixed file", async || {
        s.search_ids("boot").await == ["Q300002"]
    })
    .await;
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_concurrent_searches_fail_no_request() {
    let site = Site::new();
    let s = Running::start(live_config(&site)).await;
    let url = s.url("/api/v1/search?q=event+1000");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (client, url, stop) = (s.client.clone(), url.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match client.get(&url).send().await {
                    Ok(r) if r.status() == 200 => match r.json::<Value>().await {
                        Ok(v) if v["total"].as_u64().unwrap_or(0) >= 2 => ok += 1,
                        other => failed.push(format!("{other:?}")),
                    },
                    other => failed.push(format!("{other:?}")),
                }
            }
            (ok, failed)
        }));
    }
    for i in 0..30 {
        let name = site.articles.join(format!("storm{}.md", i % 5));
        fs::write(
            &name,
            format!(
                "---\nid: Q30010{}\ntitle: Storm {i} Event 1000\n---\n\nText {i}.\n",
                i % 5
            ),
        )
        .unwrap();
        if i % 3 == 0 {
            s.state.request_reload();
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    s.state.reload(false).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for c in clients {
        let (ok, failed) = c.await.unwrap();
        assert!(failed.is_empty(), "failed searches: {failed:?}");
        total += ok;
    }
    assert!(total > 0);
    assert_eq!(s.search_ids("storm").await.len(), 5);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off_and_oversized_bodies_refused_before_reading() {
    let site = Site::new();
    let mut config = site.config();
    config.header_timeout = Duration::from_millis(300);
    let s = Running::start(config).await;

    // Headers that never finish: the connection is closed.
    let mut slow = TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the slow connection was not closed");
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buf)
    );

    // A 100 MB body announced: 413 without waiting for it.
    let mut big = TcpStream::connect(s.addr).await.unwrap();
    big.write_all(
        b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 104857600\r\n\r\nEvent ID 5058",
    )
    .await
    .unwrap();
    let mut head = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), big.read(&mut head))
        .await
        .expect("no answer to an oversized body")
        .unwrap();
    let answer = String::from_utf8_lossy(&head[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");

    // Real requests are still answered.
    assert_eq!(s.search_ids("5058").await, ["Q190698"]);
    s.shutdown().await;
}

/// Requests hyper refuses before kbase sees them (headers too large, not HTTP) get
/// hyper's own answer, which kbase cannot add headers to. The decision (README, "Errors")
/// rests on what this checks: the answer is bodiless and the connection closes, so there
/// is no content for the security headers to guard.
#[tokio::test]
async fn requests_refused_before_routing_get_a_bodiless_answer_and_a_closed_connection() {
    let site = Site::new();
    let s = Running::start(site.config()).await;
    // More header fields than the HTTP library parses (100), and a header block larger
    // than its read buffer (about 400 KB; a block that arrives in one read may be parsed
    // whole, so this one is far larger).
    let many: String = (0..150).map(|n| format!("X-{n}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(4_000_000)
    );
    for (request, status) in [
        (many.into_bytes(), "431"),
        (huge.into_bytes(), "431"),
        (b"NOT\x01HTTP AT ALL\r\n\r\n".to_vec(), "400"),
    ] {
        let mut conn = TcpStream::connect(s.addr).await.unwrap();
        let _ = conn.write_all(&request).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(
            answer.starts_with(&format!("http/1.1 {status}")),
            "{answer}"
        );
        assert!(answer.contains("content-length: 0\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n"), "a body follows: {answer}");
        assert!(answer.contains("connection: close"), "{answer}");
    }
    assert_eq!(s.search_ids("5058").await, ["Q190698"]);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_requests_in_flight_and_does_not_wait_for_idle_connections() {
    let site = Site::new();
    let mut config = site.config();
    config.shutdown_grace = Duration::from_secs(60);
    let s = Running::start(config).await;

    // An idle keep-alive connection, after one request.
    let mut idle = TcpStream::connect(s.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // A connection that has not sent anything yet.
    let _silent = TcpStream::connect(s.addr).await.unwrap();

    // A request in flight: its body is half sent when the shutdown starts.
    let body = "Event ID 5058 was logged";
    let mut busy = TcpStream::connect(s.addr).await.unwrap();
    busy.write_all(
        format!(
            "POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}",
            body.len(),
            &body[..8]
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let addr = s.addr;
    let shutdown = tokio::spawn(s.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections once shutting down.
    assert!(
        TcpStream::connect(addr).await.is_err() || !shutdown.is_finished(),
        "still accepting"
    );
    busy.write_all(&body.as_bytes()[8..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), busy.read_to_end(&mut answer))
        .await
        .expect("the request in flight was not answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Q190698"), "{answer}");
    let took = tokio::time::timeout(Duration::from_secs(20), shutdown)
        .await
        .expect("shutdown waited for idle connections")
        .unwrap();
    assert!(took < Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_first_load_is_tried_again_until_it_works() {
    let site = Site::new();
    // The data folder cannot take the index's `CURRENT` (a folder is in the way of its
    // temporary file): the first load fails as on a full disk.
    let blocker = site.data.join("index/CURRENT.tmp");
    fs::create_dir_all(&blocker).unwrap();
    let state = AppState::new(site.config()).unwrap();
    let _live = state.live(false).unwrap();
    state.request_reload();
    let app = server::router(state.clone());
    let deadline = Instant::now() + PATIENCE;
    while state.failing().is_none() {
        assert!(Instant::now() < deadline, "the first load did not fail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a = crate::server::get(&app, "/readyz").await;
    a.assert_problem(503, "not_ready");
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("trying again"));
    // Space comes back; nothing else changes.
    fs::remove_dir(&blocker).unwrap();
    while crate::server::get(&app, "/readyz").await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "never ready after the cause went"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(state.failing().is_none());
    let v = crate::server::get(&app, "/api/v1/search?q=event+id+5058")
        .await
        .json();
    assert_eq!(v["hits"][0]["id"], "Q190698");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_articles_folder_deleted_and_made_anew_is_served_and_watched_again() {
    let site = Site::new();
    let s = Running::start(live_config(&site)).await;
    assert_eq!(s.search_ids("kmsdata").await, ["Q190698"]);
    // Gone: the last index keeps serving.
    fs::remove_dir_all(&site.articles).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    // A deploy puts a new folder in its place by a rename.
    let fresh = site._tmp.path().join("articles.new");
    fs::create_dir_all(&fresh).unwrap();
    fs::write(fresh.join("Q300010.md"), NEW).unwrap();
    fs::rename(&fresh, &site.articles).unwrap();
    s.until("the new folder is served", async || {
        s.search_ids("quokka").await == ["Q300010"] && s.search_ids("kmsdata").await.is_empty()
    })
    .await;
    // And it is watched: an article written into it now shows.
    fs::copy(
        crate::repo().join("articles/Q190698.md"),
        site.articles.join("Q190698.md"),
    )
    .unwrap();
    s.until("a file written into the new folder", async || {
        s.search_ids("kmsdata").await == ["Q190698"]
    })
    .await;
    s.shutdown().await;
}
