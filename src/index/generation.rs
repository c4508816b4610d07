//! Index generations on disk: the write lock, `CURRENT`, creating, opening and switching.
//!
//! Layout under the data folder: `index/lock` (held by the one writer), `index/CURRENT`
//! (the name of the live generation) and `index/<generation>/` (a tantivy index whose
//! every commit names its [`Manifest`]). A rebuild goes into a *new* generation and
//! `CURRENT` is switched with an atomic rename once it is complete, so a crash at any
//! moment leaves the old or the new index, never a mix. This file owns those steps and
//! nothing else: which files to index is [`super::update`]'s business.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use tantivy::store::Compressor;
use tantivy::{IndexSettings, ReloadPolicy};

use super::hits::HitCodec;
use super::{analyzer, schema, Manifest, SearchIndex, SCHEMA_VERSION};
use crate::error::{Error, Result};

/// The right to write the index under a data folder, held until dropped.
///
/// `kbase index` takes it for one update; `kbase serve` holds it for its whole life, so
/// its reloads never race another writer and a second writer is told at once that the
/// index is in use (the OS releases the lock when a process dies, even by `kill -9`).
#[derive(Debug)]
pub struct IndexLock {
    _file: fs::File,
    pub(super) base: PathBuf,
}

/// Why the live generation cannot be used as it is; the reason a rebuild gives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Unusable {
    /// A rebuild was asked for.
    #[error("a rebuild was asked")]
    RebuildAsked,
    /// No generation was ever completed.
    #[error("no index yet")]
    NoIndex,
    /// `CURRENT` names a folder that is not there.
    #[error("the index folder named by CURRENT is missing")]
    CurrentMissing,
    /// tantivy cannot open the generation.
    #[error("the index cannot be opened")]
    Open(#[source] tantivy::TantivyError),
    /// The commit metadata cannot be read.
    #[error("the index metadata cannot be read")]
    Metas(#[source] tantivy::TantivyError),
    /// The commit names no readable manifest.
    #[error("the index has no readable manifest")]
    NoManifest,
    /// The index was written by a kbase with another schema.
    #[error("schema version {found} differs from {SCHEMA_VERSION}")]
    SchemaVersion {
        /// The version the manifest records.
        found: u32,
    },
    /// The schema stored in the index is not this kbase's.
    #[error("the index schema differs")]
    SchemaDiffers,
    /// tantivy cannot make a reader for the generation.
    #[error("the index cannot be read")]
    Reader(#[source] tantivy::TantivyError),
    /// Files of the generation fail their checksums.
    #[error("{count} index files fail their checksums (`{first}` among them)")]
    Checksum {
        /// How many.
        count: usize,
        /// One of them.
        first: String,
    },
    /// The index holds another number of articles than its manifest says.
    #[error("the index holds {found} articles where its manifest lists {listed}")]
    CountDiffers {
        /// Documents in the index.
        found: u64,
        /// Active files in the manifest.
        listed: u64,
    },
}

/// Takes the write lock of the index under `data`, or fails at once with
/// [`Error::IndexBusy`] when another process holds it, and with [`Error::ReadOnly`] when
/// the data folder cannot be written (a read-only image or mount).
pub fn lock(data: &Path) -> Result<IndexLock> {
    let base = data.join("index");
    fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let lock_path = base.join("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                Error::ReadOnly {
                    path: data.to_path_buf(),
                    source: e,
                }
            }
            _ => Error::io(&lock_path, e),
        })?;
    if file.try_lock().is_err() {
        return Err(Error::IndexBusy(base));
    }
    Ok(IndexLock { _file: file, base })
}

/// A name for a new generation: unique per process and moment.
pub(super) fn new_name() -> String {
    let ns = UNIX_EPOCH.elapsed().map_or(0, |d| d.as_nanos());
    format!("g{ns}-{}", std::process::id())
}

