//! The search index: a cache of the articles folder, kept up to date incrementally.
//!
//! Layout under the data folder: `index/CURRENT` names the live generation,
//! `index/<generation>/` holds a tantivy index whose every commit carries the
//! [`Manifest`] of the files it holds. [`open`] brings the live generation up to date:
//! only files whose size or modification time changed are read, and of those only the
//! ones whose content hash changed are re-indexed. A missing, unreadable or outdated
//! index is rebuilt into a *new* generation and `CURRENT` is switched atomically once it
//! is complete, so a crash at any moment leaves the old or the new index, never a mix.
//! One process at a time may write: a second one gets [`Error::IndexBusy`] at once.
//! This module knows nothing about queries or HTTP.

pub mod analyzer;
pub mod document;
pub mod manifest;
pub mod schema;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use indicatif::ProgressBar;
use rayon::prelude::*;
use tantivy::store::Compressor;
use tantivy::{IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Term};

pub use manifest::{Entry, Manifest};
pub use schema::{Fields, SCHEMA_VERSION};

use crate::article::{self, load};
use crate::error::{Error, Result};

/// Memory the index writer may use for its buffers, split over its threads.
const WRITER_MEMORY: usize = 192 * 1024 * 1024;
/// Memory of the single-threaded writer of small builds and updates.
const SMALL_WRITER_MEMORY: usize = 48 * 1024 * 1024;
/// First builds of more files than this index on every core.
const PARALLEL_BUILD_FILES: usize = 5000;
/// Files read and parsed per parallel batch: bounds memory during a full build.
const BATCH: usize = 4096;

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
}

/// How [`open`] should treat the existing index.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Discard the existing index and build a new one.
    pub rebuild: bool,
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateReport {
    /// Documents in the index afterwards.
    pub indexed: u64,
    /// Files newly indexed, re-indexed, and removed.
    pub added: usize,
    /// Files whose new content replaced the old.
    pub changed: usize,
    /// Files removed from the index.
    pub removed: usize,
    /// Article files found.
    pub files: usize,
    /// Files not in the index, or whose last good version stayed, with why
    /// (`path:line:col: error: message`).
    pub problems: Vec<String>,
    /// Why the index was rebuilt from scratch, if it was.
    pub rebuilt: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
}

