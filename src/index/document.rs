//! One article → one index document, and the stored summary that search hits show.
//!
//! Everything a hit needs (title, products, date, events, the fix cut to ~300 characters)
//! is precomputed here into a small JSON [`Summary`], so a search never re-reads article
//! files. Event IDs and codes that the text names are indexed even when the front matter
//! lacks them, through the same [`crate::extract`] functions the importer and the query
//! parser use.

use serde::{Deserialize, Serialize};
use tantivy::schema::Facet;
use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::article::render::escape_html;
use crate::article::{Article, Section, SectionKind};
use crate::extract;

/// The longest fix text shown in a hit.
pub const FIX_CHARS: usize = 300;
/// The length of a hit's snippet, in characters.
pub const SNIPPET_CHARS: usize = 180;

/// What every list of articles shows of one: a search hit, an event page's entry, a
/// ticket suggestion. Made once, when the article is indexed, and flattened into each
/// of those answers so that they cannot drift apart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Card {
    /// Article id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Permalink, relative ([`crate::article::permalink`]); the server makes it absolute
    /// when it knows its public address.
    pub url: String,
    /// The first product's name.
    pub product: Option<String>,
    /// Publication date, `YYYY-MM-DD`.
    pub published: Option<String>,
    /// Events: the front matter's, then those found in the text.
    pub events: Vec<EventSummary>,
    /// `public` or `internal` when the front matter says (absent: the server's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// `draft` or `retired`; absent for a published article. Only agents are shown
    /// articles that have one, marked as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The last day the article is valid (`YYYY-MM-DD`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    /// When the article is due for review (`YYYY-MM-DD`), when it has a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<String>,
}

/// What a search hit shows of an article, stored with its document (a fast field, so a
/// hit never decompresses the stored document).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// The card.
    pub card: Card,
    /// The fix, when the article has one.
    pub fix: Option<FixSummary>,
    /// The snippet of a hit that matched no words: the start of the article, as HTML.
    pub lead: String,
    /// The snippet of a hit found by an event ID, per ID the article names in its text:
    /// HTML around the ID's first mention in the section naming it most, the ID marked.
    pub event_snippets: Vec<EventSnippet>,
    /// The same for each error or STOP code the article names in its text.
    pub code_snippets: Vec<CodeSnippet>,
}

/// A snippet made when the article was indexed, for searches by code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeSnippet {
    /// The code, normalised (`0x80070005`).
    pub code: String,
    /// HTML-escaped text with `<mark>` around the code as written.
    pub html: String,
}

/// A snippet made when the article was indexed, for searches by event ID.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EventSnippet {
    /// The event ID.
    pub id: u32,
    /// HTML-escaped text with `<mark>` around the ID.
    pub html: String,
}

/// An event in a hit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EventSummary {
    /// Event ID.
    pub id: u32,
    /// Source, when known.
    pub source: Option<String>,
}

/// The fix as a hit shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FixSummary {
    /// Section kind (`resolution`, `workaround`, `summary`).
    pub section: String,
    /// Section heading as written.
    pub heading: String,
    /// The section's anchor.
    pub anchor: String,
    /// Its text, cut at a sentence or word boundary near [`FIX_CHARS`].
    pub text: String,
}

/// A section's plain text, for the snippets made when an article is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionText {
    /// Anchor.
    pub anchor: String,
    /// Plain text.
    pub text: String,
}

/// Where one section's Markdown lies in the stored file text: what a word snippet reads.
/// Kept instead of the sections' plain text, which would be a second copy of every
/// article in the document store (14 MB of 62 on the full archive); a hit renders only
/// the paragraphs its snippet comes from. Stored as `[start, len]`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(from = "(usize, usize)", into = "(usize, usize)")]
pub struct SectionSpan {
    /// Byte offset of the section's Markdown (after its heading line) in the file text.
    pub start: usize,
    /// Its length in bytes.
    pub len: usize,
}

impl From<(usize, usize)> for SectionSpan {
    fn from((start, len): (usize, usize)) -> SectionSpan {
        SectionSpan { start, len }
    }
}

impl From<SectionSpan> for (usize, usize) {
    fn from(s: SectionSpan) -> (usize, usize) {
        (s.start, s.len)
    }
}

impl SectionSpan {
    /// The section's Markdown in `source`, the file text it was made from; `None` when
    /// the span does not fit it (a damaged document).
    pub fn markdown<'a>(&self, source: &'a str) -> Option<&'a str> {
        source.get(self.start..self.start.checked_add(self.len)?)
    }
}

