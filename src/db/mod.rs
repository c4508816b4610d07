//! What kbase learns that is not in the articles: API tokens, ticket links (which
//! article fixed which ticket), what was searched for and readers' feedback, kept in a real
//! database.
//!
//! Articles stay plain files and the index stays a cache of them; this is the data that
//! cannot be rebuilt from the files, so nothing that rebuilds the index touches it. One
//! schema on two databases: SQLite in `./kbase.db` by default (created on first use, WAL
//! mode, so readers never wait for a writer), PostgreSQL (`--database-url postgres://…`)
//! for several servers sharing what they learn. The migrations are embedded in the
//! binary and applied when the database is opened, each in a transaction, by sqlx's
//! migrator (which on PostgreSQL holds an advisory lock, so that servers starting
//! together apply each migration once).
//!
//! Layout: `tokens` (API tokens, stored hashed), `links` (ticket links and their counts),
//! `querylog` (what was searched for, and the gaps and demand read from it), `feedback`
//! (readers' "Did this fix it?"), `sessions` (web pages signed in with a token, stored
//! hashed).
//! SQL is written once, with PostgreSQL's `$1` placeholders; [`Db::sql`] gives SQLite
//! its numbered `?1` form of the same.

pub mod feedback;
pub mod links;
pub mod querylog;
mod secret;
pub mod sessions;
pub mod tokens;

use std::borrow::Cow;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::AnyPool;

use crate::article::Date;

/// The database used when none is named: SQLite in the working folder.
pub const DEFAULT_URL: &str = "sqlite://kbase.db";

/// How long a statement waits for a connection (or for SQLite's write lock) before the
/// caller is told the database is busy.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which database a [`Db`] speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no database kbase can use.
    #[error("`{url}` is not a database URL kbase can use: {why}")]
    Url {
        /// The URL, its password hidden.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// The database could not be reached or opened.
    #[error("cannot open the database {url}: {source}")]
    Open {
        /// The URL, its password hidden.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// A migration failed; it ran in a transaction, so the database is as it was.
    #[error("the database {url} could not be brought up to date, and is left as it was: {source}")]
    Migrate {
        /// The URL, its password hidden.
        url: String,
        /// What the migrator said.
        source: sqlx::migrate::MigrateError,
    },
    /// A statement failed (the database went away, is locked, or refused it).
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
    /// `kbase backup` of a PostgreSQL database.
    #[error("kbase backs up SQLite databases only; back up PostgreSQL with pg_dump")]
    BackupUnsupported,
    /// The backup file exists already.
    #[error("{}: exists already; name a new file", .0.display())]
    BackupExists(PathBuf),
    /// The operating system gave no random bytes for a secret (a session's).
    #[error("no random bytes for a secret: {0}")]
    NoRandom(String),
}

impl DbError {
    /// Whether the database is unreachable or busy rather than refusing a statement: the
    /// caller may retry later (the server answers 503 with `Retry-After`).
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Query(e) => {
                matches!(
                    e,
                    sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::Io(_)
                        | sqlx::Error::Tls(_)
                        | sqlx::Error::WorkerCrashed
                ) || e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .is_some_and(|c| {
                        // SQLite: busy, locked, with their extended codes (517: a
                        // snapshot gone stale). PostgreSQL (five characters):
                        // connection exceptions, insufficient resources, operator
                        // intervention (shutdown, connections cut), a database closed
                        // to connections.
                        (c.len() < 5 && c.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)))
                            || c == "55000"
                            || ["08", "53", "57"].iter().any(|p| c.starts_with(p))
                    })
            }
            DbError::Open { .. } => true,
            _ => false,
        }
    }
}

