//! The legacy importer on synthetic fixtures (one per quirk family), the seed article,
//! arbitrary bytes, and the `kbase import` command.

use std::path::Path;
use std::process::Command;

use kbase::article::{self, Article};
use kbase::legacy::{self, convert};
use proptest::prelude::*;

use crate::{fixture, repo};

fn parse(file: &str) -> Article {
    let parsed = article::parse(file);
    assert!(
        parsed.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        parsed.diagnostics
    );
    parsed.article.unwrap()
}

fn convert_fixture(name: &str) -> legacy::Conversion {
    let bytes = std::fs::read(fixture(&format!("legacy/{name}"))).unwrap();
    convert(&bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_converts_to_its_snapshot() {
    let mut names: Vec<String> = std::fs::read_dir(fixture("legacy"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "empty.TXT")
        .collect();
    names.sort();
    assert_eq!(names.len(), 22);
    for name in names {
        let c = convert_fixture(&name);
        parse(&c.file);
        let stem = name.trim_end_matches(".TXT");
        insta::assert_snapshot!(format!("legacy_{stem}"), c.file);
    }
}

#[test]
fn crlf_and_lf_give_the_same_body() {
    let crlf = parse(&convert_fixture("crlf-basic.TXT").file);
    let lf = parse(&convert_fixture("lf-only.TXT").file);
    let texts = |a: &Article| {
        a.sections
            .iter()
            .map(|s| (s.anchor.clone(), s.text()))
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&crlf), texts(&lf));
    assert_eq!(crlf.fix().unwrap().anchor, "resolution");
    assert_eq!(crlf.front.see_also, ["Q900002"]);
    assert!(
        crlf.front.keywords.iter().any(|k| k == "crash"),
        "query words become keywords"
    );
    let body: String = crlf.sections.iter().map(|s| s.text()).collect();
    assert!(!body.contains("Additional query words"));
    assert_eq!(lf.front.products[0].versions, ["2.0", "2.1", "2.1 SP1"]);
}

#[test]
fn windows_1252_and_control_bytes_are_repaired_with_warnings() {
    let c = convert_fixture("cp1252.TXT");
    assert_eq!(
        c.front.title,
        "WIDG: \u{201c}Smart\u{201d} Quotes and Caf\u{e9} in a Title"
    );
    assert_eq!(c.warnings[0].kind, "windows-1252");
    let c = convert_fixture("undefined-byte.TXT");
    assert!(parse(&c.file).sections[0].text().contains("Empf\u{81}nger"));
    let c = convert_fixture("ctrl-z.TXT");
    assert_eq!(c.warnings[0].kind, "control-bytes");
    assert!(parse(&c.file).sections[0]
        .text()
        .contains("bell character between words"));
}

#[test]
fn events_come_with_their_sources_and_logs() {
    let c = convert_fixture("event-tables.TXT");
    let events: Vec<(u32, Option<&str>)> = c
        .front
        .events
        .iter()
        .map(|e| (e.id.0, e.source.as_deref()))
        .collect();
    assert_eq!(
        events,
        [
            (7000, None),
            (7001, Some("Service Control Manager")),
            (1000, Some("MSWidgetIS")),
            (2510, Some("Server")),
            (1030, Some("Userenv"))
        ]
    );
    assert_eq!(c.front.events[0].log.as_deref(), Some("Application"));
}

#[test]
fn stop_codes_without_their_parameters() {
    let c = convert_fixture("stop-codes.TXT");
    assert_eq!(
        c.front.codes,
        [
            "0x0000000A",
            "0x0000007B",
            "0xC000021A",
            "0x80070005",
            "0x80004005"
        ]
    );
}

#[test]
fn markdown_characters_render_as_the_original_text() {
    let a = parse(&convert_fixture("markdown-chars.TXT").file);
    let original =
        "Use *.* to select all files, or type [x] and press ENTER. The <Widget> tag and\n\
                    the &nbsp; entity are text. Type `dir` at C:\\> and see MAX_PATH and _temp_.\n\
                    # is a hash sign at the start of a line,\n\
                    1999. was a year at the start of a line,\n\
                    - a dash at the start of a line, and a | pipe.";
    assert_eq!(a.sections[0].text(), original);
}

/// The archive indents lettered and roman sub-steps with their continuation lines hung
/// under the text; they used to come out as code blocks (Q245186's resolution and about
/// 1,300 articles more). They are lists nested in their numbered step, with the letters
/// kept; the event dump and the table beside them stay pre-formatted.
#[test]
fn sub_steps_are_nested_lists_and_tables_and_event_dumps_stay_code() {
    let c = convert_fixture("sub-steps.TXT");
    let a = parse(&c.file);
    let resolution = &a.sections[1].markdown;
    let expected = "\
1. Stop the Widget service:

   - a. Click Start, point to Settings, click Control Panel, and then double-click
     Services.

   - b. Click Widget, and then click Stop.

2. Clear the queue:

   - (a) Open the Widget folder.
   - (b) Delete the files in the Queue folder and in each folder
     under it, but not the folder itself.

3. Check the settings:

   - i. Open Widget Administrator, and on the Tools menu click
     Options.

   - ii. On the Queue tab, type:

     ```
     QueueLength=64
     ```

   - iii. Click OK.

4. Start the Widget service.
";
    assert!(
        resolution.trim_end().ends_with(expected.trim_end()),
        "{resolution}"
    );

    let html = article::render::to_html(resolution);
    let pre = html.find("<pre>");
    assert_eq!(html.matches("<pre>").count(), 1, "{html}");
    assert!(
        pre > html.find("ii. On the Queue tab") && pre < html.find("iii. Click OK"),
        "only what step ii says to type is pre-formatted, inside its step: {html}"
    );
    assert_eq!(html.matches("<ol>").count(), 1, "one numbered list: {html}");
    assert_eq!(html.matches("<ul>").count(), 3, "{html}");
    let nested = html.find("<ol>").unwrap() < html.find("<ul>").unwrap()
        && html.rfind("</ul>").unwrap() < html.rfind("</ol>").unwrap();
    assert!(nested, "the sub-lists are inside the numbered list: {html}");
    assert!(
        html.contains("<li>\n<p>a. Click Start"),
        "the letters stay: {html}"
    );
    assert!(html.contains("<li>(b) Delete the files"), "{html}");
    assert!(html.contains("<li>\n<p>iii. Click OK.</p>"), "{html}");
    assert!(html.contains("<code>QueueLength=64\n</code>"), "{html}");

    let symptoms = article::render::to_html(&a.sections[0].markdown);
    assert_eq!(symptoms.matches("<pre>").count(), 2, "{symptoms}");
    assert!(!symptoms.contains("<li>"), "{symptoms}");
    assert!(a.sections[0]
        .markdown
        .contains("```\nSetting        Default   Maximum\n-------        -------   -------\n"));
    assert!(a.sections[0]
        .markdown
        .contains("```\nEvent ID: 7031\nSource: Service Control Manager\n"));
}

#[test]
fn skeleton_variants() {
    let a = parse(&convert_fixture("no-applies-to.TXT").file);
    assert_eq!(a.front.products[0].name, "Contoso Home Games");
    let c = convert_fixture("legacy-lines.TXT");
    assert!(
        c.front.keywords.iter().any(|k| k == "kbdocerr"),
        "legacy lines are keywords"
    );
    assert!(!c.file.contains("3.00 3.10"), "and not body text");
    let a = parse(&convert_fixture("warning-box.TXT").file);
    assert!(
        a.sections[0].text().contains("PRELIMINARY"),
        "the warning box is kept"
    );
    let c = convert_fixture("no-headings.TXT");
    assert!(c.warnings.iter().any(|w| w.kind == "no-headings"));
    assert_eq!(
        parse(&c.file).fix().unwrap().kind,
        article::SectionKind::Summary
    );
    let a = parse(&convert_fixture("glued-footer.TXT").file);
    assert!(a.sections[0]
        .text()
        .ends_with("followed directly by the separator."));
    let c = convert_fixture("missing-footer.TXT");
    assert!(c.warnings.iter().any(|w| w.kind == "no-footer-separator"));
    assert!(!c.file.contains("KBCategory") && !c.file.contains("THE INFORMATION PROVIDED"));
    let c = convert_fixture("footer-order.TXT");
    assert!(
        c.front.keywords.iter().any(|k| k == "widgetd")
            && c.front.keywords.iter().any(|k| k == "kbhw386")
    );
    assert_eq!(c.front.platforms, ["Windows", "Windows NT"]);
    let a = parse(&convert_fixture("unknown-headings.TXT").file);
    let anchors: Vec<_> = a.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(
        anchors,
        [
            "386enh-section-settings",
            "cd-rom-problems",
            "workaround",
            "cause"
        ]
    );
    let a = parse(&convert_fixture("sub-headings.TXT").file);
    assert!(a.sections[1]
        .markdown
        .starts_with("### Steps to Reproduce Behavior"));
}

#[test]
fn unusable_inputs_are_clean_errors() {
    assert!(convert(b"", "empty.TXT")
        .unwrap_err()
        .contains("not a legacy KB article"));
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert!(convert(&binary, "binary.bin").is_err());
    let mut big = std::fs::read(fixture("legacy/crlf-basic.TXT")).unwrap();
    let at = big.windows(9).position(|w| w == b"SYMPTOMS\r").unwrap();
    let filler = b"This paragraph repeats to make the article two hundred kilobytes long.\r\n\r\n";
    let mut grown = big[..at].to_vec();
    while grown.len() < 200 * 1024 {
        grown.extend_from_slice(filler);
    }
    grown.extend_from_slice(&big.split_off(at));
    let c = convert(&grown, "big.TXT").unwrap();
    assert!(
        parse(&c.file).sections[0]
            .text()
            .matches("two hundred kilobytes")
            .count()
            > 2000
    );
}

#[test]
fn the_seed_imports_as_the_hand_written_article() {
    let bytes = std::fs::read(repo().join("../shared/corpus/seed/Q190698.TXT"));
    let Ok(bytes) = bytes else {
        eprintln!("skipped: ../shared/corpus/seed/Q190698.TXT not present");
        return;
    };
    let imported = parse(&convert(&bytes, "txt/190/Q190698.TXT").unwrap().file);
    let (hand, _) = article::load::read_article(&repo().join("articles/Q190698.md"));
    let hand = hand.unwrap();
    let f = (&imported.front, &hand.front);
    assert_eq!(f.0.id, f.1.id);
    assert_eq!(f.0.title, f.1.title);
    assert_eq!(f.0.products, f.1.products);
    assert_eq!(f.0.platforms, f.1.platforms);
    assert_eq!(f.0.category, f.1.category);
    assert_eq!(f.0.published, f.1.published);
    assert_eq!(f.0.updated, f.1.updated);
    assert_eq!(f.0.keywords, f.1.keywords);
    assert_eq!(f.0.origin, f.1.origin);
    let ids = |a: &Article| {
        a.front
            .events
            .iter()
            .map(|e| (e.id, e.log.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&imported), ids(&hand));
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let sections = |a: &Article| {
        a.sections
            .iter()
            .map(|s| (s.anchor.clone(), words(&s.text())))
            .collect::<Vec<_>>()
    };
    assert_eq!(sections(&imported), sections(&hand));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_convert_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = convert(&bytes, "x.TXT");
    }

    #[test]
    fn any_body_after_a_valid_header_gives_a_valid_article(body in "[ -~\n\t=*#<>_`\\[\\]-]{0,600}") {
        let text = format!("DOCUMENT:Q123456  13-MAY-1999  [x]\nTITLE   :T\nPRODUCT :P\nPROD/VER:\nOPER/SYS:\nKEYWORDS:\n\n{}\n{body}", "=".repeat(70));
        let c = convert(text.as_bytes(), "x.TXT").unwrap();
        let parsed = article::parse(&c.file);
        prop_assert!(parsed.diagnostics.iter().all(|d| !d.is_error()));
    }
}

fn kbase(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn import_is_idempotent_and_never_overwrites_edits_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("legacy");
    let out = dir.path().join("articles");
    let (src, out_s) = (src.to_str().unwrap(), out.to_str().unwrap());
    let first = kbase(
        &["import", src, "--out", out_s, "--report", "report.jsonl"],
        dir.path(),
    );
    assert_eq!(
        first.status.code(),
        Some(1),
        "empty.TXT fails, the rest is written"
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("read 23 files")
            && stderr.contains("22 written")
            && stderr.contains("1 failed"),
        "{stderr}"
    );
    assert!(stderr.contains("empty.TXT: error: "), "{stderr}");
    let report = std::fs::read_to_string(dir.path().join("report.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 23);
    assert!(lines
        .iter()
        .any(|l| l["status"] == "failed" && l["file"].as_str().unwrap().ends_with("empty.TXT")));

    let check = kbase(&["check", "--articles", out_s], dir.path());
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let second = kbase(&["import", src, "--out", out_s], dir.path());
    assert!(String::from_utf8_lossy(&second.stderr).contains("0 written, 22 unchanged"));

    let edited = out.join("Q900001.md");
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str("\nA note added by hand.\n");
    std::fs::write(&edited, &text).unwrap();
    let third = kbase(&["import", src, "--out", out_s], dir.path());
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(
        stderr.contains("1 skipped") && stderr.contains("Q900001.md exists and differs"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap(),
        text,
        "the edit survives"
    );

    let forced = kbase(&["import", src, "--out", out_s, "--force"], dir.path());
    assert!(String::from_utf8_lossy(&forced.stderr).contains("1 written, 21 unchanged"));
    assert!(!std::fs::read_to_string(&edited)
        .unwrap()
        .contains("by hand"));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left");
}

#[test]
fn import_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        kbase(&["import", "no-such-dir", "--out", "x"], dir.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        kbase(&["import", "x"], dir.path()).status.code(),
        Some(2),
        "--out is required"
    );
}

/// A legacy file around an applies-to box whose items are `items` (one per line, written
/// as the box writes them, nested ones indented).
fn with_box(items: &str, product_line: &str) -> String {
    let eq70 = "=".repeat(70);
    let eq77 = "=".repeat(77);
    let dash = "-".repeat(79);
    let applies = if items.is_empty() {
        String::new()
    } else {
        format!("{dash}\nThe information in this article applies to:\n\n{items}\n{dash}\n")
    };
    format!(
        "DOCUMENT:Q900070  01-FEB-2000  [widget]\nTITLE   :WIDG: Products in the Box\n\
         PRODUCT :{product_line}\nPROD/VER:WINDOWS:2.0\nOPER/SYS:\nKEYWORDS:kbwidget\n\n\
         {eq70}\n{applies}\nSUMMARY\n=======\n\nThe Widget service starts on its own.\n\n\
         {eq70}\nKeywords          : kbwidget\n\n{eq77}\n\nTHE INFORMATION PROVIDED IN THE \
         MICROSOFT KNOWLEDGE BASE IS PROVIDED \"AS IS\".\n"
    )
}

fn product_names(text: &str) -> Vec<(String, Vec<String>)> {
    let c = convert(text.as_bytes(), "box.TXT").unwrap();
    let a = parse(&c.file);
    assert_eq!(
        a.front.products, c.front.products,
        "the file says what was read"
    );
    assert_eq!(
        a.sections[0].text().trim(),
        "The Widget service starts on its own."
    );
    c.front
        .products
        .iter()
        .map(|p| (p.name.clone(), p.versions.clone()))
        .collect()
}

fn named(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.iter().map(|v| v.to_string()).collect()))
        .collect()
}

/// Products are names, not the box's sentence fragments: a nested box's head
/// (`The Microsoft Foundation Classes (MFC), used with:`) is the component, its items are
/// products of their own, `the hardware: DEC Alpha` is a platform, editors' notes and
/// `as they apply to:` go, and case variants take the archive's most frequent spelling.
#[test]
fn applies_to_items_become_product_names() {
    let nested = " - The Microsoft Foundation Classes (MFC), used with:\n    \
                  - Microsoft Visual C++, 32-bit Enterprise Edition, version 6.0 \n    \
                  - Microsoft Visual C++, 32-bit Professional Edition, version 6.0 \n \
                  - The DAO SDK, included with:\n    \
                  - *EDITOR Please do not choose this product*Microsoft Visual C++ 32-bit \
                  Edition* use 241, 265, 225, versions 4.0, 4.1 ";
    assert_eq!(
        product_names(&with_box(nested, "Contoso Widget Server")),
        named(&[
            ("Microsoft Foundation Classes (MFC)", &[]),
            ("Microsoft Visual C++, 32-bit Enterprise Edition", &["6.0"]),
            (
                "Microsoft Visual C++, 32-bit Professional Edition",
                &["6.0"]
            ),
            ("DAO SDK", &[]),
            ("Microsoft Visual C++ 32-bit Edition", &["4.0", "4.1"]),
        ])
    );

    let platforms = " - Microsoft Windows NT Server version 4.0, on platform(s):\n    \
                     - the hardware: DEC Alpha \n \
                     - Microsoft Windows CE Platform Builder, versions 3.0, 4.0, on platform(s):\n    \
                     - x86 ";
    let c = convert(with_box(platforms, "Contoso").as_bytes(), "box.TXT").unwrap();
    assert_eq!(
        product_names(&with_box(platforms, "Contoso")),
        named(&[
            ("Microsoft Windows NT Server", &["4.0"]),
            ("Microsoft Windows CE Platform Builder", &["3.0", "4.0"]),
        ])
    );
    assert_eq!(c.front.platforms, ["Windows", "DEC Alpha", "Intel x86"]);

    let fragments = " - The AppWizard \n - The ClassWizard \n\nas they apply to:\n\n \
                     - Microsoft Visual C++, version 4.0 \n \
                     - Microsoft Mail For Appletalk Networks \n \
                     - Microsoft eMbedded Visual C++, Version:3.0\n \
                     - MSN Encarta Language Learning.";
    assert_eq!(
        product_names(&with_box(fragments, "Contoso")),
        named(&[
            ("AppWizard", &[]),
            ("ClassWizard", &[]),
            ("Microsoft Visual C++", &["4.0"]),
            ("Microsoft Mail for AppleTalk Networks", &[]),
            ("Microsoft eMbedded Visual C++", &["3.0"]),
            ("MSN Encarta Language Learning", &[]),
        ])
    );

    // Without a box the PRODUCT line is the product, cleaned the same way.
    assert_eq!(
        product_names(&with_box("", "Microsoft Mail For PC Networks")),
        named(&[("Microsoft Mail for PC Networks", &["2.0"])])
    );
    assert_eq!(product_names(&with_box("", "DELETE ME")), named(&[]));
}