impl UpdateReport {
    /// The closing line of `kbase index`.
    pub fn summary(&self) -> String {
        let how = match &self.rebuilt {
            Some(why) => format!("rebuilt ({why})"),
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

fn tantivy_error(e: impl std::fmt::Display) -> Error {
    Error::Index(e.to_string())
}

/// The right to write the index under a data folder, held until dropped.
///
/// `kbase index` takes it for one update; `kbase serve` holds it for its whole life, so
/// its reloads never race another writer and a second writer is told at once that the
/// index is in use (the OS releases the lock when a process dies, even by `kill -9`).
#[derive(Debug)]
pub struct IndexLock {
    _file: fs::File,
    base: PathBuf,
}

/// Takes the write lock of the index under `data`, or fails at once with
/// [`Error::IndexBusy`] when another process holds it.
pub fn lock(data: &Path) -> Result<IndexLock> {
    let base = data.join("index");
    fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let lock_path = base.join("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    if file.try_lock().is_err() {
        return Err(Error::IndexBusy(base));
    }
    Ok(IndexLock { _file: file, base })
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
        Err("a rebuild was asked".to_owned())
    } else {
        open_current(base)
    };
    let (mut index, manifest, rebuilt) = match existing {
        Ok((index, manifest)) => (index, manifest, None),
        Err(why) => {
            let generation = format!("g{}-{}", now_ns(), std::process::id());
            (
                create(&base.join(&generation))?,
                Manifest {
                    schema_version: SCHEMA_VERSION,
                    ..Manifest::default()
                },
                Some(why),
            )
        }
    };
    let mut report = update(&mut index, articles, manifest, progress)?;
    if rebuilt.is_some() {
        switch_current(base, &index.dir)?;
    } else {
        remove_other_generations(base, &index.dir);
    }
    report.rebuilt = rebuilt;
    report.indexed = index.reader.searcher().num_docs();
    report.elapsed = started.elapsed();
    Ok((index, report))
}

/// Opens the live generation without updating it: for readers when another process holds
/// the write lock.
pub fn open_read_only(data: &Path) -> Result<SearchIndex> {
    open_current(&data.join("index"))
        .map(|(index, _)| index)
        .map_err(Error::Index)
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

fn now_ns() -> u128 {
    UNIX_EPOCH.elapsed().map_or(0, |d| d.as_nanos())
}

/// Opens the generation `CURRENT` names, checks it fully, and reads its manifest.
fn open_current(base: &Path) -> std::result::Result<(SearchIndex, Manifest), String> {
    let current =
        fs::read_to_string(base.join("CURRENT")).map_err(|_| "no index yet".to_owned())?;
    let dir = base.join(current.trim());
    if current.trim().is_empty() || current.contains(['/', '\\']) || !dir.is_dir() {
        return Err("the index folder named by CURRENT is missing".into());
    }
    let index = tantivy::Index::open_in_dir(&dir)
        .map_err(|e| format!("the index cannot be opened: {}", short(e)))?;
    index
        .tokenizers()
        .register(analyzer::NAME, analyzer::analyzer());
    let metas = index
        .load_metas()
        .map_err(|e| format!("the index metadata cannot be read: {}", short(e)))?;
    let manifest = Manifest::read(&dir, metas.payload.as_deref())
        .ok_or("the index has no readable manifest")?;
    if manifest.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "schema version {} differs from {SCHEMA_VERSION}",
            manifest.schema_version
        ));
    }
    let (schema, fields) = schema::build();
    if index.schema() != schema {
        return Err("the index schema differs".into());
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| format!("the index cannot be read: {}", short(e)))?;
    Ok((
        SearchIndex {
            index,
            reader,
            fields,
            dir,
        },
        manifest,
    ))
}

/// Creates an empty index in `dir`.
fn create(dir: &Path) -> Result<SearchIndex> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (schema, fields) = schema::build();
    // LZ4 for stored documents: a hit's document is decompressed on every search, and
    // LZ4 decompresses several times faster than zstd for a slightly larger index.
    let settings = IndexSettings {
        docstore_compression: Compressor::Lz4,
        ..IndexSettings::default()
    };
    let index = tantivy::Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(dir)
        .map_err(tantivy_error)?;
    index
        .tokenizers()
        .register(analyzer::NAME, analyzer::analyzer());
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(tantivy_error)?;
    Ok(SearchIndex {
        index,
        reader,
        fields,
        dir: dir.to_path_buf(),
    })
}

/// Points `CURRENT` at `dir` atomically, then removes the other generations.
fn switch_current(base: &Path, dir: &Path) -> Result<()> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = base.join("CURRENT.tmp");
    let mut f = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(name.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, base.join("CURRENT")).map_err(|e| Error::io(base.join("CURRENT"), e))?;
    remove_other_generations(base, dir);
    Ok(())
}

/// Removes generation folders other than `keep`: old ones, and ones a killed rebuild
/// left half-written. Only called with the write lock held.
fn remove_other_generations(base: &Path, keep: &Path) {
    if let Ok(entries) = fs::read_dir(base) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && p != keep {
                let _ = fs::remove_dir_all(&p);
            }
        }
    }
}

/// A file of the folder as seen now.
struct Seen {
    rel: String,
    abs: PathBuf,
    len: u64,
    mtime_ns: u64,
}

/// Outcome of reading one changed file.
struct Read {
    hash: u64,
    id: Option<String>,
    errors: Vec<String>,
}

