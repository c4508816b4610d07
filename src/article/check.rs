//! The rules of `kbase check` beyond parsing: per article, and across the collection.
//!
//! Per-article rules ([`check_article`]) run inside [`super::parse`], so every reader
//! reports them. Collection rules ([`check_collection`]) need all articles at once: ids
//! must be unique (compared ignoring case, because permalinks are case-insensitive) and
//! `see_also` should name articles that exist. A duplicate is resolved deterministically:
//! the file first in path order wins, the others are reported and dropped, so the index
//! can never hold two documents with one id.

use std::collections::{HashMap, HashSet};

use super::load::LoadedArticle;
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

/// The message for a file whose id `id` another file, `first`, already has; `note` is
/// appended after "has it too" (empty, or how the ids differ). The indexer says the same.
pub fn duplicate_message(id: &str, first: &std::path::Path, note: &str) -> String {
    format!(
        "duplicate id `{id}`: `{}` has it too{note}; this file is skipped",
        first.display()
    )
}

/// Applies the collection rules to `articles` (sorted by path first), removing the
/// losers of duplicate ids, and returns what it found.
pub fn check_collection(articles: &mut Vec<LoadedArticle>) -> Vec<FileDiagnostic> {
    articles.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = Vec::new();
    let mut first: HashMap<String, usize> = HashMap::with_capacity(articles.len());
    let mut keep = vec![true; articles.len()];
    for (i, a) in articles.iter().enumerate() {
        let key = a.article.id().to_ascii_lowercase();
        match first.get(&key) {
            None => {
                first.insert(key, i);
            }
            Some(&w) => {
                keep[i] = false;
                let winner = &articles[w];
                let case = if winner.article.id() == a.article.id() {
                    String::new()
                } else {
                    format!(
                        " as `{}` (ids are compared ignoring case)",
                        winner.article.id()
                    )
                };
                let line = a.article.line_of_key("id").unwrap_or(1);
                out.push(
                    Diagnostic::error(
                        "duplicate-id",
                        line,
                        1,
                        duplicate_message(a.article.id(), &winner.path, &case),
                    )
                    .in_file(&a.path),
                );
            }
        }
    }
    let mut flags = keep.into_iter();
    articles.retain(|_| flags.next().unwrap_or(true));
    let known: HashSet<&String> = first.keys().collect();
    for a in articles.iter() {
        for target in &a.article.front.see_also {
            if !known.contains(&target.to_ascii_lowercase()) {
                let line = a.article.line_of_key("see_also").unwrap_or(1);
                out.push(
                    Diagnostic::warning(
                        "unknown-reference",
                        line,
                        1,
                        format!("`see_also` names `{target}`, which no article has"),
                    )
                    .in_file(&a.path),
                );
            }
        }
    }
    out
}
