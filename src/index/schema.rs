//! The index schema: every field name and option in one place.
//!
//! Text fields use kbase's analyzer (words and their letter/digit parts, stemmed) and keep positions for phrases;
//! identifiers (article ids, event IDs, sources, codes, products, categories) are exact
//! `STRING` terms, lower-cased where matching ignores case. Event IDs are indexed in three
//! tiers (named in the title, listed in the front matter, found in the text) so that the
//! ranking of DESIGN §4 is a matter of weights. What a hit shows comes from a bytes fast field
//! (a JSON summary with pre-made snippets); the document store keeps the file's text, for
//! the article API and for word snippets, with where each section lies in it.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

/// Bumped whenever the schema or what goes into it changes: an index built with another
/// version is rebuilt from the articles.
pub const SCHEMA_VERSION: u32 = 25;

/// The analyzer of every text field (see [`super::analyzer`]).
pub const TEXT_ANALYZER: &str = super::analyzer::NAME;

/// Handles of every field, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Article id as written (stored).
    pub id: Field,
    /// Article id lower-cased: the key for exact lookups and deletes, and (as a fast
    /// field) the order of hits whose scores tie, the same in every build.
    pub id_key: Field,
    /// File path relative to the articles folder, the key for incremental updates.
    pub path: Field,
    /// Title text.
    pub title: Field,
    /// Symptoms sections.
    pub symptoms: Field,
    /// Resolution, workaround and summary sections: the fix.
    pub fix: Field,
    /// Every other section.
    pub body: Field,
    /// Keywords and product names.
    pub keywords: Field,
    /// Event IDs named in the title.
    pub event_title: Field,
    /// Event IDs listed in the front matter.
    pub event_meta: Field,
    /// Event IDs found anywhere (front matter, title or text).
    pub event_any: Field,
    /// `source:id` pairs by source key (`msexchangeis:1000`, `servicecontrolmanager:7000`;
    /// [`crate::extract::source_key`]).
    pub source_event: Field,
    /// Event sources by key.
    pub source: Field,
    /// `spelling:id` pairs, each source as written ([`crate::extract::source_spelling`]):
    /// the articles that spell a source as the query does come first among those that
    /// name it.
    pub source_spelling: Field,
    /// Codes named in the title: the articles a code search wants first.
    pub code_title: Field,
    /// Codes named in the title or front matter.
    pub code_strong: Field,
    /// Codes found anywhere.
    pub code_any: Field,
    /// Product names, lower-cased, for filters.
    pub product: Field,
    /// Category, lower-cased, for filters.
    pub category: Field,
    /// Publication date as `yyyymmdd`, for ranges.
    pub published: Field,
    /// Product and category facets (`/product/…`, `/category/…`).
    pub facet: Field,
    /// Ids this article references, lower-cased.
    pub refs: Field,
    /// Who may read the article as its front matter says: `public`, `internal`, or
    /// `default` when it says nothing (the server's `--default-visibility` decides, so
    /// that changing the default needs no rebuild).
    pub visibility: Field,
    /// `draft`, `published` or `retired` (absent in the front matter: `published`).
    pub status: Field,
    /// The last day the article is valid, as `yyyymmdd` (absent when it has none): a
    /// fast field, read when the engine works out which articles anonymous readers see
    /// today.
    pub valid_to: Field,
    /// The day the article is due for review, as `yyyymmdd`: a fast field, read by the
    /// review list.
    pub review_by: Field,
    /// The day the article last changed (`updated`, else `published`) as `yyyymmdd`: a
    /// fast field, the order of the feed.
    pub changed: Field,
    /// JSON summary for hits, as a bytes fast field: read per hit without touching the
    /// document store.
    pub hit: Field,
    /// Where the sections' Markdown lies in `text`, JSON (stored only), for word
    /// snippets ([`super::document::SectionSpan`]).
    pub sections: Field,
    /// The file's text as indexed (stored only): the article API and its renditions serve
    /// this, so a broken edit on disk leaves the last good version readable too.
    pub text: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STORED),
        id_key: b.add_text_field("id_key", STRING | FAST),
        path: b.add_text_field("path", STRING),
        title: b.add_text_field("title", text.clone()),
        symptoms: b.add_text_field("symptoms", text.clone()),
        fix: b.add_text_field("fix", text.clone()),
        body: b.add_text_field("body", text),
        keywords: b.add_text_field("keywords", words),
        event_title: b.add_text_field("event_title", STRING),
        event_meta: b.add_text_field("event_meta", STRING),
        event_any: b.add_text_field("event_any", STRING),
        source_event: b.add_text_field("source_event", STRING),
        source: b.add_text_field("source", STRING),
        source_spelling: b.add_text_field("source_spelling", STRING),
        code_title: b.add_text_field("code_title", STRING),
        code_strong: b.add_text_field("code_strong", STRING),
        code_any: b.add_text_field("code_any", STRING),
        product: b.add_text_field("product", STRING),
        category: b.add_text_field("category", STRING),
        published: b.add_i64_field("published", INDEXED | FAST),
        facet: b.add_facet_field("facet", tantivy::schema::FacetOptions::default()),
        refs: b.add_text_field("refs", STRING),
        visibility: b.add_text_field("visibility", STRING),
        status: b.add_text_field("status", STRING),
        valid_to: b.add_i64_field("valid_to", FAST),
        review_by: b.add_i64_field("review_by", FAST),
        changed: b.add_i64_field("changed", FAST),
        hit: b.add_bytes_field("hit", FAST),
        sections: b.add_text_field("sections", STORED),
        text: b.add_text_field("text", STORED),
    };
    (b.build(), fields)
}
