//! One legacy file → one native article: the fields, the body, the checks.
//!
//! The header gives id, title, date and category; the applies-to box gives products and
//! versions; PROD/VER and the footer's `Version` give platforms; the header, footer,
//! legacy pre-box lines and "Additional query words" give keywords; the text gives events
//! (with sources and logs), codes and cross-references through [`crate::extract`], the
//! same code search uses. Every generated article is parsed back before it is returned,
//! so an import can never write a file that `kbase check` rejects.

use std::sync::LazyLock;

use regex::Regex;

use super::layout::{self, Layout};
use super::markdown::{self, Part};
use super::text;
use crate::article::{self, ArticleId, EventId, EventRef, FrontMatter, Origin, Product};
use crate::extract;

/// Largest legacy file accepted: the archive's largest is 179 KB, so 16 MiB is far above
/// any real article while keeping a runaway input from costing memory.
pub const MAX_LEGACY_BYTES: usize = 16 * 1024 * 1024;

/// Something worth knowing about a conversion that did not stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Stable kind, kebab-case (`windows-1252`, `no-applies-to`, ...), for counting.
    pub kind: &'static str,
    /// Details for a person.
    pub message: String,
}

/// A converted article.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The article id (`Q190698`).
    pub id: String,
    /// The structured fields, as written into the file.
    pub front: FrontMatter,
    /// The whole native article file: front matter and Markdown body.
    pub file: String,
    /// What was repaired or missing.
    pub warnings: Vec<Warning>,
}

/// Converts the bytes of one legacy KB text file. `origin_file` is recorded as the
/// article's provenance. Never panics; an unusable file gives an error message.
pub fn convert(bytes: &[u8], origin_file: &str) -> Result<Conversion, String> {
    if bytes.len() > MAX_LEGACY_BYTES {
        return Err(format!(
            "the file is {} bytes; legacy articles are limited to {MAX_LEGACY_BYTES}",
            bytes.len()
        ));
    }
    let decoded = text::decode(bytes);
    let lines = &decoded.lines;
    let layout = layout::find(lines).map_err(|e| e.0)?;
    let mut warnings = Vec::new();
    let mut warn = |kind: &'static str, message: String| warnings.push(Warning { kind, message });
    if decoded.windows_1252 {
        warn("windows-1252", "not UTF-8: read as Windows-1252".into());
    }
    if decoded.controls_replaced > 0 {
        warn(
            "control-bytes",
            format!(
                "{} control bytes replaced by spaces",
                decoded.controls_replaced
            ),
        );
    }
    let h = &layout.header;
    if h.title.trim().is_empty() {
        return Err("the TITLE line is empty".into());
    }
    if h.date.is_none() {
        warn(
            "no-date",
            "the DOCUMENT line has no valid DD-MON-YYYY date".into(),
        );
    }
    if layout.applies_to.is_empty() {
        warn(
            "no-applies-to",
            "no applies-to box: products from the PRODUCT line".into(),
        );
    }
    if !layout.footer_separator {
        warn(
            "no-footer-separator",
            "no footer separator: body ends at the disclaimer".into(),
        );
    }

    let mut keywords: Vec<String> = Vec::new();
    add_words(&mut keywords, &h.keywords);
    let mut body: Vec<&str> = Vec::new();
    let pre_box: Vec<&str> = lines[layout.pre_box.clone()]
        .iter()
        .map(String::as_str)
        .collect();
    if pre_box.iter().all(|l| is_legacy_metadata(l)) {
        pre_box.iter().for_each(|l| add_words(&mut keywords, l));
    } else {
        body.extend(&pre_box);
        body.push("");
    }
    let body_lines: Vec<&str> = lines[layout.body.clone()]
        .iter()
        .map(String::as_str)
        .collect();
    body.extend(strip_metadata(&body_lines, &mut keywords));
    for (key, value) in &layout.footer {
        if !key.eq_ignore_ascii_case("version") {
            add_words(&mut keywords, value);
        }
    }

    let parts = markdown::structure(&body);
    if !parts.iter().any(|p| matches!(p, Part::Heading(2, _))) {
        warn(
            "no-headings",
            "no section headings: the whole body is the summary".into(),
        );
    }
    if parts.is_empty() {
        warn("empty-body", "the article has no body text".into());
    }
    let markdown = markdown::render(&parts);
    let body_text = body.join("\n");

    let id = h.id.clone();
    let front = FrontMatter {
        id: ArticleId::parse(&id)?,
        title: h.title.trim().to_owned(),
        products: products(&layout),
        platforms: platforms(&layout),
        category: h.category.clone(),
        published: h.date,
        updated: h.date,
        events: events(&h.title, &body_text),
        codes: extract::codes(&format!("{}\n{body_text}", h.title)),
        keywords,
        see_also: extract::article_refs(&body_text)
            .into_iter()
            .filter(|r| !r.eq_ignore_ascii_case(&id))
            .collect(),
        origin: Some(Origin {
            format: "ms-kb-text".into(),
            file: origin_file.to_owned(),
        }),
        // Legacy articles carry no lifecycle fields: visibility, status, owner and
        // review dates are for people to add.
        ..FrontMatter::default()
    };
    let yaml =
        serde_yaml::to_string(&front).map_err(|e| format!("cannot write the front matter: {e}"))?;
    let file = format!("---\n{yaml}---\n\n{markdown}");
    let parsed = article::parse(&file);
    if let Some(d) = parsed.diagnostics.iter().find(|d| d.is_error()) {
        return Err(format!(
            "the generated article is invalid at line {}: {}",
            d.line, d.message
        ));
    }
    Ok(Conversion {
        id,
        front,
        file,
        warnings,
    })
}

