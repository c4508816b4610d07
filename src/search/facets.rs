//! Product and category counts over every match of a search, cheaply.
//!
//! tantivy's `FacetCollector` walks each segment's whole facet dictionary on every
//! search to find the facets asked for; with thousands of product names that walk cost
//! more than the search itself. Segments never change, so [`FacetTables`] does the walk
//! once per segment when the engine is built (after each reload) and keeps, for each
//! facet ordinal, the slot of its `(product|category, name)`; a search then only adds one
//! per matching document and facet.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::{FacetCount, Facets};

/// Field holding the facets (see the index schema).
const FIELD: &str = "facet";
/// Values listed per facet.
const TOP: usize = 10;
const NO_SLOT: u32 = u32::MAX;

/// Which list a slot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Product,
    Category,
}

/// The per-segment maps from facet ordinal to slot, and the slots' names.
#[derive(Debug, Default)]
pub struct FacetTables {
    segments: HashMap<SegmentId, Arc<Vec<u32>>>,
    slots: Vec<(Kind, String)>,
}

impl FacetTables {
    /// Reads the facet dictionary of every segment of `segments`.
    pub fn build(segments: &[SegmentReader]) -> tantivy::Result<FacetTables> {
        let mut tables = FacetTables::default();
        let mut slot_of: HashMap<(Kind, String), u32> = HashMap::new();
        for segment in segments {
            let reader = segment.facet_reader(FIELD)?;
            let mut map = vec![NO_SLOT; reader.num_facets()];
            let mut stream = reader.facet_dict().stream()?;
            while stream.advance() {
                let ord = stream.term_ord() as usize;
                let key = String::from_utf8_lossy(stream.key());
                let mut parts = key.split('\0');
                let kind = match parts.next() {
                    Some("product") => Kind::Product,
                    Some("category") => Kind::Category,
                    _ => continue,
                };
                let (Some(name), None) = (parts.next(), parts.next()) else {
                    continue;
                };
                let next = tables.slots.len() as u32;
                let slot = *slot_of.entry((kind, name.to_owned())).or_insert(next);
                if slot == next {
                    tables.slots.push((kind, name.to_owned()));
                }
                if let Some(m) = map.get_mut(ord) {
                    *m = slot;
                }
            }
            tables.segments.insert(segment.segment_id(), Arc::new(map));
        }
        Ok(tables)
    }

    /// The counts in `counts` (by slot) as the response's facet lists: most frequent
    /// first, then by name.
    pub fn facets(&self, counts: &[u64]) -> Facets {
        let list = |kind: Kind| {
            let mut v: Vec<FacetCount> = counts
                .iter()
                .enumerate()
                .filter(|&(slot, &n)| n > 0 && self.slots[slot].0 == kind)
                .map(|(slot, &n)| FacetCount {
                    value: self.slots[slot].1.clone(),
                    count: n,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v.truncate(TOP);
            v
        };
        Facets {
            product: list(Kind::Product),
            category: list(Kind::Category),
        }
    }
}

impl FacetTables {
    /// Every product with a non-zero count in `counts`, by name.
    pub fn all_products(&self, counts: &[u64]) -> Vec<(String, u64)> {
        counts
            .iter()
            .enumerate()
            .filter(|&(slot, &n)| n > 0 && self.slots[slot].0 == Kind::Product)
            .map(|(slot, &n)| (self.slots[slot].1.clone(), n))
            .collect()
    }
}

/// Counts matches by facet slot.
pub struct FacetCounter<'a> {
    /// The tables of the engine that runs the search.
    pub tables: &'a FacetTables,
}

/// [`FacetCounter`]'s work on one segment.
pub struct SegmentFacetCounter {
    reader: FacetReader,
    map: Arc<Vec<u32>>,
    counts: Vec<u64>,
}

impl Collector for FacetCounter<'_> {
    type Fruit = Vec<u64>;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let map = match self.tables.segments.get(&segment.segment_id()) {
            Some(m) => m.clone(),
            None => Arc::new(Vec::new()),
        };
        Ok(SegmentFacetCounter {
            reader: segment.facet_reader(FIELD)?,
            map,
            counts: vec![0; self.tables.slots.len()],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut total = vec![0; self.tables.slots.len()];
        for f in fruits {
            for (t, n) in total.iter_mut().zip(f) {
                *t += n;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(&slot) = self.map.get(ord as usize) {
                if let Some(c) = self.counts.get_mut(slot as usize) {
                    *c += 1;
                }
            }
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}
