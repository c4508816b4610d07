//! The body of an article, cut into sections at its `##` headings.
//!
//! Sections are what kbase links to (`/kb/Q190698#workaround`) and what it shows inline
//! (the fix), so their anchors must be stable: an anchor is the slug of the heading,
//! made unique within the article by a numeric suffix, and nothing else. Headings are
//! found by pulldown-cmark with the same options as rendering, so a `##` inside a code
//! block is never mistaken for a heading.

use std::fmt;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Serialize;

use super::render;

/// What a section is for, recognised from its heading.
///
/// The kinds are the ones helpdesk articles use; the fix shown in search results is
/// chosen by kind ([`SectionKind::FIX_ORDER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// A short overview, or the text before the first heading.
    Summary,
    /// What the user sees.
    Symptoms,
    /// Why it happens.
    Cause,
    /// The fix.
    Resolution,
    /// A way around the problem when there is no fix.
    Workaround,
    /// Whether the vendor confirmed or fixed it.
    Status,
    /// Background and details.
    MoreInformation,
    /// Related documents.
    References,
    /// Products and versions concerned.
    AppliesTo,
    /// Any other heading, kept as written.
    Other,
}

impl SectionKind {
    /// The kinds that can be an article's fix, best first.
    pub const FIX_ORDER: [SectionKind; 3] = [
        SectionKind::Resolution,
        SectionKind::Workaround,
        SectionKind::Summary,
    ];

    /// Recognises a heading, case-insensitively and with common synonyms.
    pub fn from_heading(heading: &str) -> SectionKind {
        let words: Vec<String> = heading
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        match words.join(" ").as_str() {
            "summary" | "overview" | "introduction" | "abstract" => SectionKind::Summary,
            "symptoms" | "symptom" | "problem" | "problem description" | "issue" => {
                SectionKind::Symptoms
            }
            "cause" | "causes" | "reason" => SectionKind::Cause,
            "resolution" | "resolutions" | "solution" | "solutions" | "fix" => {
                SectionKind::Resolution
            }
            "workaround" | "workarounds" | "work around" | "temporary workaround" => {
                SectionKind::Workaround
            }
            "status" => SectionKind::Status,
            "more information" | "additional information" | "more info" | "details" => {
                SectionKind::MoreInformation
            }
            "references" | "reference" => SectionKind::References,
            "applies to" | "the information in this article applies to" => SectionKind::AppliesTo,
            _ => SectionKind::Other,
        }
    }
}

impl fmt::Display for SectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SectionKind::Summary => "summary",
            SectionKind::Symptoms => "symptoms",
            SectionKind::Cause => "cause",
            SectionKind::Resolution => "resolution",
            SectionKind::Workaround => "workaround",
            SectionKind::Status => "status",
            SectionKind::MoreInformation => "more_information",
            SectionKind::References => "references",
            SectionKind::AppliesTo => "applies_to",
            SectionKind::Other => "other",
        })
    }
}

/// One `##` section of an article.
///
/// The Markdown is stored; HTML and plain text are rendered on demand ([`Section::html`],
/// [`Section::text`]) so that loading 50,000 articles does not hold three copies of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Anchor, unique in the article: the slug of the heading (`more-information`).
    #[serde(rename = "id")]
    pub anchor: String,
    /// What the section is for.
    pub kind: SectionKind,
    /// The heading as written (`More information`).
    pub heading: String,
    /// The section's Markdown, without its heading line.
    pub markdown: String,
    /// File line of the heading (of the first body line for the untitled opening text).
    pub line: usize,
}

impl Section {
    /// Sanitised HTML of the section's content.
    pub fn html(&self) -> String {
        render::to_html(&self.markdown)
    }

    /// Plain text of the section's content.
    pub fn text(&self) -> String {
        render::to_text(&self.markdown)
    }

    /// True when the section has no content at all.
    pub fn is_empty(&self) -> bool {
        self.markdown.trim().is_empty()
    }
}

