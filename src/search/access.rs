//! Who may read what: the one filter every answer of the engine passes through.
//!
//! An article is readable by anyone when it is public (by its front matter, or by the
//! deployment's default when it says nothing), published, and not past its `valid_to`
//! date. Agents read every article; drafts, retired and expired ones come marked as
//! such. A search engine leaks easily (a count, a facet, a spelling suggestion, a score
//! all say something of what the index holds), so the rule is not applied by each
//! caller: every public lookup of [`super::Engine`] takes a [`Reader`], and what the
//! reader may not see is a [`Hidden`] set of documents that the engine removes from
//! every query ([`Hidden::restrict`]), every lookup by address ([`Hidden::contains`]),
//! and every frequency read from a term dictionary ([`Hidden::visible_doc_freq`]): an
//! article a reader may not see answers exactly as one that does not exist.
//!
//! The set depends on the day (an article expires at midnight UTC after its
//! `valid_to`), so the engine works it out once per day and keeps it; it is empty, and
//! costs nothing, when every article is readable by everyone.

use std::sync::{Arc, RwLock};

use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EmptyScorer, EnableScoring, Explanation, Occur, Query,
    Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::BitSet;
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, Term};

use crate::article::{Date, Visibility};
use crate::index::schema::Fields;

/// Who is asking: the engine answers each as if the articles they may not read did not
/// exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reader {
    /// Anyone who reaches the server: public, published, unexpired articles only. The
    /// default, so that a caller that forgets to say who asks shows the least.
    #[default]
    Anonymous,
    /// A helpdesk agent (an API token, a signed-in session, a trusted proxy's user):
    /// every article, drafts, retired and expired ones included.
    Agent,
}

impl Reader {
    /// Whether this reader sees every article.
    pub fn is_agent(self) -> bool {
        self == Reader::Agent
    }
}

/// The documents of one searcher that a reader may not see, per segment.
#[derive(Debug)]
pub struct Hidden {
    segments: Vec<(SegmentId, BitSet)>,
    count: u64,
    /// The visible frequencies read so far: common words are asked for by search after
    /// search, and each answer walks their postings.
    doc_freqs: RwLock<std::collections::HashMap<Term, u64>>,
}

/// Visible frequencies kept per [`Hidden`] set before the oldest are forgotten.
const MAX_CACHED_FREQS: usize = 100_000;

impl Hidden {
    /// Works out which documents anonymous readers may not see on `today`: internal
    /// ones (and those that say nothing when the default is internal), drafts, retired
    /// ones, and those whose `valid_to` is before `today`.
    pub(crate) fn anonymous(
        searcher: &Searcher,
        fields: &Fields,
        default: Visibility,
        today: Date,
    ) -> tantivy::Result<Hidden> {
        let mut hidden_terms = vec![
            Term::from_field_text(fields.visibility, "internal"),
            Term::from_field_text(fields.status, "draft"),
            Term::from_field_text(fields.status, "retired"),
        ];
        if default == Visibility::Internal {
            hidden_terms.push(Term::from_field_text(fields.visibility, "default"));
        }
        let today = today.number();
        let mut segments = Vec::new();
        let mut count = 0;
        for segment in searcher.segment_readers() {
            let mut set = BitSet::with_max_value(segment.max_doc());
            for term in &hidden_terms {
                let inverted = segment.inverted_index(term.field())?;
                if let Some(mut postings) =
                    inverted.read_postings(term, IndexRecordOption::Basic)?
                {
                    let mut doc = postings.doc();
                    while doc != tantivy::TERMINATED {
                        set.insert(doc);
                        doc = postings.advance();
                    }
                }
            }
            let valid_to: Option<Column<i64>> = segment.fast_fields().i64("valid_to").ok();
            if let Some(column) = valid_to {
                for doc in 0..segment.max_doc() {
                    if column.first(doc).is_some_and(|last| last < today) {
                        set.insert(doc);
                    }
                }
            }
            // Deleted documents are no one's concern: count only the live ones.
            let live = |doc: DocId| segment.alive_bitset().is_none_or(|a| a.is_alive(doc));
            count += (0..segment.max_doc())
                .filter(|&d| set.contains(d) && live(d))
                .count() as u64;
            segments.push((segment.segment_id(), set));
        }
        Ok(Hidden {
            segments,
            count,
            doc_freqs: RwLock::default(),
        })
    }

