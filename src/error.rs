//! The crate's error type for operations that fail as a whole.
//!
//! Problems *inside* input files are not errors of this kind: they are
//! [`Diagnostic`](crate::diagnostic::Diagnostic)s, collected and reported while the rest of the
//! batch goes on. An [`Error`] is for what stops a command: a folder that does not exist,
//! a file that cannot be written. Each message names the path involved. This module knows
//! nothing about HTTP; the server maps these to statuses itself.

use std::path::PathBuf;

/// Why a kbase operation could not be carried out.
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
    #[error("index: {0}")]
    Index(String),
    /// Another kbase process is writing the index.
    #[error("the index in `{}` is in use by another kbase process; try again when it has finished", .0.display())]
    IndexBusy(PathBuf),
    /// A setting (flag or environment variable) has a value kbase refuses.
    #[error("{0}")]
    Config(String),
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
