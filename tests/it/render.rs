//! Rendering: the seed article's sections and fix, sanitised HTML, plain text.

use kbase::article::load::read_article;
use kbase::article::{Article, SectionKind};

use crate::{fixture, repo};

fn seed() -> Article {
    let (article, diags) = read_article(&repo().join("articles/Q190698.md"));
    assert_eq!(diags, []);
    article.unwrap()
}

/// The article as the API will show it: fields, then sections with rendered HTML and text.
fn rendition(a: &Article) -> serde_json::Value {
    let sections: Vec<_> = a
        .sections
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.anchor, "kind": s.kind, "heading": s.heading, "line": s.line,
                "html": s.html(), "text": s.text(),
            })
        })
        .collect();
    let mut v = serde_json::to_value(&a.front).unwrap();
    v["sections"] = sections.into();
    v["fix"] = a.fix().map(|s| s.anchor.clone()).into();
    v
}

#[test]
fn seed_article_has_its_sections_and_the_workaround_as_fix() {
    let a = seed();
    let anchors: Vec<_> = a.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(
        anchors,
        ["symptoms", "cause", "workaround", "more-information"]
    );
    let fix = a.fix().unwrap();
    assert_eq!(fix.kind, SectionKind::Workaround);
    assert_eq!(
        fix.text(),
        "Restore the Kmsdata directory from an offline backup."
    );
    assert_eq!(a.front.events[0].id.0, 5058);
    assert_eq!(a.front.events[0].source.as_deref(), Some("MSExchangeKMS"));
}

#[test]
fn seed_article_rendition() {
    insta::assert_json_snapshot!("seed_article", rendition(&seed()));
}

#[test]
fn full_fixture_rendition() {
    let (a, _) = read_article(&fixture("valid/full.md"));
    insta::assert_json_snapshot!("full_article", rendition(&a.unwrap()));
}

#[test]
fn unknown_headings_are_kept_with_unique_anchors() {
    let (a, _) = read_article(&fixture("valid/other-headings.md"));
    let a = a.unwrap();
    let got: Vec<_> = a
        .sections
        .iter()
        .map(|s| (s.anchor.as_str(), s.kind, s.heading.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "386enh-section-settings",
                SectionKind::Other,
                "[386Enh] Section Settings"
            ),
            (
                "steps-to-reproduce-behavior",
                SectionKind::Other,
                "Steps to Reproduce Behavior"
            ),
            ("notes", SectionKind::Other, "Notes"),
            ("notes-2", SectionKind::Other, "NOTES"),
            ("work-around", SectionKind::Workaround, "Work Around"),
        ]
    );
    assert_eq!(a.fix().unwrap().anchor, "work-around");
}

/// Every start tag in `html`, as (name, attribute names), lower-cased. ammonia's output is
/// serialised by html5ever, so tags and attributes are well formed and quoted.
fn start_tags(html: &str) -> Vec<(String, Vec<String>)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            continue;
        }
        let end = rest.find('>').expect("unclosed tag in sanitised output");
        let inner = &rest[..end];
        let name = inner
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_lowercase();
        let mut attrs = Vec::new();
        let mut s = inner[name.len()..].trim_start();
        while !s.is_empty() && s != "/" {
            let eq = s.find(['=', ' ']).unwrap_or(s.len());
            attrs.push(s[..eq].to_lowercase());
            s = &s[eq..];
            if let Some(after) = s.strip_prefix("=\"") {
                let close = after.find('"').expect("unquoted attribute");
                s = after[close + 1..].trim_start();
            } else {
                s = s.trim_start();
            }
        }
        tags.push((name, attrs));
        rest = &rest[end..];
    }
    tags
}

#[test]
fn no_script_survives_rendering() {
    let (a, _) = read_article(&fixture("valid/xss.md"));
    let a = a.unwrap();
    let html: String = a.sections.iter().map(|s| s.html()).collect();
    let tags = start_tags(&html);
    assert!(!tags.is_empty());
    for (name, attrs) in &tags {
        assert!(
            !["script", "svg", "iframe", "style", "object", "embed"].contains(&name.as_str()),
            "{name} in {html}"
        );
        assert!(
            attrs.iter().all(|a| !a.starts_with("on")),
            "{name} {attrs:?}"
        );
    }
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("javascript:") && !lower.contains("data:text/html"),
        "{html}"
    );
    assert!(
        html.contains("{{ 7*7 }}"),
        "template syntax is text: {html}"
    );
    let text: String = a.sections.iter().map(|s| s.text()).collect();
    assert!(
        !text.contains("document.title"),
        "raw HTML is not text: {text}"
    );
}

#[test]
fn markdown_in_the_title_is_not_rendered_here() {
    // Titles are data; the page templates escape them. The model keeps them verbatim.
    let (a, _) = read_article(&fixture("valid/xss.md"));
    assert!(a.unwrap().title().starts_with("<script>"));
}
