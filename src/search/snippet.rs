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

use crate::article::render::to_text;
use crate::index::document::{SectionSpan, SNIPPET_CHARS};

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
        /// What marks the terms, made when a hit first needs it (`None` when it cannot
        /// be made: the hits then show their leads).
        marker: std::cell::OnceCell<Option<Marker>>,
        /// The analysed terms and their weights.
        terms: &'a BTreeMap<String, f32>,
        /// The analyzer of stored text.
        analyzer: &'a TextAnalyzer,
        /// The article ids of a query that is nothing but ids: their articles show
        /// their leads.
        found_by_id: &'a [String],
    },
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

impl Marker {
    /// The marker of `terms`; `None` when the finder cannot be built (it is a courtesy:
    /// the hits then show their leads).
    pub(super) fn new(terms: &BTreeMap<String, f32>, analyzer: &TextAnalyzer) -> Option<Marker> {
        // A contiguous NFA: building a DFA for a search's few terms cost more than the
        // ten hits' text it then reads.
        let finder = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(terms.keys())
            .ok()?;
        Some(Marker {
            finder,
            terms: terms.clone(),
            analyzer: RefCell::new(analyzer.clone()),
        })
    }
}

/// Sections tried for a snippet, most matches first: the counts are of the Markdown,
/// and a section whose matches were all in markup (a link's address) has none in its text.
const SNIPPET_SECTIONS_TRIED: usize = 3;

/// The snippet from the section with the most matches, `None` when nothing matches.
/// `source` is the article's file text and `spans` where its sections lie in it.
/// Sections are ranked by a cheap count of the query terms in their Markdown (one pass
/// of the finder over each), and only the best one is rendered to text, of which a
/// window around the first match is marked.
pub(super) fn snippet(marker: &Marker, source: &str, spans: &[SectionSpan]) -> Option<String> {
    // (matches, section), most matches first, the earlier section first on ties
    let mut ranked: Vec<(usize, usize)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let count = marker
                .finder
                .find_iter(head(s.markdown(source)?, SNIPPET_SCAN_BYTES))
                .count();
            (count > 0).then_some((count, i))
        })
        .collect();
    ranked.sort_by_key(|&(count, i)| (std::cmp::Reverse(count), i));
    ranked
        .into_iter()
        .take(SNIPPET_SECTIONS_TRIED)
        .find_map(|(_, i)| {
            let markdown = spans[i].markdown(source)?;
            let at = marker
                .finder
                .find(head(markdown, SNIPPET_SCAN_BYTES))?
                .start();
            // Only the paragraphs around the first match are rendered; when that match
            // was markup (a link's address), the section's head is.
            let text = around(markdown, at)
                .map(to_text)
                .filter(|t| marker.finder.is_match(t.as_str()))
                .unwrap_or_else(|| to_text(head(markdown, SNIPPET_SCAN_BYTES + SNIPPET_CHARS * 2)));
            let first = marker.finder.find(head(&text, SNIPPET_SCAN_BYTES))?.start();
            mark(
                marker,
                window(&text, first, SNIPPET_CHARS * 2),
                SNIPPET_CHARS,
            )
        })
}

/// Where the fenced code block still open at the end of `markdown` starts (the line of
/// its opening fence), `None` when no fence is open there.
fn open_fence(markdown: &str) -> Option<usize> {
    let mut open: Option<(usize, u8)> = None;
    let mut at = 0;
    for line in markdown.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line.trim_start_matches(' ').as_bytes();
        if indent <= 3 && rest.len() >= 3 && (rest[..3] == *b"```" || rest[..3] == *b"~~~") {
            open = match open {
                Some((_, c)) if c == rest[0] => None,
                Some(o) => Some(o),
                None => Some((at, rest[0])),
            };
        }
        at += line.len();
    }
    open.map(|(start, _)| start)
}

