//! Every fixture file gives exactly the diagnostics expected of it, and none panics.

use kbase::article::load::{load_dir, read_article};
use kbase::diagnostic::Severity;

use crate::fixture;

/// (file under tests/fixtures, code, line, column, severity)
const EXPECTED: &[(&str, &str, usize, usize, Severity)] = &[
    (
        "invalid/broken-yaml.md",
        "yaml-syntax",
        6,
        4,
        Severity::Error,
    ),
    (
        "invalid/unclosed.md",
        "unclosed-front-matter",
        1,
        1,
        Severity::Error,
    ),
    (
        "invalid/no-front-matter.md",
        "no-front-matter",
        1,
        1,
        Severity::Error,
    ),
    ("invalid/missing-id.md", "missing-id", 1, 1, Severity::Error),
    (
        "invalid/missing-title.md",
        "missing-title",
        1,
        1,
        Severity::Error,
    ),
    ("invalid/bad-id.md", "bad-id", 2, 5, Severity::Error),
    ("invalid/bad-date.md", "bad-date", 4, 12, Severity::Error),
    (
        "invalid/event-zero.md",
        "bad-event-id",
        6,
        9,
        Severity::Error,
    ),
    (
        "invalid/event-too-large.md",
        "bad-event-id",
        5,
        9,
        Severity::Error,
    ),
    ("invalid/wrong-type.md", "wrong-type", 4, 9, Severity::Error),
    (
        "invalid/duplicate-key.md",
        "duplicate-key",
        4,
        1,
        Severity::Error,
    ),
    ("invalid/non-utf8.md", "not-utf8", 8, 4, Severity::Error),
    ("invalid/nul.md", "control-character", 8, 2, Severity::Error),
    ("invalid/empty.md", "no-front-matter", 1, 1, Severity::Error),
    (
        "warnings/unknown-key.md",
        "unknown-key",
        4,
        1,
        Severity::Warning,
    ),
    (
        "warnings/empty-section.md",
        "empty-section",
        6,
        1,
        Severity::Warning,
    ),
    ("warnings/no-fix.md", "no-fix", 4, 1, Severity::Warning),
];

#[test]
fn each_fixture_gives_exactly_its_diagnostic() {
    for &(file, code, line, column, severity) in EXPECTED {
        let path = fixture(file);
        let (article, diags) = read_article(&path);
        let got: Vec<_> = diags
            .iter()
            .map(|d| {
                assert_eq!(d.path, path);
                (
                    d.diagnostic.code,
                    d.diagnostic.line,
                    d.diagnostic.column,
                    d.diagnostic.severity,
                )
            })
            .collect();
        assert_eq!(got, [(code, line, column, severity)], "{file}: {diags:?}");
        assert_eq!(article.is_some(), severity == Severity::Warning, "{file}");
    }
}

#[test]
fn every_invalid_fixture_is_listed() {
    let dir = fixture("invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| format!("invalid/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    names.sort();
    let mut listed: Vec<String> = EXPECTED
        .iter()
        .filter(|e| e.0.starts_with("invalid/"))
        .map(|e| e.0.to_owned())
        .collect();
    listed.sort();
    assert_eq!(names, listed);
}

#[test]
fn every_bad_field_of_a_file_is_reported_in_file_order() {
    // Four independent errors: each at its value, none hiding another, and the body's
    // empty section after them.
    let path = fixture("several-errors/four-fields.md");
    let (article, diags) = read_article(&path);
    assert!(article.is_none(), "an article with errors stays unusable");
    let got: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d.diagnostic.code,
                d.diagnostic.line,
                d.diagnostic.column,
                d.diagnostic.severity,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bad-date", 4, 12, Severity::Error),
            ("bad-event-id", 8, 9, Severity::Error),
            ("bad-value", 9, 13, Severity::Error),
            ("bad-value", 10, 9, Severity::Error),
            ("empty-section", 13, 1, Severity::Warning),
        ],
        "{diags:?}"
    );
}

