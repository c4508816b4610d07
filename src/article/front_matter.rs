//! The YAML front matter: finding it, reading it into one typed struct, locating errors.
//!
//! Errors are located in the *file*: the YAML parser counts lines from the first line
//! after the opening `---`, so every position it reports is shifted by the front matter's
//! offset. Keys the struct does not know are kept (in [`Parsed::extra`]) and reported as
//! warnings at their own line, because a typo such as `keyword:` must not vanish silently.
//!
//! Every field that fails to read is reported, not just the first: `field_reader`
//! reads the fields one by one, so a file with a bad date and a bad status shows both at
//! once, and its author fixes them in one go.
//!
//! Over 500 lines even without its unit tests (about 575): splitting, the typed struct and
//! the error locating are one pass over one text, and its tests read best beside it; the
//! field-by-field reading, which needs none of that, is apart in `field_reader`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::field_reader::{self, MAX_FIELD_ERRORS};
use super::fields::{
    ArticleId, Date, EventId, Product, Status, Visibility, BAD_DATE, BAD_EVENT_ID, BAD_ID,
};
use crate::diagnostic::Diagnostic;

/// Front matter larger than this is refused: real articles need a few hundred bytes, and
/// the cap keeps a hostile file from costing memory or time in the YAML parser.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;

/// The typed front matter of an article: every field DESIGN §2 names.
///
/// Optional fields default to empty so that an article needs only `id` and `title`;
/// [`FrontMatter::validate`] enforces those two. Field order here is the order in which
/// kbase writes front matter, so generated files read naturally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    /// Unique article id, also the file name by convention (`Q190698`).
    pub id: ArticleId,
    /// The title shown in results and on the article page.
    pub title: String,
    /// Products the article applies to, with versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Product>,
    /// Operating systems or platforms (`Windows`, `WINNT`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Optional grouping such as `exchange`, used as a search facet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// First publication date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Date>,
    /// Last revision date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<Date>,
    /// Windows events the article explains: the heart of kbase's search.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventRef>,
    /// Error and STOP codes, normalised as `0x` + 8 upper-case hex digits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Free keywords (legacy KB keywords such as `kbExchange550`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Ids of related articles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub see_also: Vec<String>,
    /// Who may read the article: `public`, or `internal` for agents only (notes that
    /// must not reach end users). Absent means the deployment's default (the server's
    /// `--default-visibility`, public unless set), so a site can start closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// `draft`, `published` or `retired`; absent means published, so articles written
    /// before the field existed need no edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// A person or address responsible for the article: who `kbase check --due` asks
    /// to review it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The date by which the article should be reviewed: past it, `kbase check` warns,
    /// so content about changing systems does not go stale unnoticed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_by: Option<Date>,
    /// The last day the article is valid: after it, anonymous readers no longer see it
    /// (a workaround for a bug a release fixes, an announcement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
    /// Where the article came from, set by the importer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// One event an article is about: its ID and, when known, its source and log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The event ID (1..=4294967295).
    pub id: EventId,
    /// Event source or provider (`MSExchangeKMS`, `Userenv`); matched case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Event log (`Application`, `System`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// Provenance of an imported article, so a re-import can be traced to its input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Origin {
    /// Input format name, such as `ms-kb-text`.
    pub format: String,
    /// Input file, relative to the import source.
    pub file: String,
}

