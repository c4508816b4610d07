//! The HTTP server: state, router, and the accept loop with its timeouts and graceful
//! shutdown.
//!
//! [`AppState`] holds the one [`Engine`] being served behind an `Arc` that a reload
//! swaps whole: a request clones the `Arc` and keeps that engine (and its searcher
//! snapshot) to the end, so a reload never fails or changes a search in flight. The
//! state also holds the index write lock for the server's life, so reloads (file
//! watcher, admin endpoint) are the only writer and a second `kbase index` is told the
//! index is in use. [`router`] builds the whole `Router` so tests can call it without a
//! socket; [`serve`] runs it on a listener until a shutdown signal.
//!
//! Layout: `api` (handlers and their OpenAPI descriptions), `error` (problem+json),
//! `layers` (middleware), `metrics` (Prometheus).

pub mod api;
pub mod error;
pub mod layers;
pub mod metrics;
pub mod pages;
pub mod templates;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method};
use axum::middleware::from_fn;
use axum::middleware::from_fn_with_state;
use axum::Router;
use indicatif::ProgressBar;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config;
use crate::error::{Error, Result};
use crate::index::{self, IndexLock, OpenOptions, UpdateReport};
use crate::search::Engine;
use error::ApiError;
use metrics::Metrics;

/// How a server runs: where things are, and its limits.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The articles folder.
    pub articles: PathBuf,
    /// The data folder (the index).
    pub data: PathBuf,
    /// The templates folder.
    pub templates: PathBuf,
    /// Whether to watch the articles folder and reload on changes.
    pub watch: bool,
    /// Bearer token of the admin endpoints; `None` disables them.
    pub admin_token: Option<String>,
    /// Origins allowed by CORS; empty: CORS off.
    pub cors_origins: Vec<String>,
    /// The address people reach kbase at (`https://kb.example.com`), for canonical links;
    /// `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Requests served at once before 503.
    pub max_in_flight: usize,
    /// Longest time a request may take (408 after).
    pub request_timeout: Duration,
    /// Longest time to send request headers (connection closed after).
    pub header_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl ServerConfig {
    /// The defaults of DESIGN §7 for these folders: watching on, admin and CORS off.
    pub fn new(articles: impl Into<PathBuf>, data: impl Into<PathBuf>) -> Self {
        ServerConfig {
            articles: articles.into(),
            data: data.into(),
            templates: PathBuf::from(config::DEFAULT_TEMPLATES),
            watch: true,
            admin_token: None,
            cors_origins: Vec::new(),
            public_url: None,
            max_in_flight: config::DEFAULT_MAX_IN_FLIGHT,
            request_timeout: Duration::from_secs(config::REQUEST_TIMEOUT_SECS),
            header_timeout: Duration::from_secs(config::HEADER_TIMEOUT_SECS),
            shutdown_grace: Duration::from_secs(config::SHUTDOWN_GRACE_SECS),
        }
    }

    /// Checks values a server must not start with (a short admin token, a bad origin).
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = &self.admin_token {
            if t.len() < config::MIN_ADMIN_TOKEN_BYTES {
                return Err(Error::Config(format!(
                    "{} is {} bytes; it must be at least {} (or unset, to disable the admin endpoints)",
                    config::ENV_ADMIN_TOKEN,
                    t.len(),
                    config::MIN_ADMIN_TOKEN_BYTES
                )));
            }
        }
        for o in &self.cors_origins {
            if o == "*" || HeaderValue::from_str(o).is_err() || !o.contains("://") {
                return Err(Error::Config(format!(
                    "{}: `{o}` is not an origin such as https://helpdesk.example.com",
                    config::ENV_CORS_ORIGINS
                )));
            }
        }
        if self.max_in_flight == 0 {
            return Err(Error::Config(format!(
                "{} must be at least 1",
                config::ENV_MAX_IN_FLIGHT
            )));
        }
        Ok(())
    }
}

struct Shared {
    config: ServerConfig,
    templates: RwLock<Arc<templates::Templates>>,
    engine: RwLock<Option<Arc<Engine>>>,
    /// The index write lock; taken by each reload in turn.
    lock: Mutex<IndexLock>,
    metrics: Metrics,
    in_flight: Arc<Semaphore>,
    openapi: std::sync::OnceLock<String>,
    reload_wanted: Notify,
}

