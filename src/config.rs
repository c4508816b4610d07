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
