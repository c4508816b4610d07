//! The crate's error type for operations that fail as a whole.
//!
//! Problems *inside* input files are not errors of this kind: they are
//! [`Diagnostic`](crate::diagnostic::Diagnostic)s, collected and reported while the rest of the
//! batch goes on. An [`Error`] is for what stops a command: a folder that does not exist,
//! a file that cannot be written. Each message names the path involved. This module knows
//! nothing about HTTP; the server maps these to statuses itself.

use std::path::PathBuf;

/// Why a kbase operation could not be carried out.
///
/// Each variant keeps its cause as a typed [`source`](std::error::Error::source), so a
/// caller can branch on it and `kbase` prints the whole chain (`error: …` then each
/// `caused by: …`, see [`chain`]); nothing is flattened into text on the way up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing `path` failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The folder that should hold articles is missing or is not a folder.
    #[error("articles folder `{}` does not exist or is not a folder", .0.display())]
    NoArticlesDir(PathBuf),
    /// The search index could not be built, opened or written.
    #[error("the search index failed")]
    Tantivy(#[from] tantivy::TantivyError),
    /// There is no usable index to read (a reader that may not build one).
    #[error("no usable index under `{}`", path.display())]
    NoIndex {
        /// The index folder.
        path: PathBuf,
        /// Why the live generation cannot be used (an `index::Unusable`).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another kbase process is writing the index.
    #[error("the index in `{}` is in use by another kbase process; try again when it has finished", .0.display())]
    IndexBusy(PathBuf),
    /// The data folder cannot be written: the index can only be read as it is.
    #[error("the data folder `{}` cannot be written", path.display())]
    ReadOnly {
        /// The data folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The articles or templates folder cannot be watched for changes.
    #[error("cannot watch `{}` for changes", path.display())]
    Watch {
        /// The folder.
        path: PathBuf,
        /// What the file watcher said.
        source: notify_debouncer_full::notify::Error,
    },
    /// The server cannot listen on its address.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Serving stopped with an error.
    #[error("serving on {addr} failed")]
    Serve {
        /// The address served.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The database of what kbase learns could not be opened or brought up to date.
    #[error(transparent)]
    Database(#[from] crate::db::DbError),
    /// A token could not be made, listed or revoked; the message says why.
    #[error("{0}")]
    Token(String),
    /// The async runtime of the server could not start.
    #[error("cannot start the server runtime")]
    Runtime(#[source] std::io::Error),
    /// A reload of the index stopped before it finished (it panicked or was cancelled).
    #[error("the reload stopped before it finished")]
    ReloadStopped(#[source] tokio::task::JoinError),
    /// A page template does not compile.
    #[error("{location}: template error")]
    Template {
        /// `path:line` of the template (`(built-in) name` for a default one).
        location: String,
        /// What the template engine said.
        source: minijinja::Error,
    },
    /// The search engine could not be made or could not answer (a `search::SearchError`).
    #[error("the search engine failed")]
    Search(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A setting (flag or environment variable) has a value kbase refuses.
    #[error("{name}: {problem}")]
    Setting {
        /// The setting, by its environment variable (`KBASE_ADMIN_TOKEN`).
        name: &'static str,
        /// What is wrong and what is accepted.
        problem: String,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `e` and its causes on one line, `outer: inner: innermost`, for logs. Causes whose
/// text the outer message already ends with are not repeated.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}
