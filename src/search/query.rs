//! Query understanding: one search box, parsed into what the user meant.
//!
//! The language of DESIGN §4: words, `"phrases"`, `-excluded`, `OR`, fields (`title:`,
//! `product:`, `source:`, `event:`, `code:`, `id:`), and, without any syntax, event IDs
//! (`event id 5058`, `eventid=5058`, a bare `5058`), event source + ID (`MSExchangeIS
//! 1000`, recognised from the sources the index knows), article ids (`Q190698`,
//! `KB190698`, `190698`) and error or STOP codes (`0x80070005`, `80070005`,
//! `-2147024891`, `STOP 0x0000007B`, `0x7B`, `stop 7b`). Parsing never fails: whatever
//! is not understood is a word. No tantivy here; [`super::plan`] turns the result into a
//! query.
//!
//! Over 500 lines with its unit tests (about 470 without): the query language is one
//! grammar, and its recognisers (ids, codes, event forms, sources) share one tokenisation;
//! split, each piece would need the others' state.

use serde::Serialize;

use crate::extract;

/// A field a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldName {
    /// `title:`
    Title,
    /// `product:`
    Product,
    /// `source:`
    Source,
}

/// One thing to match: a word, a phrase, or a value in a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Item {
    /// A word.
    Word(String),
    /// Words that must appear together, in order.
    Phrase(String),
    /// A value in one field.
    Field(FieldName, String),
}

/// Items of which one must match (`a OR b`), possibly excluded (`-a`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clause {
    /// The alternatives; usually one.
    pub any_of: Vec<Item>,
    /// Excluded: no result may match it.
    pub negated: bool,
}

/// What a query asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParsedQuery {
    /// Article ids, normalised (`Q190698`).
    pub article_ids: Vec<String>,
    /// Event IDs.
    pub event_ids: Vec<u32>,
    /// Event sources recognised, lower-cased.
    pub sources: Vec<String>,
    /// Source + event ID pairs (`msexchangeis`, 1000).
    pub source_events: Vec<(String, u32)>,
    /// The pairs as typed, when the engine turned [`ParsedQuery::source_events`] into
    /// the index's source keys: an article that writes the source as the query does
    /// comes first among those naming the same source.
    pub source_spellings: Vec<(String, u32)>,
    /// Error and STOP codes, normalised (`0x0000007B`).
    pub codes: Vec<String>,
    /// Everything else.
    pub clauses: Vec<Clause>,
    /// The words only rank what the ids, events and codes find, and select nothing
    /// themselves: set for pasted text, whose words describe the problem in the paste's
    /// own terms rather than ask for articles holding them all. Without anything
    /// structured, the words select as in a search.
    pub words_rank_only: bool,
}

impl ParsedQuery {
    /// True when nothing structured was recognised and no words remain.
    pub fn is_empty(&self) -> bool {
        self.article_ids.is_empty()
            && self.event_ids.is_empty()
            && self.source_events.is_empty()
            && self.codes.is_empty()
            && self.clauses.is_empty()
    }
}

/// A token of the raw query.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    negated: bool,
    quoted: bool,
    field: Option<String>,
}

/// Punctuation trimmed from the ends of plain tokens.
const EDGE: &[char] = &[
    '(', ')', '[', ']', '{', '}', '<', '>', ',', ';', '.', '!', '?', '\'', '"', '*', '^', '~', '`',
    '+', '|', '&', '=',
];

