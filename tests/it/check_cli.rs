//! `kbase check` as a process: exit codes and output.

use std::process::{Command, Output};

use crate::{fixture, repo};

fn kbase(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(args)
        .current_dir(dir)
        .env_remove("KBASE_ARTICLES")
        .output()
        .expect("kbase runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn shipped_articles_pass() {
    // On a fixed day: the shipped articles' reviews come due in time, and `kbase check`
    // on the real date then says so (that is its job, not a failure of this test).
    let o = Command::new(env!("CARGO_BIN_EXE_kbase"))
        .arg("check")
        .current_dir(repo())
        .env_remove("KBASE_ARTICLES")
        .env("KBASE_TODAY", "2026-12-03")
        .output()
        .expect("kbase runs");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.starts_with("checked "), "{out}");
    assert!(out.contains(": 0 errors, 0 warnings"), "{out}");
}

#[test]
fn broken_yaml_exits_1_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("invalid/broken-yaml.md"), dir.path().join("bad.md")).unwrap();
    std::fs::copy(
        repo().join("articles/Q190698.md"),
        dir.path().join("Q190698.md"),
    )
    .unwrap();
    let o = kbase(&["check", "--articles", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("./bad.md:6:4: error: YAML syntax: "),
        "{out}"
    );
    assert!(out.contains("checked 2 files (1 usable)"), "{out}");
}

#[test]
fn duplicate_id_exits_1_and_names_the_id_and_both_files() {
    let o = kbase(&["check", "--articles", "duplicate"], &fixture(""));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).lines().next().unwrap(),
        "duplicate/sub/b.md:3:1: error: duplicate id `DUP-1`: `duplicate/a.md` has it too; this file is skipped"
    );
}

#[test]
fn every_invalid_fixture_is_reported_in_order() {
    let o = kbase(&["check", "--articles", "invalid"], &fixture(""));
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let summary = out.lines().last().unwrap();
    let summary = summary.split(" in ").next().unwrap();
    let listing: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("checked "))
        .collect();
    insta::assert_snapshot!(
        "check_invalid",
        format!("{}\n{summary}", listing.join("\n"))
    );
}

#[test]
fn every_bad_field_and_the_body_s_problems_are_listed_at_once() {
    let o = kbase(&["check", "--articles", "several-errors"], &fixture(""));
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let listing: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("checked "))
        .collect();
    assert_eq!(
        listing,
        [
            "several-errors/four-fields.md:4:12: error: published: `2021-02-30` is not a valid date: write YYYY-MM-DD",
            "several-errors/four-fields.md:8:9: error: events[1].id: event id 0 is outside the event id range 1..=4294967295",
            "several-errors/four-fields.md:9:13: error: visibility: unknown value `secret`, expected `public` or `internal`",
            "several-errors/four-fields.md:10:9: error: status: unknown value `5`, expected one of `draft`, `published`, `retired`",
            "several-errors/four-fields.md:13:1: warning: section `Cause` is empty",
        ],
        "{out}"
    );
    assert!(
        out.contains("checked 1 file (0 usable)") && out.contains(": 4 errors, 1 warning"),
        "{out}"
    );
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let o = kbase(
        &["check", "--articles", "warnings", "--format", "json"],
        &fixture(""),
    );
    assert_eq!(o.status.code(), Some(0), "warnings alone do not fail");
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["file"], "warnings/empty-section.md");
    assert_eq!(lines[0]["line"], 6);
    assert_eq!(lines[0]["severity"], "warning");
    assert_eq!(lines[0]["code"], "empty-section");
    assert!(String::from_utf8_lossy(&o.stderr).contains("4 warnings"));
}

#[test]
fn usage_and_environment_errors_exit_2() {
    let o = kbase(&["check", "--format", "xml"], repo());
    assert_eq!(o.status.code(), Some(2));
    let o = kbase(&["check", "--articles", "no-such-folder"], repo());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-folder"));
}

