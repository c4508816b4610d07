//! `kbase import`: many legacy files → article files, in parallel, safely.
//!
//! Inputs are converted in parallel (rayon) in chunks, so memory stays bounded however
//! many files there are, and results are applied in input order, so the outcome is
//! deterministic: the same inputs give byte-identical files, and when two inputs carry
//! the same id the first in path order wins. Nothing a user edited is overwritten without
//! `force`: an existing file that differs is skipped and reported. Every write goes to a
//! hidden temporary file first and is renamed into place, so an interrupted import never
//! leaves a half-written article.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::convert::{convert, Conversion, Warning, MAX_LEGACY_BYTES};
use crate::article::check::FirstWins;
use crate::error::{Error, Result};

/// How an import behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Overwrite existing articles that differ from the import.
    pub force: bool,
}

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// A new or replaced article was written.
    Written,
    /// The article on disk was already identical.
    Unchanged,
    /// The article on disk differs and `force` was not given: left alone.
    Skipped,
    /// The file could not be imported.
    Failed,
}

impl Status {
    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Written => "written",
            Status::Unchanged => "unchanged",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// The outcome for one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The input file.
    pub file: PathBuf,
    /// The article id, when the file got that far.
    pub id: Option<String>,
    /// What happened.
    pub status: Status,
    /// Why, for skipped and failed files.
    pub message: Option<String>,
    /// What was repaired or missing.
    pub warnings: Vec<Warning>,
}

impl FileReport {
    /// One JSON object for the `--report` JSON-lines file.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file.display().to_string(),
            "id": self.id,
            "status": self.status.as_str(),
            "message": self.message,
            "warnings": self.warnings.iter().map(|w| serde_json::json!({"kind": w.kind, "message": w.message})).collect::<Vec<_>>(),
        })
    }
}

/// The outcome of a whole import.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// One entry per input file, in input order.
    pub files: Vec<FileReport>,
    /// Wall time.
    pub elapsed: Duration,
}

impl ImportReport {
    /// Number of files with this status.
    pub fn count(&self, status: Status) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }

    /// Warning kinds with their counts, most frequent first.
    pub fn warning_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for w in self.files.iter().flat_map(|f| &f.warnings) {
            match counts.iter_mut().find(|(k, _)| *k == w.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((w.kind, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }

    /// The closing lines of `kbase import`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "read {} files in {:.1} s ({:.0} files/s): {} written, {} unchanged, {} skipped, {} failed",
            self.files.len(),
            self.elapsed.as_secs_f64(),
            self.files.len() as f64 / self.elapsed.as_secs_f64().max(1e-3),
            self.count(Status::Written),
            self.count(Status::Unchanged),
            self.count(Status::Skipped),
            self.count(Status::Failed),
        );
        if self.count(Status::Skipped) > 0 {
            s.push_str("\nskipped files differ from what the import would write (edited by hand?); --force overwrites them");
        }
        let warnings = self.warning_counts();
        if !warnings.is_empty() {
            let list: Vec<String> = warnings.iter().map(|(k, n)| format!("{k} {n}")).collect();
            s.push_str(&format!("\nwarnings: {}", list.join(", ")));
        }
        s
    }
}

/// Files converted and written per chunk: large enough to keep both cores busy, small
/// enough to bound memory.
const CHUNK: usize = 2048;

/// Imports the legacy files named by `sources` (files, or folders searched recursively
/// for `*.txt`) into `out`. `tick` is called once per input file, from any thread, for
/// progress. Fails only when a source is missing or `out` cannot be created.
pub fn import(
    sources: &[PathBuf],
    out: &Path,
    options: ImportOptions,
    tick: &(dyn Fn() + Sync),
) -> Result<ImportReport> {
    import_counted(sources, out, options, &|_| {}, tick)
}

