//! What the web pages need besides ranked searches: every event ID known (by source),
//! every product with its article count, and suggestions for a query that found nothing.
//!
//! The lists are read from the index's term dictionaries once per engine (an engine
//! lives until the next reload) and kept; suggestions look at the title and body
//! vocabularies only when a search found nothing. Nothing here knows HTTP.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::query::AllQuery;

use super::facets::FacetCounter;
use super::query::{Clause, Item};
use super::{Engine, SearchError};
use crate::article::section::slug;

/// The event IDs named with one source (or with none).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventSourceIds {
    /// The source as the articles write it; `None` for IDs never named with a source.
    pub source: Option<String>,
    /// Its event IDs, ascending.
    pub ids: Vec<u32>,
}

/// A product and how many articles apply to it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProductCount {
    /// The name as written.
    pub name: String,
    /// Its URL slug (`/products/{slug}`).
    pub slug: String,
    /// Articles.
    pub count: u64,
}

/// Another query to try, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    /// The query.
    pub query: String,
    /// Why it may work (`spelling`, `without "word"`).
    pub why: String,
}

/// Unknown words of one query that get a spelling correction.
const MAX_CORRECTED_WORDS: usize = 8;

/// Edit distance between `a` and `b`, or `None` when it exceeds `max`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
        }
        if row.iter().min().copied().unwrap_or(0) > max {
            return None;
        }
        prev = row;
    }
    prev.last().copied().filter(|&d| d <= max)
}

