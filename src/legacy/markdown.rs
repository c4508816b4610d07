//! Legacy body text to faithful Markdown.
//!
//! The body is plain text laid out for an 80-column screen: headings underlined with `=`
//! (sections) or `-` (sub-sections), hard-wrapped prose, ` - ` and `1.` lists, indented
//! blocks (error messages, event dumps, registry paths, code, tables). Each blank-line
//! separated block is classified and rendered so that the Markdown *renders to the
//! original words in order*: prose is escaped wherever Markdown would read syntax,
//! everything laid out by columns becomes a fenced code block, kept verbatim. Indented
//! lettered and roman sub-steps (`a.`, `(b)`, `ii.`) are lists nested under the step
//! they belong to ([`steps`]), not code.

mod steps;

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use crate::article::SectionKind;

/// One piece of the body: a heading or a block of consecutive non-blank lines.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// A heading: level 2 (`=` underline or a bare section name) or 3 (`-` underline).
    Heading(u8, &'a str),
    /// Consecutive non-blank lines.
    Block(Vec<&'a str>),
}

const BARE_SECTION_NAMES: [&str; 9] = [
    "SYMPTOMS",
    "SYMPTOM",
    "CAUSE",
    "RESOLUTION",
    "WORKAROUND",
    "STATUS",
    "MORE INFORMATION",
    "SUMMARY",
    "REFERENCES",
];

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_underline(line: &str, c: char) -> bool {
    line.len() >= 3 && line.chars().all(|x| x == c)
}

/// Whether `text` over `underline` is a heading: text at column 0, underline about as
/// long (or the text in capitals, which the archive underlines loosely).
fn is_heading(text: &str, underline: &str) -> bool {
    if text.is_empty() || text.starts_with(' ') || text.len() > 100 {
        return false;
    }
    if text.chars().all(|c| c == '=' || c == '-' || c == ' ') {
        return false;
    }
    let (t, u) = (text.chars().count(), underline.len());
    let capitals = text.chars().any(char::is_alphabetic) && !text.chars().any(char::is_lowercase);
    t.abs_diff(u) <= 3 || (capitals && u <= t + 10)
}

/// Cuts body lines into headings and blocks.
pub(crate) fn structure<'a>(lines: &[&'a str]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let mut block: Vec<&'a str> = Vec::new();
    let mut i = 0;
    let blank_before = |i: usize| i == 0 || lines[i - 1].is_empty();
    while i < lines.len() {
        let line = lines[i];
        let next = lines.get(i + 1).copied().unwrap_or("");
        let heading = if blank_before(i) && is_underline(next, '=') && is_heading(line, next) {
            Some(2)
        } else if blank_before(i) && is_underline(next, '-') && is_heading(line, next) {
            Some(3)
        } else {
            None
        };
        if let Some(level) = heading {
            flush(&mut parts, &mut block);
            parts.push(Part::Heading(level, line.trim()));
            i += 2;
            continue;
        }
        let bare = line.trim_end_matches(':');
        if blank_before(i)
            && next.is_empty()
            && !line.starts_with(' ')
            && BARE_SECTION_NAMES.contains(&bare)
        {
            flush(&mut parts, &mut block);
            parts.push(Part::Heading(2, bare));
            i += 1;
            continue;
        }
        if line.is_empty() {
            flush(&mut parts, &mut block);
        } else {
            block.push(line);
        }
        i += 1;
    }
    flush(&mut parts, &mut block);
    parts
}

fn flush<'a>(parts: &mut Vec<Part<'a>>, block: &mut Vec<&'a str>) {
    if !block.is_empty() {
        parts.push(Part::Block(std::mem::take(block)));
    }
}

/// The heading text kbase writes: known section names in capitals become sentence case
/// (`MORE INFORMATION` → `More information`), anything else stays as written.
pub(crate) fn heading_text(raw: &str) -> String {
    let capitals = !raw.chars().any(char::is_lowercase);
    if !capitals || SectionKind::from_heading(raw) == SectionKind::Other {
        return raw.to_owned();
    }
    let lower = raw.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The numbered list a block ended with: its delimiter and the number that would
/// continue it. Markdown joins numbered lists separated only by blank lines and renumbers
/// them, so a list that does not continue the previous one gets the other delimiter.
type OpenList = Option<(char, u32)>;

/// A list item still open after a block, which a following sub-step may nest under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenItem {
    /// The column of the item's marker in the legacy text: a sub-step belongs to the
    /// nearest open item whose marker stands to its left.
    marker: usize,
    /// The column the item's content starts at in the Markdown: what is nested in the
    /// item, even after a blank line, must be indented this far.
    content: usize,
    /// A lettered or roman sub-step: the indented blocks under it are its own (a
    /// numbered step's are left as they were, at the top level).
    sub_step: bool,
}

