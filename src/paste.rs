//! What a technician pastes from a ticket or a log, read for the events, codes and
//! article ids it names, each with the place where it was found.
//!
//! Pasted text comes in a few shapes: ticket prose ("error 1037 from MSExchangeIS Private
//! every few minutes", "event 7031"), Event Viewer's "Copy details as text", `wevtutil qe
//! /f:text`, PowerShell's `Get-WinEvent` as a list (`Format-List`) or as its default
//! table under `ProviderName:` headings, and `Export-Csv` rows. Each reader below knows
//! one shape, and all of them run over the whole text, since a paste may mix shapes;
//! what they find is merged by [`Events`]: one entry per event ID and source, a sourced
//! mention taking the place of an unsourced one. Event Viewer XML has its own reader
//! ([`crate::search::suggest::parse_event_xml`]). Pure functions, no I/O; the cost is
//! linear in the text.

use std::collections::HashMap;

use serde::Serialize;

use crate::extract;

/// Where something was found: line and column, both from 1, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// An event found in a paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedEvent {
    /// The event ID.
    pub id: u32,
    /// The event source (provider), as written, when the paste gives it.
    pub source: Option<String>,
    /// The event's message when the shape gives one (a list's `Message`, a table's
    /// `Message` column, Event Viewer's description, the sentence of the ticket), else
    /// empty: its words rank the articles that share the ID.
    pub message: String,
    /// Where the ID was found.
    pub at: Place,
}

/// Everything found in one paste, each kind in the order of the text.
#[derive(Debug, Clone, Default)]
pub struct Paste {
    /// Events, one per ID and source.
    pub events: Vec<PastedEvent>,
    /// Error and STOP codes, normalised (`0x80070005`), unique.
    pub codes: Vec<(String, Place)>,
    /// Article ids (`Q190698`; `KB190698` is read as the same), unique.
    pub article_ids: Vec<(String, Place)>,
    /// Whether the text is a log (records, tables or CSV rows of events), whose words
    /// outside the events' messages are field names and dates, not a description.
    pub log: bool,
}

/// Longest message kept per event: its first words are the ones that rank.
const MESSAGE_CHARS: usize = 600;

/// Reads `text`; `is_source` tells whether a lower-cased phrase is a known event source.
pub fn read(text: &str, is_source: &dyn Fn(&str) -> bool) -> Paste {
    let lines: Vec<&str> = text.lines().collect();
    let starts = line_starts(text);
    let mut events = Events::default();
    records(&lines, &mut events);
    tables(&lines, &mut events);
    csv_rows(&lines, &mut events);
    let log = !events.list.is_empty();
    extract::event_id_mentions(text, &mut |line, column, e| {
        let at = place(&lines, line, column);
        events.add(e.id, e.source, message_of(lines[line]), at);
    });
    prose(&lines, is_source, &mut events);

    let at_offset = |offset: usize| {
        let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let column = text[starts[line]..offset].chars().count() + 1;
        Place {
            line: line + 1,
            column,
        }
    };
    let codes = extract::code_mentions(text)
        .into_iter()
        .map(|(offset, code)| (code, at_offset(offset)))
        .collect();
    let mut article_ids: Vec<(String, Place)> = extract::article_ref_mentions(text)
        .into_iter()
        .map(|(offset, id)| (id, at_offset(offset)))
        .collect();
    for m in KB_REF.captures_iter(text) {
        let number = m[1].trim_start_matches('0');
        let id = format!("Q{number}");
        if !number.is_empty() && !article_ids.iter().any(|(known, _)| *known == id) {
            article_ids.push((id, at_offset(m.get(0).map_or(0, |g| g.start()))));
        }
    }
    article_ids.sort_by_key(|(_, at)| *at);
    let mut events = events.list;
    events.sort_by_key(|e| e.at);
    Paste {
        events,
        codes,
        article_ids,
        log,
    }
}