impl Engine {
    /// Every event ID the articles name, grouped by source (sources in name order, IDs
    /// never named with a source last).
    pub fn event_list(&self) -> Result<&[EventSourceIds], SearchError> {
        self.check_fault()?;
        if let Some(list) = self.browse.events.get() {
            return Ok(list);
        }
        let searcher = self.index.reader.searcher();
        let f = &self.index.fields;
        let mut by_source: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
        let mut sourced: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut all: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let pairs = segment.inverted_index(f.source_event)?;
            let mut stream = pairs.terms().stream()?;
            while stream.advance() {
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                if let Some((source, id)) = key.rsplit_once(':') {
                    if let Ok(id) = id.parse::<u32>() {
                        let entry = by_source
                            .entry(source.to_owned())
                            .or_insert_with(|| (source.to_owned(), Vec::new()));
                        entry.1.push(id);
                        sourced.insert(id);
                    }
                }
            }
            let ids = segment.inverted_index(f.event_any)?;
            let mut stream = ids.terms().stream()?;
            while stream.advance() {
                if let Ok(id) = std::str::from_utf8(stream.key())
                    .unwrap_or("")
                    .parse::<u32>()
                {
                    all.insert(id);
                }
            }
        }
        // The source as written: from the summary of an article naming it.
        for (lower, (shown, ids)) in by_source.iter_mut() {
            ids.sort_unstable();
            ids.dedup();
            if let Some(&id) = ids.first() {
                if let Ok(found) = self.events(id, Some(lower)) {
                    if let Some(name) = found.sources.into_iter().find_map(|g| g.source) {
                        *shown = name;
                    }
                }
            }
        }
        let mut list: Vec<EventSourceIds> = by_source
            .into_values()
            .map(|(source, ids)| EventSourceIds {
                source: Some(source),
                ids,
            })
            .collect();
        let unsourced: Vec<u32> = all.into_iter().filter(|id| !sourced.contains(id)).collect();
        if !unsourced.is_empty() {
            list.push(EventSourceIds {
                source: None,
                ids: unsourced,
            });
        }
        Ok(self.browse.events.get_or_init(|| list))
    }

    /// Every product with its article count, most articles first.
    pub fn products(&self) -> Result<&[ProductCount], SearchError> {
        self.check_fault()?;
        if let Some(list) = self.browse.products.get() {
            return Ok(list);
        }
        let searcher = self.index.reader.searcher();
        let counts = searcher.search(
            &AllQuery,
            &FacetCounter {
                tables: &self.facet_tables,
            },
        )?;
        let mut list: Vec<ProductCount> = self
            .facet_tables
            .all_products(&counts)
            .into_iter()
            .map(|(name, count)| ProductCount {
                slug: slug(&name),
                name,
                count,
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        Ok(self.browse.products.get_or_init(|| list))
    }

    /// Queries to try when `q` found nothing: each word the index does not know replaced
    /// by the nearest word it knows (all such words at once), and `q` without each such
    /// word.
    pub fn suggestions(&self, q: &str) -> Vec<Suggestion> {
        let parsed = self.parse(q);
        let mut analyzer = self.analyzer.clone();
        let searcher = self.index.reader.searcher();
        let known = |token: &str| self.doc_freq(&searcher, token) > 0;
        let words: Vec<&str> = parsed
            .clauses
            .iter()
            .filter_map(|c: &Clause| match c.any_of.as_slice() {
                [Item::Word(w)] if !c.negated => Some(w.as_str()),
                _ => None,
            })
            .collect();
        let mut unknown: Vec<(&str, Option<String>)> = Vec::new();
        // Each correction reads part of the vocabulary: a long paste gets the first few.
        for w in words.iter().take(MAX_CORRECTED_WORDS) {
            let mut tokens = Vec::new();
            analyzer
                .token_stream(w)
                .process(&mut |t| tokens.push(t.text.clone()));
            if !tokens.is_empty() && !tokens.iter().any(|t| known(t)) {
                let lower = w.to_lowercase();
                unknown.push((w, self.nearest_word(&lower)));
            }
        }
        let mut out = Vec::new();
        if unknown.iter().any(|(_, c)| c.is_some()) {
            let mut corrected = q.to_owned();
            for (w, c) in &unknown {
                if let Some(c) = c {
                    corrected = corrected.replacen(w, c, 1);
                }
            }
            out.push(Suggestion {
                query: corrected,
                why: "spelling".into(),
            });
        }
        if words.len() > 1 {
            for (w, _) in &unknown {
                let without: Vec<&str> = q.split_whitespace().filter(|x| x != w).collect();
                if !without.is_empty() {
                    out.push(Suggestion {
                        query: without.join(" "),
                        why: format!("without “{w}”"),
                    });
                }
            }
        }
        out.dedup();
        out
    }

    /// The title word nearest to `word` (edit distance 1, or 2 from 6 letters), the most
    /// frequent on ties; only words of letters are considered.
    fn nearest_word(&self, word: &str) -> Option<String> {
        let letters = word.chars().count();
        if letters < 3 || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let max = if letters >= 6 { 2 } else { 1 };
        let first = word.chars().next()?;
        // Only terms starting with the same letter: a range of the dictionary.
        let from = first.to_string();
        let until = char::from_u32(first as u32 + 1).map(String::from);
        let searcher = self.index.reader.searcher();
        let mut best: Option<(usize, u32, String)> = None;
        for segment in searcher.segment_readers() {
            for field in [self.index.fields.title, self.index.fields.body] {
                let Ok(inverted) = segment.inverted_index(field) else {
                    continue;
                };
                let range = inverted.terms().range().ge(from.as_bytes());
                let range = match &until {
                    Some(u) => range.lt(u.as_bytes()),
                    None => range,
                };
                let Ok(mut stream) = range.into_stream() else {
                    continue;
                };
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if !term.starts_with(first) || !term.chars().all(char::is_alphabetic) {
                        continue;
                    }
                    if let Some(d) = distance(word, term, max) {
                        let df = stream.value().doc_freq;
                        let better = best.as_ref().is_none_or(|(bd, bdf, _)| {
                            (d, std::cmp::Reverse(df)) < (*bd, std::cmp::Reverse(*bdf))
                        });
                        if better {
                            best = Some((d, df, term.to_owned()));
                        }
                    }
                }
            }
        }
        best.map(|(_, _, t)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(distance("printer", "printer", 1), Some(0));
        assert_eq!(distance("prnter", "printer", 1), Some(1));
        assert_eq!(distance("exchnage", "exchange", 2), Some(2));
        assert_eq!(distance("abc", "xyz", 1), None);
        assert_eq!(distance("a", "abcd", 2), None);
    }
}