/// Parses `q`. `is_source` tells whether a lower-cased phrase is a known event source.
pub fn parse(q: &str, is_source: &dyn Fn(&str) -> bool) -> ParsedQuery {
    let tokens = tokenize(q);
    let mut out = ParsedQuery::default();
    let plain: Vec<bool> = tokens
        .iter()
        .map(|t| !t.quoted && t.field.is_none() && !t.negated)
        .collect();
    let words_in_query = tokens
        .iter()
        .filter(|t| !is_number(t.text.trim_matches(EDGE)))
        .count();
    let mut i = 0;
    let mut pending_or = false;
    while i < tokens.len() {
        let t = &tokens[i];
        if plain[i] && t.text == "OR" && !out.clauses.is_empty() && i + 1 < tokens.len() {
            pending_or = true;
            i += 1;
            continue;
        }
        let item = if let Some(field) = &t.field {
            field_item(field, &t.text, &mut out)
        } else if t.quoted {
            Some(Item::Phrase(t.text.clone()))
        } else if plain[i] {
            match recognise(&tokens, &plain, i, words_in_query, is_source, &mut out) {
                Some(consumed) => {
                    i += consumed;
                    continue;
                }
                None => word(&t.text),
            }
        } else {
            word(&t.text)
        };
        if let Some(item) = item {
            match out.clauses.last_mut() {
                Some(last) if pending_or && !last.negated && !t.negated => last.any_of.push(item),
                _ => out.clauses.push(Clause {
                    any_of: vec![item],
                    negated: t.negated,
                }),
            }
        }
        pending_or = false;
        i += 1;
    }
    out
}

