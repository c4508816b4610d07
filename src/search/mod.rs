//! Search: query understanding, ranking, snippets, the fix, facets.
//!
//! Layout: `request` (what a search asks, its limits and errors), `response` (what it
//! answers: the v1 JSON), `query` (the search box's language), `plan` (ranking as
//! tantivy queries), `union` (a word over its fields), `snippet` (the text shown around
//! the matches), `facets`, `lookup` (articles and events by id), `browse` (the lists the
//! pages show), `suggest` (ticket text and Event Viewer XML).
//!
//! [`Engine`] bundles the process's one index reader with what queries need (the field
//! handles, the analyzer, the event sources the index knows). Each [`Engine::search`]
//! takes a fresh searcher, so searches never block each other or a reload. The response
//! types serialise to the v1 API's JSON (DESIGN §5) and are what `kbase search --json`
//! prints. Nothing here knows HTTP: bad requests are [`SearchError::BadRequest`] naming
//! the parameter.

pub mod access;
pub mod browse;
pub mod facets;
mod group_file;
pub mod lookup;
mod order;
pub mod plan;
pub mod query;
pub mod request;
pub mod response;
mod snippet;
pub mod sources;
pub mod spelling;
mod stats;
pub mod suggest;
pub mod synonyms;
pub mod union;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::BytesColumn;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Value;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher, TantivyDocument};

pub use crate::index::document::Card;
/// The most score what tickets recorded adds to (or takes from) an article inside its
/// tier: a few BM25 points, so that it reorders articles the text ranks alike and not
/// one the words clearly prefer; the tiers are thousands of points apart.
pub const OUTCOME_LIFT: f32 = 2.0;

/// A search request checked and understood, not yet run ([`Engine::prepare`]).
pub struct PreparedSearch {
    filters: Filters,
    parsed: ParsedQuery,
    started: Instant,
}

impl PreparedSearch {
    /// Whether the query only looks things up: article ids, event IDs or codes, with no
    /// words but the numbers they were read from. Such a search reads a few short
    /// posting lists and costs tens of microseconds, so the server runs it where it is
    /// instead of handing it to another thread (which cost a fifth of an article-id
    /// request); a search with words costs in proportion to what was typed and is
    /// handed off.
    pub fn is_lookup(&self) -> bool {
        let p = &self.parsed;
        let numbers_only = p.clauses.iter().all(|c| {
            !c.negated
                && c.any_of.iter().all(|item| {
                    matches!(item, query::Item::Word(w) if w.bytes().all(|b| b.is_ascii_digit()))
                })
        });
        numbers_only
            && (!p.article_ids.is_empty() || !p.event_ids.is_empty() || !p.codes.is_empty())
    }
}

use crate::article::{Date, Visibility};
use crate::db::links::OutcomeTable;
/// One event of a hit: its ID and source, as stored with the article's document.
pub use crate::index::document::EventSummary as HitEvent;
use crate::index::document::{SectionSpan, Summary};
use crate::index::SearchIndex;
pub use access::Reader;
pub use plan::Filters;
pub use query::ParsedQuery;
use request::validate;
pub use request::{SearchError, SearchRequest, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS};
pub use response::{FacetCount, Facets, Fix, Hit, Interpreted, SearchResponse};
use snippet::Snippets;

/// A query with more words than this is "long" (see [`Engine::search`]).
const LONG_QUERY_WORDS: usize = 4;
/// Partial matches are looked for when fewer hits than this match every word.
const LOOSE_BELOW: usize = 3;
/// Matches taken beyond those needed from a query ranked by score alone, so that the
/// ones tying at the cut can be put in id order.
const TIE_MARGIN: usize = 10;

