//! The rules of `kbase check` beyond parsing: per article, and across the collection.
//!
//! Per-article rules ([`check_article`]) run inside [`super::parse`], so every reader
//! reports them. Collection rules need all articles at once: ids must be unique
//! (compared ignoring case, because permalinks are case-insensitive; [`FirstWins`]) and
//! `see_also` should name articles that exist ([`check_references`]). A duplicate is
//! resolved deterministically: the file first in path order wins, the others are
//! reported and dropped, so the index can never hold two documents with one id. Nothing
//! here reads files: the loader, the indexer and the importer feed these rules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Article;
use crate::diagnostic::{Diagnostic, FileDiagnostic};

/// Warnings about one article: empty sections, and no fix to show in search results.
pub fn check_article(article: &Article) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = article
        .sections
        .iter()
        .filter(|s| s.is_empty())
        .map(|s| {
            Diagnostic::warning(
                "empty-section",
                s.line,
                1,
                format!("section `{}` is empty", s.heading),
            )
        })
        .collect();
    if article.fix().is_none() {
        out.push(Diagnostic::warning(
            "no-fix",
            article.body_line.saturating_sub(1).max(1),
            1,
            "no resolution, workaround or summary: search results will show no fix",
        ));
    }
    out
}

/// The one rule for duplicate ids, used by `kbase check`, the indexer and the importer.
///
/// Ids are compared ignoring case (permalinks are case-insensitive) and the first file to
/// claim an id wins: callers claim in path order (the importer in input order), so the
/// same folder always gives the same winner, and every loser gets one located error that
/// names both files.
#[derive(Debug, Default)]
pub struct FirstWins {
    /// Lower-cased id → (the winner's path, its id as written).
    first: HashMap<String, (PathBuf, String)>,
}

impl FirstWins {
    /// No id claimed yet; room for `n` ids.
    pub fn with_capacity(n: usize) -> Self {
        FirstWins {
            first: HashMap::with_capacity(n),
        }
    }

    /// `path` (whose `id:` is at `line`) claims `id`: `Ok` when it is the first, else the
    /// error to report for `path`, which is skipped.
    pub fn claim(&mut self, path: &Path, id: &str, line: usize) -> Result<(), FileDiagnostic> {
        let key = id.to_ascii_lowercase();
        match self.first.get(&key) {
            None => {
                self.first.insert(key, (path.to_path_buf(), id.to_owned()));
                Ok(())
            }
            Some((winner, written)) => {
                let case = if written == id {
                    String::new()
                } else {
                    format!(" as `{written}` (ids are compared ignoring case)")
                };
                let message = format!(
                    "duplicate id `{id}`: `{}` has it too{case}; this file is skipped",
                    winner.display()
                );
                Err(Diagnostic::error("duplicate-id", line.max(1), 1, message).in_file(path))
            }
        }
    }

    /// Whether some file has claimed `id` (any case).
    pub fn contains(&self, id: &str) -> bool {
        self.first.contains_key(&id.to_ascii_lowercase())
    }
}

/// Warnings for `see_also` entries of `article` (read from `path`) that no claimed id
/// matches.
pub fn check_references(article: &Article, path: &Path, ids: &FirstWins) -> Vec<FileDiagnostic> {
    let line = article.line_of_key("see_also").unwrap_or(1);
    article
        .front
        .see_also
        .iter()
        .filter(|target| !ids.contains(target))
        .map(|target| {
            Diagnostic::warning(
                "unknown-reference",
                line,
                1,
                format!("`see_also` names `{target}`, which no article has"),
            )
            .in_file(path)
        })
        .collect()
}
