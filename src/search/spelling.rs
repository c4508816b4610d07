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
/// Near spellings of a word no article holds that the loose pass of a search looks for
/// in its place, the most frequent first.
pub const NEAR_SPELLINGS: usize = 3;
/// Shortest word corrected: short words have too many neighbours to guess among.
const MIN_LETTERS: usize = 4;

/// A word one edit from a query's word that the index has.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    /// As written (`exchange`): what "Did you mean" shows.
    pub word: String,
    /// As indexed (`exchang`): what a search for it looks up.
    pub token: String,
    /// Articles holding it.
    pub docs: u64,
}

/// A rare word of a query and its neighbours in the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Rare {
    /// The word as indexed, when it analyses to one token.
    pub token: Option<String>,
    /// Articles holding it.
    pub docs: u64,
    /// Every word one edit away that some article holds, most frequent first.
    pub neighbours: Vec<Neighbour>,
}

/// A rare word's neighbours in the index: `None` when `word` is not rare (in more than
/// [`RARE_DOCS`] articles), too short, or not a plain lower-case word once lowered.
/// `df` gives the number of articles holding an analysed token.
pub fn near(word: &str, analyzer: &mut TextAnalyzer, df: &dyn Fn(&str) -> u64) -> Option<Rare> {
    let lower = word.to_lowercase();
    if lower.chars().count() < MIN_LETTERS || !lower.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut token_of = |w: &str| -> Option<String> {
        let mut tokens = Vec::new();
        analyzer
            .token_stream(w)
            .process(&mut |t| tokens.push(t.text.clone()));
        match tokens.as_mut_slice() {
            [one] => Some(std::mem::take(one)),
            _ => None,
        }
    };
    let own_token = token_of(&lower);
    let own = own_token.as_deref().map_or(0, df);
    if own > RARE_DOCS {
        return None;
    }
    let mut found: Vec<Neighbour> = Vec::new();
    for candidate in neighbours(&lower) {
        let Some(token) = token_of(&candidate) else {
            continue;
        };
        // Words of one stem (`printer`, `printers`) are one neighbour: the first in the
        // alphabet stands for them.
        if found.iter().any(|n| n.token == token) {
            continue;
        }
        let docs = df(&token);
        if docs > 0 {
            found.push(Neighbour {
                word: candidate,
                token,
                docs,
            });
        }
    }
    found.sort_by(|a, b| b.docs.cmp(&a.docs).then_with(|| a.word.cmp(&b.word)));
    Some(Rare {
        token: own_token,
        docs: own,
        neighbours: found,
    })
}

/// The correction of a rare word ([`near`]): its most frequent neighbour, if that is in
/// [`MORE_FREQUENT`] times as many articles and in [`MIN_CORRECTED_DOCS`] at least. A
/// small index of `num_docs` asks less ([`MIN_CORRECTED_DOCS`] or one in a thousand
/// articles, whichever is fewer).
pub fn correction(rare: &Rare, num_docs: u64) -> Option<&str> {
    let need = (rare.docs * MORE_FREQUENT).max(MIN_CORRECTED_DOCS.min(1 + num_docs / 1000));
    rare.neighbours
        .first()
        .filter(|n| n.docs >= need)
        .map(|n| n.word.as_str())
}

/// The correction of `word`, if it is a rare word with a much more frequent neighbour
/// ([`near`], then [`correction`]).
pub fn correct(
    word: &str,
    analyzer: &mut TextAnalyzer,
    df: &dyn Fn(&str) -> u64,
    num_docs: u64,
) -> Option<String> {
    let rare = near(word, analyzer, df)?;
    correction(&rare, num_docs).map(str::to_owned)
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
