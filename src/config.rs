//! Defaults for where kbase finds things, shared by every command.
//!
//! kbase must work from a fresh clone with no configuration (DESIGN §7): articles in
//! `./articles`, the index cache in `./.kbase`, templates in `./templates`, the server on
//! loopback port 8080. Each default can be overridden by a `KBASE_*` environment variable
//! or a flag; the command line parser reads them in that order, so this module stays a
//! plain list of names and values with no I/O.

/// Folder of article files.
pub const DEFAULT_ARTICLES: &str = "articles";
/// Folder for derived data (the index); safe to delete.
pub const DEFAULT_DATA: &str = ".kbase";
/// Address the server listens on: loopback only unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Folder of page templates.
pub const DEFAULT_TEMPLATES: &str = "templates";

/// Environment variable overriding [`DEFAULT_ARTICLES`].
pub const ENV_ARTICLES: &str = "KBASE_ARTICLES";
/// Environment variable overriding [`DEFAULT_DATA`].
pub const ENV_DATA: &str = "KBASE_DATA";
/// Environment variable overriding [`DEFAULT_ADDR`].
pub const ENV_ADDR: &str = "KBASE_ADDR";
/// Environment variable overriding [`DEFAULT_TEMPLATES`].
pub const ENV_TEMPLATES: &str = "KBASE_TEMPLATES";
/// Environment variable holding the bearer token of `POST /api/v1/admin/reindex`; the
/// endpoint does not exist while it is unset.
pub const ENV_ADMIN_TOKEN: &str = "KBASE_ADMIN_TOKEN";
/// Shortest admin token accepted: a guessable token is worse than none.
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;
/// Environment variable listing the origins allowed by CORS, comma-separated; CORS is off
/// while it is unset.
pub const ENV_CORS_ORIGINS: &str = "KBASE_CORS_ORIGINS";
/// Environment variable naming the address people reach kbase at
/// (`https://kb.example.com`), used in canonical links and link previews.
pub const ENV_PUBLIC_URL: &str = "KBASE_PUBLIC_URL";
/// Environment variable naming the database of tokens and ticket links
/// (`sqlite://kbase.db` unless set; `postgres://…` for several servers).
pub const ENV_DATABASE_URL: &str = "KBASE_DATABASE_URL";
/// Environment variable naming a synonym file that extends the shipped list and the
/// articles folder's `.kbase/synonyms.yml`.
pub const ENV_SYNONYMS: &str = "KBASE_SYNONYMS";
/// Environment variable capping the requests served at once (see
/// [`DEFAULT_MAX_IN_FLIGHT`]).
pub const ENV_MAX_IN_FLIGHT: &str = "KBASE_MAX_IN_FLIGHT";
/// Environment variable for `--default-visibility`.
pub const ENV_DEFAULT_VISIBILITY: &str = "KBASE_DEFAULT_VISIBILITY";
/// Environment variable for `--trusted-proxy-header`.
pub const ENV_TRUSTED_PROXY_HEADER: &str = "KBASE_TRUSTED_PROXY_HEADER";
/// Environment variable for `--trusted-proxy` (comma-separated).
pub const ENV_TRUSTED_PROXY: &str = "KBASE_TRUSTED_PROXY";
/// Environment variable fixing the day kbase takes as today (`YYYY-MM-DD`): when
/// articles expire for anonymous readers and reviews fall due, so that they give the
/// same verdict in tests and reproducible runs; unset, the day is today in UTC. Read
/// only by the command line, and not shown in its help.
pub const ENV_TODAY: &str = "KBASE_TODAY";

/// Requests served at once before new ones get `503` with `Retry-After`: enough for
/// bursts on a small machine, few enough that a queue never grows without bound.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;
/// Longest time a request may take, body included, before it gets `408`.
pub const REQUEST_TIMEOUT_SECS: u64 = 10;
/// Longest time a client may take to send a request's headers before the connection is
/// closed (slow-header attacks).
pub const HEADER_TIMEOUT_SECS: u64 = 5;
/// How long a shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE_SECS: u64 = 10;
/// Largest request body accepted (`413` above it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Days the query log keeps searches (`--query-log-days`).
pub const DEFAULT_QUERY_LOG_DAYS: u32 = 90;
/// Searches waiting for the query log's writer before more are dropped (and counted in
/// `/metrics`): a slow database never slows a search.
pub const QUERY_LOG_QUEUE: usize = 10_000;
/// "Did this fix it?" answers one client address may send per [`FEEDBACK_WINDOW_SECS`].
pub const FEEDBACK_PER_WINDOW: u32 = 10;
/// The window of [`FEEDBACK_PER_WINDOW`].
pub const FEEDBACK_WINDOW_SECS: u64 = 600;
