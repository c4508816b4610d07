//! What a search answers: the v1 API's JSON, which `kbase search --json` prints too.
//!
//! A hit is the article's [`Card`] (made when it was indexed) with its score, its
//! snippet and its [`Fix`]; the permalinks in it are relative, made by
//! [`crate::article::permalink`].

use serde::Serialize;

use super::query;
use crate::article;
pub use crate::index::document::Card;
use crate::index::document::Summary;

/// What the engine understood of the query.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Interpreted {
    /// Event IDs.
    pub event_ids: Vec<u32>,
    /// Event sources recognised.
    pub sources: Vec<String>,
    /// Article ids.
    pub article_ids: Vec<String>,
    /// Error and STOP codes, normalised.
    pub codes: Vec<String>,
    /// The remaining words, phrases and fields.
    pub terms: Vec<query::Clause>,
}

impl Interpreted {
    /// What was understood, in words, for "Looked for …" on a page or a terminal:
    /// "event ID 5058, code 0x80070005 and the words"; "the words" for a query of words
    /// alone, empty for an empty query. One wording everywhere a reader sees it.
    pub fn in_words(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.article_ids.iter().map(|a| format!("article {a}")));
        parts.extend(self.sources.iter().map(|s| format!("source {s}")));
        parts.extend(self.event_ids.iter().map(|e| format!("event ID {e}")));
        parts.extend(self.codes.iter().map(|c| format!("code {c}")));
        let mut read = parts.join(", ");
        if !self.terms.is_empty() {
            read.push_str(if read.is_empty() {
                "the words"
            } else {
                " and the words"
            });
        }
        read
    }

    /// True when nothing but words was understood (no id, source, event ID or code).
    pub fn only_words(&self) -> bool {
        self.article_ids.is_empty()
            && self.sources.is_empty()
            && self.event_ids.is_empty()
            && self.codes.is_empty()
    }
}

/// The fix shown inline in a hit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fix {
    /// Section kind: `resolution`, `workaround` or `summary`.
    pub section: String,
    /// The section's heading.
    pub heading: String,
    /// Its text, up to about 300 characters.
    pub text: String,
    /// Permalink to the section.
    pub url: String,
}

/// One result: the article's card, its score, the text around the matches, the fix.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Id, title, permalink, product, date, events.
    #[serde(flatten)]
    pub card: Card,
    /// Relevance score.
    pub score: f32,
    /// HTML-escaped text around the matches, matches in `<mark>`; empty when it would
    /// only repeat the fix.
    pub snippet: String,
    /// The fix.
    pub fix: Option<Fix>,
    /// What tickets recorded of the article (`fixed`, `not_fixed`, `related`), when any
    /// ticket links it; filled in by a server that keeps ticket links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<crate::db::links::Outcomes>,
    /// The same counts for tickets about the event or code the query names only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_outcomes: Option<crate::db::links::Outcomes>,
    /// For a search made for a ticket (`ticket` parameter): the one call that records
    /// this article as the ticket's fix (`method`, `url`, `body`); filled in by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<serde_json::Value>,
}

/// A facet value and how many matching articles have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Matching articles with it.
    pub count: u64,
}

/// Facet counts over all matching articles.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Facets {
    /// By product, most frequent first.
    pub product: Vec<FacetCount>,
    /// By category, most frequent first.
    pub category: Vec<FacetCount>,
}

/// The answer to a search: the v1 API's JSON.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// What was understood.
    pub interpreted: Interpreted,
    /// Matching articles in all.
    pub total: usize,
    /// Time taken, milliseconds.
    pub took_ms: f64,
    /// This page of results.
    pub hits: Vec<Hit>,
    /// Facet counts (empty when not asked for).
    pub facets: Facets,
    /// The query with its likely typos corrected, when a word is rare and a much more
    /// frequent word is one edit away; given even when there are hits.
    pub did_you_mean: Option<String>,
    /// No article matches every word: the hits match only some of them.
    pub partial: bool,
    /// Whether `total` is an exact count. Partial matches of plain words are ranked
    /// without visiting every article that has one of the words; `total` is then a
    /// lower bound (the articles holding the most frequent of them), shown as "about".
    pub total_exact: bool,
}

impl Fix {
    /// The fix of the article `summary` describes, with its permalink.
    pub(crate) fn of(summary: &Summary) -> Option<Fix> {
        summary.fix.as_ref().map(|f| Fix {
            url: article::permalink(&summary.card.id, Some(&f.anchor)),
            section: f.section.clone(),
            heading: f.heading.clone(),
            text: f.text.clone(),
        })
    }
}
