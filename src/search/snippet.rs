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

/// About `size` bytes of `text` around byte `at`, starting and ending on word
/// boundaries: the snippet is cut from it, and a word cut in half would show as one
/// ("y Editor").
fn window(text: &str, at: usize, size: usize) -> &str {
    let mut start = at.saturating_sub(size / 3).min(text.len());
    let mut end = (start + size).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let at = at.clamp(start, end);
    if start > 0 && !text[..start].ends_with(char::is_whitespace) {
        start = text[start..at]
            .find(char::is_whitespace)
            .map_or(start, |w| start + w + 1);
    }
    if end < text.len() && !text[end..].starts_with(char::is_whitespace) {
        end = text[at..end]
            .rfind(char::is_whitespace)
            .map_or(end, |w| at + w);
    }
    &text[start..end]
}

/// Whether a snippet says what the inline fix says (the best section was the fix, or
/// the fix is the summary): the hit then shows it once, as the fix.
pub(super) fn repeats(snippet_html: &str, fix_text: &str) -> bool {
    let plain = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .split_whitespace()
            .filter(|w| *w != "…")
            .collect::<Vec<_>>()
            .join(" ")
    };
    let snippet = plain(snippet_html);
    let fix = fix_text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The snippet's opening words, or the fix's, found in the other.
    let probe = |s: &str| -> String { s.chars().take(60).collect() };
    let (a, b) = (probe(&snippet), probe(&fix));
    a.chars().count() >= 20 && (fix.contains(&a) || snippet.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_and_end_on_words() {
        let text = "If you use Registry Editor incorrectly, you may cause serious problems.";
        let w = window(text, 20, 30);
        assert!(text.contains(w));
        assert!(
            w.starts_with("Registry") || w.starts_with("Editor"),
            "{w:?}"
        );
        assert!(w.ends_with("incorrectly,") || w.ends_with("you"), "{w:?}");
    }

    #[test]
    fn a_snippet_that_is_the_fix_is_a_repeat() {
        let fix = "Restart the computer browser service, then wait for the list to fill.";
        assert!(repeats(
            "… <mark>Restart</mark> the computer browser service, then wait for the list …",
            fix
        ));
        assert!(!repeats(
            "The <mark>browse</mark> list is empty after a restart of the server.",
            fix
        ));
    }
}
