//! What every handler shares: the configuration, the engine being served, the
//! templates, the metrics, and live reload.
//!
//! [`AppState`] holds the one [`Engine`] being served behind an `Arc` that a reload
//! swaps whole: a request clones the `Arc` and keeps that engine (and its searcher
//! snapshot) to the end, so a reload never fails or changes a search in flight. The
//! state also holds the index write lock for the server's life, so reloads (file
//! watcher, admin endpoint) are the only writer and a second `kbase index` is told the
//! index is in use. Locks here are `std` locks held only to clone or swap an `Arc`,
//! never across an `.await`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use indicatif::ProgressBar;
use tokio::sync::{Notify, Semaphore};

use super::error::ApiError;
use super::metrics::Metrics;
use super::templates;
use crate::config;
use crate::error::{Error, Result};
use crate::index::{self, IndexLock, OpenOptions, UpdateReport};
use crate::search::{Engine, SearchRequest, SearchResponse};

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
    /// A synonym file extending the shipped list and `articles/.kbase/synonyms.yml`.
    pub synonyms: Option<PathBuf>,
    /// The database of tokens and ticket links (`sqlite://kbase.db` unless set).
    pub database_url: String,
    /// Whether searches are logged for the insights.
    pub query_log: bool,
    /// Whether the query log keeps each search's client address.
    pub log_clients: bool,
    /// Days the query log keeps searches.
    pub query_log_days: u32,
    /// Searches the query log's queue holds before it drops more.
    pub query_log_queue: usize,
    /// Who may read an article whose front matter does not say (`--default-visibility`).
    pub default_visibility: crate::article::Visibility,
    /// The header an authenticating proxy names its signed-in user in
    /// (`--trusted-proxy-header X-Forwarded-User`); honoured only from
    /// [`ServerConfig::trusted_proxies`].
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// The reverse proxies (`--trusted-proxy CIDR`): their `X-Forwarded-For` names the
    /// reader's address, and their user header, when one is set, is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The day articles expire against and reviews fall due, instead of the clock's
    /// (`KBASE_TODAY`, for tests and reproducible runs).
    pub today: Option<crate::article::Date>,
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
            synonyms: None,
            database_url: crate::db::DEFAULT_URL.to_owned(),
            query_log: true,
            log_clients: false,
            query_log_days: config::DEFAULT_QUERY_LOG_DAYS,
            query_log_queue: config::QUERY_LOG_QUEUE,
            default_visibility: crate::article::Visibility::Public,
            trusted_proxy_header: None,
            trusted_proxies: Vec::new(),
            today: None,
        }
    }

    /// Checks values a server must not start with (a short admin token, a bad origin).
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = &self.admin_token {
            if t.len() < config::MIN_ADMIN_TOKEN_BYTES {
                return Err(Error::Setting {
                    name: config::ENV_ADMIN_TOKEN,
                    problem: format!(
                        "it is {} bytes; it must be at least {} (or unset, to disable the admin endpoints)",
                        t.len(),
                        config::MIN_ADMIN_TOKEN_BYTES
                    ),
                });
            }
        }
        for o in &self.cors_origins {
            if o == "*" || HeaderValue::from_str(o).is_err() || !o.contains("://") {
                return Err(Error::Setting {
                    name: config::ENV_CORS_ORIGINS,
                    problem: format!("`{o}` is not an origin such as https://helpdesk.example.com"),
                });
            }
        }
        if self.max_in_flight == 0 {
            return Err(Error::Setting {
                name: config::ENV_MAX_IN_FLIGHT,
                problem: "it must be at least 1".to_owned(),
            });
        }
        Ok(())
    }
}

