//! The skeleton of a legacy KB file: header, framing separators, applies-to box, footer.
//!
//! Every legacy article follows one skeleton (LEGACY-FORMAT.md): six header fields, a
//! 70-`=` line, optional legacy lines or a WARNING box, the applies-to box between two
//! 79-`-` lines, the body, the *last* 70-`=` line before the single 77-`=` line, footer
//! fields, the disclaimer. This module finds those parts by their shape and tolerates
//! every measured variation: missing separators, a footer separator glued to the text,
//! extra `=` lines inside the body, no applies-to box.

use crate::article::Date;

/// The six header fields, as written.
#[derive(Debug, Default, Clone)]
pub(crate) struct Header {
    /// `Q190698`.
    pub id: String,
    /// The DOCUMENT line's date (an export or review date).
    pub date: Option<Date>,
    /// The DOCUMENT line's bracketed category (`exchange`).
    pub category: Option<String>,
    pub title: String,
    pub product: String,
    pub prod_ver: String,
    pub keywords: String,
}

/// Where the parts of a file are, as line ranges into the decoded lines.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub header: Header,
    /// Lines between the header separator and the applies-to box (legacy version,
    /// platform and keyword lines, or a WARNING box).
    pub pre_box: std::ops::Range<usize>,
    /// The applies-to items, continuation lines joined.
    pub applies_to: Vec<String>,
    /// The body proper.
    pub body: std::ops::Range<usize>,
    /// Footer fields, `(key, value)`, in file order.
    pub footer: Vec<(String, String)>,
    /// Whether the footer separator was found (else the body ends at the disclaimer).
    pub footer_separator: bool,
}

/// Why a file is not a legacy KB article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotLegacy(pub String);

fn is_rule(line: &str, c: char, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&line.len()) && line.chars().all(|x| x == c)
}

/// A framing `=` line (the header and footer separators are 70 long).
pub(crate) fn is_frame(line: &str) -> bool {
    is_rule(line, '=', 60..=74)
}

/// The separator before the disclaimer (77 long).
fn is_disclaimer_rule(line: &str) -> bool {
    is_rule(line, '=', 75..=90)
}

/// The applies-to box's rules (79 long).
fn is_box_rule(line: &str) -> bool {
    is_rule(line.trim_start(), '-', 70..=90)
}

/// Finds the skeleton of a file.
pub(crate) fn find(lines: &[String]) -> Result<Layout, NotLegacy> {
    let (header, header_end) = parse_header(lines)?;
    let mut layout = Layout {
        header,
        ..Layout::default()
    };

    // The disclaimer starts at the 77-`=` line, or at its first words when that is missing.
    let end = lines
        .iter()
        .rposition(|l| is_disclaimer_rule(l))
        .or_else(|| {
            lines.iter().position(|l| {
                l.starts_with("THE INFORMATION PROVIDED IN THE MICROSOFT KNOWLEDGE BASE")
            })
        })
        .unwrap_or(lines.len())
        .max(header_end);

    let mut start = header_end;
    while start < end && lines[start].is_empty() {
        start += 1;
    }
    let frames: Vec<usize> = (start..end).filter(|&i| is_frame(&lines[i])).collect();
    let header_frame = frames.first().copied().filter(|&i| i == start);
    if let Some(i) = header_frame {
        start = i + 1;
    }
    let footer_frame = frames.last().copied().filter(|&i| Some(i) != header_frame);
    let mut body_end = end;
    if let Some(f) = footer_frame {
        layout.footer = parse_footer(&lines[f + 1..end]);
        layout.footer_separator = true;
        body_end = f;
    }

    // The applies-to box: a rule, "The information in this article applies to:", items, a rule.
    let search_to = (start + 40).min(body_end);
    let mut body_start = start;
    layout.pre_box = start..start;
    if let Some(open) = (start..search_to).find(|&i| is_box_rule(&lines[i])) {
        let intro = (open + 1..body_end).find(|&i| !lines[i].is_empty());
        if intro.is_some_and(|i| lines[i].to_ascii_lowercase().contains("applies to")) {
            let intro = intro.unwrap_or(open);
            if let Some(close) = (intro + 1..body_end).find(|&i| is_box_rule(&lines[i])) {
                layout.applies_to = box_items(&lines[intro + 1..close]);
                layout.pre_box = start..open;
                body_start = close + 1;
            }
        }
    }
    layout.body = body_start..body_end.max(body_start);
    Ok(layout)
}

