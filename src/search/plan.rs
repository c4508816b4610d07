//! From a [`ParsedQuery`] to tantivy queries: the ranking of DESIGN §4 as weights.
//!
//! Structured matches score constants far apart, so their order is strict: an exact
//! article id, then source + event ID, then the event ID named in the title, listed in
//! the front matter, found in the text (codes likewise); within a tier, BM25 over the
//! words orders the results (title above symptoms above the fix above the rest). Two
//! queries come out of one analysis of the words: a *strict* one where every word must
//! match, and a *loose* one, used when the strict one finds too little, where any word
//! may match and a word no document holds matches its near spellings.

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use super::query::{FieldName, Item, ParsedQuery};
use super::union::any_of;
use crate::index::Fields;

const ID: f32 = 1_000_000.0;
const SOURCE_EVENT: f32 = 100_000.0;
const STRONG: f32 = 40_000.0;
const META: f32 = 20_000.0;
const WEAK: f32 = 10_000.0;
/// Inside the source + ID tier: the source written as the query writes it. A
/// technician copies the source from the event in front of them, so the article that
/// writes it the same way is about that event as they see it: this outweighs where the
/// ID is named (title above front matter above text, at most 40,000 apart), and never
/// reaches the article-id tier.
const SPELLING: f32 = 50_000.0;
/// Weight of an exact phrase of the whole query, for pasted messages and titles.
const WHOLE_PHRASE: f32 = 3.0;

/// Restrictions that do not rank.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Product name, lower-cased, exact.
    pub product: Option<String>,
    /// Category, lower-cased, exact.
    pub category: Option<String>,
    /// Earliest publication date, `yyyymmdd`.
    pub from: Option<i64>,
    /// Latest publication date, `yyyymmdd`.
    pub to: Option<i64>,
}

impl Filters {
    /// Whether nothing is restricted.
    pub fn is_empty(&self) -> bool {
        self.product.is_none()
            && self.category.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }
}

/// The queries of one search and the terms to highlight, from one analysis of the
/// query: the strict query is built at once; the loose one, which most searches never
/// need, only on demand ([`Plan::loose`]), from the same analysed words.
pub struct Plan {
    /// Every word must match (structured matches stand on their own).
    pub strict: Box<dyn Query>,
    /// Analysed terms to mark in snippets, with weights.
    pub highlight: BTreeMap<String, f32>,
    /// The structured tiers (ids, events, codes, sources), shared by both queries.
    structured: Vec<(Occur, Box<dyn Query>)>,
    /// What must not match.
    excluded: Vec<(Occur, Box<dyn Query>)>,
    /// The positive clauses, each item with its analysed tokens.
    clauses: Vec<Vec<(Item, Vec<String>)>>,
    /// How many clauses the strict query requires.
    required: usize,
    /// Words that add to the score but are never required ([`is_soft_word`]).
    soft: Vec<Box<dyn Query>>,
    /// Their analysed tokens.
    soft_tokens: Vec<String>,
    /// The whole query as a phrase, for pasted messages and titles.
    whole_phrase: Option<Box<dyn Query>>,
    filters: Filters,
}

fn text_fields(f: &Fields) -> [(Field, f32); 5] {
    [
        (f.title, 3.0),
        (f.symptoms, 1.6),
        (f.fix, 1.3),
        (f.body, 1.0),
        (f.keywords, 1.2),
    ]
}

/// The fields a near spelling of a word counts in, weighted below the word as written.
fn near_fields(f: &Fields) -> [(Field, f32); 4] {
    [
        (f.title, 1.0),
        (f.symptoms, 0.6),
        (f.fix, 0.5),
        (f.body, 0.4),
    ]
}

