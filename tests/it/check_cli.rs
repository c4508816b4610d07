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
    let o = kbase(&["check"], repo());
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
