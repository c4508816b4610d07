//! One word in any of a few fields, scored as the sum of each field's boosted BM25: a
//! small union that seeks cheaply.
//!
//! tantivy's general union buffers matches in windows of 4,096 documents, which is fast
//! to iterate but costly to seek; an intersection of words seeks each word's union at
//! every candidate, so with one such union per word most of a search's time went into
//! refilling windows. Here a word has at most five fields, so the union simply keeps
//! each field's scorer and takes the smallest document: a seek is a skip-list seek per
//! field.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Any of `parts` matches; the score is the sum of the matching parts' scores.
#[derive(Debug)]
pub struct FieldsUnion {
    parts: Vec<Box<dyn Query>>,
}

impl Clone for FieldsUnion {
    fn clone(&self) -> Self {
        FieldsUnion {
            parts: self.parts.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl FieldsUnion {
    /// A union of `parts` (term queries, boosted).
    pub fn new(parts: Vec<Box<dyn Query>>) -> Self {
        FieldsUnion { parts }
    }
}

/// Most parts a [`FieldsUnion`] is used for: each step of it looks at every part, which
/// beats tantivy's buffered union for a few parts and loses to it for many.
const SMALL_UNION: usize = 8;

/// Any of `parts`, scored as the sum of the matching ones: the part itself when there is
/// one, a [`FieldsUnion`] when there are a few (a word's fields, a phrase's fields, a
/// word's synonyms, the optional words of a query), tantivy's union beyond that.
pub fn any_of(mut parts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match parts.len() {
        1 => parts.remove(0),
        n if n <= SMALL_UNION => Box::new(FieldsUnion::new(parts)),
        _ => Box::new(tantivy::query::BooleanQuery::new(
            parts
                .into_iter()
                .map(|q| (tantivy::query::Occur::Should, q))
                .collect(),
        )),
    }
}

impl Query for FieldsUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(FieldsUnionWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for q in &self.parts {
            q.query_terms(visitor);
        }
    }
}

struct FieldsUnionWeight {
    parts: Vec<Box<dyn Weight>>,
}

impl Weight for FieldsUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for w in &self.parts {
            let s = w.scorer(reader, boost)?;
            if s.doc() != TERMINATED {
                parts.push(s);
            }
        }
        let doc = parts.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
        Ok(Box::new(FieldsUnionScorer { parts, doc }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document #{doc} does not match"
            )));
        }
        Ok(Explanation::new(
            "sum of the matching fields",
            scorer.score(),
        ))
    }
}

struct FieldsUnionScorer {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl FieldsUnionScorer {
    fn settle(&mut self) -> DocId {
        self.doc = self
            .parts
            .iter()
            .map(|s| s.doc())
            .min()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for FieldsUnionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for s in &mut self.parts {
            if s.doc() == current {
                s.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for s in &mut self.parts {
            if s.doc() < target {
                s.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|s| s.size_hint()).max().unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for FieldsUnionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.parts
            .iter_mut()
            .filter(|s| s.doc() == doc)
            .map(|s| s.score())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, Term};

    use super::*;

    #[test]
    fn scores_and_matches_like_a_boolean_union() {
        let mut b = Schema::builder();
        let (a, c) = (b.add_text_field("a", TEXT), b.add_text_field("c", TEXT));
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (x, y) in [
            ("printer spooler", "stops"),
            ("spooler", "printer printer"),
            ("disk", "printer"),
            ("disk", "full"),
        ] {
            w.add_document(doc!(a => x, c => y)).unwrap();
        }
        for _ in 0..300 {
            w.add_document(doc!(a => "filler text", c => "more filler"))
                .unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let parts = |t: &str| -> Vec<Box<dyn Query>> {
            [(a, 3.0), (c, 1.0)]
                .iter()
                .map(|&(f, boost)| {
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f, t),
                            IndexRecordOption::WithFreqs,
                        )),
                        boost,
                    )) as Box<dyn Query>
                })
                .collect()
        };
        let boolean = |t: &str| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                parts(t).into_iter().map(|q| (Occur::Should, q)).collect(),
            ))
        };
        let union = |t: &str| -> Box<dyn Query> { Box::new(FieldsUnion::new(parts(t))) };
        let top = |q: &dyn Query| {
            searcher
                .search(q, &TopDocs::with_limit(10).order_by_score())
                .unwrap()
        };
        // Alone, and intersected with another word (which seeks the union).
        assert_eq!(top(&*union("printer")), top(&*boolean("printer")));
        let both = |make: &dyn Fn(&str) -> Box<dyn Query>| {
            BooleanQuery::new(vec![
                (Occur::Must, make("printer")),
                (Occur::Must, make("spooler")),
            ])
        };
        let (u, bq) = (top(&both(&union)), top(&both(&boolean)));
        assert_eq!(u.len(), 2);
        assert_eq!(u, bq);
    }
}
