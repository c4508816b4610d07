//! Articles: the native file format, its model, parsing, rendering and checking.
//!
//! An article is a Markdown file with YAML front matter (DESIGN §2). [`parse`] turns its
//! text into an [`Article`] plus located [`Diagnostic`]s and never panics on any input;
//! [`load`] is the only code that reads the articles folder; [`check`] holds the rules
//! that span articles (unique ids, known references). Nothing here touches the index or
//! HTTP.

pub mod check;
mod field_reader;
mod fields;
pub mod front_matter;
pub mod load;
pub mod render;
pub mod section;
mod source;

use std::collections::BTreeMap;

use serde::Serialize;

pub use fields::{is_valid_id, ArticleId, Date, EventId, Product, Status, Visibility};
pub use front_matter::{EventRef, FrontMatter, Origin};
pub use section::{Section, SectionKind};
pub use source::decode;

use crate::diagnostic::Diagnostic;
use front_matter::KeyLines;

/// One knowledge-base article: its front matter and its sections.
///
/// Built only by [`parse`], so an `Article` always has a valid id and a title.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    /// The structured fields.
    #[serde(flatten)]
    pub front: FrontMatter,
    /// Front matter keys kbase does not know, by path, kept so nothing a writer put in
    /// the file is lost.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_yaml::Value>,
    /// The body, cut at its `##` headings.
    pub sections: Vec<Section>,
    /// File line where the body starts.
    #[serde(skip)]
    pub body_line: usize,
    #[serde(skip)]
    key_lines: KeyLines,
}

impl Article {
    /// The article id (`Q190698`).
    pub fn id(&self) -> &str {
        self.front.id.as_str()
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.front.title
    }

    /// The section a helpdesk wants first: the resolution, else the workaround, else the
    /// summary (DESIGN §2). Empty sections do not count.
    pub fn fix(&self) -> Option<&Section> {
        SectionKind::FIX_ORDER.iter().find_map(|kind| {
            self.sections
                .iter()
                .find(|s| s.kind == *kind && !s.is_empty())
        })
    }

    /// File line of a top-level front matter key, for diagnostics about its value.
    pub fn line_of_key(&self, key: &str) -> Option<usize> {
        self.key_lines.line_of(key)
    }
}

/// The permalink of an article, or of one of its sections: `/kb/Q190698`,
/// `/kb/Q190698#workaround`. The one place that knows the shape of article URLs; it is
/// relative, and the server prefixes its public address where links leave the site.
pub fn permalink(id: &str, anchor: Option<&str>) -> String {
    match anchor {
        Some(a) => format!("/kb/{id}#{a}"),
        None => format!("/kb/{id}"),
    }
}

/// What [`parse`] found: the article when the text is usable, and every problem.
#[derive(Debug)]
pub struct Parsed {
    /// The article, `None` when an error made the text unusable.
    pub article: Option<Article>,
    /// Errors and warnings, located in the text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses an article's text (already decoded: see [`decode`]).
///
/// Errors in the front matter make the article unusable; warnings do not. Rules that
/// need the article alone (an empty section, no fix) are applied here too, whether or
/// not the front matter could be read, so every reader of articles reports the same
/// things and an author sees every problem of a file at once, in file order.
pub fn parse(text: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = match front_matter::split(text) {
        Ok(split) => split,
        Err(d) => {
            return Parsed {
                article: None,
                diagnostics: vec![d],
            }
        }
    };
    let fm = front_matter::parse(&split);
    let mut diagnostics = fm.diagnostics;
    // `front_matter::parse` gives fields only when it found no error.
    let usable = fm.front.is_some();
    let article = Article {
        // The body's rules look at the sections alone, so a file whose front matter
        // failed still hears about its empty sections: every problem in one run.
        front: fm.front.unwrap_or_default(),
        extra: fm.extra,
        sections: section::split_sections(split.body, split.body_line),
        body_line: split.body_line,
        key_lines: fm.lines,
    };
    diagnostics.extend(check::check_article(&article));
    diagnostics.sort_by_key(|d| (d.line, d.column));
    Parsed {
        article: usable.then_some(article),
        diagnostics,
    }
}

/// Decodes and parses the bytes of an article file in one step.
pub fn parse_bytes(bytes: &[u8]) -> Parsed {
    match decode(bytes) {
        Ok(text) => parse(&text),
        Err(d) => Parsed {
            article: None,
            diagnostics: vec![d],
        },
    }
}