/// Where the next block stands among the lists before it.
#[derive(Debug, Default)]
struct Lists {
    /// The numbered list the text is in, to continue or to restart it.
    numbered: OpenList,
    /// The items open around the next block, outermost first: the last numbered or
    /// bulleted step, then the sub-steps inside it.
    items: Vec<OpenItem>,
}

/// Renders the parts as Markdown.
pub(crate) fn render(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    let mut lists = Lists::default();
    for part in parts {
        if !out.is_empty() {
            out.push('\n');
        }
        match part {
            Part::Heading(level, text) => {
                let hashes = if *level == 2 { "##" } else { "###" };
                let _ = writeln!(out, "{hashes} {}", escape_heading(&heading_text(text)));
                lists = Lists::default();
            }
            Part::Block(lines) => render_block(lines, &mut lists, &mut out),
        }
    }
    out
}

/// A list item: `-`, `*`, `·` or `•` bullets, or `1.` / `1)` numbers. (The archive's `o`
/// bullets stay text: the letter cannot be told from a word.)
static LIST_ITEM: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"^( {0,4})([-*\u{b7}\u{2022}]|\d{1,3}[.)])( +)(\S.*)$"));
static REF_LINE: LazyLock<Regex> = LazyLock::new(|| crate::extract::re(r"^\s*Q\d{5,6}\b"));
static ARTICLE_REF: LazyLock<Regex> = LazyLock::new(|| crate::extract::re(r"\bQ0*(\d{5,6})\b"));

fn render_block(lines: &[&str], lists: &mut Lists, out: &mut String) {
    if lines.iter().all(|l| REF_LINE.is_match(l)) {
        for l in lines {
            let _ = writeln!(out, "- {}", escape_line(l.trim()));
        }
        *lists = Lists::default();
        return;
    }
    if let Some((numbered, item)) = render_list(lines, lists.numbered, out) {
        *lists = Lists {
            numbered,
            items: vec![item],
        };
        return;
    }
    let min_indent = lines.iter().map(|l| indent(l)).min().unwrap_or(0);
    let max_indent = lines.iter().map(|l| indent(l)).max().unwrap_or(0);
    let tabular = lines.iter().any(|l| l.trim().contains("   "));
    let code_like = lines
        .iter()
        .filter(|l| {
            let t = l.trim();
            t.ends_with(';')
                || t.ends_with('{')
                || t.ends_with('}')
                || t.starts_with("#include")
                || t.starts_with("//")
        })
        .count()
        * 2
        >= lines.len();
    let wrapped = lines[..lines.len() - 1].iter().all(|l| l.len() >= 45);
    if !tabular && !code_like && max_indent <= 1 {
        render_prose(lines, wrapped || lines.len() == 1, out);
        *lists = Lists::default();
        return;
    }
    if let Some(sub_steps) = steps::parse(lines) {
        // Nested in the step before them, the sub-steps leave its list open.
        if !steps::render(&sub_steps, &mut lists.items, out) {
            lists.numbered = None;
        }
        return;
    }
    let paragraph = !tabular
        && !code_like
        && lines.len() >= 2
        && wrapped
        && min_indent == max_indent
        && is_wordy(lines);
    let under_step = lists
        .items
        .last()
        .filter(|item| item.sub_step && min_indent > item.marker);
    if let Some(item) = under_step {
        // Indented under a sub-step, a block is part of it: a paragraph of the step, or
        // what it says to type or shows, kept verbatim in the item so the lists go on.
        let mut inner = String::new();
        if paragraph {
            render_prose(lines, true, &mut inner);
        } else {
            render_pre(lines, min_indent, &mut inner);
        }
        let pad = " ".repeat(item.content);
        for l in inner.lines() {
            let _ = writeln!(out, "{pad}{l}");
        }
        return;
    }
    if paragraph {
        let mut quote = String::new();
        render_prose(lines, true, &mut quote);
        for l in quote.lines() {
            let _ = writeln!(out, "> {l}");
        }
    } else {
        render_pre(lines, min_indent, out);
    }
    *lists = Lists::default();
}

/// Mostly words (letters and spaces), as indented prose is; messages full of codes,
/// paths and punctuation are better kept verbatim.
fn is_wordy(lines: &[&str]) -> bool {
    let (mut wordy, mut total) = (0usize, 0usize);
    for c in lines.iter().flat_map(|l| l.trim().chars()) {
        total += 1;
        if c.is_alphabetic() || c == ' ' {
            wordy += 1;
        }
    }
    wordy * 10 >= total * 8
}