/// A term, scored by BM25 with its frequencies.
pub(crate) fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A term whose frequency does not matter (lookups, filters, constant tiers).
pub(crate) fn term_match(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn constant(field: Field, text: &str, score: f32) -> (Occur, Box<dyn Query>) {
    (
        Occur::Should,
        Box::new(ConstScoreQuery::new(term_query(field, text), score)),
    )
}

/// One pass of the analyzer over `text`, seen two ways. Words: the tokens whose text no
/// longer token covers, so the letter and digit parts the analyzer adds for documents
/// (`enc` of `ENC9632`) and the parts of a hyphenated word (asked for joined: `e-mail` is
/// `email`) are not required of queries. Phrase: the first token at each position, so
/// that the parts of a hyphenated word keep their positions (`left-hand side` matches as
/// written).
fn analyse(analyzer: &mut TextAnalyzer, text: &str) -> (Vec<String>, Vec<String>) {
    let mut tokens: Vec<(String, usize, usize, usize)> = Vec::new();
    analyzer.token_stream(text).process(&mut |t| {
        tokens.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
    });
    let covered = |&(_, _, from, to): &(String, usize, usize, usize)| {
        tokens
            .iter()
            .any(|&(_, _, f, t)| f <= from && to <= t && t - f > to - from)
    };
    let words = tokens
        .iter()
        .filter(|t| !covered(t))
        .map(|t| t.0.clone())
        .collect();
    let mut phrase = Vec::new();
    let mut last = usize::MAX;
    for (text, position, _, _) in &tokens {
        if *position != last {
            phrase.push(text.clone());
            last = *position;
        }
    }
    (words, phrase)
}

/// One analysed token in any text field, boosted per field; `near` are tokens written
/// one edit away from it that count in its place, weighted less (typo tolerance, for a
/// word that finds nothing as written: [`super::spelling::near`]).
fn token_query(f: &Fields, token: &str, near: &[String]) -> Box<dyn Query> {
    let mut should: Vec<Box<dyn Query>> = text_fields(f)
        .iter()
        .map(|&(field, boost)| {
            Box::new(BoostQuery::new(term_query(field, token), boost)) as Box<dyn Query>
        })
        .collect();
    for spelling in near {
        for (field, boost) in near_fields(f) {
            should.push(Box::new(BoostQuery::new(
                term_query(field, spelling),
                boost,
            )));
        }
    }
    any_of(should)
}

/// Tokens in sequence in one of `fields`; a single token is a plain term query.
fn phrase_query(fields: &[(Field, f32)], tokens: &[String]) -> Box<dyn Query> {
    let should: Vec<Box<dyn Query>> = fields
        .iter()
        .map(|&(field, boost)| {
            let q: Box<dyn Query> = if tokens.len() == 1 {
                term_query(field, &tokens[0])
            } else {
                let terms = tokens
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect();
                Box::new(PhraseQuery::new(terms))
            };
            Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>
        })
        .collect();
    any_of(should)
}

/// How many documents hold a token (the most of any text field).
pub type Frequency<'a> = &'a dyn Fn(&str) -> u64;

/// The tokens written one edit away from a token that no document holds, that documents
/// do hold ([`super::spelling::near`]).
pub type Near<'a> = &'a dyn Fn(&str) -> Vec<String>;

/// What the loose pass knows of the index: frequencies and near spellings.
#[derive(Clone, Copy)]
struct Loose<'a> {
    df: Frequency<'a>,
    near: Near<'a>,
}

/// A token in more than this share of documents is too common to look for on its own in
/// the loose pass: it would cost much and tell little.
const COMMON_SHARE: u64 = 8;
/// A token in more than this share of documents (but not common) counts in the loose
/// pass's disjunction only in the title, the symptoms and the fix.
const FREQUENT_SHARE: u64 = 20;
/// ... and in more documents than this, so small indexes keep every word.
pub(crate) const COMMON_MIN_DOCS: u64 = 1000;

/// The query of one item whose analysed tokens are `tokens`, or `None` when it analyses
/// to nothing. In the `loose` pass, a word the index does not know matches its near
/// spellings, and a word of several tokens any of them.
fn item_query(
    f: &Fields,
    item: &Item,
    tokens: &[String],
    loose: Option<Loose<'_>>,
) -> Option<Box<dyn Query>> {
    let positional: Vec<(Field, f32)> = text_fields(f)
        .into_iter()
        .filter(|(field, _)| *field != f.keywords)
        .collect();
    match item {
        Item::Word(_) => match tokens {
            [] => None,
            [token] => {
                let near = match loose {
                    Some(l) if (l.df)(token) == 0 => (l.near)(token),
                    _ => Vec::new(),
                };
                Some(token_query(f, token, &near))
            }
            // A word of several tokens (`C:\\WINDOWS`, `<b>x</b>`): all of them, or in
            // the loose pass any.
            _ => {
                let occur = if loose.is_some() {
                    Occur::Should
                } else {
                    Occur::Must
                };
                Some(Box::new(BooleanQuery::new(
                    tokens
                        .iter()
                        .map(|t| (occur, token_query(f, t, &[])))
                        .collect(),
                )))
            }
        },
        Item::Phrase(_) => (!tokens.is_empty()).then(|| phrase_query(&positional, tokens)),
        Item::Field(FieldName::Title, _) => {
            (!tokens.is_empty()).then(|| phrase_query(&[(f.title, 1.0)], tokens))
        }
        Item::Field(FieldName::Product, v) => {
            let mut should = vec![(Occur::Should, term_query(f.product, &v.to_lowercase()))];
            if !tokens.is_empty() {
                // `keywords` keeps no positions (tantivy refuses a phrase there): every
                // word of the name, in any order.
                let all: Vec<(Occur, Box<dyn Query>)> = tokens
                    .iter()
                    .map(|t| (Occur::Must, term_query(f.keywords, t)))
                    .collect();
                should.push((Occur::Should, Box::new(BooleanQuery::new(all))));
            }
            Some(Box::new(BooleanQuery::new(should)))
        }
        Item::Field(FieldName::Source, v) => Some(Box::new(ConstScoreQuery::new(
            term_query(f.source, v),
            META,
        ))),
    }
}

