//! Bringing an index up to date with the articles folder.
//!
//! [`diff`] compares the manifest with what the folder holds now, from sizes and
//! modification times alone, and says which files to read and which are gone; it is
//! pure, so tests drive it directly. [`update`] then walks the folder in path order, in
//! batches: each batch's files are read, hashed, parsed and turned into documents in
//! parallel (each changed file is read once), and then, in path order, each file claims
//! its id through the one duplicate rule ([`FirstWins`]) and its document is added,
//! replaced or removed. Path order makes the first path of an id the winner, and batches
//! keep memory bounded on a full build of 50,000 articles. Generations, `CURRENT` and
//! the lock are [`super::generation`]'s business.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use indicatif::ProgressBar;
use rayon::prelude::*;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::hits::HitCodec;
use super::{document, Entry, Manifest, SearchIndex, UpdateReport, SCHEMA_VERSION};
use crate::article::check::FirstWins;
use crate::article::{self, load};
use crate::diagnostic::{Diagnostic, FileDiagnostic};
use crate::error::{Error, Result};

/// Memory the index writer may use for its buffers, split over its threads.
const WRITER_MEMORY: usize = 192 * 1024 * 1024;
/// Memory of the single-threaded writer of small builds and updates.
const SMALL_WRITER_MEMORY: usize = 48 * 1024 * 1024;
/// First builds of more files than this index on every core.
const PARALLEL_BUILD_FILES: usize = 5000;
/// Files walked per batch: bounds the documents held in memory at once.
const BATCH: usize = 4096;

/// An article file of the folder as seen now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Path relative to the articles folder, `/`-separated: the manifest's key.
    pub rel: String,
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: u64,
}

/// What changed between a manifest and the folder, judged from sizes and times.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Files to read, in path order: new ones, ones whose size or time changed, and ones
    /// that were broken last time (read again so that their errors are reported from the
    /// file as it is now).
    pub to_read: Vec<String>,
    /// Files the manifest has and the folder no longer does.
    pub removed: Vec<String>,
}

/// Compares `old` with the files `seen` now (in any order).
pub fn diff(old: &Manifest, seen: &[Seen]) -> Changes {
    let mut to_read: Vec<String> = seen
        .iter()
        .filter(|s| {
            old.files
                .get(&s.rel)
                .is_none_or(|e| e.len != s.len || e.mtime_ns != s.mtime_ns || e.broken)
        })
        .map(|s| s.rel.clone())
        .collect();
    to_read.sort_unstable();
    let now: HashSet<&str> = seen.iter().map(|s| s.rel.as_str()).collect();
    let removed = old
        .files
        .keys()
        .filter(|rel| !now.contains(rel.as_str()))
        .cloned()
        .collect();
    Changes { to_read, removed }
}

/// How many files of the folder at `root` differ from `old` by size or time, are new, or
/// are gone: how far behind the folder an index is that this process may not update.
pub(super) fn behind(root: &Path, old: &Manifest) -> Result<usize> {
    let (seen, _) = scan(root)?;
    let differ = seen
        .iter()
        .filter(|s| {
            old.files
                .get(&s.rel)
                .is_none_or(|e| e.len != s.len || e.mtime_ns != s.mtime_ns)
        })
        .count();
    Ok(differ + diff(old, &seen).removed.len())
}

/// What reading one file gave.
enum Read {
    /// The content is the version already indexed (an unchanged hash): nothing to do.
    Same { hash: u64 },
    /// A usable article: its id as written, the line of `id:`, and its document.
    Parsed {
        hash: u64,
        id: String,
        line: usize,
        doc: Box<TantivyDocument>,
        /// The hit summary, JSON, not yet packed into `doc`.
        hit: Vec<u8>,
    },
    /// Not usable: why.
    Broken { hash: u64, errors: Vec<Diagnostic> },
}

/// Reads, hashes and (unless its content is the one `prev` indexed) parses one file and
/// builds its document: the only read of a changed file.
fn read(index: &SearchIndex, root: &Path, rel: &str, prev: Option<&Entry>) -> Read {
    let bytes = match load::read_capped(&root.join(rel)) {
        Ok(bytes) => bytes,
        Err(d) => {
            return Read::Broken {
                hash: 0,
                errors: vec![d],
            }
        }
    };
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    if prev.is_some_and(|p| p.hash == hash && !p.id.is_empty() && !p.broken) {
        return Read::Same { hash };
    }
    let text = match article::decode(&bytes) {
        Ok(text) => text,
        Err(d) => {
            return Read::Broken {
                hash,
                errors: vec![d],
            }
        }
    };
    let parsed = article::parse(&text);
    match parsed.article {
        Some(a) => {
            let (doc, hit) = document::build(&index.fields, &a, rel, &text);
            Read::Parsed {
                hash,
                id: a.id().to_owned(),
                line: a.line_of_key("id").unwrap_or(1),
                doc: Box::new(doc),
                hit,
            }
        }
        None => Read::Broken {
            hash,
            errors: parsed
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect(),
        },
    }
}