/// `KB190698`, `KB 190698`: how tickets name an article.
static KB_REF: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| extract::re(r"(?i)\bKB\s?(\d{5,7})\b"));

/// Byte offsets where each line starts, as [`str::lines`] splits them.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// The place of byte `column` of line `line` (both from 0).
fn place(lines: &[&str], line: usize, column: usize) -> Place {
    let text = lines.get(line).copied().unwrap_or("");
    let column = text.get(..column).map_or(0, |t| t.chars().count());
    Place {
        line: line + 1,
        column: column + 1,
    }
}

/// A line as an event's message: trimmed and cut to [`MESSAGE_CHARS`].
fn message_of(line: &str) -> String {
    line.trim().chars().take(MESSAGE_CHARS).collect()
}

/// The events found so far, unique by ID and source (case ignored). Every lookup is a
/// hash lookup, so a hostile paste naming one ID with thousands of sources costs the
/// same per mention as a ticket.
#[derive(Default)]
struct Events {
    list: Vec<PastedEvent>,
    /// (ID, lower-cased source) → position in `list`.
    keys: HashMap<(u32, Option<String>), usize>,
    /// ID → its first entry in `list`.
    first_of_id: HashMap<u32, usize>,
    /// ID → its entry without a source, while it has one.
    unsourced: HashMap<u32, usize>,
}

impl Events {
    /// Adds an event unless known. A sourced one takes the place of an unsourced one of
    /// the same ID; an unsourced one of a known ID adds nothing; a known one gains the
    /// message it lacked, and keeps the earlier place.
    fn add(&mut self, id: u32, source: Option<String>, message: String, at: Place) {
        let source = source
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let key = (id, source.as_ref().map(|s| s.to_lowercase()));
        let known = match &key.1 {
            Some(_) => self.keys.get(&key).copied(),
            None => self.first_of_id.get(&id).copied(),
        };
        if let Some(i) = known {
            let e = &mut self.list[i];
            if e.message.is_empty() {
                e.message = message;
            }
            e.at = e.at.min(at);
            return;
        }
        if source.is_some() {
            if let Some(i) = self.unsourced.remove(&id) {
                let e = &mut self.list[i];
                e.source = source;
                if !message.is_empty() {
                    e.message = message;
                }
                e.at = e.at.min(at);
                self.keys.remove(&(id, None));
                self.keys.insert(key, i);
                return;
            }
        }
        let i = self.list.len();
        if key.1.is_none() {
            self.unsourced.insert(id, i);
        }
        self.first_of_id.entry(id).or_insert(i);
        self.keys.insert(key, i);
        self.list.push(PastedEvent {
            id,
            source,
            message,
            at,
        });
    }
}

/// `Key: value` (or `Key : value`, as `Format-List` aligns them): the key lower-cased
/// without spaces, the value trimmed.
fn key_value(line: &str) -> Option<(String, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    if key.is_empty() || key.len() > 30 || !key.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
    {
        return None;
    }
    let key: String = key
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some((key, value.trim()))
}

/// Keys only a `Get-WinEvent` record has: with one of them, a bare `Id` is an event ID
/// (a ticket's "ID: 12345" is not).
const WINEVENT_KEYS: [&str; 6] = [
    "providername",
    "timecreated",
    "logname",
    "recordid",
    "machinename",
    "leveldisplayname",
];