/// Cuts `body` (whose first line is file line `first_line`) into sections.
///
/// Text before the first heading becomes a `Summary` section headed "Summary"; only
/// level-2 headings outside lists and quotes start a section, deeper ones stay inside.
pub fn split_sections(body: &str, first_line: usize) -> Vec<Section> {
    let mut cuts: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut depth = 0usize;
    let mut heading: Option<(std::ops::Range<usize>, String)> = None;
    for (event, range) in Parser::new_ext(body, render::markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) if depth == 0 => {
                heading = Some((range, String::new()));
                depth += 1;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) if depth == 1 && heading.is_some() => {
                cuts.extend(heading.take());
                depth -= 1;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, text)) = heading.as_mut() {
                    text.push(' ');
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let line_at =
        |offset: usize| first_line + body[..offset].bytes().filter(|&b| b == b'\n').count();
    let mut sections = Vec::with_capacity(cuts.len() + 1);
    let mut slugs = Slugs::default();
    let preamble_end = cuts.first().map_or(body.len(), |(r, _)| r.start);
    let preamble = trim_blank_lines(&body[..preamble_end]);
    if !preamble.is_empty() {
        let start = body.find(|c: char| !c.is_whitespace()).unwrap_or(0);
        sections.push(Section {
            anchor: slugs.unique("Summary"),
            kind: SectionKind::Summary,
            heading: "Summary".to_owned(),
            markdown: preamble.to_owned(),
            line: line_at(start.min(preamble_end)),
        });
    }
    for (i, (range, text)) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).map_or(body.len(), |(r, _)| r.start);
        let heading = text.split_whitespace().collect::<Vec<_>>().join(" ");
        sections.push(Section {
            anchor: slugs.unique(&heading),
            kind: SectionKind::from_heading(&heading),
            markdown: trim_blank_lines(&body[range.end.min(end)..end]).to_owned(),
            heading,
            line: line_at(range.start),
        });
    }
    sections
}

/// Drops whole blank lines at both ends, keeping the indentation of the first line
/// (it may be an indented code block).
fn trim_blank_lines(s: &str) -> &str {
    let mut start = 0;
    for line in s.split_inclusive('\n') {
        if !line.trim().is_empty() {
            break;
        }
        start += line.len();
    }
    s[start..].trim_end()
}

/// Hands out anchors, unique within one article.
#[derive(Default)]
struct Slugs(Vec<String>);

impl Slugs {
    fn unique(&mut self, heading: &str) -> String {
        let base = slug(heading);
        let mut candidate = base.clone();
        let mut n = 2;
        while self.0.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        self.0.push(candidate.clone());
        candidate
    }
}

/// The URL fragment for a heading: lower-case letters and digits joined by `-`
/// (`More information` → `more-information`); `section` when nothing is left.
pub fn slug(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    for c in heading.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable_and_unique() {
        assert_eq!(slug("More information"), "more-information");
        assert_eq!(slug("[386Enh] Section Settings"), "386enh-section-settings");
        assert_eq!(slug("  ¿?  "), "section");
        let mut s = Slugs::default();
        assert_eq!(
            [s.unique("Notes"), s.unique("notes"), s.unique("NOTES")],
            ["notes", "notes-2", "notes-3"]
        );
    }

    #[test]
    fn kinds_match_synonyms() {
        assert_eq!(
            SectionKind::from_heading("RESOLUTION"),
            SectionKind::Resolution
        );
        assert_eq!(
            SectionKind::from_heading("More Information:"),
            SectionKind::MoreInformation
        );
        assert_eq!(
            SectionKind::from_heading("Work around"),
            SectionKind::Workaround
        );
        assert_eq!(
            SectionKind::from_heading("Steps to reproduce"),
            SectionKind::Other
        );
    }

    #[test]
    fn splits_at_top_level_h2_only() {
        let body = "Intro.\n\n## Cause\n\nBecause.\n\n```\n## not a heading\n```\n\n> ## quoted\n\n### Sub\n\nx\n\nSetext\n------\n\ny\n";
        let s = split_sections(body, 10);
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.anchor.as_str(), s.kind, s.line))
            .collect();
        assert_eq!(
            got,
            [
                ("summary", SectionKind::Summary, 10),
                ("cause", SectionKind::Cause, 12),
                ("setext", SectionKind::Other, 26)
            ]
        );
        assert!(s[1].markdown.contains("## not a heading") && s[1].markdown.contains("### Sub"));
        assert_eq!(s[2].markdown, "y");
    }
}
