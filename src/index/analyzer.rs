//! The text analyzer of every text field: words, their letter and digit parts, stems.
//!
//! Helpdesk text glues letters and digits into names (`ENC9632.EXE`, `MSVBVM60.DLL`,
//! `Win95`) that people search by their parts (`msvbvm`, `enc`). This tokenizer emits
//! each alphanumeric run as a token and, when the run mixes letters and digits, also each
//! letter part and digit part at the *same position*, so phrases over whole words still
//! match. Then tokens over 40 bytes are dropped, the rest lower-cased and stemmed
//! (English). Words joined by hyphens are also emitted joined (`e-mail` → `email`), at
//! the last part's position, after it. Query words keep only the tokens no other token's
//! text contains (the whole word, the joined word); phrases keep the first token at each
//! position (the parts, in order).

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered in every index.
pub const NAME: &str = "kb_en";

/// The analyzer: [`PartsTokenizer`], long-token removal, lower case, English stems.
pub fn analyzer() -> TextAnalyzer {
    build(PartsTokenizer {
        join_hyphens: true,
        ..PartsTokenizer::default()
    })
}

/// The analyzer without the joined hyphenated words, for highlighting stored text: a
/// joined word spans its parts' text from before their last position, and snippets need
/// tokens whose offsets never go back.
pub fn snippet_analyzer() -> TextAnalyzer {
    build(PartsTokenizer::default())
}

fn build(tokenizer: PartsTokenizer) -> TextAnalyzer {
    TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Splits on anything not alphanumeric; adds the letter and digit parts of mixed runs.
///
/// Token buffers are reused from one text to the next, so indexing allocates only
/// while the buffer grows.
#[derive(Clone, Default)]
pub struct PartsTokenizer {
    tokens: Vec<Token>,
    len: usize,
    /// The alphanumeric runs of the text being split, `(from, to)` in bytes.
    runs: Vec<(usize, usize)>,
    /// Whether hyphenated words are also emitted joined.
    join_hyphens: bool,
}

/// The tokens of one text.
pub struct PartsStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for PartsTokenizer {
    type TokenStream<'a> = PartsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PartsStream<'a> {
        self.len = 0;
        let mut runs = std::mem::take(&mut self.runs);
        runs.clear();
        let mut start: Option<usize> = None;
        let bytes_end = text.len();
        for (i, c) in text.char_indices().chain(std::iter::once((bytes_end, ' '))) {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    runs.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        let bytes = text.as_bytes();
        let mut position = 0;
        let mut k = 0;
        while k < runs.len() {
            // Runs joined by single hyphens (`e-mail`, `set-up`, `plug-and-play`) are
            // also one word without them, at the last run's position (so a phrase that
            // goes on from it still lines up): `email` finds `e-mail`, and a query
            // `e-mail` asks for `email` alone (see `search::plan`).
            let mut m = k;
            while self.join_hyphens
                && m + 1 < runs.len()
                && runs[m].1 + 1 == runs[m + 1].0
                && bytes[runs[m].1] == b'-'
            {
                m += 1;
            }
            for &(from, to) in &runs[k..=m] {
                self.push_run(text, from, to, position);
                position += 1;
            }
            if m > k {
                let joined: String = text[runs[k].0..runs[m].1]
                    .chars()
                    .filter(|&c| c != '-')
                    .collect();
                self.push(&joined, runs[k].0, runs[m].1, position - 1);
            }
            k = m + 1;
        }
        self.runs = runs;
        PartsStream {
            tokens: &mut self.tokens[..self.len],
            next: 0,
        }
    }
}

impl PartsTokenizer {
    /// Appends the token `word` found at `text[from..to]`, reusing a buffer slot when
    /// there is one.
    fn push(&mut self, word: &str, from: usize, to: usize, position: usize) {
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let t = &mut self.tokens[self.len];
        t.offset_from = from;
        t.offset_to = to;
        t.position = position;
        t.position_length = 1;
        t.text.clear();
        t.text.push_str(word);
        self.len += 1;
    }

    /// The run `text[from..to]`, then its parts when it mixes letters and digits.
    fn push_run(&mut self, text: &str, from: usize, to: usize, position: usize) {
        self.push(&text[from..to], from, to, position);
        let run = &text[from..to];
        let has_digit = run.chars().any(|c| c.is_ascii_digit());
        let has_letter = run.chars().any(|c| !c.is_ascii_digit());
        if !(has_digit && has_letter) {
            return;
        }
        let mut part_start = from;
        let mut digits = None;
        for (i, c) in run.char_indices() {
            let d = c.is_ascii_digit();
            if digits.is_some_and(|prev| prev != d) {
                self.push(&text[part_start..from + i], part_start, from + i, position);
                part_start = from + i;
            }
            digits = Some(d);
        }
        self.push(&text[part_start..to], part_start, to, position);
    }
}

impl TokenStream for PartsStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize)> {
        let mut a = analyzer();
        let mut out = Vec::new();
        a.token_stream(text)
            .process(&mut |t| out.push((t.text.clone(), t.position)));
        out
    }

    #[test]
    fn mixed_runs_also_give_their_parts_at_one_position() {
        assert_eq!(
            tokens("ENC9632 caused errors"),
            [
                ("enc9632".into(), 0),
                ("enc".into(), 0),
                ("9632".into(), 0),
                ("caus".into(), 1),
                ("error".into(), 2)
            ]
        );
        assert_eq!(tokens("0x80070005")[0].0, "0x80070005");
        assert_eq!(
            tokens("café 5058"),
            [("café".into(), 0), ("5058".into(), 1)]
        );
        assert!(tokens("").is_empty());
    }

    #[test]
    fn hyphenated_words_are_also_one_word_at_their_last_position() {
        assert_eq!(
            tokens("the e-mail server"),
            [
                ("the".into(), 0),
                ("e".into(), 1),
                ("mail".into(), 2),
                ("email".into(), 2),
                ("server".into(), 3)
            ]
        );
        assert_eq!(tokens("plug-and-play")[3].0, "plugandplay");
        // Not a chain: spaces, doubled hyphens.
        assert_eq!(tokens("log - on").len(), 2);
        assert_eq!(tokens("a--b").len(), 2);
    }
}