/// Brings `index` from `old` to the folder's current state.
fn update(
    index: &mut SearchIndex,
    root: &Path,
    old: Manifest,
    progress: &ProgressBar,
) -> Result<UpdateReport> {
    let (paths, walk_problems) = load::find_articles(root)?;
    let mut report = UpdateReport {
        files: paths.len(),
        ..UpdateReport::default()
    };
    report
        .problems
        .extend(walk_problems.iter().map(ToString::to_string));
    let seen: Vec<Seen> = paths
        .par_iter()
        .map(|abs| {
            let meta = fs::metadata(abs).ok();
            let mtime_ns = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64);
            Seen {
                rel: relative(root, abs),
                abs: abs.clone(),
                len: meta.map_or(0, |m| m.len()),
                mtime_ns,
            }
        })
        .collect();

    // Large first builds use every core; small ones and incremental updates use one
    // indexing thread, which needs less memory and puts documents in path order, so
    // equal scores always list in the same order.
    let big = old.files.is_empty() && seen.len() > PARALLEL_BUILD_FILES;
    let built = if big {
        index.index.writer(WRITER_MEMORY)
    } else {
        index.index.writer_with_num_threads(1, SMALL_WRITER_MEMORY)
    };
    let mut writer: IndexWriter = built.map_err(|e| match e {
        tantivy::TantivyError::LockFailure(..) => Error::IndexBusy(index.dir.clone()),
        e => tantivy_error(e),
    })?;
    if old.files.is_empty() {
        let files = build_fresh(index, &mut writer, root, &seen, progress, &mut report)?;
        return finish(
            index,
            writer,
            root,
            Manifest {
                schema_version: SCHEMA_VERSION,
                files,
            },
            &old,
            report,
        );
    }

    // Phase 1: read what changed on disk, hash it, learn its id.
    let changed: Vec<&Seen> = seen
        .iter()
        .filter(|s| {
            old.files
                .get(&s.rel)
                .is_none_or(|e| e.len != s.len || e.mtime_ns != s.mtime_ns)
        })
        .collect();
    progress.set_length(changed.len() as u64);
    let reads: Vec<Read> = changed
        .par_iter()
        .map(|s| {
            let r = read_one(s, old.files.get(&s.rel));
            progress.inc(1);
            r
        })
        .collect();

    // The next manifest: unchanged entries as they were, changed ones from what was read.
    let mut next: BTreeMap<String, Entry> = BTreeMap::new();
    let mut content_changed: HashSet<String> = HashSet::new();
    for s in &seen {
        if let Some(e) = old.files.get(&s.rel) {
            next.insert(s.rel.clone(), e.clone());
        }
    }
    for (s, r) in changed.iter().zip(reads) {
        let prev = old.files.get(&s.rel).cloned().unwrap_or_default();
        let same = prev.hash == r.hash && !prev.id.is_empty() && prev.errors.is_empty();
        let mut e = Entry {
            len: s.len,
            mtime_ns: s.mtime_ns,
            hash: r.hash,
            ..prev.clone()
        };
        match r.id {
            Some(id) => {
                e.id = id;
                e.errors.clear();
                if !same {
                    content_changed.insert(s.rel.clone());
                }
            }
            // The last good version (if any) stays in the index.
            None => e.errors = r.errors,
        }
        next.insert(s.rel.clone(), e);
    }

    // Ids are unique, ignoring case: the first path in order wins.
    let mut owner: HashMap<&str, &str> = HashMap::new();
    let mut want_active: HashMap<String, bool> = HashMap::new();
    for (rel, e) in &next {
        let usable = !e.id.is_empty() && (e.errors.is_empty() || e.active);
        let wins = usable && !owner.contains_key(e.id.as_str());
        if wins {
            owner.insert(e.id.as_str(), rel.as_str());
        } else if usable {
            let first = owner.get(e.id.as_str()).copied().unwrap_or("");
            report
                .problems
                .push(duplicate_problem(root, rel, &e.id, first));
        }
        want_active.insert(rel.clone(), wins);
    }

    let path_term = |rel: &str| Term::from_field_text(index.fields.path, rel);
    // Removed files.
    for (rel, e) in &old.files {
        if e.active && !next.contains_key(rel) {
            writer.delete_term(path_term(rel));
            report.removed += 1;
        }
    }
    // Files to (re)index: changed content that should be active, or newly active files.
    let mut to_add: Vec<String> = Vec::new();
    for (rel, e) in next.iter_mut() {
        let active = want_active.get(rel).copied().unwrap_or(false);
        let fresh = content_changed.contains(rel);
        if e.active && (!active || fresh) {
            writer.delete_term(path_term(rel));
            if !active {
                report.removed += 1;
            }
        }
        if active && (fresh || !e.active) {
            to_add.push(rel.clone());
            if e.active {
                report.changed += 1;
            } else {
                report.added += 1;
            }
        }
        e.active = active;
    }
    // Phase 2: parse and index, in batches so memory stays bounded.
    progress.set_position(0);
    progress.set_length(to_add.len() as u64);
    for batch in to_add.chunks(BATCH) {
        let docs: Vec<(
            String,
            std::result::Result<tantivy::TantivyDocument, String>,
        )> = batch
            .par_iter()
            .map(|rel| {
                let seen = Seen {
                    rel: rel.clone(),
                    abs: root.join(rel),
                    len: 0,
                    mtime_ns: 0,
                };
                let doc = match read_and_build(index, &seen) {
                    (_, Some(doc)) => Ok(doc),
                    (read, None) => Err(format!(
                        "{}:{}",
                        seen.abs.display(),
                        read.errors.first().map_or("", String::as_str)
                    )),
                };
                progress.inc(1);
                (rel.clone(), doc)
            })
            .collect();
        for (rel, doc) in docs {
            match doc {
                Ok(doc) => {
                    writer.add_document(doc).map_err(tantivy_error)?;
                }
                Err(problem) => {
                    // Changed again since it was read: look at it next time.
                    if let Some(e) = next.get_mut(&rel) {
                        e.active = false;
                        e.mtime_ns = 0;
                    }
                    report.problems.push(problem);
                }
            }
        }
    }
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        files: next,
    };
    finish(index, writer, root, manifest, &old, report)
}

