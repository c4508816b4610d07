//! "Did you mean …": a query word the index barely knows, replaced by a much more
//! frequent word one edit away.
//!
//! Typos in helpdesk queries are single slips in long words (`exchnage`, `seletcing`,
//! `outlok`). A word is a candidate when it is rare — in at most [`RARE_DOCS`] articles
//! — and a correction only when some word one edit away (a letter dropped, added,
//! changed, or two neighbours swapped) is in at least [`MORE_FREQUENT`] times as many
//! articles and in [`MIN_CORRECTED_DOCS`] at least: a rare word that is right (a product
//! or file name) has no such neighbour and stays. Neighbours are the index's own tokens
//! one edit from the word's stem, found by walking the term dictionaries with a
//! Levenshtein automaton (one walk per field and segment, not hundreds of lookups), and
//! written back with the word's ending, so the suggestion is a word as people type it
//! (`exchange`, not the index's stem `exchang`). A slip that also hides the word's
//! ending from the stemmer (`printng`, stemmed as it is, two edits from `print`) is not
//! corrected. Only the first [`MAX_CORRECTED_WORDS`] words are tried.

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

/// How many articles hold each indexed token one edit from a token: the index's
/// neighbours of a token, found by one walk of its term dictionaries.
pub type IndexedNear<'a> = &'a dyn Fn(&str) -> Vec<(String, u64)>;

/// A rare word's neighbours in the index: `None` when `word` is not rare (in more than
/// [`RARE_DOCS`] articles), too short, or not a plain lower-case word once lowered.
/// `df` gives the number of articles holding an analysed token, `indexed` the indexed
/// tokens one edit from one. The neighbours are edits of the word's stem, written back
/// with the word's own ending (`seletcing` is stemmed `seletc`, whose neighbour `select`
/// is shown as `selecting`).
pub fn near(
    word: &str,
    analyzer: &mut TextAnalyzer,
    df: &dyn Fn(&str) -> u64,
    indexed: IndexedNear<'_>,
) -> Option<Rare> {
    let lower = word.to_lowercase();
    if lower.chars().count() < MIN_LETTERS || !lower.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut tokens = Vec::new();
    analyzer
        .token_stream(&lower)
        .process(&mut |t| tokens.push(t.text.clone()));
    let [stem] = tokens.as_slice() else {
        return None;
    };
    let docs = df(stem);
    if docs > RARE_DOCS {
        return None;
    }
    // The stem's tail past what it shares with the word (`i` of `happi` for `hapy`)
    // gives way to the word's own ending.
    let shared = stem
        .bytes()
        .zip(lower.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let (stem_tail, ending) = (&stem[shared..], &lower[shared..]);
    let mut neighbours: Vec<Neighbour> = indexed(stem)
        .into_iter()
        .filter(|(token, n)| {
            *n > 0 && token != stem && token.bytes().all(|c| c.is_ascii_lowercase())
        })
        .map(|(token, docs)| {
            let word = match token.strip_suffix(stem_tail) {
                Some(head) if !head.is_empty() => format!("{head}{ending}"),
                _ => token.clone(),
            };
            Neighbour { word, token, docs }
        })
        .collect();
    neighbours.sort_by(|a, b| b.docs.cmp(&a.docs).then_with(|| a.word.cmp(&b.word)));
    Some(Rare {
        token: Some(stem.clone()),
        docs,
        neighbours,
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
    indexed: IndexedNear<'_>,
    num_docs: u64,
) -> Option<String> {
    let rare = near(word, analyzer, df, indexed)?;
    correction(&rare, num_docs).map(str::to_owned)
}

/// Every word one edit from `word` (ASCII letters): deletions, swaps of neighbours,
/// changes and insertions; what the index's automaton walk finds, written out, for tests.
#[cfg(test)]
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

    /// The index's tokens one edit from `token`, by the fake frequencies of [`df`].
    fn indexed(token: &str) -> Vec<(String, u64)> {
        neighbours(token)
            .into_iter()
            .map(|t| {
                let n = df(&t);
                (t, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    #[test]
    fn a_rare_word_gets_its_frequent_neighbour_and_a_right_rare_word_stays() {
        let mut a = crate::index::analyzer::analyzer();
        let n = 50_000;
        assert_eq!(
            correct("seletcing", &mut a, &df, &indexed, n).as_deref(),
            Some("selecting"),
            "the word's own ending is kept"
        );
        assert_eq!(
            correct("exchnage", &mut a, &df, &indexed, n).as_deref(),
            Some("exchange")
        );
        assert_eq!(
            correct("Exchnage", &mut a, &df, &indexed, n).as_deref(),
            Some("exchange")
        );
        assert_eq!(
            correct("exchange", &mut a, &df, &indexed, n),
            None,
            "known words stay"
        );
        assert_eq!(
            correct("spoolsv", &mut a, &df, &indexed, n),
            None,
            "no neighbour is frequent enough"
        );
        assert_eq!(correct("abc", &mut a, &df, &indexed, n), None, "too short");
        assert_eq!(correct("0x80070005", &mut a, &df, &indexed, n), None);
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