/// The spans of `article`'s sections in `source`, the text it was parsed from. A
/// section's Markdown is a verbatim slice of the file, found from where the previous one
/// ended; one that cannot be found (never, for text the article was parsed from) is
/// left out, and its words then never make a snippet.
fn section_spans(article: &Article, source: &str) -> Vec<SectionSpan> {
    let mut from = 0;
    let mut spans = Vec::with_capacity(article.sections.len());
    for s in &article.sections {
        let Some(at) = source
            .get(from..)
            .and_then(|rest| rest.find(s.markdown.as_str()))
        else {
            continue;
        };
        let start = from + at;
        from = start + s.markdown.len();
        spans.push(SectionSpan {
            start,
            len: s.markdown.len(),
        });
    }
    spans
}

/// The articles `article` points to: its `see_also` ids, then the `Q…` numbers its text
/// names, each once (ignoring case), itself left out. Indexed in `refs`, so that an
/// article's back-references are one term query.
pub fn references(article: &Article) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let texts = article.sections.iter().map(|s| s.markdown.as_str());
    let found = texts.flat_map(extract::article_refs);
    for id in article.front.see_also.iter().cloned().chain(found) {
        if !id.eq_ignore_ascii_case(article.id())
            && !out.iter().any(|o| o.eq_ignore_ascii_case(&id))
        {
            out.push(id);
        }
    }
    out
}