/// A pool of connections to the database of what kbase learns; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's writers queue here, in order,
    /// instead of polling SQLite's lock (whose waits grow to 100 ms a try).
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A transaction that writes, holding this process's turn to write on SQLite
/// ([`Db::begin_write`]).
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits, then gives the turn to the next writer.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Opens the database at `url` (`sqlite://kbase.db`, `sqlite:path`, a bare path, or
    /// `postgres://user:password@host/db`), creating a SQLite file that does not exist,
    /// and applies the migrations it lacks.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise(url)?;
        let shown = redact(&url);
        let options = AnyConnectOptions::from_str(&url).map_err(|e| DbError::Url {
            url: shown.clone(),
            why: e.to_string(),
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer; a write is on disk
                        // (synchronous=FULL, the default) before it is acknowledged.
                        // busy_timeout: a second process waits for the lock instead of
                        // failing at once.
                        sqlx::query("PRAGMA journal_mode=WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout=5000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys=ON")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| DbError::Open {
                url: shown.clone(),
                source,
            })?;
        let db = Db {
            pool,
            backend,
            writer: std::sync::Arc::default(),
        };
        // sqlx locks PostgreSQL while it migrates; for SQLite, whose migrator takes no
        // lock, a file beside the database makes processes starting together take turns
        // (otherwise the second fails creating a table the first just made).
        let _turn = match sqlite_file(&url) {
            Some(file) => Some(migration_turn(file).await.map_err(|e| DbError::Open {
                url: shown.clone(),
                source: sqlx::Error::Io(e),
            })?),
            None => None,
        };
        db.migrate()
            .await
            .map_err(|source| DbError::Migrate { url: shown, source })?;
        Ok(db)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that will write: on SQLite it waits for this process's turn, then
    /// takes the write lock at its start (`BEGIN IMMEDIATE`, waiting up to the busy
    /// timeout for another process), so that a transaction that reads first never fails
    /// to upgrade its lock when another writer went first.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = tokio::time::timeout(ACQUIRE_TIMEOUT, self.writer.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                Ok(WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                })
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            }),
        }
    }

    /// The pool, for the modules that keep their data here.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// `sql` for this database: written with `$1, $2, …`, which PostgreSQL reads as
    /// they are and SQLite as `?1, ?2, …` (numbered, so the order they appear in does not
    /// matter). kbase's SQL holds no `$` but its placeholders.
    pub(crate) fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        match self.backend {
            Backend::Postgres => Cow::Borrowed(sql),
            Backend::Sqlite => Cow::Owned(sql.replace('$', "?")),
        }
    }

    /// Applies the embedded migrations the database lacks.
    async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let migrator = Migrator::new(Embedded(self.backend)).await?;
        migrator.run(&self.pool).await
    }

    /// Writes a consistent copy of a SQLite database to `to` while it is in use
    /// (`VACUUM INTO`); a PostgreSQL database is backed up with `pg_dump`.
    pub async fn backup(&self, to: &Path) -> Result<(), DbError> {
        if self.backend != Backend::Sqlite {
            return Err(DbError::BackupUnsupported);
        }
        if to.exists() {
            return Err(DbError::BackupExists(to.to_path_buf()));
        }
        sqlx::query("VACUUM INTO ?1")
            .bind(to.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database answers: for `/readyz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Closes the pool, waiting for statements in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The migrations of one backend, embedded in the binary.
#[derive(Debug)]
struct Embedded(Backend);

/// Each migration: version, name, SQLite's SQL, PostgreSQL's SQL.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "tokens and ticket links",
        include_str!("migrations/sqlite/0001_tokens_and_ticket_links.sql"),
        include_str!("migrations/postgres/0001_tokens_and_ticket_links.sql"),
    ),
    (
        2,
        "query log and feedback",
        include_str!("migrations/sqlite/0002_query_log_and_feedback.sql"),
        include_str!("migrations/postgres/0002_query_log_and_feedback.sql"),
    ),
    (
        3,
        "sessions",
        include_str!("migrations/sqlite/0003_sessions.sql"),
        include_str!("migrations/postgres/0003_sessions.sql"),
    ),
    (
        4,
        "admin sessions",
        include_str!("migrations/sqlite/0004_admin_sessions.sql"),
        include_str!("migrations/postgres/0004_admin_sessions.sql"),
    ),
];

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<
        Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 'static>,
    > {
        let backend = self.0;
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, name, sqlite, postgres)| {
                    let sql = if backend == Backend::Sqlite {
                        sqlite
                    } else {
                        postgres
                    };
                    Migration::new(
                        version,
                        Cow::Borrowed(name),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The backend of `url` and the URL the driver is given: a bare path or `sqlite:path`
/// becomes `sqlite://path?mode=rwc` (created when missing).
fn normalise(url: &str) -> Result<(Backend, String), DbError> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.is_empty() || url.contains("://") && !url.starts_with("sqlite://") {
        return Err(DbError::Url {
            url: redact(url),
            why: "use sqlite://FILE, a file path, or postgres://USER:PASSWORD@HOST/DATABASE"
                .to_owned(),
        });
    }
    let mut sqlite = format!("sqlite://{path}");
    if !path.contains("mode=") {
        sqlite.push(if path.contains('?') { '&' } else { '?' });
        sqlite.push_str("mode=rwc");
    }
    Ok((Backend::Sqlite, sqlite))
}

/// The file of a SQLite URL (`sqlite://kbase.db?mode=rwc` → `kbase.db`); `None` for an
/// in-memory database or PostgreSQL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && !path.starts_with(':')).then(|| PathBuf::from(path))
}