impl FrontMatter {
    /// Checks the invariants serde cannot: required fields present and non-empty, an
    /// `owner` that names someone, and a `valid_to` not before `published`.
    ///
    /// `lines` tells where keys are, so errors point at them; `start_line` is the file line
    /// of the opening `---`, used when the key is absent altogether.
    ///
    /// Keys for which `failed` is true could not be read and have been reported already:
    /// they are not checked again, so a bad `id` is not also reported as a missing one.
    pub(crate) fn validate(
        &self,
        lines: &KeyLines,
        start_line: usize,
        failed: impl Fn(&str) -> bool,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if self.id.is_empty() && !failed("id") {
            let line = lines.line_of("id").unwrap_or(start_line);
            out.push(Diagnostic::error(
                "missing-id",
                line,
                1,
                "the front matter has no `id`",
            ));
        }
        if self.title.trim().is_empty() && !failed("title") {
            let line = lines.line_of("title").unwrap_or(start_line);
            out.push(Diagnostic::error(
                "missing-title",
                line,
                1,
                "the front matter has no `title`",
            ));
        }
        // `owner:` with nothing after it reads as no owner; it is still a mistake.
        let owner_empty = match &self.owner {
            Some(owner) => owner.trim().is_empty(),
            None => lines.line_of("owner").is_some(),
        };
        if owner_empty && !failed("owner") {
            out.push(Diagnostic::error(
                "empty-owner",
                lines.line_of("owner").unwrap_or(start_line),
                1,
                "`owner` is empty: name a person or address, or remove the key",
            ));
        }
        if let (Some(valid_to), Some(published)) = (self.valid_to, self.published) {
            if valid_to < published {
                out.push(Diagnostic::error(
                    "valid-to-before-published",
                    lines.line_of("valid_to").unwrap_or(start_line),
                    1,
                    format!(
                        "`valid_to` {valid_to} is before `published` {published}: anonymous readers would never see it"
                    ),
                ));
            }
        }
        out
    }
}

/// Where the front matter and the body are in an article's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// File line of the YAML's first line.
    pub yaml_line: usize,
    /// The Markdown after the closing line.
    pub body: &'a str,
    /// File line of the body's first line.
    pub body_line: usize,
}

/// Finds the front matter: a first line `---`, then YAML, then a line `---` or `...`.
pub(crate) fn split(text: &str) -> Result<Split<'_>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            "no-front-matter",
            1,
            1,
            "the file is empty: an article starts with `---`, its front matter, and `---`",
        ));
    }
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_end].trim_end() != "---" {
        return Err(Diagnostic::error(
            "no-front-matter",
            1,
            1,
            "no front matter: an article must start with a `---` line",
        ));
    }
    let mut pos = first_end;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let l = text[pos..end].trim_end();
        if l == "---" || l == "..." {
            return Ok(Split {
                yaml: &text[first_end..pos],
                yaml_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        pos = end;
        line += 1;
    }
    Err(Diagnostic::error(
        "unclosed-front-matter",
        1,
        1,
        "the front matter opened here is never closed: add a `---` line after it",
    ))
}

/// The result of reading front matter: the typed fields when they are valid, unknown
/// keys, and every problem found.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// The fields, `None` when any error made them unusable.
    pub front: Option<FrontMatter>,
    /// Unknown keys and their values, by path (`author`, `events[0].note`).
    pub extra: BTreeMap<String, serde_yaml::Value>,
    /// Errors and warnings, at file positions.
    pub diagnostics: Vec<Diagnostic>,
    /// Top-level key positions.
    pub lines: KeyLines,
}

/// Reads the YAML of `split` into a [`FrontMatter`], with located diagnostics.
///
/// Every field that fails to read is reported, each at its value (see
/// [`super::field_reader`]), together with the checks of [`FrontMatter::validate`] on the
/// fields that did read; a YAML syntax error ends the reading at that error. Any error
/// leaves [`Parsed::front`] empty. Diagnostics come in file order.
pub(crate) fn parse(split: &Split<'_>) -> Parsed {
    let yaml = split.yaml;
    let offset = split.yaml_line - 1;
    let mut parsed = Parsed {
        lines: KeyLines::scan(yaml, offset),
        ..Parsed::default()
    };
    if yaml.len() > MAX_FRONT_MATTER_BYTES {
        parsed.diagnostics.push(Diagnostic::error(
            "front-matter-too-large",
            split.yaml_line,
            1,
            format!(
                "the front matter is {} bytes; the limit is {MAX_FRONT_MATTER_BYTES}",
                yaml.len()
            ),
        ));
        return parsed;
    }
    let reading = field_reader::read(yaml);
    parsed.diagnostics = diagnose(yaml, offset, &parsed.lines, &reading, &mut parsed.extra);
    // Errors are found in file order, the checks and warnings after them: one order for
    // all, as a person reads the file. The sort is stable, so equal positions keep the
    // order they were found in.
    parsed.diagnostics.sort_by_key(|d| (d.line, d.column));
    if parsed.diagnostics.iter().all(|d| !d.is_error()) {
        parsed.front = Some(reading.front);
    }
    parsed
}