/// Reports the files with errors, commits the changes with the new manifest, and makes
/// them visible to the reader.
fn finish(
    index: &mut SearchIndex,
    mut writer: IndexWriter,
    root: &Path,
    manifest: Manifest,
    old: &Manifest,
    mut report: UpdateReport,
) -> Result<UpdateReport> {
    for (rel, e) in &manifest.files {
        for err in &e.errors {
            let kept = if e.active {
                " (the last good version stays in the index)"
            } else {
                ""
            };
            report
                .problems
                .push(format!("{}:{err}{kept}", root.join(rel).display()));
        }
    }
    if manifest != *old || report.added + report.changed + report.removed > 0 {
        let mut prepared = writer.prepare_commit().map_err(tantivy_error)?;
        let name = manifest
            .write(&index.dir, prepared.opstamp())
            .map_err(|e| Error::io(&index.dir, e))?;
        prepared.set_payload(&name);
        prepared.commit().map_err(tantivy_error)?;
        Manifest::remove_others(&index.dir, &name);
        writer.wait_merging_threads().map_err(tantivy_error)?;
        index.reader.reload().map_err(tantivy_error)?;
    }
    Ok(report)
}

/// A first build: every file is new, so each is read and parsed once, in path order,
/// and the first file of each id wins as it comes.
fn build_fresh(
    index: &SearchIndex,
    writer: &mut IndexWriter,
    root: &Path,
    seen: &[Seen],
    progress: &ProgressBar,
    report: &mut UpdateReport,
) -> Result<BTreeMap<String, Entry>> {
    let mut files = BTreeMap::new();
    let mut owner: HashMap<String, String> = HashMap::new();
    progress.set_length(seen.len() as u64);
    for batch in seen.chunks(BATCH) {
        let built: Vec<(Read, Option<tantivy::TantivyDocument>)> = batch
            .par_iter()
            .map(|s| {
                let r = read_and_build(index, s);
                progress.inc(1);
                r
            })
            .collect();
        for (s, (read, doc)) in batch.iter().zip(built) {
            let mut e = Entry {
                len: s.len,
                mtime_ns: s.mtime_ns,
                hash: read.hash,
                id: read.id.unwrap_or_default(),
                active: false,
                errors: read.errors,
            };
            if let Some(doc) = doc {
                match owner.get(&e.id) {
                    Some(first) => report
                        .problems
                        .push(duplicate_problem(root, &s.rel, &e.id, first)),
                    None => {
                        owner.insert(e.id.clone(), s.rel.clone());
                        writer.add_document(doc).map_err(tantivy_error)?;
                        e.active = true;
                        report.added += 1;
                    }
                }
            }
            files.insert(s.rel.clone(), e);
        }
    }
    Ok(files)
}