fn word(text: &str) -> Option<Item> {
    let w = text.trim_matches(EDGE);
    (w.chars().any(char::is_alphanumeric)).then(|| Item::Word(w.to_owned()))
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `field:value`: known fields become items or structured values; others are words.
fn field_item(field: &str, value: &str, out: &mut ParsedQuery) -> Option<Item> {
    let value = value.trim();
    match field {
        "title" => Some(Item::Field(FieldName::Title, value.to_owned())),
        "product" => Some(Item::Field(FieldName::Product, value.to_owned())),
        "source" => Some(Item::Field(FieldName::Source, value.to_lowercase())),
        "event" => {
            match value.trim_matches(EDGE).parse::<u32>() {
                Ok(n) => push_unique(&mut out.event_ids, n),
                _ => return word(value),
            }
            None
        }
        "code" => {
            match code(value) {
                Some(c) => push_unique(&mut out.codes, c),
                None => return word(value),
            }
            None
        }
        "id" => {
            match article_id(value) {
                Some(id) => push_unique(&mut out.article_ids, id),
                // A team's own ids (`KBA1007`, `HD-12`) are ids too when asked for so.
                None if crate::article::is_valid_id(value.trim_matches(EDGE)) => {
                    push_unique(&mut out.article_ids, value.trim_matches(EDGE).to_owned());
                }
                None => return word(value),
            }
            None
        }
        _ => word(&format!("{field}:{value}")),
    }
}

/// Tries the recognisers at token `i`; returns how many tokens were consumed.
fn recognise(
    tokens: &[Token],
    plain: &[bool],
    i: usize,
    words_in_query: usize,
    is_source: &dyn Fn(&str) -> bool,
    out: &mut ParsedQuery,
) -> Option<usize> {
    let at = |j: usize| -> Option<&str> {
        (j < tokens.len() && plain[j]).then(|| tokens[j].text.trim_matches(EDGE))
    };
    let t = at(i)?;
    let lower = t.to_lowercase();

    // event id 5058 / event 5058 / eventid=5058 / event ids 7000 and 7001
    let joined_event = ["eventid", "event_id", "event-id", "evtid", "event"]
        .iter()
        .find_map(|p| {
            lower
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix(['=', ':', '#']))
                .filter(|r| is_number(r))
        });
    if let Some(n) = joined_event.and_then(|n| n.parse::<u32>().ok()) {
        push_unique(&mut out.event_ids, n);
        return Some(1);
    }
    if let Some((found, consumed)) = event_words(&at, i) {
        found
            .into_iter()
            .for_each(|n| push_unique(&mut out.event_ids, n));
        return Some(consumed);
    }

    // STOP 0x0000007B / stop 7b / STOP: c000021a. `BugCheck 1001` is the event the
    // BugCheck source logs after a crash when the index knows that source: a bare decimal
    // number after it is its event ID, not a code (codes after it are written in hex).
    let bugcheck_event = lower == "bugcheck"
        && is_source("bugcheck")
        && at(i + 1).is_some_and(|w| is_number(w) && !w.starts_with('0'));
    if (lower == "stop" || lower == "stop:" || lower == "bugcheck") && !bugcheck_event {
        let mut j = i + 1;
        if at(j).is_some_and(|w| {
            matches!(
                w.to_lowercase().as_str(),
                "error" | "code" | "message" | ":"
            )
        }) {
            j += 1;
        }
        if let Some(c) = at(j).and_then(stop_code) {
            push_unique(&mut out.codes, c);
            return Some(j + 1 - i);
        }
        // `stop e`, `stop 7b`'s all-letter cousins: one or two hex letters are a code only
        // at the end of the query or before words of a crash (`stop a service` is not).
        let crash_or_end = at(j + 1).is_none_or(|w| {
            matches!(
                w.to_lowercase().as_str(),
                "blue" | "screen" | "bsod" | "error" | "crash"
            )
        });
        if let Some(c) = at(j)
            .filter(|w| w.len() <= 2 && w.bytes().all(|b| b.is_ascii_hexdigit()) && crash_or_end)
            .and_then(extract::normalize_hex)
        {
            push_unique(&mut out.codes, c);
            return Some(j + 1 - i);
        }
    }
    if let Some(rest) = lower.strip_prefix("stop:").filter(|r| !r.is_empty()) {
        if let Some(c) = stop_code(rest) {
            push_unique(&mut out.codes, c);
            return Some(1);
        }
    }

    if let Some(id) = article_id(t) {
        push_unique(&mut out.article_ids, id);
        return Some(1);
    }
    if let Some(c) = code(t) {
        push_unique(&mut out.codes, c);
        return Some(1);
    }

    // Source + event ID, the source possibly several words: "Service Control Manager 7000".
    for n in (1..=4).rev() {
        if i + n > tokens.len() || !(i..i + n).all(|j| plain[j]) {
            continue;
        }
        let phrase = tokens[i..i + n]
            .iter()
            .map(|t| t.text.trim_matches(EDGE).to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        if !is_source(&phrase) {
            continue;
        }
        let event = at(i + n).and_then(|w| w.parse::<u32>().ok());
        let before = i
            .checked_sub(1)
            .and_then(at)
            .and_then(|w| w.parse::<u32>().ok());
        if let Some(e) = event.or(before) {
            push_unique(&mut out.sources, phrase.clone());
            push_unique(&mut out.source_events, (phrase, e));
            push_unique(&mut out.event_ids, e);
            return Some(n + usize::from(event.is_some()));
        }
        // "userenv event 1030", "MSExchangeIS event id 1000": the event recogniser takes
        // the rest.
        if let Some(e) = event_after(&at, i + n) {
            push_unique(&mut out.sources, phrase.clone());
            push_unique(&mut out.source_events, (phrase, e));
            return Some(n);
        }
        // A source name alone is the query; anywhere else it is only words: "exchange
        // server wont start" is about no event source `server`.
        if n == tokens.len() {
            push_unique(&mut out.sources, phrase);
        }
        break;
    }

    // A bare number: an article id (5-6 digits) and, in a short query, an event ID; and
    // always a word too, so that a number that is neither (Exchange's event 94086, a
    // port, a build number) finds the articles that name it, below those that have it
    // as an id.
    if is_number(t) && t.len() <= 7 {
        let n: u32 = t.parse().ok()?;
        if (5..=6).contains(&t.trim_start_matches('0').len()) {
            push_unique(
                &mut out.article_ids,
                format!("Q{}", t.trim_start_matches('0')),
            );
        }
        // Up to 5 digits, as event IDs are written in text (Exchange's go past 65535).
        if (1..=99_999).contains(&n) && words_in_query <= 1 {
            push_unique(&mut out.event_ids, n);
        }
    }
    None
}

/// The event IDs of "event id 5058", "event 1030", "event ids 7000 and 7001" starting at
/// token `j`, and how many tokens they take.
fn event_words<'a>(at: &impl Fn(usize) -> Option<&'a str>, j: usize) -> Option<(Vec<u32>, usize)> {
    let first = at(j)?.to_lowercase();
    if !matches!(
        first.as_str(),
        "event" | "events" | "eventid" | "eventids" | "event-id"
    ) {
        return None;
    }
    let mut k = j + 1;
    if at(k).is_some_and(|w| {
        matches!(
            w.to_lowercase().as_str(),
            "id" | "ids" | "id's" | "no" | "number"
        )
    }) {
        k += 1;
    }
    let mut found = Vec::new();
    while let Some(w) = at(k) {
        let w = w.trim_start_matches('#');
        match w.parse::<u32>() {
            Ok(n) => found.push(n),
            _ if !found.is_empty() && matches!(w, "and" | "or" | "&") => {}
            _ => break,
        }
        k += 1;
    }
    (!found.is_empty()).then_some((found, k - j))
}

