//! What the web pages need besides ranked searches: every event ID known (by source),
//! every product with its article count, and suggestions for a query that found nothing.
//!
//! The lists are read from the index's term dictionaries once per engine (an engine
//! lives until the next reload) and kept; suggestions look at the title and body
//! vocabularies only when a search found nothing. Nothing here knows HTTP.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use tantivy::query::AllQuery;

use super::access::{Hidden, Reader};
use super::facets::FacetCounter;
use super::query::{Clause, Item};
use super::{Engine, SearchError};
use crate::article::section::slug;
use crate::article::Date;

/// One browse list, kept: every article's (for agents) for the engine's life, and the
/// anonymous readers' with the day it was made for.
pub(super) struct ListCache<T> {
    all: OnceLock<Arc<T>>,
    public: Mutex<Option<(Date, Arc<T>)>>,
}

impl<T> Default for ListCache<T> {
    fn default() -> Self {
        ListCache {
            all: OnceLock::new(),
            public: Mutex::new(None),
        }
    }
}

/// The event IDs named with one source (or with none).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventSourceIds {
    /// The source as the articles write it; `None` for IDs never named with a source.
    pub source: Option<String>,
    /// Its event IDs, ascending.
    pub ids: Vec<u32>,
    /// How many articles name each of [`EventSourceIds::ids`] with this source (the
    /// reader may read), in the same order.
    pub counts: Vec<u64>,
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

/// An article due for review, as the review list shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewItem {
    /// Id, title, permalink, events, visibility and status.
    #[serde(flatten)]
    pub card: super::Card,
    /// Who answers for it, as its front matter says.
    pub owner: Option<String>,
    /// The day it was due, `YYYY-MM-DD`.
    pub due: String,
}

/// An article of the feed: the most recently changed first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedItem {
    /// Id, title, permalink.
    #[serde(flatten)]
    pub card: super::Card,
    /// The day it last changed (`updated`, else `published`), `YYYY-MM-DD`.
    pub changed: String,
    /// Its fix, inline.
    pub fix: Option<super::Fix>,
}