/// Records of `Key: value` lines: `Get-WinEvent | Format-List` (`Id`, `ProviderName`,
/// `Message`), Event Viewer's copied details and `wevtutil qe /f:text` (`Source`,
/// `Event ID`, `Description`). A record ends at a blank line or at `Event[n]:`; the
/// message runs over the lines after its key until another known key or a blank line.
fn records(lines: &[&str], events: &mut Events) {
    #[derive(Default)]
    struct Record {
        id: Option<(u32, Place)>,
        bare_id: Option<(u32, Place)>,
        source: Option<String>,
        message: String,
        in_message: bool,
        winevent: bool,
    }
    let flush = |r: &mut Record, events: &mut Events| {
        let r = std::mem::take(r);
        let id = r.id.or(r.bare_id.filter(|_| r.winevent));
        if let Some((id, at)) = id {
            let message: String = r.message.chars().take(MESSAGE_CHARS).collect();
            events.add(id, r.source, message, at);
        }
    };
    let mut r = Record::default();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !(r.in_message && r.message.is_empty()) {
                flush(&mut r, events);
            }
            continue;
        }
        if trimmed.starts_with("Event[") && trimmed.ends_with("]:") {
            flush(&mut r, events);
            continue;
        }
        let column = line.len() - line.trim_start().len();
        match key_value(line) {
            Some((key, value)) if is_record_key(&key) => {
                r.in_message = false;
                if WINEVENT_KEYS.contains(&key.as_str()) {
                    r.winevent = true;
                }
                match key.as_str() {
                    "eventid" => {
                        if let Ok(n) = value.parse::<u32>() {
                            r.id = Some((n, place(lines, i, column)));
                        }
                    }
                    "id" => {
                        if let Ok(n) = value.parse::<u32>() {
                            r.bare_id = Some((n, place(lines, i, column)));
                        }
                    }
                    "providername" | "source" | "eventsource"
                        if !value.is_empty() && value.len() <= 80 =>
                    {
                        r.source = Some(value.to_owned());
                    }
                    "message" | "description" => {
                        r.message = value.to_owned();
                        r.in_message = true;
                    }
                    _ => {}
                }
            }
            _ if r.in_message => {
                if !r.message.is_empty() {
                    r.message.push(' ');
                }
                r.message.push_str(trimmed);
            }
            _ => {}
        }
    }
    flush(&mut r, events);
}

/// The keys [`records`] knows: what it reads, and what ends a message.
fn is_record_key(key: &str) -> bool {
    matches!(
        key,
        "eventid"
            | "id"
            | "providername"
            | "source"
            | "eventsource"
            | "message"
            | "description"
            | "logname"
            | "date"
            | "timecreated"
            | "taskcategory"
            | "task"
            | "level"
            | "leveldisplayname"
            | "keywords"
            | "user"
            | "userid"
            | "computer"
            | "machinename"
            | "opcode"
            | "recordid"
            | "version"
            | "qualifiers"
            | "processid"
            | "threadid"
            | "eventxml"
    )
}