/// Builds the index document of `article`, found at `path` (relative, `/`-separated),
/// whose file text is `source`, and its hit summary as JSON: the caller packs that
/// ([`super::hits`]) and adds it to the document's `hit` field.
pub fn build(
    fields: &Fields,
    article: &Article,
    path: &str,
    source: &str,
) -> (TantivyDocument, Vec<u8>) {
    let f = &article.front;
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, article.id());
    doc.add_text(fields.id_key, article.id().to_ascii_lowercase());
    doc.add_text(fields.path, path);
    doc.add_text(fields.text, source);
    doc.add_text(fields.title, article.title());

    let mut all_text = String::with_capacity(4096);
    let mut stored = Vec::with_capacity(article.sections.len());
    for s in &article.sections {
        let text = s.text();
        let field = match s.kind {
            SectionKind::Symptoms => fields.symptoms,
            SectionKind::Resolution | SectionKind::Workaround | SectionKind::Summary => fields.fix,
            _ => fields.body,
        };
        doc.add_text(field, format!("{}\n{text}", s.heading));
        all_text.push_str(&text);
        all_text.push('\n');
        stored.push(SectionText {
            anchor: s.anchor.clone(),
            text,
        });
    }

    for k in f
        .keywords
        .iter()
        .chain(&f.platforms)
        .chain(f.category.iter())
    {
        doc.add_text(fields.keywords, k);
    }
    // Each product once, whatever its versions: a product's count is of articles.
    let mut named: Vec<String> = Vec::new();
    for p in &f.products {
        let lower = p.name.to_lowercase();
        if named.contains(&lower) {
            continue;
        }
        doc.add_text(fields.keywords, &p.name);
        doc.add_text(fields.product, &lower);
        doc.add_facet(fields.facet, Facet::from_path(["product", p.name.as_str()]));
        named.push(lower);
    }
    if let Some(c) = &f.category {
        doc.add_text(fields.category, c.to_lowercase());
        doc.add_facet(fields.facet, Facet::from_path(["category", c.as_str()]));
    }
    if let Some(d) = f.published.or(f.updated) {
        doc.add_i64(fields.published, d.number());
    }
    for r in references(article) {
        doc.add_text(fields.refs, r.to_ascii_lowercase());
    }
    doc.add_text(
        fields.visibility,
        f.visibility.map_or("default", |v| v.as_str()),
    );
    doc.add_text(fields.status, f.status.map_or("published", |s| s.as_str()));
    if let Some(d) = f.valid_to {
        doc.add_i64(fields.valid_to, d.number());
    }
    if let Some(d) = f.review_by {
        doc.add_i64(fields.review_by, d.number());
    }
    if let Some(d) = f.updated.or(f.published) {
        doc.add_i64(fields.changed, d.number());
    }

    // Events, in three tiers.
    let title_ids = extract::title_event_ids(article.title());
    let mut events: Vec<extract::EventMention> = f
        .events
        .iter()
        .map(|e| extract::EventMention {
            id: e.id.0,
            source: e.source.clone(),
            log: e.log.clone(),
        })
        .collect();
    for e in extract::text_events(&all_text) {
        extract::add_event(&mut events, e);
    }
    let mut any: Vec<u32> = Vec::new();
    for id in &title_ids {
        doc.add_text(fields.event_title, id.to_string());
        any.push(*id);
    }
    for e in &f.events {
        doc.add_text(fields.event_meta, e.id.to_string());
    }
    for e in &events {
        if !any.contains(&e.id) {
            any.push(e.id);
        }
        // By key: every spelling of a source is one term ([`extract::source_key`]).
        if let Some(key) = e
            .source
            .as_deref()
            .map(extract::source_key)
            .filter(|k| !k.is_empty())
        {
            doc.add_text(fields.source, &key);
            doc.add_text(fields.source_event, format!("{key}:{}", e.id));
            if let Some(written) = &e.source {
                doc.add_text(
                    fields.source_spelling,
                    format!("{}:{}", extract::source_spelling(written), e.id),
                );
            }
        }
    }
    for id in &any {
        doc.add_text(fields.event_any, id.to_string());
    }

    // Codes: named in the title, in the title or front matter, or anywhere.
    let mut strong = extract::title_codes(article.title());
    for c in &strong {
        doc.add_text(fields.code_title, c.to_lowercase());
    }
    for c in &f.codes {
        for n in extract::codes(c)
            .into_iter()
            .chain(extract::normalize_hex(c))
        {
            if !strong.contains(&n) {
                strong.push(n);
            }
        }
    }
    for c in &strong {
        doc.add_text(fields.code_strong, c.to_lowercase());
        doc.add_text(fields.code_any, c.to_lowercase());
    }
    let mut all_codes = strong.clone();
    for c in extract::codes(&all_text) {
        if !strong.contains(&c) {
            doc.add_text(fields.code_any, c.to_lowercase());
            all_codes.push(c);
        }
    }

    let summary = Summary {
        card: Card {
            id: article.id().to_owned(),
            title: article.title().to_owned(),
            url: crate::article::permalink(article.id(), None),
            product: f.products.first().map(|p| p.name.clone()),
            published: f.published.or(f.updated).map(|d| d.to_string()),
            events: events
                .iter()
                .map(|e| EventSummary {
                    id: e.id,
                    source: e.source.clone(),
                })
                .collect(),
            visibility: f.visibility.map(|v| v.as_str().to_owned()),
            status: f
                .status
                .filter(|s| *s != crate::article::Status::Published)
                .map(|s| s.as_str().to_owned()),
            valid_to: f.valid_to.map(|d| d.to_string()),
            review_by: f.review_by.map(|d| d.to_string()),
        },
        fix: fix_section(article).map(|(s, text)| FixSummary {
            section: s.kind.to_string(),
            heading: s.heading.clone(),
            anchor: s.anchor.clone(),
            text: excerpt(&text, FIX_CHARS),
        }),
        lead: escape_html(
            &stored
                .first()
                .map_or(String::new(), |s| excerpt(&s.text, SNIPPET_CHARS)),
        ),
        event_snippets: any
            .iter()
            .filter_map(|&id| {
                mention_snippet(&stored, &[id.to_string()], u8::is_ascii_digit)
                    .map(|html| EventSnippet { id, html })
            })
            .collect(),
        code_snippets: all_codes
            .iter()
            .filter_map(|code| {
                mention_snippet(&stored, &code_forms(code), u8::is_ascii_alphanumeric).map(|html| {
                    CodeSnippet {
                        code: code.clone(),
                        html,
                    }
                })
            })
            .collect(),
    };
    doc.add_text(
        fields.sections,
        serde_json::to_string(&section_spans(article, source)).unwrap_or_default(),
    );
    (doc, serde_json::to_vec(&summary).unwrap_or_default())
}

/// Where any of `needles` (lower-case) appears in `text`, ignoring ASCII case, as
/// `(byte offset, length)` in order, where the bytes around it do not `join` it (a digit
/// for an event ID, which the analyzer cuts off letters; any letter or digit for a code).
fn mentions(text: &str, needles: &[String], joins: fn(&u8) -> bool) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for n in needles.iter().filter(|n| !n.is_empty()) {
        for (i, _) in lower.match_indices(n.as_str()) {
            let before = i.checked_sub(1).map(|j| &bytes[j]);
            let after = bytes.get(i + n.len());
            if !before.is_some_and(joins) && !after.is_some_and(joins) {
                out.push((i, n.len()));
            }
        }
    }
    out.sort_unstable();
    let mut end = 0;
    out.retain(|&(i, len)| {
        let keep = i >= end;
        if keep {
            end = i + len;
        }
        keep
    });
    out
}