impl Plan {
    /// Analyses `parsed` once and builds its strict query under `filters`.
    pub fn new(
        parsed: &ParsedQuery,
        f: &Fields,
        analyzer: &mut TextAnalyzer,
        filters: &Filters,
    ) -> Plan {
        let mut structured: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut highlight: BTreeMap<String, f32> = BTreeMap::new();
        for id in &parsed.article_ids {
            structured.push(constant(f.id_key, &id.to_ascii_lowercase(), ID));
            highlight.insert(id.to_ascii_lowercase(), 1.0);
        }
        for (source, id) in &parsed.source_events {
            structured.push(constant(
                f.source_event,
                &format!("{source}:{id}"),
                SOURCE_EVENT,
            ));
        }
        for id in &parsed.event_ids {
            let id = id.to_string();
            structured.push(constant(f.event_title, &id, STRONG));
            structured.push(constant(f.event_meta, &id, META));
            structured.push(constant(f.event_any, &id, WEAK));
            highlight.insert(id, 1.0);
        }
        for code in &parsed.codes {
            let lower = code.to_ascii_lowercase();
            // Scores add up: named in the title (and so in the front matter too) above
            // listed in the front matter above mentioned in passing, for a search for
            // one code with a few words at most (`0x7b blue screen`). A pasted message
            // (several codes, or many words) is looking for its own text, which the
            // words decide among the articles that list its codes.
            let code_search = parsed.codes.len() == 1 && parsed.clauses.len() <= 3;
            if !code_search {
                structured.push(constant(f.code_strong, &lower, STRONG));
            } else {
                structured.push(constant(f.code_title, &lower, STRONG));
                structured.push(constant(f.code_strong, &lower, META));
            }
            structured.push(constant(f.code_any, &lower, WEAK));
            highlight.insert(lower.trim_start_matches("0x").to_owned(), 1.0);
            highlight.insert(lower, 1.0);
        }
        for (spelling, id) in &parsed.source_spellings {
            structured.push(constant(
                f.source_spelling,
                &format!("{}:{id}", crate::extract::source_spelling(spelling)),
                SPELLING,
            ));
        }
        for source in &parsed.sources {
            highlight.insert(source.clone(), 0.5);
            let key = crate::extract::source_key(source);
            if !key.is_empty() {
                structured.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(term_query(f.source, &key), 1.0)),
                ));
            }
        }

        let mut required: Vec<Box<dyn Query>> = Vec::new();
        let mut soft: Vec<Box<dyn Query>> = Vec::new();
        let mut soft_tokens: Vec<String> = Vec::new();
        let mut excluded: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut clauses: Vec<Vec<(Item, Vec<String>)>> = Vec::new();
        let mut plain_tokens: Vec<String> = Vec::new();
        let mut plain_words = 0;
        let mut only_plain_words = true;
        for clause in &parsed.clauses {
            // Each item analysed once; a word keeps its phrase tokens for the whole-query
            // phrase.
            let mut phrases: Vec<Vec<String>> = Vec::new();
            let analysed: Vec<(Item, Vec<String>)> = clause
                .any_of
                .iter()
                .map(|item| {
                    let tokens = match item {
                        Item::Word(w) | Item::Field(_, w) => {
                            let (words, phrase) = analyse(analyzer, w);
                            phrases.push(phrase);
                            words
                        }
                        Item::Phrase(w) => analyse(analyzer, w).1,
                    };
                    (item.clone(), tokens)
                })
                .collect();
            if clause.negated {
                for (item, tokens) in &analysed {
                    if let Some(q) = item_query(f, item, tokens, None) {
                        excluded.push((Occur::MustNot, q));
                    }
                }
                continue;
            }
            let strict: Vec<Box<dyn Query>> = analysed
                .iter()
                .filter_map(|(item, tokens)| item_query(f, item, tokens, None))
                .collect();
            for t in analysed.iter().flat_map(|(_, tokens)| tokens) {
                highlight.entry(t.clone()).or_insert(0.5);
            }
            let is_soft = match (analysed.as_slice(), strict.len()) {
                ([(Item::Word(w), _)], 1) => {
                    plain_words += 1;
                    plain_tokens.extend(phrases.pop().unwrap_or_default());
                    is_soft_word(w)
                }
                _ => {
                    only_plain_words = false;
                    false
                }
            };
            if strict.is_empty() {
                clauses.push(analysed);
            } else if is_soft {
                soft_tokens.extend(analysed.iter().flat_map(|(_, t)| t.iter().cloned()));
                soft.push(any_of(strict));
            } else {
                required.push(any_of(strict));
                clauses.push(analysed);
            }
        }

        // A code is also a word of the query, in any of its written forms: within a code
        // tier the articles that write it in the title come first (BM25 of the title),
        // and a code no article lists (`0xFFFFFC0B`) still finds the text that gives it.
        for code in &parsed.codes {
            let analysed: Vec<(Item, Vec<String>)> = crate::index::document::code_forms(code)
                .into_iter()
                .map(|form| {
                    let tokens = analyse(analyzer, &form).0;
                    (Item::Word(form), tokens)
                })
                .collect();
            let strict: Vec<Box<dyn Query>> = analysed
                .iter()
                .filter_map(|(item, tokens)| item_query(f, item, tokens, None))
                .collect();
            if !strict.is_empty() {
                only_plain_words = false;
                required.push(any_of(strict));
                clauses.push(analysed);
            }
        }

        let mut whole_phrase: Option<Box<dyn Query>> = None;
        if only_plain_words && plain_words >= 3 && (3..=40).contains(&plain_tokens.len()) {
            let fields = [
                (f.title, 4.0 * WHOLE_PHRASE),
                (f.symptoms, 2.0 * WHOLE_PHRASE),
                (f.fix, WHOLE_PHRASE),
                (f.body, WHOLE_PHRASE),
            ];
            whole_phrase = Some(phrase_query(&fields, &plain_tokens));
        }
        let strict = if parsed.words_rank_only && !structured.is_empty() {
            // A paste: what it names selects, its words only order; there is nothing
            // for a loose pass to relax.
            clauses.clear();
            ranked_by_words(&structured, &required, &soft, &excluded, filters, f)
        } else {
            if required.is_empty() {
                // Nothing but soft words ("not working"): they are the query.
                required = std::mem::take(&mut soft);
                soft_tokens.clear();
            }
            let words_strict = words_query(&required, required.len(), &soft, &whole_phrase);
            combine(&structured, words_strict, &excluded, filters, f)
        };
        Plan {
            strict,
            highlight,
            structured,
            excluded,
            clauses,
            required: required.len(),
            soft,
            soft_tokens,
            whole_phrase,
            filters: filters.clone(),
        }
    }

    /// The loose query, for when the strict one finds too little: a word no document
    /// holds matches its `near` spellings, and words too common to tell anything are
    /// left out; `df` gives a token's document frequency in an index of `num_docs`
    /// documents. `None` when it could not add anything to the strict query.
    ///
    /// A query of plain words (no ids, events, codes, quoted phrases, fields, exclusions
    /// or filters: most of what technicians type) becomes one scored disjunction of
    /// (token, field) terms, which tantivy ranks by block-max WAND: matching more of the
    /// words and the rarer ones scores most, and the top hits come without visiting
    /// every article that has one word. Any other query keeps its structure, and at
    /// least half its words must match.
    pub fn loose(
        &self,
        f: &Fields,
        df: Frequency<'_>,
        near: Near<'_>,
        num_docs: u64,
    ) -> Option<LooseQuery> {
        let pass = Loose { df, near };
        let common = |tokens: &[String]| {
            tokens.iter().all(|t| {
                let n = df(t);
                n * COMMON_SHARE > num_docs && n > COMMON_MIN_DOCS
            })
        };
        let kept: Vec<&Vec<(Item, Vec<String>)>> = self
            .clauses
            .iter()
            .filter(|clause| match clause.as_slice() {
                [(Item::Word(_), tokens)] => !common(tokens),
                _ => true,
            })
            .collect();
        let plain = self.structured.is_empty()
            && self.excluded.is_empty()
            && self.filters.is_empty()
            && kept.iter().all(|c| {
                // A word, or a word with synonyms, some of them phrases (`setup`, `set
                // up`): the phrases are left to the strict query.
                c.iter().any(|(item, _)| matches!(item, Item::Word(_)))
                    && c.iter()
                        .all(|(item, _)| matches!(item, Item::Word(_) | Item::Phrase(_)))
            });
        if plain {
            return self.scored_disjunction(f, &kept, pass, num_docs);
        }
        let mut optional: Vec<Box<dyn Query>> = Vec::new();
        for clause in kept {
            let loose: Vec<Box<dyn Query>> = clause
                .iter()
                .filter_map(|(item, tokens)| item_query(f, item, tokens, Some(pass)))
                .collect();
            if !loose.is_empty() {
                optional.push(any_of(loose));
            }
        }
        (!optional.is_empty() && (self.required > 1 || optional.len() == 1)).then(|| {
            let words = words_query(
                &optional,
                optional.len().div_ceil(2),
                &self.soft,
                &self.whole_phrase,
            );
            LooseQuery {
                query: combine(&self.structured, words, &self.excluded, &self.filters, f),
                pruned: false,
                at_least: 0,
            }
        })
    }

    /// The loose query of plain words: every (token, field) term of the words of the
    /// `kept` clauses and of the soft words, boosted per field, in one disjunction of
    /// term queries (the shape tantivy's block-max WAND takes). A token no document holds
    /// is replaced by its near spellings; synonyms that are phrases are left out.
    fn scored_disjunction(
        &self,
        f: &Fields,
        kept: &[&Vec<(Item, Vec<String>)>],
        pass: Loose<'_>,
        num_docs: u64,
    ) -> Option<LooseQuery> {
        let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut at_least = 0;
        let add =
            |terms: &mut Vec<(Occur, Box<dyn Query>)>, token: &str, fields: &[(Field, f32)]| {
                for &(field, boost) in fields {
                    terms.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(term_query(field, token), boost)),
                    ));
                }
            };
        let words = kept.len();
        if self.required <= 1 && words > 1 {
            return None;
        }
        let tokens = kept
            .iter()
            .flat_map(|clause| clause.iter())
            .filter(|(item, _)| matches!(item, Item::Word(_)))
            .flat_map(|(_, tokens)| tokens);
        for token in tokens {
            let n = (pass.df)(token);
            if n == 0 {
                for spelling in (pass.near)(token) {
                    at_least = at_least.max((pass.df)(&spelling));
                    add(&mut terms, &spelling, &near_fields(f));
                }
                continue;
            }
            at_least = at_least.max(n);
            // A frequent word tells most where it is prominent (title, symptoms, fix);
            // its long lists in the rest of the text cost most of the disjunction and
            // changed no result on the natural queries.
            let frequent = n * FREQUENT_SHARE > num_docs && n > COMMON_MIN_DOCS;
            let fields = text_fields(f);
            add(
                &mut terms,
                token,
                if frequent { &fields[..3] } else { &fields },
            );
        }
        if terms.is_empty() {
            return None;
        }
        for token in &self.soft_tokens {
            add(&mut terms, token, &text_fields(f));
        }
        Some(LooseQuery {
            query: Box::new(BooleanQuery::new(terms)),
            pruned: true,
            at_least,
        })
    }
}