/// The whole paragraphs of `markdown` within a few snippets' length of byte `at`: what a
/// window around a match there needs, without rendering the rest of the section. The
/// piece starts at a line that is not indented after a blank line (else after any line
/// break): an indented line may continue a list item, and cut from it would render as
/// code; inside a fenced block it starts at the fence. `None` when no such line is near;
/// the caller renders the section's head.
fn around(markdown: &str, at: usize) -> Option<&str> {
    const REACH: usize = 3 * SNIPPET_CHARS;
    let bytes = markdown.as_bytes();
    let starts_block = |i: usize| bytes.get(i).is_some_and(|b| !b" \t\r\n".contains(b));
    let mut from = at.saturating_sub(REACH);
    while !markdown.is_char_boundary(from) {
        from -= 1;
    }
    let start = if from == 0 {
        0
    } else {
        let mut lo = from.saturating_sub(REACH);
        while !markdown.is_char_boundary(lo) {
            lo -= 1;
        }
        // (after a blank line, after any line), nearest first
        let mut line = None;
        let mut paragraph = None;
        for (j, _) in markdown[lo..from].rmatch_indices('\n') {
            let k = lo + j + 1;
            if !starts_block(k) {
                continue;
            }
            if markdown[..lo + j].ends_with('\n') {
                paragraph = Some(k);
                break;
            }
            line = line.or(Some(k));
        }
        let cut = paragraph.or(line)?;
        // Inside a fenced block, a cut would read its closing fence as an opening one
        // and the rest as code: the piece starts at the block's opening fence instead.
        open_fence(&markdown[..cut]).unwrap_or(cut)
    };
    let mut to = (at + REACH).min(markdown.len());
    while !markdown.is_char_boundary(to) {
        to += 1;
    }
    let ahead = |i: Option<usize>| i.filter(|&i| i <= REACH).map(|i| to + i);
    let end = ahead(markdown[to..].find("\n\n"))
        .or_else(|| ahead(markdown[to..].find('\n')))
        .unwrap_or(to);
    Some(&markdown[start..end])
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
    fn only_the_paragraphs_near_a_match_are_rendered() {
        let far = "Unrelated words. ".repeat(60);
        let mid = "Some words. ".repeat(50);
        let md = format!("{far}\n\n{mid}\n\nThe spooler stops.\n\n{far}\n\n{far}");
        let at = md.find("spooler").unwrap();
        let piece = around(&md, at).unwrap();
        assert!(piece.starts_with("Some words.") && piece.contains("The spooler stops."));
        // The third long paragraph is out of reach; the second ends at its blank line.
        assert!(
            piece.len() < 2 * far.len(),
            "{} of {}",
            piece.len(),
            md.len()
        );
        let end = md.find(piece).unwrap() + piece.len();
        assert!(md[end..].starts_with("\n\n"));
        // A match near the start keeps the start; one long paragraph is cut at lines.
        assert!(around(&md, 3).unwrap().starts_with("Unrelated"));
        let lines = "a line of a long table\n".repeat(200);
        let at = lines.len() / 2;
        let piece = around(&lines, at).unwrap();
        assert!(
            piece.len() < 3000 && piece.starts_with("a line"),
            "{piece:?}"
        );
        // Never inside a fenced block: from its fence.
        let fenced = format!(
            "Intro.\n\n```\n{}\n\nspooler here\n```\n\n[link](/kb/Q1)",
            "code line\n\n".repeat(90)
        );
        let piece = around(&fenced, fenced.find("spooler").unwrap()).unwrap();
        assert!(piece.starts_with("```"), "{piece:?}");
        assert!(to_text(piece).contains("link") && !to_text(piece).contains("]("));
        // Never from an indented line: in a list item it would render as code.
        let item = format!(
            "1. Step one\n\n    {}\n\n    More.",
            "indented words ".repeat(80)
        );
        let piece = around(&item, item.len() - 5)
            .map(to_text)
            .unwrap_or_default();
        assert!(piece.is_empty() || piece.starts_with("1."), "{piece:?}");
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