/// [`import`], telling `total` how many input files there are once the sources have
/// been scanned (before the first `tick`), so that a progress bar can show a total and
/// an ETA.
pub fn import_counted(
    sources: &[PathBuf],
    out: &Path,
    options: ImportOptions,
    total: &(dyn Fn(u64) + Sync),
    tick: &(dyn Fn() + Sync),
) -> Result<ImportReport> {
    let started = Instant::now();
    let inputs = collect_inputs(sources)?;
    total(inputs.len() as u64);
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut report = ImportReport {
        files: Vec::with_capacity(inputs.len()),
        ..ImportReport::default()
    };
    let mut ids = FirstWins::with_capacity(inputs.len());
    for chunk in inputs.chunks(CHUNK) {
        let converted: Vec<std::result::Result<Conversion, String>> = chunk
            .par_iter()
            .map(|(path, origin)| read_legacy(path).and_then(|bytes| convert(&bytes, origin)))
            .collect();
        // Decide duplicates in input order, then write in parallel.
        let decided: Vec<(usize, std::result::Result<Conversion, String>)> = converted
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let c = c.and_then(|c| match ids.claim(&chunk[i].0, &c.id, 1) {
                    Ok(()) => Ok(c),
                    Err(d) => Err(d.diagnostic.message),
                });
                (i, c)
            })
            .collect();
        let results: Vec<FileReport> = decided
            .into_par_iter()
            .map(|(i, c)| {
                let file = chunk[i].0.clone();
                let r = match c {
                    Ok(c) => {
                        let (status, message) = write_article(out, &c, options)
                            .unwrap_or_else(|e| (Status::Failed, Some(e)));
                        FileReport {
                            file,
                            id: Some(c.id),
                            status,
                            message,
                            warnings: c.warnings,
                        }
                    }
                    Err(message) => FileReport {
                        file,
                        id: None,
                        status: Status::Failed,
                        message: Some(message),
                        warnings: Vec::new(),
                    },
                };
                tick();
                r
            })
            .collect();
        report.files.extend(results);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Lists the input files with their provenance name (path relative to the folder given,
/// or the file name), sorted by path.
fn collect_inputs(sources: &[PathBuf]) -> Result<Vec<(PathBuf, String)>> {
    let mut inputs = Vec::new();
    for src in sources {
        let meta = fs::metadata(src).map_err(|e| Error::io(src, e))?;
        if meta.is_file() {
            let name = src
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            inputs.push((src.clone(), name));
            continue;
        }
        for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(src).to_path_buf();
                Error::io(
                    path,
                    e.into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("folder loop")),
                )
            })?;
            let path = entry.path();
            if entry.file_type().is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
            {
                let rel = path.strip_prefix(src).unwrap_or(path);
                let origin = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                inputs.push((path.to_path_buf(), origin));
            }
        }
    }
    inputs.sort();
    inputs.dedup_by(|a, b| a.0 == b.0);
    Ok(inputs)
}

fn read_legacy(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_LEGACY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() > MAX_LEGACY_BYTES {
        return Err(format!(
            "larger than the {MAX_LEGACY_BYTES}-byte limit for legacy articles"
        ));
    }
    Ok(bytes)
}

/// Writes `out/<id>.md` unless an identical file is there, or a different one is and
/// `force` is off.
fn write_article(
    out: &Path,
    c: &Conversion,
    options: ImportOptions,
) -> std::result::Result<(Status, Option<String>), String> {
    let target = out.join(format!("{}.md", c.id));
    match fs::read(&target) {
        Ok(existing) if existing == c.file.as_bytes() => return Ok((Status::Unchanged, None)),
        Ok(_) if !options.force => {
            return Ok((
                Status::Skipped,
                Some(format!(
                    "{} exists and differs; --force overwrites it",
                    target.display()
                )),
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", target.display())),
    }
    let tmp = out.join(format!(".{}.md.tmp{}", c.id, std::process::id()));
    fs::write(&tmp, &c.file)
        .and_then(|()| fs::rename(&tmp, &target))
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("cannot write {}: {e}", target.display())
        })?;
    Ok((Status::Written, None))
}
