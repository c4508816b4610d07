//! The accept loop: HTTP/1 connections with a header-read timeout, graceful shutdown on
//! SIGINT or SIGTERM, and [`run`], which is `kbase serve`.
//!
//! hyper serves each connection; the router of [`super::router`] answers. Shutdown stops
//! accepting, lets requests in flight finish (idle keep-alive connections close at
//! once) and gives up after the configured grace period.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use super::{router, AppState, ServerConfig};
use crate::error::{Error, Result};

/// Serves `router(state)` on `listener` until `shutdown` completes, then stops accepting,
/// lets requests in flight finish (closing idle keep-alive connections at once) and
/// returns, after at most the configured grace period. Request headers must arrive
/// within the configured header timeout.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let config = state.config().clone();
    let app = router(state.clone());
    let upkeep = tokio::spawn({
        let state = state.clone();
        async move {
            // Ticket outcomes every 2 s: a link written through another server on the
            // same database shows here within that.
            // Searches older than --query-log-days go once an hour.
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            let mut n = 0u64;
            loop {
                tick.tick().await;
                state.refresh_outcomes().await;
                if n.is_multiple_of(3) {
                    state.metrics().upkeep();
                }
                if n.is_multiple_of(1800) {
                    super::insights::prune(&state).await;
                }
                n += 1;
            }
        }
    });
    let query_log = tokio::spawn(super::insights::write_queries(state.clone()));
    let state_for_log = state.clone();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let client = super::layers::ClientAddr(peer.ip());
        let service = TowerToHyperService::new(tower::util::MapRequest::new(
            app.clone(),
            move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(client);
                req
            },
        ));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(config.shutdown_grace) => {
            tracing::warn!("shutdown grace period over; closing the remaining connections");
        }
    }
    upkeep.abort();
    // What searches queued reaches the log before the server ends (a second at most).
    state_for_log.query_log().stop();
    if tokio::time::timeout(Duration::from_secs(1), query_log)
        .await
        .is_err()
    {
        tracing::warn!("the query log's last searches could not be written in time");
    }
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `kbase serve`: listens on `addr` at once, brings the index up to date in the
/// background (503 until then), watches the articles folder, and serves until SIGINT or
/// SIGTERM.
pub async fn run(config: ServerConfig, addr: &str) -> Result<()> {
    let url = config.database_url.clone();
    let state = AppState::new(config)?;
    // A database that cannot be reached (or a SQLite file that cannot be made, in a
    // read-only folder) does not keep the articles from being served: the ticket API
    // answers 503 and the database is tried again every 10 s. A migration that fails
    // stops the start: the binary and the database disagree, and a person must decide.
    match crate::db::Db::open(&url).await {
        Ok(db) => {
            tracing::info!("database: {}", crate::db::redact(&url));
            state.attach_db(db);
        }
        Err(e @ crate::db::DbError::Migrate { .. }) => return Err(e.into()),
        Err(e) => {
            tracing::warn!("{e}; serving without ticket links, trying again every 10 s");
            state.database_down(&e.to_string());
            let state = state.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    if let Ok(db) = crate::db::Db::open(&url).await {
                        tracing::info!("database: {} (reached)", crate::db::redact(&url));
                        state.attach_db(db);
                        break;
                    }
                }
            });
        }
    }
    let listen = |source| Error::Listen {
        addr: addr.to_owned(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(listen)?;
    let local: SocketAddr = listener.local_addr().map_err(listen)?;
    tracing::info!("listening on http://{local}/");
    tracing::info!("page templates: {}", state.templates().origin);
    // Watch first, so that nothing written during the first load is missed (a change
    // seen meanwhile makes one more reload right after); the first load is retried
    // until it works, like every reload.
    let watch = state.config().watch;
    let watching = state.live(watch)?;
    if watch {
        tracing::info!("watching {} for changes", state.config().articles.display());
    }
    state.request_reload();
    let served = serve(listener, state, shutdown_signal()).await;
    drop(watching);
    served.map_err(|source| Error::Serve {
        addr: addr.to_owned(),
        source,
    })
}
