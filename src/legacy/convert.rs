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
    LazyLock::new(|| crate::extract::re(r"(?i)^(.*?),?\s+versions?(?:\s*:\s*|\s+)(.+)$"));

/// `*EDITOR Please do not choose this product*Microsoft Visual C++ for Windows* use 1699`:
/// an editor's note around the name it stood for.
static EDITOR_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::re(r"(?i)^\*\s*editor\b[^*]*\*([^*]+)\*\s*(?:use\s+\d+(?:\s*,\s*\d+)*)?")
});

/// What a nested box's first level says of the items under it: `The DAO SDK, used with:`,
/// `Microsoft Windows NT, on platform(s):`, and the bare `as they apply to:`.
static NEST_TRAILER: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::re(
        r"(?i)(?:^|[\s,;]+)(?:(?:used|included)\s+with|on\s+platform(?:\(s\)|s)?|as\s+(?:they|it)\s+appl(?:y|ies)\s+to)\s*:?$",
    )
});

/// `Microsoft ASP.NET (included with the .NET Framework)`, `(see below)`: remarks, not
/// part of the name.
static WITH_REMARK: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::re(r"(?i)\s*\((?:(?:used|included)\s+with\b[^)]*|see\s+below)\)")
});

/// `Microsoft ODBC Driver for Oracle (Build 2.06325)`: the build is the version.
static BUILD: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"(?i)\s*\((build\s+[\d.]+)\)"));

/// Hardware the box names under `on platform(s):`, with or without `the hardware:`.
static HARDWARE: LazyLock<Regex> = LazyLock::new(|| {
    crate::extract::re(
        r"(?i)^(?:intel\s+)?x86$|^dec\s+alpha$|^mips$|^powerpc(?:\s+processor)?$|^sh[34](?:\s+processor)?$|^strongarm(?:\s+processor)?$",
    )
});

/// Names whose leading `The` is part of the name.
const NAMES_WITH_THE: &[&str] = &["The Microsoft Network"];

/// One spelling for names the archive writes in several cases (the most frequent one).
const SPELLINGS: &[&str] = &[
    "Microsoft Mail for PC Networks",
    "Microsoft Mail for AppleTalk Networks",
    "Mac OS (ALL)",
];

/// `The Compiler included with Microsoft Visual C++, 32-bit Edition`: two products in one item.
static WITH_SPLIT: LazyLock<Regex> =
    LazyLock::new(|| crate::extract::re(r"(?i)^(.+?),?\s+(?:used|included)\s+with\s+(.+)$"));

/// What one applies-to item names once the box's framing words are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Applies {
    /// A product, with the versions written after its name.
    Product(Product),
    /// A processor from an `on platform(s):` list (`DEC Alpha`): a platform, not a product.
    Hardware(String),
    /// Framing or notes that name nothing (`as they apply to:`).
    Nothing,
}

/// Reads one applies-to item: `The Microsoft Foundation Classes (MFC), used with:` is the
/// product `Microsoft Foundation Classes (MFC)` (the items after it are read on their own),
/// `the hardware: DEC Alpha` is a platform, `Microsoft SNA Server, versions 2.0, 2.1` a
/// product with its versions, `The Compiler included with Microsoft Visual C++` two.
fn read_item(item: &str) -> Vec<Applies> {
    let item = item.split_whitespace().collect::<Vec<_>>().join(" ");
    let item = WITH_REMARK.replace_all(&item, "");
    let item = EDITOR_NOTE.replace(&item, "$1");
    let item = strip_trailer(&item);
    match WITH_SPLIT.captures(item) {
        Some(c) => vec![read_one(&c[1]), read_one(&c[2])],
        None => vec![read_one(item)],
    }
}

/// Reads one item that names one thing.
fn read_one(item: &str) -> Applies {
    let mut item = item.trim();
    let hardware = strip_prefix_ignore_case(item, "the hardware:");
    if let Some(rest) = hardware {
        item = rest.trim();
    }
    if let Some(rest) = strip_prefix_ignore_case(item, "the operating system:") {
        item = rest.trim();
    }
    let item = strip_trailer(item);
    if hardware.is_some() || HARDWARE.is_match(item) {
        return match item {
            "" => Applies::Nothing,
            "x86" => Applies::Hardware("Intel x86".into()),
            _ => Applies::Hardware(item.to_owned()),
        };
    }
    let build = BUILD.captures(item).map(|c| c[1].to_owned());
    let item = &*BUILD.replace(item, "");
    let mut product = match VERSIONS.captures(item) {
        Some(c) if !c[1].trim().is_empty() => Product {
            name: c[1].trim().to_owned(),
            versions: split_versions(&c[2]),
        },
        _ => trailing_version(item),
    };
    product.versions.extend(build);
    match clean_name(&product.name) {
        Some(name) => Applies::Product(Product {
            name,
            versions: product.versions,
        }),
        None => Applies::Nothing,
    }
}