/// A snippet of about [`SNIPPET_CHARS`] around the first mention of `needles` in the
/// section that mentions them most, escaped, every mention marked; `None` when no
/// section mentions them.
fn mention_snippet(
    sections: &[SectionText],
    needles: &[String],
    joins: fn(&u8) -> bool,
) -> Option<String> {
    let mut best: Option<(usize, usize, usize, usize)> = None;
    for (i, s) in sections.iter().enumerate() {
        let at = mentions(&s.text, needles, joins);
        if at.len() > best.map_or(0, |b| b.0) {
            best = Some((at.len(), i, at[0].0, at[0].1));
        }
    }
    let (_, i, first, len) = best?;
    let text = &sections[i].text;
    // From the start of the section when the mention is near it.
    let mut start = if first < SNIPPET_CHARS / 2 {
        0
    } else {
        first - SNIPPET_CHARS / 3
    };
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        // Begin at a word.
        start = text[start..first]
            .find(char::is_whitespace)
            .map_or(start, |w| start + w + 1);
    }
    let mut end = (start + SNIPPET_CHARS).min(text.len()).max(first + len);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len() {
        end = text[first + len..end]
            .rfind(char::is_whitespace)
            .map_or(end, |w| first + len + w);
    }
    let window = &text[start..end];
    let mut html = String::with_capacity(window.len() + 32);
    let mut last = 0;
    for (at, len) in mentions(window, needles, joins) {
        html.push_str(&escape_html(&window[last..at]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&window[at..at + len]));
        html.push_str("</mark>");
        last = at + len;
    }
    html.push_str(&escape_html(&window[last..]));
    let folded = html.split_whitespace().collect::<Vec<_>>().join(" ");
    let prefix = if start > 0 { "… " } else { "" };
    let suffix = if end < text.len() { " …" } else { "" };
    Some(format!("{prefix}{folded}{suffix}"))
}

/// How a normalised code (`0x0000007B`) may be written: in full, without `0x`, and
/// without its leading zeros (`0x7B`), lower-cased.
pub(crate) fn code_forms(code: &str) -> Vec<String> {
    let lower = code.to_ascii_lowercase();
    let hex = lower.trim_start_matches("0x");
    let mut forms = vec![lower.clone(), hex.to_owned()];
    let short = hex.trim_start_matches('0');
    if short.len() < hex.len() && !short.is_empty() {
        forms.push(format!("0x{short}"));
    }
    forms
}

/// A fix's plain text without the paragraphs that open many fixes and say nothing of the
/// fix itself: the registry-editing warning (about 400 legacy resolutions start with it),
/// a lead-in that only announces what follows ("To work around this problem, do one of
/// the following:"), a "Microsoft has confirmed…" status line and the sample-code
/// disclaimer, and any other caution put first (`WARNING:`, `IMPORTANT:`, `CAUTION:`)
/// with the "how to back up the registry" reference that follows it. A caution or a
/// lead-in on a line of its own counts as a paragraph. Only leading paragraphs go, and
/// when nothing else is left the text stays whole: the inline fix should be the first
/// thing to do.
pub fn fix_text(text: &str) -> String {
    fix_without_boilerplate(text).unwrap_or_else(|| text.to_owned())
}

/// [`fix_text`], or `None` when the text is nothing but boilerplate.
fn fix_without_boilerplate(text: &str) -> Option<String> {
    let text = split_openings(text);
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    let keep = paragraphs.iter().position(|p| !is_boilerplate(p))?;
    // Past the opening, the registry warning still goes: in a few hundred characters of
    // fix it would take the place of the steps; the article keeps it.
    Some(
        paragraphs[keep..]
            .iter()
            .filter(|p| !is_registry_warning(p))
            .copied()
            .collect::<Vec<_>>()
            .join("\n\n"),
    )
}

/// The section to show as the fix and its text: [`Article::fix`]'s choice, unless that
/// is nothing but boilerplate (the legacy registry notice before the summary is an
/// untitled summary of its own), then the next section of the same kinds that says more.
fn fix_section(article: &Article) -> Option<(&Section, String)> {
    SectionKind::FIX_ORDER
        .iter()
        .find_map(|kind| {
            article
                .sections
                .iter()
                .filter(|s| s.kind == *kind && !s.is_empty())
                .find_map(|s| fix_without_boilerplate(&s.text()).map(|t| (s, t)))
        })
        .or_else(|| article.fix().map(|s| (s, s.text())))
}

