//! The text analyzer of every text field: words, their letter and digit parts, stems.
//!
//! Helpdesk text glues letters and digits into names (`ENC9632.EXE`, `MSVBVM60.DLL`,
//! `Win95`) that people search by their parts (`msvbvm`, `enc`). This tokenizer emits
//! each alphanumeric run as a token and, when the run mixes letters and digits, also each
//! letter part and digit part at the *same position*, so phrases over whole words still
//! match. Then tokens over 40 bytes are dropped, the rest lower-cased and stemmed
//! (English). Queries take only the first token of each position: the whole word.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered in every index.
pub const NAME: &str = "kb_en";

/// The analyzer: [`PartsTokenizer`], long-token removal, lower case, English stems.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(PartsTokenizer::default())
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
        let mut position = 0;
        let mut start: Option<usize> = None;
        let bytes_end = text.len();
        for (i, c) in text.char_indices().chain(std::iter::once((bytes_end, ' '))) {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    self.push_run(text, s, i, position);
                    position += 1;
                    start = None;
                }
                _ => {}
            }
        }
        PartsStream {
            tokens: &mut self.tokens[..self.len],
            next: 0,
        }
    }
}

impl PartsTokenizer {
    /// Appends a token, reusing a buffer slot when there is one.
    fn push(&mut self, text: &str, from: usize, to: usize, position: usize) {
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let t = &mut self.tokens[self.len];
        t.offset_from = from;
        t.offset_to = to;
        t.position = position;
        t.position_length = 1;
        t.text.clear();
        t.text.push_str(&text[from..to]);
        self.len += 1;
    }

    /// The run `text[from..to]`, then its parts when it mixes letters and digits.
    fn push_run(&mut self, text: &str, from: usize, to: usize, position: usize) {
        self.push(text, from, to, position);
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
                self.push(text, part_start, from + i, position);
                part_start = from + i;
            }
            digits = Some(d);
        }
        self.push(text, part_start, to, position);
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
}
