//! Reading the articles folder: the only code that opens article files.
//!
//! Every `*.md` file under the folder is an article (subfolders carry no meaning; hidden
//! entries such as `.git` are skipped). Files are read and parsed in parallel; a bad file
//! is reported and skipped, never stopping the rest. Nothing outside the folder is read:
//! a symlink that leaves it is refused, and a file larger than [`MAX_ARTICLE_BYTES`] is
//! refused before it is read, so one hostile file cannot exhaust memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{check, parse_bytes, Article, Date};
use crate::diagnostic::{Diagnostic, FileDiagnostic, Severity};
use crate::error::{Error, Result};

/// Largest article file kbase reads. The biggest legacy KB article is a few hundred KB;
/// 8 MiB leaves room for long hand-written ones while bounding memory per file.
pub const MAX_ARTICLE_BYTES: u64 = 8 * 1024 * 1024;

/// An article and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedArticle {
    /// The file, as found under the folder the user named.
    pub path: PathBuf,
    /// Its parsed content.
    pub article: Article,
}

/// Every usable article of a folder, and every problem found on the way.
#[derive(Debug, Default)]
pub struct Collection {
    /// Usable articles, sorted by path, ids unique.
    pub articles: Vec<LoadedArticle>,
    /// Errors and warnings, sorted by path and position.
    pub diagnostics: Vec<FileDiagnostic>,
    /// How many article files were found (usable or not).
    pub files: usize,
}

impl Collection {
    /// Number of diagnostics of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.diagnostic.severity == severity)
            .count()
    }

    /// Adds a `due-for-review` diagnostic for each article whose `review_by` is before
    /// `today`: a warning, or an error when `strict`. Separate from [`load_dir`] because
    /// the verdict depends on the day, which only the caller knows (`kbase check` may be
    /// told a fixed one).
    pub fn check_reviews(&mut self, today: Date, strict: bool) {
        let severity = if strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        let found = self
            .articles
            .iter()
            .filter_map(|a| check::check_review(&a.article, &a.path, today, severity));
        self.diagnostics.extend(found);
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// The usable articles due for review on `today`, as [`check::due_for_review`]
    /// orders them.
    pub fn due_for_review(&self, today: Date) -> Vec<check::DueReview> {
        let articles = self.articles.iter().map(|a| (&a.article, a.path.as_path()));
        check::due_for_review(articles, today)
    }
}

/// Loads and checks every article under `root`, in parallel.
///
/// Fails only when `root` itself is unusable; problems with files are diagnostics.
pub fn load_dir(root: &Path) -> Result<Collection> {
    let (paths, mut diagnostics) = find_articles(root)?;
    let results: Vec<(Option<LoadedArticle>, Vec<FileDiagnostic>)> = paths
        .par_iter()
        .map(|path| {
            let (article, diags) = read_article(path);
            (
                article.map(|article| LoadedArticle {
                    path: path.clone(),
                    article,
                }),
                diags,
            )
        })
        .collect();
    let mut articles = Vec::with_capacity(results.len());
    for (article, diags) in results {
        articles.extend(article);
        diagnostics.extend(diags);
    }
    diagnostics.extend(apply_collection_rules(&mut articles));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(Collection {
        articles,
        diagnostics,
        files: paths.len(),
    })
}

/// Applies the collection rules to `articles` (sorted by path first): removes the losers
/// of duplicate ids, and returns what was found.
fn apply_collection_rules(articles: &mut Vec<LoadedArticle>) -> Vec<FileDiagnostic> {
    articles.sort_by(|a, b| a.path.cmp(&b.path));
    let mut ids = check::FirstWins::with_capacity(articles.len());
    let mut out = Vec::new();
    articles.retain(|a| {
        let line = a.article.line_of_key("id").unwrap_or(1);
        ids.claim(&a.path, a.article.id(), line)
            .map_err(|d| out.push(d))
            .is_ok()
    });
    for a in articles.iter() {
        out.extend(check::check_references(&a.article, &a.path, &ids));
    }
    out
}

/// Reads and parses one article file, never panicking; problems come back located.
pub fn read_article(path: &Path) -> (Option<Article>, Vec<FileDiagnostic>) {
    let located = |ds: Vec<Diagnostic>| ds.into_iter().map(|d| d.in_file(path)).collect();
    match read_capped(path) {
        Ok(bytes) => {
            let parsed = parse_bytes(&bytes);
            (parsed.article, located(parsed.diagnostics))
        }
        Err(d) => (None, located(vec![d])),
    }
}

/// Reads a file of at most [`MAX_ARTICLE_BYTES`]; a larger one is refused from its size,
/// before any of it is read. The indexer reads through this too.
pub fn read_capped(path: &Path) -> std::result::Result<Vec<u8>, Diagnostic> {
    let read_error = |e: std::io::Error| {
        Diagnostic::error("read-error", 1, 1, format!("cannot read the file: {e}"))
    };
    let file = File::open(path).map_err(read_error)?;
    let too_large = |n: u64| {
        Diagnostic::error(
            "too-large",
            1,
            1,
            format!(
                "the file is {n} bytes; articles are limited to {MAX_ARTICLE_BYTES} bytes (8 MiB)"
            ),
        )
    };
    let len = file.metadata().map_err(read_error)?.len();
    if len > MAX_ARTICLE_BYTES {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_ARTICLE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Finds the article files under `root`, sorted, with problems met while walking
/// (unreadable folders, symlinks that leave `root`).
pub fn find_articles(root: &Path) -> Result<(Vec<PathBuf>, Vec<FileDiagnostic>)> {
    if !root.is_dir() {
        return Err(Error::NoArticlesDir(root.to_path_buf()));
    }
    let real_root = root.canonicalize().map_err(|e| Error::io(root, e))?;
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let msg = format!(
                    "cannot read: {}",
                    e.io_error().map_or(e.to_string(), |io| io.to_string())
                );
                problems.push(Diagnostic::error("read-error", 1, 1, msg).in_file(path));
                continue;
            }
        };
        let path = entry.path();
        if !is_markdown(path) {
            continue;
        }
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&real_root) && target.is_file() => {}
                Ok(target) if !target.starts_with(&real_root) => {
                    let msg = "symlink to a file outside the articles folder: refused";
                    problems.push(Diagnostic::error("outside-articles", 1, 1, msg).in_file(path));
                    continue;
                }
                Ok(_) => continue,
                Err(e) => {
                    let msg = format!("broken symlink: {e}");
                    problems.push(Diagnostic::error("read-error", 1, 1, msg).in_file(path));
                    continue;
                }
            }
        } else if !entry.file_type().is_file() {
            continue;
        }
        paths.push(path.to_path_buf());
    }
    Ok((paths, problems))
}

/// `*.md`, any case.
fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

impl Collection {
    /// The closing line of `kbase check`: files, usable articles, errors, warnings, time.
    pub fn summary(&self, elapsed: std::time::Duration) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "checked {} ({} usable) in {:.2} s: {}, {}",
            plural(self.files, "file"),
            self.articles.len(),
            elapsed.as_secs_f64(),
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning"),
        )
    }
}