/// The loose query of a search ([`Plan::loose`]).
pub struct LooseQuery {
    /// The query.
    pub query: Box<dyn Query>,
    /// Whether it is one disjunction of terms, whose top hits tantivy finds without
    /// counting every match: collect it by score alone, and take [`Self::at_least`] for
    /// the number of matches.
    pub pruned: bool,
    /// For a pruned query: the most documents any of its terms is in, which every one
    /// of them matches, so at least this many match.
    pub at_least: u64,
}

/// Words that count when an article has them but are never required of it: negations
/// and contractions, which articles spell out (in the legacy archive `does not` is in
/// 15,836 articles, `doesn't` in 1,356 and `doesnt` in 1; `cannot` 10,756, `unable to`
/// 3,417, `cant` 8; `wont` 2, `dont` 3, `isnt` 0), so the form a technician types is
/// rarely the article's; and the fillers typed after the real words (`error`, `problem`,
/// `issue`, `help`, `not working`), which half the articles carry in some other sense.
/// Matched on the word as typed, apostrophes dropped.
pub(crate) fn is_soft_word(word: &str) -> bool {
    let w: String = word
        .chars()
        .filter(|c| !matches!(c, '\'' | '’'))
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        w.as_str(),
        "not"
            | "no"
            | "cannot"
            | "cant"
            | "unable"
            | "doesnt"
            | "dont"
            | "didnt"
            | "isnt"
            | "arent"
            | "wasnt"
            | "werent"
            | "wont"
            | "wouldnt"
            | "couldnt"
            | "shouldnt"
            | "hasnt"
            | "havent"
            | "error"
            | "errors"
            | "problem"
            | "problems"
            | "issue"
            | "issues"
            | "help"
            | "working"
    )
}