/// How many articles hold `token` in one of `fields`: the most of any of them.
fn doc_freq_in(searcher: &Searcher, fields: &[tantivy::schema::Field], token: &str) -> u64 {
    fields
        .iter()
        .map(|&field| {
            searcher
                .doc_freq(&tantivy::Term::from_field_text(field, token))
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// The tokens one edit (Damerau-Levenshtein) from `token` in any of `fields`, each with
/// the number of articles holding it (the most of any of the fields): one walk of each
/// field's term dictionary per segment with a Levenshtein automaton. The first letter is
/// not assumed right: `facefeed` finds the `xfacefeed` of `0xFACEFEED`. A dictionary
/// that cannot be read gives nothing: a correction is a courtesy, never a failure.
fn indexed_near(
    searcher: &Searcher,
    fields: &[tantivy::schema::Field],
    token: &str,
) -> Vec<(String, u64)> {
    let Some(&first) = fields.first() else {
        return Vec::new();
    };
    let query = FuzzyTermQuery::new(tantivy::Term::from_field_text(first, token), 1, true);
    let Ok(automaton) = query.automaton() else {
        return Vec::new();
    };
    // token -> articles per field, summed over segments
    let mut found: std::collections::HashMap<Vec<u8>, Vec<u64>> = Default::default();
    for segment in searcher.segment_readers() {
        for (i, &field) in fields.iter().enumerate() {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                let per_field = found
                    .entry(stream.key().to_vec())
                    .or_insert_with(|| vec![0; fields.len()]);
                per_field[i] += u64::from(stream.value().doc_freq);
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(key, per_field)| {
            let docs = per_field.into_iter().max().unwrap_or(0);
            String::from_utf8(key).ok().map(|t| (t, docs))
        })
        .collect()
}

/// `q` with each of its rare words replaced by a much more frequent one an edit away
/// ([`spelling::correction`]), or `None` when no word has such a neighbour.
fn did_you_mean(q: &str, rare: &[(String, spelling::Rare)], num_docs: u64) -> Option<String> {
    let mut corrected = q.to_owned();
    let mut changed = false;
    for (word, r) in rare {
        if let Some(c) = spelling::correction(r, num_docs) {
            corrected = corrected.replacen(word.as_str(), c, 1);
            changed = true;
        }
    }
    changed.then_some(corrected)
}

/// Whether every word of the query is one of the article ids it names, as typed (`Q58400`)
/// or as its number (`58400`): then the article found by its id has no other words to
/// show, and its lead is its snippet.
fn words_are_ids(parsed: &ParsedQuery) -> bool {
    let is_id = |w: &str| {
        parsed.article_ids.iter().any(|id| {
            id.eq_ignore_ascii_case(w) || id.get(1..).is_some_and(|n| n.eq_ignore_ascii_case(w))
        })
    };
    parsed.clauses.iter().all(|c| {
        !c.negated
            && c.any_of
                .iter()
                .all(|item| matches!(item, query::Item::Word(w) if is_id(w)))
    })
}

/// The search engine over one open index.
pub struct Engine {
    index: SearchIndex,
    analyzer: TextAnalyzer,
    /// The analyzer for highlighting stored text ([`analyzer::snippet_analyzer`]).
    snippet_analyzer: TextAnalyzer,
    sources: HashSet<String>,
    facet_tables: facets::FacetTables,
    /// Per segment (in the searcher's order, fixed for an engine's life): the hit
    /// summaries.
    hit_columns: Vec<Option<BytesColumn>>,
    /// Where each document's id comes among all ids: the order of hits that tie.
    order: order::IdOrder,
    browse: BrowseCache,
    /// The synonym groups queries are expanded with.
    synonyms: synonyms::Synonyms,
    /// Event sources known under several names.
    pub(crate) source_aliases: sources::SourceAliases,
    /// A read failure every lookup reports, once [`Engine::inject_read_fault`] set it.
    fault: std::sync::OnceLock<String>,
    /// Who may read an article whose front matter does not say.
    default_visibility: Visibility,
    /// What anonymous readers may not see today ([`access`]).
    hidden: access::HiddenCache,
    /// The day "today" is, when a test or a reproducible run sets it.
    today: Option<Date>,
}

/// Lists the pages browse, computed on first use and kept for the engine's life: the
/// agents' lists, and the anonymous readers' of the day (what they may read changes
/// when an article expires).
#[derive(Default)]
struct BrowseCache {
    events: browse::ListCache<Vec<browse::EventSourceIds>>,
    products: browse::ListCache<Vec<browse::ProductCount>>,
}

impl Engine {
    /// Wraps an open index: learns its analyzer and the event sources it knows.
    pub fn new(index: SearchIndex) -> Result<Engine, SearchError> {
        let analyzer = index.index.tokenizer_for_field(index.fields.title)?;
        let mut sources = HashSet::new();
        let searcher = index.reader.searcher();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(index.fields.source)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                if let Ok(s) = std::str::from_utf8(stream.key()) {
                    sources.insert(s.to_owned());
                }
            }
        }
        let facet_tables = facets::FacetTables::build(searcher.segment_readers())?;
        let order = order::IdOrder::build(&searcher, "id_key")?;
        let hit_columns = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().bytes("hit"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Engine {
            index,
            analyzer,
            snippet_analyzer: crate::index::analyzer::snippet_analyzer(),
            sources,
            facet_tables,
            hit_columns,
            order,
            browse: BrowseCache::default(),
            synonyms: synonyms::Synonyms::shipped(),
            source_aliases: sources::SourceAliases::shipped(),
            fault: std::sync::OnceLock::new(),
            default_visibility: Visibility::Public,
            hidden: access::HiddenCache::default(),
            today: None,
        })
    }

    /// The engine with `visibility` for articles whose front matter does not say
    /// (`--default-visibility`; public unless set).
    pub fn with_default_visibility(mut self, visibility: Visibility) -> Engine {
        self.default_visibility = visibility;
        self
    }

    /// The engine with `today` as the day articles expire against, instead of the
    /// clock's: for tests and reproducible runs.
    pub fn with_today(mut self, today: Option<Date>) -> Engine {
        self.today = today;
        self
    }

    /// The day articles expire against.
    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(Date::today)
    }

    /// What `reader` may not see in `searcher` (always `searcher` of this engine's
    /// reader), `None` when it may see everything.
    pub(crate) fn hidden_for(
        &self,
        reader: Reader,
        searcher: &Searcher,
    ) -> Result<Option<Arc<access::Hidden>>, SearchError> {
        if reader.is_agent() {
            return Ok(None);
        }
        let today = self.today();
        Ok(self.hidden.get(today, || {
            access::Hidden::anonymous(searcher, &self.index.fields, self.default_visibility, today)
        })?)
    }

    /// The engine with `aliases` in place of the shipped source groups
    /// ([`sources::SourceAliases::load`] gives them with a deployment's).
    pub fn with_source_aliases(mut self, aliases: sources::SourceAliases) -> Engine {
        self.source_aliases = aliases;
        self
    }

    /// The index terms of `source` (any spelling or alias) with event `id`: the
    /// `source_event` terms a lookup by source and ID reads.
    pub(crate) fn source_event_keys(&self, source: &str, id: u32) -> Vec<String> {
        self.source_aliases
            .keys_of(&crate::extract::source_key(source))
            .into_iter()
            .map(|k| format!("{k}:{id}"))
            .collect()
    }

    /// The key that stands for `source`'s group of names: what event pages group by.
    pub(crate) fn source_group(&self, source: &str) -> String {
        let key = crate::extract::source_key(source);
        self.source_aliases.canonical(&key).to_owned()
    }

    /// The engine with `synonyms` in place of the shipped list
    /// ([`synonyms::Synonyms::load`] gives the shipped list with a deployment's).
    pub fn with_synonyms(mut self, synonyms: synonyms::Synonyms) -> Engine {
        self.synonyms = synonyms;
        self
    }

    /// Makes every later search and lookup of this engine fail as if reading the index
    /// had failed with `message`. For tests of what callers show, and log, when the
    /// index fails under them: a real damaged index fails in the same way, but only
    /// for the lookups that touch the damaged bytes.
    #[doc(hidden)]
    pub fn inject_read_fault(&self, message: &str) {
        let _ = self.fault.set(message.to_owned());
    }

    /// The injected read failure, if any: every public lookup starts with it.
    pub(crate) fn check_fault(&self) -> Result<(), SearchError> {
        match self.fault.get() {
            None => Ok(()),
            Some(m) => Err(SearchError::Read(std::io::Error::other(m.clone()))),
        }
    }

    /// The fields of an article's text a word's frequency is judged by.
    fn word_fields(&self) -> [tantivy::schema::Field; 4] {
        let f = &self.index.fields;
        [f.title, f.symptoms, f.fix, f.body]
    }

    /// How many articles hold `token` in their text: the most of any text field.
    fn doc_freq(&self, searcher: &Searcher, token: &str) -> u64 {
        doc_freq_in(searcher, &self.word_fields(), token)
    }

    /// [`Engine::doc_freq`] of the articles a reader may see (all but `hidden`).
    pub(crate) fn visible_doc_freq(
        &self,
        searcher: &Searcher,
        hidden: Option<&access::Hidden>,
        token: &str,
    ) -> u64 {
        match hidden {
            None => self.doc_freq(searcher, token),
            Some(h) => self
                .word_fields()
                .iter()
                .map(|&field| {
                    h.visible_doc_freq(searcher, &tantivy::Term::from_field_text(field, token))
                })
                .max()
                .unwrap_or(0),
        }
    }

    /// Number of articles searchable, by anyone (what `/metrics` counts).
    pub fn num_docs(&self) -> u64 {
        self.index.reader.searcher().num_docs()
    }

    /// Number of articles `reader` may read.
    pub fn num_docs_for(&self, reader: Reader) -> Result<u64, SearchError> {
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        Ok(searcher.num_docs() - hidden.map_or(0, |h| h.len()))
    }

    /// Parses a query the way [`Engine::search`] does for an agent.
    pub fn parse(&self, q: &str) -> ParsedQuery {
        let searcher = self.index.reader.searcher();
        query::parse(q, &|s| self.known_source(&searcher, None, s))
    }

    /// Whether `source` (lower-cased) is an event source that an article the reader may
    /// see names: a source only hidden articles name is a word like any other, or the
    /// reading of the query would tell that they exist.
    pub(crate) fn known_source(
        &self,
        searcher: &Searcher,
        hidden: Option<&access::Hidden>,
        source: &str,
    ) -> bool {
        let keys = self
            .source_aliases
            .keys_of(&crate::extract::source_key(source));
        keys.iter().any(|key| {
            self.sources.contains(key)
                && hidden.is_none_or(|h| {
                    let term = tantivy::Term::from_field_text(self.index.fields.source, key);
                    h.visible_doc_freq(searcher, &term) > 0
                })
        })
    }

    /// Parses a query as [`Engine::search`] does for `reader`.
    pub(crate) fn parse_for(&self, reader: Reader, q: &str) -> Result<ParsedQuery, SearchError> {
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        let mut parsed = query::parse(q, &|s| self.known_source(&searcher, hidden.as_deref(), s));
        self.recognise_ids(&mut parsed, &searcher, hidden.as_deref());
        Ok(parsed)
    }

    /// Words that are the ids of articles the reader may see, in a form the query
    /// language does not know (`KBA1007`: a team's own ids, not `Q…` or `KB…`), become
    /// article ids too; the words stay words. Only words with letters and digits are
    /// looked up, one term each.
    fn recognise_ids(
        &self,
        parsed: &mut ParsedQuery,
        searcher: &Searcher,
        hidden: Option<&access::Hidden>,
    ) {
        let mut found = Vec::new();
        for c in &parsed.clauses {
            let [query::Item::Word(w)] = c.any_of.as_slice() else {
                continue;
            };
            let mixed =
                w.bytes().any(|b| b.is_ascii_digit()) && w.bytes().any(|b| b.is_ascii_alphabetic());
            if c.negated || !mixed || !crate::article::is_valid_id(w) {
                continue;
            }
            let term =
                tantivy::Term::from_field_text(self.index.fields.id_key, &w.to_ascii_lowercase());
            let seen = match hidden {
                None => searcher.doc_freq(&term).unwrap_or(0),
                Some(h) => h.visible_doc_freq(searcher, &term),
            };
            let known = parsed
                .article_ids
                .iter()
                .any(|id| id.eq_ignore_ascii_case(w));
            if seen > 0 && !known {
                found.push(w.clone());
            }
        }
        parsed.article_ids.extend(found);
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let prepared = self.prepare(req)?;
        self.run_prepared(req, prepared)
    }

    /// Checks `req` and understands its query, without searching: [`Engine::search`] in
    /// two steps, so that a caller can tell a lookup from a word search before it runs
    /// ([`PreparedSearch::is_lookup`]).
    pub fn prepare(&self, req: &SearchRequest) -> Result<PreparedSearch, SearchError> {
        self.check_fault()?;
        let started = Instant::now();
        let filters = validate(req)?;
        let parsed = self.parse_for(req.reader, &req.q)?;
        Ok(PreparedSearch {
            filters,
            parsed,
            started,
        })
    }

    /// Runs a search [`Engine::prepare`] made of the same `req`.
    pub fn run_prepared(
        &self,
        req: &SearchRequest,
        prepared: PreparedSearch,
    ) -> Result<SearchResponse, SearchError> {
        self.run_ranked(req, prepared, None)
    }

    /// [`Engine::run_prepared`], with what tickets recorded ranking the hits: inside a
    /// tier (never across one: the tiers' scores are thousands apart), an article that
    /// fixed tickets about the event or code the query names gains up to
    /// [`OUTCOME_LIFT`] (a record of `not_fixed` loses as much), smoothed so that one
    /// link moves it a quarter of that ([`OutcomeTable::lifts`]).
    pub fn run_ranked(
        &self,
        req: &SearchRequest,
        prepared: PreparedSearch,
        outcomes: Option<&OutcomeTable>,
    ) -> Result<SearchResponse, SearchError> {
        self.run(
            req,
            &prepared.filters,
            prepared.parsed,
            prepared.started,
            outcomes,
        )
    }

    /// The score each ticket-linked document gains for this query ([`order::Lifts`]).
    fn lifts(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        outcomes: Option<&OutcomeTable>,
    ) -> Result<order::Lifts, SearchError> {
        let Some(table) = outcomes.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if parsed.event_ids.is_empty() && parsed.codes.is_empty() {
            return Ok(None);
        }
        let events = crate::db::links::asked_events(&parsed.event_ids, &parsed.sources);
        let mut docs = Vec::new();
        for (article, lift) in table.lifts(&events, &parsed.codes) {
            if let Some(at) = self.find_id(searcher, &article, None)? {
                docs.push((at, lift * OUTCOME_LIFT));
            }
        }
        Ok(order::lifts(docs))
    }

    /// Runs an already understood query (the search box's, or one built from a ticket by
    /// [`Engine::suggest`]).
    fn run(
        &self,
        req: &SearchRequest,
        filters: &Filters,
        mut parsed: ParsedQuery,
        started: Instant,
        outcomes: Option<&OutcomeTable>,
    ) -> Result<SearchResponse, SearchError> {
        let interpreted = Interpreted {
            event_ids: parsed.event_ids.clone(),
            sources: parsed.sources.clone(),
            article_ids: parsed.article_ids.clone(),
            codes: parsed.codes.clone(),
            terms: parsed.clauses.clone(),
        };
        let mut response = SearchResponse {
            query: req.q.clone(),
            interpreted,
            total: 0,
            took_ms: 0.0,
            hits: Vec::new(),
            facets: Facets::default(),
            did_you_mean: None,
            partial: false,
            total_exact: true,
        };
        if parsed.is_empty() && filters.is_empty() {
            response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
            return Ok(response);
        }
        let mut analyzer = self.analyzer.clone();
        let searcher = self.index.reader.searcher();
        let f = &self.index.fields;
        let hidden = self.hidden_for(req.reader, &searcher)?;
        // Corrections are of the words as typed; the plan has their synonyms too. The
        // rare words' neighbours, found once, give both the correction shown and the
        // near spellings the loose pass looks for.
        let stats = stats::Statistics::new(&searcher, hidden.as_deref());
        let num_docs = searcher.num_docs() - hidden.as_ref().map_or(0, |h| h.len());
        let rare = if parsed.words_rank_only {
            Vec::new()
        } else {
            self.rare_words(&parsed.clauses, &searcher, &stats, hidden.is_some())
        };
        self.synonyms.expand(&mut parsed.clauses);
        // Source + ID as the index holds them: by key, with the source's aliases.
        let asked = std::mem::take(&mut parsed.source_events);
        parsed.source_spellings.clone_from(&asked);
        for (source, id) in asked {
            for key in self.source_event_keys(&source, id) {
                if let Some((k, _)) = key.rsplit_once(':') {
                    let pair = (k.to_owned(), id);
                    if !parsed.source_events.contains(&pair) {
                        parsed.source_events.push(pair);
                    }
                }
            }
        }
        let mut plan = plan::Plan::new(&parsed, f, &mut analyzer, filters);
        if let Some(h) = &hidden {
            let strict = std::mem::replace(&mut plan.strict, Box::new(tantivy::query::EmptyQuery));
            plan.strict = h.restrict(strict);
        }
        let want = req.offset + req.limit;
        let lifts = self.lifts(&searcher, &parsed, outcomes)?;

        let (mut top, total, facet_counts) = if req.facets {
            let counter = facets::FacetCounter {
                tables: &self.facet_tables,
            };
            let (top, total, counts) = searcher.search_with_statistics_provider(
                &plan.strict,
                &(self.order.ranked(want, &lifts), Count, counter),
                &stats,
            )?;
            (order::scores(top), total, Some(counts))
        } else {
            let (top, total) = searcher.search_with_statistics_provider(
                &plan.strict,
                &(self.order.ranked(want, &lifts), Count),
                &stats,
            )?;
            (order::scores(top), total, None)
        };
        response.total = total;
        if let Some(counts) = facet_counts {
            response.facets = self.facet_tables.facets(&counts);
        }
        // Too few results match every word: the best partial matches follow.
        // Long queries (pasted messages, titles) that match exactly are answered: partial
        // matches of many words cost much and add little there.
        // An article asked for by id and found is the answer: nothing partial adds to it.
        let long = parsed.clauses.len() > LONG_QUERY_WORDS;
        let found_by_id = !parsed.article_ids.is_empty() && total > 0;
        if total < want.min(LOOSE_BELOW) && (total == 0 || !long) && !found_by_id {
            let df = |token: &str| stats.most_docs(&self.word_fields(), token);
            let near = |token: &str| -> Vec<String> {
                rare.iter()
                    .filter(|(_, r)| r.token.as_deref() == Some(token))
                    .flat_map(|(_, r)| r.neighbours.iter().take(spelling::NEAR_SPELLINGS))
                    .map(|n| n.token.clone())
                    .collect()
            };
            if let Some(mut loose) = plan.loose(f, &df, &near, num_docs) {
                if let Some(h) = &hidden {
                    // The pruned pass's lower bound is read from the statistics, which
                    // count only what the reader may see.
                    let query =
                        std::mem::replace(&mut loose.query, Box::new(tantivy::query::EmptyQuery));
                    loose.query = h.restrict(query);
                }
                let (more, loose_total) = if loose.pruned {
                    // Pruned by score alone: a few more than needed are taken, so that
                    // matches tying at the cut are ordered by id like every other list.
                    let mut top = searcher.search_with_statistics_provider(
                        loose.query.as_ref(),
                        &TopDocs::with_limit(want + total + TIE_MARGIN).order_by_score(),
                        &stats,
                    )?;
                    response.total_exact = false;
                    let at_least = usize::try_from(loose.at_least).unwrap_or(usize::MAX);
                    self.order.sort(&mut top);
                    (top, at_least.max(total))
                } else {
                    let (top, n) = searcher.search_with_statistics_provider(
                        loose.query.as_ref(),
                        &(self.order.ranked(want + total, &lifts), Count),
                        &stats,
                    )?;
                    (order::scores(top), n)
                };
                let seen: HashSet<DocAddress> = top.iter().map(|(_, a)| *a).collect();
                top.extend(
                    more.into_iter()
                        .filter(|(_, a)| !seen.contains(a))
                        .take(want - top.len().min(want)),
                );
                response.total = response.total.max(loose_total).max(top.len());
                response.partial = total == 0 && !top.is_empty();
            }
        }
        response.did_you_mean = did_you_mean(&req.q, &rare, num_docs);
        let snippets = if parsed.clauses.is_empty() {
            Snippets::Made {
                event_ids: &parsed.event_ids,
                codes: &parsed.codes,
            }
        } else {
            Snippets::Words {
                marker: std::cell::OnceCell::new(),
                terms: &plan.highlight,
                analyzer: &self.snippet_analyzer,
                found_by_id: if words_are_ids(&parsed) {
                    &parsed.article_ids
                } else {
                    &[]
                },
            }
        };
        for (score, address) in top.into_iter().skip(req.offset).take(req.limit) {
            response
                .hits
                .push(self.hit(&searcher, address, score, &snippets)?);
        }
        response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(response)
    }

    /// The query's rare words as typed ([`spelling::near`]), the first
    /// [`spelling::MAX_CORRECTED_WORDS`] plain words (not soft words, not negated) tried.
    fn rare_words(
        &self,
        clauses: &[query::Clause],
        searcher: &Searcher,
        stats: &stats::Statistics<'_>,
        hiding: bool,
    ) -> Vec<(String, spelling::Rare)> {
        let mut analyzer = self.analyzer.clone();
        // Hundreds of candidates per rare word: their frequency is judged by the two
        // fields nearly every word is in, at half the lookups of all four.
        let f = &self.index.fields;
        let fields = [f.title, f.body];
        let df = |token: &str| stats.most_docs(&fields, token);
        let indexed = |token: &str| {
            let mut near = indexed_near(searcher, &fields, token);
            if hiding {
                // The dictionary counts every article: what the reader may see of each
                // neighbour is counted again, and one only others hold is no neighbour.
                for (t, docs) in &mut near {
                    *docs = stats.most_docs(&fields, t);
                }
                near.retain(|(_, docs)| *docs > 0);
            }
            near
        };
        clauses
            .iter()
            .filter_map(|c| match c.any_of.as_slice() {
                [query::Item::Word(w)] if !c.negated && !plan::is_soft_word(w) => Some(w),
                _ => None,
            })
            .take(spelling::MAX_CORRECTED_WORDS)
            .filter_map(|w| spelling::near(w, &mut analyzer, &df, &indexed).map(|r| (w.clone(), r)))
            .collect()
    }

    /// The summary of the document at `address`, from the `hit` fast field.
    fn summary(&self, address: DocAddress) -> Result<Summary, SearchError> {
        let damaged = |source| SearchError::Damaged {
            what: "hit summary",
            source,
        };
        let column = self
            .hit_columns
            .get(address.segment_ord as usize)
            .and_then(Option::as_ref)
            .ok_or(damaged(None))?;
        let mut record = Vec::with_capacity(512);
        let found = column
            .term_ords(address.doc_id)
            .next()
            .map(|ord| column.ord_to_bytes(ord, &mut record))
            .transpose()?;
        if found != Some(true) {
            return Err(damaged(None));
        }
        let json = self
            .index
            .hits
            .decode(&record)
            .map_err(|e| damaged(Some(serde_json::Error::io(e))))?;
        serde_json::from_slice(&json).map_err(|e| damaged(Some(e)))
    }

    /// One hit. A search by event ID, article id or code alone (no words) takes its
    /// snippet from the summary, made when the article was indexed; a search with words
    /// reads the sections' text and marks the words in the best one.
    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
        snippets: &Snippets<'_>,
    ) -> Result<Hit, SearchError> {
        let mut summary = self.summary(address)?;
        let snippet = match snippets {
            // The article asked for by its id, by a query of nothing else: its words would
            // be the id, which its text seldom names, so its lead is shown without
            // reading the text.
            Snippets::Words { found_by_id, .. }
                if found_by_id
                    .iter()
                    .any(|id| id.eq_ignore_ascii_case(&summary.card.id)) =>
            {
                std::mem::take(&mut summary.lead)
            }
            Snippets::Made { event_ids, codes } => codes
                .iter()
                .find_map(|c| summary.code_snippets.iter().find(|s| s.code == *c))
                .map(|s| s.html.clone())
                .or_else(|| {
                    event_ids.iter().find_map(|id| {
                        summary
                            .event_snippets
                            .iter()
                            .find(|s| s.id == *id)
                            .map(|s| s.html.clone())
                    })
                })
                .unwrap_or_else(|| std::mem::take(&mut summary.lead)),
            Snippets::Words {
                marker,
                terms,
                analyzer,
                ..
            } => match marker.get_or_init(|| snippet::Marker::new(terms, analyzer)) {
                // Made for the first hit that needs it: a search whose hits all have
                // their snippets made (found by id) never builds it.
                None => std::mem::take(&mut summary.lead),
                Some(marker) => {
                    let doc: TantivyDocument = searcher.doc(address)?;
                    let stored =
                        |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
                    let spans: Vec<SectionSpan> =
                        serde_json::from_str(stored(self.index.fields.sections))
                            .unwrap_or_default();
                    snippet::snippet(marker, stored(self.index.fields.text), &spans)
                        .unwrap_or_else(|| std::mem::take(&mut summary.lead))
                }
            },
        };
        let fix = Fix::of(&summary);
        let snippet = match &fix {
            Some(f) if snippet::repeats(&snippet, &f.text) => String::new(),
            _ => snippet,
        };
        Ok(Hit {
            snippet,
            fix,
            card: summary.card,
            score,
            outcomes: None,
            query_outcomes: None,
            confirm: None,
        })
    }
}