/// A list block: items at one indentation, with continuation lines indented under them.
/// Numbered items must count up from the first, so the rendered numbers are the original
/// ones. Returns `None` (writing nothing) when the block is not such a list, else the
/// numbered list it leaves open and its last item.
fn render_list(lines: &[&str], open: OpenList, out: &mut String) -> Option<(OpenList, OpenItem)> {
    let first = LIST_ITEM.captures(lines[0])?;
    let base = first[1].len();
    let numbered = first[2].as_bytes()[0].is_ascii_digit();
    let mut next_number: Option<u32> = None;
    let mut items: Vec<(String, Vec<&str>)> = Vec::new();
    for line in lines {
        match LIST_ITEM.captures(line) {
            Some(c) if c[1].len() == base => {
                let marker = &c[2];
                if marker.as_bytes()[0].is_ascii_digit() != numbered {
                    return None;
                }
                let marker = if numbered {
                    let n: u32 = marker[..marker.len() - 1].parse().unwrap_or(0);
                    if next_number.is_some_and(|expected| expected != n) {
                        return None;
                    }
                    next_number = Some(n + 1);
                    n.to_string()
                } else {
                    "-".to_owned()
                };
                items.push((marker, vec![c.get(4).map_or("", |m| m.as_str())]));
            }
            _ => {
                let text_col = base + 3;
                match items.last_mut() {
                    Some((_, text)) if indent(line) > base && indent(line) <= text_col + 3 => {
                        text.push(line.trim())
                    }
                    _ => return None,
                }
            }
        }
    }
    let first_number = items.first().and_then(|(m, _)| m.parse::<u32>().ok());
    let delimiter = match (open, first_number) {
        (Some(('.', next)), Some(n)) if next != n => ')',
        (Some((_, next)), Some(n)) if next != n => '.',
        (Some((d, _)), Some(_)) => d,
        _ => '.',
    };
    let mut content = 0;
    for (mut marker, text) in items {
        if numbered {
            marker.push(delimiter);
        }
        content = marker.len() + 1;
        let pad = " ".repeat(content);
        for (i, l) in text.iter().enumerate() {
            let escaped = escape_line(l);
            if i == 0 {
                let _ = writeln!(out, "{marker} {escaped}");
            } else {
                let _ = writeln!(out, "{pad}{escaped}");
            }
        }
    }
    let item = OpenItem {
        marker: base,
        content,
        sub_step: false,
    };
    Some((next_number.map(|n| (delimiter, n)), item))
}

/// Prose: escaped line by line; short lines keep their breaks (addresses, menus).
fn render_prose(lines: &[&str], wrapped: bool, out: &mut String) {
    let last = lines.len() - 1;
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&escape_line(l.trim()));
        if !wrapped && i < last {
            out.push('\\');
        }
        out.push('\n');
    }
}

/// Pre-formatted text: a fenced code block, common indentation removed, verbatim.
fn render_pre(lines: &[&str], strip: usize, out: &mut String) {
    let longest_run = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    let _ = writeln!(out, "{fence}");
    for l in lines {
        let _ = writeln!(out, "{}", l.get(strip..).unwrap_or(l.trim_start()));
    }
    let _ = writeln!(out, "{fence}");
}

/// Escapes one line of prose so that Markdown renders it as written, and links `Qnnnnnn`
/// references to their articles.
pub(crate) fn escape_line(line: &str) -> String {
    let mut s = String::with_capacity(line.len() + 8);
    // Constructs recognised only at the start of a line.
    let bytes = line.as_bytes();
    let mut start = 0;
    match bytes.first() {
        Some(b'#' | b'>' | b'+' | b'-' | b'=') => {
            let rest = &line[1..];
            let rule = line.chars().all(|c| c == '=' || c == '-' || c == ' ');
            if bytes[0] == b'#'
                || bytes[0] == b'>'
                || rule
                || rest.is_empty()
                || rest.starts_with(' ')
            {
                s.push('\\');
            }
        }
        Some(b'0'..=b'9') => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits <= 9
                && matches!(bytes.get(digits), Some(b'.' | b')'))
                && matches!(bytes.get(digits + 1), None | Some(b' '))
            {
                s.push_str(&line[..digits]);
                s.push('\\');
                start = digits;
            }
        }
        _ => {}
    }
    escape_inline(&line[start..], &mut s);
    link_refs(&s)
}

/// Escapes heading text: inline escapes plus `#`, which could close an ATX heading.
fn escape_heading(text: &str) -> String {
    let mut s = String::new();
    escape_inline(text, &mut s);
    s.replace('#', "\\#")
}