/// At least `min` of `items` must match; the soft words and the whole-query phrase, if
/// any, add to the score.
fn words_query(
    items: &[Box<dyn Query>],
    min: usize,
    soft: &[Box<dyn Query>],
    phrase: &Option<Box<dyn Query>>,
) -> Option<Box<dyn Query>> {
    if items.is_empty() {
        return None;
    }
    let words: Box<dyn Query> = if min >= items.len() {
        Box::new(BooleanQuery::new(
            items.iter().map(|q| (Occur::Must, q.box_clone())).collect(),
        ))
    } else {
        Box::new(BooleanQuery::with_minimum_required_clauses(
            items
                .iter()
                .map(|q| (Occur::Should, q.box_clone()))
                .collect(),
            min.max(1),
        ))
    };
    let optional: Vec<Box<dyn Query>> = soft
        .iter()
        .chain(phrase.iter())
        .map(|q| q.box_clone())
        .collect();
    if optional.is_empty() {
        return Some(words);
    }
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Must, words),
        (Occur::Should, any_of(optional)),
    ])))
}

/// Structured matches, ordered by the words (each scored, more of them scoring more),
/// minus exclusions, within the filters: the query of a paste.
fn ranked_by_words(
    structured: &[(Occur, Box<dyn Query>)],
    required: &[Box<dyn Query>],
    soft: &[Box<dyn Query>],
    excluded: &[(Occur, Box<dyn Query>)],
    filters: &Filters,
    f: &Fields,
) -> Box<dyn Query> {
    let selected = any_of(structured.iter().map(|(_, q)| q.box_clone()).collect());
    let mut positive = vec![(Occur::Must, selected)];
    let words: Vec<Box<dyn Query>> = required.iter().chain(soft).map(|q| q.box_clone()).collect();
    if !words.is_empty() {
        positive.push((Occur::Should, any_of(words)));
    }
    let ranked: Box<dyn Query> = Box::new(BooleanQuery::new(positive));
    combine(&[(Occur::Should, ranked)], None, excluded, filters, f)
}

