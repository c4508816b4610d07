//! Finding events, error codes, STOP codes and article references in free text.
//!
//! Helpdesk text names these things in many ways ("Event ID: 2510, Source: Server",
//! "Event IDs 7000 and 7001", "STOP 0x0000007B", "Stop 0x7B", bare `80004005`). The
//! importer, the indexer, the query parser and ticket suggestions all call this module,
//! so they agree on what a mention is and on the normal form of each value: event
//! sources keep their spelling (matched case-insensitively elsewhere), codes are `0x` +
//! 8 upper-case hex digits. Pure functions, no I/O.

use std::sync::LazyLock;

use regex::Regex;

/// An event named in text: its ID, and the source and log when the text gives them.
///
/// The ID may be 0: some providers (ESE, Dr. Watson) log event 0, and people search for
/// it, even though an article's front matter only lists IDs from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMention {
    /// The event ID (up to 5 digits in text: longer numbers are article ids, sizes, dates).
    pub id: u32,
    /// Event source (provider), as written.
    pub source: Option<String>,
    /// Event log (`Application`, `System`, `Security`, ...), capitalised.
    pub log: Option<String>,
}

/// Compiles one of kbase's built-in patterns (a bad one is a bug found by the first test
/// that uses it, never by input).
pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?}: {e}"))
}

/// `Event ID 5058`, `Event ID: 1001`, `Event IDs 7000 and 7001`, `EventID=17`,
/// `Event ID #7000`, `Event ID-1305`, `event ID's 1004, 1008`: the `ID` is required.
static EVENT_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bevent\s*id(?:'?s)?\b\s*(?:[:=#(-]\s*)*(\d{1,5}(?:\s*(?:,\s*(?:and|or)?|and|or|&)\s*(?:event\s*id\s*)?\d{1,5})*)(?:'?s)?\b",
    )
});
/// `Event 1008`, `Events 105 and 145`, `Event 7200 1711 1025`: without `ID`, trusted only
/// in titles.
static EVENT_BARE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bevents?\s+(\d{1,5}(?:(?:\s*(?:,\s*(?:and|or)?|and|or|&)\s*|\s+)\d{1,5})*)(?:'?s)?\b")
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\d{1,5}"));
/// `Source: X` or `Event Source: X` on a line, possibly after other fields.
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:^|[\s,;])(?:event\s+)?source\s*:\s*([A-Za-z][\w .\-/]*?)\s*(?:$|,|;|\s{2,}|\s(?:type|category|event|description|id)\s*:)",
    )
});
static LOG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(application|system|security|directory service|dns server|file replication service)\s+(?:event\s+)?log\b",
    )
});
static LOG_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*log\s*(?:name)?\s*:\s*([A-Za-z][A-Za-z ]*?)\s*$"));
/// `0x80070005`-style hex values of exactly 8 digits.
static HEX8: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b0x([0-9a-f]{8})\b"));
/// Bare `80004005`, `C0000005`: only the common HRESULT (`800x`, `887x`/`888x`) and
/// NTSTATUS (`C00x`) spaces, to avoid matching ordinary numbers.
static BARE_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b((?:800[0-9a-f]|88[78][0-9a-f]|c00[0-9a-f])[0-9a-f]{4})h?\b"));
/// `STOP 0x0000007B`, `STOP: c000021a`, `Stop 0x7B`, `STOP message 0x0A`.
static STOP: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bstop\b\s*(?:(?:message|error|code|screen|event)\s*)?[:\s]\s*(0x)?([0-9a-f]{1,8})\b")
});
/// `Q190698` (5 or 6 digits), the legacy article numbers.
static ARTICLE_REF: LazyLock<Regex> = LazyLock::new(|| re(r"\bQ(\d{5,6})\b"));

