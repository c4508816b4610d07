//! The text shown around a hit's matches: the best section of the article, the best
//! stretch of a window around its first match, the query's terms in `<mark>`.
//!
//! Matches are found by one Aho-Corasick pass for the query's analysed terms (stems,
//! ignoring case) and confirmed by analysing only the words where a term starts, so a
//! hit costs a scan and a few stemmings, not an analysis of its whole window.

use std::cell::RefCell;
use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use tantivy::tokenizer::TextAnalyzer;

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
    Words(Marker),
}

/// What marks a query's terms in text.
pub(super) struct Marker {
    /// Finds where a term may start (its analysed form, any case).
    pub finder: AhoCorasick,
    /// The analysed terms and their weights.
    pub terms: BTreeMap<String, f32>,
    /// The analyzer the stored text is read with ([`crate::index::analyzer::snippet_analyzer`]).
    pub analyzer: RefCell<TextAnalyzer>,
}

/// The snippet from the section with the most matches, `None` when nothing matches.
/// Sections are ranked by a cheap count of the query terms in their text (one pass of
/// the finder over each), and only a window around the first match in the best one is
/// marked.
pub(super) fn snippet(marker: &Marker, sections: &[SectionText]) -> Option<String> {
    // (matches, section, first match)
    let mut best: Option<(usize, usize, usize)> = None;
    for (i, s) in sections.iter().enumerate() {
        let mut count = 0;
        let mut first = usize::MAX;
        for m in marker.finder.find_iter(head(&s.text, SNIPPET_SCAN_BYTES)) {
            count += 1;
            first = first.min(m.start());
        }
        if count > best.map_or(0, |b| b.0) {
            best = Some((count, i, first));
        }
    }
    let (_, i, first) = best?;
    let window = window(&sections[i].text, first, SNIPPET_CHARS * 2);
    mark(marker, window, SNIPPET_CHARS)
}

/// Whether a byte belongs to a word: ASCII letters and digits, and every byte of a
/// non-ASCII character.
fn in_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// The best stretch of at most `max` bytes of `text`, cut at words, as HTML with the
/// matched terms marked; `None` when no term matches. Stretches are scored by the
/// weights of the terms they hold, the earliest winning ties.
fn mark(marker: &Marker, text: &str, max: usize) -> Option<String> {
    let bytes = text.as_bytes();
    // Marked byte ranges, with their weights.
    let mut marks: Vec<(usize, usize, f32)> = Vec::new();
    let mut analyzer = marker.analyzer.borrow_mut();
    for m in marker.finder.find_iter(text) {
        let at = m.start();
        if marks.last().is_some_and(|&(_, end, _)| at < end) {
            continue;
        }
        // A term starts a word, or the letter or digit part of one (`9632` of
        // `ENC9632`), which the analyzer also indexes.
        let digit = bytes[at].is_ascii_digit();
        let end = if at == 0 || !in_word(bytes[at - 1]) {
            at + bytes[at..].iter().take_while(|&&b| in_word(b)).count()
        } else if bytes[at - 1].is_ascii_digit() != digit && bytes[at - 1] < 0x80 {
            at + bytes[at..]
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() && b.is_ascii_digit() == digit)
                .count()
        } else {
            continue;
        };
        let Some(unit) = text.get(at..end) else {
            continue;
        };
        let mut weight: Option<f32> = None;
        analyzer.token_stream(unit).process(&mut |t| {
            if let Some(&w) = marker.terms.get(&t.text) {
                weight = Some(weight.map_or(w, |x: f32| x.max(w)));
            }
        });
        if let Some(w) = weight {
            marks.push((at, end, w));
        }
    }
    drop(analyzer);
    if marks.is_empty() {
        return None;
    }
    // The words, in order, as (start, end).
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if in_word(bytes[i]) {
            let start = i;
            while i < bytes.len() && in_word(bytes[i]) {
                i += 1;
            }
            words.push((start, i));
        } else {
            i += 1;
        }
    }
    // Consecutive stretches of whole words, each at most `max` bytes long.
    let mut best: Option<(f32, usize, usize)> = None;
    let mut w = 0;
    while w < words.len() {
        let start = words[w].0;
        let mut end = words[w].1;
        let mut next = w + 1;
        while next < words.len() && words[next].1 - start <= max {
            end = words[next].1;
            next += 1;
        }
        let score: f32 = marks
            .iter()
            .filter(|&&(a, b, _)| a >= start && b <= end)
            .map(|&(_, _, weight)| weight)
            .sum();
        if score > 0.0 && best.is_none_or(|(s, _, _)| score > s) {
            best = Some((score, start, end));
        }
        w = next;
    }
    let (_, start, end) = best?;
    // A stretch ends at its last word, with the punctuation that closes it.
    let end = end
        + bytes[end..]
            .iter()
            .take_while(|&&b| matches!(b, b'.' | b',' | b';' | b':' | b')' | b'!' | b'?'))
            .count();
    let mut html = String::with_capacity(end - start + 32);
    let mut from = start;
    for &(a, b, _) in marks.iter().filter(|&&(a, b, _)| a >= start && b <= end) {
        escape(&mut html, &text[from..a]);
        html.push_str("<mark>");
        escape(&mut html, &text[a..b]);
        html.push_str("</mark>");
        from = b;
    }
    escape(&mut html, &text[from..end]);
    Some(html)
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, appended to `out`.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
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
/// the fix is the summary): the hit then shows it once, as the fix. The opening words
/// of each (up to [`PROBE_CHARS`] characters, spaces collapsed, the snippet's tags and
/// entities undone) are looked for in the other.
pub(super) fn repeats(snippet_html: &str, fix_text: &str) -> bool {
    let snippet = plain_text(snippet_html);
    let fix = collapse(fix_text);
    let probe = |s: &str| -> String { s.chars().take(PROBE_CHARS).collect() };
    let (a, b) = (probe(&snippet), probe(&fix));
    a.chars().count() >= 20 && (fix.contains(&a) || snippet.contains(&b))
}

/// How much of the opening of a snippet or fix [`repeats`] compares.
const PROBE_CHARS: usize = 60;

/// The text of a snippet's HTML: tags dropped, entities undone, an ellipsis dropped,
/// spaces collapsed.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => rest = "",
            }
            continue;
        }
        if c == '&' {
            let entity = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&#x27;", '\''),
                ("&#39;", '\''),
            ]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e));
            if let Some((e, ch)) = entity {
                out.push(ch);
                rest = &rest[e.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    collapse(&out.replace('…', " "))
}

/// `text` with runs of white space made one space, trimmed.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
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