/// The registry-editing warning, however it is worded.
fn is_registry_warning(paragraph: &str) -> bool {
    let p = paragraph.trim().to_lowercase();
    is_caution(&p) && p.contains("registry")
}

/// Whether a line opens a caution (`WARNING:`, `IMPORTANT:`, `CAUTION:`).
fn is_caution(line: &str) -> bool {
    let l = line
        .trim_start_matches(['*', '_', ' ', '\t'])
        .to_ascii_lowercase();
    ["warning", "important", "caution"]
        .iter()
        .any(|w| l.starts_with(w) && l[w.len()..].trim_start_matches('s').starts_with(':'))
}

/// `text` with a blank line before each caution line and after each lead-in line, so
/// that [`fix_text`] can drop them as paragraphs ("To correct this problem:\nWARNING: …").
fn split_openings(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if is_caution(line) && !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        let lead_in = is_lead_in(&line.trim().to_lowercase());
        if lead_in && lines.peek().is_some_and(|next| !next.trim().is_empty()) {
            out.push('\n');
        }
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// A line that only announces what follows ("To work around this problem, do one of the
/// following:"). A step of a list never is, however it ends: "1. At a command prompt,
/// type the following command:" is the first thing to do.
fn is_lead_in(p: &str) -> bool {
    p.ends_with(':')
        && p.chars().count() <= 160
        && (p.starts_with("to ") || p.contains("following"))
        && !is_list_item(p)
}

/// Whether a line of plain text opens a list item: `1. `, `2) `, `a. `, `- `, `• `.
fn is_list_item(line: &str) -> bool {
    let line = line.trim_start();
    if ["- ", "* ", "• "].iter().any(|m| line.starts_with(m)) {
        return true;
    }
    let marker = line.split(' ').next().unwrap_or("");
    let Some(label) = marker
        .strip_suffix('.')
        .or_else(|| marker.strip_suffix(')'))
    else {
        return false;
    };
    let numbered = (1..=3).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_digit());
    let lettered = label.len() == 1 && label.bytes().all(|b| b.is_ascii_alphabetic());
    marker.len() < line.len() && (numbered || lettered)
}

/// Whether a paragraph is one of [`fix_text`]'s openings.
fn is_boilerplate(paragraph: &str) -> bool {
    let p = paragraph.trim().to_lowercase();
    let p = p.trim_start_matches(['*', '_', ' ']);
    if p.is_empty() {
        return true;
    }
    let registry_warning = is_caution(p)
        || (p.contains("registry")
            && (p.contains("back up")
                || p.contains("description of the microsoft windows registry"))
            && p.chars().count() <= 400);
    let lead_in = is_lead_in(p);
    registry_warning
        || lead_in
        || p.starts_with("microsoft has confirmed")
        || p.starts_with("microsoft provides programming examples for illustration only")
}