/// Event IDs named in a title, including the bare `Event 1008` form, in order, unique.
pub fn title_event_ids(title: &str) -> Vec<u32> {
    let mut ids = Vec::new();
    for caps in EVENT_ID
        .captures_iter(title)
        .chain(EVENT_BARE.captures_iter(title))
    {
        push_numbers(&caps[1], &mut ids);
    }
    ids
}

fn push_numbers(list: &str, ids: &mut Vec<u32>) {
    for m in NUMBER.find_iter(list) {
        if let Ok(n) = m.as_str().parse::<u32>() {
            if !ids.contains(&n) {
                ids.push(n);
            }
        }
    }
}

/// Events named in body text (`Event ID` forms only), with the source and log found in
/// the same event block: the lines from 4 before to 5 after the mention, not crossing a
/// blank line. Unique by (id, source); an ID with a source replaces the same ID without.
pub fn text_events(text: &str) -> Vec<EventMention> {
    let mut out = EventSet::default();
    event_id_mentions(text, &mut |_, _, e| out.add(e));
    out.events
}

/// Every `Event ID` mention of `text`, in order, with its line (0-based) and byte column
/// in that line, and the source and log of its block; not de-duplicated.
pub(crate) fn event_id_mentions(text: &str, found: &mut dyn FnMut(usize, usize, EventMention)) {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        for caps in EVENT_ID.captures_iter(line) {
            let mut ids = Vec::new();
            push_numbers(&caps[1], &mut ids);
            let (source, log) = block_fields(&lines, i);
            let column = caps.get(0).map_or(0, |m| m.start());
            for id in ids {
                found(
                    i,
                    column,
                    EventMention {
                        id,
                        source: source.clone(),
                        log: log.clone(),
                    },
                );
            }
        }
    }
}

/// `Event 7031`, `events 7000 and 7001` in `line`: the IDs and the byte column of the
/// mention. In titles this form is an event ([`title_event_ids`]); in body text it is
/// too loose (`event 1` of a list), but in a pasted ticket it is what people write.
pub(crate) fn bare_event_mentions(line: &str) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    for caps in EVENT_BARE.captures_iter(line) {
        let mut ids = Vec::new();
        push_numbers(&caps[1], &mut ids);
        let column = caps.get(0).map_or(0, |m| m.start());
        out.extend(ids.into_iter().map(|id| (column, id)));
    }
    out
}

/// Events unique by (id, source, ignoring case), in order of first mention, with an
/// index by id so that adding one costs the same however many are known: pasted text
/// may name a hundred thousand.
#[derive(Default)]
struct EventSet {
    events: Vec<EventMention>,
    /// Positions in `events` of each ID's mentions.
    by_id: std::collections::HashMap<u32, Vec<usize>>,
}

impl EventSet {
    /// Adds `e` unless already known; a sourced mention upgrades an unsourced one.
    fn add(&mut self, e: EventMention) {
        let at = self.by_id.entry(e.id).or_default();
        if merge(&mut self.events, at, e) {
            at.push(self.events.len() - 1);
        }
    }
}

/// The one rule for a new mention `e` of an ID whose earlier mentions are at `same_id`
/// in `events`: known (same ID and source) → dropped; sourced → replaces an unsourced
/// one; unsourced while the ID is known → dropped; else pushed. Returns whether it was
/// pushed.
fn merge(events: &mut Vec<EventMention>, same_id: &[usize], e: EventMention) -> bool {
    if same_id
        .iter()
        .any(|&i| same_source(&events[i].source, &e.source))
    {
        return false;
    }
    if e.source.is_some() {
        if let Some(&i) = same_id.iter().find(|&&i| events[i].source.is_none()) {
            events[i] = e;
            return false;
        }
    } else if !same_id.is_empty() {
        return false;
    }
    events.push(e);
    true
}