/// What every handler shares: the engine being served, the configuration, the metrics.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// A state for `config`, taking the index write lock (fails at once with
    /// [`Error::IndexBusy`] when another process holds it). Nothing is served until the
    /// first [`AppState::reload`]: until then `/readyz` and searches answer 503.
    pub fn new(config: ServerConfig) -> Result<AppState> {
        config.validate()?;
        if !config.articles.is_dir() {
            return Err(Error::NoArticlesDir(config.articles.clone()));
        }
        let templates = templates::Templates::load(&config.templates)?;
        let lock = index::lock(&config.data)?;
        Ok(AppState(Arc::new(Shared {
            templates: RwLock::new(Arc::new(templates)),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
            config,
            engine: RwLock::new(None),
            lock: Mutex::new(lock),
            metrics: Metrics::new(),
            openapi: std::sync::OnceLock::new(),
            reload_wanted: Notify::new(),
        })))
    }

    /// The engine being served, or 503 while the index is not loaded yet.
    pub fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        self.0
            .engine
            .read()
            .ok()
            .and_then(|e| e.clone())
            .ok_or_else(|| {
                ApiError::unavailable("not_ready", "the index is being built; retry shortly")
            })
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The templates being used.
    pub fn templates(&self) -> Arc<templates::Templates> {
        self.0
            .templates
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Reloads the templates; when they do not compile, logs why (file and line) and
    /// keeps the last good ones.
    pub fn reload_templates(&self) {
        match templates::Templates::load(&self.0.config.templates) {
            Ok(t) => {
                tracing::info!("templates reloaded from {}", t.origin);
                if let Ok(mut slot) = self.0.templates.write() {
                    *slot = Arc::new(t);
                }
            }
            Err(e) => tracing::error!("{e}; the previous templates stay in use"),
        }
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    fn in_flight(&self) -> Arc<Semaphore> {
        self.0.in_flight.clone()
    }

    fn openapi_json(&self) -> String {
        self.0.openapi.get().cloned().unwrap_or_default()
    }

    /// Brings the index up to date with the articles folder and serves the result; on
    /// failure the engine served so far stays. Reloads run one at a time.
    pub async fn reload(&self, rebuild: bool) -> Result<UpdateReport> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.reload_blocking(rebuild))
            .await
            .map_err(|e| Error::Index(format!("the reload stopped: {e}")))?
    }

    fn reload_blocking(&self, rebuild: bool) -> Result<UpdateReport> {
        let started = Instant::now();
        let lock = self
            .0
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = &self.0.config;
        let opened = index::open_locked(
            &lock,
            &c.articles,
            OpenOptions { rebuild },
            &ProgressBar::hidden(),
        )
        .and_then(|(index, report)| {
            Engine::new(index)
                .map(|engine| (engine, report))
                .map_err(|e| Error::Index(e.to_string()))
        });
        match opened {
            Ok((engine, report)) => {
                let docs = engine.num_docs();
                if let Ok(mut slot) = self.0.engine.write() {
                    *slot = Some(Arc::new(engine));
                }
                drop(lock);
                self.0.metrics.reload(Some(docs), started.elapsed());
                for p in &report.problems {
                    tracing::warn!("{p}");
                }
                if report.added + report.changed + report.removed > 0 || report.rebuilt.is_some() {
                    tracing::info!("{}", report.summary());
                }
                Ok(report)
            }
            Err(e) => {
                drop(lock);
                self.0.metrics.reload(None, started.elapsed());
                tracing::error!("reload failed, still serving the previous index: {e}");
                Err(e)
            }
        }
    }

    /// Asks the reload task for a reload (many asks while one runs make one more).
    pub fn request_reload(&self) {
        self.0.reload_wanted.notify_one();
    }

    /// Runs reloads asked for by [`AppState::request_reload`], forever.
    async fn reload_loop(self) {
        loop {
            self.0.reload_wanted.notified().await;
            let _ = self.reload(false).await;
        }
    }

    /// Starts live reload: a watcher on the articles folder asks for a reload after each
    /// burst of changes, and a task runs them. Both stop when the result is dropped.
    /// Must be called inside the server's tokio runtime.
    pub fn watch(&self) -> Result<Watching> {
        let asker = self.clone();
        let watcher = crate::store::watch(&self.0.config.articles, move |_| {
            asker.request_reload();
        })?;
        let task = tokio::spawn(self.clone().reload_loop());
        let templates = match templates::watched_dir(&self.0.config.templates) {
            Some(dir) => {
                let state = self.clone();
                let w = crate::store::watch_filtered(
                    &dir,
                    |_, p| {
                        p.extension().is_some_and(|e| {
                            ["html", "xml", "css", "js", "svg"].iter().any(|x| e == *x)
                        })
                    },
                    move |_| state.reload_templates(),
                )?;
                Some(w)
            }
            None => None,
        };
        Ok(Watching {
            _watcher: watcher,
            _templates: templates,
            task,
        })
    }
}

