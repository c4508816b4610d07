//! The rules of `kbase check` beyond parsing: per article, and across the collection.
//!
//! Per-article rules ([`check_article`]) run inside [`super::parse`], so every reader
//! reports them. Collection rules need all articles at once: ids must be unique
//! (compared ignoring case, because permalinks are case-insensitive; [`FirstWins`]) and
//! `see_also` should name articles that exist ([`check_references`]). A duplicate is
//! resolved deterministically: the file first in path order wins, the others are
//! reported and dropped, so the index can never hold two documents with one id. Nothing
//! here reads files: the loader, the indexer and the importer feed these rules.
//!
//! Review dates ([`check_review`], [`due_for_review`]) depend on the day, so they are
//! not per-article rules: `parse` must give the same answer every day. `kbase check`
//! applies them with the date it was given.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Article, Date};
use crate::diagnostic::{Diagnostic, FileDiagnostic, Severity};

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

/// The `due-for-review` diagnostic of `article` (read from `path`) when its `review_by`
/// is before `today`, at the `review_by` line.
///
/// A warning by default, because stale content still helps more than none; `kbase check
/// --strict` asks for an error, so CI can insist on reviews.
pub fn check_review(
    article: &Article,
    path: &Path,
    today: Date,
    severity: Severity,
) -> Option<FileDiagnostic> {
    let review_by = article.front.review_by.filter(|d| *d < today)?;
    let owner = article
        .front
        .owner
        .as_deref()
        .map_or(String::new(), |o| format!(" (owner: {o})"));
    let line = article.line_of_key("review_by").unwrap_or(1);
    let message = format!("due for review since {review_by}{owner}");
    Some(Diagnostic::new(severity, "due-for-review", line, 1, message).in_file(path))
}

/// An article whose review date has come: one entry of `kbase check --due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueReview {
    /// The article id.
    pub id: String,
    /// The title, so the list reads without opening files.
    pub title: String,
    /// The file, as found under the folder the user named.
    pub path: String,
    /// Who should review it; `None` when the article names nobody.
    pub owner: Option<String>,
    /// The date the review was due.
    pub review_by: Date,
}

/// The articles whose `review_by` is `today` or earlier, grouped by owner (owners in
/// name order, articles without one last) and oldest date first within an owner, so
/// each owner reads their own list from its most pressing entry.
pub fn due_for_review<'a>(
    articles: impl IntoIterator<Item = (&'a Article, &'a Path)>,
    today: Date,
) -> Vec<DueReview> {
    let mut due: Vec<DueReview> = articles
        .into_iter()
        .filter_map(|(article, path)| {
            let review_by = article.front.review_by.filter(|d| *d <= today)?;
            Some(DueReview {
                id: article.id().to_owned(),
                title: article.title().to_owned(),
                path: path.display().to_string(),
                owner: article.front.owner.clone(),
                review_by,
            })
        })
        .collect();
    due.sort_by(|a, b| review_order(a).cmp(&review_order(b)));
    due
}

/// The order of [`due_for_review`]: owned first, by owner, then date, then id.
fn review_order(d: &DueReview) -> (bool, Option<&str>, Date, &str) {
    (d.owner.is_none(), d.owner.as_deref(), d.review_by, &d.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(front: &str) -> Article {
        let text = format!("---\nid: A\ntitle: T\n{front}---\n\n## Resolution\n\nx\n");
        super::super::parse(&text)
            .article
            .expect("a usable article")
    }

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn a_past_review_date_is_reported_at_its_line() {
        let a = article("owner: Ops Team\nreview_by: 2024-02-29\n");
        let d =
            check_review(&a, Path::new("a.md"), day("2024-03-01"), Severity::Warning).expect("due");
        assert_eq!(
            d.to_string(),
            "a.md:5:1: warning: due for review since 2024-02-29 (owner: Ops Team)"
        );
        assert_eq!(d.diagnostic.code, "due-for-review");
        let d = check_review(&a, Path::new("a.md"), day("2025-01-01"), Severity::Error);
        assert!(d.is_some_and(|d| d.diagnostic.is_error()));
    }

    #[test]
    fn the_review_day_itself_and_no_date_are_not_reported() {
        let a = article("review_by: 2024-02-29\n");
        let today = day("2024-02-29");
        assert_eq!(
            check_review(&a, Path::new("a.md"), today, Severity::Warning),
            None
        );
        let a = article("owner: x\n");
        assert_eq!(
            check_review(&a, Path::new("a.md"), today, Severity::Warning),
            None
        );
        let d = check_review(
            &article("review_by: 2024-01-01\n"),
            Path::new("b.md"),
            today,
            Severity::Warning,
        );
        assert_eq!(
            d.unwrap().diagnostic.message,
            "due for review since 2024-01-01"
        );
    }

    #[test]
    fn due_reviews_are_grouped_by_owner_oldest_first() {
        let articles = [
            (article("review_by: 2024-01-02\n"), "n1.md"),
            (article("owner: b\nreview_by: 2024-01-01\n"), "b1.md"),
            (article("owner: a\nreview_by: 2024-01-03\n"), "a1.md"),
            (article("owner: a\nreview_by: 2024-01-01\n"), "a2.md"),
            (article("review_by: 2024-01-01\n"), "n2.md"),
            (article("owner: a\nreview_by: 2024-01-04\n"), "later.md"),
            (article("owner: a\n"), "none.md"),
        ];
        let due = due_for_review(
            articles.iter().map(|(a, p)| (a, Path::new(*p))),
            day("2024-01-03"),
        );
        let order: Vec<&str> = due.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(order, ["a2.md", "a1.md", "b1.md", "n2.md", "n1.md"]);
        assert_eq!(
            serde_json::to_value(&due[0]).unwrap(),
            serde_json::json!({
                "id": "A", "title": "T", "path": "a2.md", "owner": "a", "review_by": "2024-01-01"
            })
        );
        assert_eq!(
            serde_json::to_value(&due[4]).unwrap()["owner"],
            serde_json::Value::Null
        );
    }
}