/// `Get-WinEvent`'s default table: `ProviderName: X` above a header (`TimeCreated Id
/// LevelDisplayName Message`), a line of dashes under each column name, and one row per
/// event. Columns are cut where the dashes are; numbers sit right-aligned under theirs,
/// so the `Id` cell runs from the end of the column before to the end of its dashes. A
/// `ProviderName` column, as `Format-Table` can add, names each row's source.
fn tables(lines: &[&str], events: &mut Events) {
    let mut source: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if let Some(name) = trimmed.strip_prefix("ProviderName:") {
            source = Some(name.trim().to_owned()).filter(|s| !s.is_empty());
            i += 1;
            continue;
        }
        let Some(dashes) = lines.get(i + 1) else {
            break;
        };
        let is_rule = dashes.contains('-') && dashes.chars().all(|c| c == '-' || c == ' ');
        if !is_rule || !lines[i].split_whitespace().any(|w| w == "Id") {
            i += 1;
            continue;
        }
        let header: Vec<char> = lines[i].chars().collect();
        let spans = dash_spans(dashes);
        let name = |k: usize| -> String {
            let (from, to) = spans[k];
            header
                .get(from.min(header.len())..to.min(header.len()))
                .map(|c| c.iter().collect::<String>().trim().to_owned())
                .unwrap_or_default()
        };
        let names: Vec<String> = (0..spans.len()).map(name).collect();
        let column = |n: &str| names.iter().position(|c| c == n);
        let Some(id_col) = column("Id") else {
            i += 1;
            continue;
        };
        let provider_col = column("ProviderName");
        let message_col = column("Message");
        let mut j = i + 2;
        while j < lines.len() {
            let row: Vec<char> = lines[j].chars().collect();
            let trimmed = lines[j].trim();
            if trimmed.is_empty() || trimmed.starts_with("ProviderName:") {
                break;
            }
            let cell = |from: usize, to: usize| -> String {
                row.get(from.min(row.len())..to.min(row.len()))
                    .map(|c| c.iter().collect::<String>().trim().to_owned())
                    .unwrap_or_default()
            };
            // The number ends under the dashes' end; the column before may be wider than
            // its dashes (a date and time under `-----------`), so the cell is the last
            // word before that end.
            let (id_start, id_end) = spans[id_col];
            let head: String = row.iter().take(id_end).collect();
            let head = head.trim_end();
            let id_text = head.rsplit(' ').next().unwrap_or("");
            let ends_under = head.chars().count() > id_start;
            if let Some(id) = id_text.parse::<u32>().ok().filter(|_| ends_under) {
                let left = |k: usize| {
                    let to = spans.get(k + 1).map_or(row.len(), |s| s.0);
                    cell(spans[k].0, to)
                };
                let row_source = provider_col.map(left).filter(|s| !s.is_empty());
                let message = message_col.map(left).unwrap_or_default();
                let at = place(lines, j, head.len() - id_text.len());
                events.add(
                    id,
                    row_source.or_else(|| source.clone()),
                    message.chars().take(MESSAGE_CHARS).collect(),
                    at,
                );
            }
            j += 1;
        }
        i = j;
    }
}

/// The `(from, to)` character ranges of the runs of dashes in a rule line.
fn dash_spans(rule: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    let chars: Vec<char> = rule.chars().collect();
    for (k, c) in chars.iter().enumerate() {
        match (c, start) {
            ('-', None) => start = Some(k),
            (' ', Some(s)) => {
                spans.push((s, k));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, chars.len()));
    }
    spans
}

/// `Get-WinEvent | Export-Csv`: a header row naming `"Id"` (and `"ProviderName"`,
/// `"Message"`), then one row per event; quoted fields may hold commas, doubled quotes
/// and line breaks.
fn csv_rows(lines: &[&str], events: &mut Events) {
    let Some(header_line) = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with('"') && t.contains("\"Id\"")
    }) else {
        return;
    };
    let rest = lines[header_line..].join("\n");
    let mut rows = csv_records(&rest).into_iter();
    let Some((_, header)) = rows.next() else {
        return;
    };
    let column = |n: &str| header.iter().position(|c| c == n);
    let Some(id_col) = column("Id") else {
        return;
    };
    let provider_col = column("ProviderName");
    let message_col = column("Message");
    for (line, row) in rows {
        let Some(id) = row.get(id_col).and_then(|v| v.trim().parse::<u32>().ok()) else {
            continue;
        };
        let source = provider_col.and_then(|k| row.get(k)).cloned();
        let message = message_col
            .and_then(|k| row.get(k))
            .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        events.add(
            id,
            source,
            message.chars().take(MESSAGE_CHARS).collect(),
            place(lines, header_line + line, 0),
        );
    }
}

/// CSV records of `text` with the line (from 0) each starts on.
fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut records = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut start_line) = (false, 0, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            ('\n', false) => {
                fields.push(std::mem::take(&mut field));
                records.push((start_line, std::mem::take(&mut fields)));
                line += 1;
                start_line = line;
            }
            ('\r', false) => {}
            (c, _) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start_line, fields));
    }
    records
}

/// Words between an event ID and the source named after it ("1037 from MSExchangeIS").
const SOURCE_AFTER: [&str; 4] = ["from", "by", "source", "source:"];
/// Words between a source and the event ID after it ("Userenv error 1030").
const BETWEEN: [&str; 7] = [
    "event", "events", "error", "warning", "id", "eventid", "id:",
];
/// Products whose version is a year: `Server 2003` is Windows, not event 2003 of the
/// Server service.
const YEAR_PRODUCTS: [&str; 8] = [
    "server",
    "windows",
    "office",
    "exchange",
    "sql",
    "studio",
    "sharepoint",
    "outlook",
];

