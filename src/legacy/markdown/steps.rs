//! Lettered and roman sub-steps: `a.`, `b)`, `(c)`, `i.`, `ii)`, `(iv)`, indented under
//! the numbered step they belong to.
//!
//! The archive indents them (with their continuation lines hung under the text), so read
//! as blocks they look pre-formatted; about 1,300 articles of the developer corpus read
//! as code because of them. Markdown has no lettered list, and an ordered list would
//! renumber them `1.`, `2.`, so each becomes a bullet that starts with its own marker
//! (`- a. Click Start`), nested under the nearest open item to its left. The marker is
//! the text as written: a reader sees the letters, and the words stay in order.
//!
//! Only blocks made of such items and their continuation lines are taken; anything laid
//! out in columns or looking like code stays a fenced block (the caller's).

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

use super::{escape_line, indent, OpenItem};

/// A sub-step's first line: its indentation, an optional `(`, a one-letter or roman
/// label, `.` or `)`, spaces, then text.
static STEP: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"^( *)(\(?)([a-z]{1,6})([.)])( +)(\S.*)$"));
/// Roman numbers up to 39 (`i` to `xxxix`), in lower case as the archive writes them.
static ROMAN: LazyLock<Regex> = LazyLock::new(|| crate::extract::re(r"^x{0,3}(?:ix|iv|v?i{0,3})$"));

/// One sub-step of a block: where its marker stands, the marker, and its lines (the
/// first line's text after the marker, then its continuation lines, trimmed).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Step<'a> {
    /// The column of the marker in the legacy text, which decides the nesting.
    column: usize,
    /// The marker as written: `a.`, `b)`, `(iv)`.
    marker: &'a str,
    /// The text, line by line as wrapped in the original.
    lines: Vec<&'a str>,
}

/// The marker column, marker, text column and text of a sub-step's first line.
fn step_line(line: &str) -> Option<(usize, &str, usize, &str)> {
    let c = STEP.captures(line)?;
    let label = &c[3];
    let open_paren = !c[2].is_empty();
    if open_paren && &c[4] != ")" {
        return None;
    }
    let letter = label.len() == 1;
    if !letter && !ROMAN.is_match(label) {
        return None;
    }
    let column = c[1].len();
    let marker_end = c.get(4).map_or(column, |m| m.end());
    let text = c.get(6)?;
    Some((
        column,
        &line[column..marker_end],
        text.start(),
        text.as_str(),
    ))
}

/// Text laid out in columns (runs of three spaces inside a line) or ending like code
/// (`;`, `{`, `}`): the block stays pre-formatted.
fn looks_laid_out(text: &str) -> bool {
    let t = text.trim();
    t.contains("   ") || t.ends_with(';') || t.ends_with('{') || t.ends_with('}')
}

/// Reads a block as sub-steps: every line is a sub-step's first line or a continuation
/// line, indented at least as far as its step's marker and at most a little past its
/// text. `None` when the block is anything else, or laid out like a table or code.
pub(super) fn parse<'a>(lines: &[&'a str]) -> Option<Vec<Step<'a>>> {
    let mut steps: Vec<Step<'a>> = Vec::new();
    let mut text_column = 0;
    for line in lines {
        if let Some((column, marker, text_at, text)) = step_line(line) {
            if looks_laid_out(text) {
                return None;
            }
            text_column = text_at;
            steps.push(Step {
                column,
                marker,
                lines: vec![text],
            });
            continue;
        }
        let step = steps.last_mut()?;
        let at = indent(line);
        if at < step.column || at > text_column + 2 || looks_laid_out(line) {
            return None;
        }
        step.lines.push(line.trim());
    }
    Some(steps)
}

/// Writes the sub-steps as bullets, each nested under the nearest open item whose
/// marker stands to its left (`open`, outermost first, which is updated: the sub-steps
/// stay open for the blocks after them). Returns whether the first was nested at all:
/// when not, the list before them is closed.
pub(super) fn render(steps: &[Step<'_>], open: &mut Vec<OpenItem>, out: &mut String) -> bool {
    let mut nested = false;
    for (i, step) in steps.iter().enumerate() {
        while open.last().is_some_and(|item| item.marker >= step.column) {
            open.pop();
        }
        let content = open.last().map_or(0, |item| item.content);
        if i == 0 {
            nested = content > 0;
        }
        let pad = " ".repeat(content);
        for (j, text) in step.lines.iter().enumerate() {
            if j == 0 {
                let first = escape_line(&format!("{} {text}", step.marker));
                let _ = writeln!(out, "{pad}- {first}");
            } else {
                let _ = writeln!(out, "{pad}  {}", escape_line(text));
            }
        }
        open.push(OpenItem {
            marker: step.column,
            content: content + 2,
            sub_step: true,
        });
    }
    nested
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(
            step_line("   a. Click Start."),
            Some((3, "a.", 6, "Click Start."))
        );
        assert_eq!(step_line("  (iv) Four"), Some((2, "(iv)", 7, "Four")));
        assert_eq!(step_line("   b) Two"), Some((3, "b)", 6, "Two")));
        assert_eq!(step_line("   (b. Two"), None, "an open parenthesis closes");
        assert_eq!(step_line("   ab. Two"), None, "two letters are no label");
        assert_eq!(step_line("   xii. Twelve").map(|s| s.1), Some("xii."));
        assert_eq!(step_line("   i.e. that"), None);
        assert_eq!(step_line("   A. Capitals"), None);
    }

    #[test]
    fn continuation_lines_join_their_step_and_columns_do_not() {
        let steps = parse(&["   a. Click Start, then", "      Services.", "   b. Stop."]).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].lines, ["Click Start, then", "Services."]);
        assert!(parse(&["   a. Name      Value", "   b. Other     Value"]).is_none());
        assert!(parse(&["   a. Type:", "            net stop spooler"]).is_none());
        assert!(parse(&["   Type:", "   a. net stop spooler"]).is_none());
        assert!(parse(&["   a. x = 1;"]).is_none());
    }
}