/// `s` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// Removes `, used with:`, `, on platform(s):`, and trailing `:`, `,` and `;`.
fn strip_trailer(item: &str) -> &str {
    let mut item = item.trim();
    loop {
        let before = item.len();
        if let Some(m) = NEST_TRAILER.find(item) {
            item = &item[..m.start()];
        }
        item = item.trim_end_matches([':', ',', ';', ' ']);
        if item.len() == before {
            return item;
        }
    }
}

/// A product name as the box should have written it, or `None` for a fragment that names
/// nothing. Removes lead-ins (`the `, `on `, `for `), trailing punctuation and `used with`
/// remarks, unifies spacing and the case variants of [`SPELLINGS`].
fn clean_name(name: &str) -> Option<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = WITH_REMARK.replace_all(&name, "");
    let mut name = strip_trailer(&name);
    if !NAMES_WITH_THE.contains(&name) {
        while let Some(rest) = ["the ", "on ", "for ", "a ", "an "]
            .iter()
            .find_map(|p| strip_prefix_ignore_case(name, p))
        {
            name = rest.trim_start();
        }
    }
    // `Step By Step (covers` (the rest was read as versions) loses its open remark.
    if let Some(open) = name.rfind('(') {
        if !name[open..].contains(')') {
            name = name[..open].trim_end();
        }
    }
    // `Language Learning.` loses its full stop; `Inc.` and `U.S.` keep theirs.
    if let Some(head) = name.strip_suffix('.') {
        let last = head.rsplit(' ').next().unwrap_or(head);
        if last.len() > 3 && last.chars().all(char::is_alphabetic) {
            name = head;
        }
    }
    let lower = name.to_ascii_lowercase();
    let fragment = !name.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        || !name.chars().any(char::is_alphabetic)
        || lower.contains("the following")
        || lower == "delete me";
    if fragment {
        return None;
    }
    let spelling = SPELLINGS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .map_or(name, |s| *s);
    Some(spelling.to_owned())
}

/// Adds `product` to `out`, or its new versions to the product of that name already there.
fn add_product(out: &mut Vec<Product>, product: Product) {
    match out.iter_mut().find(|p| p.name == product.name) {
        Some(p) => {
            for v in product.versions {
                if !p.versions.contains(&v) {
                    p.versions.push(v);
                }
            }
        }
        None => out.push(product),
    }
}

