//! The text shown around a hit's matches: the best section of the article, a window
//! around its first match, the query's terms in `<mark>`.

use aho_corasick::AhoCorasick;
use tantivy::snippet::SnippetGenerator;

use crate::index::document::{SectionText, SNIPPET_CHARS};

/// Bytes of each section searched for the query's terms when choosing a hit's snippet:
/// the best section shows itself early, and whole long articles cost time on every hit.
const SNIPPET_SCAN_BYTES: usize = 4096;

/// How the hits of one search get their snippets.
pub(super) enum Snippets<'a> {
    /// From the summaries: the query has no words.
    Made {
        /// The query's event IDs, in order.
        event_ids: &'a [u32],
        /// The query's codes, normalised, in order.
        codes: &'a [String],
    },
    /// From the sections' text, marking these terms.
    Words {
        generator: SnippetGenerator,
        finder: AhoCorasick,
    },
}

/// The snippet from the section with the most matches, `None` when nothing matches.
/// Sections are ranked by a cheap count of the query terms in their text (one pass of
/// `finder` over each), and only a window around the first match in the best one is
/// analysed.
pub(super) fn snippet(
    generator: &SnippetGenerator,
    finder: &AhoCorasick,
    sections: &[SectionText],
) -> Option<String> {
    // (matches, section, first match)
    let mut best: Option<(usize, usize, usize)> = None;
    for (i, s) in sections.iter().enumerate() {
        let mut count = 0;
        let mut first = usize::MAX;
        for m in finder.find_iter(head(&s.text, SNIPPET_SCAN_BYTES)) {
            count += 1;
            first = first.min(m.start());
        }
        if count > best.map_or(0, |b| b.0) {
            best = Some((count, i, first));
        }
    }
    let (_, i, first) = best?;
    let window = window(&sections[i].text, first, SNIPPET_CHARS * 2);
    let mut s = generator.snippet(window);
    if s.is_empty() {
        return None;
    }
    s.set_snippet_prefix_postfix("<mark>", "</mark>");
    Some(s.to_html())
}

/// At most `max` bytes of the start of `text`, on a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// About `size` bytes of `text` around byte `at`, on character boundaries.
fn window(text: &str, at: usize, size: usize) -> &str {
    let mut start = at.saturating_sub(size / 3).min(text.len());
    let mut end = (start + size).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}