/// The first `max` characters of `text` or less, cut after a sentence when one ends past
/// the first third, else at a word boundary with an ellipsis; whitespace folded.
pub fn excerpt(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let cut = folded
        .char_indices()
        .nth(max)
        .map_or(folded.len(), |(i, _)| i);
    let head = &folded[..cut];
    let sentence_end = head
        .match_indices(". ")
        .chain(head.match_indices("! "))
        .chain(head.match_indices("? "))
        .map(|(i, _)| i + 1)
        .filter(|&i| i >= cut / 3)
        .max();
    match sentence_end {
        // A "sentence" that ends in the next list item's number ("… service. 2.") ends
        // before it.
        Some(end) => {
            let cut = &head[..end];
            match cut.rsplit_once(' ') {
                Some((before, last))
                    if last.len() > 1
                        && last[..last.len() - 1].bytes().all(|b| b.is_ascii_digit())
                        && before.ends_with('.') =>
                {
                    before.to_owned()
                }
                _ => cut.to_owned(),
            }
        }
        None => {
            let end = head.rfind(' ').filter(|&i| i >= cut / 2).unwrap_or(cut);
            format!("{}…", head[..end].trim_end_matches([',', ';', ':']))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_of_codes_and_event_ids() {
        let sections = vec![SectionText {
            anchor: "s".into(),
            text: "Error 0x80070005 (access denied); STOP 0x7b or 0x0000007B; ID5058 and 15058."
                .into(),
        }];
        let code = mention_snippet(
            &sections,
            &code_forms("0x80070005"),
            u8::is_ascii_alphanumeric,
        );
        assert_eq!(code.unwrap(), "Error <mark>0x80070005</mark> (access denied); STOP 0x7b or 0x0000007B; ID5058 and 15058.");
        let stop = mention_snippet(
            &sections,
            &code_forms("0x0000007B"),
            u8::is_ascii_alphanumeric,
        );
        assert!(stop
            .unwrap()
            .contains("STOP <mark>0x7b</mark> or <mark>0x0000007B</mark>;"));
        let event = mention_snippet(&sections, &["5058".into()], u8::is_ascii_digit);
        assert!(event.unwrap().contains("ID<mark>5058</mark> and 15058."));
        assert_eq!(
            mention_snippet(&sections, &["4242".into()], u8::is_ascii_digit),
            None
        );
    }

    #[test]
    fn excerpts_do_not_end_in_the_next_items_number() {
        let text = format!(
            "1. In Control Panel, double-click Services. 2. Then {}",
            "x ".repeat(200)
        );
        assert_eq!(
            excerpt(&text, 60),
            "1. In Control Panel, double-click Services."
        );
    }

    #[test]
    fn fixes_lose_their_boilerplate_openings_and_nothing_else() {
        let warned = "WARNING: If you use Registry Editor incorrectly, you may cause serious problems.\n\nTo work around this problem, do one of the following:\n\n1. Stop the service.\n2. Start it again.";
        assert_eq!(fix_text(warned), "1. Stop the service.\n2. Start it again.");
        let status = "Microsoft has confirmed this to be a problem in Windows NT 4.0.\n\nInstall Service Pack 4.";
        assert_eq!(fix_text(status), "Install Service Pack 4.");
        // A paragraph that is itself the fix stays, even when it opens with "To resolve".
        let real = "To resolve this problem, obtain the latest service pack.\n\nMore text.";
        assert_eq!(fix_text(real), real);
        // A later registry warning goes too; other later cautions are part of the fix.
        let later = "Edit the key.\n\nWARNING: If you use Registry Editor incorrectly, things break.\n\nRestart.";
        assert_eq!(fix_text(later), "Edit the key.\n\nRestart.");
        let caution = "Edit the key.\n\nCAUTION: The lock command enables direct disk access.";
        assert_eq!(fix_text(caution), caution);
        // Nothing but boilerplate: kept whole rather than shown empty.
        assert_eq!(fix_text("To resolve this issue:"), "To resolve this issue:");
        // Other cautions first, the registry reference after them, and openings that
        // share a paragraph with the fix.
        let important = "IMPORTANT: This article contains information about editing the registry. Before you edit the registry, make sure you understand how to restore it.\n\nFor more information about how to back up the registry, see:\n- Q256986 Description of the Microsoft Windows Registry\n\nSet Level to 0.";
        assert_eq!(fix_text(important), "Set Level to 0.");
        let joined = "To correct this problem:\nWARNING: Using Registry Editor incorrectly can cause serious problems.\n\n1. Run Regedt32.exe.";
        assert_eq!(fix_text(joined), "1. Run Regedt32.exe.");
        let export = "WARNING: Due to U.S. State Dept. export regulations, this file is restricted.\n\nDownload the update.";
        assert_eq!(fix_text(export), "Download the update.");
        assert!(!is_caution("Warnings are logged when the disk fills."));
        // A step that ends in a colon is a step, not a lead-in.
        let steps = "To resolve this problem, follow these steps:\n\n1. At a command prompt, type the following command:\n\ndcomcnfg.exe\n\n2. Click OK.";
        assert_eq!(
            fix_text(steps),
            "1. At a command prompt, type the following command:\n\ndcomcnfg.exe\n\n2. Click OK."
        );
        for item in [
            "1. to do so, type the following:",
            "a) to this:",
            "- to the following:",
        ] {
            assert!(!is_lead_in(item), "{item}");
        }
        assert!(is_lead_in(
            "to resolve this problem, use one of the following methods:"
        ));
    }

    #[test]
    fn excerpts_cut_at_sentences_or_words() {
        assert_eq!(excerpt("Short  text.", 300), "Short text.");
        let long = "First sentence is here. Second sentence is rather longer than that. Third.";
        assert_eq!(excerpt(long, 60), "First sentence is here.");
        assert_eq!(
            excerpt("aaaa bbbb cccc dddd eeee ffff", 17),
            "aaaa bbbb cccc…"
        );
    }
}