/// Articles the feed lists.
pub const FEED_ARTICLES: usize = 50;

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
    pub fn event_list(&self, reader: Reader) -> Result<Arc<Vec<EventSourceIds>>, SearchError> {
        self.browsed(reader, &self.browse.events, |hidden| {
            self.make_event_list(reader, hidden.map(|h| &**h))
        })
    }

    /// [`Engine::event_list`] worked out: from the term dictionaries, each term kept
    /// only when a document the reader may see holds it.
    fn make_event_list(
        &self,
        reader: Reader,
        hidden: Option<&Hidden>,
    ) -> Result<Vec<EventSourceIds>, SearchError> {
        let searcher = self.index.reader.searcher();
        // Articles holding a term: the dictionary's count, or what the reader may see.
        let count = |field, key: &[u8], df: u32| -> u64 {
            match hidden {
                None => u64::from(df),
                Some(h) => {
                    h.visible_doc_freq(&searcher, &tantivy::Term::from_field_bytes(field, key))
                }
            }
        };
        let f = &self.index.fields;
        let mut by_source: BTreeMap<String, (String, BTreeMap<u32, u64>)> = BTreeMap::new();
        let mut sourced: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut all: BTreeMap<u32, u64> = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let pairs = segment.inverted_index(f.source_event)?;
            let mut stream = pairs.terms().stream()?;
            while stream.advance() {
                let n = count(f.source_event, stream.key(), stream.value().doc_freq);
                if n == 0 {
                    continue;
                }
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                if let Some((source, id)) = key.rsplit_once(':') {
                    if let Ok(id) = id.parse::<u32>() {
                        // Aliases are listed as one source.
                        let group = self.source_aliases.canonical(source).to_owned();
                        let entry = by_source
                            .entry(group.clone())
                            .or_insert_with(|| (group, BTreeMap::new()));
                        *entry.1.entry(id).or_default() += n;
                        sourced.insert(id);
                    }
                }
            }
            let ids = segment.inverted_index(f.event_any)?;
            let mut stream = ids.terms().stream()?;
            while stream.advance() {
                let n = count(f.event_any, stream.key(), stream.value().doc_freq);
                if n == 0 {
                    continue;
                }
                if let Ok(id) = std::str::from_utf8(stream.key())
                    .unwrap_or("")
                    .parse::<u32>()
                {
                    *all.entry(id).or_default() += n;
                }
            }
        }
        // The source as written: as most articles naming it write it.
        for (key, (shown, ids)) in by_source.iter_mut() {
            if let Some(&id) = ids.keys().next() {
                if let Ok(found) = self.events(reader, id, Some(key)) {
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
                counts: ids.values().copied().collect(),
                ids: ids.into_keys().collect(),
            })
            .collect();
        list.sort_by_key(|g| g.source.as_deref().map(str::to_lowercase));
        let unsourced: Vec<(u32, u64)> = all
            .into_iter()
            .filter(|(id, _)| !sourced.contains(id))
            .collect();
        if !unsourced.is_empty() {
            list.push(EventSourceIds {
                source: None,
                ids: unsourced.iter().map(|(id, _)| *id).collect(),
                counts: unsourced.iter().map(|(_, n)| *n).collect(),
            });
        }
        Ok(list)
    }

    /// Every product with its article count, most articles first.
    pub fn products(&self, reader: Reader) -> Result<Arc<Vec<ProductCount>>, SearchError> {
        self.browsed(reader, &self.browse.products, |hidden| {
            self.make_products(hidden)
        })
    }

    /// One of the browse lists for `reader`: agents' kept for the engine's life,
    /// anonymous readers' for the day (what they may read changes when an article
    /// expires), each made by `make` from what the reader may not see.
    fn browsed<T>(
        &self,
        reader: Reader,
        cache: &ListCache<T>,
        make: impl FnOnce(Option<&Arc<Hidden>>) -> Result<T, SearchError>,
    ) -> Result<Arc<T>, SearchError> {
        self.check_fault()?;
        let searcher = self.index.reader.searcher();
        let Some(hidden) = self.hidden_for(reader, &searcher)? else {
            if let Some(list) = cache.all.get() {
                return Ok(Arc::clone(list));
            }
            let list = Arc::new(make(None)?);
            return Ok(Arc::clone(cache.all.get_or_init(|| list)));
        };
        let today = self.today();
        let mut slot = cache
            .public
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((day, list)) = slot.as_ref() {
            if *day == today {
                return Ok(Arc::clone(list));
            }
        }
        let list = Arc::new(make(Some(&hidden))?);
        *slot = Some((today, Arc::clone(&list)));
        Ok(list)
    }

    /// [`Engine::products`] counted over what the reader may see.
    fn make_products(
        &self,
        hidden: Option<&Arc<Hidden>>,
    ) -> Result<Vec<ProductCount>, SearchError> {
        let searcher = self.index.reader.searcher();
        let all: Box<dyn tantivy::query::Query> = Box::new(AllQuery);
        let query = match hidden {
            Some(h) => h.restrict(all),
            None => all,
        };
        let counts = searcher.search(
            &query,
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
        Ok(list)
    }

    /// The articles `reader` may read whose review was due on or before `through`,
    /// the longest overdue first (then by id), with their owners.
    pub fn review_due(
        &self,
        reader: Reader,
        through: crate::article::Date,
    ) -> Result<Vec<ReviewItem>, SearchError> {
        self.check_fault()?;
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        let through = through.number();
        let mut due: Vec<(i64, tantivy::DocAddress)> = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let Ok(column) = segment.fast_fields().i64("review_by") else {
                continue;
            };
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                let Some(day) = column.first(doc).filter(|&d| d <= through) else {
                    continue;
                };
                let at = tantivy::DocAddress::new(ord as u32, doc);
                if alive.is_some_and(|a| !a.is_alive(doc))
                    || hidden.as_ref().is_some_and(|h| h.contains(&searcher, at))
                {
                    continue;
                }
                due.push((day, at));
            }
        }
        let mut items = Vec::with_capacity(due.len());
        for (_, at) in due {
            let summary = self.summary(at)?;
            let doc: tantivy::TantivyDocument = searcher.doc(at)?;
            let text = tantivy::schema::Value::as_str(
                &doc.get_first(self.index.fields.text)
                    .ok_or(SearchError::Damaged {
                        what: "article text",
                        source: None,
                    })?,
            )
            .unwrap_or("")
            .to_owned();
            let owner = crate::article::parse(&text)
                .article
                .and_then(|a| a.front.owner);
            items.push(ReviewItem {
                due: summary.card.review_by.clone().unwrap_or_default(),
                owner,
                card: summary.card,
            });
        }
        items.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.card.id.cmp(&b.card.id)));
        Ok(items)
    }

    /// The [`FEED_ARTICLES`] articles `reader` may read that changed last (`updated`,
    /// else `published`), the newest first; articles without either date are not
    /// listed.
    pub fn recent(&self, reader: Reader) -> Result<Vec<FeedItem>, SearchError> {
        self.check_fault()?;
        let searcher = self.index.reader.searcher();
        let all: Box<dyn tantivy::query::Query> = Box::new(AllQuery);
        let query = match self.hidden_for(reader, &searcher)? {
            Some(h) => h.restrict(all),
            None => all,
        };
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(FEED_ARTICLES)
                .order_by_fast_field::<i64>("changed", tantivy::Order::Desc),
        )?;
        let mut items = Vec::with_capacity(top.len());
        for (day, at) in top {
            let Some(day) = day else { continue };
            let summary = self.summary(at)?;
            let changed = crate::article::Date::new(
                u16::try_from(day / 10_000).unwrap_or(1),
                u8::try_from(day / 100 % 100).unwrap_or(1),
                u8::try_from(day % 100).unwrap_or(1),
            )
            .map_or_else(String::new, |d| d.to_string());
            items.push(FeedItem {
                fix: super::Fix::of(&summary),
                changed,
                card: summary.card,
            });
        }
        Ok(items)
    }

    /// Queries to try when `q` found nothing: each word the index does not know replaced
    /// by the nearest word it knows (all such words at once), and `q` without each such
    /// word.
    pub fn suggestions(&self, reader: Reader, q: &str) -> Vec<Suggestion> {
        let Ok(parsed) = self.parse_for(reader, q) else {
            return Vec::new();
        };
        let mut analyzer = self.analyzer.clone();
        let searcher = self.index.reader.searcher();
        // A suggestion is a courtesy: when what the reader may see cannot be worked
        // out, none is made.
        let Ok(hidden) = self.hidden_for(reader, &searcher) else {
            return Vec::new();
        };
        let hidden = hidden.as_deref();
        let known = |token: &str| self.visible_doc_freq(&searcher, hidden, token) > 0;
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
                unknown.push((w, self.nearest_word(&lower, hidden)));
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
    fn nearest_word(&self, word: &str, hidden: Option<&Hidden>) -> Option<String> {
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
                        let df = match hidden {
                            None => stream.value().doc_freq,
                            Some(h) => u32::try_from(h.visible_doc_freq(
                                &searcher,
                                &tantivy::Term::from_field_text(field, term),
                            ))
                            .unwrap_or(u32::MAX),
                        };
                        if df == 0 {
                            continue;
                        }
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