/// The files of the folder with their sizes and times, in path order, and the problems
/// met while walking it.
fn scan(root: &Path) -> Result<(Vec<Seen>, Vec<FileDiagnostic>)> {
    let (paths, problems) = load::find_articles(root)?;
    let seen = paths
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
                len: meta.map_or(0, |m| m.len()),
                mtime_ns,
            }
        })
        .collect();
    Ok((seen, problems))
}

/// Brings `index` from `old` to the folder's current state and commits the result.
pub(super) fn update(
    index: &mut SearchIndex,
    root: &Path,
    old: &Manifest,
    progress: &ProgressBar,
) -> Result<UpdateReport> {
    let (seen, walk_problems) = scan(root)?;
    let changes = diff(old, &seen);
    let mut report = UpdateReport {
        files: seen.len(),
        problems: walk_problems,
        ..UpdateReport::default()
    };
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
        e => Error::Tantivy(e),
    })?;
    let path_term = |rel: &str| Term::from_field_text(index.fields.path, rel);
    for rel in &changes.removed {
        if old.files.get(rel).is_some_and(|e| e.active) {
            writer.delete_term(path_term(rel));
            report.removed += 1;
        }
    }

    let to_read: HashSet<&str> = changes.to_read.iter().map(String::as_str).collect();
    progress.set_length(to_read.len() as u64);
    let mut ids = FirstWins::with_capacity(seen.len());
    let mut next: BTreeMap<String, Entry> = BTreeMap::new();
    for batch in seen.chunks(BATCH) {
        let mut reads: Vec<Option<Read>> = batch
            .par_iter()
            .map(|s| {
                to_read.contains(s.rel.as_str()).then(|| {
                    let r = read(index, root, &s.rel, old.files.get(&s.rel));
                    progress.inc(1);
                    r
                })
            })
            .collect();
        if index.hits.dictionary().is_none() {
            learn_hit_dictionary(index, &reads);
        }
        reads.par_iter_mut().flatten().for_each(|r| {
            if let Read::Parsed { doc, hit, .. } = r {
                add_hit(index, doc, &std::mem::take(hit));
            }
        });
        for (s, r) in batch.iter().zip(reads) {
            let entry = apply(
                index,
                &mut writer,
                root,
                s,
                old.files.get(&s.rel),
                r,
                &mut ids,
                &mut report,
            )?;
            next.insert(s.rel.clone(), entry);
        }
    }
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        files: next,
        hit_dictionary: index.hits.dictionary().map(<[u8]>::to_vec),
    };
    commit(
        index,
        writer,
        &manifest,
        old,
        &report,
        big.then_some(progress),
    )?;
    Ok(report)
}

/// Trains the dictionary of the index's hit summaries from a batch of them, when the
/// batch is large enough ([`HitCodec::train`]): the first large batch an index
/// generation is given, which for a first build is its first [`BATCH`] files. The
/// summaries indexed before it stay as they are.
fn learn_hit_dictionary(index: &mut SearchIndex, reads: &[Option<Read>]) {
    let samples: Vec<&[u8]> = reads
        .iter()
        .filter_map(|r| match r {
            Some(Read::Parsed { hit, .. }) => Some(hit.as_slice()),
            _ => None,
        })
        .collect();
    if let Some(codec) = HitCodec::train(&samples) {
        index.hits = Arc::new(codec);
    }
}

/// Adds the hit summary `hit` (JSON) to `doc`, packed.
fn add_hit(index: &SearchIndex, doc: &mut TantivyDocument, hit: &[u8]) {
    doc.add_bytes(index.fields.hit, index.hits.encode(hit).as_slice());
}