/// Reads the header fields from the top of the file; returns them and the next line.
fn parse_header(lines: &[String]) -> Result<(Header, usize), NotLegacy> {
    let mut h = Header::default();
    let mut seen_document = false;
    let mut i = 0;
    while i < lines.len() && i < 12 {
        let line = &lines[i];
        if line.is_empty() && !seen_document {
            i += 1;
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            break;
        };
        let value = value.trim();
        match key.trim().to_ascii_uppercase().as_str() {
            "DOCUMENT" => {
                seen_document = true;
                parse_document_line(value, &mut h)?;
            }
            "TITLE" => h.title = value.to_owned(),
            "PRODUCT" => h.product = value.to_owned(),
            "PROD/VER" => h.prod_ver = value.to_owned(),
            "OPER/SYS" => {}
            "KEYWORDS" => h.keywords = value.to_owned(),
            _ => break,
        }
        i += 1;
    }
    if !seen_document {
        return Err(NotLegacy(
            "no `DOCUMENT:` line at the top: not a legacy KB article".into(),
        ));
    }
    Ok((h, i))
}

/// `Q190698  13-MAY-1999  [exchange]`
fn parse_document_line(value: &str, h: &mut Header) -> Result<(), NotLegacy> {
    let mut tokens = value.split_whitespace();
    let id = tokens.next().unwrap_or("");
    if !crate::article::is_valid_id(id) {
        return Err(NotLegacy(format!(
            "DOCUMENT line has no usable article id: `{}`",
            id.escape_debug()
        )));
    }
    h.id = id.to_owned();
    for t in tokens {
        if let Some(cat) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            if !cat.is_empty() {
                h.category = Some(cat.to_owned());
            }
        } else if h.date.is_none() {
            h.date = parse_legacy_date(t);
        }
    }
    Ok(())
}

/// `13-MAY-1999` → 1999-05-13.
pub(crate) fn parse_legacy_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let day: u8 = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_ascii_uppercase();
    let year: u16 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u8 + 1;
    Date::new(year, month, day)
}

/// ` - Microsoft SNA Server, versions 2.0, 2.1` items, with wrapped continuation lines.
fn box_items(lines: &[String]) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in lines {
        let t = line.trim();
        if let Some(item) = t.strip_prefix("- ").or_else(|| (t == "-").then_some("")) {
            items.push(item.trim().to_owned());
        } else if !t.is_empty() {
            match items.last_mut() {
                Some(last) if line.starts_with(' ') => {
                    last.push(' ');
                    last.push_str(t);
                }
                _ => items.push(t.to_owned()),
            }
        }
    }
    items.retain(|i| !i.is_empty());
    items
}

/// `Keywords          : kbnetwork kbsna` lines; anything else is ignored.
fn parse_footer(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let k = k.trim();
            (!k.is_empty() && k.len() <= 24 && !l.starts_with(' '))
                .then(|| (k.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_owned).collect()
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_legacy_date("13-MAY-1999").unwrap().to_string(),
            "1999-05-13"
        );
        assert!(parse_legacy_date("31-FEB-1999").is_none());
        assert!(parse_legacy_date("13-XYZ-1999").is_none());
    }

    #[test]
    fn skeleton_with_every_part() {
        let eq70 = "=".repeat(70);
        let eq77 = "=".repeat(77);
        let dash = "-".repeat(79);
        let text = format!(
            "DOCUMENT:Q1234  01-JAN-2000  [winnt]\nTITLE   :T\nPRODUCT :P\nPROD/VER:WINDOWS:1.0\nOPER/SYS:\nKEYWORDS:kbA\n\n{eq70}\n3.00\n{dash}\nThe information in this article applies to:\n\n - Product One, version 1.0 \n - Product Two with a long\n   name\n{dash}\n\nSUMMARY\n=======\n\nText.\n{eq70}\nKeywords          : kbB \nVersion           : 1.0\n\n{eq77}\n\nTHE INFORMATION PROVIDED\n"
        );
        let l = lines(&text);
        let layout = find(&l).unwrap();
        assert_eq!(layout.header.id, "Q1234");
        assert_eq!(layout.header.category.as_deref(), Some("winnt"));
        assert_eq!(
            layout.applies_to,
            ["Product One, version 1.0", "Product Two with a long name"]
        );
        assert_eq!(&l[layout.pre_box.clone()], ["3.00"]);
        assert_eq!(
            &l[layout.body.clone()],
            ["", "SUMMARY", "=======", "", "Text."]
        );
        assert_eq!(
            layout.footer,
            [
                ("Keywords".into(), "kbB".into()),
                ("Version".into(), "1.0".into())
            ]
        );
    }

    #[test]
    fn not_legacy() {
        assert!(find(&lines("hello\nworld")).is_err());
        assert!(find(&lines("DOCUMENT:../x  01-JAN-2000")).is_err());
        assert!(find(&[]).is_err());
    }
}