/// Backslash-escapes the inline Markdown syntax in `text`.
fn escape_inline(text: &str, out: &mut String) {
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let escape = match c {
            '`' | '*' | '[' | ']' | '<' | '&' | '|' | '~' => true,
            '\\' => next.is_none_or(|n| n.is_ascii_punctuation()),
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
}

/// Turns `Q123456` into a link to `/kb/Q123456` (leading zeros dropped from the target).
fn link_refs(escaped: &str) -> String {
    if !escaped.contains('Q') {
        return escaped.to_owned();
    }
    ARTICLE_REF
        .replace_all(escaped, |c: &regex::Captures<'_>| {
            format!("[{}](/kb/Q{})", &c[0], &c[1])
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::render::to_text;

    fn md(text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        render(&structure(&lines))
    }

    #[test]
    fn prose_escapes_render_back_to_the_original() {
        for line in [
            "Use *.* and a_b but _x_ or [link](y) <b>bold</b> & &amp; `code` a|b ~~s~~",
            "# not a heading",
            "- not a list",
            "1999. Not a list either",
            "> not a quote",
            "C:\\WINDOWS\\SYSTEM and a trailing backslash \\",
            "====",
            "!",
        ] {
            let rendered = to_text(&escape_line(line));
            assert_eq!(rendered, line, "{}", escape_line(line));
        }
    }

    #[test]
    fn headings_and_sub_headings() {
        let parts = structure(&[
            "SYMPTOMS", "========", "", "Text.", "", "Steps", "-----", "", "x",
        ]);
        assert_eq!(
            parts,
            [
                Part::Heading(2, "SYMPTOMS"),
                Part::Block(vec!["Text."]),
                Part::Heading(3, "Steps"),
                Part::Block(vec!["x"])
            ]
        );
        // Underlines under indented or mismatched lines are text (tables), and so is a
        // `=` line glued under a paragraph.
        assert_eq!(
            structure(&["   Name", "   ----"]),
            [Part::Block(vec!["   Name", "   ----"])]
        );
        assert_eq!(structure(&["text", "more text", "===="]).len(), 1);
        assert_eq!(
            structure(&["", "CAUSE:", "", "x"])[0],
            Part::Heading(2, "CAUSE")
        );
    }

    #[test]
    fn sub_steps_nest_under_the_step_to_their_left() {
        assert_eq!(
            md("1. Stop it:\n\n   a. Click Start, and\n      Services.\n\n      i. Roman.\n\n   b. Stop.\n\n2. Go on."),
            "1. Stop it:\n\n   - a. Click Start, and\n     Services.\n\n     - i. Roman.\n\n   - b. Stop.\n\n2. Go on.\n"
        );
        assert_eq!(
            md("Do this:\n\n   a. One\n   b. Two"),
            "Do this:\n\n- a. One\n- b. Two\n",
            "with no step before them they are a list of their own"
        );
        assert_eq!(
            md("10. Type:\n\n    a. Type:\n\n          net stop x\n\n    b. Done."),
            "10. Type:\n\n    - a. Type:\n\n      ```\n      net stop x\n      ```\n\n    - b. Done.\n",
            "what a sub-step says to type stays code, inside it"
        );
        assert_eq!(
            md("1. One\n\n   Name      Value\n   a. x      y"),
            "1. One\n\n```\nName      Value\na. x      y\n```\n",
            "columns stay code"
        );
    }

    #[test]
    fn blocks_by_layout() {
        assert_eq!(
            md(" - Adapter not present.\n - Interrupt conflict with another device\n   in the machine."),
            "- Adapter not present.\n- Interrupt conflict with another device\n  in the machine.\n"
        );
        assert_eq!(md("1. One\n2. Two"), "1. One\n2. Two\n");
        assert_eq!(
            md("2. Two\n\n1. One"),
            "2. Two\n\n1) One\n",
            "a restart is a new list"
        );
        assert_eq!(
            md("1. One\n\n2. Two"),
            "1. One\n\n2. Two\n",
            "a continuation stays one list"
        );
        assert_eq!(
            md("1. One\n3. Three"),
            "1\\. One\\\n3\\. Three\n",
            "numbers that skip stay text"
        );
        assert_eq!(
            md("   Event ID: 7001\n   Source: Service Control Manager"),
            "```\nEvent ID: 7001\nSource: Service Control Manager\n```\n"
        );
        assert_eq!(
            md("   Q151261 OFF97: How to Obtain SR-2"),
            "- [Q151261](/kb/Q151261) OFF97: How to Obtain SR-2\n"
        );
        assert_eq!(
            md("See Q012345 for more."),
            "See [Q012345](/kb/Q12345) for more.\n"
        );
    }
}