pub(super) struct Shared {
    config: ServerConfig,
    templates: RwLock<Arc<templates::Templates>>,
    engine: RwLock<Option<Arc<Engine>>>,
    /// The index write lock; taken by each reload in turn. `None` when the data folder
    /// cannot be written: the index is then served as it is, without reloads.
    lock: Mutex<Option<IndexLock>>,
    /// The data folder cannot be written (`lock` is `None`), known at start: asking must
    /// not wait for a reload, which holds `lock` throughout.
    read_only: bool,
    metrics: Metrics,
    in_flight: Arc<Semaphore>,
    pub(super) openapi: std::sync::OnceLock<String>,
    reload_wanted: Notify,
    /// A rebuild after damaged index data is under way.
    rebuilding: AtomicBool,
    /// The index's checksums were checked (at the first load).
    verified: AtomicBool,
    /// Why the last load or reload failed, while it is being tried again.
    failing: Mutex<Option<Failing>>,
    /// The articles folder's watcher while live reload runs; made anew when the folder
    /// is replaced.
    watcher: Mutex<Option<crate::store::Watcher>>,
    /// When the state was made: "ready N ms after start".
    created: Instant,
    /// The database of tokens and ticket links, once opened ([`AppState::attach_db`]).
    db: std::sync::OnceLock<crate::db::Db>,
    /// What tickets recorded, as last read from the database ([`AppState::refresh_outcomes`]).
    outcomes: RwLock<Arc<crate::db::links::OutcomeTable>>,
    /// Whether the database the server was started with is out of reach now.
    db_down: AtomicBool,
    /// When the database's being out of reach was last logged (seconds since start).
    db_warned: std::sync::atomic::AtomicU64,
    /// Writes of links made (counted before each refresh they wait for) and the count
    /// the last refresh covered, under the lock that lets one refresh run at a time.
    writes: std::sync::atomic::AtomicU64,
    refreshed: tokio::sync::Mutex<u64>,
    /// Searches on their way to the query log.
    query_log: super::insights::QueryLog,
    /// "Did this fix it?" answers per client address, for the per-address limit.
    feedback_limit: super::forms::RateLimit,
}

/// First wait before a failed load or reload is tried again; each failure doubles it,
/// up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
/// Longest wait between tries of a failing load or reload.
pub const RETRY_MAX: Duration = Duration::from_secs(60);

/// A load or reload that failed and is being tried again (`/readyz` says so).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failing {
    /// Failed tries in a row.
    pub failures: u32,
    /// Seconds until the next try.
    pub retry_in_s: u64,
}

/// What every handler shares: the engine being served, the configuration, the metrics.
#[derive(Clone)]
pub struct AppState(pub(super) Arc<Shared>);

impl AppState {
    /// A state for `config`, taking the index write lock (fails at once with
    /// [`Error::IndexBusy`] when another process holds it). Nothing is served until the
    /// first [`AppState::reload`]: until then `/readyz` and searches answer 503. A data
    /// folder that cannot be written is served read-only: its index as it is, with no
    /// live reload, rebuild or reindex (said once in the log).
    pub fn new(config: ServerConfig) -> Result<AppState> {
        config.validate()?;
        if !config.articles.is_dir() {
            return Err(Error::NoArticlesDir(config.articles.clone()));
        }
        let templates = templates::Templates::load(&config.templates)?;
        let lock = match index::lock(&config.data) {
            Ok(lock) => Some(lock),
            Err(Error::ReadOnly { path, source }) => {
                tracing::warn!(
                    "the data folder {} cannot be written ({source}): serving its index as it is, without live reload, rebuilds or reindex",
                    path.display()
                );
                None
            }
            Err(e) => return Err(e),
        };
        let query_log = super::insights::QueryLog::new(config.query_log_queue);
        Ok(AppState(Arc::new(Shared {
            read_only: lock.is_none(),
            templates: RwLock::new(Arc::new(templates)),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
            config,
            engine: RwLock::new(None),
            lock: Mutex::new(lock),
            metrics: Metrics::new(),
            openapi: std::sync::OnceLock::new(),
            reload_wanted: Notify::new(),
            rebuilding: AtomicBool::new(false),
            verified: AtomicBool::new(false),
            failing: Mutex::new(None),
            watcher: Mutex::new(None),
            created: Instant::now(),
            db: std::sync::OnceLock::new(),
            outcomes: RwLock::new(Arc::default()),
            db_down: AtomicBool::new(false),
            db_warned: std::sync::atomic::AtomicU64::new(0),
            writes: std::sync::atomic::AtomicU64::new(0),
            refreshed: tokio::sync::Mutex::new(0),
            query_log,
            feedback_limit: super::forms::RateLimit::new(
                config::FEEDBACK_PER_WINDOW,
                Duration::from_secs(config::FEEDBACK_WINDOW_SECS),
            ),
        })))
    }

    /// The query log's queue.
    pub(super) fn query_log(&self) -> &super::insights::QueryLog {
        &self.0.query_log
    }

    /// The per-address limit of "Did this fix it?".
    pub(super) fn feedback_limit(&self) -> &super::forms::RateLimit {
        &self.0.feedback_limit
    }

    /// What tickets recorded, as last read (empty without a database).
    pub fn outcome_table(&self) -> Arc<crate::db::links::OutcomeTable> {
        self.outcomes()
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

    /// Runs `work` with the engine being served on a blocking thread, off the async
    /// workers: a search or a suggestion costs CPU in proportion to what the caller sent,
    /// and while it runs the workers stay free for `/healthz`, for the request timeout
    /// (which answers 408 even while the work goes on) and for other requests. 503 while
    /// the index is not loaded.
    pub async fn on_engine<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let engine = self.engine()?;
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .map_err(|e| ApiError::internal(format!("a search stopped: {e}")))
    }

