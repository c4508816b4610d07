//! The search index: a cache of the articles folder, kept up to date incrementally.
//!
//! [`open`] brings the live index up to date: only files whose size or modification
//! time changed are read, and of those only the ones whose content hash changed are
//! re-indexed. A missing, unreadable or outdated index is rebuilt into a new generation
//! that replaces the old one atomically. One process at a time may write: a second one
//! gets [`Error::IndexBusy`] at once. This module knows nothing about queries or HTTP.
//!
//! Layout: `generation` (the lock, `CURRENT`, creating, opening and switching
//! generations), `update` (what changed, and applying it), `document` (one article →
//! one document and its hit card), `hits` (how hit cards are packed), `manifest` (what
//! the index holds), `schema` and `analyzer`.

pub mod analyzer;
pub mod document;
mod frozen;
pub mod generation;
pub mod hits;
pub mod manifest;
pub mod schema;
pub mod update;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use tantivy::IndexReader;

pub use generation::{lock, IndexLock, Unusable};
pub use manifest::{Entry, Manifest};
pub use schema::{Fields, SCHEMA_VERSION};

use crate::diagnostic::FileDiagnostic;
use crate::error::{Error, Result};

/// An open index with its single reader: what searches use.
pub struct SearchIndex {
    /// The tantivy index.
    pub index: tantivy::Index,
    /// The one reader of the process; take a fresh searcher per request.
    pub reader: IndexReader,
    /// Field handles.
    pub fields: Fields,
    /// Folder of the live generation.
    pub dir: PathBuf,
    /// How the generation's hit summaries are packed (its manifest's dictionary).
    pub hits: std::sync::Arc<hits::HitCodec>,
}

/// How [`open`] should treat the existing index.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Discard the existing index and build a new one.
    pub rebuild: bool,
    /// Check every index file's checksum before trusting the index (a damaged one is
    /// rebuilt). It reads the whole index, so it is for starts and `kbase index`, not for
    /// each live reload of an index this process has just written.
    pub verify: bool,
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateReport {
    /// Documents in the index afterwards.
    pub indexed: u64,
    /// Files newly indexed.
    pub added: usize,
    /// Files whose new content replaced the old.
    pub changed: usize,
    /// Files removed from the index.
    pub removed: usize,
    /// Article files found.
    pub files: usize,
    /// Files not in the index, or whose last good version stayed, with why.
    pub problems: Vec<FileDiagnostic>,
    /// Why the index was rebuilt from scratch, if it was.
    pub rebuilt: Option<Unusable>,
    /// Wall time.
    pub elapsed: Duration,
}

impl UpdateReport {
    /// The closing line of `kbase index`.
    pub fn summary(&self) -> String {
        let how = match &self.rebuilt {
            Some(why) => format!("rebuilt ({})", short(crate::error::chain(why))),
            None => "updated".to_owned(),
        };
        format!(
            "index {how} in {:.2} s: {} articles indexed from {} files ({} added, {} changed, {} removed), {} files with errors",
            self.elapsed.as_secs_f64(),
            self.indexed,
            self.files,
            self.added,
            self.changed,
            self.removed,
            self.problems.len()
        )
    }
}

/// Opens the index under `data` and brings it up to date with the articles under
/// `articles`, rebuilding it when it is missing, damaged, of another schema version, or
/// `options.rebuild` asks. `progress` counts the files read (hidden bars cost nothing).
pub fn open(
    articles: &Path,
    data: &Path,
    options: OpenOptions,
    progress: &ProgressBar,
) -> Result<(SearchIndex, UpdateReport)> {
    let lock = lock(data)?;
    open_locked(&lock, articles, options, progress)
}

/// [`open`] for a caller that already holds the write lock: each call opens the live
/// generation afresh, so a server calls it again to reload and swaps in the result while
/// searches on the previous one finish undisturbed.
pub fn open_locked(
    lock: &IndexLock,
    articles: &Path,
    options: OpenOptions,
    progress: &ProgressBar,
) -> Result<(SearchIndex, UpdateReport)> {
    let started = Instant::now();
    let base = &lock.base;
    let existing = if options.rebuild {
        Err(Unusable::RebuildAsked)
    } else {
        generation::open_current(base, options.verify, false)
    };
    let (mut index, manifest, rebuilt) = match existing {
        Ok((index, manifest)) => (index, manifest, None),
        Err(why) => {
            // Said now: a rebuild of the full archive takes a while.
            tracing::info!(
                "building the index from {}: {}",
                articles.display(),
                crate::error::chain(&why)
            );
            let index = generation::create(&base.join(generation::new_name()))?;
            let manifest = Manifest {
                schema_version: SCHEMA_VERSION,
                ..Manifest::default()
            };
            (index, manifest, Some(why))
        }
    };
    let mut report = update::update(&mut index, articles, &manifest, progress)?;
    if rebuilt.is_some() {
        generation::switch_current(base, &index.dir)?;
    } else {
        generation::remove_other_generations(base, &index.dir);
    }
    report.rebuilt = rebuilt;
    report.indexed = index.reader.searcher().num_docs();
    report.elapsed = started.elapsed();
    Ok((index, report))
}

/// Opens the live generation without updating it: for readers when another process holds
/// the write lock.
pub fn open_read_only(data: &Path) -> Result<SearchIndex> {
    let base = data.join("index");
    generation::open_current(&base, false, false)
        .map(|(index, _)| index)
        .map_err(|why| Error::NoIndex {
            path: base,
            source: Box::new(why),
        })
}

/// Opens the live generation of a data folder that cannot be written ([`lock`] said
/// [`Error::ReadOnly`]): read-only container images and replicas serve an index built
/// elsewhere. Also says how many article files differ from what the index holds (0 when
/// it is up to date), since it cannot be brought up to date here.
pub fn open_frozen(data: &Path, articles: &Path) -> Result<(SearchIndex, usize)> {
    let base = data.join("index");
    let (index, manifest) =
        generation::open_current(&base, false, true).map_err(|why| Error::NoIndex {
            path: base,
            source: Box::new(why),
        })?;
    let behind = update::behind(articles, &manifest)?;
    Ok((index, behind))
}

/// The first line of an error, at most 160 characters: some errors quote whole files.
fn short(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}