/// Opens the generation `CURRENT` names, checks it, and reads its manifest. What is
/// cheap is always checked (schema, manifest, the article count against the manifest);
/// with `verify`, every file's checksum too. `frozen` is for a data folder on a read-only
/// file system, where tantivy's reader lock file cannot be made (see [`super::frozen`]).
pub(super) fn open_current(
    base: &Path,
    verify: bool,
    frozen: bool,
) -> std::result::Result<(SearchIndex, Manifest), Unusable> {
    let current = fs::read_to_string(base.join("CURRENT")).map_err(|_| Unusable::NoIndex)?;
    let name = current.trim();
    let dir = base.join(name);
    if name.is_empty() || name.contains(['/', '\\']) || !dir.is_dir() {
        return Err(Unusable::CurrentMissing);
    }
    let index = if frozen {
        super::frozen::Frozen::open(&dir)
            .and_then(tantivy::Index::open)
            .map_err(Unusable::Open)?
    } else {
        tantivy::Index::open_in_dir(&dir).map_err(Unusable::Open)?
    };
    index
        .tokenizers()
        .register(analyzer::NAME, analyzer::analyzer());
    let metas = index.load_metas().map_err(Unusable::Metas)?;
    let manifest = Manifest::read(&dir, metas.payload.as_deref()).ok_or(Unusable::NoManifest)?;
    if manifest.schema_version != SCHEMA_VERSION {
        return Err(Unusable::SchemaVersion {
            found: manifest.schema_version,
        });
    }
    let (schema, fields) = schema::build();
    if index.schema() != schema {
        return Err(Unusable::SchemaDiffers);
    }
    if verify {
        let damaged = index.validate_checksum().map_err(Unusable::Open)?;
        if let Some(first) = damaged.iter().next() {
            return Err(Unusable::Checksum {
                count: damaged.len(),
                first: first.display().to_string(),
            });
        }
    }
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(Unusable::Reader)?;
    let listed = manifest.files.values().filter(|e| e.active).count() as u64;
    let found = reader.searcher().num_docs();
    if found != listed {
        return Err(Unusable::CountDiffers { found, listed });
    }
    let hits = match &manifest.hit_dictionary {
        Some(d) => HitCodec::with_dictionary(d.clone()).map_err(|_| Unusable::NoManifest)?,
        None => HitCodec::plain(),
    };
    Ok((
        SearchIndex {
            index,
            reader,
            fields,
            dir,
            hits: Arc::new(hits),
        },
        manifest,
    ))
}

/// zstd level of the document store.
const STORE_LEVEL: i32 = 9;

/// Creates an empty index in `dir`.
pub(super) fn create(dir: &Path) -> Result<SearchIndex> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (schema, fields) = schema::build();
    // zstd for stored documents, in tantivy's 16 KB blocks: against LZ4 it takes the
    // store of the full archive from 93 to 62 MB, and a hit's block still decompresses in
    // microseconds (the search benchmark's latencies did not move beyond their noise).
    // Level 9 rather than 3: 6% smaller (49.9 -> 47.1 MB), decompression as fast, the
    // full build a second or two slower on two cores; 15 saved 1 MB more at twice the
    // build time.
    let settings = IndexSettings {
        docstore_compression: Compressor::Zstd(tantivy::store::ZstdCompressor {
            compression_level: Some(STORE_LEVEL),
        }),
        ..IndexSettings::default()
    };
    let index = tantivy::Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(dir)?;
    index
        .tokenizers()
        .register(analyzer::NAME, analyzer::analyzer());
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok(SearchIndex {
        index,
        reader,
        fields,
        dir: dir.to_path_buf(),
        hits: Arc::new(HitCodec::plain()),
    })
}

/// Points `CURRENT` at `dir` atomically, then removes the other generations.
pub(super) fn switch_current(base: &Path, dir: &Path) -> Result<()> {
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
pub(super) fn remove_other_generations(base: &Path, keep: &Path) {
    if let Ok(entries) = fs::read_dir(base) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && p != keep {
                let _ = fs::remove_dir_all(&p);
            }
        }
    }
}