fn same_source(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// The key an event source is matched by, whatever its spelling: letters and digits
/// only, lower-cased, without the `Microsoft-Windows-` of a provider's name. `Service
/// Control Manager`, `Service control manager.` and `ServiceControlManager` are one
/// source, `Dr. Watson` and `DrWatson` another, and `Microsoft-Windows-Kernel-Power` (the
/// provider, as `Get-WinEvent` and the event's XML name it) is `Kernel-Power` (as Event
/// Viewer shows it). Empty for a name with no letter or digit.
pub fn source_key(source: &str) -> String {
    let key: String = source
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.strip_prefix("microsoftwindows") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => key,
    }
}

/// A source as written, lower-cased, with single spaces and no trailing dot: what tells
/// `ServiceControlManager` from `Service Control Manager`, which are one source
/// ([`source_key`]), when a query spells it one way.
pub fn source_spelling(source: &str) -> String {
    source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .to_lowercase()
}

/// Adds `e` to `events` unless already known; a sourced mention upgrades an unsourced
/// one (the rule of [`text_events`], for short lists such as one article's).
pub fn add_event(events: &mut Vec<EventMention>, e: EventMention) {
    let same_id: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].id == e.id)
        .collect();
    merge(events, &same_id, e);
}

/// Source and log of the event block around line `at`.
fn block_fields(lines: &[&str], at: usize) -> (Option<String>, Option<String>) {
    let mut start = at;
    while start > 0 && at - start < 4 && !lines[start - 1].trim().is_empty() {
        start -= 1;
    }
    let mut end = at + 1;
    while end < lines.len() && end - at <= 5 && !lines[end].trim().is_empty() {
        end += 1;
    }
    // Nearest lines first: the mention's own line, then outwards.
    let mut order: Vec<usize> = vec![at];
    for d in 1..=5 {
        if at + d < end {
            order.push(at + d);
        }
        if d <= at && at - d >= start {
            order.push(at - d);
        }
    }
    let source = order.iter().find_map(|&i| {
        SOURCE
            .captures(lines[i])
            .map(|c| c[1].trim().to_owned())
            .filter(|s| !s.is_empty() && s.len() <= 60)
    });
    let log = order.iter().find_map(|&i| {
        LOG_FIELD
            .captures(lines[i])
            .or_else(|| LOG.captures(lines[i]))
            .map(|c| capitalise(c[1].trim()))
    });
    (source, log)
}