/// Adds the whitespace-separated words of `value` to `keywords`, unique ignoring case.
fn add_words(keywords: &mut Vec<String>, value: &str) {
    for w in value.split_whitespace() {
        let w = w.trim_matches(|c: char| c == ',' || c == ';');
        if !w.is_empty()
            && w.chars().any(char::is_alphanumeric)
            && !keywords.iter().any(|k| k.eq_ignore_ascii_case(w))
        {
            keywords.push(w.to_owned());
        }
    }
}

static METADATA_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"^(?:kb\w*|[\d.,/]+[a-zA-Z]?|[A-Z0-9/_.\-]+)$"));

/// Legacy lines before the applies-to box: versions, platforms, `kb` keywords.
fn is_legacy_metadata(line: &str) -> bool {
    line.split_whitespace()
        .all(|t| METADATA_TOKEN.is_match(t) && t.chars().any(char::is_alphanumeric))
}

/// Removes the "Additional query words" paragraph and `KBCategory:` lines from the body,
/// adding their words to `keywords`: they are index terms, not text.
fn strip_metadata<'a>(lines: &[&'a str], keywords: &mut Vec<String>) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(lines.len());
    let mut in_query_words = false;
    for &line in lines {
        let lower = line.to_ascii_lowercase();
        if let Some(rest) = [
            "additional query words:",
            "additional reference words:",
            "kbcategory:",
            "kbsubcategory:",
        ]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &line[p.len()..]))
        {
            add_words(keywords, rest);
            in_query_words = lower.starts_with("additional");
            continue;
        }
        if in_query_words && !line.is_empty() {
            add_words(keywords, line);
            continue;
        }
        in_query_words = false;
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

static VERSIONS: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"(?i)^(.*?),?\s+versions?\s+(.+)$"));