/// The diagnostics of a [`field_reader::Reading`]: its errors located, the checks of the
/// fields it read, and its unknown keys (kept in `extra` when the file is usable).
fn diagnose(
    yaml: &str,
    offset: usize,
    lines: &KeyLines,
    reading: &field_reader::Reading,
    extra: &mut BTreeMap<String, serde_yaml::Value>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = reading
        .errors
        .iter()
        .map(|err| located_error(offset, lines, err, reading.is_syntax(err)))
        .collect();
    // A syntax error inside a value is that value's one problem: what the reading made
    // of the value before the text broke (`title: [broken` read as a list) is not
    // reported beside it.
    if let Some(broken) = out.iter().find(|d| d.code == "yaml-syntax") {
        if let Some(key_line) = lines.key_line_before(broken.line) {
            out.retain(|d| d.code == "yaml-syntax" || d.line < key_line);
        }
    }
    if reading.capped {
        // At the last error reported, and after it in the sorted list.
        let (line, column) = out.last().map_or((offset + 1, 1), |d| (d.line, d.column));
        out.push(Diagnostic::error(
            "too-many-errors",
            line,
            column,
            format!(
                "stopped after {MAX_FIELD_ERRORS} errors in the front matter: fix these and check again"
            ),
        ));
    }
    if reading.stopped {
        return out;
    }
    out.extend(
        reading
            .front
            .validate(lines, offset, |key| reading.failed(key)),
    );
    if reading.ignored.is_empty() {
        return out;
    }
    // The values of unknown keys are kept only for a usable article; with errors (a
    // duplicate key, say, which this reading refuses) the warnings alone are enough.
    let value = if out.iter().any(Diagnostic::is_error) {
        None
    } else {
        match serde_yaml::from_str::<serde_yaml::Value>(yaml) {
            Ok(value) => Some(value),
            Err(err) => {
                // Aliases are expanded only here: an alias bomb under an unknown key.
                out.push(located_error(offset, lines, &err, true));
                return out;
            }
        }
    };
    for path in &reading.ignored {
        let name = display_path(path);
        let line = locate(yaml, path) + offset;
        out.push(Diagnostic::warning(
            "unknown-key",
            line,
            1,
            format!("unknown key `{name}` is kept but not used"),
        ));
        if let Some(v) = value.as_ref().and_then(|value| lookup(value, path)) {
            extra.insert(name, v.clone());
        }
    }
    out
}