/// Reads, hashes, parses and builds the document of one file.
fn read_and_build(index: &SearchIndex, s: &Seen) -> (Read, Option<tantivy::TantivyDocument>) {
    let (bytes, hash) = match read_hashed(s) {
        Ok(read) => read,
        Err(failed) => return (failed, None),
    };
    let text = match article::decode(&bytes) {
        Ok(text) => text,
        Err(d) => {
            return (
                Read {
                    hash,
                    id: None,
                    errors: error_lines(&[d]),
                },
                None,
            )
        }
    };
    let parsed = article::parse(&text);
    match parsed.article {
        Some(a) => {
            let doc = document::build(&index.fields, &a, &s.rel, &text);
            (
                Read {
                    hash,
                    id: Some(a.id().to_ascii_lowercase()),
                    errors: Vec::new(),
                },
                Some(doc),
            )
        }
        None => (
            Read {
                hash,
                id: None,
                errors: error_lines(&parsed.diagnostics),
            },
            None,
        ),
    }
}

/// `path:1:1: error: duplicate id …`, as `kbase check` words it.
fn duplicate_problem(root: &Path, rel: &str, id: &str, first: &str) -> String {
    let message = article::check::duplicate_message(id, &root.join(first), "");
    format!("{}:1:1: error: {message}", root.join(rel).display())
}

/// Reads a changed file through the article loader's size cap (nothing over it is read
/// into memory) and hashes it; a failure comes back as the [`Read`] to record.
fn read_hashed(s: &Seen) -> std::result::Result<(Vec<u8>, u64), Read> {
    match load::read_capped(&s.abs) {
        Ok(bytes) => {
            let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
            Ok((bytes, hash))
        }
        Err(d) => Err(Read {
            hash: 0,
            id: None,
            errors: error_lines(std::slice::from_ref(&d)),
        }),
    }
}

/// `line:col: error: message` for each error.
fn error_lines(diagnostics: &[crate::diagnostic::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}:{}: {}: {}", d.line, d.column, d.severity, d.message))
        .collect()
}

/// Reads, hashes and parses one changed file.
fn read_one(s: &Seen, prev: Option<&Entry>) -> Read {
    let (bytes, hash) = match read_hashed(s) {
        Ok(read) => read,
        Err(failed) => return failed,
    };
    if let Some(p) = prev.filter(|p| p.hash == hash && !p.id.is_empty() && p.errors.is_empty()) {
        return Read {
            hash,
            id: Some(p.id.clone()),
            errors: Vec::new(),
        };
    }
    let parsed = article::parse_bytes(&bytes);
    match parsed.article {
        Some(a) => Read {
            hash,
            id: Some(a.id().to_ascii_lowercase()),
            errors: Vec::new(),
        },
        None => Read {
            hash,
            id: None,
            errors: error_lines(&parsed.diagnostics),
        },
    }
}

/// `root/a/b.md` → `a/b.md`.
fn relative(root: &Path, abs: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