/// The first event ID of [`event_words`] at token `j`: the event a source before it names.
fn event_after<'a>(at: &impl Fn(usize) -> Option<&'a str>, j: usize) -> Option<u32> {
    event_words(at, j).map(|(found, _)| found[0])
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// `Q190698`, `q190698`, `KB190698`, `kb 190698` → `Q190698` (leading zeros dropped).
pub fn article_id(s: &str) -> Option<String> {
    let s = s.trim_matches(EDGE);
    let lower = s.to_ascii_lowercase();
    let digits = lower
        .strip_prefix("kb")
        .or_else(|| lower.strip_prefix('q'))?;
    let number = digits.trim_start_matches('0');
    // `KB000000` names no article: there is no number left once the zeros go.
    (is_number(digits) && (3..=7).contains(&digits.len()) && !number.is_empty())
        .then(|| format!("Q{number}"))
}

/// An error code: `0x` + 1-8 hex digits, 8 bare hex digits in the HRESULT/NTSTATUS spaces
/// (`80070005`, `C0000005`), or the signed decimal form tools print (`-2147024891`).
pub fn code(s: &str) -> Option<String> {
    let s = s.trim_matches(EDGE);
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| extract::normalize_hex(hex))
            .flatten();
    }
    let bare = s.strip_suffix(['h', 'H']).unwrap_or(s);
    // Eight bare hex digits: in the HRESULT/NTSTATUS spaces, or any that mix digits and
    // letters (`A1000AA7`), which no word or number does.
    if bare.len() == 8
        && bare.bytes().all(|b| b.is_ascii_hexdigit())
        && bare.bytes().any(|b| b.is_ascii_digit())
        && (matches!(bare.as_bytes()[0], b'8' | b'c' | b'C')
            || bare.bytes().any(|b| b.is_ascii_alphabetic()))
    {
        return extract::normalize_hex(bare);
    }
    if let Some(neg) = s.strip_prefix('-') {
        if is_number(neg) && neg.len() >= 9 {
            let n: i64 = s.parse().ok()?;
            if (i64::from(i32::MIN)..0).contains(&n) {
                return Some(format!("0x{:08X}", n as i32 as u32));
            }
        }
    }
    None
}

/// The value after `STOP`: hex with or without `0x`, at least one digit when bare.
fn stop_code(s: &str) -> Option<String> {
    let s = s.trim_matches(EDGE).trim_start_matches(':');
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let ok = !hex.is_empty()
        && hex.len() <= 8
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && (s.len() != hex.len() || hex.bytes().any(|b| b.is_ascii_digit()));
    ok.then(|| extract::normalize_hex(hex)).flatten()
}