/// Ticket prose: `event 7031`, `eventid 7031`, `event id 7031` (also read by
/// [`extract::event_id_mentions`]), and a number next to a known source name — before it
/// (`MSExchangeIS 1000`, `Userenv error 1030`) or after it with `from`, `by` or `source`
/// (`error 1037 from MSExchangeIS Private`); a number of one or two digits needs such a
/// word between it and the source.
fn prose(lines: &[&str], is_source: &dyn Fn(&str) -> bool, events: &mut Events) {
    for (i, line) in lines.iter().enumerate() {
        for (column, id) in extract::bare_event_mentions(line) {
            events.add(id, None, message_of(line), place(lines, i, column));
        }
        let words = line_words(line);
        let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
        for (k, (column, word)) in words.iter().enumerate() {
            let at = place(lines, i, *column);
            // eventid=7031, event#7031, evtid:7031
            if let Some(n) = joined_event(&lower[k]) {
                events.add(n, None, message_of(line), at);
                continue;
            }
            let digits = word.trim_start_matches('#');
            if !(1..=5).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            // A short number is an event only with a word that says so between it and
            // the source ("aic78xx error 9", "23 from DCA SDLC Link Service"): "server 2
            // times" is not event 2.
            let short = digits.len() < 3 && !(k > 0 && BETWEEN.contains(&lower[k - 1].as_str()));
            let Ok(id) = digits.parse::<u32>() else {
                continue;
            };
            let phrase = |from: usize, to: usize| -> Option<String> {
                (to <= words.len() && from < to).then(|| {
                    words[from..to]
                        .iter()
                        .map(|(_, w)| *w)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            };
            let known =
                |from: usize, to: usize| phrase(from, to).filter(|p| is_source(&p.to_lowercase()));
            // The source before: "MSExchangeIS Private error 1037".
            let mut end = k;
            while end > 0 && k - end < 2 && BETWEEN.contains(&lower[end - 1].as_str()) {
                end -= 1;
            }
            let before = (1..=4)
                .rev()
                .filter(|n| *n <= end && !(short && end == k))
                .find_map(|n| known(end - n, end));
            let year_of_product = (1990..=2035).contains(&id)
                && end == k
                && k > 0
                && YEAR_PRODUCTS.contains(&lower[k - 1].as_str());
            // The source after: "1037 from MSExchangeIS Private", "7031 Service Control Manager".
            let mut from = k + 1;
            if from < words.len() && SOURCE_AFTER.contains(&lower[from].as_str()) {
                from += 1;
            }
            let after = (1..=4)
                .rev()
                .filter(|_| !(short && from == k + 1))
                .find_map(|n| known(from, from + n));
            if let Some(source) = before.filter(|_| !year_of_product).or(after) {
                events.add(id, Some(source), message_of(line), at);
            }
        }
    }
}

/// `eventid=7031`, `event#7031`, `evtid:7031`, `eventid7031` as one word.
fn joined_event(word: &str) -> Option<u32> {
    ["eventid", "event_id", "event-id", "evtid", "event"]
        .iter()
        .find_map(|p| {
            let rest = word.strip_prefix(p)?;
            let rest = rest.trim_start_matches(['=', ':', '#']);
            (!rest.is_empty() && rest.len() <= 10 && rest.bytes().all(|b| b.is_ascii_digit()))
                .then(|| rest.parse().ok())
                .flatten()
        })
}

/// The words of a line with their byte columns: split on white space and brackets,
/// quotes and separators, with trailing sentence punctuation dropped.
fn line_words(line: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let is_break = |c: char| c.is_whitespace() || "()[]{}\"',;<>|".contains(c);
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        match (is_break(c), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let w = line[s..i].trim_end_matches(['.', ':', '!', '?']);
                if !w.is_empty() {
                    words.push((s, w));
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(s: &str) -> bool {
        matches!(
            s,
            "msexchangeis"
                | "msexchangeis private"
                | "service control manager"
                | "userenv"
                | "server"
        )
    }

    fn found(text: &str) -> Vec<(u32, Option<String>, usize)> {
        read(text, &sources)
            .events
            .into_iter()
            .map(|e| (e.id, e.source, e.at.line))
            .collect()
    }

    #[test]
    fn ticket_prose_names_events_by_source_and_by_the_word_event() {
        assert_eq!(
            found("the server logs error 1037 from MSExchangeIS Private every few minutes"),
            [(1037, Some("MSExchangeIS Private".into()), 1)]
        );
        assert_eq!(
            found("we see event 7031 after the update"),
            [(7031, None, 1)]
        );
        assert_eq!(
            found("eventid 7031 again\nand eventid=7036"),
            [(7031, None, 1), (7036, None, 2)]
        );
        assert_eq!(
            found("Userenv error 1030 at logon"),
            [(1030, Some("Userenv".into()), 1)]
        );
        assert_eq!(
            found("7031 Service Control Manager"),
            [(7031, Some("Service Control Manager".into()), 1)]
        );
        // A product's year and a number far from any source are not events.
        assert!(found("Windows Server 2003 SP2 with 4096 MB").is_empty());
        assert!(found("ticket ID: 12345").is_empty());
        assert_eq!(
            found("userenv error 9 at logon"),
            [(9, Some("userenv".into()), 1)]
        );
        assert!(found("restarted the server 2 times").is_empty());
    }

    #[test]
    fn event_viewer_copied_details_and_wevtutil_text() {
        let viewer = "Log Name:      System\nSource:        Service Control Manager\nDate:          5/1/2024 10:00:00 AM\nEvent ID:      7031\nTask Category: None\nLevel:         Error\nDescription:\nThe Print Spooler service terminated unexpectedly.";
        let p = read(viewer, &sources);
        assert_eq!(p.events.len(), 1, "{:?}", p.events);
        assert_eq!(p.events[0].id, 7031);
        assert_eq!(
            p.events[0].source.as_deref(),
            Some("Service Control Manager")
        );
        assert_eq!(p.events[0].at, Place { line: 4, column: 1 });
        assert!(p.events[0]
            .message
            .contains("Print Spooler service terminated"));
        let wevtutil = "Event[0]:\n  Log Name: Application\n  Source: Userenv\n  Event ID: 1030\n  Description: \n  Windows cannot query for the list of Group Policy objects.\n\nEvent[1]:\n  Source: MSExchangeIS\n  Event ID: 9646\n";
        let e = found(wevtutil);
        assert_eq!(
            e,
            [
                (1030, Some("Userenv".into()), 4),
                (9646, Some("MSExchangeIS".into()), 10)
            ]
        );
    }

    #[test]
    fn get_winevent_list_and_table() {
        let list = "TimeCreated  : 5/1/2024 10:00:00 AM\nProviderName : Service Control Manager\nId           : 7031\nMessage      : The Print Spooler service terminated unexpectedly.\n               It has done this 1 time(s).\n\nTimeCreated  : 5/1/2024 9:00:00 AM\nProviderName : Userenv\nId           : 1030\nMessage      : Windows cannot query for the list of Group Policy objects.";
        let p = read(list, &sources);
        let ids: Vec<(u32, Option<&str>)> = p
            .events
            .iter()
            .map(|e| (e.id, e.source.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                (7031, Some("Service Control Manager")),
                (1030, Some("Userenv"))
            ]
        );
        assert!(p.events[0].message.ends_with("It has done this 1 time(s)."));
        let table = "\n   ProviderName: Service Control Manager\n\nTimeCreated                     Id LevelDisplayName Message\n-----------                     -- ---------------- -------\n5/1/2024 10:00:00 AM          7031 Error            The Print Spooler service terminated unexpectedly.\n5/1/2024 9:59:00 AM           7036 Information      The Print Spooler service entered the stopped state.\n\n   ProviderName: Userenv\n\nTimeCreated                     Id LevelDisplayName Message\n-----------                     -- ---------------- -------\n5/1/2024 9:00:00 AM           1030 Error            Windows cannot query for the list of Group Policy...\n";
        let p = read(table, &sources);
        let ids: Vec<(u32, Option<&str>, Place)> = p
            .events
            .iter()
            .map(|e| (e.id, e.source.as_deref(), e.at))
            .collect();
        assert_eq!(
            ids,
            [
                (
                    7031,
                    Some("Service Control Manager"),
                    Place {
                        line: 6,
                        column: 31
                    }
                ),
                (
                    7036,
                    Some("Service Control Manager"),
                    Place {
                        line: 7,
                        column: 31
                    }
                ),
                (
                    1030,
                    Some("Userenv"),
                    Place {
                        line: 13,
                        column: 31
                    }
                ),
            ]
        );
        assert!(p.events[0].message.starts_with("The Print Spooler service"));
    }

    #[test]
    fn export_csv_rows() {
        let csv = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"Version\",\"ProviderName\",\"LogName\"\n\"The Print Spooler service terminated, \"\"unexpectedly\"\".\nIt has done this 1 time(s).\",\"7031\",\"0\",\"Service Control Manager\",\"System\"\n\"Windows cannot query\",\"1030\",,\"Userenv\",\"Application\"\n";
        let p = read(csv, &sources);
        let ids: Vec<(u32, Option<&str>, usize)> = p
            .events
            .iter()
            .map(|e| (e.id, e.source.as_deref(), e.at.line))
            .collect();
        assert_eq!(
            ids,
            [
                (7031, Some("Service Control Manager"), 3),
                (1030, Some("Userenv"), 5)
            ]
        );
        assert_eq!(
            p.events[0].message,
            "The Print Spooler service terminated, \"unexpectedly\". It has done this 1 time(s)."
        );
    }

    #[test]
    fn codes_and_article_ids_with_their_places() {
        let p = read(
            "Setup failed.\nIt says code 0x80070005, see KB 190698 and Q123456.",
            &sources,
        );
        assert_eq!(
            p.codes,
            [(
                "0x80070005".to_owned(),
                Place {
                    line: 2,
                    column: 14
                }
            )]
        );
        assert_eq!(
            p.article_ids,
            [
                (
                    "Q190698".to_owned(),
                    Place {
                        line: 2,
                        column: 30
                    }
                ),
                (
                    "Q123456".to_owned(),
                    Place {
                        line: 2,
                        column: 44
                    }
                )
            ]
        );
    }

    #[test]
    fn one_id_with_many_sources_is_one_event_per_source() {
        let text: String = (0..3000)
            .map(|n| format!("Source: S{n}\nEvent ID: 7\n\n"))
            .collect();
        let p = read(&text, &sources);
        assert_eq!(p.events.len(), 3000);
        let again = read(
            &format!("Event ID: 7\n\n{text}Source: s5\nEvent ID: 7\n"),
            &sources,
        );
        assert_eq!(
            again.events.len(),
            3000,
            "the unsourced one took a source's place"
        );
    }

    #[test]
    fn anything_reads_without_panicking() {
        for text in [
            "",
            "Id",
            "Id\n--",
            "Id\n-- --\n9999999999999 x",
            "\"Id\"\n\"",
            "\"Id\",\"ProviderName\"\n\"1\",\"a\"",
            "Message:\n\n\n",
            "é:é\nEvent ID: é\nÿ 1000 ÿ",
            "ProviderName:\nTimeCreated Id\n----------- --\nx 12",
        ] {
            let _ = read(text, &sources);
        }
    }
}
