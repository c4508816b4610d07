//! The cost of one request through kbase's whole HTTP stack (routing, middleware, the
//! handler, the JSON), without sockets: what `benches/load.sh` measures minus the
//! network and the load generator, and steady enough to compare two builds on a busy
//! machine.
//!
//! `cargo bench --bench router -- ARTICLES DATA PATHS... [--rounds N] [--database-url URL]
//! [--no-query-log]` serves the index of ARTICLES in DATA (built if needed) and sends
//! every request path of each PATHS file (one path per line, as `benches/load.sh` writes
//! them: `paths-article.txt`, ...) through the router, one at a time, N rounds (default
//! 5). It prints, per file, the mean microseconds per request of the best round and of
//! the median round, and the process's CPU time per request (every thread: the query
//! log's writer too) of the median round, with the same for `/healthz`, the floor every
//! request pays. With `--database-url`, the server keeps what tickets recorded there
//! (ranking by it) and logs every search to it, unless `--no-query-log`: run it with and
//! without to see what they cost.

use std::path::PathBuf;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use kbase::server::{self, AppState, ServerConfig};
use tower::ServiceExt;

/// The server's allocator, so that the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut rounds = 5usize;
    let mut positional = Vec::new();
    let mut database = None;
    let mut query_log = true;
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds);
        } else if a == "--database-url" {
            database = args.next();
        } else if a == "--no-query-log" {
            query_log = false;
        } else {
            positional.push(a);
        }
    }
    if positional.len() < 3 {
        println!("usage: cargo bench --bench router -- ARTICLES DATA PATHS... [--rounds N]");
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut config = ServerConfig::new(&positional[0], &positional[1]);
        config.watch = false;
        config.query_log = query_log;
        let state = AppState::new(config).expect("state");
        state.reload(false).await.expect("index");
        if let Some(url) = &database {
            state.attach_db(kbase::db::Db::open(url).await.expect("database"));
            state.refresh_outcomes().await;
            tokio::spawn(server::insights::write_queries(state.clone()));
        }
        let app = server::router(state);
        println!(
            "{:<24} {:>9} {:>14} {:>14} {:>14}",
            "paths", "requests", "best us/req", "median us/req", "cpu us/req"
        );
        let health = vec!["/healthz".to_owned(); 4000];
        let mut sets = vec![("/healthz".to_owned(), health)];
        for file in &positional[2..] {
            let text = std::fs::read_to_string(file).expect("paths file");
            let once: Vec<String> = text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            // Rounds of at least 4,000 requests: the CPU time is counted in 1/100 s.
            let mut paths = once.clone();
            while !once.is_empty() && paths.len() < 4000 {
                paths.extend(once.iter().cloned());
            }
            let name = PathBuf::from(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            sets.push((name, paths));
        }
        for (name, paths) in &sets {
            // One unmeasured round warms the page cache and the allocator.
            let mut times = Vec::with_capacity(rounds);
            let mut cpu = Vec::with_capacity(rounds);
            for round in 0..=rounds {
                let started = Instant::now();
                let cpu_started = cpu_seconds();
                for p in paths {
                    let req = Request::get(p.as_str())
                        .body(Body::empty())
                        .expect("request");
                    let response = app.clone().oneshot(req).await.expect("answer");
                    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                        .await
                        .expect("body");
                    std::hint::black_box(body);
                }
                // Let the query log's writer catch up, inside the round's CPU time.
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                if round > 0 {
                    times.push(
                        (started.elapsed().as_secs_f64() - 0.3).max(0.0) * 1e6 / paths.len() as f64,
                    );
                    cpu.push((cpu_seconds() - cpu_started) * 1e6 / paths.len() as f64);
                }
            }
            times.sort_by(f64::total_cmp);
            cpu.sort_by(f64::total_cmp);
            println!(
                "{:<24} {:>9} {:>14.1} {:>14.1} {:>14.1}",
                name,
                paths.len(),
                times[0],
                times[times.len() / 2],
                cpu[cpu.len() / 2]
            );
        }
    });
}

/// The CPU time the process has used, every thread, in seconds (Linux: `/proc/self/stat`,
/// in clock ticks of 1/100 s; 0 elsewhere).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}