    /// Runs a search: a lookup by id, event or code where it is (it costs less than
    /// handing it to another thread), anything else on a blocking thread like
    /// [`AppState::on_engine`]. 503 while the index is not loaded.
    pub async fn search(&self, req: SearchRequest) -> Result<SearchResponse, ApiError> {
        let engine = self.engine()?;
        let prepared = engine.prepare(&req)?;
        let outcomes = self.outcomes();
        if prepared.is_lookup() {
            return Ok(engine.run_ranked(&req, prepared, Some(&outcomes))?);
        }
        tokio::task::spawn_blocking(move || engine.run_ranked(&req, prepared, Some(&outcomes)))
            .await
            .map_err(|e| ApiError::internal(format!("a search stopped: {e}")))?
            .map_err(ApiError::from)
    }

    /// Gives the server its database (opened by [`crate::server::run`], or by a test);
    /// a second call is ignored.
    pub fn attach_db(&self, db: crate::db::Db) {
        let _ = self.0.db.set(db);
        self.0.db_down.store(false, Ordering::Relaxed);
    }

    /// The database, or 503 when the server has none (a test server without one).
    pub fn db(&self) -> Result<&crate::db::Db, ApiError> {
        self.0.db.get().ok_or_else(|| {
            ApiError::unavailable("no_database", "this server keeps no ticket links")
        })
    }

    /// Reads the ticket outcomes again after a link written here, so that the next search
    /// here ranks by it. Writers arriving together share one read: each waits for a read
    /// begun after its write, and one read covers every write counted before it began,
    /// so the table is read once per burst of writes, not once per write.
    pub async fn refresh_after_write(&self) {
        let mine = self.0.writes.fetch_add(1, Ordering::AcqRel) + 1;
        let mut refreshed = self.0.refreshed.lock().await;
        if *refreshed >= mine {
            return;
        }
        let covers = self.0.writes.load(Ordering::Acquire);
        self.refresh_outcomes().await;
        *refreshed = covers;
    }

    /// Reads the ticket outcomes again (every 2 s while serving, and after each link
    /// written here), so that links written through any server sharing the database
    /// show within seconds. A failed read keeps the last counts.
    pub async fn refresh_outcomes(&self) {
        let Ok(db) = self.db() else { return };
        match crate::db::links::table(db).await {
            Ok(t) => {
                if let Ok(mut o) = self.0.outcomes.write() {
                    *o = Arc::new(t);
                }
                if self.0.db_down.swap(false, Ordering::Relaxed) {
                    tracing::info!("the database answers again");
                }
            }
            Err(e) => self.database_down(&e.to_string()),
        }
    }