/// Turns a YAML or serde error into a diagnostic with a file position and a code.
///
/// `syntax` tells whether `err` is the text's YAML error rather than a field's: an
/// error of no field-level kind is then a syntax error, else a wrong type.
fn located_error(
    offset: usize,
    lines: &KeyLines,
    err: &serde_yaml::Error,
    syntax: bool,
) -> Diagnostic {
    let (mut line, mut column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
    // "variant" is serde's word for an enum's value (`visibility: secret`); people
    // write values.
    let message = shift_lines(&strip_location(&err.to_string()), offset)
        .replace("duplicate field", "duplicate key")
        .replace("unknown variant", "unknown value");
    let code = if message.contains(BAD_ID) {
        "bad-id"
    } else if message.contains(BAD_DATE) {
        "bad-date"
    } else if message.contains(BAD_EVENT_ID) {
        "bad-event-id"
    } else if message.contains("unknown value") {
        "bad-value"
    } else if message.contains("duplicate key") || message.contains("duplicate entry") {
        "duplicate-key"
    } else if syntax {
        "yaml-syntax"
    } else {
        "wrong-type"
    };
    if code == "duplicate-key" && line == 1 && column == 1 {
        // serde reports duplicates at the start of the mapping; for top-level keys the
        // second occurrence is easy to find, and far more useful to point at.
        if let Some(l) = message
            .split('`')
            .nth(1)
            .and_then(|key| lines.second_line_of(key))
        {
            (line, column) = (l - offset, 1);
        }
    }
    let message = match code {
        "wrong-type" if message.contains("expected struct FrontMatter") => {
            "the front matter must be a mapping of `key: value` lines".to_owned()
        }
        "yaml-syntax" => format!("YAML syntax: {message}"),
        _ => message,
    };
    Diagnostic::error(code, line + offset, column, message)
}

/// Removes the ` at line N column M` suffix that serde_yaml appends; we print positions
/// ourselves, shifted to the file.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// Shifts the YAML-relative `line N` mentions inside a parser message (libyaml names the
/// line where the broken construct started) to file lines.
fn shift_lines(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (before, after) = rest.split_at(i + 5);
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match after[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Lines of the top-level keys of a block-style YAML mapping (`key:` at column 0).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyLines(Vec<(String, usize)>);

impl KeyLines {
    /// Scans `yaml`, whose first line is file line `offset + 1`.
    fn scan(yaml: &str, offset: usize) -> KeyLines {
        let keys = yaml
            .lines()
            .enumerate()
            .filter_map(|(i, l)| top_level_key(l).map(|k| (k.to_owned(), i + 1 + offset)))
            .collect();
        KeyLines(keys)
    }

    /// File line of the first occurrence of `key`.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, l)| *l)
    }

    /// File line of the last top-level key at or before file line `line`: the key
    /// whose value holds that line.
    fn key_line_before(&self, line: usize) -> Option<usize> {
        self.0.iter().map(|(_, l)| *l).filter(|l| *l <= line).max()
    }

    /// File line of the second occurrence of `key`, for duplicate keys.
    fn second_line_of(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .nth(1)
            .map(|(_, l)| *l)
    }
}

/// The key of a line like `key: value` or `key:` at column 0, if it is one.
fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '{' | '[' | '?' | '\'' | '"') {
        return None;
    }
    let colon = line.find(':')?;
    let rest = &line[colon + 1..];
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| line[..colon].trim_end())
}

/// One step of a path into the YAML tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    /// A mapping's key.
    Key(String),
    /// A sequence's item, from 0.
    Index(usize),
}

/// Converts serde_ignored's path into segments, root first.
pub(super) fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    let mut out = match path {
        Path::Root => return Vec::new(),
        Path::Seq { parent, .. }
        | Path::Map { parent, .. }
        | Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    };
    match path {
        Path::Seq { index, .. } => out.push(Segment::Index(*index)),
        Path::Map { key, .. } => out.push(Segment::Key(key.clone())),
        _ => {}
    }
    out
}

/// `events[0].note`, the way people write paths.
fn display_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) if s.is_empty() => s.push_str(k),
            Segment::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn lookup<'v>(value: &'v serde_yaml::Value, path: &[Segment]) -> Option<&'v serde_yaml::Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Segment::Key(k) => v.get(k.as_str()),
        Segment::Index(i) => v.get(*i),
    })
}