/// Products from the applies-to items, else from the PRODUCT and PROD/VER lines.
fn products(layout: &Layout) -> Vec<Product> {
    let mut out: Vec<Product> = Vec::new();
    for item in &layout.applies_to {
        let item = item
            .strip_prefix("the operating system:")
            .map_or(item.as_str(), str::trim);
        let product = match VERSIONS.captures(item) {
            Some(c) if !c[1].trim().is_empty() => Product {
                name: c[1].trim().to_owned(),
                versions: split_versions(&c[2]),
            },
            _ => trailing_version(item),
        };
        if !product.name.is_empty() && !out.contains(&product) {
            out.push(product);
        }
    }
    if out.is_empty() && !layout.header.product.is_empty() {
        let versions = layout
            .header
            .prod_ver
            .split([';', ',', ':', ' '])
            .map(str::trim)
            .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
            .fold(Vec::new(), |mut v: Vec<String>, t| {
                if !v.iter().any(|x| x == t) {
                    v.push(t.to_owned());
                }
                v
            });
        out.push(Product {
            name: layout.header.product.clone(),
            versions,
        });
    }
    out
}

fn split_versions(list: &str) -> Vec<String> {
    list.split(',')
        .flat_map(|p| p.split(" and "))
        .map(|v| v.trim().trim_end_matches('.').to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// `Microsoft Windows NT 4.0` → name `Microsoft Windows NT`, version `4.0`: a last word
/// that starts with a digit and has a dot is a version.
fn trailing_version(item: &str) -> Product {
    match item.rsplit_once(' ') {
        Some((name, last))
            if last.starts_with(|c: char| c.is_ascii_digit()) && last.contains('.') =>
        {
            Product {
                name: name.trim_end_matches(',').trim().to_owned(),
                versions: vec![last.to_owned()],
            }
        }
        _ => Product {
            name: item.to_owned(),
            versions: Vec::new(),
        },
    }
}

/// Platforms named in PROD/VER and the footer's `Version` (`WINDOWS:2.0; winnt:4.0`),
/// with the archive's spellings unified.
fn platforms(layout: &Layout) -> Vec<String> {
    let versions = layout
        .footer
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("version"))
        .map(|(_, v)| v.as_str());
    let mut out: Vec<String> = Vec::new();
    for spec in std::iter::once(layout.header.prod_ver.as_str()).chain(versions) {
        for part in spec.split(';') {
            let Some((platform, _)) = part.split_once(':') else {
                continue;
            };
            let platform = platform.trim();
            if platform.is_empty() || platform.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let name = match platform.to_ascii_lowercase().as_str() {
                "windows" => "Windows".to_owned(),
                "winnt" | "nt" | "windows nt" => "Windows NT".to_owned(),
                "ms-dos" | "msdos" | "dos" => "MS-DOS".to_owned(),
                "macintosh" | "mac" => "Macintosh".to_owned(),
                "os/2" => "OS/2".to_owned(),
                "win95" => "Windows 95".to_owned(),
                "win98" => "Windows 98".to_owned(),
                "win2000" => "Windows 2000".to_owned(),
                "win3x" => "Windows 3.x".to_owned(),
                "unix" => "UNIX".to_owned(),
                _ => platform.to_owned(),
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Events: those the title names first (with the source the text gives them), then the
/// others the text names.
fn events(title: &str, body: &str) -> Vec<EventRef> {
    let in_text = extract::text_events(body);
    let mut merged: Vec<extract::EventMention> = Vec::new();
    for id in extract::title_event_ids(title) {
        let mut found = false;
        for e in in_text.iter().filter(|e| e.id == id) {
            extract::add_event(&mut merged, e.clone());
            found = true;
        }
        if !found {
            extract::add_event(
                &mut merged,
                extract::EventMention {
                    id,
                    source: None,
                    log: None,
                },
            );
        }
    }
    for e in in_text {
        extract::add_event(&mut merged, e);
    }
    // Front matter lists IDs from 1 (DESIGN §2); event 0 stays searchable from the text.
    merged
        .into_iter()
        .filter(|e| e.id > 0)
        .map(|e| EventRef {
            id: EventId(e.id),
            source: e.source,
            log: e.log,
        })
        .collect()
}
