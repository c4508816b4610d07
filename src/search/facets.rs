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
use tantivy::columnar::StrColumn;
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
#[derive(Default)]
pub struct FacetTables {
    /// Per segment: its facet column (opened once: opening it per search cost 5% of a
    /// lookup by id) and the slot of each of its facet ordinals.
    segments: HashMap<SegmentId, (StrColumn, Arc<Vec<u32>>)>,
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
            let column = segment.fast_fields().str(FIELD)?.ok_or_else(|| {
                tantivy::TantivyError::SchemaError(format!("no `{FIELD}` column"))
            })?;
            tables
                .segments
                .insert(segment.segment_id(), (column, Arc::new(map)));
        }
        Ok(tables)
    }

    /// The counts in `counts` (`(slot, count)`) as the response's facet lists: most
    /// frequent first, then by name.
    pub fn facets(&self, counts: &[(u32, u64)]) -> Facets {
        let list = |kind: Kind| {
            let mut v: Vec<FacetCount> = counts
                .iter()
                .filter(|&&(slot, _)| self.slots[slot as usize].0 == kind)
                .map(|&(slot, n)| FacetCount {
                    value: self.slots[slot as usize].1.clone(),
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
    /// Every product counted in `counts`.
    pub fn all_products(&self, counts: &[(u32, u64)]) -> Vec<(String, u64)> {
        counts
            .iter()
            .filter(|&&(slot, _)| self.slots[slot as usize].0 == Kind::Product)
            .map(|&(slot, n)| (self.slots[slot as usize].1.clone(), n))
            .collect()
    }
}

/// Counts matches by facet slot.
pub struct FacetCounter<'a> {
    /// The tables of the engine that runs the search.
    pub tables: &'a FacetTables,
}

/// [`FacetCounter`]'s work on one segment: the slots met, one entry per facet of each
/// match, until there are as many as slots; then a count per slot. A search matching a
/// few articles never touches a table of every product.
pub struct SegmentFacetCounter {
    reader: FacetReader,
    map: Arc<Vec<u32>>,
    slots: usize,
    met: Vec<u32>,
    dense: Option<Vec<u64>>,
}

/// Counts as `(slot, count)`, by slot.
type Sparse = Vec<(u32, u64)>;

impl Collector for FacetCounter<'_> {
    type Fruit = Sparse;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let (reader, map) = match self.tables.segments.get(&segment.segment_id()) {
            Some((column, map)) => (FacetReader::new(column.clone()), map.clone()),
            None => (segment.facet_reader(FIELD)?, Arc::new(Vec::new())),
        };
        Ok(SegmentFacetCounter {
            reader,
            map,
            slots: self.tables.slots.len(),
            met: Vec::new(),
            dense: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Sparse>) -> tantivy::Result<Sparse> {
        let mut all: Sparse = fruits.into_iter().flatten().collect();
        all.sort_unstable_by_key(|&(slot, _)| slot);
        let mut merged: Sparse = Vec::with_capacity(all.len());
        for (slot, n) in all {
            match merged.last_mut() {
                Some(last) if last.0 == slot => last.1 += n,
                _ => merged.push((slot, n)),
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Sparse;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            let Some(&slot) = self.map.get(ord as usize) else {
                continue;
            };
            if slot as usize >= self.slots {
                continue;
            }
            match &mut self.dense {
                Some(counts) => counts[slot as usize] += 1,
                None => {
                    self.met.push(slot);
                    if self.met.len() >= self.slots {
                        let mut counts = vec![0u64; self.slots];
                        for s in self.met.drain(..) {
                            counts[s as usize] += 1;
                        }
                        self.dense = Some(counts);
                    }
                }
            }
        }
    }

    fn harvest(mut self) -> Sparse {
        if let Some(counts) = self.dense {
            return counts
                .into_iter()
                .enumerate()
                .filter(|&(_, n)| n > 0)
                .map(|(slot, n)| (slot as u32, n))
                .collect();
        }
        self.met.sort_unstable();
        let mut out: Sparse = Vec::new();
        for slot in self.met {
            match out.last_mut() {
                Some(last) if last.0 == slot => last.1 += 1,
                _ => out.push((slot, 1)),
            }
        }
        out
    }
}