#[test]
fn the_articles_folder_can_come_from_the_environment() {
    let o = Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(["check"])
        .current_dir(fixture(""))
        .env("KBASE_ARTICLES", "duplicate")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

/// A folder of articles made from (file name, extra front matter lines) pairs; each gets
/// an id from its file name, a title, and a resolution so no other warning shows.
fn articles(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, front) in files {
        let id = name.trim_end_matches(".md");
        let text =
            format!("---\nid: {id}\ntitle: Title of {id}\n{front}---\n\n## Resolution\n\nDo x.\n");
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `kbase check` in `dir` with `KBASE_TODAY` fixed.
fn check_on(today: &str, args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbase"))
        .arg("check")
        .args(["--articles", "."])
        .args(args)
        .current_dir(dir)
        .env_remove("KBASE_ARTICLES")
        .env("KBASE_TODAY", today)
        .output()
        .expect("kbase runs")
}

/// The review files of the tests below: two owned, one not, one not yet due, one with
/// no review date.
fn review_articles() -> tempfile::TempDir {
    articles(&[
        ("R1.md", "owner: ops@example.com\nreview_by: 2024-02-29\n"),
        ("R2.md", "review_by: 2024-01-15\n"),
        ("R3.md", "owner: ops@example.com\nreview_by: 2023-12-01\n"),
        (
            "R4.md",
            "owner: dba\nvisibility: internal\nreview_by: 2024-03-01\n",
        ),
        ("R5.md", "status: published\nvalid_to: 2030-01-01\n"),
        ("R6.md", "owner: Ann\nreview_by: 2024-03-02\n"),
    ])
}

#[test]
fn past_review_dates_are_warnings_at_their_line_and_exit_0() {
    let dir = review_articles();
    let o = check_on("2024-03-01", &[], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "./R1.md:5:1: warning: due for review since 2024-02-29 (owner: ops@example.com)",
            "./R2.md:4:1: warning: due for review since 2024-01-15",
            "./R3.md:5:1: warning: due for review since 2023-12-01 (owner: ops@example.com)",
        ],
        "{out}"
    );
    assert!(
        lines[3].starts_with("checked 6 files (6 usable)")
            && lines[3].ends_with(": 0 errors, 3 warnings"),
        "{out}"
    );
    // A day later R4 (due 2024-03-01) joins them; a day earlier R1 (due that day) leaves.
    let o = check_on("2024-03-02", &[], dir.path());
    assert!(
        stdout(&o).contains(": 0 errors, 4 warnings"),
        "{}",
        stdout(&o)
    );
    let o = check_on("2024-02-29", &[], dir.path());
    assert!(
        stdout(&o).contains(": 0 errors, 2 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn strict_makes_due_reviews_errors_and_exits_1() {
    let dir = review_articles();
    let o = check_on("2024-03-01", &["--strict"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("./R1.md:5:1: error: due for review since 2024-02-29"),
        "{out}"
    );
    assert!(out.contains(": 3 errors, 0 warnings"), "{out}");
    // Nothing due: strict has nothing to fail on.
    let o = check_on("2023-01-01", &["--strict"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = check_on("2023-01-01", &["--format", "json", "--strict"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let o = check_on("2024-03-01", &["--format", "json", "--strict"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "due-for-review");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 5);
}

#[test]
fn due_lists_articles_by_owner_oldest_first() {
    let dir = review_articles();
    let o = check_on("2024-03-01", &["--due"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "dba\n\
         \x20 2024-03-01  R4  Title of R4  ./R4.md\n\
         ops@example.com\n\
         \x20 2023-12-01  R3  Title of R3  ./R3.md\n\
         \x20 2024-02-29  R1  Title of R1  ./R1.md\n\
         (no owner)\n\
         \x20 2024-01-15  R2  Title of R2  ./R2.md\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "4 articles due for review on 2024-03-01\n"
    );
    let o = check_on("2020-01-01", &["--due"], dir.path());
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), ""));
}

#[test]
fn due_as_json_is_one_array() {
    let dir = review_articles();
    let o = check_on("2024-02-29", &["--due", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let due: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON value");
    assert_eq!(
        due,
        serde_json::json!([
            {"id": "R3", "title": "Title of R3", "path": "./R3.md",
             "owner": "ops@example.com", "review_by": "2023-12-01"},
            {"id": "R1", "title": "Title of R1", "path": "./R1.md",
             "owner": "ops@example.com", "review_by": "2024-02-29"},
            {"id": "R2", "title": "Title of R2", "path": "./R2.md",
             "owner": null, "review_by": "2024-01-15"},
        ])
    );
}

#[test]
fn due_skips_broken_files_and_says_so() {
    let dir = articles(&[
        ("OK.md", "review_by: 2024-01-01\n"),
        ("BAD.md", "visibility: secret\nreview_by: 2024-01-01\n"),
    ]);
    let o = check_on("2024-03-01", &["--due"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "(no owner)\n  2024-01-01  OK  Title of OK  ./OK.md\n"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("files with errors are not listed"));
}

#[test]
fn lifecycle_mistakes_are_located_errors() {
    let dir = articles(&[
        ("V.md", "visibility: secret\n"),
        ("S.md", "\nstatus: old\n"),
        ("O.md", "owner: \"  \"\n"),
        ("P.md", "published: 2024-05-02\nvalid_to: 2024-05-01\n"),
        ("D.md", "review_by: 2024-13-01\n"),
    ]);
    let o = check_on("2024-03-01", &[], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let listing: Vec<&str> = out.lines().take(5).collect();
    assert_eq!(
        listing,
        [
            "./D.md:4:12: error: review_by: `2024-13-01` is not a valid date: write YYYY-MM-DD",
            "./O.md:4:1: error: `owner` is empty: name a person or address, or remove the key",
            "./P.md:5:1: error: `valid_to` 2024-05-01 is before `published` 2024-05-02: anonymous readers would never see it",
            "./S.md:5:9: error: status: unknown value `old`, expected one of `draft`, `published`, `retired`",
            "./V.md:4:13: error: visibility: unknown value `secret`, expected `public` or `internal`",
        ],
        "{out}"
    );
    assert!(out.contains("checked 5 files (0 usable)"), "{out}");
}

#[test]
fn a_bad_kbase_today_is_a_usage_error() {
    let dir = review_articles();
    let o = check_on("2024-02-30", &[], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("KBASE_TODAY: `2024-02-30` is not a valid date"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = check_on("2024-03-01", &["--due", "--strict"], dir.path());
    assert_eq!(o.status.code(), Some(2), "--due and --strict conflict");
}

#[test]
fn search_prints_each_hit_with_its_permalink_and_fix_and_says_when_nothing_matched() {
    let dir = tempfile::tempdir().unwrap();
    let run = |q: &[&str]| {
        let mut args = vec!["search", "--articles", "articles", "--data"];
        let data = dir.path().join("data");
        let data = data.to_str().unwrap().to_owned();
        args.push(&data);
        args.extend_from_slice(q);
        let o = kbase(&args, repo());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        stdout(&o)
    };
    let found = run(&["5058"]);
    let lines: Vec<&str> = found.lines().collect();
    assert!(lines[0].starts_with("Q190698 "), "{found}");
    assert_eq!(lines[1].trim(), "/kb/Q190698#workaround", "{found}");
    assert!(
        lines[2]
            .trim_start()
            .starts_with("Workaround: Restore the Kmsdata"),
        "{found}"
    );
    assert!(found.lines().all(|l| l.chars().count() <= 120), "{found}");
    let none = run(&["zzyzzx", "event", "99999"]);
    assert!(
        none.starts_with("No article matches “zzyzzx event 99999”."),
        "{none}"
    );
    assert!(
        none.contains("Looked for event ID 99999 and the words."),
        "{none}"
    );
}