/// Splits the raw query into tokens: quoted phrases (an unclosed quote is not a phrase),
/// `-` exclusions, `field:value`.
fn tokenize(q: &str) -> Vec<Token> {
    const FIELDS: [&str; 6] = ["title", "product", "source", "event", "code", "id"];
    let mut tokens = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut negated = false;
        if chars[i] == '-'
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && !c.is_ascii_digit() && *c != '-')
        {
            negated = true;
            i += 1;
        }
        if chars[i] == '"' {
            if let Some(len) = chars[i + 1..].iter().position(|&c| c == '"') {
                let text: String = chars[i + 1..i + 1 + len].iter().collect();
                if text.chars().any(char::is_alphanumeric) {
                    tokens.push(Token {
                        text,
                        negated,
                        quoted: true,
                        field: None,
                    });
                }
                i += len + 2;
                continue;
            }
            i += 1; // an unbalanced quote: the rest is words
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let raw: String = chars[start..i].iter().collect();
        if let Some((name, value)) = raw.split_once(':') {
            let name_lower = name.to_ascii_lowercase();
            if FIELDS.contains(&name_lower.as_str()) {
                let mut value = value.to_owned();
                // field:"a phrase"
                if value.starts_with('"') {
                    let rest: String = chars[start + name.len() + 2..].iter().collect();
                    if let Some(len) = rest.find('"') {
                        value = rest[..len].to_owned();
                        i = start + name.len() + 2 + rest[..len].chars().count() + 1;
                    } else {
                        value = value.trim_matches('"').to_owned();
                    }
                }
                if !value.trim().is_empty() {
                    tokens.push(Token {
                        text: value,
                        negated,
                        quoted: false,
                        field: Some(name_lower),
                    });
                }
                continue;
            }
        }
        tokens.push(Token {
            text: raw,
            negated,
            quoted: false,
            field: None,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> ParsedQuery {
        parse(q, &|s| {
            matches!(s, "msexchangeis" | "userenv" | "service control manager")
        })
    }

    fn words(q: &ParsedQuery) -> Vec<String> {
        q.clauses
            .iter()
            .flat_map(|c| c.any_of.iter())
            .map(|i| match i {
                Item::Word(w) | Item::Phrase(w) => w.clone(),
                Item::Field(f, v) => format!("{f:?}:{v}"),
            })
            .collect()
    }

    #[test]
    fn event_ids_in_every_form() {
        for q in [
            "event id 5058",
            "Event ID: 5058",
            "event 5058",
            "eventid=5058",
            "EventID:5058",
            "5058",
            "event:5058",
        ] {
            let r = p(q);
            assert_eq!(r.event_ids, [5058], "{q}");
            if q == "5058" {
                // A bare number is a word too, for the articles that name it otherwise.
                assert_eq!(words(&r), ["5058"], "{q}");
            } else {
                assert!(r.clauses.is_empty(), "{q}: {:?}", r.clauses);
            }
        }
        assert_eq!(p("Event IDs 7000 and 7001").event_ids, [7000, 7001]);
        assert_eq!(p("event id 94086").event_ids, [94086]);
        assert_eq!(p("event id 99999999999").event_ids, Vec::<u32>::new());
        assert_eq!(p("event id 0").event_ids, [0], "providers do log event 0");
        assert!(
            p("0").event_ids.is_empty(),
            "but a bare 0 is not taken for one"
        );
    }

    #[test]
    fn sources_with_event_ids() {
        let r = p("MSExchangeIS 1000");
        assert_eq!(r.source_events, [("msexchangeis".to_owned(), 1000)]);
        assert!(r.clauses.is_empty());
        let r = p("Service Control Manager 7000");
        assert_eq!(
            r.source_events,
            [("service control manager".to_owned(), 7000)]
        );
        let r = p("userenv event 1030");
        assert_eq!(r.sources, ["userenv"]);
        assert_eq!(r.source_events, [("userenv".to_owned(), 1030)]);
        assert_eq!(r.event_ids, [1030]);
        let r = p("MSExchangeIS event id 1000 after restore");
        assert_eq!(r.source_events, [("msexchangeis".to_owned(), 1000)]);
        let r = p("1000 MSExchangeIS");
        assert_eq!(r.source_events, [("msexchangeis".to_owned(), 1000)]);
    }

    #[test]
    fn a_source_name_in_running_words_is_only_a_word() {
        let is_source = |s: &str| matches!(s, "server" | "dns" | "browser" | "print");
        for q in [
            "exchange server wont start",
            "file server slow",
            "dns lookup fails",
            "print server hangs",
            "browser crashes",
        ] {
            let r = parse(q, &is_source);
            assert!(r.sources.is_empty(), "{q}: {:?}", r.sources);
            assert_eq!(words(&r).len(), q.split(' ').count(), "{q}");
        }
        assert_eq!(parse("browser", &is_source).sources, ["browser"]);
        assert_eq!(
            parse("dns 4013", &is_source).source_events,
            [("dns".to_owned(), 4013)]
        );
    }

    #[test]
    fn article_ids() {
        for q in ["Q190698", "KB190698", "kb190698", "190698", "id:Q190698"] {
            assert_eq!(p(q).article_ids, ["Q190698"], "{q}");
        }
    }

    #[test]
    fn codes_are_normalised() {
        for q in [
            "0x80070005",
            "80070005",
            "-2147024891",
            "code:0x80070005",
            "80070005h",
        ] {
            assert_eq!(p(q).codes, ["0x80070005"], "{q}");
        }
        for q in [
            "STOP 0x0000007B",
            "stop 7b",
            "Stop 0x7B",
            "0x7B",
            "STOP: 0000007B",
            "stop:0x7b",
        ] {
            assert_eq!(p(q).codes, ["0x0000007B"], "{q}");
        }
        assert_eq!(p("STOP: c000021a").codes, ["0xC000021A"]);
        assert!(p("stop ace").codes.is_empty());
        assert_eq!(p("stop e").codes, ["0x0000000E"]);
        assert_eq!(p("stop ae blue screen").codes, ["0x000000AE"]);
        assert!(p("stop a service").codes.is_empty());
        assert_eq!(p("A1000AA7").codes, ["0xA1000AA7"]);
        assert!(p("deadbeef").codes.is_empty());
        assert!(p("12345678").codes.is_empty());
    }

    #[test]
    fn words_phrases_exclusions_or_and_fields() {
        let r = p(r#"printer "access denied" -spooler title:Exchange laser OR inkjet"#);
        assert_eq!(
            words(&r),
            [
                "printer",
                "access denied",
                "spooler",
                "Title:Exchange",
                "laser",
                "inkjet"
            ]
        );
        assert!(r.clauses[2].negated);
        assert_eq!(r.clauses[4].any_of.len(), 2);
        let r = p(r#"title:"key management" nofield:x"#);
        assert_eq!(words(&r), ["Title:key management", "nofield:x"]);
    }

    #[test]
    fn numbers_among_words_stay_words() {
        let r = p("error 1722 when printing");
        assert!(r.event_ids.is_empty());
        assert_eq!(words(&r), ["error", "1722", "when", "printing"]);
    }

    #[test]
    fn garbage_degrades_to_words() {
        for q in [
            "title:(",
            "\"abc",
            "- *",
            "a:(^",
            "*^2",
            "foo:/bar/^2",
            "nofield:x",
            "[a TO",
            "((((((((((",
            "",
            "\"",
            "-",
            "OR",
            "a OR",
            "OR b",
        ] {
            let _ = p(q);
        }
        assert_eq!(words(&p("\"abc")), ["abc"]);
        assert_eq!(words(&p("[a TO")), ["a", "TO"]);
        assert!(p("((((((((((").is_empty());
    }
}
