//! The file format shared by a deployment's synonym and source alias lists: a YAML list
//! of groups, each a list of strings.
//!
//! Both are read the same way, from the articles folder, by people who edit them by
//! hand: one size cap, one reading, one error naming the file, line and column. What a
//! group may hold (words, source names) is the caller's rule, checked after this.

use std::path::Path;

/// Largest group file read: a list of names is small.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What a file holds, in the words its errors use.
pub(super) struct Kind {
    /// The file, as named in errors: `synonym file`.
    pub file: &'static str,
    /// What its groups are: `synonym groups`.
    pub groups: &'static str,
    /// What a group is a list of: `words`.
    pub members: &'static str,
}

/// Reads the groups of the file at `path`, at most [`MAX_FILE_BYTES`] of it.
pub(super) fn read(path: &Path, kind: &Kind) -> Result<Vec<Vec<String>>, String> {
    let shown = path.display();
    let file = kind.file;
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{shown}: cannot read the {file}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}: the {file} is {size} bytes; at most {MAX_FILE_BYTES} are read"
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{shown}: cannot read the {file}: {e}"))?;
    parse(&text, path, kind)
}

/// The groups of `text`, read from `path`; an empty file has none.
pub(super) fn parse(text: &str, path: &Path, kind: &Kind) -> Result<Vec<Vec<String>>, String> {
    let shown = path.display();
    let (groups, members) = (kind.groups, kind.members);
    serde_yaml::from_str::<Option<Vec<Vec<String>>>>(text)
        .map_err(|e| match e.location() {
            Some(l) => format!(
                "{shown}:{}:{}: expected a list of {groups}, each a list of {members}: {e}",
                l.line(),
                l.column()
            ),
            None => format!("{shown}: expected a list of {groups}: {e}"),
        })
        .map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: Kind = Kind {
        file: "test file",
        groups: "test groups",
        members: "names",
    };

    #[test]
    fn groups_are_read_and_errors_are_located() {
        let p = Path::new("g.yml");
        assert_eq!(
            parse("- [a, b]\n- [c, d]\n", p, &KIND).unwrap(),
            [vec!["a", "b"], vec!["c", "d"]]
        );
        assert!(parse("", p, &KIND).unwrap().is_empty());
        let err = parse("- [a, b]\n- c\n", p, &KIND).unwrap_err();
        assert!(
            err.starts_with("g.yml:2:3: expected a list of test groups, each a list of names"),
            "{err}"
        );
    }

    #[test]
    fn a_big_or_missing_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yml");
        std::fs::write(&big, "#".repeat(MAX_FILE_BYTES as usize + 1)).unwrap();
        let err = read(&big, &KIND).unwrap_err();
        assert!(
            err.contains("big.yml: the test file is 1048577 bytes"),
            "{err}"
        );
        let err = read(&dir.path().join("none.yml"), &KIND).unwrap_err();
        assert!(err.contains("none.yml: cannot read the test file"), "{err}");
    }
}