/// Best-effort line (1-based, within `yaml`) of `path` in block-style YAML: it follows
/// indentation, and falls back to the deepest ancestor it found. Flow style (`{a: 1}`)
/// resolves to the line of the enclosing key.
fn locate(yaml: &str, path: &[Segment]) -> usize {
    let lines: Vec<&str> = yaml.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '-']).len();
    // (first line index of the current node's content, end, the node's own line)
    let (mut start, mut end, mut found) = (0usize, lines.len(), 0usize);
    let mut at_item_line = false;
    for seg in path {
        let body: Vec<usize> = (start..end)
            .filter(|&i| !lines[i].trim().is_empty())
            .collect();
        let Some(&first) = body.first() else { break };
        let level = if at_item_line {
            indent(lines[first])
        } else {
            lines[first].len() - lines[first].trim_start().len()
        };
        let hit = match seg {
            Segment::Key(k) => body.iter().copied().find(|&i| {
                let l = lines[i];
                indent(l) == level
                    && l.trim_start_matches([' ', '-'])
                        .strip_prefix(k.as_str())
                        .is_some_and(|r| r.trim_start().starts_with(':'))
            }),
            Segment::Index(n) => body
                .iter()
                .copied()
                .filter(|&i| {
                    lines[i].len() - lines[i].trim_start().len() == level
                        && lines[i].trim_start().starts_with('-')
                })
                .nth(*n),
        };
        let Some(hit) = hit else { break };
        found = hit;
        at_item_line = matches!(seg, Segment::Index(_));
        let own = lines[hit].len() - lines[hit].trim_start().len();
        let next = (hit + 1..end).find(|&i| {
            let l = lines[i];
            !l.trim().is_empty() && l.len() - l.trim_start().len() <= own
        });
        start = if at_item_line { hit } else { hit + 1 };
        end = next.unwrap_or(end);
    }
    found + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_yaml(yaml: &str) -> Parsed {
        parse(&Split {
            yaml,
            yaml_line: 2,
            body: "",
            body_line: 0,
        })
    }

    #[test]
    fn split_finds_both_fences() {
        let s = split("---\nid: a\n---\nbody\n").unwrap();
        assert_eq!(
            (s.yaml, s.yaml_line, s.body, s.body_line),
            ("id: a\n", 2, "body\n", 4)
        );
        assert_eq!(split("---\nid: a\n...\n").unwrap().body, "");
        assert_eq!(split("id: a\n").unwrap_err().code, "no-front-matter");
        assert_eq!(
            split("---\nid: a\n").unwrap_err().code,
            "unclosed-front-matter"
        );
    }

    #[test]
    fn errors_point_into_the_file() {
        let p = parse_yaml("id: a\ntitle: t\nevents:\n  - id: 0\n");
        let d = &p.diagnostics[0];
        assert_eq!((d.code, d.line, d.column), ("bad-event-id", 5, 9));
        assert_eq!(
            d.message,
            "events[0].id: event id 0 is outside the event id range 1..=4294967295"
        );
    }

    #[test]
    fn duplicate_top_level_keys_point_at_the_second() {
        let p = parse_yaml("id: a\ntitle: t\nid: b\n");
        let d = &p.diagnostics[0];
        assert_eq!(
            (d.code, d.line, d.message.as_str()),
            ("duplicate-key", 4, "duplicate key `id`")
        );
    }

    #[test]
    fn unknown_keys_are_kept_and_located() {
        let p =
            parse_yaml("id: a\ntitle: t\nauthor: me\nevents:\n  - id: 1\n  - id: 2\n    note: x\n");
        let warnings: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| (d.code, d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    "unknown-key",
                    4,
                    "unknown key `author` is kept but not used"
                ),
                (
                    "unknown-key",
                    8,
                    "unknown key `events[1].note` is kept but not used"
                ),
            ]
        );
        assert_eq!(p.extra["author"], serde_yaml::Value::from("me"));
        assert_eq!(p.extra["events[1].note"], serde_yaml::Value::from("x"));
        assert!(p.front.is_some());
    }

    /// The (code, line, column, message) of each diagnostic.
    fn found(p: &Parsed) -> Vec<(&'static str, usize, usize, String)> {
        p.diagnostics
            .iter()
            .map(|d| (d.code, d.line, d.column, d.message.clone()))
            .collect()
    }

    #[test]
    fn lifecycle_fields_are_read() {
        let p = parse_yaml(
            "id: a\ntitle: t\npublished: 2020-01-01\nvisibility: internal\nstatus: retired\n\
             owner: helpdesk@example.com\nreview_by: 2024-02-29\nvalid_to: 2020-01-01\n",
        );
        assert_eq!(found(&p), []);
        let f = p.front.unwrap();
        assert_eq!(f.visibility, Some(Visibility::Internal));
        assert_eq!(f.status, Some(Status::Retired));
        assert_eq!(f.owner.as_deref(), Some("helpdesk@example.com"));
        assert_eq!(f.review_by, Date::new(2024, 2, 29));
        assert_eq!(f.valid_to, Date::new(2020, 1, 1));
        let p = parse_yaml("id: a\ntitle: t\nvisibility: public\nstatus: draft\n");
        let f = p.front.unwrap();
        assert_eq!(
            (f.visibility, f.status),
            (Some(Visibility::Public), Some(Status::Draft))
        );
        assert_eq!(
            parse_yaml("id: a\ntitle: t\nstatus: published\n")
                .front
                .unwrap()
                .status,
            Some(Status::Published)
        );
    }

    #[test]
    fn absent_lifecycle_fields_are_none_and_not_written() {
        let p = parse_yaml("id: a\ntitle: t\n");
        let f = p.front.unwrap();
        assert_eq!(
            (f.visibility, f.status, &f.owner, f.review_by, f.valid_to),
            (None, None, &None, None, None)
        );
        assert_eq!(serde_yaml::to_string(&f).unwrap(), "id: a\ntitle: t\n");
    }

    #[test]
    fn lifecycle_fields_round_trip_in_order() {
        let yaml = "id: a\ntitle: t\nsee_also:\n- b\nvisibility: internal\nstatus: draft\n\
                    owner: Ops\nreview_by: 2025-01-31\nvalid_to: 2026-12-31\n";
        let f = parse_yaml(yaml).front.unwrap();
        assert_eq!(serde_yaml::to_string(&f).unwrap(), yaml);
    }

    #[test]
    fn unknown_lifecycle_values_are_located_and_name_the_allowed_ones() {
        let p = parse_yaml("id: a\ntitle: t\nvisibility: secret\n");
        assert!(p.front.is_none());
        assert_eq!(
            found(&p),
            [(
                "bad-value",
                4,
                13,
                "visibility: unknown value `secret`, expected `public` or `internal`".into()
            )]
        );
        let p = parse_yaml("id: a\ntitle: t\n\nstatus: Published\n");
        assert_eq!(
            found(&p),
            [(
                "bad-value",
                5,
                9,
                "status: unknown value `Published`, expected one of `draft`, `published`, `retired`"
                    .into()
            )]
        );
        let p = parse_yaml("id: a\ntitle: t\nstatus: [draft]\n");
        assert_eq!(p.diagnostics[0].code, "wrong-type");
        assert_eq!(p.diagnostics[0].line, 4);
    }

    #[test]
    fn bad_review_dates_are_located() {
        let p = parse_yaml("id: a\ntitle: t\nreview_by: 2023-02-29\n");
        assert_eq!(
            found(&p),
            [(
                "bad-date",
                4,
                12,
                "review_by: `2023-02-29` is not a valid date: write YYYY-MM-DD".into()
            )]
        );
        let p = parse_yaml("id: a\ntitle: t\nowner: x\nvalid_to: 31.12.2025\n");
        assert_eq!(
            (p.diagnostics[0].code, p.diagnostics[0].line),
            ("bad-date", 5)
        );
    }

    #[test]
    fn an_owner_must_name_someone() {
        for yaml in [
            "id: a\ntitle: t\nowner: \"\"\n",
            "id: a\ntitle: t\nowner: \"  \"\n",
            "id: a\ntitle: t\nowner:\n",
        ] {
            let p = parse_yaml(yaml);
            assert_eq!(
                found(&p),
                [(
                    "empty-owner",
                    4,
                    1,
                    "`owner` is empty: name a person or address, or remove the key".into()
                )],
                "{yaml}"
            );
        }
    }

    #[test]
    fn valid_to_may_not_precede_published() {
        let p = parse_yaml("id: a\ntitle: t\npublished: 2020-05-02\nvalid_to: 2020-05-01\n");
        assert_eq!(
            found(&p),
            [(
                "valid-to-before-published",
                5,
                1,
                "`valid_to` 2020-05-01 is before `published` 2020-05-02: anonymous readers would never see it"
                    .into()
            )]
        );
        // The same day is fine, and so is a `valid_to` without `published`.
        for yaml in [
            "id: a\ntitle: t\npublished: 2020-05-02\nvalid_to: 2020-05-02\n",
            "id: a\ntitle: t\nvalid_to: 1990-01-01\n",
        ] {
            assert_eq!(found(&parse_yaml(yaml)), [], "{yaml}");
        }
    }

    #[test]
    fn products_may_be_names_or_maps() {
        let p = parse_yaml(
            "id: a\ntitle: t\nproducts:\n  - Windows NT\n  - {name: Exchange, versions: [5.5]}\n",
        );
        let f = p.front.unwrap();
        assert_eq!(
            f.products[0],
            Product {
                name: "Windows NT".into(),
                versions: vec![]
            }
        );
        assert_eq!(f.products[1].versions, ["5.5"]);
    }

    #[test]
    fn every_bad_field_is_reported_at_its_value_in_file_order() {
        let p = parse_yaml(
            "id: a\ntitle: t\npublished: 2021-02-30\nevents:\n  - id: 5058\n  - id: 0\n\
             visibility: secret\nstatus: 5\n",
        );
        assert!(p.front.is_none());
        assert_eq!(
            found(&p),
            [
                (
                    "bad-date",
                    4,
                    12,
                    "published: `2021-02-30` is not a valid date: write YYYY-MM-DD".into()
                ),
                (
                    "bad-event-id",
                    7,
                    9,
                    "events[1].id: event id 0 is outside the event id range 1..=4294967295".into()
                ),
                (
                    "bad-value",
                    8,
                    13,
                    "visibility: unknown value `secret`, expected `public` or `internal`".into()
                ),
                (
                    "bad-value",
                    9,
                    9,
                    "status: unknown value `5`, expected one of `draft`, `published`, `retired`"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn each_bad_list_item_is_reported() {
        let p = parse_yaml(
            "id: a\ntitle: t\nevents:\n  - id: 0\n  - id: 7\n  - id: 99999999999\n\
             see_also: [b, [c]]\n",
        );
        let codes: Vec<_> = p.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(
            codes,
            [("bad-event-id", 5), ("bad-event-id", 7), ("wrong-type", 8)]
        );
    }

    #[test]
    fn field_errors_come_with_the_other_checks_and_warnings() {
        // A bad `id` is not also a missing one, a bad `owner` not also an empty one; the
        // missing title, the unknown key and the duplicate are still reported.
        let p = parse_yaml("id: ../x\nowner: [a]\nauthor: me\nreview_by: 2023-02-29\nowner: b\n");
        assert!(p.front.is_none());
        let got: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| (d.code, d.line, d.severity))
            .collect();
        use crate::diagnostic::Severity::{Error, Warning};
        assert_eq!(
            got,
            [
                ("missing-title", 1, Error),
                ("bad-id", 2, Error),
                ("wrong-type", 3, Error),
                ("unknown-key", 4, Warning),
                ("bad-date", 5, Error),
                ("duplicate-key", 6, Error),
            ]
        );
    }

    #[test]
    fn a_syntax_error_still_ends_the_file_after_the_errors_before_it() {
        let p = parse_yaml(
            "id: a\ntitle: t\npublished: 2021-02-30\nproducts:\n  - name: x\n   versions: [1]\n",
        );
        let codes: Vec<_> = p.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("bad-date", 4), ("yaml-syntax", 7)]);
        // An unclosed list is a syntax error, not also a list where a word belongs.
        let p = parse_yaml("id: a\ntitle: t\nstatus: [draft\n");
        let codes: Vec<_> = p.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("yaml-syntax", 5)]);
    }

    #[test]
    fn a_file_full_of_errors_stops_at_the_cap() {
        let yaml = format!("id: a\ntitle: t\nevents:\n{}", "  - id: 0\n".repeat(200));
        let p = parse_yaml(&yaml);
        assert_eq!(p.diagnostics.len(), MAX_FIELD_ERRORS + 1);
        let last = p.diagnostics.last().unwrap();
        assert_eq!(
            (last.code, last.line),
            ("too-many-errors", 4 + MAX_FIELD_ERRORS)
        );
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut bomb = String::from("id: a\ntitle: t\nx0: &x0 [1,1,1,1,1,1,1,1,1]\n");
        for i in 1..9 {
            let p = i - 1;
            bomb.push_str(&format!(
                "x{i}: &x{i} [*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p}]\n"
            ));
        }
        let p = parse_yaml(&bomb);
        assert!(p.front.is_none());
        assert_eq!(
            p.diagnostics[0].message,
            "YAML syntax: repetition limit exceeded"
        );
        let deep = format!("id: a\ntitle: t\nx: {}\n", "[".repeat(10_000));
        let p = parse_yaml(&deep);
        assert_eq!(p.diagnostics[0].code, "yaml-syntax");
    }
}