/// Live reload running; dropping it stops the watcher and the reload task.
pub struct Watching {
    _watcher: crate::store::Watcher,
    _templates: Option<crate::store::Watcher>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The whole HTTP surface over `state`: API, operational endpoints, permalinks, and the
/// middleware of [`layers`].
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::search))
        .routes(routes!(api::article))
        .routes(routes!(api::events))
        .routes(routes!(api::suggest))
        .routes(routes!(api::reindex))
        .routes(routes!(api::openapi))
        .routes(routes!(api::healthz))
        .routes(routes!(api::readyz))
        .routes(routes!(api::metrics))
        .routes(routes!(api::rendition))
        .routes(routes!(api::permalink))
        .split_for_parts();
    let pages = Router::new()
        .route("/", axum::routing::get(pages::home))
        .route("/search", axum::routing::get(pages::search))
        .route("/events", axum::routing::get(pages::events))
        .route("/events/{id}", axum::routing::get(pages::event))
        .route("/products", axum::routing::get(pages::products))
        .route("/products/{slug}", axum::routing::get(pages::product))
        .route("/eventviewer", axum::routing::get(pages::eventviewer))
        .route("/opensearch.xml", axum::routing::get(pages::opensearch))
        .route("/static/{name}", axum::routing::get(pages::static_file));
    let _ = state
        .0
        .openapi
        .set(openapi.to_json().unwrap_or_else(|_| "{}".into()));
    let mut app = api
        .merge(pages)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this resource does not accept that method",
            )
        })
        // Innermost first: each `.layer` wraps what is above it.
        .layer(from_fn_with_state(state.clone(), layers::timeout))
        .layer(DefaultBodyLimit::max(config::MAX_BODY_BYTES))
        .layer(from_fn(layers::refuse_large_bodies))
        .layer(from_fn_with_state(state.clone(), layers::limit_in_flight))
        .layer(CompressionLayer::new())
        .layer(from_fn(layers::problem_bodies))
        .layer(CatchPanicLayer::custom(layers::panic_response))
        .layer(from_fn(layers::security_headers))
        .layer(from_fn_with_state(state.clone(), layers::observe));
    if !state.config().cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .config()
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE]),
        );
    }
    app.layer(PropagateRequestIdLayer::new(layers::X_REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(
            layers::X_REQUEST_ID.clone(),
            layers::RequestIds::default(),
        ))
        .with_state(state)
}

/// The OpenAPI document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "kbase", description = "Knowledge-base articles for IT helpdesks: search by event ID, error code, article id or words; read articles and their fixes."),
    modifiers(&BearerAuth),
    components(schemas(error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

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
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                state.metrics().upkeep();
            }
        }
    });
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
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
        let service = TowerToHyperService::new(app.clone());
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
    let started = Instant::now();
    let state = AppState::new(config)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
    let local: SocketAddr = listener
        .local_addr()
        .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!("listening on http://{local}/");
    tracing::info!("page templates: {}", state.templates().origin);
    let c = state.config().clone();
    // Watch first, so that nothing written during the first update is missed (a change
    // seen meanwhile makes one more reload right after).
    let watching = if c.watch { Some(state.watch()?) } else { None };
    let loader = state.clone();
    tokio::spawn(async move {
        match loader.reload(false).await {
            Ok(report) => {
                tracing::info!(
                "serving {} articles from {} (index {} in {:.0} ms; ready {:.0} ms after start){}",
                report.indexed,
                c.articles.display(),
                if report.rebuilt.is_some() { "built" } else { "updated" },
                report.elapsed.as_secs_f64() * 1000.0,
                started.elapsed().as_secs_f64() * 1000.0,
                if c.watch { "; watching for changes" } else { "" }
            )
            }
            Err(e) => tracing::error!("the index could not be loaded: {e}"),
        }
    });
    let served = serve(listener, state, shutdown_signal()).await;
    drop(watching);
    served.map_err(|e| Error::Config(format!("serving on {addr}: {e}")))
}
