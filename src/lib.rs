//! kbase: a knowledge-base article server and search engine for IT helpdesks.
//!
//! A technician who sees "Event ID 5058" or `0x80070005` needs the article that explains
//! the symptom, the cause and the fix. kbase keeps such articles as plain Markdown files
//! with YAML front matter, validates them, imports legacy KB text into them, indexes them
//! and serves them; this crate is the engine, and `src/main.rs` is a thin command line
//! over it.
//!
//! # Layout
//!
//! Dependencies point one way: a module uses only modules listed above it, never one
//! below. `ARCHITECTURE.md` at the top of the repository draws the arrows and follows a
//! search request and an imported file through them.
//!
//! - [`config`]: default paths and addresses, and the `KBASE_*` variables that move them.
//! - [`error`]: the [`Error`] for operations that fail as a whole.
//! - [`diagnostic`]: located problems in input files (`path:line:column`), shared by every
//!   reader of files.
//! - [`article`]: the native article format: model, front matter, sections, rendering to
//!   sanitised HTML and plain text, loading the articles folder, and the `check` rules.
//! - [`extract`]: events (with sources and logs), error and STOP codes, and article
//!   references in free text; shared by the importer, the indexer and the query parser.
//! - [`paste`]: what technicians paste (ticket prose, Event Viewer text, `wevtutil`,
//!   `Get-WinEvent` lists, tables and CSV) read for events, codes and article ids, with
//!   where each was found.
//! - [`legacy`]: legacy Microsoft KB text → native articles (`kbase import`).
//! - [`index`]: the tantivy index as a cache of the articles folder: schema, analyzer,
//!   generations and atomic rebuilds, incremental updates, the manifest of what it holds.
//! - [`store`]: the articles folder as it changes (a debounced watcher).
//! - [`db`]: what kbase learns that is not in the articles (API tokens, ticket links),
//!   on SQLite by default or PostgreSQL, with embedded migrations.
//! - [`search`]: query understanding, ranking, snippets, the fix, facets; the v1 search
//!   response; article and event lookups; suggestions from pasted tickets and Event
//!   Viewer XML.
//! - [`server`]: `kbase serve`: the HTTP API and the pages, permalinks, metrics, live
//!   reload.

pub mod article;
pub mod config;
pub mod db;
pub mod diagnostic;
pub mod error;
pub mod extract;
pub mod index;
pub mod legacy;
pub mod paste;
pub mod search;
pub mod server;
pub mod store;

pub use error::{Error, Result};