/// Waits for, then holds, the lock that lets one process at a time migrate the SQLite
/// database `file` (`FILE.lock`, kept, empty).
async fn migration_turn(file: PathBuf) -> std::io::Result<std::fs::File> {
    tokio::task::spawn_blocking(move || {
        let mut name = file.into_os_string();
        name.push(".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))?;
        lock.lock()?;
        Ok(lock)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// `url` with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds since 1970, the form every time is kept in (one integer type that both
/// databases and sqlx's `Any` driver read alike).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `ms` since 1970 as an RFC 3339 UTC time (`2026-12-02T17:45:03Z`).
///
/// The date is [`Date::from_days_since_epoch`]'s, the one civil-date conversion of
/// kbase. Times outside years 1 to 9999, which no clock gives, are shown at that range's
/// ends rather than as a malformed time.
pub fn rfc3339(ms: i64) -> String {
    // 0001-01-01 and 9999-12-31, as days since 1970-01-01.
    const FIRST_DAY: i64 = -719_162;
    const LAST_DAY: i64 = 2_932_896;
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let date = Date::from_days_since_epoch(days.clamp(FIRST_DAY, LAST_DAY))
        .map_or_else(|| "1970-01-01".to_owned(), |d| d.to_string());
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_hide_passwords() {
        assert_eq!(
            normalise("kbase.db").unwrap(),
            (Backend::Sqlite, "sqlite://kbase.db?mode=rwc".to_owned())
        );
        assert_eq!(
            normalise("sqlite:/tmp/a.db").unwrap().1,
            "sqlite:///tmp/a.db?mode=rwc"
        );
        assert_eq!(
            normalise("sqlite://a.db?mode=ro").unwrap().1,
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(
            normalise("postgres://u:p@h/db").unwrap().0,
            Backend::Postgres
        );
        let err = normalise("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(
            err.contains("mysql://u:***@h/db") && !err.contains("secret"),
            "{err}"
        );
        assert_eq!(
            redact("postgres://kb:pw@db:5432/kb"),
            "postgres://kb:***@db:5432/kb"
        );
        assert_eq!(redact("postgres://db/kb"), "postgres://db/kb");
    }

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_233_503_999), "2026-12-02T17:45:03Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert!(rfc3339(i64::MIN).starts_with("0001-01-01T"));
        assert!(rfc3339(i64::MAX).starts_with("9999-12-31T"));
    }
}