    /// How many live documents are hidden.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether nothing is hidden.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn segment(&self, id: SegmentId) -> Option<&BitSet> {
        self.segments
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, set)| set)
    }

    /// Whether the document at `address` of `searcher` is hidden.
    pub(crate) fn contains(&self, searcher: &Searcher, address: DocAddress) -> bool {
        let segment = searcher.segment_reader(address.segment_ord);
        self.segment(segment.segment_id())
            .is_some_and(|set| set.contains(address.doc_id))
    }

    /// `query` without the hidden documents: what every search and lookup runs.
    pub(crate) fn restrict(self: &Arc<Self>, query: Box<dyn Query>) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::MustNot, Box::new(HiddenDocs(Arc::clone(self)))),
        ]))
    }

    /// How many documents that the reader may see hold `term`: its frequency in the
    /// term dictionary less the hidden documents holding it. Read from the postings
    /// (each hidden document looked up, or the postings walked when that is shorter).
    pub(crate) fn visible_doc_freq(&self, searcher: &Searcher, term: &Term) -> u64 {
        let cached = self
            .doc_freqs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(term)
            .copied();
        if let Some(n) = cached {
            return n;
        }
        let mut visible = 0u64;
        for segment in searcher.segment_readers() {
            visible += self.segment_doc_freq(segment, term);
        }
        let mut cache = self
            .doc_freqs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_CACHED_FREQS {
            cache.clear();
        }
        cache.insert(term.clone(), visible);
        visible
    }

    /// How many tokens of `field` the hidden documents hold, as their field norms say
    /// (exact for fields of up to 40 tokens, close above): what BM25's average length
    /// must not count.
    pub(crate) fn hidden_tokens(&self, searcher: &Searcher, field: tantivy::schema::Field) -> u64 {
        let mut total = 0u64;
        for segment in searcher.segment_readers() {
            let Some(set) = self.segment(segment.segment_id()) else {
                continue;
            };
            let Ok(norms) = segment.get_fieldnorms_reader(field) else {
                continue;
            };
            let live = |doc: DocId| segment.alive_bitset().is_none_or(|a| a.is_alive(doc));
            // Only the hidden documents are visited.
            let mut docs = BitSetDocSet::from(set.clone());
            let mut doc = docs.doc();
            while doc != tantivy::TERMINATED {
                if live(doc) {
                    total += u64::from(norms.fieldnorm(doc));
                }
                doc = docs.advance();
            }
        }
        total
    }

    fn segment_doc_freq(&self, segment: &SegmentReader, term: &Term) -> u64 {
        let Ok(inverted) = segment.inverted_index(term.field()) else {
            return 0;
        };
        let Ok(Some(mut postings)) = inverted.read_postings(term, IndexRecordOption::Basic) else {
            return 0;
        };
        let Some(set) = self.segment(segment.segment_id()) else {
            return u64::from(postings.doc_freq());
        };
        let live = |doc: DocId| segment.alive_bitset().is_none_or(|a| a.is_alive(doc));
        let mut n = 0u64;
        let mut doc = postings.doc();
        while doc != tantivy::TERMINATED {
            if !set.contains(doc) && live(doc) {
                n += 1;
            }
            doc = postings.advance();
        }
        n
    }
}

/// The hidden documents as a query: the `MustNot` clause of [`Hidden::restrict`].
#[derive(Clone, Debug)]
struct HiddenDocs(Arc<Hidden>);

impl Query for HiddenDocs {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(HiddenWeight(Arc::clone(&self.0))))
    }
}

struct HiddenWeight(Arc<Hidden>);

impl Weight for HiddenWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.0.segment(reader.segment_id()) {
            Some(set) if set.len() > 0 => {
                Box::new(ConstScorer::new(BitSetDocSet::from(set.clone()), boost))
            }
            _ => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let hidden = self
            .0
            .segment(reader.segment_id())
            .is_some_and(|set| set.contains(doc));
        Ok(Explanation::new(
            if hidden { "hidden" } else { "readable" },
            0.0,
        ))
    }
}

/// The anonymous reader's hidden set, worked out once per day and per engine. Read by
/// every anonymous search, written once a day: a read lock on the way in.
#[derive(Default)]
pub(crate) struct HiddenCache {
    today: RwLock<Option<(Date, Option<Arc<Hidden>>)>>,
}

impl HiddenCache {
    /// The set for `today`, from the cache or worked out now; `None` when nothing is
    /// hidden.
    pub(crate) fn get(
        &self,
        today: Date,
        make: impl FnOnce() -> tantivy::Result<Hidden>,
    ) -> tantivy::Result<Option<Arc<Hidden>>> {
        {
            let slot = self
                .today
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((day, hidden)) = slot.as_ref() {
                if *day == today {
                    return Ok(hidden.clone());
                }
            }
        }
        let mut slot = self
            .today
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Another search may have worked it out meanwhile.
        if let Some((day, hidden)) = slot.as_ref() {
            if *day == today {
                return Ok(hidden.clone());
            }
        }
        let hidden = make()?;
        let hidden = (!hidden.is_empty()).then(|| Arc::new(hidden));
        *slot = Some((today, hidden.clone()));
        Ok(hidden)
    }
}
