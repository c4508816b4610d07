//! "Did you mean …": a query word the index barely knows, replaced by a much more
//! frequent word one edit away.
//!
//! Typos in helpdesk queries are single slips in long words (`exchnage`, `seletcing`,
//! `printng`). A word is a candidate when it is rare — in at most [`RARE_DOCS`] articles
//! — and a correction only when some word one edit away (a letter dropped, added,
//! changed, or two neighbours swapped) is in at least [`MORE_FREQUENT`] times as many
//! articles and in [`MIN_CORRECTED_DOCS`] at least: a rare word that is right (a product
//! or file name) has no such neighbour and stays. Neighbours are written out from the
//! word and looked up through the analyzer, so the suggestion is a word as people type
//! it (`exchange`, not the index's stem `exchang`); the lookups are a few hundred term
//! lookups per rare word, and only the first [`MAX_CORRECTED_WORDS`] words are tried.

use tantivy::tokenizer::TextAnalyzer;

/// Most articles a word may be in and still be taken for a typo.
pub const RARE_DOCS: u64 = 2;
/// How many times more articles the correction must be in.
pub const MORE_FREQUENT: u64 = 20;
/// Fewest articles the correction must be in.
pub const MIN_CORRECTED_DOCS: u64 = 20;
/// Words of one query tried for a correction.
pub const MAX_CORRECTED_WORDS: usize = 8;
/// Shortest word corrected: short words have too many neighbours to guess among.
const MIN_LETTERS: usize = 4;

/// The correction of `word`, if it is a rare word with a much more frequent neighbour;
/// `df` gives the number of articles holding an analysed token, of `num_docs`. A small
/// index asks less of the correction ([`MIN_CORRECTED_DOCS`] or one in a thousand
/// articles, whichever is fewer).
pub fn correct(
    word: &str,
    analyzer: &mut TextAnalyzer,
    df: &dyn Fn(&str) -> u64,
    num_docs: u64,
) -> Option<String> {
    let lower = word.to_lowercase();
    if lower.chars().count() < MIN_LETTERS || !lower.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let freq = |w: &str, analyzer: &mut TextAnalyzer| -> u64 {
        let mut tokens = Vec::new();
        analyzer
            .token_stream(w)
            .process(&mut |t| tokens.push(t.text.clone()));
        match tokens.as_slice() {
            [one] => df(one),
            _ => 0,
        }
    };
    let own = freq(&lower, analyzer);
    if own > RARE_DOCS {
        return None;
    }
    let need = (own * MORE_FREQUENT).max(MIN_CORRECTED_DOCS.min(1 + num_docs / 1000));
    let mut best: Option<(u64, String)> = None;
    for candidate in neighbours(&lower) {
        let n = freq(&candidate, analyzer);
        if n >= need && best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, candidate));
        }
    }
    best.map(|(_, w)| w)
}

/// Every word one edit from `word` (ASCII letters): deletions, swaps of neighbours,
/// changes and insertions.
fn neighbours(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = Vec::with_capacity(54 * n + 25);
    let make = |v: &[char]| v.iter().collect::<String>();
    for i in 0..n {
        let mut v = chars.clone();
        v.remove(i);
        out.push(make(&v));
        if i + 1 < n && chars[i] != chars[i + 1] {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            out.push(make(&v));
        }
        for c in 'a'..='z' {
            if c != chars[i] {
                let mut v = chars.clone();
                v[i] = c;
                out.push(make(&v));
            }
        }
    }
    for i in 0..=n {
        for c in 'a'..='z' {
            let mut v = chars.clone();
            v.insert(i, c);
            out.push(make(&v));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(token: &str) -> u64 {
        match token {
            "exchang" => 5000,
            "select" => 900,
            "exchnag" => 0,
            "spool" => 30,
            "spoolsv" => 2,
            _ => 0,
        }
    }

    #[test]
    fn a_rare_word_gets_its_frequent_neighbour_and_a_right_rare_word_stays() {
        let mut a = crate::index::analyzer::analyzer();
        let n = 50_000;
        assert_eq!(
            correct("exchnage", &mut a, &df, n).as_deref(),
            Some("exchange")
        );
        assert_eq!(
            correct("Exchnage", &mut a, &df, n).as_deref(),
            Some("exchange")
        );
        assert_eq!(
            correct("exchange", &mut a, &df, n),
            None,
            "known words stay"
        );
        assert_eq!(
            correct("spoolsv", &mut a, &df, n),
            None,
            "no neighbour is frequent enough"
        );
        assert_eq!(correct("abc", &mut a, &df, n), None, "too short");
        assert_eq!(correct("0x80070005", &mut a, &df, n), None);
    }

    #[test]
    fn neighbours_are_one_edit_away() {
        let n = neighbours("abc");
        for w in ["bc", "bac", "abd", "abcd", "xabc"] {
            assert!(n.contains(&w.to_owned()), "{w}");
        }
        assert!(!n.contains(&"abc".to_owned()));
    }
}