#[test]
fn valid_fixtures_load_without_diagnostics() {
    let c = load_dir(&fixture("valid")).unwrap();
    assert_eq!(c.diagnostics, [], "{:?}", c.diagnostics);
    assert_eq!(c.files, 6);
    let ids: Vec<_> = c
        .articles
        .iter()
        .map(|a| a.article.id().to_owned())
        .collect();
    assert_eq!(
        ids,
        ["BOM-1", "CRLF-1", "KB900001", "MIN-1", "OTHER-1", "XSS-1"]
    );
}

#[test]
fn crlf_and_bom_are_accepted() {
    let (crlf, _) = read_article(&fixture("valid/crlf.md"));
    let crlf = crlf.unwrap();
    assert_eq!(crlf.front.events[0].id.0, 7000);
    assert_eq!(crlf.fix().unwrap().text(), "Start the service by hand.");
    assert_eq!(crlf.sections[0].line, 8);
    let (bom, _) = read_article(&fixture("valid/bom.md"));
    assert_eq!(
        bom.unwrap().fix().unwrap().text(),
        "A summary that is also the fix."
    );
}

#[test]
fn every_field_is_read() {
    let (a, diags) = read_article(&fixture("valid/full.md"));
    assert_eq!(diags, []);
    let a = a.unwrap();
    let f = &a.front;
    assert_eq!(a.id(), "KB900001");
    assert_eq!(f.products.len(), 2);
    assert_eq!(f.products[0].versions, ["2003", "2003 SP1"]);
    assert_eq!(f.products[1].name, "Windows XP Professional");
    assert_eq!(f.platforms, ["Windows"]);
    assert_eq!(f.category.as_deref(), Some("group-policy"));
    assert_eq!(f.published.unwrap().to_string(), "2004-03-01");
    assert_eq!(f.updated.unwrap().to_string(), "2006-11-15");
    assert_eq!(f.events.len(), 2);
    assert_eq!(f.events[0].source.as_deref(), Some("Userenv"));
    assert_eq!(f.events[0].log.as_deref(), Some("Application"));
    assert_eq!(f.events[1].log, None);
    assert_eq!(f.codes, ["0x80070005"]);
    assert_eq!(f.keywords, ["group policy", "gpupdate"]);
    assert_eq!(f.see_also, ["MIN-1"]);
    assert_eq!(f.origin.as_ref().unwrap().file, "txt/900/Q900001.TXT");
    let kinds: Vec<_> = a.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "summary",
            "symptoms",
            "cause",
            "resolution",
            "status",
            "more-information",
            "references"
        ]
    );
    assert_eq!(a.fix().unwrap().anchor, "resolution");
}

#[test]
fn duplicate_ids_name_both_files_and_one_wins() {
    let c = load_dir(&fixture("duplicate")).unwrap();
    assert_eq!(c.articles.len(), 1);
    assert_eq!(c.articles[0].article.title(), "First copy");
    let d = &c.diagnostics[0];
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(d.path, fixture("duplicate/sub/b.md"));
    assert_eq!((d.diagnostic.code, d.diagnostic.line), ("duplicate-id", 3));
    assert!(d.diagnostic.message.contains("`DUP-1`"));
    assert!(d
        .diagnostic
        .message
        .contains(&fixture("duplicate/a.md").display().to_string()));
}

#[test]
fn ids_differing_only_in_case_are_duplicates() {
    let c = load_dir(&fixture("case-duplicate")).unwrap();
    assert_eq!(c.articles.len(), 1);
    assert_eq!(c.articles[0].article.id(), "Case-1");
    assert_eq!(c.diagnostics[0].diagnostic.code, "duplicate-id");
    assert!(c.diagnostics[0]
        .diagnostic
        .message
        .contains("ignoring case"));
}

