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

use super::query::{Clause, Item};
use super::{Engine, Hit, HitEvent, SearchError, SearchRequest};
use crate::extract;

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
}

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
        let Some(id) = child(system, "EventID")
            .and_then(|n| n.text())
            .and_then(|t| t.trim().parse::<u32>().ok())
        else {
            continue;
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

impl Engine {
    /// Finds the events, codes and article ids in `input` and the articles that fix them.
    pub fn suggest(
        &self,
        input: &SuggestInput,
        limit: usize,
    ) -> Result<SuggestResponse, SearchError> {
        self.check_fault()?;
        let started = Instant::now();
        let (mut events, text) = match input {
            SuggestInput::Text(text) => {
                let events: Vec<HitEvent> = extract::text_events(text)
                    .into_iter()
                    .map(|e| HitEvent {
                        id: e.id,
                        source: e.source,
                    })
                    .collect();
                (events, text.clone())
            }
            SuggestInput::EventXml(xml) => {
                let found = parse_event_xml(xml)?;
                let mut seen = std::collections::HashSet::new();
                let mut events = Vec::new();
                let mut text = String::new();
                for e in found {
                    let key = (e.id, e.source.as_deref().map(str::to_lowercase));
                    if seen.insert(key) {
                        events.push(HitEvent {
                            id: e.id,
                            source: e.source,
                        });
                    }
                    text.push_str(&e.message);
                    text.push('\n');
                }
                (events, text)
            }
        };
        let mut codes = extract::codes(&text);
        let mut article_ids = extract::article_refs(&text);
        let omitted = Omitted {
            events: events.len().saturating_sub(MAX_SUGGEST_FINDS),
            codes: codes.len().saturating_sub(MAX_SUGGEST_FINDS),
            article_ids: article_ids.len().saturating_sub(MAX_SUGGEST_FINDS),
        };
        events.truncate(MAX_SUGGEST_FINDS);
        codes.truncate(MAX_SUGGEST_FINDS);
        article_ids.truncate(MAX_SUGGEST_FINDS);
        let head: String = text.chars().take(WORD_CHARS).collect();
        let mut parsed = self.parse(&head);
        for e in &events {
            push_unique(&mut parsed.event_ids, e.id);
            if let Some(s) = &e.source {
                let s = s.to_lowercase();
                push_unique(&mut parsed.source_events, (s.clone(), e.id));
                push_unique(&mut parsed.sources, s);
            }
        }
        for c in codes {
            push_unique(&mut parsed.codes, c);
        }
        for id in article_ids {
            push_unique(&mut parsed.article_ids, id);
        }
        // Words rank, but never exclude: a pasted "-x" is not a query operator.
        let mut words: Vec<Clause> = Vec::new();
        for c in parsed.clauses.drain(..) {
            let plain = !c.negated
                && c.any_of
                    .iter()
                    .all(|i| matches!(i, Item::Word(_) | Item::Phrase(_)));
            if plain && words.len() < MAX_SUGGEST_WORDS && !words.contains(&c) {
                words.push(c);
            }
        }
        parsed.clauses = words;
        let mut req = SearchRequest::new("");
        req.limit = limit.clamp(1, super::MAX_LIMIT);
        req.facets = false;
        let response = self.run(&req, &super::Filters::default(), parsed.clone(), started)?;
        Ok(SuggestResponse {
            events,
            codes: parsed.codes,
            article_ids: parsed.article_ids,
            omitted,
            total: response.total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            hits: response.hits,
        })
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
                message: "first second".into()
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