    /// Notes that the database is out of reach: `/readyz` says `degraded`, and the log
    /// says why at most once a minute.
    pub fn database_down(&self, why: &str) {
        self.0.db_down.store(true, Ordering::Relaxed);
        let now = self.0.created.elapsed().as_secs() + 60;
        let last = self.0.db_warned.load(Ordering::Relaxed);
        if now >= last + 60
            && self
                .0
                .db_warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                "the database is out of reach (searches go on without ticket counts): {why}"
            );
        }
    }

    /// Whether the database the server was started with is out of reach.
    pub fn database_is_down(&self) -> bool {
        self.0.db_down.load(Ordering::Relaxed)
    }

    /// What tickets recorded, as last read.
    fn outcomes(&self) -> Arc<crate::db::links::OutcomeTable> {
        self.0
            .outcomes
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Fills in each hit's ticket outcomes: the article's, and those for the events and
    /// codes the query named.
    pub fn annotate(
        &self,
        hits: &mut [crate::search::Hit],
        events: &[(Option<String>, u32)],
        codes: &[String],
    ) {
        let table = self.outcomes();
        if table.is_empty() {
            return;
        }
        for hit in hits {
            hit.outcomes = table.article(&hit.card.id);
            hit.query_outcomes = table.for_query(&hit.card.id, events, codes);
        }
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
            Err(e) => tracing::error!(
                "{}; the previous templates stay in use",
                crate::error::chain(&e)
            ),
        }
    }

    /// Permalinks as the API hands them out: absolute under `KBASE_PUBLIC_URL` when set.
    pub fn links(&self) -> super::links::Links<'_> {
        super::links::Links::new(self.0.config.public_url.as_deref())
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    pub(super) fn in_flight(&self) -> Arc<Semaphore> {
        self.0.in_flight.clone()
    }

    pub(super) fn openapi_json(&self) -> String {
        self.0.openapi.get().cloned().unwrap_or_default()
    }

    /// Brings the index up to date with the articles folder and serves the result; on
    /// failure the engine served so far stays. Reloads run one at a time.
    pub async fn reload(&self, rebuild: bool) -> Result<UpdateReport> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.reload_blocking(rebuild))
            .await
            .map_err(Error::ReloadStopped)?
    }

    /// Whether the data folder cannot be written, so the index is served as it is.
    pub fn read_only(&self) -> bool {
        self.0.read_only
    }

    fn reload_blocking(&self, rebuild: bool) -> Result<UpdateReport> {
        let started = Instant::now();
        let lock = self
            .0
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = &self.0.config;
        let opened = match lock.as_ref() {
            Some(lock) => index::open_locked(
                lock,
                &c.articles,
                OpenOptions {
                    rebuild,
                    // Until one load worked, every file is checked; later reloads open
                    // what this process wrote.
                    verify: !self.0.verified.load(Ordering::SeqCst),
                },
                &ProgressBar::hidden(),
            ),
            None => open_frozen(&c.data, &c.articles),
        }
        .and_then(|(index, report)| {
            // Read again with every load, so an edited list applies at the next reload.
            let (synonyms, problems) =
                crate::search::synonyms::Synonyms::load(&c.articles, c.synonyms.as_deref());
            for p in problems {
                tracing::warn!("{p}; the rest of the synonyms apply");
            }
            let (aliases, problems) = crate::search::sources::SourceAliases::load(&c.articles);
            for p in problems {
                tracing::warn!("{p}; the shipped source aliases apply");
            }
            Ok((
                Engine::new(index)?
                    .with_synonyms(synonyms)
                    .with_source_aliases(aliases)
                    .with_default_visibility(c.default_visibility)
                    .with_today(c.today),
                report,
            ))
        });
        match opened {
            Ok((engine, report)) => {
                let docs = engine.num_docs();
                let first = match self.0.engine.write() {
                    Ok(mut slot) => slot.replace(Arc::new(engine)).is_none(),
                    Err(_) => false,
                };
                drop(lock);
                self.0.verified.store(true, Ordering::SeqCst);
                if first {
                    tracing::info!(
                        "serving {docs} articles from {} (index {} in {:.0} ms; ready {:.0} ms after start)",
                        c.articles.display(),
                        if report.rebuilt.is_some() { "built" } else { "updated" },
                        report.elapsed.as_secs_f64() * 1000.0,
                        self.0.created.elapsed().as_secs_f64() * 1000.0,
                    );
                }
                if lock_or_inner(&self.0.failing).take().is_some() {
                    tracing::info!("the index loads again");
                }
                self.rewatch_if_replaced();
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
                let mut failing = lock_or_inner(&self.0.failing);
                let failures = failing.as_ref().map_or(0, |f| f.failures) + 1;
                *failing = Some(Failing {
                    failures,
                    retry_in_s: retry_after(failures).as_secs(),
                });
                drop(failing);
                self.0.metrics.reload(None, started.elapsed());
                tracing::error!(
                    "loading the index failed ({}; still serving the previous one, if any): {}",
                    if failures == 1 {
                        "tried once".to_owned()
                    } else {
                        format!("{failures} tries in a row")
                    },
                    crate::error::chain(&e)
                );
                Err(e)
            }
        }
    }

    /// Rebuilds the index from the articles folder in the background, after a request
    /// met damaged index data: logged once, and asks while the rebuild runs join it. The
    /// damaged index keeps answering what it can until the new one is swapped in.
    pub fn rebuild_damaged(&self) {
        self.rebuild_in_background(
            "the index is damaged; requests that meet the damage answer 503 until it is rebuilt",
        );
    }

    /// Rebuilds the index from the articles folder in the background, saying `why` in the
    /// log; asks while a rebuild runs join it. [`AppState::rebuilding`] is true meanwhile.
    pub fn rebuild_in_background(&self, why: &str) {
        if self.read_only() {
            tracing::error!("{why}; the data folder cannot be written, so it is not rebuilt");
            return;
        }
        if self.0.rebuilding.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::warn!("rebuilding the index from the articles folder: {why}");
        let state = self.clone();
        tokio::spawn(async move {
            let _ = state.reload(true).await;
            state.0.rebuilding.store(false, Ordering::SeqCst);
        });
    }

    /// Whether a rebuild started by [`AppState::rebuild_in_background`] is under way.
    pub fn rebuilding(&self) -> bool {
        self.0.rebuilding.load(Ordering::SeqCst)
    }

    /// Asks the reload task for a reload (many asks while one runs make one more).
    pub fn request_reload(&self) {
        self.0.reload_wanted.notify_one();
    }

    /// Why loading the index is failing, while it is being tried again.
    pub fn failing(&self) -> Option<Failing> {
        lock_or_inner(&self.0.failing).clone()
    }

    /// Runs the reloads asked for by [`AppState::request_reload`], forever. One that
    /// fails is tried again after [`RETRY_FIRST`], then twice as long each time up to
    /// [`RETRY_MAX`], until one works, whether or not anything asks: a disk that had no
    /// space, or an articles folder that vanished and came back, is noticed without an
    /// edit.
    async fn reload_loop(self) {
        let mut retry: Option<Duration> = None;
        loop {
            match retry {
                None => self.0.reload_wanted.notified().await,
                Some(wait) => {
                    tracing::warn!("trying to load the index again in {} s", wait.as_secs());
                    tokio::select! {
                        () = self.0.reload_wanted.notified() => {}
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
            retry = match self.reload(false).await {
                Ok(_) => None,
                Err(_) => self.failing().map(|f| retry_after(f.failures)),
            };
        }
    }

    /// Starts the reload task, and with `watch` live reload: a watcher on the articles
    /// folder (and one on the templates folder) asks for a reload after each burst of
    /// changes. Everything stops when the result is dropped. Must be called inside the
    /// server's tokio runtime.
    pub fn live(&self, watch: bool) -> Result<Watching> {
        // A read-only index cannot follow the articles folder; templates still reload.
        let templates = if watch {
            self.watch_articles()?;
            match templates::watched_dir(&self.0.config.templates) {
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
            }
        } else {
            None
        };
        Ok(Watching {
            state: self.clone(),
            _templates: templates,
            task: tokio::spawn(self.clone().reload_loop()),
        })
    }

    /// [`AppState::live`] with watching on.
    pub fn watch(&self) -> Result<Watching> {
        self.live(true)
    }

    /// Starts (or starts anew) the watcher of the articles folder. Its callback holds
    /// the state weakly, so that the state, which holds the watcher, can be dropped.
    fn watch_articles(&self) -> Result<()> {
        if self.read_only() {
            return Ok(());
        }
        let weak = Arc::downgrade(&self.0);
        let watcher = crate::store::watch(&self.0.config.articles, move |_| {
            if let Some(shared) = weak.upgrade() {
                AppState(shared).request_reload();
            }
        })?;
        *lock_or_inner(&self.0.watcher) = Some(watcher);
        Ok(())
    }

    /// After a reload: when the articles folder is no longer the one watched (deleted
    /// and made anew, or replaced by a rename, as deploys do), watch the new one.
    fn rewatch_if_replaced(&self) {
        let stale = lock_or_inner(&self.0.watcher)
            .as_ref()
            .is_some_and(crate::store::Watcher::is_stale);
        if stale {
            match self.watch_articles() {
                Ok(()) => tracing::info!(
                    "the articles folder {} was replaced; watching the new one",
                    self.0.config.articles.display()
                ),
                Err(e) => tracing::warn!(
                    "the articles folder was replaced and cannot be watched: {}",
                    crate::error::chain(&e)
                ),
            }
            // Changes made before the new watch began are picked up by one more reload.
            self.request_reload();
        }
    }
}

/// Opens the index of a data folder that cannot be written, as [`index::open_locked`]
/// would report it; warns when it is behind the articles folder.
fn open_frozen(
    data: &std::path::Path,
    articles: &std::path::Path,
) -> Result<(index::SearchIndex, UpdateReport)> {
    let started = Instant::now();
    let (index, behind) = index::open_frozen(data, articles)?;
    if behind > 0 {
        tracing::warn!(
            "{behind} article files differ from what the read-only index holds; they are served as they were when it was built"
        );
    }
    let report = UpdateReport {
        indexed: index.reader.searcher().num_docs(),
        elapsed: started.elapsed(),
        ..UpdateReport::default()
    };
    Ok((index, report))
}

/// How long to wait after the `failures`-th failure in a row.
fn retry_after(failures: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(RETRY_MAX)
}

/// A mutex's guard, also after a panic elsewhere poisoned it (what it guards stays
/// consistent: each holder replaces a value whole).
fn lock_or_inner<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The reload task (and live reload) running; dropping it stops them.
pub struct Watching {
    state: AppState,
    _templates: Option<crate::store::Watcher>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.task.abort();
        lock_or_inner(&self.state.0.watcher).take();
    }
}
