//! The README stays true to the command line: every command, flag and environment
//! variable that `kbase --help` knows is written in it, so a new flag cannot ship
//! undocumented.

use std::process::Command;

use crate::repo;

/// `kbase ARGS --help`, as printed.
fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(args)
        .arg("--help")
        .output()
        .expect("kbase runs");
    assert!(out.status.success(), "kbase {args:?} --help");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The subcommands a help text lists under `Commands:` (without `help`).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// The long flags (`--data`) and variables (`KBASE_DATA`) a help text names.
fn flags_and_variables(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in help.split(|c: char| c.is_whitespace() || "[]=,<>".contains(c)) {
        let word = word.trim_matches(|c: char| c == '.' || c == ':' || c == ')' || c == '(');
        let flag = word.starts_with("--") && word.len() > 2;
        let variable = word.starts_with("KBASE_");
        if (flag || variable)
            && word != "--help"
            && word != "--version"
            && !out.contains(&word.to_owned())
        {
            out.push(word.to_owned());
        }
    }
    out
}

#[test]
fn every_command_flag_and_variable_is_in_the_readme() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut missing = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = queue.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = help(&args);
        seen += 1;
        if !path.is_empty() && !readme.contains(&format!("kbase {}", path.join(" "))) {
            // `kbase token create`: the README names the command with its parent.
            let last = path.last().unwrap();
            if !readme.contains(&format!(" {last} ")) && !readme.contains(&format!("kbase {last}"))
            {
                missing.push(format!("command `kbase {}`", path.join(" ")));
            }
        }
        for name in flags_and_variables(&text) {
            if !readme.contains(&name) {
                missing.push(format!("`{name}` of `kbase {}`", path.join(" ")));
            }
        }
        for c in commands(&text) {
            let mut next = path.clone();
            next.push(c);
            queue.push(next);
        }
    }
    assert!(seen > 5, "the commands were found ({seen})");
    assert!(
        missing.is_empty(),
        "not in the README:\n{}",
        missing.join("\n")
    );
}
