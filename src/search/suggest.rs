//! Suggestions from what a technician pastes: ticket text, log lines, or Windows Event
//! Viewer XML (one `<Event>`, or an `<Events>` export of many).
//!
//! The input is read for what identifies a fix (event IDs with their sources, error and
//! STOP codes, article ids) and for a few of its words; those become one query, ranked
//! like a search: an event's source + ID first, then the ID alone, then the words. The
//! XML reader is `roxmltree`, which expands no external entities and caps internal ones,
//! so a hostile export costs bounded work. Nothing here knows HTTP.

use std::time::Instant;

use serde::Serialize;

use super::query::{Clause, Item, ParsedQuery};
use super::{Engine, Hit, HitEvent, SearchError, SearchRequest};
use crate::paste::{self, PastedEvent, Place};

/// Words of the pasted text that take part in ranking.
pub const MAX_SUGGEST_WORDS: usize = 16;
/// Most events, and likewise codes and article ids, that one paste puts in the query: a
/// ticket names a few; a paste naming thousands is a log dump or an attack, and the
/// query must stay cheap. What is found beyond them is counted in
/// [`SuggestResponse::omitted`].
pub const MAX_SUGGEST_FINDS: usize = 50;
/// Most attributes one XML element may have: real Event Viewer exports have a handful,
/// and the XML reader's cost grows with their square.
const MAX_XML_ATTRIBUTES: usize = 256;
/// A word in more than one article in this many (and in over
/// [`super::plan::COMMON_MIN_DOCS`], so small indexes keep every word) is left out of a
/// paste's words.
const COMMON_SHARE: u64 = 20;
/// Characters of pasted text read for words; events, codes and ids are found in all of it.
const WORD_CHARS: usize = 2000;

/// What was pasted.
#[derive(Debug, Clone)]
pub enum SuggestInput {
    /// Ticket text or log lines.
    Text(String),
    /// Event Viewer XML.
    EventXml(String),
}

/// The `POST /api/v1/suggest` response.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestResponse {
    /// Events found, with their sources when known.
    pub events: Vec<HitEvent>,
    /// Error and STOP codes found, normalised.
    pub codes: Vec<String>,
    /// Article ids found.
    pub article_ids: Vec<String>,
    /// What was found beyond [`MAX_SUGGEST_FINDS`] and left out of the query.
    pub omitted: Omitted,
    /// Articles matching, in all.
    pub total: usize,
    /// Milliseconds spent.
    pub took_ms: f64,
    /// The ranked articles, each with its fix.
    pub hits: Vec<Hit>,
    /// What was recognised (the events, codes and article ids that went into the
    /// query), each with where in the text it was found, in the order of the text.
    pub found: Vec<Found>,
    /// With several events, the best articles for each one, in the order of `events`:
    /// a paste of a log names unrelated events, and each deserves its own answer.
    pub groups: Vec<SuggestGroup>,
}

/// One thing recognised in a paste and its place.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Found {
    /// `event`, `code` or `article_id`.
    pub kind: &'static str,
    /// The event ID, the normalised code or the article id.
    pub value: String,
    /// For an event, its source when the paste gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// The articles for one event of a paste that names several.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestGroup {
    /// The event.
    pub event: HitEvent,
    /// Articles matching it, in all.
    pub total: usize,
    /// Its best articles, ranked by source + ID and then by its message's words.
    pub hits: Vec<Hit>,
}

/// Most events given a group of their own, and hits per group.
pub const MAX_GROUPS: usize = 10;
/// Hits in each group.
pub const GROUP_HITS: usize = 3;

/// How many events, codes and article ids a paste named beyond what its query takes.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Omitted {
    /// Events (by ID and source) left out.
    pub events: usize,
    /// Codes left out.
    pub codes: usize,
    /// Article ids left out.
    pub article_ids: usize,
}

/// One event of an Event Viewer export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlEvent {
    /// `System/Provider/@EventSourceName`, else `@Name`.
    pub source: Option<String>,
    /// `System/EventID`.
    pub id: u32,
    /// `RenderingInfo/Message`, else the `EventData` values.
    pub message: String,
    /// Where its `EventID` is.
    pub at: Place,
}