/// Products from the applies-to items, else from the PRODUCT and PROD/VER lines.
fn products(layout: &Layout) -> Vec<Product> {
    let mut out: Vec<Product> = Vec::new();
    for item in &layout.applies_to {
        for applies in read_item(item) {
            if let Applies::Product(p) = applies {
                add_product(&mut out, p);
            }
        }
    }
    if out.is_empty() {
        if let Some(name) = clean_name(&layout.header.product) {
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
            out.push(Product { name, versions });
        }
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
/// with the archive's spellings unified, then the hardware of the applies-to box's
/// `on platform(s):` lists (`DEC Alpha`).
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
    for item in &layout.applies_to {
        for applies in read_item(item) {
            if let Applies::Hardware(name) = applies {
                if !out.contains(&name) {
                    out.push(name);
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, versions: &[&str]) -> Applies {
        Applies::Product(Product {
            name: name.into(),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
        })
    }

    fn read(item: &str) -> Vec<Applies> {
        read_item(item)
    }

    #[test]
    fn nested_box_heads_are_the_component_without_used_with() {
        assert_eq!(
            read("The Microsoft Foundation Classes (MFC), used with:"),
            [product("Microsoft Foundation Classes (MFC)", &[])]
        );
        assert_eq!(
            read("The DAO SDK, included with:"),
            [product("DAO SDK", &[])]
        );
        assert_eq!(
            read("The Microsoft Active Template Library (ATL) 3.0, included with:"),
            [product("Microsoft Active Template Library (ATL)", &["3.0"])]
        );
        assert_eq!(
            read("Microsoft Windows NT Server version 4.0, on platform(s):"),
            [product("Microsoft Windows NT Server", &["4.0"])]
        );
        assert_eq!(
            read("Microsoft Visual SourceSafe, 32-bit, for Windows 6.0, used with:"),
            [product(
                "Microsoft Visual SourceSafe, 32-bit, for Windows",
                &["6.0"]
            )]
        );
        assert_eq!(
            read("Microsoft P.J.'s Reading Adventures:, included with:"),
            [product("Microsoft P.J.'s Reading Adventures", &[])]
        );
    }

    #[test]
    fn hardware_is_a_platform_and_framing_names_nothing() {
        assert_eq!(
            read("the hardware: DEC Alpha"),
            [Applies::Hardware("DEC Alpha".into())]
        );
        assert_eq!(
            read("the hardware: SH3 processor, used with:"),
            [Applies::Hardware("SH3 processor".into())]
        );
        assert_eq!(read("x86"), [Applies::Hardware("Intel x86".into())]);
        assert_eq!(read("as they apply to:"), [Applies::Nothing]);
        assert_eq!(
            read("the operating system: Microsoft Windows NT, on platform(s):"),
            [product("Microsoft Windows NT", &[])]
        );
    }

    #[test]
    fn editor_notes_remarks_and_two_products_in_one_item() {
        assert_eq!(
            read(
                "*EDITOR Please do not choose this product*Microsoft Visual C++ 32-bit \
                 Edition* use 241, 265, 225, versions 1.0, 2.0, 4.0"
            ),
            [product(
                "Microsoft Visual C++ 32-bit Edition",
                &["1.0", "2.0", "4.0"]
            )]
        );
        assert_eq!(
            read("*EDITOR Please do not choose this product*Visual C++ for Windows* use 1699"),
            [product("Visual C++ for Windows", &[])]
        );
        assert_eq!(
            read("Microsoft ASP.NET (included with the.NET Framework)"),
            [product("Microsoft ASP.NET", &[])]
        );
        assert_eq!(
            read("The Compiler included with Microsoft Visual C++, 32-bit Edition, versions 2.0, 2.1"),
            [
                product("Compiler", &[]),
                product("Microsoft Visual C++, 32-bit Edition", &["2.0", "2.1"])
            ]
        );
        assert_eq!(
            read("Microsoft Complete Baseball for Windows, 1994 edition (see below)"),
            [product(
                "Microsoft Complete Baseball for Windows, 1994 edition",
                &[]
            )]
        );
        assert_eq!(
            read("Microsoft ODBC for JDBC (Build 5.00.3591)"),
            [product("Microsoft ODBC for JDBC", &["Build 5.00.3591"])]
        );
        assert_eq!(
            read("Microsoft ODBC Driver for Visual FoxPro (Build 6.00.8281.00), version 6.0"),
            [product(
                "Microsoft ODBC Driver for Visual FoxPro",
                &["6.0", "Build 6.00.8281.00"]
            )]
        );
        assert_eq!(
            read("MSPRESS Microsoft MS-DOS Step By Step (covers versions 6.0 and 6.2), Printing 1"),
            [product(
                "MSPRESS Microsoft MS-DOS Step By Step",
                &["6.0", "6.2)", "Printing 1"]
            )]
        );
        assert_eq!(
            read("Microsoft eMbedded Visual C++, Version:4.0"),
            [product("Microsoft eMbedded Visual C++", &["4.0"])]
        );
    }

    #[test]
    fn names_lose_lead_ins_punctuation_and_case_variants() {
        assert_eq!(
            clean_name("The C Run-Time (CRT)").as_deref(),
            Some("C Run-Time (CRT)")
        );
        assert_eq!(
            clean_name("on Microsoft Windows 98").as_deref(),
            Some("Microsoft Windows 98")
        );
        assert_eq!(
            clean_name("for the Microsoft Exchange Server").as_deref(),
            Some("Microsoft Exchange Server")
        );
        assert_eq!(
            clean_name("MSN Encarta Language Learning.").as_deref(),
            Some("MSN Encarta Language Learning")
        );
        assert_eq!(
            clean_name("Contoso, Inc.").as_deref(),
            Some("Contoso, Inc.")
        );
        assert_eq!(
            clean_name("Microsoft  Mail For\tPC Networks ;").as_deref(),
            Some("Microsoft Mail for PC Networks")
        );
        assert_eq!(clean_name("Mac OS (all)").as_deref(), Some("Mac OS (ALL)"));
        assert_eq!(
            clean_name("The Microsoft Network").as_deref(),
            Some("The Microsoft Network")
        );
        assert_eq!(clean_name("the following products"), None);
        assert_eq!(clean_name("applies to all versions"), None);
        assert_eq!(clean_name("DELETE ME"), None);
        assert_eq!(clean_name(" - , "), None);
    }

    #[test]
    fn one_product_per_name_with_the_versions_of_each_item() {
        let mut out = Vec::new();
        for item in [
            "The C Run-Time (CRT), used with:",
            "Microsoft Visual C++, versions 1.0, 1.5",
            "C Run-Time (CRT), included with:",
            "Microsoft Visual C++, versions 1.5, 2.0",
        ] {
            for a in read_item(item) {
                if let Applies::Product(p) = a {
                    add_product(&mut out, p);
                }
            }
        }
        let names: Vec<(&str, Vec<&str>)> = out
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.versions.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("C Run-Time (CRT)", vec![]),
                ("Microsoft Visual C++", vec!["1.0", "1.5", "2.0"])
            ]
        );
    }
}