fn capitalise(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Error and STOP codes in `text`, normalised, in order of first appearance, unique.
///
/// Hex codes count when written `0x` + 8 digits in the HRESULT or NTSTATUS spaces (high
/// bit set) or bare in the common `8007`/`8004`/`C000` spaces; STOP codes in any length
/// after `STOP`, without the parameter list that follows them.
pub fn codes(text: &str) -> Vec<String> {
    code_mentions(text)
        .into_iter()
        .map(|(_, code)| code)
        .collect()
}

/// [`codes`] with the byte offset of each code's first mention.
pub fn code_mentions(text: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for c in STOP.captures_iter(text) {
        let hex = &c[2];
        if c.get(1).is_some() || hex.bytes().any(|b| b.is_ascii_digit()) {
            if let Some(code) = normalize_hex(hex) {
                found.push((c.get(0).map_or(0, |m| m.start()), code));
            }
        }
    }
    for c in HEX8.captures_iter(text) {
        let hex = &c[1];
        if matches!(hex.as_bytes()[0].to_ascii_lowercase(), b'8' | b'c')
            && !in_stop_parameters(text, c.get(0).map_or(0, |m| m.start()))
        {
            if let Some(code) = normalize_hex(hex) {
                found.push((c.get(0).map_or(0, |m| m.start()), code));
            }
        }
    }
    for c in BARE_CODE.captures_iter(text) {
        if let Some(code) = normalize_hex(&c[1]) {
            found.push((c.get(0).map_or(0, |m| m.start()), code));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    let mut seen = std::collections::HashSet::with_capacity(found.len());
    found
        .into_iter()
        .filter(|(_, code)| seen.insert(code.clone()))
        .collect()
}

/// Any `0x` value of 1 to 8 hex digits.
static HEX_ANY: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b0x([0-9a-f]{1,8})\b"));

/// The codes a title names: those of [`codes`], and every other `0x` value in it. A title
/// is too short for a memory dump, so a value it gives (`0xFFFFFC0B After Installing…`,
/// `Error 270 (0x0000010e)`, a STOP code's parameters) is what the article is about and
/// what a technician will search for, whatever its range.
pub fn title_codes(title: &str) -> Vec<String> {
    let mut found = codes(title);
    for c in HEX_ANY.captures_iter(title) {
        if let Some(code) = normalize_hex(&c[1]) {
            if !found.contains(&code) {
                found.push(code);
            }
        }
    }
    found
}

/// How far before a hex value a STOP code's parameter list may open: the list is short,
/// and looking further would cost a scan of the whole text per value.
const STOP_PARAMETERS_LOOKBACK: usize = 256;

/// True when the hex value at `at` sits inside the parenthesised parameter list that
/// follows a STOP code (`STOP: 0x0000000A (0x00000000, 0xFE758B97)`): those are
/// addresses and arguments, not error codes.
fn in_stop_parameters(text: &str, at: usize) -> bool {
    let mut from = at.saturating_sub(STOP_PARAMETERS_LOOKBACK);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = &text[from..at];
    let Some(open) = before.rfind('(') else {
        return false;
    };
    if before[open..].contains(')') {
        return false;
    }
    let head = &before[..open];
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    STOP.is_match(&head[line_start..])
}

/// `7b`, `0x7B`, `0000007b` → `0x0000007B`; `None` for more than 8 hex digits.
pub fn normalize_hex(hex: &str) -> Option<String> {
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    let value = u32::from_str_radix(hex, 16).ok()?;
    (!hex.is_empty() && hex.len() <= 8).then(|| format!("0x{value:08X}"))
}

/// Legacy article references (`Q123456`) in order of first appearance, unique.
pub fn article_refs(text: &str) -> Vec<String> {
    article_ref_mentions(text)
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}

/// [`article_refs`] with the byte offset of each reference's first mention.
pub fn article_ref_mentions(text: &str) -> Vec<(usize, String)> {
    let mut seen = std::collections::HashSet::new();
    ARTICLE_REF
        .captures_iter(text)
        .filter_map(|c| {
            let number = c[1].trim_start_matches('0');
            // `Q000000` names no article.
            (!number.is_empty()).then(|| (c.get(0).map_or(0, |m| m.start()), format!("Q{number}")))
        })
        .filter(|(_, id)| seen.insert(id.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sources_are_matched_by_one_key_whatever_their_spelling() {
        let k = super::source_key;
        for s in [
            "Service Control Manager",
            "Service control manager",
            "Service Control Manager.",
            "ServiceControlManager",
            "Microsoft-Windows-Service Control Manager",
        ] {
            assert_eq!(k(s), "servicecontrolmanager", "{s}");
        }
        assert_eq!(k("Dr. Watson"), k("DrWatson"));
        assert_eq!(k("Microsoft-Windows-Kernel-Power"), k("Kernel-Power"));
        assert_eq!(
            k("Microsoft Windows security auditing."),
            k("Microsoft-Windows-Security-Auditing")
        );
        assert_ne!(k("MSExchangeIS"), k("MSExchangeDS"));
        assert_eq!(k("Microsoft-Windows"), "microsoftwindows");
        assert_eq!(k("..."), "");
    }

    use super::*;

    #[test]
    fn title_forms() {
        assert_eq!(
            title_event_ids("Microsoft Key Management Server Event ID 5058"),
            [5058]
        );
        assert_eq!(
            title_event_ids("Event IDs 7000 and 7001 After Upgrade"),
            [7000, 7001]
        );
        assert_eq!(title_event_ids("Event ID: 1001 Logged"), [1001]);
        assert_eq!(title_event_ids("Event ID-1305 in log"), [1305]);
        assert_eq!(title_event_ids("XADM: Event 1008 Logged"), [1008]);
        assert_eq!(title_event_ids("Events 105 and 145 Appear"), [105, 145]);
        assert_eq!(
            title_event_ids("event ID's 1004, 1008 reported"),
            [1004, 1008]
        );
        assert_eq!(title_event_ids("ESE97 Event ID 0 Logged"), [0]);
        assert_eq!(title_event_ids("Preventing 1000 events"), Vec::<u32>::new());
        assert_eq!(title_event_ids("Capture Event 23s"), [23]);
        assert_eq!(
            title_event_ids("Exchange Stops Responding; Event 7200 1711 1025"),
            [7200, 1711, 1025]
        );
        assert_eq!(
            title_event_ids("DHCP Events 1010, 1016, and 1014"),
            [1010, 1016, 1014]
        );
        assert_eq!(
            title_event_ids("Event ID 1010, 1016, and 1014"),
            [1010, 1016, 1014]
        );
        assert_eq!(title_event_ids("Event ID 123456"), Vec::<u32>::new());
        assert_eq!(
            title_event_ids("Connector Logs Event ID 94086 and 65536"),
            [94086, 65536],
            "IDs past 16 bits are kept"
        );
    }

    #[test]
    fn table_rows_give_sources() {
        let text = "logged:\n\n   Event ID: 7001\n   Source: Service Control Manager\n   Type: Error\n\nlater Event ID #7000.";
        let e = text_events(text);
        assert_eq!(
            e[0],
            EventMention {
                id: 7001,
                source: Some("Service Control Manager".into()),
                log: None
            }
        );
        assert_eq!(e[1].id, 7000);
        assert_eq!(e[1].source, None, "a blank line ends the block");
        let inline = text_events("Event ID: 2510, Source: Server, Type: Error");
        assert_eq!(inline[0].source.as_deref(), Some("Server"));
        let before = text_events(
            "Event Type: Error\nEvent Source: Userenv\nEvent Category: None\nEvent ID: 1030",
        );
        assert_eq!(before[0].source.as_deref(), Some("Userenv"));
    }

    #[test]
    fn logs_are_found_near_the_mention() {
        let e = text_events(
            "you may receive an\nEvent ID 5058 in the Event Viewers application log, which",
        );
        assert_eq!(e[0].log.as_deref(), Some("Application"));
    }

    #[test]
    fn codes_are_normalised_and_stop_parameters_skipped() {
        let text = "STOP: 0x0000000A (0x00000000, 0x00000002, 0x0000000, 0xFE758B97)\nError 0x80070005 and 80004005h, Stop 0x7B, STOP: c000021a, stop ace";
        assert_eq!(
            codes(text),
            [
                "0x0000000A",
                "0x80070005",
                "0x80004005",
                "0x0000007B",
                "0xC000021A"
            ]
        );
        assert_eq!(
            codes("SFMATALK.SYS Could Cause STOP Message 0x0000000A"),
            ["0x0000000A"]
        );
        assert_eq!(
            codes("address 0x00401000 and 0x12345678"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_title_names_every_hex_value_it_gives() {
        assert_eq!(
            title_codes("Err: STOP 0x0000001e {0xc000005, 0xa1000aa7, 0x0}"),
            ["0x0000001E", "0x0C000005", "0xA1000AA7", "0x00000000"]
        );
        assert_eq!(
            title_codes("Browser Returns Error 270 (0x0000010e)"),
            ["0x0000010E"]
        );
        assert!(codes("Browser Returns Error 270 (0x0000010e)").is_empty());
    }

    #[test]
    fn article_references() {
        assert_eq!(
            article_refs("see Q151261 and Q012345, Q151261 again; not Q1234"),
            ["Q151261", "Q12345"]
        );
    }
}