#[test]
fn unknown_see_also_is_a_warning() {
    let c = load_dir(&fixture("warnings")).unwrap();
    let refs: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.diagnostic.code == "unknown-reference")
        .collect();
    assert_eq!(refs.len(), 1, "W-EMPTY exists, Q999999 does not");
    assert_eq!(refs[0].path, fixture("warnings/unknown-see-also.md"));
    assert_eq!(refs[0].diagnostic.line, 4);
    assert!(refs[0].diagnostic.message.contains("Q999999"));
    assert_eq!(c.articles.len(), 4);
}

#[test]
fn a_10_mb_article_is_refused_with_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.md");
    let mut text = String::from("---\nid: BIG-1\ntitle: Big\n---\n\n## Resolution\n\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("A line of prose that repeats to make a very large article body.\n");
    }
    std::fs::write(&path, &text).unwrap();
    let (article, diags) = read_article(&path);
    assert!(article.is_none());
    assert_eq!(diags[0].diagnostic.code, "too-large");
    assert!(diags[0]
        .diagnostic
        .message
        .contains(&text.len().to_string()));
}

#[test]
fn a_large_article_under_the_cap_is_read_whole() {
    let mut text = String::from("---\nid: LARGE-1\ntitle: Large\n---\n\n## Resolution\n\n");
    let mut n = 0;
    while text.len() < 4 * 1024 * 1024 {
        text.push_str(&format!("Paragraph {n} of a long article.\n\n"));
        n += 1;
    }
    let parsed = kbase::article::parse(&text);
    let a = parsed.article.unwrap();
    let fix = a.fix().unwrap().text();
    assert!(
        fix.starts_with("Paragraph 0 of")
            && fix.ends_with(&format!("Paragraph {} of a long article.", n - 1))
    );
}

#[test]
fn front_matter_over_the_cap_is_refused() {
    let text = format!(
        "---\nid: FM-1\ntitle: t\nkeywords: [{}]\n---\n",
        "word, ".repeat(20_000)
    );
    let parsed = kbase::article::parse(&text);
    assert!(parsed.article.is_none());
    assert_eq!(parsed.diagnostics[0].code, "front-matter-too-large");
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_folder_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "---\nid: SECRET\ntitle: outside\n---\nx\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("link.md")).unwrap();
    std::fs::write(
        dir.path().join("inside.md"),
        "---\nid: IN\ntitle: inside\n---\nx\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("inside.md"), dir.path().join("alias.md")).unwrap();
    let c = load_dir(dir.path()).unwrap();
    let codes: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.path.file_name().unwrap().to_owned(), d.diagnostic.code))
        .collect();
    assert!(
        codes.contains(&("link.md".into(), "outside-articles")),
        "{codes:?}"
    );
    assert!(c.articles.iter().all(|a| a.article.id() != "SECRET"));
}

#[test]
fn hidden_folders_and_other_files_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/x.md"), "not an article").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not an article").unwrap();
    std::fs::write(
        dir.path().join("A.MD"),
        "---\nid: A\ntitle: upper-case extension\n---\nx\n",
    )
    .unwrap();
    let c = load_dir(dir.path()).unwrap();
    assert_eq!((c.files, c.diagnostics.len()), (1, 0));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic sweep of mutations of a valid article: every prefix, and every
    // single byte replaced by a troublesome one.
    let base = std::fs::read(fixture("valid/full.md")).unwrap();
    for cut in 0..base.len() {
        let _ = kbase::article::parse_bytes(&base[..cut]);
    }
    for i in (0..base.len()).step_by(7) {
        for b in [
            b'\0', b'-', b':', b'[', b'{', b'#', b'\n', b'"', 0xFF, b'&', b'*', b'!',
        ] {
            let mut m = base.clone();
            m[i] = b;
            let parsed = kbase::article::parse_bytes(&m);
            if let Some(a) = parsed.article {
                for s in &a.sections {
                    let _ = (s.html(), s.text());
                }
            }
        }
    }
}