/// Structured matches OR the words, minus exclusions, within the filters.
fn combine(
    structured: &[(Occur, Box<dyn Query>)],
    words: Option<Box<dyn Query>>,
    excluded: &[(Occur, Box<dyn Query>)],
    filters: &Filters,
    f: &Fields,
) -> Box<dyn Query> {
    let mut positive: Vec<Box<dyn Query>> = structured.iter().map(|(_, q)| q.box_clone()).collect();
    positive.extend(words);
    let positive: Box<dyn Query> = if positive.is_empty() {
        Box::new(AllQuery)
    } else {
        any_of(positive)
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, positive)];
    clauses.extend(excluded.iter().map(|(o, q)| (*o, q.box_clone())));
    let filter = |q: Box<dyn Query>| {
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>,
        )
    };
    if let Some(p) = &filters.product {
        clauses.push(filter(term_query(f.product, p)));
    }
    if let Some(c) = &filters.category {
        clauses.push(filter(term_query(f.category, c)));
    }
    if filters.from.is_some() || filters.to.is_some() {
        let bound = |d: Option<i64>| {
            d.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_i64(f.published, d))
            })
        };
        clauses.push(filter(Box::new(RangeQuery::new(
            bound(filters.from),
            bound(filters.to),
        ))));
    }
    Box::new(BooleanQuery::new(clauses))
}