/// Decides one file's place in the index, in path order: it claims its id, and its
/// document is added, replaced or deleted accordingly. Returns its next manifest entry.
#[allow(clippy::too_many_arguments)]
fn apply(
    index: &SearchIndex,
    writer: &mut IndexWriter,
    root: &Path,
    s: &Seen,
    prev: Option<&Entry>,
    read_now: Option<Read>,
    ids: &mut FirstWins,
    report: &mut UpdateReport,
) -> Result<Entry> {
    let abs = root.join(&s.rel);
    let mut e = prev.cloned().unwrap_or_default();
    e.len = s.len;
    e.mtime_ns = s.mtime_ns;
    let mut doc = None;
    match read_now {
        None => {}
        Some(Read::Same { hash }) => e.hash = hash,
        Some(Read::Parsed {
            hash,
            id,
            line,
            doc: d,
            ..
        }) => {
            e.hash = hash;
            e.id = id;
            e.line = line;
            e.broken = false;
            doc = Some(d);
        }
        Some(Read::Broken { hash, errors }) => {
            // The last good version, if any, stays in the index.
            e.hash = hash;
            e.broken = true;
            let kept = if e.active {
                " (the last good version stays in the index)"
            } else {
                ""
            };
            report.problems.extend(errors.into_iter().map(|mut d| {
                d.message.push_str(kept);
                d.in_file(&abs)
            }));
        }
    }
    let fresh = doc.is_some();
    let usable = !e.id.is_empty() && (!e.broken || e.active);
    let wins = usable
        && match ids.claim(&abs, &e.id, e.line) {
            Ok(()) => true,
            Err(d) => {
                report.problems.push(d);
                false
            }
        };
    let path_term = Term::from_field_text(index.fields.path, &s.rel);
    if e.active && (!wins || fresh) {
        writer.delete_term(path_term.clone());
        if !wins {
            report.removed += 1;
        }
    }
    if wins && (fresh || !e.active) {
        // An unchanged file that only now wins its id (the earlier owner went) was not
        // read: read it now.
        let doc = match doc {
            Some(doc) => Some(doc),
            None => match read(index, root, &s.rel, None) {
                Read::Parsed { mut doc, hit, .. } => {
                    add_hit(index, &mut doc, &hit);
                    Some(doc)
                }
                Read::Broken { errors, .. } => {
                    report
                        .problems
                        .extend(errors.into_iter().map(|d| d.in_file(&abs)));
                    None
                }
                Read::Same { .. } => None,
            },
        };
        match doc {
            Some(doc) => {
                writer.add_document(*doc)?;
                if e.active {
                    report.changed += 1;
                } else {
                    report.added += 1;
                }
            }
            None => {
                // Changed again since it was seen: look at it next time.
                e.active = false;
                e.mtime_ns = 0;
                return Ok(e);
            }
        }
    }
    e.active = wins;
    Ok(e)
}

/// Commits the changes with the new manifest when anything changed, and makes them
/// visible to the reader. After a large first build (one segment per indexing thread;
/// `merge_all` then holds the build's progress, which says so),
/// the segments are merged into one: every search pays per segment (a weight, a
/// scorer and a dictionary lookup per term, a walk of each dictionary for spellings),
/// and a merge costs a few seconds once. Later updates add small segments, which
/// tantivy's merge policy gathers as usual.
fn commit(
    index: &mut SearchIndex,
    mut writer: IndexWriter,
    manifest: &Manifest,
    old: &Manifest,
    report: &UpdateReport,
    merge_all: Option<&ProgressBar>,
) -> Result<()> {
    if manifest == old && report.added + report.changed + report.removed == 0 {
        return Ok(());
    }
    let mut prepared = writer.prepare_commit()?;
    let name = manifest
        .write(&index.dir, prepared.opstamp())
        .map_err(|e| Error::io(&index.dir, e))?;
    prepared.set_payload(&name);
    prepared.commit()?;
    Manifest::remove_others(&index.dir, &name);
    if let Some(progress) = merge_all {
        let segments = index.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            progress.set_message("indexed; merging into one segment");
            // A merge that fails leaves the committed segments as they were: slower to
            // search, never wrong.
            if let Err(e) = writer.merge(&segments).wait() {
                tracing::warn!("the new index's segments were not merged: {e}");
            }
        }
    }
    writer.wait_merging_threads()?;
    index.reader.reload()?;
    Ok(())
}

/// `root/a/b.md` → `a/b.md`.
fn relative(root: &Path, abs: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(rel: &str, len: u64, mtime_ns: u64) -> Seen {
        Seen {
            rel: rel.to_owned(),
            len,
            mtime_ns,
        }
    }

    fn entry(len: u64, mtime_ns: u64, broken: bool) -> Entry {
        Entry {
            len,
            mtime_ns,
            hash: 7,
            id: "Q1".to_owned(),
            line: 2,
            active: true,
            broken,
        }
    }

    #[test]
    fn an_empty_manifest_reads_everything_in_path_order() {
        let c = diff(
            &Manifest::default(),
            &[seen("b.md", 1, 1), seen("a.md", 1, 1)],
        );
        assert_eq!(c.to_read, ["a.md", "b.md"]);
        assert!(c.removed.is_empty());
    }

    #[test]
    fn only_changed_new_and_broken_files_are_read_and_gone_ones_removed() {
        let mut old = Manifest::default();
        old.files.insert("same.md".into(), entry(10, 100, false));
        old.files.insert("touched.md".into(), entry(10, 100, false));
        old.files.insert("grown.md".into(), entry(10, 100, false));
        old.files.insert("broken.md".into(), entry(10, 100, true));
        old.files.insert("gone.md".into(), entry(10, 100, false));
        let now = [
            seen("same.md", 10, 100),
            seen("touched.md", 10, 101),
            seen("grown.md", 11, 100),
            seen("broken.md", 10, 100),
            seen("new.md", 3, 5),
        ];
        let c = diff(&old, &now);
        assert_eq!(c.to_read, ["broken.md", "grown.md", "new.md", "touched.md"]);
        assert_eq!(c.removed, ["gone.md"]);
    }

    #[test]
    fn nothing_changed_reads_nothing() {
        let mut old = Manifest::default();
        old.files.insert("a.md".into(), entry(10, 100, false));
        assert_eq!(diff(&old, &[seen("a.md", 10, 100)]), Changes::default());
    }
}
