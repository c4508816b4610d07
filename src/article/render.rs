//! Markdown to sanitised HTML and to plain text, with pulldown-cmark set up in one place.
//!
//! Every Markdown rendering in kbase goes through [`markdown_options`], so the section
//! splitter, the HTML and the plain text can never disagree about what is a heading or a
//! table. Article HTML is passed through ammonia: raw HTML in an article is allowed by
//! Markdown, but no script, event handler or `javascript:` link may come out of it.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The Markdown dialect of articles: CommonMark plus tables and strikethrough.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// The one HTML sanitiser: ammonia's safe defaults (no script, style, iframe, event
/// handlers or dangerous URL schemes), keeping relative links such as `/kb/Q123`. No
/// `rel` is added to links: no `target` survives, so no page can reach its opener, and
/// a `rel` left on a link whose `href` was removed would make the page invalid HTML.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_relative(ammonia::UrlRelative::PassThrough);
    b.link_rel(None);
    b
});

/// Renders Markdown to HTML that is safe to embed in a page.
pub fn to_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, Parser::new_ext(markdown, markdown_options()));
    SANITIZER.clean(&raw).to_string()
}

/// Renders Markdown to plain text: what a person reads, for search, snippets and
/// `.txt` renditions.
///
/// Block ends become line breaks, list items keep a `• ` or `1. ` marker (a bullet, not
/// Markdown's `- `, which reads as a stray dash once an inline fix folds its lines),
/// table cells are separated by tabs, raw HTML is dropped (it is markup, not text).
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    // The next number of each open list; `None` for bullet lists.
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => match lists.last_mut() {
                Some(Some(n)) => {
                    out.push_str(&format!("{n}. "));
                    *n += 1;
                }
                _ => out.push_str("• "),
            },
            Event::Start(Tag::List(start)) => {
                lists.push(start);
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::TableCell) => out.push('\t'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::Table
                | TagEnd::HtmlBlock,
            ) => out.push_str("\n\n"),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                out.push_str("\n\n");
            }
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::Rule => out.push('\n'),
            _ => {}
        }
    }
    tidy_lines(&out)
}

/// Trims trailing space on each line, collapses runs of blank lines, trims the ends.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

/// `s` with `<`, `>`, `&`, `"` and `'` escaped, for text placed in HTML (snippets).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_sanitised() {
        let html = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) \
             <svg onload=alert(1)></svg> <iframe src=x></iframe> <style>*{}</style>",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onload",
            "<iframe",
            "<style",
            "<svg",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn relative_links_survive() {
        assert_eq!(to_html("[x](/kb/Q1)"), "<p><a href=\"/kb/Q1\">x</a></p>\n");
        // A link whose URL is refused keeps no attribute at all.
        assert_eq!(to_html("[x](javascript:alert(1))"), "<p><a>x</a></p>\n");
    }

    #[test]
    fn text_keeps_words_and_structure() {
        let t = to_text(
            "Some *emphasis* and `code`.\nNext line.\n\n- one\n- two\n\n```\nC:\\> dir\n```\n\n3. three\n4. four\n",
        );
        assert_eq!(
            t,
            "Some emphasis and code. Next line.\n\n• one\n• two\n\nC:\\> dir\n\n3. three\n4. four"
        );
    }
}
