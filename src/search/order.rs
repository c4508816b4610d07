//! The order of hits whose scores tie: by article id, the same in every build.
//!
//! Ties are common (every article of an event tier scores alike), and a parallel build
//! puts documents in another order each time, so ties are broken by the lower-cased id.
//! Sorting on the id's string column made every search open that column in each segment
//! and turn the kept ordinals back into strings. Instead, when an engine opens, each
//! document is given its id's place among all ids (one pass over the column, a sort of
//! the 51,000 ids of the full archive in a few milliseconds); a search then compares
//! `(score, place)` pairs, which costs a slice lookup per match.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, TopDocs};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader};

/// Score added to some documents: by what tickets recorded for the event or code the
/// query names, by segment ordinal, each segment's documents sorted. `None` (no links for
/// it) costs nothing per match, and neither does a segment with none of them; otherwise
/// a match costs a binary search of the few documents lifted in its segment.
pub(crate) type Lifts = Option<Arc<HashMap<u32, Vec<(DocId, Score)>>>>;

/// [`Lifts`] from documents and their lifts.
pub(crate) fn lifts(docs: impl IntoIterator<Item = (DocAddress, Score)>) -> Lifts {
    let mut by_segment: HashMap<u32, Vec<(DocId, Score)>> = HashMap::new();
    for (at, lift) in docs {
        by_segment
            .entry(at.segment_ord)
            .or_default()
            .push((at.doc_id, lift));
    }
    for docs in by_segment.values_mut() {
        docs.sort_by_key(|d| d.0);
        docs.dedup_by_key(|d| d.0);
    }
    (!by_segment.is_empty()).then(|| Arc::new(by_segment))
}

/// A match's place in the hit order: its score, then (reversed, so that the larger key
/// is the earlier hit) its id's place among all ids.
pub(crate) type TieKey = (Score, Reverse<u32>);

/// Where each document's id comes among all ids of one searcher's segments.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdOrder {
    /// Per segment, in the searcher's order: the place of each document's id.
    places: Arc<Vec<Arc<[u32]>>>,
    /// The position in `places` of each segment.
    segments: Arc<HashMap<SegmentId, usize>>,
}

impl IdOrder {
    /// Learns the order of the ids in the string fast field `id_key` of every segment
    /// of `searcher`. A document without an id (none is indexed without one) comes last.
    pub(crate) fn build(searcher: &Searcher, id_key: &str) -> tantivy::Result<IdOrder> {
        let readers = searcher.segment_readers();
        let mut all: Vec<(Vec<u8>, usize, DocId)> = Vec::new();
        let mut places: Vec<Vec<u32>> = Vec::with_capacity(readers.len());
        for (ord, reader) in readers.iter().enumerate() {
            places.push(vec![u32::MAX; reader.max_doc() as usize]);
            let Some(column) = reader.fast_fields().str(id_key)? else {
                continue;
            };
            let mut terms: Vec<Vec<u8>> = Vec::with_capacity(column.num_terms());
            let mut stream = column.dictionary().stream()?;
            while stream.advance() {
                terms.push(stream.key().to_vec());
            }
            for doc in 0..reader.max_doc() {
                let term = column
                    .term_ords(doc)
                    .next()
                    .and_then(|o| terms.get(usize::try_from(o).ok()?));
                if let Some(term) = term {
                    all.push((term.clone(), ord, doc));
                }
            }
        }
        all.sort_unstable();
        for (place, (_, ord, doc)) in all.into_iter().enumerate() {
            places[ord][doc as usize] = u32::try_from(place).unwrap_or(u32::MAX - 1);
        }
        let segments = readers
            .iter()
            .enumerate()
            .map(|(ord, r)| (r.segment_id(), ord))
            .collect();
        Ok(IdOrder {
            places: Arc::new(places.into_iter().map(Arc::from).collect()),
            segments: Arc::new(segments),
        })
    }

    /// The place of the id of the document at `address` (`u32::MAX` when unknown).
    pub(crate) fn place(&self, address: DocAddress) -> u32 {
        self.places
            .get(address.segment_ord as usize)
            .and_then(|p| p.get(address.doc_id as usize))
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// The best `limit` matches by score, ties in id order; `lifts` are added to the
    /// scores of the documents they name (what tickets recorded, [`Lifts`]).
    pub(crate) fn ranked(
        &self,
        limit: usize,
        lifts: &Lifts,
    ) -> impl Collector<Fruit = Vec<(TieKey, DocAddress)>> + use<> {
        let order = self.clone();
        let lifts = lifts.clone();
        TopDocs::with_limit(limit.max(1)).tweak_score(move |reader: &SegmentReader| {
            let ord = order.segments.get(&reader.segment_id()).copied();
            let places = ord.and_then(|ord| order.places.get(ord).cloned());
            let mine: Vec<(DocId, Score)> = match (&lifts, ord) {
                (Some(l), Some(ord)) => l.get(&(ord as u32)).cloned().unwrap_or_default(),
                _ => Vec::new(),
            };
            move |doc: DocId, score: Score| {
                let place = places
                    .as_ref()
                    .and_then(|p| p.get(doc as usize).copied())
                    .unwrap_or(u32::MAX);
                let lift = if mine.is_empty() {
                    0.0
                } else {
                    mine.binary_search_by_key(&doc, |d| d.0)
                        .map_or(0.0, |i| mine[i].1)
                };
                (score + lift, Reverse(place))
            }
        })
    }

    /// Puts `top` (scored matches in any order) in hit order.
    pub(crate) fn sort(&self, top: &mut [(Score, DocAddress)]) {
        top.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.place(a.1).cmp(&self.place(b.1)))
        });
    }
}

/// The scores of [`IdOrder::ranked`]'s matches, without their places.
pub(crate) fn scores(top: Vec<(TieKey, DocAddress)>) -> Vec<(Score, DocAddress)> {
    top.into_iter().map(|((score, _), a)| (score, a)).collect()
}