/// Reads the events of an Event Viewer XML export: a lone `<Event>` or any element
/// holding `<Event>`s. An event without a valid `EventID` (a whole number) is skipped.
pub fn parse_event_xml(xml: &str) -> Result<Vec<XmlEvent>, SearchError> {
    if most_attributes(xml) > MAX_XML_ATTRIBUTES {
        return Err(SearchError::BadRequest {
            param: "body",
            message: format!(
                "an XML element has more than {MAX_XML_ATTRIBUTES} attributes; Event Viewer exports have a few"
            ),
        });
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(xml, options).map_err(|e| {
        SearchError::BadRequest {
            param: "body",
            message: format!("not valid Event Viewer XML: {e}"),
        }
    })?;
    let mut out = Vec::new();
    for event in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Event")
    {
        let Some(system) = child(event, "System") else {
            continue;
        };
        let Some(id_node) = child(system, "EventID") else {
            continue;
        };
        let Some(id) = id_node.text().and_then(|t| t.trim().parse::<u32>().ok()) else {
            continue;
        };
        let pos = doc.text_pos_at(id_node.range().start);
        let at = Place {
            line: pos.row as usize,
            column: pos.col as usize,
        };
        let source = child(system, "Provider").and_then(|p| {
            p.attribute("EventSourceName")
                .or_else(|| p.attribute("Name"))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
        let rendered = child(event, "RenderingInfo")
            .and_then(|r| child(r, "Message"))
            .and_then(|m| m.text())
            .map(str::to_owned);
        let message = rendered.unwrap_or_else(|| {
            child(event, "EventData")
                .map(|d| {
                    d.descendants()
                        .filter(roxmltree::Node::is_text)
                        .filter_map(|n| n.text())
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        });
        out.push(XmlEvent {
            source,
            id,
            message,
            at,
        });
    }
    if out.is_empty() {
        return Err(SearchError::BadRequest {
            param: "body",
            message: "the XML holds no <Event> with a System/EventID".into(),
        });
    }
    Ok(out)
}

/// The most attributes of any element of `xml`, counted in one pass as the `=` signs
/// inside a tag and outside quotes (comments and declarations are skipped).
fn most_attributes(xml: &str) -> usize {
    let (mut most, mut count) = (0, 0);
    let (mut in_tag, mut quote) = (false, None::<u8>);
    let bytes = xml.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (in_tag, quote) {
            (false, _) => {
                if b == b'<' && !matches!(bytes.get(i + 1), Some(b'!' | b'?')) {
                    in_tag = true;
                    count = 0;
                }
            }
            (true, Some(q)) => {
                if b == q {
                    quote = None;
                }
            }
            (true, None) => match b {
                b'"' | b'\'' => quote = Some(b),
                b'=' => {
                    count += 1;
                    most = most.max(count);
                }
                b'>' => in_tag = false,
                _ => {}
            },
        }
    }
    most
}

/// The first child element of `n` named `name` (any namespace).
fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Whether pasted text is an Event Viewer XML export rather than prose.
fn looks_like_xml(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('<') && t.contains("<Event")
}

impl Engine {
    /// Finds the events, codes and article ids in `input` and the articles that fix them.
    pub fn suggest(
        &self,
        reader: super::Reader,
        input: &SuggestInput,
        limit: usize,
    ) -> Result<SuggestResponse, SearchError> {
        self.check_fault()?;
        let started = Instant::now();
        let xml = match input {
            SuggestInput::EventXml(xml) => Some(parse_event_xml(xml)?),
            // Pasted into a text box, an export is still an export.
            SuggestInput::Text(text) if looks_like_xml(text) => parse_event_xml(text).ok(),
            SuggestInput::Text(_) => None,
        };
        let (paste, text) = match (xml, input) {
            (Some(found), _) => {
                let text: String = found
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut paste = paste::read(&text, &|_| false);
                paste.log = true;
                // Codes and ids come from the messages, but their places would be those
                // of the joined messages: the events' places are the XML's.
                paste.events = found
                    .into_iter()
                    .map(|e| PastedEvent {
                        id: e.id,
                        source: e.source,
                        message: e.message,
                        at: e.at,
                    })
                    .collect();
                let mut seen = std::collections::HashSet::new();
                paste
                    .events
                    .retain(|e| seen.insert((e.id, e.source.as_deref().map(str::to_lowercase))));
                (paste, text)
            }
            (None, SuggestInput::Text(text) | SuggestInput::EventXml(text)) => {
                let searcher = self.index.reader.searcher();
                let hidden = self.hidden_for(reader, &searcher)?;
                let known = |s: &str| self.known_source(&searcher, hidden.as_deref(), s);
                (paste::read(text, &known), text.clone())
            }
        };
        let omitted = Omitted {
            events: paste.events.len().saturating_sub(MAX_SUGGEST_FINDS),
            codes: paste.codes.len().saturating_sub(MAX_SUGGEST_FINDS),
            article_ids: paste.article_ids.len().saturating_sub(MAX_SUGGEST_FINDS),
        };
        let mut found = Vec::new();
        for e in paste.events.iter().take(MAX_SUGGEST_FINDS) {
            found.push(Found {
                kind: "event",
                value: e.id.to_string(),
                source: e.source.clone(),
                line: e.at.line,
                column: e.at.column,
            });
        }
        for (kind, list) in [("code", &paste.codes), ("article_id", &paste.article_ids)] {
            for (value, at) in list.iter().take(MAX_SUGGEST_FINDS) {
                found.push(Found {
                    kind,
                    value: value.clone(),
                    source: None,
                    line: at.line,
                    column: at.column,
                });
            }
        }
        found.sort_by_key(|f| (f.line, f.column));
        let events: Vec<&PastedEvent> = paste.events.iter().take(MAX_SUGGEST_FINDS).collect();
        // The words that rank: the events' messages when the paste gives them (a log's
        // other columns are noise), else the text itself.
        let messages: Vec<&str> = events
            .iter()
            .map(|e| e.message.as_str())
            .filter(|m| !m.is_empty())
            .collect();
        let words_text = if paste.log && !messages.is_empty() {
            messages.join("\n")
        } else {
            text.clone()
        };
        let mut parsed = self.words_of(reader, &words_text);
        for e in &events {
            add_event(&mut parsed, e);
        }
        for (c, _) in paste.codes.iter().take(MAX_SUGGEST_FINDS) {
            push_unique(&mut parsed.codes, c.clone());
        }
        for (id, _) in paste.article_ids.iter().take(MAX_SUGGEST_FINDS) {
            push_unique(&mut parsed.article_ids, id.clone());
        }
        parsed.words_rank_only = true;
        let mut req = SearchRequest::new("");
        req.limit = limit.clamp(1, super::MAX_LIMIT);
        req.facets = false;
        req.reader = reader;
        let response = self.run(
            &req,
            &super::Filters::default(),
            parsed.clone(),
            started,
            None,
        )?;

        let mut groups = Vec::new();
        if events.len() > 1 {
            let mut one = SearchRequest::new("");
            one.limit = GROUP_HITS;
            one.facets = false;
            one.reader = reader;
            for e in events.iter().take(MAX_GROUPS) {
                let mut q = self.words_of(reader, &e.message);
                add_event(&mut q, e);
                q.words_rank_only = true;
                let r = self.run(&one, &super::Filters::default(), q, Instant::now(), None)?;
                groups.push(SuggestGroup {
                    event: HitEvent {
                        id: e.id,
                        source: e.source.clone(),
                    },
                    total: r.total,
                    hits: r.hits,
                });
            }
        }
        Ok(SuggestResponse {
            events: events
                .iter()
                .map(|e| HitEvent {
                    id: e.id,
                    source: e.source.clone(),
                })
                .collect(),
            codes: parsed.codes,
            article_ids: parsed.article_ids,
            omitted,
            total: response.total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            hits: response.hits,
            found,
            groups,
        })
    }

    /// The words of pasted `text` as query clauses (its first [`WORD_CHARS`]
    /// characters, at most [`MAX_SUGGEST_WORDS`] distinct words): they rank, but never
    /// exclude, since a pasted "-x" is not a query operator; nothing else of the text's
    /// reading is kept, the paste readers having found its events, codes and ids.
    fn words_of(&self, reader: super::Reader, text: &str) -> ParsedQuery {
        let head: String = text.chars().take(WORD_CHARS).collect();
        let searcher = self.index.reader.searcher();
        // What cannot be worked out hides everything: no word is then judged common.
        let hidden = self.hidden_for(reader, &searcher).unwrap_or(None);
        let hidden = hidden.as_deref();
        let parsed = super::query::parse(&head, &|s| self.known_source(&searcher, hidden, s));
        let num_docs = searcher.num_docs() - hidden.map_or(0, super::access::Hidden::len);
        let mut analyzer = self.analyzer.clone();
        // A word in more than one article in COMMON_SHARE ranks nothing ("the",
        // "service") and would make the ranking walk most of the index.
        let common = |w: &str, analyzer: &mut tantivy::tokenizer::TextAnalyzer| {
            let mut all = true;
            analyzer.token_stream(w).process(&mut |t| {
                let n = self.visible_doc_freq(&searcher, hidden, &t.text);
                all &= n * COMMON_SHARE > num_docs && n > super::plan::COMMON_MIN_DOCS;
            });
            all
        };
        let mut words: Vec<Clause> = Vec::new();
        for c in parsed.clauses {
            let plain = match c.any_of.as_slice() {
                [Item::Word(w)] => !c.negated && !common(w, &mut analyzer),
                items => !c.negated && items.iter().all(|i| matches!(i, Item::Phrase(_))),
            };
            if plain && words.len() < MAX_SUGGEST_WORDS && !words.contains(&c) {
                words.push(c);
            }
        }
        ParsedQuery {
            clauses: words,
            ..ParsedQuery::default()
        }
    }
}

/// Puts an event into a query: its ID, and its source + ID when the paste names one.
fn add_event(parsed: &mut ParsedQuery, e: &PastedEvent) {
    push_unique(&mut parsed.event_ids, e.id);
    if let Some(s) = &e.source {
        let s = s.to_lowercase();
        push_unique(&mut parsed.source_events, (s.clone(), e.id));
        push_unique(&mut parsed.sources, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_event_and_an_export() {
        let one = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System><Provider Name="MSExchangeIS"/><EventID Qualifiers="49152">1000</EventID></System>
  <EventData><Data>first</Data><Data>second</Data></EventData></Event>"#;
        let events = parse_event_xml(one).unwrap();
        assert_eq!(
            events,
            [XmlEvent {
                source: Some("MSExchangeIS".into()),
                id: 1000,
                message: "first second".into(),
                at: Place {
                    line: 2,
                    column: 42
                },
            }]
        );
        let many = r#"<Events><Event><System><Provider Name="A" EventSourceName="Userenv"/>
  <EventID>1030</EventID></System><RenderingInfo Culture="en-US"><Message>Windows cannot query</Message></RenderingInfo></Event>
  <Event><System><EventID>99999999999</EventID></System></Event>
  <Event><System><EventID>94086</EventID></System></Event></Events>"#;
        let events = parse_event_xml(many).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].source.as_deref(), Some("Userenv"));
        assert_eq!(events[0].message, "Windows cannot query");
        assert_eq!(events[1].id, 94086);
    }

    #[test]
    fn refuses_what_is_not_an_event_export() {
        for bad in [
            "",
            "<Event>",
            "<a/>",
            "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Event/>",
            "not xml",
        ] {
            assert!(
                matches!(
                    parse_event_xml(bad),
                    Err(SearchError::BadRequest { param: "body", .. })
                ),
                "{bad}"
            );
        }
    }
}
