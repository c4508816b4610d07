//! The BM25 statistics of one search, each read from the index once.
//!
//! A search builds several queries over the same terms: the strict query, the
//! whole-query phrase (the same tokens in the same fields), the loose pass, the loose
//! pass's test for common words. tantivy asks its statistics provider for a term's
//! document frequency whenever a query over it is weighted, and each answer walks every
//! segment's term dictionary; this provider asks the searcher once per term and keeps
//! the answer for the rest of the search.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::access::Hidden;

/// The statistics of one search over `searcher`, remembered as they are read. With a
/// [`Hidden`] set they are those of the documents the reader may see: a score, like a
/// count, must not tell that an article the reader may not read holds a word.
pub(crate) struct Statistics<'a> {
    searcher: &'a Searcher,
    hidden: Option<&'a Hidden>,
    doc_freq: RefCell<HashMap<Term, u64>>,
    tokens: RefCell<HashMap<Field, u64>>,
    docs: Cell<Option<u64>>,
}

impl<'a> Statistics<'a> {
    /// Statistics read from `searcher` on demand, without the `hidden` documents.
    pub(crate) fn new(searcher: &'a Searcher, hidden: Option<&'a Hidden>) -> Self {
        Statistics {
            searcher,
            hidden,
            doc_freq: RefCell::default(),
            tokens: RefCell::default(),
            docs: Cell::new(None),
        }
    }

    /// How many documents hold `token` in one of `fields`: the most of any of them (0
    /// when it cannot be read: a frequency only steers the ranking).
    pub(crate) fn most_docs(&self, fields: &[Field], token: &str) -> u64 {
        fields
            .iter()
            .map(|&field| {
                self.doc_freq(&Term::from_field_text(field, token))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&n) = self.tokens.borrow().get(&field) {
            return Ok(n);
        }
        let n = self.searcher.total_num_tokens(field)?;
        let n = match self.hidden {
            None => n,
            Some(h) => n.saturating_sub(h.hidden_tokens(self.searcher, field)),
        };
        self.tokens.borrow_mut().insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        if let Some(n) = self.docs.get() {
            return Ok(n);
        }
        let n = self.searcher.total_num_docs()? - self.hidden.map_or(0, Hidden::len);
        self.docs.set(Some(n));
        Ok(n)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.doc_freq.borrow().get(term) {
            return Ok(n);
        }
        let n = match self.hidden {
            None => self.searcher.doc_freq(term)?,
            Some(hidden) => hidden.visible_doc_freq(self.searcher, term),
        };
        self.doc_freq.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    use super::*;

    #[test]
    fn answers_as_the_searcher_does() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for t in ["printer spooler", "printer", "disk full"] {
            w.add_document(doc!(text => t)).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let stats = Statistics::new(&searcher, None);
        for _ in 0..2 {
            assert_eq!(stats.most_docs(&[text], "printer"), 2);
            assert_eq!(stats.most_docs(&[text], "absent"), 0);
            assert_eq!(
                stats.total_num_tokens(text).unwrap(),
                searcher.total_num_tokens(text).unwrap()
            );
            assert_eq!(stats.total_num_docs().unwrap(), 3);
        }
    }
}
